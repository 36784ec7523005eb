"""What a build keeps between runs so the next one only redoes what changed: one SQLite file
beside the build.

Six kinds of entries, each keyed by everything it was made from (and podcaster's code):
- episodes: what every build reads of an episode as it loaded (parsed, validated, its audio
  probed), with the warnings found on the way, under the size and mtime of its episode.md and of
  every file it names;
- bodies: the whole episode, under the same key, read only when a build asks for more of it;
- notes: show notes rendered to HTML;
- items: a feed's <item> for an episode, as XML;
- feeds: what a feed the build wrote says of its episodes (their GUIDs), so the next build need
  not parse thousands of items again to check that no GUID changed; and where each item lies in
  each feed document, so the next build can copy the items that did not change from it;
- templates: the templates, compiled, under a template's name and file (jinja2 keeps the digest
  of its source in the entry, and compiles it again when the source differs).

SQLite keeps all of it off the heap however large the show. It is only a cache: a damaged file
starts again empty, and while another build holds it, this one works without it (and says so).
After a build that finished, an entry it did not use is dropped unless it belongs to an episode
that is still as it was (a rebuild that had nothing to remake for it must not lose it), or is
`LASTING`. The entries are pickles that only podcaster writes, in the build's own folder (as
Pelican's content cache is).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import logging
import os
import pickle
import sqlite3
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path, PurePath
from typing import Any

CACHE_FILE = ".podcaster-cache.sqlite"
# The rendered notes' own SQLite file, which this cache replaced: a build removes what an earlier
# podcaster left of it, which nothing reads any more.
_FORMER_NOTES_CACHE = ".podcaster-notes.sqlite"

log = logging.getLogger(__name__)

_TABLES = ("episodes", "bodies", "notes", "items", "feeds", "templates")
_KEYS_PER_QUERY = 500  # under SQLite's limit on a statement's parameters


# The libraries whose output ends up in pages, feed items and notes.
_RENDERING_LIBRARIES = ("Jinja2", "feedgen", "lxml", "pyromark", "nh3", "mutagen", "Pillow")


def _code_digest() -> str:
    """What every cached entry also depends on: podcaster's own code (its files' sizes and mtimes,
    so an edited or upgraded install starts afresh), the libraries that render, and the Python
    that pickled it."""
    package = Path(__file__).resolve().parent
    stamps = sorted((str(p.relative_to(package)), p.stat().st_size, p.stat().st_mtime_ns) for p in package.rglob("*.py"))
    libraries = [(name, version(name)) for name in _RENDERING_LIBRARIES]
    return hashlib.sha256(repr((sys.version, libraries, stamps)).encode()).hexdigest()


CODE_DIGEST = _code_digest()
# The owner of entries that every build with this code keeps, whether it uses them or not: a few,
# each replaced where it is when what it is made from changes (a template compiled again). A
# template renamed or removed leaves its entry until podcaster's code changes, which drops them all.
LASTING = f"lasting {CODE_DIGEST}"


def file_stamp(path: Path | str | None) -> tuple[int, int] | None:
    """A file's size and mtime: what says it changed, as make and rsync judge it; None if missing."""
    if path is None:
        return None
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns


class BuildCache:
    """The cache in the SQLite file at `path`; with no path, one that remembers nothing.

    Until `begin_writing`, it only reads (an existing file) and holds what it is given: a build
    that refuses its input leaves nothing behind, not even a new cache file."""

    def __init__(self, path: Path | None, *, read_only: bool = False) -> None:
        self.path = path
        self._folder = path.parent if path is not None else None
        # Only read (for `check`): nothing is written, pruned or removed, and no lock is taken.
        self._read_only = read_only
        self._used: dict[str, set[str]] = {table: set() for table in _TABLES}
        self._used_owners: dict[str, set[str]] = {table: set() for table in _TABLES}
        self._connection: sqlite3.Connection | None = None
        self._pending: dict[tuple[str, str], tuple[Any, str | None]] | None = {}  # None once writing
        self._owners: set[str] = {LASTING}
        self._closed = False
        if path is not None and path.is_file():
            self._connect()

    def _connect(self) -> None:
        assert self.path is not None
        try:
            self._open()
        except sqlite3.OperationalError as e:
            # Busy (another build holds it) or not writable, not damaged: this build does without it.
            log.warning("the build cache %s is busy or cannot be opened (%s); everything is made again this time",
                        self.path, e)
            self._close_quietly()
            self.path = None
        except sqlite3.DatabaseError:
            self._close_quietly()
            if self._read_only:
                self.path = None
                return
            self._remove()
            self._open()

    def _open(self) -> None:
        assert self.path is not None
        self._connection = sqlite3.connect(self.path, timeout=1, isolation_level=None)
        if self._read_only:
            return
        self._connection.execute("PRAGMA journal_mode=WAL")
        # Not OFF, though its checkpoints' syncs made a rebuild of 10,000 episodes wait 0.9-1.1 s
        # when a large write had just gone before it (a recording copied in): a power loss could
        # then leave pages of different moments, which SQLite cannot always tell, and a wrong entry
        # read without an error would be published.
        self._connection.execute("PRAGMA synchronous=NORMAL")
        # One build at a time writes it; another one meanwhile does without.
        self._connection.execute("BEGIN IMMEDIATE")
        for table in _TABLES:
            self._connection.execute(f"CREATE TABLE IF NOT EXISTS {table} (key TEXT PRIMARY KEY, value BLOB, owner TEXT)")
            # What pruning reads, without the values: scanning the table read them all, which at
            # ten thousand episodes is 380 MB and took 0.18 s of every build (0.02 s by this index).
            self._connection.execute(f"CREATE INDEX IF NOT EXISTS {table}_owner ON {table} (owner, key)")

    def _close_quietly(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    @property
    def is_closed(self) -> bool:
        """Whether `close` was called: the build is over (not only the cache given up)."""
        return self._closed

    def begin_writing(self) -> None:
        """The input is valid: from now on entries go to the file (made now if there is none)."""
        assert not self._read_only
        pending, self._pending = self._pending or {}, None
        if self._connection is None and self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._connect()
        for (table, key), (value, owner) in pending.items():
            self.put(table, key, value, owner)
        if self._folder is not None:
            for part in ("", "-wal", "-shm"):
                (self._folder / f"{_FORMER_NOTES_CACHE}{part}").unlink(missing_ok=True)

    def retain(self, owners: set[str]) -> None:
        """The episodes (fingerprints) of the show as it is now: what they own outlives this build,
        as what is `LASTING` does."""
        self._owners = owners | {LASTING}

    # --- entries -----------------------------------------------------------------------------

    def get(self, table: str, key: str) -> Any | None:
        """The entry under `key` (a digest of what it was made from), or None."""
        if self._pending and (table, key) in self._pending:
            return self._pending[(table, key)][0]
        if self._connection is None:
            return None
        try:
            row = self._connection.execute(f"SELECT value FROM {table} WHERE key = ?", (key,)).fetchone()
        except sqlite3.DatabaseError as e:
            self._give_up(e)
            return None
        if row is None:
            return None
        self._used[table].add(key)
        try:
            return pickle.loads(row[0])
        except Exception:  # an entry that no longer unpickles: it is made again
            return None

    def get_many(self, table: str, keys: list[str]) -> dict[str, Any]:
        """`get` for each of `keys`: the entries found, by key."""
        found = {key: self._pending[(table, key)][0] for key in keys if self._pending and (table, key) in self._pending}
        if self._connection is None:
            return found
        try:
            for key, value in self._rows(table, "key, value", keys):
                if key in found:  # given to this build, not stored yet: as `get`, that one counts
                    continue
                try:
                    found[key] = pickle.loads(value)
                except Exception:  # an entry that no longer unpickles: it is made again
                    continue
                self._used[table].add(key)
        except sqlite3.DatabaseError as e:
            self._give_up(e)
        return found

    def present(self, table: str, keys: list[str]) -> set[str]:
        """Which of `keys` have an entry; those found are kept, as those `get` finds."""
        found = {key for key in keys if self._pending and (table, key) in self._pending}
        if self._connection is None:
            return found
        try:
            stored = {key for (key,) in self._rows(table, "key", keys)}
        except sqlite3.DatabaseError as e:
            self._give_up(e)
            return found
        self._used[table].update(stored)
        return found | stored

    def _rows(self, table: str, columns: str, keys: list[str]) -> Iterator[tuple]:
        """`columns` of the entries under `keys`, asked a few hundred keys at a time, not one by one."""
        assert self._connection is not None
        for start in range(0, len(keys), _KEYS_PER_QUERY):
            chunk = keys[start:start + _KEYS_PER_QUERY]
            yield from self._connection.execute(
                f"SELECT {columns} FROM {table} WHERE key IN ({','.join('?' * len(chunk))})", chunk)

    def keep(self, table: str, keys: list[str]) -> None:
        """Keep the entries under `keys`, as if this build had read them."""
        self._used[table].update(keys)

    def put(self, table: str, key: str, value: Any, owner: str | None = None) -> None:
        """Keep `value` under `key`; with an `owner` (an episode's fingerprint), it is kept as long as
        that episode is as it was, even by builds that do not use it (they had nothing to remake)."""
        if self._pending is not None:
            self._pending[(table, key)] = (value, owner)
            return
        if self._connection is None:
            return
        self._used[table].add(key)
        if owner is not None and owner != LASTING:  # one entry made afresh makes no other of it stale
            self._used_owners[table].add(owner)
        try:
            pickled = _pickled(value)
        except (pickle.PicklingError, TypeError, AttributeError) as e:  # not a value to keep: made again next time
            log.debug("not cached (%s): %s", table, e)
            return
        try:
            self._connection.execute(f"INSERT OR REPLACE INTO {table} VALUES (?, ?, ?)", (key, pickled, owner))
        except sqlite3.DatabaseError as e:
            self._give_up(e)

    def _give_up(self, error: Exception) -> None:
        log.warning("the build cache %s failed (%s); the rest of this build works without it", self.path, error)
        self._close_quietly()
        # Busy is another build's turn; anything else is damage, which the next build would meet again.
        if not isinstance(error, sqlite3.OperationalError) and not self._read_only:
            self._remove()

    def _remove(self) -> None:
        assert self.path is not None
        for part in (self.path, self.path.with_name(self.path.name + "-wal"), self.path.with_name(self.path.name + "-shm")):
            part.unlink(missing_ok=True)

    def close(self, *, finished: bool) -> None:
        """Keep what this build added; after a build that finished, drop what it neither used nor
        retained."""
        self._closed = True
        if self._connection is None:
            return
        if self._read_only:
            self._close_quietly()
            return
        try:
            if finished:
                for table, used in self._used.items():
                    # Unused, and either its episode is gone or changed, or this build made the
                    # episode's entry of this kind afresh (after a template or settings change, say).
                    renewed = self._used_owners[table]
                    stale = [(key,) for key, owner in self._connection.execute(f"SELECT key, owner FROM {table}")
                             if key not in used and (owner not in self._owners or owner in renewed)]
                    self._connection.executemany(f"DELETE FROM {table} WHERE key = ?", stale)
            self._connection.execute("COMMIT")
        except sqlite3.DatabaseError as e:
            log.warning("the build cache %s was not updated (%s); the next build does the work again", self.path, e)
        finally:
            self._close_quietly()


class _Pickler(pickle.Pickler):
    # A path pickles as its parts, and unpickling joins them again: as a string it loads in half
    # the time, and ten thousand episodes hold some forty thousand paths. A dataclass with slots
    # is restored field by field by a function of the dataclasses module: called with its fields
    # instead, ten thousand cached episodes unpickle in 0.26 s rather than 0.37 s.
    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, PurePath):
            return type(obj), (str(obj),)
        names = _constructor_fields(type(obj))
        if names is not None:
            return type(obj), tuple(getattr(obj, name) for name in names)
        return NotImplemented


@functools.cache
def _constructor_fields(cls: type) -> tuple[str, ...] | None:
    """The fields that make an instance of `cls`, in the order its constructor takes them, if it is a
    dataclass whose constructor takes every field as it is; else None."""
    if not dataclasses.is_dataclass(cls):
        return None
    fields = dataclasses.fields(cls)
    if not all(field.init and not field.kw_only for field in fields) or hasattr(cls, "__post_init__"):
        return None
    return tuple(field.name for field in fields)


def _pickled(value: Any) -> bytes:
    buffer = io.BytesIO()
    _Pickler(buffer, pickle.HIGHEST_PROTOCOL).dump(value)
    return buffer.getvalue()


@contextmanager
def opened(folder: Path, *, read_only: bool = False) -> Iterator[BuildCache]:
    """The build cache of the build in `folder` (see `BuildCache.begin_writing`), kept when the
    block ends; `read_only`, it is only read."""
    cache = BuildCache(folder / CACHE_FILE, read_only=read_only)
    finished = False
    try:
        yield cache
        finished = True
    finally:
        cache.close(finished=finished)


_DIGEST_PROTOCOL = 5
_digesters = threading.local()


def digest(*parts: Any) -> str:
    """A key for an entry: the SHA-256 of podcaster's code and of what the entry is made from.

    The parts are pickled straight into the hash: a rebuild of ten thousand episodes makes some
    45,000 keys, and their repr took 5.2 µs a key where a pickle takes 2.3."""
    digester = getattr(_digesters, "digester", None) or _Digester()
    _digesters.digester = None  # a pickler that fails mid-way is not used again
    if digester.code is not CODE_DIGEST:
        digester.code, digester.code_hashed = CODE_DIGEST, hashlib.sha256(CODE_DIGEST.encode())
    digester.hashed = hashed = digester.code_hashed.copy()
    digester.pickler.dump(parts)
    _digesters.digester = digester
    return hashed.hexdigest()


class _Digester:
    """A pickler that writes into `hashed`, kept for each thread: making one took a third of a key's time.

    Without the pickler's memo ("fast" mode), which would write a value seen twice in one key as a
    reference to the first only when both are the same object: the key is then the same whether
    or not equal values are the same object (read from the cache, or parsed afresh)."""

    __slots__ = ("code", "code_hashed", "hashed", "pickler")

    def __init__(self) -> None:
        self.code: str | None = None
        self.code_hashed: Any = None  # the hash of `code`, which every key starts from
        self.hashed: Any = None
        self.pickler = pickle.Pickler(self, _DIGEST_PROTOCOL)
        self.pickler.fast = True

    def write(self, data: bytes) -> None:
        self.hashed.update(data)
