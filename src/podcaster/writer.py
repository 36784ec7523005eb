"""Writes the built site into the output folder: only what changed, never outside it, never twice.

It keeps a small state file in the folder: the SHA-256 of every file it wrote (so publishing need
not hash large audio again) and what each tagged audio copy was made from (so an unchanged
episode is neither copied nor tagged again). The state is a cache: if it is lost, the next
build does the work again and produces the same files.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Callable
from pathlib import Path

from podcaster.errors import RenderError
from podcaster.files import remove_empty_folders, replace_atomically, sha256_of
from podcaster.storage.base import Manifest, ManifestEntry

STATE_FILE = ".podcaster-build.json"
_STATE_VERSION = 1

log = logging.getLogger(__name__)


def _stat_key(path: Path) -> list[int]:
    stat = path.stat()
    return [stat.st_size, stat.st_mtime_ns]


class SiteWriter:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.written: set[str] = set()
        self.changed: list[str] = []
        previous = self._read_state()
        self._previous_files: dict[str, dict] = previous.get("files", {})
        self._previous_derived: dict[str, dict] = previous.get("derived", {})
        self._derived: dict[str, dict] = {}

    def write_text(self, key: str, text: str) -> None:
        self.write_bytes(key, text.encode("utf-8"))

    def write_bytes(self, key: str, data: bytes) -> None:
        path = self._claim(key)
        if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
            return
        replace_atomically(path, lambda partial: partial.write_bytes(data))
        self.changed.append(key)

    def copy(self, key: str, source: Path) -> None:
        path = self._claim(key)
        if path.is_file() and path.stat().st_size == source.stat().st_size and sha256_of(path) == sha256_of(source):
            return
        replace_atomically(path, lambda partial: shutil.copyfile(source, partial))
        self.changed.append(key)

    def derive(self, key: str, source: Path, recipe: str, make: Callable[[Path], None]) -> None:
        """Write `key` as `make(partial)` builds it from `source`, unless the file there was already
        made from this very source (same size and mtime) with this very `recipe` (a digest)."""
        path = self._claim(key)
        if self.is_current(key, source, recipe):
            self._derived[key] = self._previous_derived[key]
            return
        replace_atomically(path, make)
        self._derived[key] = {"source": _stat_key(source), "recipe": recipe, "output": _stat_key(path)}
        self.changed.append(key)

    def is_current(self, key: str, source: Path, recipe: str) -> bool:
        """Whether `key` was made from this very source with this very recipe, and not changed since."""
        path = self.root / key
        previous = self._previous_derived.get(key)
        return path.is_file() and previous == {"source": _stat_key(source), "recipe": recipe, "output": _stat_key(path)}

    def finish(self, *, complete: bool = True) -> Manifest:
        """Remove what earlier builds wrote and this one did not, save the state, and return every
        file of the site with its digest.

        A partial run (`complete=False`, as `podcaster tag` writes only the audio) removes nothing,
        keeps what the state knew of the files it did not write, and returns only those it wrote."""
        if not complete:
            files = {key: self._entry(key) for key in sorted(self.written)}
            self._save_state({**self._previous_files, **self._state_entries(files)},
                             {**self._previous_derived, **self._derived})
            return files
        for key in sorted(set(self._previous_files) - self.written):
            stale = self.root / key
            if stale.is_file():
                stale.unlink()
                log.info("removed %s (no longer part of the site)", key)
                remove_empty_folders(stale.parent, self.root)
        files = {key: self._entry(key) for key in sorted(self.written)}
        self._save_state(self._state_entries(files), self._derived)
        return files

    def _state_entries(self, files: Manifest) -> dict[str, dict]:
        return {key: {"sha256": e.sha256, "size": e.size, "stat": _stat_key(self.root / key)}
                for key, e in files.items()}

    def _save_state(self, files: dict[str, dict], derived: dict[str, dict]) -> None:
        state = {"version": _STATE_VERSION, "files": dict(sorted(files.items())), "derived": dict(sorted(derived.items()))}
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / STATE_FILE).write_text(json.dumps(state, indent=1), encoding="utf-8")

    def digest(self, key: str) -> str:
        """The SHA-256 of a file this build wrote, hashed again only if it changed since it was last hashed."""
        return self._entry(key).sha256

    def _entry(self, key: str) -> ManifestEntry:
        path = self.root / key
        previous = self._previous_files.get(key)
        if previous and previous.get("stat") == _stat_key(path):
            return ManifestEntry(previous["sha256"], previous["size"])
        return ManifestEntry(sha256_of(path), path.stat().st_size)

    def _claim(self, key: str) -> Path:
        if key in self.written:
            raise RenderError(f"two outputs would be written to {self.root / key}; rename one of their sources")
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise RenderError(f"refusing to write {key!r} outside the output folder {self.root}")
        self.written.add(key)
        return path

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
