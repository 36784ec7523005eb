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
    if not _ends_with_whole_frame(path, info.max_framesize):
        raise ValueError("its last audio frame is incomplete (its checksum does not match): the file was cut short")
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


def _ends_with_whole_frame(path: Path, max_frame_size: int) -> bool:
    """Whether the file ends with a whole FLAC frame: a valid frame header, and a CRC-16 over the
    frame that matches its last two bytes. A file cut short ends inside a frame."""
    with path.open("rb") as f:
        size = f.seek(0, 2)
        window = (max_frame_size or _LARGEST_FRAME) + 2
        f.seek(max(0, size - window - _ID3V1_SIZE))
        tail = f.read()
    if tail[-_ID3V1_SIZE:].startswith(b"TAG"):  # some taggers append an ID3v1 tag even to FLAC
        tail = tail[:-_ID3V1_SIZE]
    position = len(tail) - 2
    while (position := tail.rfind(b"\xff", 0, position)) >= 0:
        if _frame_header_length(tail[position:position + 16]) and \
                _crc16(tail[position:-2]) == int.from_bytes(tail[-2:], "big"):
            return True
    return False


_ID3V1_SIZE = 128
# The largest frame the format allows when STREAMINFO does not say (65535 samples, 8 channels, 32 bits).
_LARGEST_FRAME = 2_300_000


def _frame_header_length(head: bytes) -> int:
    """The length of the frame header `head` starts with, or 0 when it is none (its CRC-8 must match)."""
    if len(head) < 6 or head[0] != 0xFF or head[1] & 0xFE != 0xF8 or head[2] >> 4 == 0 or head[2] & 0x0F == 0x0F \
            or head[3] >> 4 > 10 or head[3] & 0x01:
        return 0
    first = head[4]  # the frame or sample number, UTF-8-style: its leading 1 bits give its length
    extra = 0 if first < 0x80 else next((n for n in range(1, 7) if first >> (6 - n) == (0xFF >> (6 - n)) - 1), -1)
    if extra < 0:
        return 0
    length = 5 + extra + {6: 1, 7: 2}.get(head[2] >> 4, 0) + {12: 1, 13: 2, 14: 2}.get(head[2] & 0x0F, 0)
    if len(head) <= length or _crc8(head[:length]) != head[length]:
        return 0
    return length + 1


def _crc8(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc = _CRC8[crc ^ byte]
    return crc


def _crc16(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc = ((crc << 8) & 0xFFFF) ^ _CRC16[(crc >> 8) ^ byte]
    return crc


def _crc_table(polynomial: int, width: int) -> list[int]:
    top, mask = 1 << (width - 1), (1 << width) - 1
    table = []
    for byte in range(256):
        crc = byte << (width - 8)
        for _ in range(8):
            crc = ((crc << 1) ^ polynomial if crc & top else crc << 1) & mask
        table.append(crc)
    return table


_CRC8 = _crc_table(0x07, 8)
_CRC16 = _crc_table(0x8005, 16)


def _comparable(picture: Picture) -> tuple:
    return (picture.mime, picture.desc, picture.width, picture.height, picture.depth, picture.data)


FORMAT = Format(name="FLAC", extensions=(".flac",), mime_type="audio/flac", matches=matches, probe=probe,
                plan=plan)
