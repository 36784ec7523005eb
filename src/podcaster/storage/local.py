"""The embedded default: publish into a folder on this machine (file://)."""

from __future__ import annotations

import shutil
from pathlib import Path

from podcaster.errors import ManifestConflict, StorageError, refusal
from podcaster.files import remove_empty_folders, replace_atomically, sha256_of
from podcaster.storage.base import MANIFEST_KEY, Manifest, StoredObject, TransferProgress, Upload
from podcaster.storage.base import manifest_from_json, manifest_to_json


class LocalStorage:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.description = f"folder {root}"
        self._manifest_stamp: str | None = None  # the manifest file as this storage last read or wrote it

    def read_manifest(self) -> Manifest | None:
        path = self.root / MANIFEST_KEY
        try:
            raw = path.read_bytes()
            self._manifest_stamp = _stamp(path)
        except FileNotFoundError:
            self._manifest_stamp = None
            return None
        except OSError as e:
            raise _refused("read", path, e) from e
        return manifest_from_json(raw, str(path))

    def write_manifest(self, manifest: Manifest) -> None:
        path = self.root / MANIFEST_KEY
        current = _stamp(path) if path.exists() else None
        if current != self._manifest_stamp:
            raise ManifestConflict(f"another publish wrote {path} while this one ran; run `podcaster publish` "
                                   "again: it copies only what is still missing")
        try:
            replace_atomically(path, lambda partial: partial.write_bytes(manifest_to_json(manifest)))
        except OSError as e:
            raise _refused("write", path, e) from e
        self._manifest_stamp = _stamp(path)

    def list_objects(self) -> dict[str, StoredObject]:
        if not self.root.is_dir():
            return {}
        return {path.relative_to(self.root).as_posix(): StoredObject(path.stat().st_size, _stamp(path))
                for path in sorted(self.root.rglob("*"))
                if path.is_file() and path.relative_to(self.root).as_posix() != MANIFEST_KEY}

    def find_objects(self, keys: list[str]) -> dict[str, StoredObject]:
        paths = {key: self._path(key) for key in keys}
        return {key: StoredObject(path.stat().st_size, _stamp(path)) for key, path in paths.items() if path.is_file()}

    def stored_sha256(self, key: str) -> str | None:
        path = self._path(key)
        return sha256_of(path) if path.is_file() else None

    def upload_all(self, uploads: list[Upload], progress: TransferProgress) -> dict[str, str | None]:
        etags = {}
        for upload in uploads:
            destination = self._path(upload.key)
            progress.started(upload.key, upload.size)
            try:
                replace_atomically(destination, lambda partial: shutil.copyfile(upload.source, partial))
            except OSError as e:
                raise _refused("write", destination, e) from e
            progress.advanced(upload.key, upload.size)
            progress.finished(upload.key)
            etags[upload.key] = _stamp(destination)
        return etags

    def delete_all(self, keys: list[str]) -> None:
        for key in keys:
            path = self._path(key)
            try:
                path.unlink(missing_ok=True)
            except OSError as e:
                raise _refused("delete", path, e) from e
            remove_empty_folders(path.parent, self.root.resolve())

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise StorageError(f"refusing to write {key!r} outside {self.root}")
        return path


def _refused(action: str, path: Path, error: OSError) -> StorageError:
    return StorageError(f"cannot {action} {path}: {refusal(error)}")


def _stamp(path: Path) -> str:
    """A folder's stand-in for an ETag: a replaced file is a new inode (files are renamed into place)."""
    stat = path.stat()
    return f"{stat.st_ino}-{stat.st_size}-{stat.st_mtime_ns}"
