"""Ogg Opus and Ogg Vorbis: Vorbis comments, the cover as METADATA_BLOCK_PICTURE, CHAPTERxxx chapters.

Tags live in the stream's second header packet. When it grows, mutagen re-pages the stream after
it (page numbers and checksums change), but every audio packet keeps its bytes.
"""

from __future__ import annotations

from pathlib import Path

from mutagen.ogg import OggFileType, OggPage
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis

from podcaster.audio import vorbiscomment
from podcaster.audio.base import Format, Pictures, Retagging, changed_fields
from podcaster.audio.tags import Tags
from podcaster.model import AudioInfo

OPUS_SAMPLE_RATE = 48000  # Opus always decodes at 48 kHz, whatever rate it was made from


def first_packet(head: bytes) -> bytes:
    """The start of the first packet of an Ogg stream: its codec's identification header."""
    if not head.startswith(b"OggS") or len(head) < 27:
        return b""
    return head[27 + head[26]:]  # after the page header and its segment table


def _probe(path: Path, file_type: type[OggFileType], codec: str) -> AudioInfo:
    audio = file_type(path)
    info = audio.info
    with path.open("rb") as f:
        last = OggPage.find_last(f, info.serial, finishing=True)
    if last is None or not last.last:
        raise ValueError("its last Ogg page does not end the stream: the file was cut short")
    if info.length <= 0:
        raise ValueError("no audio packets found")
    size = path.stat().st_size
    return AudioInfo(
        format=codec, mime_type="audio/ogg", codec=codec, duration=info.length,
        bitrate=info.bitrate or round(size * 8 / info.length),
        sample_rate=getattr(info, "sample_rate", OPUS_SAMPLE_RATE), channels=info.channels, size=size,
    )


def _plan(path: Path, tags: Tags, pictures: Pictures, file_type: type[OggFileType]) -> Retagging:
    audio = file_type(path)
    wanted = {**vorbiscomment.wanted(tags), "cover": vorbiscomment.cover_comment(pictures.cover)}
    current = vorbiscomment.current(audio.tags, wanted)
    changes = changed_fields(current, wanted)

    def write() -> None:
        vorbiscomment.replace(audio.tags, current, wanted)
        audio.save()

    return Retagging(changes, write)


OPUS = Format(
    name="Ogg Opus", extensions=(".opus", ".ogg", ".oga"), mime_type="audio/ogg",
    matches=lambda head: first_packet(head).startswith(b"OpusHead"),
    probe=lambda path: _probe(path, OggOpus, "opus"),
    plan=lambda path, tags, pictures: _plan(path, tags, pictures, OggOpus),
)
VORBIS = Format(
    name="Ogg Vorbis", extensions=(".ogg", ".oga"), mime_type="audio/ogg",
    matches=lambda head: first_packet(head).startswith(b"\x01vorbis"),
    probe=lambda path: _probe(path, OggVorbis, "vorbis"),
    plan=lambda path, tags, pictures: _plan(path, tags, pictures, OggVorbis),
)
