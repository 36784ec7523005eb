"""Where a build is published: a `Storage` chosen by the target URL's scheme."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from podcaster.errors import StorageError
from podcaster.storage.base import Manifest, ManifestEntry, Storage
from podcaster.storage.local import LocalStorage

__all__ = ["Manifest", "ManifestEntry", "Storage", "open_target"]


def open_target(target: str, base_dir: Path) -> Storage:
    """The storage for `target`; relative file:// paths are relative to `base_dir` (the config's folder)."""
    scheme = urlsplit(target).scheme
    if scheme == "file":
        return LocalStorage(_local_path(target, base_dir))
    raise StorageError(
        f"publish target {target!r}: unknown scheme {scheme + '://' if scheme else '(none)'}; "
        "use file://PATH (a folder)"
    )


def _local_path(target: str, base_dir: Path) -> Path:
    # file:///srv/show is absolute; file://public and file://./public are relative to the config.
    path = target.removeprefix("file://")
    if not path:
        raise StorageError(f"publish target {target!r}: no folder given; write file://public or file:///srv/podcast")
    return base_dir / path
