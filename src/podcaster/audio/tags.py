"""What podcaster writes into an audio file, independent of the container format."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from podcaster.model import Chapter, chapter_spans


@dataclass(frozen=True)
class Tags:
    title: str
    artist: str  # the speakers, joined
    album: str  # the show's title
    album_artist: str  # the show's author
    date: datetime
    summary: str
    copyright: str
    guid: str
    feed_url: str
    page_url: str
    duration: float  # seconds: where the last chapter ends
    track: int | None = None
    disc: int | None = None
    genre: str = "Podcast"
    cover: Path | None = None  # the image to embed; resized to a small JPEG when tagging
    chapters: tuple[Chapter, ...] = ()  # none: chapters already in the recording are left alone
    category: str | None = None  # the show's Apple category (ID3 TCAT, MP4 catg)
    id3_version: int = 4  # MP3 only: 3 for old players that cannot read ID3v2.4

    def chapter_spans(self) -> list[tuple[Chapter, float]]:
        return chapter_spans(self.chapters, self.duration)
