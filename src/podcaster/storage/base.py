"""The storage interface every backend implements, and the manifest that makes publishing incremental."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple, Protocol

from podcaster.errors import ManifestUnreadable

MANIFEST_KEY = ".podcaster-manifest.json"
_MANIFEST_VERSION = 2


class ManifestEntry(NamedTuple):
    """What the manifest records of a file. (A named tuple: a build of 10,000 episodes makes 38,000,
    and a frozen dataclass is slower to make.)"""

    sha256: str
    size: int
    # The target's own fingerprint of the stored object (an S3 ETag) when it was recorded: a
    # listing that shows another one means the object changed since.
    etag: str | None = None

    def same_content(self, other: ManifestEntry | None) -> bool:
        return other is not None and (self.sha256, self.size) == (other.sha256, other.size)


Manifest = dict[str, ManifestEntry]
# What the manifest records of a file being replaced: no file has it, so whatever is there is looked at.
UNKNOWN_SHA256 = "unknown"


def manifest_to_json(manifest: Manifest) -> bytes:
    data = {"version": _MANIFEST_VERSION,
            "files": {key: entry._asdict() for key, entry in sorted(manifest.items())}}
    return json.dumps(data, indent=1).encode()


def manifest_from_json(raw: bytes, where: str) -> Manifest:
    """The manifest in `raw` (version 1 had no ETags); ManifestUnreadable, naming `where`, if it is none."""
    try:
        data = json.loads(raw)
        if data.get("version") not in (1, _MANIFEST_VERSION):
            raise ValueError(f"unknown manifest version {data.get('version')!r}")
        return {key: ManifestEntry(**entry) for key, entry in data["files"].items()}
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise ManifestUnreadable(f"{where}: the publish manifest is unreadable ({e})") from e


@dataclass(frozen=True)
class StoredObject:
    """What the target says about one object, without reading it."""

    size: int
    etag: str
    sha256: str | None = None  # the digest it was stored with, when the answer carried it (an S3 HEAD does)


@dataclass(frozen=True)
class Upload:
    """One file to store, with everything a backend needs to store it right."""

    key: str
    source: Path
    sha256: str
    size: int
    content_type: str
    cache_control: str


class TransferProgress(Protocol):
    """Told about bytes as they go; backends may call it from several threads at once."""

    def started(self, key: str, size: int) -> None: ...

    def advanced(self, key: str, amount: int) -> None: ...

    def finished(self, key: str) -> None: ...


class Storage(Protocol):
    """A place published files go. Keys are '/'-separated paths relative to the site's root."""

    #: Where it is, for messages; never includes credentials.
    description: str

    def read_manifest(self) -> Manifest | None:
        """What was published last time; None when there is no manifest. Raises ManifestUnreadable
        when there is one that cannot be parsed."""

    def write_manifest(self, manifest: Manifest) -> None:
        """Record what is now published, only if nobody else wrote the manifest since this storage
        read or wrote it; otherwise raise ManifestConflict."""

    def list_objects(self) -> dict[str, StoredObject]:
        """Every object under the target, by key (the manifest left out)."""

    def find_objects(self, keys: list[str]) -> dict[str, StoredObject]:
        """Those of `keys` the target holds, by key, asked about one by one."""

    def stored_sha256(self, key: str) -> str | None:
        """The SHA-256 the object under `key` was stored with; None when there is none to tell."""

    def upload_all(self, uploads: list[Upload], progress: TransferProgress) -> dict[str, str | None]:
        """Store every upload (readers see the old object or the whole new one) and return each
        key's new ETag (None if the target gave none). Raises StorageError when one failed; the
        others may have been stored."""

    def delete_all(self, keys: list[str]) -> None:
        """Remove these objects."""
