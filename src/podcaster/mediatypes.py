"""The Content-Type of every kind of file a build writes, by extension (one table for storage and serve)."""

from __future__ import annotations

from pathlib import PurePosixPath
from urllib.parse import urlsplit

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
    # What show notes link to besides (see `Episode.notes_files`).
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
    ".avif": "image/avif",
    ".pdf": "application/pdf",
    ".md": "text/markdown; charset=utf-8",
}

# Files whose type the extension alone does not tell. Search engines expect a sitemap to be plain
# XML (the one .xml file that is not a feed); chapters are JSON of their own type (the Podcasting
# 2.0 chapters format): a file is one when it is named chapters.json or *.chapters.json.
CHAPTERS_TYPE = "application/json+chapters"
CHAPTERS_SUFFIX = ".chapters.json"
_BY_NAME = {
    "sitemap.xml": "application/xml; charset=utf-8",
    "chapters.json": CHAPTERS_TYPE,
}


def content_type(key: str) -> str:
    path = PurePosixPath(key)
    name = path.name.lower()
    if name in _BY_NAME:
        return _BY_NAME[name]
    if name.endswith(CHAPTERS_SUFFIX):
        return CHAPTERS_TYPE
    return CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")


def is_media(key: str) -> bool:
    """Audio: the large files a feed's enclosures point at."""
    return content_type(key).startswith("audio/")


def is_artwork(key: str) -> bool:
    return content_type(key).startswith("image/")


def is_page(key: str) -> bool:
    """What a browser opens or a page pulls in: HTML, its stylesheet and scripts, the sitemap, robots.txt."""
    kind = content_type(key).split(";")[0]
    return kind in ("text/html", "text/css", "text/javascript", "text/plain", "application/xml")


# A livestream is audio, or an HLS playlist of it.
_PLAYLIST_TYPES = {".m3u8": "application/x-mpegURL"}
# What `live --type` and `stream_type` suggest when the URL does not tell.
STREAM_TYPE_EXAMPLES = ("audio/mpeg (an Icecast or Shoutcast MP3 stream), audio/aac, "
                        "or application/x-mpegURL (HLS, a .m3u8 playlist)")


def stream_type(url: str) -> str | None:
    """The type of the livestream at `url` by its path's extension (a query string is no part of
    it); None when the extension does not say."""
    suffix = PurePosixPath(urlsplit(url).path).suffix.lower()
    guessed = _PLAYLIST_TYPES.get(suffix) or CONTENT_TYPES.get(suffix, "")
    return guessed if guessed in _PLAYLIST_TYPES.values() or guessed.startswith("audio/") else None
