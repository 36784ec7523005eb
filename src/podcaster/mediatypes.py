"""The Content-Type of every kind of file a build writes, by extension (one table for storage and serve)."""

from __future__ import annotations

from pathlib import PurePosixPath

CONTENT_TYPES = {
    ".mp3": "audio/mpeg",
    ".m4a": "audio/x-m4a",
    ".m4b": "audio/x-m4a",
    ".mp4": "audio/x-m4a",
    ".opus": "audio/ogg",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".flac": "audio/flac",
    ".aac": "audio/aac",
    ".xml": "application/rss+xml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
    ".vtt": "text/vtt; charset=utf-8",
    ".srt": "application/x-subrip",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
}


# The one .xml file that is not a feed: search engines expect a sitemap to be plain XML.
_BY_NAME = {"sitemap.xml": "application/xml; charset=utf-8"}


def content_type(key: str) -> str:
    path = PurePosixPath(key)
    return _BY_NAME.get(path.name) or CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")
