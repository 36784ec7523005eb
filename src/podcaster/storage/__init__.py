"""Where a build is published: a `Storage` chosen by the target URL's scheme."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from podcaster.errors import StorageError
from podcaster.model import PublishSettings
from podcaster.storage.base import Manifest, ManifestEntry, Storage, StoredObject, TransferProgress, Upload
from podcaster.storage.local import LocalStorage

__all__ = ["Manifest", "ManifestEntry", "Storage", "StoredObject", "TransferProgress", "Upload", "open_target",
           "parse_target"]

# What S3 and its look-alikes accept in a bucket name (AWS itself is stricter).
_BUCKET = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-_]{1,254}$")


def open_target(target: str, base_dir: Path, settings: PublishSettings) -> Storage:
    """The storage for `target`; relative file:// paths are relative to `base_dir` (the config's folder).
    `settings` say how to reach an s3:// target; nothing is contacted yet."""
    where = parse_target(target, base_dir)
    if isinstance(where, Path):
        return LocalStorage(where)
    # Imported here: boto3 takes a while to import, and a folder target does not need it.
    from podcaster.storage.s3 import S3Storage

    return S3Storage(*where, settings)


def parse_target(target: str, base_dir: Path) -> Path | tuple[str, str]:
    """A folder target's folder, or an s3:// target's bucket and prefix; StorageError if `target` is
    neither (checked with the config, so `check` says so before a publish does)."""
    scheme = urlsplit(target).scheme
    if scheme == "file":
        return _local_path(target, base_dir)
    if scheme == "s3":
        return _bucket_and_prefix(target)
    if not scheme:
        raise StorageError(f"publish target {target!r}: a folder is written file://PATH (here file://{target}, "
                           "a relative one from the config's folder), a bucket s3://BUCKET/PREFIX")
    raise StorageError(
        f"publish target {target!r}: unknown scheme {scheme}://; "
        "use file://PATH (a folder) or s3://BUCKET/PREFIX (S3-compatible object storage)"
    )


def _local_path(target: str, base_dir: Path) -> Path:
    # file:///srv/show is absolute; file://public and file://./public are relative to the config.
    if target[:7].lower() != "file://":  # file:/public made a folder named "file:"
        raise StorageError(f"publish target {target!r}: write file://public (two slashes) or file:///srv/podcast")
    path = target[7:]
    if not path:
        raise StorageError(f"publish target {target!r}: no folder given; write file://public or file:///srv/podcast")
    if path == "~" or path.startswith("~/"):
        # The home folder, as a shell reads it: a folder named "~" in the show's folder was never meant.
        return Path.home() / path[2:]
    return base_dir / path


def _bucket_and_prefix(target: str) -> tuple[str, str]:
    parts = urlsplit(target)
    if not parts.netloc:
        raise StorageError(f"publish target {target!r}: no bucket given; write s3://BUCKET or s3://BUCKET/PREFIX")
    if parts.query or parts.fragment or "@" in parts.netloc or ":" in parts.netloc:
        raise StorageError(f"publish target {target!r}: write only s3://BUCKET/PREFIX; the endpoint goes in "
                           "[publish] endpoint_url and credentials in the environment or a profile")
    bucket, prefix = parts.netloc, parts.path.strip("/")
    if not _BUCKET.match(bucket):
        raise StorageError(f"publish target {target!r}: {bucket!r} is not a bucket name "
                           "(letters, digits, '.', '-' and '_' only)")
    if prefix and any(segment in ("", ".", "..") for segment in prefix.split("/")):
        raise StorageError(f"publish target {target!r}: write the prefix as plain folder names, e.g. s3://{bucket}/podcast")
    return bucket, prefix
