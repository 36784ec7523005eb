"""The embedded default: publish into a folder on this machine (file://)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from podcaster.errors import StorageError
from podcaster.files import replace_atomically
from podcaster.storage.base import MANIFEST_KEY, Manifest, manifest_from_json, manifest_to_json


class LocalStorage:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.description = f"folder {root}"

    def read_manifest(self) -> Manifest:
        path = self.root / MANIFEST_KEY
        if not path.exists():
            return {}
        try:
            return manifest_from_json(path.read_bytes())
        except (OSError, ValueError, KeyError, TypeError, json.JSONDecodeError) as e:
            raise StorageError(
                f"{path}: the publish manifest is unreadable ({e}); delete it to publish everything again"
            ) from e

    def upload(self, key: str, source: Path, content_type: str) -> None:
        destination = self._path(key)
        try:
            replace_atomically(destination, lambda partial: shutil.copyfile(source, partial))
        except OSError as e:
            raise StorageError(f"cannot write {destination}: {e.strerror}; check the folder's permissions") from e

    def write_manifest(self, manifest: Manifest) -> None:
        path = self.root / MANIFEST_KEY
        try:
            replace_atomically(path, lambda partial: partial.write_bytes(manifest_to_json(manifest)))
        except OSError as e:
            raise StorageError(f"cannot write {path}: {e.strerror}; check the folder's permissions") from e

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise StorageError(f"refusing to write {key!r} outside {self.root}")
        return path
