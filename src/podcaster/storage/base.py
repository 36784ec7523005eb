"""The storage interface every backend implements, and the manifest that makes publishing incremental."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

MANIFEST_KEY = ".podcaster-manifest.json"


@dataclass(frozen=True)
class ManifestEntry:
    sha256: str
    size: int


Manifest = dict[str, ManifestEntry]


def manifest_to_json(manifest: Manifest) -> bytes:
    data = {"version": 1, "files": {key: asdict(entry) for key, entry in sorted(manifest.items())}}
    return json.dumps(data, indent=1).encode()


def manifest_from_json(raw: bytes) -> Manifest:
    data = json.loads(raw)
    return {key: ManifestEntry(**entry) for key, entry in data["files"].items()}


class Storage(Protocol):
    """A place published files go. Keys are '/'-separated paths relative to the site's root."""

    #: Where it is, for messages; never includes credentials.
    description: str

    def read_manifest(self) -> Manifest:
        """What was published last time: empty when nothing was."""

    def upload(self, key: str, source: Path, content_type: str) -> None:
        """Store `source` under `key`, so that readers see the old object or the whole new one."""

    def write_manifest(self, manifest: Manifest) -> None:
        """Record what is now published (written after everything it lists)."""
