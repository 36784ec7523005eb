"""Writes the built site into the output folder: only what changed, never outside it, never twice.

It keeps a small state file in the folder: the SHA-256 of every file it wrote (so publishing need
not hash large audio again), what each derived file (a tagged audio copy, a sized image, a
copied file) was made from, and what each rendered page was rendered from (so an unchanged one
is neither rendered nor read again). The state is a cache: if it is lost, the next build does
the work again and produces the same files.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from podcaster.errors import RenderError
from podcaster.files import remove_empty_folders, replace_atomically, sha256_of
from podcaster.storage.base import Manifest, ManifestEntry

STATE_FILE = ".podcaster-build.json"
_STATE_VERSION = 2
_STATE_PIECE = 1000  # entries written at a time
_COPY_RECIPE = "copy"

log = logging.getLogger(__name__)


def _stat_key(path: Path | str) -> list[int] | None:
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    return [stat.st_size, stat.st_mtime_ns]


class SiteWriter:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.written: set[str] = set()
        self.changed: list[str] = []
        previous = self._read_state()
        self._previous_files: dict[str, dict] = previous.get("files", {})
        self._previous_derived: dict[str, dict] = previous.get("derived", {})
        self._previous_groups: dict[str, dict] = previous.get("groups", {})
        self._derived: dict[str, dict] = {}
        self._files: dict[str, dict] = {}  # what this build knows of a file already: digest, size, stat, inputs
        self._groups: dict[str, dict] = {}
        self._group_keys: list[str] | None = None  # the files claimed in the group being written
        self._source_stamps: dict[str, list[int] | None] = {}

    # --- rendered files ----------------------------------------------------------------------

    def is_unchanged(self, key: str, inputs: str) -> bool:
        """Whether `key` was written from these very `inputs` (a digest) and not touched since; if so,
        it is part of this build as it is, and need not be made again."""
        previous = self._previous_files.get(key)
        # A string path: thousands of pages are looked at, and a Path costs more than the stat.
        if previous is None or previous.get("inputs") != inputs or previous.get("stat") != _stat_key(f"{self.root}/{key}"):
            return False
        self._claim(key)
        self._files[key] = previous
        return True

    def write_text(self, key: str, text: str, inputs: str | None = None) -> None:
        self.write_chunks(key, [text.encode("utf-8")], inputs)

    def write_chunks(self, key: str, chunks: Iterable[bytes], inputs: str | None = None) -> None:
        """Write the file as the concatenated `chunks` (a large feed need not be held whole), unless
        it holds exactly those bytes already; `inputs` is what they were made from, for `is_unchanged`."""
        self._claim(key)
        path = self.root / key
        digest, size = hashlib.sha256(), 0

        def fill(partial: Path) -> None:
            nonlocal size
            with partial.open("wb") as f:
                for chunk in chunks:
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
        self._files[key] = {"sha256": digest.hexdigest(), "size": size, "stat": _stat_key(path), "inputs": inputs}

    def _holds(self, key: str, sha256: str, size: int) -> bool:
        """Whether the file at `key` already has this content: by the state when the file is as the
        state last saw it, else by reading it."""
        path = self.root / key
        stat = _stat_key(path)
        if stat is None or stat[0] != size:
            return False
        previous = self._previous_files.get(key)
        if previous and previous.get("stat") == stat:
            return previous["sha256"] == sha256
        return sha256_of(path) == sha256

    # --- groups of files made from the same inputs ---------------------------------------------

    def is_group_unchanged(self, name: str, inputs: str) -> bool:
        """Whether the files written in the group `name` by the last build were made from these very
        `inputs` (a digest) and none of them was touched since; if so, they are all part of this build
        as they are. One comparison of inputs and a stat of each file, instead of stats of every
        source and the tags and recipes worked out again: an episode's tagged audio and the files the
        feed links took a fifth of a rebuild of ten thousand episodes, though none had changed."""
        previous = self._previous_groups.get(name)
        if previous is None or previous["inputs"] != inputs:
            return False
        keys = previous["keys"]
        for key in keys:
            last = self._last_stat(key)
            if last is None or last != _stat_key(f"{self.root}/{key}") or key in self.written:
                return False
        for key in keys:
            self._claim(key)
            self._keep_previous(key)
        self._groups[name] = previous
        return True

    @contextmanager
    def group(self, name: str, inputs: str) -> Iterator[None]:
        """Record the files written in the block as the group `name`, made from `inputs`, for
        `is_group_unchanged` to find them in the next build."""
        self._group_keys = []
        try:
            yield
            self._groups[name] = {"inputs": inputs, "keys": sorted(self._group_keys)}
        finally:
            self._group_keys = None

    def _keep_previous(self, key: str) -> None:
        """Take what the last build recorded of the file `key`, found as it left it, into this build."""
        derived = self._previous_derived.get(key)
        if derived is not None:
            self._derived[key] = derived
        previous = self._previous_files.get(key)
        if previous is not None and previous.get("stat") == self._last_stat(key):
            self._files[key] = previous  # the file is as it was when hashed: its digest stands

    def _last_stat(self, key: str) -> list[int] | None:
        """The size and mtime the last build left the file `key` with, as its state says."""
        derived = self._previous_derived.get(key)
        if derived is not None:
            return derived["output"]
        previous = self._previous_files.get(key)
        return previous.get("stat") if previous else None

    # --- derived files -----------------------------------------------------------------------

    def copy(self, key: str, source: Path) -> None:
        stamp = self.source_stamp(source)
        if not self.is_current(key, source, _COPY_RECIPE) and stamp and self._holds(key, sha256_of(source), stamp[0]):
            # The same bytes are there (the state was lost, or the source touched): recorded, not copied again.
            self._claim(key)
            self._derived[key] = {"source": stamp, "recipe": _COPY_RECIPE, "output": _stat_key(self.root / key)}
            return
        self.derive(key, source, _COPY_RECIPE, lambda partial: shutil.copyfile(source, partial))

    def derive(self, key: str, source: Path, recipe: str, make: Callable[[Path], None]) -> None:
        """Write `key` as `make(partial)` builds it from `source`, unless the file there was already
        made from this very source (same size and mtime) with this very `recipe` (a digest)."""
        self._claim(key)
        if self.is_current(key, source, recipe):
            self._keep_previous(key)
            return
        path = self.root / key
        replace_atomically(path, make)
        self._derived[key] = {"source": self.source_stamp(source), "recipe": recipe, "output": _stat_key(path)}
        self.changed.append(key)

    def is_current(self, key: str, source: Path, recipe: str) -> bool:
        """Whether `key` was made from this very source with this very recipe, and not changed since."""
        previous = self._previous_derived.get(key)
        return previous == {"source": self.source_stamp(source), "recipe": recipe, "output": _stat_key(self.root / key)}

    def source_stamp(self, source: Path) -> list[int] | None:
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
            groups = {name: group for name, group in self._previous_groups.items() if self.written.isdisjoint(group["keys"])}
            self._save_state({**self._previous_files, **self._files}, {**self._previous_derived, **self._derived},
                             {**groups, **self._groups})
            return files
        for key in sorted(set(self._previous_files) - self.written):
            stale = self.root / key
            if stale.is_file():
                stale.unlink()
                log.info("removed %s (no longer part of the site)", key)
                remove_empty_folders(stale.parent, self.root)
        self._save_state(self._files, self._derived, self._groups)
        return files

    def _save_state(self, files: dict[str, dict], derived: dict[str, dict], groups: dict[str, dict]) -> None:
        if files == self._previous_files and derived == self._previous_derived and groups == self._previous_groups:
            return  # a build that changed nothing leaves the state as it was
        replace_atomically(self.root / STATE_FILE, lambda partial: _write_state(partial, files, derived, groups))

    def size(self, key: str) -> int:
        """The byte size of a file this build wrote."""
        derived = self._derived.get(key)
        return derived["output"][0] if derived and derived["output"] else (self.root / key).stat().st_size

    def digest(self, key: str) -> str:
        """The SHA-256 of a file this build wrote, hashed again only if it changed since it was last hashed."""
        return self._entry(key).sha256

    def _entry(self, key: str) -> ManifestEntry:
        known = self._files.get(key)
        if known is None:
            path = self.root / key
            stat = _stat_key(path)
            previous = self._previous_files.get(key)
            if previous and previous.get("stat") == stat:
                known = previous
            else:
                known = {"sha256": sha256_of(path), "size": stat[0] if stat else 0, "stat": stat}
            self._files[key] = known
        return ManifestEntry(known["sha256"], known["size"])

    def _claim(self, key: str) -> None:
        if key in self.written:
            raise RenderError(f"two outputs would be written to {self.root / key}; rename one of their sources")
        # Keys come from names in the show (slugs, file names); none may climb out of the folder.
        if not key or key.startswith("/") or "\\" in key or ".." in key.split("/"):
            raise RenderError(f"refusing to write {key!r} outside the output folder {self.root}")
        self.written.add(key)
        if self._group_keys is not None:
            self._group_keys.append(key)

    def _read_state(self) -> dict:
        path = self.root / STATE_FILE
        try:
            state = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as e:
            log.info("the build state %s is unreadable (%s); everything is rebuilt", path, e)
            return {}
        return state if isinstance(state, dict) and state.get("version") == _STATE_VERSION else {}


def _write_state(path: Path, files: dict[str, dict], derived: dict[str, dict], groups: dict[str, dict]) -> None:
    """The state as compact JSON, written a thousand entries at a time: at ten thousand episodes it
    has tens of thousands of entries, and the whole document as one string, then as bytes, added
    20 MB at the end of the build, where its memory peaks."""
    with path.open("w", encoding="utf-8") as out:
        out.write(f'{{"version":{_STATE_VERSION}')
        for name, entries in (("files", files), ("derived", derived), ("groups", groups)):
            out.write(f',"{name}":{{')
            keys = sorted(entries)
            for start in range(0, len(keys), _STATE_PIECE):
                piece = json.dumps({key: entries[key] for key in keys[start:start + _STATE_PIECE]}, separators=(",", ":"))
                out.write(("," if start else "") + piece[1:-1])
            out.write("}")
        out.write("}")


class _SameBytes(Exception):
    """The partial file came out identical to the file in place: it is dropped, the file left alone."""
