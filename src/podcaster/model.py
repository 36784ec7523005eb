"""The show and its episodes as plain, frozen values: what every other module passes around."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True)
class Owner:
    name: str
    email: str


@dataclass(frozen=True)
class PublishSettings:
    target: str
    public_url: str  # always ends with "/"


ENCODE_FORMATS = ("mp3", "m4a", "opus")


@dataclass(frozen=True)
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


@dataclass(frozen=True)
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
    timezone: str = "UTC"
    speakers: tuple[str, ...] = ()
    recording: EncodingSettings = field(default_factory=EncodingSettings)
    id3_version: int = 4  # of the tags in MP3 files: 4, or 3 for old players

    @property
    def feed_url(self) -> str:
        return self.publish.public_url + "feed.xml"


@dataclass(frozen=True)
class Chapter:
    start: float  # seconds from the start of the audio
    title: str
    url: str | None = None
    image: Path | None = None


@dataclass(frozen=True)
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


@dataclass(frozen=True)
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
    notes: str  # Markdown
    series: str | None = None
    cover: Path | None = None
    transcript: Path | None = None
    chapters: tuple[Chapter, ...] = field(default=())
    draft: bool = False

    def is_published(self, now: datetime) -> bool:
        return not self.draft and self.date <= now
