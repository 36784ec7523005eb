"""MP3: ID3v2 tags (v2.4 by default), podcast frames, cover art and CHAP/CTOC chapters."""

from __future__ import annotations

import io
from pathlib import Path

from mutagen.id3 import (
    APIC, CHAP, COMM, CTOC, ID3, PCST, TALB, TCAT, TCON, TCOP, TDES, TDRC, TGID, TIT2, TPE1,
    TPE2, TPOS, TRCK, WFED, WOAS, WXXX, CTOCFlags, Encoding, PictureType,
)
from mutagen.mp3 import MP3

from podcaster.audio.tags import Tags
from podcaster.model import AudioInfo

NAME = "MP3"
EXTENSIONS = (".mp3",)
MIME_TYPE = "audio/mpeg"

# Frames podcaster owns: each is replaced as a whole; every other frame is left as it was.
_MANAGED = (
    "TIT2", "TPE1", "TALB", "TPE2", "TRCK", "TPOS", "TDRC", "TCON", "COMM", "WOAS", "TCOP",
    "TDES", "TGID", "WFED", "PCST", "TCAT", "APIC", "CHAP", "CTOC",
)


def matches(head: bytes) -> bool:
    # An ID3v2 tag, or an MPEG audio frame sync (11 set bits) at the very start.
    return head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)


def probe(path: Path) -> AudioInfo:
    info = MP3(path).info
    if not info.length:
        raise ValueError("no audio frames found")
    return AudioInfo(
        format="mp3", mime_type=MIME_TYPE, codec="mp3", duration=info.length, bitrate=info.bitrate,
        sample_rate=info.sample_rate, channels=info.channels, size=path.stat().st_size,
    )


def write_tags(path: Path, tags: Tags, cover_jpeg: bytes | None) -> bool:
    """Tag the file; returns False (and writes nothing) when it already carries these tags."""
    audio = MP3(path)
    if audio.tags is None:
        audio.add_tags()
    id3 = audio.tags
    before = _rendered(id3)
    for frame_id in _MANAGED:
        id3.delall(frame_id)
    for frame in _frames(tags, cover_jpeg):
        id3.add(frame)
    if _rendered(id3) == before:
        return False
    id3.save(path, v2_version=4)
    return True


def _rendered(id3: ID3) -> bytes:
    buffer = io.BytesIO()
    id3.save(buffer, v1=0, v2_version=4, padding=lambda info: 0)
    return buffer.getvalue()


def _text(frame_class, value: str):
    return frame_class(encoding=Encoding.UTF8, text=[value])


def _frames(tags: Tags, cover_jpeg: bytes | None) -> list:
    frames = [
        _text(TIT2, tags.title),
        _text(TPE1, tags.artist),
        _text(TALB, tags.album),
        _text(TPE2, tags.album_artist),
        _text(TDRC, tags.date.strftime("%Y-%m-%dT%H:%M:%S")),
        _text(TCON, tags.genre),
        COMM(encoding=Encoding.UTF8, lang="eng", desc="", text=[tags.summary]),
        _text(TDES, tags.summary),
        _text(TCOP, tags.copyright),
        _text(TGID, tags.guid),
        WOAS(url=tags.page_url),
        WFED(url=tags.feed_url),
        PCST(value=1),
        _text(TCAT, tags.genre),
    ]
    if tags.track is not None:
        frames.append(_text(TRCK, str(tags.track)))
    if tags.disc is not None:
        frames.append(_text(TPOS, str(tags.disc)))
    if cover_jpeg:
        frames.append(APIC(encoding=Encoding.UTF8, mime="image/jpeg", type=PictureType.COVER_FRONT,
                           desc="Cover", data=cover_jpeg))
    frames.extend(_chapter_frames(tags))
    return frames


def _chapter_frames(tags: Tags) -> list:
    if not tags.chapters:
        return []
    ids = [f"chp{index}" for index in range(len(tags.chapters))]
    frames = []
    for index, chapter in enumerate(tags.chapters):
        # A chapter ends where the next begins; the last one ends with the audio.
        end = tags.chapters[index + 1].start if index + 1 < len(tags.chapters) else tags.duration
        start_ms, end_ms = int(chapter.start * 1000), int(end * 1000)
        sub_frames = [_text(TIT2, chapter.title)]
        if chapter.url:
            sub_frames.append(WXXX(encoding=Encoding.UTF8, desc="", url=chapter.url))
        frames.append(CHAP(element_id=ids[index], start_time=start_ms, end_time=end_ms,
                           start_offset=0xFFFFFFFF, end_offset=0xFFFFFFFF, sub_frames=sub_frames))
    frames.append(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                       child_element_ids=ids, sub_frames=[_text(TIT2, "Chapters")]))
    return frames
