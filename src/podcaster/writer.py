"""Writes the built site into the output folder: only what changed, never outside it, never twice.

It keeps a small state file in the folder: the SHA-256 of every file it wrote (so publishing need
not hash large audio again), what each derived file (a tagged audio copy, a sized image, a
copied file) was made from, and what each rendered page was rendered from (so an unchanged one
is neither rendered nor read again). The state is a cache: if it is lost, the next build does
the work again and produces the same files. It is a pickle (as the build cache's entries are,
in the same folder), of tuples: at ten thousand episodes it has some 60,000 entries, which as
JSON objects took 0.36 s of every rebuild to read and write, and as pickled tuples take 0.15 s.
What a build changed in it is saved beside it (`CHANGES_FILE`) while that is little.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import shutil
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

from podcaster.errors import RenderError
from podcaster.files import lies_in, remove_empty_folders, replace_atomically, sha256_of
from podcaster.storage.base import Manifest, ManifestEntry

STATE_FILE = ".podcaster-build.pickle"
# The state as podcaster wrote it before, as JSON objects: read when there is no STATE_FILE yet,
# so an upgrade does not copy and tag every recording again, and removed once STATE_FILE is saved.
_JSON_STATE_FILE = ".podcaster-build.json"
_JSON_STATE_VERSION = 2
_STATE_HEADER = ("podcaster build state", 5)  # then a token that names this very save
_TOKENLESS_STATE_HEADER = ("podcaster build state", 4)  # as podcaster wrote it before: read, with no token
_STATE_SECTIONS = ("files", "derived", "groups")
_STATE_PIECE = 1000  # entries pickled at a time: the whole state at once held 20 MB more at the end of the build
# What changed since the state was last saved whole, beside it: a rebuild after one new episode
# changes a few dozen of 60,000 entries, and writing them all again took 0.1 s. Kept while it holds
# at most a tenth as many entries as the state; then the state is saved whole again. The changes
# name the save they apply to by the random token it was written with (which a copy of the folder
# keeps, and which no other save has).
CHANGES_FILE = ".podcaster-build-changes.pickle"
_CHANGES_HEADER = ("podcaster build state changes", 1)
_CHANGES_AT_MOST = 0.1
_COPY_RECIPE = "copy"
_READ_SIZE = 1 << 20

log = logging.getLogger(__name__)

Stamp = tuple[int, int]  # a file's size and mtime (ns)


class _File(NamedTuple):
    """What the state knows of a file of the site."""

    sha256: str
    size: int
    stat: Stamp | None  # when it was hashed
    inputs: str | None  # the digest of what a rendered file was rendered from
    # The inode and change time of a file this writer wrote (None if it only hashed it): a file put
    # back with the same size and mtime (`cp -p`, a restored backup) has others, and then neither
    # its recorded digest nor pieces of it are taken for the file the state describes.
    identity: tuple[int, int] | None


class _Derived(NamedTuple):
    """What a derived file (a tagged copy, a sized image, a copied file) was made from."""

    source: Stamp | None
    recipe: str
    output: Stamp | None


class _Group(NamedTuple):
    """Files made together from the same inputs (see `SiteWriter.group`)."""

    inputs: str
    keys: tuple[str, ...]


_RECORDS = {"files": _File, "derived": _Derived, "groups": _Group}


class Reused(NamedTuple):
    """A piece of a file to write that is `length` bytes of the file's last version, from `offset`
    (see `SiteWriter.write_chunks`). A named tuple: a feed of 10,000 items rewritten is made of as
    many, and a frozen dataclass took three times as long to make."""

    offset: int
    length: int


def _stat_key(path: Path | str) -> Stamp | None:
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    return stat.st_size, stat.st_mtime_ns


def _identity(status: os.stat_result) -> tuple[int, int] | None:
    # Windows has no change time (st_ctime is the creation time, which a rewrite keeps).
    return None if os.name == "nt" else (status.st_ino, status.st_ctime_ns)


class SiteWriter:
    def __init__(self, root: Path) -> None:
        self.root = root
        # Keys are joined to it as strings: tens of thousands are looked at, and a Path costs more than the stat.
        self._prefix = f"{root}/"
        self.written: set[str] = set()
        self.changed: list[str] = []
        self._state_in_json = False  # read from the file an earlier podcaster wrote: saved anew
        # The token of the state file read, its size, and the changes to it read with it, by section.
        self._state_token: str | None = None
        self._state_entries = 0
        self._changes: dict[str, dict[str, tuple | None]] = _empty_state()
        previous = self._read_state()
        self._previous_files: dict[str, _File] = previous["files"]
        self._previous_derived: dict[str, _Derived] = previous["derived"]
        self._previous_groups: dict[str, _Group] = previous["groups"]
        self._derived: dict[str, _Derived] = {}
        self._files: dict[str, _File] = {}  # what this build knows of a file already
        self._groups: dict[str, _Group] = {}
        self._group_keys: list[str] | None = None  # the files claimed in the group being written
        self._source_stamps: dict[str, Stamp | None] = {}

    # --- rendered files ----------------------------------------------------------------------

    def is_unchanged(self, key: str, inputs: str) -> bool:
        """Whether `key` was written from these very `inputs` (a digest) and not touched since; if so,
        it is part of this build as it is, and need not be made again."""
        previous = self._previous_files.get(key)
        if previous is None or previous.inputs != inputs or previous.stat != _stat_key(self._prefix + key):
            return False
        self._claim(key)
        self._files[key] = previous
        return True

    def write_text(self, key: str, text: str, inputs: str | None = None) -> None:
        self.write_chunks(key, [text.encode("utf-8")], inputs)

    def last_inputs(self, key: str) -> str | None:
        """What the last build wrote the file `key` from (its `inputs`), if it is still the very file
        that build wrote: then `write_chunks` can reuse pieces of it."""
        previous = self._previous_files.get(key)
        try:
            status = os.stat(self.root / key)
        except FileNotFoundError:
            return None
        if previous is None or not _is_recorded(previous, status):
            if previous and previous.stat == (status.st_size, status.st_mtime_ns):
                # chmod, touch, a hard-linked snapshot: each costs one full write of the file.
                log.debug("%s: its inode or change time is not the one recorded; it is written whole", key)
            return None
        return previous.inputs

    def write_chunks(self, key: str, chunks: Iterable[bytes | Reused], inputs: str | None = None) -> None:
        """Write the file as the concatenated `chunks` (a large feed need not be held whole), unless
        it holds exactly those bytes already; `inputs` is what they were made from, for `is_unchanged`.

        A `Reused` chunk is a piece of the file as it is now, which must be the one the last build
        wrote (see `last_inputs`). The kernel copies it (copy_file_range), and Python only reads it
        to hash it: a feed of ten thousand items with one new one took 0.17 s to write as bytes,
        and takes 0.07 s."""
        self._claim(key)
        path = self.root / key
        digest, size = hashlib.sha256(), 0

        def fill(partial: Path) -> None:
            nonlocal size
            with partial.open("wb") as f, _LastVersion(path, self._previous_files.get(key)) as last:
                for chunk in _joined(chunks):
                    if isinstance(chunk, Reused):
                        last.copy(chunk, f, digest)
                        size += chunk.length
                    else:
                        digest.update(chunk)
                        size += len(chunk)
                        f.write(chunk)
            if self._holds(key, digest.hexdigest(), size):
                raise _SameBytes

        try:
            replace_atomically(path, fill)
            self.changed.append(key)
        except _SameBytes:
            pass
        status = os.stat(path)
        self._files[key] = _File(digest.hexdigest(), size, (status.st_size, status.st_mtime_ns), inputs,
                                 _identity(status))

    def _holds(self, key: str, sha256: str, size: int) -> bool:
        """Whether the file at `key` already has this content: by the state when the file is the one
        the state recorded, else by reading it. (Either way, its identity may then be recorded with
        these bytes: see `_File.identity`.)"""
        path = self.root / key
        try:
            status = os.stat(path)
        except FileNotFoundError:
            return False
        if status.st_size != size:
            return False
        previous = self._previous_files.get(key)
        if previous and _is_recorded(previous, status):
            return previous.sha256 == sha256
        return sha256_of(path) == sha256

    # --- groups of files made from the same inputs ---------------------------------------------

    def is_group_unchanged(self, name: str, inputs: str) -> bool:
        """Whether the files written in the group `name` by the last build were made from these very
        `inputs` (a digest) and none of them was touched since; if so, they are all part of this build
        as they are. One comparison of inputs and a stat of each file, instead of stats of every
        source and the tags and recipes worked out again: an episode's tagged audio and the files the
        feed links took a fifth of a rebuild of ten thousand episodes, though none had changed."""
        previous = self._previous_groups.get(name)
        if previous is None or previous.inputs != inputs:
            return False
        keys = previous.keys
        if not self.written.isdisjoint(keys):
            return False
        # What the state says of each file, looked up once: ten thousand groups are looked at.
        records = [(key, *self._state_of(key)) for key in keys]
        for key, derived, file in records:
            last = _left_stat(derived, file)
            if last is None or last != _stat_key(self._prefix + key):
                return False
        for key, derived, file in records:
            self._claim(key)
            self._keep_previous(key, derived, file)
        self._groups[name] = previous
        return True

    @contextmanager
    def group(self, name: str, inputs: str) -> Iterator[None]:
        """Record the files written in the block as the group `name`, made from `inputs`, for
        `is_group_unchanged` to find them in the next build."""
        self._group_keys = []
        try:
            yield
            self._groups[name] = _Group(inputs, tuple(sorted(self._group_keys)))
        finally:
            self._group_keys = None

    def _state_of(self, key: str) -> tuple[_Derived | None, _File | None]:
        """What the last build's state says of the file `key`: what it was made from, and its digest."""
        return self._previous_derived.get(key), self._previous_files.get(key)

    def _keep_previous(self, key: str, derived: _Derived | None, file: _File | None) -> None:
        """Take what the last build recorded of the file `key` (`derived` and `file`, as the state has
        them), found as it left it, into this build."""
        if derived is not None:
            self._derived[key] = derived
        if file is not None and file.stat == _left_stat(derived, file):
            self._files[key] = file  # the file is as it was when hashed: its digest stands

    # --- derived files -----------------------------------------------------------------------

    def copy(self, key: str, source: Path) -> None:
        stamp = self.source_stamp(source)
        if not self.is_current(key, source, _COPY_RECIPE) and stamp and self._holds(key, sha256_of(source), stamp[0]):
            # The same bytes are there (the state was lost, or the source touched): recorded, not copied again.
            self._claim(key)
            self._derived[key] = _Derived(stamp, _COPY_RECIPE, _stat_key(self.root / key))
            return
        self.derive(key, source, _COPY_RECIPE, lambda partial: shutil.copyfile(source, partial))

    def derive(self, key: str, source: Path, recipe: str, make: Callable[[Path], None]) -> None:
        """Write `key` as `make(partial)` builds it from `source`, unless the file there was already
        made from this very source (same size and mtime) with this very `recipe` (a digest)."""
        path = self.claim_derived(key, source, recipe)
        if path is not None:
            replace_atomically(path, make)
            self.derived(key, source, recipe)

    def keep(self, key: str) -> None:
        """Make the file `key` part of this build as the last build left it, once `is_current` found it
        so in this build (it is not looked at again: a change to it since is found by the next build)."""
        self._claim(key)
        self._keep_previous(key, *self._state_of(key))

    def claim_derived(self, key: str, source: Path, recipe: str) -> Path | None:
        """`derive` in two steps, for a file made elsewhere: None if the file at `key` is current (as
        `derive` finds it), else the path to make it at; once it is there, call `derived`."""
        self._claim(key)
        if self.is_current(key, source, recipe):
            self._keep_previous(key, *self._state_of(key))
            return None
        return self.root / key

    def derived(self, key: str, source: Path, recipe: str, sha256: str | None = None) -> None:
        """Record the file at `key`, now made from `source` with `recipe` (see `claim_derived`), and
        its digest if the maker hashed it."""
        output = _stat_key(self.root / key)
        self._derived[key] = _Derived(self.source_stamp(source), recipe, output)
        if sha256 is not None and output is not None:
            self._files[key] = _File(sha256, output[0], output, None, None)
        self.changed.append(key)

    def is_current(self, key: str, source: Path, recipe: str) -> bool:
        """Whether `key` was made from this very source with this very recipe, and not changed since."""
        previous = self._previous_derived.get(key)
        return previous == (self.source_stamp(source), recipe, _stat_key(self._prefix + key))

    def source_stamp(self, source: Path) -> Stamp | None:
        """The size and mtime of a file the site is made from, as this build first saw it. A source is
        only read, so it is looked at once: a show artwork is the source of thousands of tagged copies."""
        path = str(source)
        if path not in self._source_stamps:
            try:
                self._source_stamps[path] = _stat_key(path)
            except OSError:  # unreadable now (it loaded): whatever was made from it is made again
                self._source_stamps[path] = None
        return self._source_stamps[path]

    # --- the end of a build ------------------------------------------------------------------

    def finish(self, *, complete: bool = True) -> Manifest:
        """Remove what earlier builds wrote and this one did not, save the state, and return every
        file of the site with its digest.

        A partial run (`complete=False`, as `podcaster tag` writes only the audio) removes nothing,
        keeps what the state knew of the files it did not write, and returns only those it wrote."""
        files = {key: self._entry(key) for key in sorted(self.written)}
        if not complete:
            # A group with a file written here no longer says what its files were made from.
            groups = {name: group for name, group in self._previous_groups.items() if self.written.isdisjoint(group.keys)}
            self._save_state({**self._previous_files, **self._files}, {**self._previous_derived, **self._derived},
                             {**groups, **self._groups})
            return files
        for key in sorted(set(self._previous_files) - self.written):
            stale = self.root / key
            # A state file damaged or written by hand, or a folder in the output that links out of it:
            # nothing outside is touched.
            if not is_safe_key(key) or not lies_in(stale, self.root):
                continue
            if stale.is_file():
                stale.unlink()
                log.info("removed %s from the build (no longer part of the site)", stale)
                remove_empty_folders(stale.parent, self.root)
        self._save_state(self._files, self._derived, self._groups)
        return files

    def _save_state(self, files: dict[str, _File], derived: dict[str, _Derived], groups: dict[str, _Group]) -> None:
        if (not self._state_in_json and files == self._previous_files and derived == self._previous_derived
                and groups == self._previous_groups):
            return  # a build that changed nothing leaves the state as it was
        state = {"files": files, "derived": derived, "groups": groups}
        previous = {"files": self._previous_files, "derived": self._previous_derived, "groups": self._previous_groups}
        changes = {section: {**self._changes[section], **_changes(previous[section], state[section])}
                   for section in _STATE_SECTIONS}
        token = self._state_token
        if (token is not None and not self._state_in_json
                and sum(map(len, changes.values())) <= _CHANGES_AT_MOST * self._state_entries):
            replace_atomically(self.root / CHANGES_FILE, lambda partial: _write_changes(partial, token, changes))
            return
        new_token = os.urandom(16).hex()
        replace_atomically(self.root / STATE_FILE, lambda partial: _write_state(partial, state, new_token))
        # Changes to the state saved before: they no longer apply (and name another file, should this fail).
        (self.root / CHANGES_FILE).unlink(missing_ok=True)
        (self.root / _JSON_STATE_FILE).unlink(missing_ok=True)

    def size(self, key: str) -> int:
        """The byte size of a file this build wrote."""
        derived = self._derived.get(key)
        return derived.output[0] if derived and derived.output else (self.root / key).stat().st_size

    def digest(self, key: str) -> str:
        """The SHA-256 of a file this build wrote, hashed again only if it changed since it was last hashed."""
        return self._entry(key).sha256

    def _entry(self, key: str) -> ManifestEntry:
        known = self._files.get(key)
        if known is None:
            path = self.root / key
            stat = _stat_key(path)
            previous = self._previous_files.get(key)
            if previous and previous.stat == stat:
                known = previous
            else:
                known = _File(sha256_of(path), stat[0] if stat else 0, stat, None, None)
            self._files[key] = known
        return ManifestEntry(known.sha256, known.size)

    def _claim(self, key: str) -> None:
        if key in self.written:
            raise RenderError(f"two outputs would be written to {self.root / key}; rename one of their sources")
        if not is_safe_key(key):
            raise RenderError(f"refusing to write {key!r} outside the output folder {self.root}")
        self.written.add(key)
        if self._group_keys is not None:
            self._group_keys.append(key)

    def _read_state(self) -> dict[str, dict]:
        """The last build's state: empty if there is none, or it cannot be read (it is only a cache)."""
        path = self.root / STATE_FILE
        try:
            with path.open("rb") as f:
                state, token = _read_pickled_state(f)
        except FileNotFoundError:
            state = _read_json_state(self.root / _JSON_STATE_FILE)
            self._state_in_json = any(state.values())
            return state
        except Exception as e:  # damaged or truncated, or pickled by some other program: noted, not trusted
            log.info("the build state %s is unreadable (%s); everything is rebuilt", path, e)
            return _empty_state()
        if token is None:  # none of this state's changes can be told apart from another's
            return state
        self._state_token, self._state_entries = token, sum(map(len, state.values()))
        self._changes = _read_changes(self.root / CHANGES_FILE, token)
        for section, changed in self._changes.items():
            entries, make = state[section], _RECORDS[section]._make
            for key, record in changed.items():
                if record is None:
                    entries.pop(key, None)
                else:
                    entries[key] = make(record)
        return state


# A key is unsafe when a segment of it is empty, "." or "..": when it is "", "." or "..", starts
# with one of _UNSAFE_STARTS, ends with one of _UNSAFE_ENDS, or holds "//", "/./" or "/../" (tested
# one by one in `is_safe_key`, as `any` over a tuple took twice as long); or when it holds a
# backslash. A regular expression took 2.1 µs a key, 80 ms of a rebuild that claims 38,000 of them;
# these tests take 0.6 µs.
_UNSAFE_STARTS = ("/", "./", "../")
_UNSAFE_ENDS = ("/", "/.", "/..")


def is_safe_key(key: str) -> bool:
    """Whether `key` names a file inside the output folder. Keys come from names in the show (slugs,
    file names), and none may climb out of it."""
    return not (key in ("", ".", "..") or key.startswith(_UNSAFE_STARTS) or key.endswith(_UNSAFE_ENDS)
                or "//" in key or "/./" in key or "/../" in key or "\\" in key)


def _empty_state() -> dict[str, dict]:
    return {section: {} for section in _STATE_SECTIONS}


def _write_state(path: Path, state: dict[str, dict], token: str) -> None:
    """The header and the save's `token`, then each section as pickles of a thousand entries (key, then
    the record as a plain tuple, which unpickles several times faster than a named one), then None."""
    with path.open("wb") as out:
        pickle.dump(_STATE_HEADER, out, pickle.HIGHEST_PROTOCOL)
        pickle.dump(token, out, pickle.HIGHEST_PROTOCOL)
        for section in _STATE_SECTIONS:
            entries = state[section]
            keys = sorted(entries)
            for start in range(0, len(keys), _STATE_PIECE):
                piece = [(key, tuple(entries[key])) for key in keys[start:start + _STATE_PIECE]]
                pickle.dump((section, piece), out, pickle.HIGHEST_PROTOCOL)
        pickle.dump(None, out, pickle.HIGHEST_PROTOCOL)


def _read_pickled_state(source: BinaryIO) -> tuple[dict[str, dict], str | None]:
    """The state and the token of its save (None for a state saved without one)."""
    header = pickle.load(source)
    if header == _STATE_HEADER:
        token = pickle.load(source)
    elif header == _TOKENLESS_STATE_HEADER:
        token = None
    else:
        return _empty_state(), None
    state = _empty_state()
    while (piece := pickle.load(source)) is not None:
        section, entries = piece
        make = _RECORDS[section]._make
        state[section].update((key, make(record)) for key, record in entries)
    return state, token


def _left_stat(derived: _Derived | None, file: _File | None) -> Stamp | None:
    """The size and mtime the last build left a file with, as its state records it (`derived`, `file`)."""
    if derived is not None:
        return derived.output
    return file.stat if file is not None else None


def _changes(before: dict[str, tuple], after: dict[str, tuple]) -> dict[str, tuple | None]:
    """The entries of `after` that `before` does not have as they are (as plain tuples), and None for
    each entry of `before` that `after` has not."""
    changed: dict[str, tuple | None] = {key: tuple(record) for key, record in after.items()
                                        if before.get(key) != record}
    changed.update(dict.fromkeys(before.keys() - after.keys()))
    return changed


def _write_changes(path: Path, state_token: str, changes: dict[str, dict]) -> None:
    with path.open("wb") as out:
        pickle.dump((_CHANGES_HEADER, state_token, changes), out, pickle.HIGHEST_PROTOCOL)


def _read_changes(path: Path, state_token: str) -> dict[str, dict[str, tuple | None]]:
    """The changes saved to the state whose save has this token; none if they were saved to another
    save (the state was saved whole since, or put back from a backup), or cannot be read. The state
    alone is older than the site: files made since are looked at or made again, and one of them that
    has left the site since is not removed from the folder."""
    try:
        with path.open("rb") as f:
            header, token, changes = pickle.load(f)
        if header != _CHANGES_HEADER or token != state_token or not _are_changes(changes):
            return _empty_state()
        return changes
    except FileNotFoundError:
        return _empty_state()
    except Exception as e:  # damaged: noted, not trusted
        log.info("the build state's changes %s are unreadable (%s); more is rebuilt", path, e)
        return _empty_state()


def _are_changes(changes: Any) -> bool:
    """Whether `changes` is what `_write_changes` writes: each section's records as plain tuples of its
    fields, or None."""
    if not isinstance(changes, dict) or set(changes) != set(_STATE_SECTIONS):
        return False
    return all(isinstance(changed, dict) and all(
        record is None or (type(record) is tuple and len(record) == len(_RECORDS[section]._fields))
        for record in changed.values()) for section, changed in changes.items())


def _read_json_state(path: Path) -> dict[str, dict]:
    """The state as an earlier podcaster wrote it, as JSON objects (version 2)."""
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(state, dict) or state.get("version") != _JSON_STATE_VERSION:
            return _empty_state()
        stamp = (lambda value: tuple(value) if value else None)
        return {
            "files": {key: _File(entry["sha256"], entry["size"], stamp(entry["stat"]), entry.get("inputs"), None)
                      for key, entry in state["files"].items()},
            "derived": {key: _Derived(stamp(entry["source"]), entry["recipe"], stamp(entry["output"]))
                        for key, entry in state["derived"].items()},
            "groups": {key: _Group(entry["inputs"], tuple(entry["keys"])) for key, entry in state["groups"].items()},
        }
    except FileNotFoundError:
        return _empty_state()
    except Exception as e:  # damaged, or not what podcaster wrote: noted, not trusted
        log.info("the build state %s is unreadable (%s); everything is rebuilt", path, e)
        return _empty_state()


def _joined(chunks: Iterable[bytes | Reused]) -> Iterator[bytes | Reused]:
    """`chunks`, with each run of `Reused` pieces that follow one another in the last version as one."""
    start = end = None  # of the run of pieces so far
    for chunk in chunks:
        if isinstance(chunk, Reused) and chunk.offset == end:
            end += chunk.length
            continue
        if start is not None:
            yield Reused(start, end - start)
            start = end = None
        if isinstance(chunk, Reused):
            start, end = chunk.offset, chunk.offset + chunk.length
        else:
            yield chunk
    if start is not None:
        yield Reused(start, end - start)


def _is_recorded(recorded: _File, status: os.stat_result) -> bool:
    """Whether the file whose status this is, is the one `recorded` says was written."""
    return (recorded.stat == (status.st_size, status.st_mtime_ns) and recorded.identity is not None
            and recorded.identity == _identity(status))


class _LastVersion:
    """The file a `write_chunks` replaces, as the last build left it, for the `Reused` pieces of the new
    one. Opened at the first such piece; if it is not the file the state recorded then, or is
    changed while pieces are copied from it, the build stops rather than write a mix."""

    def __init__(self, path: Path, recorded: _File | None) -> None:
        self._path, self._recorded = path, recorded
        self._file: BinaryIO | None = None
        self._buffer: bytearray | None = None
        self._kernel_copies = hasattr(os, "copy_file_range")  # Linux only

    def __enter__(self) -> _LastVersion:
        return self

    def copy(self, piece: Reused, out: BinaryIO, digest: Any) -> None:
        """Append `piece` of the last version to `out`, and to `digest` (a hashlib hash)."""
        if self._file is None:
            self._open()
        copied = self._copied_by_kernel(piece, out) if self._kernel_copies else 0
        kernel_end, end = piece.offset + copied, piece.offset + piece.length  # the kernel copied up to kernel_end
        for start in range(piece.offset, end, _READ_SIZE):
            data = self._read(start, min(_READ_SIZE, end - start))
            digest.update(data)
            if start + len(data) > kernel_end:
                out.write(data[max(0, kernel_end - start):])

    def _read(self, offset: int, length: int) -> memoryview:
        assert self._file is not None and self._buffer is not None
        view = memoryview(self._buffer)[:length]
        self._file.seek(offset)
        if self._file.readinto(view) != length:
            raise RenderError(f"{self._path}: shorter than its last version; build again")
        return view

    def _copied_by_kernel(self, piece: Reused, out: BinaryIO) -> int:
        """How much of `piece` the kernel copied to `out`: all of it, unless the file system cannot (or
        stops short), and then the rest is written as bytes, and so is every piece after it."""
        assert self._file is not None
        out.flush()  # what was written so far goes first
        done = 0
        try:
            while done < piece.length:
                copied = os.copy_file_range(self._file.fileno(), out.fileno(), piece.length - done,
                                            piece.offset + done)
                if copied == 0:  # some file systems say so instead of refusing
                    break
                done += copied
        except OSError as e:  # a real fault (a full disk, say) meets the writes that follow
            log.debug("copying %s in the kernel failed (%s); writing it instead", self._path, e)
        if done < piece.length:
            self._kernel_copies = False
        return done

    def _open(self) -> None:
        try:
            self._file = self._path.open("rb")
        except FileNotFoundError as e:
            raise RenderError(f"{self._path} was removed while the build was rewriting it; build again") from e
        self._buffer = bytearray(_READ_SIZE)  # a piece at a time: mapped whole, a 70 MB feed counted in the RSS
        if not self._is_as_recorded():
            raise RenderError(f"{self._path} changed while the build was rewriting it; build again")

    def _is_as_recorded(self) -> bool:
        assert self._file is not None
        return self._recorded is not None and _is_recorded(self._recorded, os.fstat(self._file.fileno()))

    def __exit__(self, kind, error, traceback) -> None:
        if self._file is None:
            return
        unchanged = self._is_as_recorded()
        self._file.close()
        if error is None and not unchanged:
            raise RenderError(f"{self._path} changed while the build was rewriting it; build again")


class _SameBytes(Exception):
    """The partial file came out identical to the file in place: it is dropped, the file left alone."""
