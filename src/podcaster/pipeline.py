"""What the commands do, as plain functions: load → validate → tag → render → publish (feed last).

Nothing is written until the whole input has validated.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from podcaster import (
    artwork, audio, cache, config, config_edit, episodes as episode_files, feedcheck, ffmpeg, languages, markers,
    mediatypes, publishing, recording, scaffold,
)
from podcaster.cache import BuildCache
from podcaster.errors import ArtworkError, ConfigError, EpisodeError, PodcasterError, Problem, Report, StorageError
from podcaster.files import held_alone, lies_in
from podcaster.model import Chapter, Episode, Show
from podcaster.render import chapters as json_chapters, feed, notes, pages
from podcaster.render.templates import Templates, default_templates_dir
from podcaster.site import FEED_KEY, LIVE_DIR_KEY, Layout
from podcaster.storage import Manifest, open_target
from podcaster.storage.local import LocalStorage
from podcaster.tagging import Job, TaggingProcess
from podcaster.text import without_control_characters
from podcaster.writer import SiteWriter

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Loaded:
    """A show that validated: its config, every episode, and the warnings found on the way."""

    show: Show
    episodes: list[Episode]
    published: list[Episode]
    warnings: list[Problem]


@dataclass(frozen=True)
class Built:
    loaded: Loaded
    output_dir: Path
    files: Manifest
    changed: list[str]


@dataclass(frozen=True)
class Tagged:
    loaded: Loaded
    output_dir: Path
    changed: list[str]  # the audio copies tagged (again) by this run
    unchanged: list[str]  # those already tagged as they should be


@dataclass(frozen=True)
class TagPlan:
    """What tagging would do to one episode's published audio, as `check` reports it."""

    key: str
    up_to_date: bool
    changes: tuple[str, ...]  # the tag fields it would write; empty: a fresh copy with the same tags
    first_copy: bool  # no tagged copy exists yet


@dataclass(frozen=True)
class Published:
    built: Built
    target: str  # for people: the target and where it is ("s3://bucket/show at https://…")
    target_url: str  # as the config or --target gave it
    uploaded: list[str] = field(default_factory=list)
    uploaded_bytes: int = 0
    found: list[str] = field(default_factory=list)  # already in the target, recorded without uploading
    deleted: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # left the site, still in the target (no --prune)
    dry_run: bool = False  # then the lists say what would be done
    seconds: float = 0.0


def load(config_path: Path, *, strict: bool = False, now: datetime | None = None,
         cache: BuildCache | None = None, preview: bool = False, drafts: bool = False) -> Loaded:
    """Read and validate the config and every episode; raise with all problems at once. With the
    build's `cache`, what did not change since the last build is taken from there. A `preview`
    writes no feed of the show, so it may hold no episode; with `drafts` (a preview's), drafts and
    episodes dated in the future count as published."""
    report = Report()
    show = config.load(config_path, report)
    episodes_dir = show.episodes_dir if show else config.episodes_dir_of(config_path)
    all_episodes = episode_files.load_all(episodes_dir, report, cache, feedcheck.check_episode)
    moment = now or datetime.now(timezone.utc)
    published, held_back = [], []
    for episode in all_episodes:
        (published if drafts or episode.is_published(moment) else held_back).append(episode)
    if show:
        feedcheck.check(show, all_episodes, None if preview else published, report,
                        (lambda: _earlier_feed(show, cache)) if cache else None)
    _check_tagging_tools(all_episodes, report)
    report.raise_if_failed(strict=strict)
    assert show is not None
    show = without_control_characters(show)  # which the check warned of
    for episode in held_back:
        reason = "a draft" if episode.draft else f"dated {episode.date.isoformat()}, in the future"
        log.info("%s: not published: it is %s", episode.source, reason)
    return Loaded(show, all_episodes, published, report.warnings)


def check(config_path: Path, *, strict: bool = False, now: datetime | None = None) -> Loaded:
    """Validate everything and write nothing. Episodes the last build cached, whose files did not
    change since, are taken from its cache, with the problems found then: at 10,000 episodes,
    parsing them all again took 9 s."""
    with cache.opened(config.output_dir_of(config_path), read_only=True) as build_cache:
        return load(config_path, strict=strict, now=now, cache=build_cache)


def build(config_path: Path, *, strict: bool = False, now: datetime | None = None) -> Built:
    """Write the complete site into the output folder: tagged audio, artwork, pages and the feed."""
    with _alone_in_output_of(config_path), cache.opened(config.output_dir_of(config_path)) as build_cache:
        loaded = load(config_path, strict=strict, now=now, cache=build_cache)
        return _build(loaded, build_cache)


_LOCK_FILE = ".podcaster-lock"


@contextmanager
def _alone_in_output_of(config_path: Path) -> Iterator[None]:
    """One build, tag or publish of a show at a time: a build while a publish uploads would change
    the files under it, and the target would get a feed naming audio it never received. Taken
    before the build cache, which a second build would otherwise do without, and only in an output
    folder the config's check accepts (not, say, the episodes folder). A config with problems is
    left to `load`, which names them with the episodes' and writes nothing; and the first build of
    a show, whose output folder does not exist yet, has nothing to keep apart."""
    try:
        output_dir = _load_config(config_path).output_dir
    except PodcasterError:
        yield
        return
    if not output_dir.is_dir():
        yield
        return
    with held_alone(output_dir / _LOCK_FILE, lambda: log.warning(
            "another podcaster build, tag or publish is writing %s; waiting for it to finish", output_dir)):
        yield


PREVIEW_DIR = ".podcaster-preview"


def build_preview(config_path: Path, base_url: str, *, drafts: bool = False) -> Built:
    """Build the show for a local preview: into its own folder, with every URL on `base_url`, so
    the preview's links and audio work whatever the show's public URL is; with `drafts`, drafts
    and episodes dated in the future are in it too."""
    with cache.opened(config_path.parent / PREVIEW_DIR) as build_cache:
        loaded = load(config_path, cache=build_cache, preview=True, drafts=drafts)
        show = replace(loaded.show, output_dir=config_path.parent / PREVIEW_DIR,
                       publish=replace(loaded.show.publish, public_url=base_url))
        return _build(replace(loaded, show=show), build_cache)


def watched_sources(config_path: Path) -> list[Path]:
    """What a preview is built from: the config, the episodes, the templates and the show's
    artwork (which may be kept outside the episodes)."""
    show = _load_config(config_path)
    return [config_path, show.episodes_dir, show.templates_dir, default_templates_dir(), show.artwork]


def tag(config_path: Path, *, strict: bool = False, now: datetime | None = None) -> Tagged:
    """Only the tagging step: write the tagged copy of each published episode's audio into the
    output folder, where `build` finds it done; pages, feed and other files are left as they are."""
    loaded = load(config_path, strict=strict, now=now)
    show = loaded.show
    layout = Layout.of(show)
    with _alone_in_output_of(config_path):
        writer = SiteWriter(show.output_dir)
        keys = [layout.audio_key(episode) for episode in loaded.published]
        with TaggingProcess() as tagging:
            for key, episode in zip(keys, loaded.published):
                _write_tagged_audio(writer, tagging, key, episode, show, layout)
            tagging.finish()
        writer.finish(complete=False)
    return Tagged(loaded, show.output_dir, writer.changed, [key for key in keys if key not in writer.changed])


def tagging_plan(loaded: Loaded) -> list[TagPlan]:
    """What a build would do to each published episode's tagged copy; reads files, writes nothing.

    The tags are compared with the copy already in the output folder, or with the recording when
    there is no copy yet."""
    show = loaded.show
    layout = Layout.of(show)
    writer = SiteWriter(show.output_dir)
    plans = []
    for episode in loaded.published:
        key = layout.audio_key(episode)
        tags = tags_for(episode, show, layout)
        if writer.is_current(key, episode.audio, _recipe(tags, writer)):
            plans.append(TagPlan(key, True, (), False))
            continue
        copy = show.output_dir / key
        baseline = copy if copy.is_file() else episode.audio
        plans.append(TagPlan(key, False, audio.plan(baseline, tags).changes, not copy.is_file()))
    return plans


def publish(config_path: Path, *, strict: bool = False, target: str | None = None, now: datetime | None = None,
            dry_run: bool = False, prune: bool = False, verify: bool = False,
            progress: publishing.PublishProgress | None = None) -> Published:
    """Build, then bring the target up to date: upload what it does not have yet, the feed last;
    with `prune`, delete what left the site; with `verify`, check every file instead of trusting
    the manifest; with `dry_run`, only say what would be done."""
    # Held until the last file is uploaded: the uploads read the build's files.
    with _alone_in_output_of(config_path):
        with cache.opened(config.output_dir_of(config_path)) as build_cache:
            loaded = load(config_path, strict=strict, now=now, cache=build_cache)
            settings = loaded.show.publish
            storage = open_target(target or settings.target, loaded.show.config_path.parent, settings)
            if isinstance(storage, LocalStorage):
                _refuse_clashing_folder(loaded.show, target or settings.target, storage.root)
            # Read before building, so a wrong bucket or key fails in a second rather than after tagging.
            recorded = publishing.read_manifest(storage, verify=verify, prune=prune)
            built = _build(loaded, build_cache)
        plan = publishing.plan(built.files, built.output_dir, recorded, storage, settings, prune=prune, verify=verify)
        started = time.monotonic()
        if not dry_run:
            observer = progress or publishing.Unobserved()
            observer.planned(plan)
            publishing.carry_out(plan, recorded, storage, observer)
    published = Published(built, storage.description, target or settings.target,
                          [upload.key for upload in plan.uploads], plan.upload_bytes,
                          found=sorted(plan.found), deleted=plan.deletes, kept=plan.kept, dry_run=dry_run,
                          seconds=time.monotonic() - started)
    hub = loaded.show.feed.hub
    if hub and not dry_run and FEED_KEY in published.uploaded:
        _ping_hub(hub, loaded.show.feed_url)
    return published


def _refuse_clashing_folder(show: Show, target: str, folder: Path) -> None:
    """A folder target must be a folder of its own: not the producer's (which `check` also says of the
    config's target), nor the build's output or the preview's, which builds rewrite."""
    root = show.config_path.parent
    clash = config.folder_clash(folder, root, {**config.show_folders(show), config.OUTPUT_FOLDER: show.output_dir,
                                               "the preview's folder": root / PREVIEW_DIR})
    if clash:
        raise StorageError(f"publish target {target}: {clash}; publish to a folder of its own")


def _ping_hub(hub: str, feed_url: str) -> None:
    """The feed is already published when the hub is told; a hub that fails costs only the speed-up."""
    # Imported here: urllib.request brings ssl and http.client, 2 MB and 15 ms that every build,
    # check and tag paid for a step only a publish to a show with a hub takes.
    from podcaster import websub

    try:
        websub.ping(hub, feed_url)
    except StorageError as e:
        log.warning("%s; the feed is published, and apps will see it at their next poll", e.message)
        return
    log.info("told the WebSub hub %s that the feed changed", hub)


def init_show(folder: Path, *, title: str | None = None, author: str, email: str, language: str,
              now: datetime | None = None) -> list[Path]:
    """Start a show in `folder`: a podcast.toml that `check` accepts, an episodes folder, and
    placeholder artwork; what was written. The title defaults to the folder's name."""
    folder = folder.resolve()
    title = (title or folder.name.replace("-", " ").replace("_", " ").strip().title() or "My Podcast").strip()
    if not languages.is_valid(language):
        raise ConfigError(f"--language {language!r} is not an ISO 639-1 language code; use e.g. en, en-GB, ar")
    year = (now or datetime.now(timezone.utc)).year
    return scaffold.create_show(folder, title=title, author=author, email=email, language=language, year=year)


@dataclass(frozen=True)
class NewEpisode:
    source: Path  # the episode.md written
    audio: list[Path]  # encoded from the recording, the episode's audio first
    chapters: tuple[Chapter, ...]


def new_episode(config_path: Path, title: str, *, slug: str | None = None, recording_path: Path | None = None,
                markers_path: Path | None = None, speakers: tuple[str, ...] = (), summary: str | None = None,
                from_live: str | None = None, now: datetime | None = None,
                on_progress: Callable[[float, float], None] | None = None) -> NewEpisode:
    """Scaffold episodes/<slug>/episode.md, encoding the recording into its audio when one is given.

    With `from_live`, the episode is what an announced stream became: it takes the stream's GUID
    (apps that showed the live item then know it as this episode) and the `[[live]]` entry goes.
    Everything is checked before anything is written, and the folder appears whole or not at all."""
    show = _load_config(config_path)
    if from_live is not None:
        if from_live not in {live.guid for live in show.podcasting.live}:
            raise config_edit.unknown_stream(config_path, from_live)
        config_edit.find_live(config_path, from_live)
    title = title.strip()
    if slug is not None and len(slug) > scaffold.SLUG_LENGTH:
        raise EpisodeError(f"--slug is {len(slug)} characters long; keep it to {scaffold.SLUG_LENGTH}")
    if slug is not None and slug != scaffold.slugify(slug):
        # Anything else could leave the episodes folder, or make a folder that discovery skips.
        raise EpisodeError(f"--slug {slug!r}: use lower-case letters, digits and hyphens only, "
                           f"e.g. {scaffold.slugify(slug) or 'my-episode'}")
    if not title:
        raise EpisodeError("the title is empty; give the episode a title, e.g. podcaster new \"Episode title\"")
    slug = slug or scaffold.slugify(title)
    if not slug:
        raise EpisodeError(f"the title {title!r} gives no folder name; pass --slug NAME")
    folder = show.episodes_dir / slug
    if folder.exists():
        raise EpisodeError(f"{folder}: an episode with this slug exists already, and `new` never overwrites; "
                           "pick another title or pass --slug NAME")
    speakers = speakers or show.speakers
    if not speakers:
        raise EpisodeError(f"no speakers for the new episode: pass --speaker NAME, or set "
                           f"`speakers = [\"…\"]` in {config_path.name}")
    if recording_path is not None:
        if not recording_path.is_file():
            raise EpisodeError(f"{recording_path}: no such recording")
        ffmpeg.require("ffmpeg")
    marks = markers.read(markers_path) if markers_path else []
    date = (now or datetime.now(timezone.utc)).astimezone(ZoneInfo(show.timezone))
    number = scaffold.next_number(show.episodes_dir)
    staging = show.episodes_dir / f".new-{slug}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        staging.mkdir(parents=True)
        audio_files, chapters = _encode_recording(show, recording_path, staging, marks, on_progress)
        scaffold.create(staging, title=title, date=date, number=number, speakers=speakers,
                        audio_name=audio_files[0].name if audio_files else "episode.mp3",
                        alternates=[f.name for f in audio_files[1:]], summary=summary, chapters=chapters,
                        guid=from_live, live=recording_path is not None or from_live is not None)
        staging.rename(folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if from_live is not None:
        config_edit.remove_live(config_path, from_live)
    return NewEpisode(folder / episode_files.EPISODE_FILE, [folder / f.name for f in audio_files], chapters)


def announce_live(config_path: Path, title: str, *, start: datetime, stream_url: str, page_url: str | None = None,
                  end: datetime | None = None, stream_type: str | None = None, summary: str | None = None) -> str:
    """Add a pending `[[live]]` stream to the config; returns its new GUID."""
    show = _load_config(config_path)
    stream_type = stream_type or mediatypes.stream_type(stream_url)
    # An address that is no URL at all is reported as the config's check reports it.
    if stream_type is None and config.is_http_url(stream_url):
        raise ConfigError(f"--url {stream_url}: its address does not say what kind of stream it is; give its type "
                          f"with --type, e.g. {mediatypes.STREAM_TYPE_EXAMPLES}")
    guid = str(uuid.uuid4())
    fields: dict[str, str | datetime] = {
        "guid": guid, "title": title.strip(), "status": "pending", "start": _aware(start, show),
        # Without a type, the address is no URL, and the check of the edit refuses it before it is written.
        "stream_url": stream_url, "stream_type": stream_type or "audio/mpeg",
        # The show's own live page (written while a stream is pending or live) unless one is given.
        "page_url": page_url or Layout.of(show).url(LIVE_DIR_KEY),
    }
    if end is not None:
        fields["end"] = _aware(end, show)
    if summary:
        fields["summary"] = summary
    config_edit.add_live(config_path, fields)
    return guid


def update_live(config_path: Path, guid: str, *, status: str, end: datetime | None = None) -> None:
    """Move an announced stream along: pending → live → ended."""
    show = _load_config(config_path)
    fields: dict[str, str | datetime] = {"status": status}
    if end is not None:
        fields["end"] = _aware(end, show)
    config_edit.set_live_fields(config_path, guid, fields)


def _aware(moment: datetime, show: Show) -> datetime:
    """A time the producer typed without a zone is in the show's time zone."""
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(show.timezone))


def _encode_recording(show: Show, recording_path: Path | None, folder: Path, marks: list[Chapter],
                      on_progress) -> tuple[list[Path], tuple[Chapter, ...]]:
    if recording_path is None:
        return [], tuple(marks)
    analysis = recording.analyse(recording_path, show.recording, on_progress)
    encoded = recording.encode(recording_path, folder, "episode", show.recording, analysis, on_progress)
    chapters = markers.shifted(marks, by=encoded.trimmed_start, duration=encoded.duration)
    return list(encoded.files.values()), chapters


def _load_config(config_path: Path) -> Show:
    report = Report()
    show = config.load(config_path, report)
    report.raise_if_failed(strict=False)
    assert show is not None
    return show


def published_folder(config_path: Path) -> Path:
    """The folder a file:// publish target writes to: what `serve` previews."""
    show = _load_config(config_path)
    storage = open_target(show.publish.target, config_path.parent, show.publish)
    if not isinstance(storage, LocalStorage):
        raise StorageError(f"{config_path}: publish.target {show.publish.target!r} is not a folder; "
                           "pass --directory to serve a local copy")
    if not storage.root.is_dir():
        raise StorageError(f"{storage.root} does not exist yet; run `podcaster publish` first")
    return storage.root


def public_url_unless(config_path: Path, address: str) -> str | None:
    """The show's public URL, the address its pages link to, unless it is `address`; None too when
    there is no readable config (`serve --directory` may serve any folder)."""
    try:
        public_url = _load_config(config_path).publish.public_url
    except PodcasterError:
        return None
    return None if public_url == address else public_url


def _build(loaded: Loaded, build_cache: BuildCache) -> Built:
    show = loaded.show
    layout = Layout.of(show)
    build_cache.begin_writing()
    build_cache.retain({episode.fingerprint for episode in loaded.published})
    writer = SiteWriter(show.output_dir)
    with _SiteImages(writer, pages.site_images(show, loaded.published, layout)) as site_images:
        _write_site(loaded, writer, build_cache, layout)
        site_images.write()
    files = writer.finish()
    feed_files_key = _feed_files_key(show.output_dir)
    if not build_cache.present("feeds", [feed_files_key]):  # else the feed is as the last build left it
        build_cache.put("feeds", feed_files_key, feed.published(show, loaded.published, layout))
    for key in writer.changed:
        log.debug("wrote %s", key)
    log.info("built %d files into %s (%d changed)", len(files), show.output_dir, len(writer.changed))
    return Built(loaded, show.output_dir, files, writer.changed)


def _write_site(loaded: Loaded, writer: SiteWriter, build_cache: BuildCache, layout: Layout) -> None:
    """Everything but the pictures: the tagged audio and the files the feed links, the pages, the feed."""
    show = loaded.show
    with notes.cached_in(build_cache):
        media = _write_episode_files_and_pages(loaded, writer, build_cache, layout)
        # Archive pages first: a failed build never leaves a feed.xml that links to pages not written.
        for document in feed.plan(show, loaded.published, layout, media, build_cache, writer.last_inputs):
            if not writer.is_unchanged(document.key, document.inputs):
                writer.write_chunks(document.key, document.chunks, document.inputs)


def _write_episode_files_and_pages(loaded: Loaded, writer: SiteWriter, build_cache: BuildCache,
                                   layout: Layout) -> feed.Media:
    """Each episode's files, then every page; what the feed needs to know of the audio written.
    (The pages' plans go when this returns, before the feed is written.)"""
    show = loaded.show
    planned = pages.plan(show, loaded.published, layout, Templates(show.templates_dir, build_cache))
    to_render = [page for page in planned if not writer.is_unchanged(page.key, page.inputs)]
    writer.copy(layout.artwork_key, show.artwork)
    show_inputs = cache.digest(show.without_live(), layout)  # a chapters file never shows a live stream
    # The fingerprint covers the episode's own files; the show's artwork is the cover its
    # audio is tagged with when it has none of its own.
    files_inputs = cache.digest("episode files", show_inputs, writer.source_stamp(show.artwork))
    # The audio is tagged by another process while this one renders the pages.
    with TaggingProcess() as tagging:
        for episode in loaded.published:
            group, inputs = f"episode {episode.slug}", cache.digest(files_inputs, episode.fingerprint)
            if not writer.is_group_unchanged(group, inputs):
                with writer.group(group, inputs):
                    _write_episode_files(writer, tagging, episode, show, layout, show_inputs)
        for page in to_render:
            writer.write_text(page.key, page.render(), page.inputs)
            tagging.collect()
        tagging.finish()
    media = feed.Media(sizes={}, integrity={})
    for episode in loaded.published:
        _measure_media(writer, episode, layout, media)
    return media


def _earlier_feed(show: Show, build_cache: BuildCache) -> feed.PublishedFeed | None:
    """What the feed in the output folder says, as the build that wrote it left it in the cache,
    or else read from the files."""
    return build_cache.get("feeds", _feed_files_key(show.output_dir)) or feed.read_published(show.output_dir)


def _feed_files_key(folder: Path) -> str:
    return cache.digest("feed files", [(path.name, cache.file_stamp(path))
                                       for path in [folder / FEED_KEY, *sorted(folder.glob(feed.ARCHIVE_PATTERN))]])


def _write_episode_files(writer: SiteWriter, tagging: TaggingProcess, episode: Episode, show: Show, layout: Layout,
                         show_inputs: str) -> None:
    """The episode's tagged audio, its cover, and the files the feed links for it: transcripts,
    other encodings, the chapters file (`show_inputs`: a digest of the show's settings, which it
    depends on too)."""
    _write_tagged_audio(writer, tagging, layout.audio_key(episode), episode, show, layout)
    if episode.cover:
        writer.copy(layout.cover_key(episode), episode.cover)
    for transcript in episode.transcripts:
        writer.copy(layout.transcript_key(episode, transcript.path), transcript.path)
    for alternate in episode.alternates:
        key = layout.alternate_key(episode, alternate.path)
        if alternate.path.suffix.lower() in audio.SUPPORTED_EXTENSIONS:
            # Another encoding of the same episode carries the same tags and chapters.
            _write_tagged_audio(writer, tagging, key, episode, show, layout, source=alternate.path)
        else:
            writer.copy(key, alternate.path)
    if episode.chapters:
        image_keys = {}
        for index, chapter in enumerate(episode.chapters):
            if chapter.image:
                image_keys[index] = layout.chapter_image_key(episode, chapter.image)
                writer.copy(image_keys[index], chapter.image)
        key = layout.chapters_key(episode)
        inputs = cache.digest("chapters", show_inputs, episode.fingerprint, image_keys)
        if not writer.is_unchanged(key, inputs):
            writer.write_text(key, json_chapters.to_json(show, episode, layout, image_keys), inputs)
    # Last: a file the notes name may be one the episode publishes there anyway (`cover.jpg`,
    # `transcripts/talk.vtt`), or a page or picture made from it.
    made_there = {layout.page_key(episode), layout.chapters_key(episode),
                  *(layout.picture_key(episode, size) for size in pages.PICTURE_SIZES)}
    for name in episode.notes_files:
        key, path = layout.notes_file_key(episode, name), episode.source.parent / name
        # Checked again: the file may have been swapped for a link out since the episode loaded.
        if key not in writer.written and key not in made_there and lies_in(path, episode.source.parent):
            writer.copy(key, path)


def _measure_media(writer: SiteWriter, episode: Episode, layout: Layout, media: feed.Media) -> None:
    """What the feed states of the episode's audio files: their sizes, and the other encodings' digests."""
    audio_key = layout.audio_key(episode)
    media.sizes[audio_key] = writer.size(audio_key)
    for alternate in episode.alternates:
        key = layout.alternate_key(episode, alternate.path)
        media.sizes[key] = writer.size(key)
        media.integrity[key] = feed.sri(writer.digest(key))


class _SiteImages:
    """Sized copies of the artwork for the pages, made again only when their source image changed.

    Pillow decodes, resizes and encodes without holding the interpreter, so the copies are made on
    worker threads while the build goes on with the audio and the pages (a long archive's covers
    took a third of a first build). Each source is decoded once for all its sizes, and sources with
    the same bytes (a series cover copied into every episode's folder) are made once. The copies
    land in a scratch folder in the output folder, so none is held in memory; the writer, which is
    not shared, files them at the end."""

    def __init__(self, writer: SiteWriter, images: list[pages.SiteImage]) -> None:
        self.writer, self.images = writer, images
        self.made: dict[str, tuple[Future, Path]] = {}
        self.current: set[str] = set()  # the pictures found current: kept as they are
        self._workers = ThreadPoolExecutor(max_workers=os.cpu_count() or 1)
        writer.root.mkdir(parents=True, exist_ok=True)
        _remove_abandoned_scratch(writer.root)
        self._scratch = Path(tempfile.mkdtemp(prefix=_SCRATCH_PREFIX, dir=writer.root))

    def __enter__(self) -> _SiteImages:
        try:
            self._start()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _start(self) -> None:
        by_content: dict[str, list[pages.SiteImage]] = {}
        contents: dict[Path, str] = {}  # a cover is the source of three pictures: hashed once
        for image in self.images:
            if self.writer.is_current(image.key, image.source, _image_recipe(image)):
                self.current.add(image.key)
            else:
                if image.source not in contents:
                    contents[image.source] = _content_of(image.source)
                by_content.setdefault(contents[image.source], []).append(image)
        for content, group in by_content.items():
            # Each picture gets its own scratch file, which the writer then moves into place.
            scratch = [self._scratch / f"{len(self.made) + index}.part" for index in range(len(group))]
            made = self._workers.submit(self._make, group, content, scratch)
            for image, path in zip(group, scratch):
                self.made[image.key] = (made, path)

    def __exit__(self, *exc_info) -> None:
        self._workers.shutdown(wait=True, cancel_futures=True)
        shutil.rmtree(self._scratch, ignore_errors=True)

    @staticmethod
    def _make(group: list[pages.SiteImage], content: str, scratch: list[Path]) -> None:
        """Each picture of `group` (sources that all held the bytes whose SHA-256 is `content`) into
        its `scratch` file."""
        first = group[0].source
        data = _read_image(first)
        if hashlib.sha256(data).hexdigest() == content:
            made = artwork.page_images(first, [(image.pixels, image.image_format) for image in group], data)
            for image, path in zip(group, scratch):
                path.write_bytes(made[(image.pixels, image.image_format)])
            return
        # The first source was edited since it was hashed: the others still hold the old bytes, so
        # each picture is made from its own source.
        for image, path in zip(group, scratch):
            path.write_bytes(_picture_alone(image))

    def write(self) -> None:
        for image in self.images:
            if image.key in self.current:  # as it was found when the build began (its source is looked at once)
                self.writer.keep(image.key)
            else:
                self.writer.derive(image.key, image.source, _image_recipe(image),
                                   lambda partial, image=image: self._file(image, partial))

    def _file(self, image: pages.SiteImage, partial: Path) -> None:
        made, path = self.made[image.key]
        made.result()
        os.replace(path, partial)


_SCRATCH_PREFIX = ".podcaster-pictures-"
# A build that was killed leaves its scratch folder behind (an interrupted one removes it). A
# folder is touched as each picture lands in it, so one a day untouched is not a running build's:
# no build, even of a long archive, makes its pictures and then runs on for a day.
_ABANDONED_AFTER_SECONDS = 24 * 3600


def _remove_abandoned_scratch(folder: Path) -> None:
    for scratch in folder.glob(f"{_SCRATCH_PREFIX}*"):
        try:
            abandoned = time.time() - scratch.stat().st_mtime > _ABANDONED_AFTER_SECONDS and scratch.is_dir()
        except OSError:
            continue
        if abandoned:
            shutil.rmtree(scratch, ignore_errors=True)


def _picture_alone(image: pages.SiteImage) -> bytes:
    wanted = (image.pixels, image.image_format)
    return artwork.page_images(image.source, [wanted])[wanted]


def _read_image(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise ArtworkError(f"{path}: cannot read the image ({e.strerror}), which was there when the build began; "
                           "put it back, or change what names it, and build again") from e


def _content_of(path: Path) -> str:
    return hashlib.sha256(_read_image(path)).hexdigest()


def _image_recipe(image: pages.SiteImage) -> str:
    # "decoded-once": sizes below the largest are now resized from the largest decode, which
    # changes their bytes a little; pictures made before that are made again once.
    return (f"{image.image_format} {image.pixels} webp-quality={artwork.PAGE_WEBP_QUALITY} "
            f"method={artwork.PAGE_WEBP_METHOD} decoded-once")


def _write_tagged_audio(writer: SiteWriter, tagging: TaggingProcess, key: str, episode: Episode, show: Show,
                        layout: Layout, source: Path | None = None) -> None:
    """The published audio is a tagged copy, which `tagging` makes unless it is current; the
    producer's recording (`source`, by default the episode's audio) is only ever read."""
    tags = tags_for(episode, show, layout)
    recording = source or episode.audio
    recipe = _recipe(tags, writer)
    path = writer.claim_derived(key, recording, recipe)
    if path is not None:
        tagging.submit(Job(path, recording, tags), lambda sha256: writer.derived(key, recording, recipe, sha256))


def tags_for(episode: Episode, show: Show, layout: Layout) -> audio.Tags:
    """What the published copy of the episode's audio carries: the same metadata as its feed entry."""
    return audio.Tags(
        title=episode.title,
        artist=", ".join(episode.speakers),
        album=show.title,
        album_artist=show.author,
        date=episode.date,
        summary=episode.summary,
        copyright=show.copyright,
        guid=episode.guid,
        feed_url=show.feed_url,
        page_url=layout.page_url(episode),
        duration=episode.audio_info.duration,
        track=episode.number,
        disc=episode.season,
        cover=episode.cover or show.artwork,
        chapters=episode.chapters,
        category=show.category,
        id3_version=show.id3_version,
    )


def _recipe(tags: audio.Tags, writer: SiteWriter) -> str:
    """A digest of everything a tagged copy is made from, its images' size and mtime included:
    editing the notes, say, leaves a large recording alone. Not podcaster's version, unlike the
    build cache's entries: an upgrade must not copy and tag gigabytes of unchanged audio again."""
    images = [tags.cover, *(chapter.image for chapter in tags.chapters)]
    stamps = [writer.source_stamp(image) if image else None for image in images]
    return hashlib.sha256(repr((tags, [tuple(stamp) if stamp else None for stamp in stamps])).encode()).hexdigest()


def _check_tagging_tools(episodes: list[Episode], report: Report) -> None:
    if ffmpeg.available():
        return
    for episode in episodes:
        # The format first: an episode from the build cache reads its chapters from there if asked.
        if audio.chapters_need_ffmpeg(episode.audio_info) and episode.chapters:
            report.error(episode.source, "chapters",
                         f"chapters in M4A audio ({episode.audio.name}) are written with ffmpeg, which is not "
                         f"installed; {ffmpeg.INSTALL_HINT}, or set `chapters: []` to publish it without chapters")
