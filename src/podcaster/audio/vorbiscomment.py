"""Vorbis comments, the tags of Ogg Opus, Ogg Vorbis and FLAC: field names, chapters and the cover picture.

Names follow the Xiph recommendations and what taggers (MusicBrainz Picard, foobar2000) use;
chapters follow Xiph's chapter extension (CHAPTER001=00:00:00.000, CHAPTER001NAME, CHAPTER001URL).
Comments podcaster does not manage are left as they are.
"""

from __future__ import annotations

import base64
import re
from typing import Any

from mutagen.flac import Picture
from mutagen.id3 import PictureType

from podcaster import artwork, timecodes
from podcaster.audio.tags import Tags

# The comments that hold each field podcaster manages.
_KEYS = {
    "title": ("TITLE",), "artist": ("ARTIST",), "album": ("ALBUM",), "album artist": ("ALBUMARTIST",),
    "date": ("DATE",), "genre": ("GENRE",), "summary": ("DESCRIPTION", "COMMENT"), "copyright": ("COPYRIGHT",),
    "page URL": ("WEBSITE",), "feed URL": ("PODCASTURL",), "track": ("TRACKNUMBER",), "disc": ("DISCNUMBER",),
    "cover": ("METADATA_BLOCK_PICTURE",),
}
_CHAPTER_KEY = re.compile(r"^CHAPTER\d{3}(NAME|URL)?$", re.IGNORECASE)


def wanted(tags: Tags) -> dict[str, dict[str, list[str]]]:
    """Field → {comment name: values} podcaster would write (all but the cover: see cover_comment)."""
    fields = {
        "title": {"TITLE": [tags.title]},
        "artist": {"ARTIST": [tags.artist]},
        "album": {"ALBUM": [tags.album]},
        "album artist": {"ALBUMARTIST": [tags.album_artist]},
        "date": {"DATE": [tags.date.isoformat()]},
        "genre": {"GENRE": [tags.genre]},
        "summary": {"DESCRIPTION": [tags.summary], "COMMENT": [tags.summary]},
        "copyright": {"COPYRIGHT": [tags.copyright]},
        "page URL": {"WEBSITE": [tags.page_url]},
        "feed URL": {"PODCASTURL": [tags.feed_url]},
        "track": {"TRACKNUMBER": [str(tags.track)]} if tags.track is not None else {},
        "disc": {"DISCNUMBER": [str(tags.disc)]} if tags.disc is not None else {},
    }
    if tags.chapters:
        fields["chapters"] = _chapter_comments(tags)
    return fields


def current(comments: Any, fields: dict[str, Any]) -> dict[str, dict[str, list[str]]]:
    """The same fields as `comments` (a mutagen VComment) holds them, names in upper case."""
    present = {key.upper() for key in comments.keys()}
    return {field: {key: list(comments[key]) for key in sorted(present) if _belongs_to(key, field)}
            for field in fields}


def replace(comments: Any, old: dict[str, dict[str, list[str]]], new: dict[str, dict[str, list[str]]]) -> None:
    for values in old.values():
        for key in values:
            del comments[key]
    for values in new.values():
        for key, value in values.items():
            comments[key] = value


def cover_comment(jpeg: bytes | None) -> dict[str, list[str]]:
    """The cover as a comment, for Ogg, whose streams have no picture block of their own."""
    if jpeg is None:
        return {}
    return {"METADATA_BLOCK_PICTURE": [base64.b64encode(cover_picture(jpeg).write()).decode("ascii")]}


def cover_picture(jpeg: bytes) -> Picture:
    """The FLAC picture block that FLAC embeds as is and Ogg embeds base64-encoded."""
    picture = Picture()
    picture.type = PictureType.COVER_FRONT
    picture.mime = "image/jpeg"
    picture.desc = "Cover"
    picture.width, picture.height = artwork.dimensions(jpeg)
    picture.depth = 24
    picture.data = jpeg
    return picture


def _belongs_to(key: str, field: str) -> bool:
    return bool(_CHAPTER_KEY.match(key)) if field == "chapters" else key in _KEYS[field]


def _chapter_comments(tags: Tags) -> dict[str, list[str]]:
    comments = {}
    for number, chapter in enumerate(tags.chapters, 1):
        comments[f"CHAPTER{number:03d}"] = [timecodes.format_precise(chapter.start)]
        comments[f"CHAPTER{number:03d}NAME"] = [chapter.title]
        if chapter.url:
            comments[f"CHAPTER{number:03d}URL"] = [chapter.url]
    return dict(sorted(comments.items()))
