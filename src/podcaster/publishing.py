"""Bring a target up to date with a built site: plan what to upload, find and delete, then do it
in an order that keeps the published feed naming only files that are there.

The manifest (one object in the target) records each published file's SHA-256, size and ETag, so
an ordinary publish compares the build with it and sends no request for an unchanged file.

Stages, each finished (and recorded in the manifest) before the next begins:
  1. new audio,  2. artwork, chapters, transcripts,  3. pages, stylesheet, sitemap,
  4. audio that replaces a published file,  5. the feed;  then deletions (only with --prune).
So the published feed never names a file that is not there yet. Replaced audio goes just before
the feed because the old feed states its old length: the two are out of step only between
those last requests.

A publish that stopped half-way (killed, network gone) has stored files its manifest does not
record. The next one lists the target once and asks each such file's recorded SHA-256 (a HEAD)
only when the listing shows an object of the right size that the manifest does not account for:
what arrived is recorded, not sent again. `--verify` does the same for every file.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Protocol

from podcaster import mediatypes
from podcaster.errors import ManifestUnreadable, StorageError
from podcaster.model import PublishSettings
from podcaster.site import FEED_KEY, TRANSCRIPTS_FOLDER
from podcaster.storage import Manifest, ManifestEntry, Storage, StoredObject, TransferProgress, Upload
from podcaster.storage.base import UNKNOWN_SHA256

log = logging.getLogger(__name__)

STAGES = ("new audio", "artwork, chapters and transcripts", "pages", "replaced audio", "feed")
# Lookups one by one cost about as much as listing this many objects per thousand (SeaweedFS on
# loopback: a HEAD about 5 ms, a listing page of 1,000 objects about 150 ms, mostly parsing).
_LOOKUPS_PER_LISTED_THOUSAND = 10


@dataclass(frozen=True)
class Plan:
    """What a publish does to its target: nothing of it has happened yet."""

    stages: list[list[Upload]]  # non-empty, in upload order
    found: Manifest  # already in the target though not recorded: recorded now, not uploaded
    deletes: list[str]  # left the site; deleted after the feed (--prune)
    kept: list[str]  # left the site; stay where they are (no --prune)
    gone: list[str] = field(default_factory=list)  # recorded, but no longer in the target (--verify)

    @property
    def uploads(self) -> list[Upload]:
        return [upload for stage in self.stages for upload in stage]

    @property
    def upload_bytes(self) -> int:
        return sum(upload.size for upload in self.uploads)


class PublishProgress(TransferProgress, Protocol):
    def planned(self, plan: Plan) -> None:
        """Called once the plan is known, before anything is changed."""


class Unobserved:
    """For callers that watch nothing."""

    def planned(self, plan: Plan) -> None:
        pass

    def started(self, key: str, size: int) -> None:
        pass

    def advanced(self, key: str, amount: int) -> None:
        pass

    def finished(self, key: str) -> None:
        pass


def read_manifest(storage: Storage, *, verify: bool, prune: bool) -> Manifest | None:
    """The target's manifest, or None when it has none. An unreadable one stops the publish (or,
    with --verify, is replaced after checking every file); --prune needs a readable one."""
    try:
        recorded = storage.read_manifest()
    except ManifestUnreadable as e:
        if prune:
            raise ManifestUnreadable(f"{e.message}; --prune deletes nothing without it: run "
                                     "`podcaster publish --verify` first, which writes a new one") from e
        if not verify:
            raise ManifestUnreadable(f"{e.message}; run `podcaster publish --verify` to check every file "
                                     "against the target and write a new one") from e
        log.warning("%s; checking every file against the target instead", e.message)
        return None
    if prune and recorded is None:
        raise StorageError(f"{storage.description} has no publish manifest, so --prune cannot tell "
                           "podcaster's files from others there; nothing was deleted. Publish once "
                           "without --prune first")
    return recorded


def plan(files: Manifest, output_dir: Path, recorded: Manifest | None, storage: Storage,
         settings: PublishSettings, *, prune: bool, verify: bool) -> Plan:
    """Compare the build (`files`, in `output_dir`) with what the target holds."""
    recorded = recorded or {}
    changed = [key for key, entry in files.items() if not entry.same_content(recorded.get(key))]
    checked = sorted(files) if verify else changed
    # Which changed files the target holds already (a publish that stopped half-way may have stored
    # some): a listing costs a request per thousand objects, a lookup one per file, so a new episode
    # in a long archive is looked up, and --verify, which looks at everything, lists.
    few = len(changed) <= max(1, len(recorded) // 1000) * _LOOKUPS_PER_LISTED_THOUSAND
    stored = storage.list_objects() if verify or not few else storage.find_objects(changed)
    found: Manifest = {}
    stages: list[list[Upload]] = [[] for _ in STAGES]
    for key in checked:
        in_place = _already_stored(storage, key, files[key], recorded.get(key), stored.get(key))
        if in_place is None:
            stage = _stage(key, replaces=key in recorded)
            stages[stage].append(_upload(key, files[key], output_dir, settings))
        elif in_place != recorded.get(key):
            found[key] = in_place
    left = sorted(set(recorded) - set(files))
    gone = [key for key in left if verify and key not in stored]
    remaining = [key for key in left if key not in gone]
    return Plan([stage for stage in stages if stage], found,
                deletes=remaining if prune else [], kept=[] if prune else remaining, gone=gone)


def carry_out(plan: Plan, recorded: Manifest | None, storage: Storage, progress: PublishProgress) -> None:
    """Upload stage by stage, recording each finished stage in the manifest, then delete."""
    manifest = {key: entry for key, entry in (recorded or {}).items() if key not in plan.gone}
    manifest.update(plan.found)
    written = recorded

    def record() -> None:
        # Conditional on the manifest being the one this publish read: a rival publisher's
        # write stops this one here, before its next stage (and so before its feed).
        nonlocal written
        if manifest != written:
            storage.write_manifest(manifest)
            written = dict(manifest)

    # A stage that stops half-way leaves some of the files it replaces new, and the manifest still
    # saying old; were the show then built as it was, the next publish would find the build and the
    # manifest agreeing and leave the new ones there for good. Until their stage is recorded, the
    # manifest says it does not know them, so the next publish looks at what the target holds.
    replaced = [upload.key for upload in plan.uploads if upload.key in manifest]
    for key in replaced:
        manifest[key] = ManifestEntry(UNKNOWN_SHA256, manifest[key].size)
    if replaced:
        record()
    for stage in plan.stages:
        etags = storage.upload_all(stage, progress)
        manifest.update({upload.key: ManifestEntry(upload.sha256, upload.size, etags[upload.key])
                         for upload in stage})
        record()
    if plan.deletes:
        storage.delete_all(plan.deletes)
        for key in plan.deletes:
            log.debug("deleted %s", key)
            del manifest[key]
    record()


def _already_stored(storage: Storage, key: str, built: ManifestEntry, recorded: ManifestEntry | None,
                    stored: StoredObject | None) -> ManifestEntry | None:
    """The manifest entry for `key` if the target already holds the built file, else None."""
    if stored is None or stored.size != built.size:
        return None
    if recorded is not None and recorded.etag == stored.etag:
        # The object is the one the manifest describes: no need to ask.
        return recorded if built.same_content(recorded) else None
    # Changed since it was recorded, or never recorded (a publish that stopped after storing it).
    if (stored.sha256 or storage.stored_sha256(key)) == built.sha256:
        return ManifestEntry(built.sha256, built.size, stored.etag)
    return None


def _stage(key: str, *, replaces: bool) -> int:
    if key == FEED_KEY:
        return STAGES.index("feed")
    if mediatypes.is_media(key):
        return STAGES.index("replaced audio" if replaces else "new audio")
    # An HTML transcript is what pages link to, not a page: it goes up before them.
    if mediatypes.is_page(key) and PurePosixPath(key).parent.name != TRANSCRIPTS_FOLDER:
        return STAGES.index("pages")
    return STAGES.index("artwork, chapters and transcripts")


def _upload(key: str, entry: ManifestEntry, output_dir: Path, settings: PublishSettings) -> Upload:
    long_lived = mediatypes.is_media(key) or mediatypes.is_artwork(key)
    return Upload(key, output_dir / key, entry.sha256, entry.size, mediatypes.content_type(key),
                  settings.cache_control_media if long_lived else settings.cache_control_pages)
