"""The Podcasting 2.0 namespace's rules that are data rather than code: its values and forms.

https://podcastindex.org/namespace/1.0
"""

from __future__ import annotations

import re
import uuid
from pathlib import PurePath

NAMESPACE = "https://podcastindex.org/namespace/1.0"

# The namespace UUID the spec fixes for deriving podcast:guid from a feed URL.
GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")

MEDIUMS = ("podcast", "music", "video", "film", "audiobook", "newsletter", "blog", "publisher", "course",
           "podcastL", "musicL", "videoL", "filmL", "audiobookL", "newsletterL", "blogL", "publisherL",
           "courseL", "mixed")
LIVE_STATUSES = ("pending", "live", "ended")
INTEGRITY_TYPE = "sri"

# Transcript formats by extension: (MIME type, whether the file is timed, so it can serve as captions).
TRANSCRIPT_TYPES: dict[str, tuple[str, bool]] = {
    ".vtt": ("text/vtt", True),
    ".srt": ("application/x-subrip", True),
    ".json": ("application/json", True),
    ".html": ("text/html", False),
    ".txt": ("text/plain", False),
}
CHAPTERS_TYPE = "application/json+chapters"

# Other encodings of an episode, offered with podcast:alternateEnclosure.
ALTERNATE_AUDIO_TYPES: dict[str, str] = {
    ".opus": "audio/opus",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".flac": "audio/flac",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".aac": "audio/aac",
}

# Limits the spec asks for: node values of person, funding, location …; podcast:episode's display.
MAX_TEXT = 128
MAX_DISPLAY = 32

GEO = re.compile(r"^geo:-?\d{1,2}(\.\d+)?,-?\d{1,3}(\.\d+)?(,-?\d+(\.\d+)?)?(;u=\d+(\.\d+)?)?$")
OSM = re.compile(r"^[NWR]\d+(#\d+)?$")
UUID_FORM = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def feed_guid(feed_url: str) -> str:
    """podcast:guid as the spec derives it: a UUIDv5 of the feed URL without its scheme and
    without trailing slashes."""
    seed = re.sub(r"^[A-Za-z][A-Za-z0-9+.-]*://", "", feed_url).rstrip("/")
    return str(uuid.uuid5(GUID_NAMESPACE, seed))


def transcript_type(path: PurePath) -> tuple[str, bool] | None:
    return TRANSCRIPT_TYPES.get(path.suffix.lower())
