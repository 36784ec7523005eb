"""The show and its episodes as plain, frozen values: what every other module passes around."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path, PurePosixPath

from podcaster.errors import EpisodeError


@dataclass(frozen=True, slots=True)
class Owner:
    name: str
    email: str


MEDIA_CACHE_CONTROL = "public, max-age=604800"
PAGES_CACHE_CONTROL = "public, max-age=300"


@dataclass(frozen=True, slots=True)
class PublishSettings:
    target: str
    public_url: str  # always ends with "/"
    # How to reach an s3:// target; None leaves the choice to boto3 (environment, profile, AWS).
    endpoint_url: str | None = None
    region: str | None = None
    profile: str | None = None
    addressing_style: str = "auto"  # "auto", "path" or "virtual"
    storage_class: str | None = None  # for audio files
    acl: str = "none"  # "none" or "public-read"
    cache_control_media: str = MEDIA_CACHE_CONTROL  # audio and artwork
    cache_control_pages: str = PAGES_CACHE_CONTROL  # the feed, pages and everything else
    request_checksum_calculation: str = "when_supported"  # or "when_required"


ENCODE_FORMATS = ("mp3", "m4a", "opus")


@dataclass(frozen=True, slots=True)
class EncodingSettings:
    """How `podcaster new --recording` turns a recording into episode audio."""

    loudness: float = -16.0  # LUFS, integrated
    true_peak: float = -1.0  # dBTP
    trim_silence: bool = True
    silence_threshold: float = -50.0  # dB: quieter than this counts as silence
    channels: int = 1
    bitrate: str = "96k"
    sample_rate: int = 44100
    formats: tuple[str, ...] = ("mp3",)  # the first is the episode's audio, the others alternates


@dataclass(frozen=True, slots=True)
class Person:
    """Someone who makes or appears in the show (podcast:person); roles and groups follow the
    Podcast Taxonomy Project, the spec's defaults being host and cast."""

    name: str
    role: str | None = None
    group: str | None = None
    img: str | None = None
    href: str | None = None


@dataclass(frozen=True, slots=True)
class Funding:
    url: str
    text: str


@dataclass(frozen=True, slots=True)
class License:
    name: str  # an SPDX-style identifier such as cc-by-4.0, or a custom licence's name
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Location:
    """The place the show or episode is about. (The spec's later rel and country attributes are
    left out: the namespace's 2021 schema, which apps validate against, does not allow them.)"""

    name: str
    geo: str | None = None  # "geo:lat,lon" (RFC 5870)
    osm: str | None = None  # an OpenStreetMap type and id: R113314


@dataclass(frozen=True, slots=True)
class UpdateFrequency:
    text: str
    rrule: str | None = None  # RFC 5545 recurrence rule, e.g. FREQ=WEEKLY
    start: datetime | None = None


@dataclass(frozen=True, slots=True)
class Txt:
    text: str
    purpose: str | None = None  # e.g. "applepodcastsverify"


@dataclass(frozen=True, slots=True)
class RemoteItem:
    """Another feed (podroll) or an item of another feed, addressed by its podcast:guid."""

    feed_guid: str
    feed_url: str | None = None
    item_guid: str | None = None
    title: str | None = None
    medium: str | None = None


@dataclass(frozen=True, slots=True)
class SocialInteract:
    protocol: str  # activitypub, twitter, …, or "disabled"
    uri: str | None = None
    account_id: str | None = None
    account_url: str | None = None
    priority: int | None = None


@dataclass(frozen=True, slots=True)
class ValueRecipient:
    name: str
    type: str  # node, lnaddress, …
    address: str
    split: int
    fee: bool = False
    custom_key: str | None = None
    custom_value: str | None = None


@dataclass(frozen=True, slots=True)
class Value:
    """Value for value payments (podcast:value): the payment layer and who receives what share."""

    type: str  # lightning
    method: str  # keysend
    recipients: tuple[ValueRecipient, ...]
    suggested: str | None = None


@dataclass(frozen=True, slots=True)
class Season:
    number: int
    name: str


@dataclass(frozen=True, slots=True)
class LiveItem:
    """An announced livestream (podcast:liveItem)."""

    guid: str
    title: str
    status: str  # pending, live or ended
    start: datetime
    stream_url: str
    stream_type: str
    page_url: str  # where any browser can follow the stream (podcast:contentLink)
    end: datetime | None = None
    summary: str | None = None
    page_text: str = "Listen live"


@dataclass(frozen=True, slots=True)
class FeedSettings:
    episode_limit: int | None = None  # None: every episode in feed.xml, no archive pages
    hub: str | None = None  # a WebSub hub, pinged after each publish that changed the feed


@dataclass(frozen=True, slots=True)
class Podcasting:
    """What the show says in the Podcasting 2.0 namespace beyond what Apple's tags carry."""

    guid: str | None = None  # None: derived from the feed URL as the spec says
    locked: bool = False
    medium: str = "podcast"
    license: License | None = None
    location: Location | None = None
    update_frequency: UpdateFrequency | None = None
    funding: tuple[Funding, ...] = ()
    persons: tuple[Person, ...] = ()
    seasons: tuple[Season, ...] = ()
    txt: tuple[Txt, ...] = ()
    podroll: tuple[RemoteItem, ...] = ()
    social: tuple[SocialInteract, ...] = ()
    value: Value | None = None
    live: tuple[LiveItem, ...] = ()


@dataclass(frozen=True, slots=True)
class SubscribeLink:
    """Where listeners find the show in one podcast app or directory, shown on the home page."""

    directory: str  # the directory's name as listeners know it: "Apple Podcasts"
    url: str


@dataclass(frozen=True, slots=True)
class Show:
    title: str
    description: str
    author: str
    owner: Owner
    language: str
    category: str
    subcategory: str | None
    explicit: bool
    artwork: Path
    website: str
    show_type: str  # "episodic" or "serial"
    copyright: str
    publish: PublishSettings
    config_path: Path
    episodes_dir: Path
    output_dir: Path
    templates_dir: Path
    block: bool = False
    complete: bool = False
    new_feed_url: str | None = None
    feed: FeedSettings = FeedSettings()
    podcasting: Podcasting = Podcasting()
    timezone: str = "UTC"
    speakers: tuple[str, ...] = ()
    recording: EncodingSettings = field(default_factory=EncodingSettings)
    subscribe_links: tuple[SubscribeLink, ...] = ()
    page_size: int = 10  # episodes per archive, series, season or speaker page
    id3_version: int = 4  # of the tags in MP3 files: 4, or 3 for old players

    @property
    def feed_url(self) -> str:
        return self.publish.public_url + "feed.xml"

    def without_live(self) -> Show:
        """The show as what lasts sees it: live streams come and go within hours, and only the live
        page and the feed's channel show them."""
        return replace(self, podcasting=replace(self.podcasting, live=()))


@dataclass(frozen=True, slots=True)
class Chapter:
    start: float  # seconds from the start of the audio
    title: str
    url: str | None = None
    image: Path | None = None


def chapter_spans(chapters: Sequence[Chapter], duration: float) -> list[tuple[Chapter, float]]:
    """Each chapter with its end: where the next one begins; the last ends with the audio (`duration`)."""
    ends = [chapter.start for chapter in chapters[1:]] + [duration]
    return list(zip(chapters, ends))


@dataclass(frozen=True, slots=True)
class AudioInfo:
    """What probing the real file found: nothing here is taken from the front matter."""

    format: str  # "mp3", "m4a", "opus", "vorbis" or "flac"
    mime_type: str
    codec: str
    duration: float  # seconds
    bitrate: int  # bits per second
    sample_rate: int
    channels: int
    size: int  # bytes


@dataclass(frozen=True, slots=True)
class Transcript:
    path: Path  # beside episode.md
    mime_type: str
    language: str | None = None  # None: the show's language
    captions: bool = False  # timed text apps may show as captions (rel="captions")


@dataclass(frozen=True, slots=True)
class AlternateAudio:
    """Another encoding of the episode's audio (podcast:alternateEnclosure), e.g. Opus."""

    path: Path  # beside episode.md
    mime_type: str
    title: str | None = None


@dataclass(frozen=True, slots=True)
class Soundbite:
    start: float  # seconds
    duration: float  # seconds
    title: str | None = None


@dataclass(frozen=True, slots=True)
class Episode:
    slug: str
    source: Path  # the episode.md
    title: str
    date: datetime  # time-zone aware
    guid: str
    number: int | None
    season: int | None
    episode_type: str  # "full", "trailer" or "bonus"
    explicit: bool | None  # None: as the show
    speakers: tuple[str, ...]
    summary: str
    audio: Path
    audio_info: AudioInfo
    # The show notes' Markdown when held here. None: they are in `source`, from character
    # `notes_start` on, until a page or feed item asks (see `episodes.load_all`).
    notes: str | None = None
    series: str | None = None
    cover: Path | None = None
    transcripts: tuple[Transcript, ...] = ()
    chapters: tuple[Chapter, ...] = field(default=())
    draft: bool = False
    number_display: str | None = None  # how apps show the number (podcast:episode display)
    persons: tuple[Person, ...] = ()  # besides the speakers, or with details for them
    soundbites: tuple[Soundbite, ...] = ()
    location: Location | None = None
    license: License | None = None
    alternates: tuple[AlternateAudio, ...] = ()
    social: tuple[SocialInteract, ...] = ()
    # Files beside episode.md that the notes link to or show by a relative address (a photo, a
    # PDF), relative to its folder: published beside the page, where those addresses lead.
    notes_files: tuple[PurePosixPath, ...] = ()
    # Every file the episode was read from, and a digest of their content (the episode.md's bytes,
    # the others' size and mtime): pages and feed items made from the episode are made again only
    # when it changes.
    inputs: tuple[Path, ...] = ()
    fingerprint: str = ""
    notes_start: int = 0
    source_sha256: str = ""  # of the episode.md as loaded: notes read later must come from the same bytes

    def markdown(self) -> str:
        """The show notes: those held, or read again from the episode.md they were loaded from.
        Raises EpisodeError if that file changed since."""
        if self.notes is not None:
            return self.notes
        try:
            data = self.source.read_bytes()
        except OSError as e:
            raise EpisodeError(f"{self.source}: cannot be read any more ({e.strerror}); put it back and "
                               "build again") from e
        if hashlib.sha256(data).hexdigest() != self.source_sha256:
            raise EpisodeError(f"{self.source}: changed since the build read it; build again (if this repeats, the "
                               "file was edited without changing its modification time: `touch` it)")
        return notes_in(episode_text(data), self.notes_start)

    @property
    def audio_extension(self) -> str:
        """The recording's extension, lowercased (".mp3"): its copy in the site is named with it."""
        return self.audio.suffix.lower()

    @property
    def timestamp(self) -> float:
        """The date as seconds since 1970: what episodes are sorted by (sorting thousands of
        time-zone-aware datetimes is slow)."""
        return self.date.timestamp()

    @property
    def iso_date(self) -> str:
        """The date in ISO 8601, as sitemaps give it."""
        return self.date.isoformat()

    def order(self) -> tuple[float, str]:
        """Where the episode stands among the others: by date, then slug."""
        return self.timestamp, self.slug

    def is_published(self, now: datetime) -> bool:
        return not self.draft and self.date <= now


def episode_text(data: bytes) -> str:
    """An episode.md's text, decoded as Python's text mode reads a file: UTF-8, universal newlines,
    without the byte order mark that Notepad puts first. Raises UnicodeDecodeError."""
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig").read()


def notes_in(text: str, start: int) -> str:
    """The show notes of an episode.md's `text`, which begin at character `start`."""
    return text[start:].strip() + "\n"
