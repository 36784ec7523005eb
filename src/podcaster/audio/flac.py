"""FLAC, for the archive: Vorbis comments, the cover in a PICTURE block, CHAPTERxxx chapters.

Tags live in metadata blocks before the audio frames; mutagen rewrites only those blocks.
"""

from __future__ import annotations

from pathlib import Path

from mutagen.flac import FLAC, Picture
from mutagen.id3 import PictureType

from podcaster.audio import vorbiscomment
from podcaster.audio.base import Format, Pictures, Retagging, changed_fields
from podcaster.audio.tags import Tags
from podcaster.model import AudioInfo


def matches(head: bytes) -> bool:
    return head.startswith(b"fLaC")


def probe(path: Path) -> AudioInfo:
    info = FLAC(path).info
    if not info.length:
        raise ValueError("no audio samples found")
    return AudioInfo(
        format="flac", mime_type=FORMAT.mime_type, codec="flac", duration=info.length, bitrate=info.bitrate,
        sample_rate=info.sample_rate, channels=info.channels, size=path.stat().st_size,
    )


def plan(path: Path, tags: Tags, pictures: Pictures) -> Retagging:
    audio = FLAC(path)
    if audio.tags is None:
        audio.add_tags()
    wanted = vorbiscomment.wanted(tags)
    current = vorbiscomment.current(audio.tags, wanted)
    # Front covers are podcaster's; other pictures (an artist photo, say) stay.
    covers = [p for p in audio.pictures if p.type == PictureType.COVER_FRONT]
    cover = [vorbiscomment.cover_picture(pictures.cover)] if pictures.cover else []
    changes = changed_fields({**current, "cover": [_comparable(p) for p in covers]},
                             {**wanted, "cover": [_comparable(p) for p in cover]})

    def write() -> None:
        vorbiscomment.replace(audio.tags, current, wanted)
        others = [p for p in audio.pictures if p.type != PictureType.COVER_FRONT]
        audio.clear_pictures()
        for picture in others + cover:
            audio.add_picture(picture)
        audio.save()

    return Retagging(changes, write)


def _comparable(picture: Picture) -> tuple:
    return (picture.mime, picture.desc, picture.width, picture.height, picture.depth, picture.data)


FORMAT = Format(name="FLAC", extensions=(".flac",), mime_type="audio/flac", matches=matches, probe=probe,
                plan=plan)
