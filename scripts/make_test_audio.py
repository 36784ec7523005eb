#!/usr/bin/env python3
"""Regenerate the tiny audio and image files in `tests/data/` that the tagging tests copy and tag.

A maintainer tool, run once; its output is committed. Every recording is two seconds of a
440 Hz tone, mono, encoded at a low rate so each file stays a few kilobytes, one per format
podcaster tags:

    tone.mp3   MP3 (libmp3lame, 32 kbit/s) with an ID3v2.4 tag
    tone.m4a   AAC in an M4A (iTunes) container, moov first
    tone.opus  Opus in Ogg
    tone.ogg   Vorbis in Ogg
    tone.flac  FLAC

Each carries tags that podcaster does NOT manage (a composer, and a custom "producer_note"), so
the tests can prove those survive tagging. `cover.png` is a small square episode cover and
`chapter.png` a chapter image.

Requirements: ffmpeg on PATH, and the Python packages mutagen and Pillow.

Usage:
    python scripts/make_test_audio.py
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from mutagen.mp4 import MP4, MP4FreeForm
from PIL import Image, ImageDraw

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
TONE = ["-f", "lavfi", "-i", "sine=frequency=440:duration=2:sample_rate=22050"]
UNMANAGED = ["-metadata", "composer=The Producer", "-metadata", "producer_note=keep me"]
ENCODERS = {
    "tone.mp3": ["-c:a", "libmp3lame", "-b:a", "32k", "-id3v2_version", "4", "-write_id3v1", "0"],
    "tone.m4a": ["-c:a", "aac", "-b:a", "24k", "-movflags", "+faststart"],
    "tone.opus": ["-c:a", "libopus", "-b:a", "16k"],
    "tone.ogg": ["-c:a", "libvorbis", "-q:a", "0"],
    "tone.flac": ["-c:a", "flac", "-ar", "8000", "-sample_fmt", "s16"],
}


def make_audio(name: str, encoder: list[str]) -> None:
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *TONE, "-ac", "1", *encoder,
                    "-fflags", "+bitexact", *UNMANAGED, str(DATA / name)], check=True)


def add_freeform_note(name: str) -> None:
    """ffmpeg writes custom M4A tags only as QuickTime keys; iTunes-style tools write a freeform
    (----) atom, so the note is added as they would."""
    audio = MP4(DATA / name)
    audio.tags.pop("----:com.apple.iTunes:producer_note", None)
    audio.tags["----:com.apple.iTunes:producer_note"] = [MP4FreeForm(b"keep me")]
    audio.save()


def make_image(name: str, size: int, colours: tuple[tuple[int, int, int], tuple[int, int, int]]) -> None:
    image = Image.new("RGB", (size, size), colours[0])
    ImageDraw.Draw(image).ellipse((size // 4, size // 4, size * 3 // 4, size * 3 // 4), fill=colours[1])
    image.save(DATA / name, optimize=True)


def main() -> int:
    DATA.mkdir(parents=True, exist_ok=True)
    for name, encoder in ENCODERS.items():
        make_audio(name, encoder)
    add_freeform_note("tone.m4a")
    make_image("cover.png", 300, ((20, 40, 90), (230, 190, 110)))
    make_image("chapter.png", 64, ((120, 30, 40), (250, 240, 220)))
    for path in sorted(DATA.iterdir()):
        print(f"{path.relative_to(DATA.parent.parent)}: {path.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
