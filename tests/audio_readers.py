"""Independent readers for the audio tests: ffprobe/ffmpeg (Debian's ffmpeg), and raw byte ranges.

Nothing here uses podcaster's code, so a test that reads a file with these checks what a
player would find in it, not what podcaster believes it wrote.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
FORMATS = ("mp3", "m4a", "opus", "ogg", "flac")  # the extensions of the tiny recordings in tests/data


@dataclass(frozen=True)
class Probed:
    tags: dict[str, str]  # the container's and the audio stream's tags, names in lower case
    # (start, end, title) in the order ffprobe lists them, which is the order players built on
    # ffmpeg show them in: for MP3, the order of the CHAP frames, whatever the table of contents says.
    chapters: list[tuple[float, float, str]]
    cover_streams: int  # attached pictures
    duration: float


def ffprobe(path: Path) -> Probed:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_format", "-show_streams", "-show_chapters",
                          "-of", "json", str(path)], check=True, capture_output=True).stdout
    report = json.loads(out)
    audio_stream = next(s for s in report["streams"] if s["codec_type"] == "audio")
    tags = {key.lower(): value for key, value in report["format"].get("tags", {}).items()}
    # Ogg keeps its comments on the stream; the container has none.
    tags.update({key.lower(): value for key, value in audio_stream.get("tags", {}).items()})
    chapters = [(float(c["start_time"]), float(c["end_time"]), c.get("tags", {}).get("title", ""))
                for c in report["chapters"]]
    covers = sum(1 for s in report["streams"] if s.get("disposition", {}).get("attached_pic"))
    return Probed(tags, chapters, covers, float(report["format"]["duration"]))


def audio_packets(path: Path) -> list[tuple[str, str, str]]:
    """Per audio packet, as ffmpeg demuxes it: its duration, its size and the MD5 of its bytes.

    Not its timestamps, which ffmpeg estimates for MP3 from the file's size (so a longer tag
    shifts them), nor its side data, which for Vorbis repeats the headers, tags included."""
    out = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-map", "0:a", "-c", "copy", "-f", "framemd5",
                          "-"], check=True, capture_output=True).stdout.decode()
    rows = [line.split(",") for line in out.splitlines() if line and not line.startswith("#")]
    packets = [(duration.strip(), size.strip(), digest.strip()) for _, _, _, duration, size, digest, *_ in rows]
    assert packets, f"ffmpeg found no audio packets in {path}"
    return packets


def cover_image(path: Path) -> bytes:
    """The bytes of the embedded cover, as ffmpeg extracts the attached picture."""
    return subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-an", "-map", "0:v:0", "-c", "copy",
                           "-frames:v", "1", "-f", "image2pipe", "-"], check=True, capture_output=True).stdout


def mp3_frames(data: bytes) -> bytes:
    """Everything after the ID3v2 tag: the MPEG frames (and an ID3v1 tag, if any)."""
    if not data.startswith(b"ID3"):
        return data
    size = (data[6] & 0x7F) << 21 | (data[7] & 0x7F) << 14 | (data[8] & 0x7F) << 7 | (data[9] & 0x7F)
    return data[10 + size + (10 if data[5] & 0x10 else 0):]


def flac_frames(data: bytes) -> bytes:
    """Everything after the metadata blocks: the FLAC audio frames."""
    assert data.startswith(b"fLaC")
    offset = 4
    while True:
        header = data[offset]
        offset += 4 + int.from_bytes(data[offset + 1:offset + 4], "big")
        if header & 0x80:  # the last metadata block
            return data[offset:]


def ogg_packets(data: bytes) -> list[tuple[int, bytes]]:
    """Every packet of a single-stream Ogg file with the granule position of the page it ends on."""
    packets, pending, offset = [], b"", 0
    while offset < len(data):
        assert data[offset:offset + 4] == b"OggS", f"no Ogg page at byte {offset}"
        granule = int.from_bytes(data[offset + 6:offset + 14], "little", signed=True)
        segments = data[offset + 27:offset + 27 + data[offset + 26]]
        body = offset + 27 + len(segments)
        for lacing in segments:
            pending += data[body:body + lacing]
            body += lacing
            if lacing < 255:
                packets.append((granule, pending))
                pending = b""
        offset = body
    return packets
