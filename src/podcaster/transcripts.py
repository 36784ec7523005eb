"""Transcripts as cues (start, end, speaker, text) from WebVTT and SubRip files, for episode pages.

Only what a reader needs is kept: cue settings, styling tags and NOTE/STYLE/REGION blocks are
dropped; a WebVTT voice tag (`<v Name>`) becomes the cue's speaker.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

from podcaster import timecodes
from podcaster.text import CONTROL_CHARACTERS

# The transcript formats whose cues a page can show, by file suffix.
FORMATS = {".vtt": "WebVTT", ".srt": "SubRip"}

_TIMING = re.compile(r"^\s*(\S+)\s+-->\s+(\S+)")
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?\s+([^>]+)>")
_TAG = re.compile(r"</?[^>]*>")


@dataclass(frozen=True)
class Cue:
    start: float  # seconds
    end: float
    text: str
    speaker: str | None = None


def readable(path: Path) -> bool:
    """Whether a page can show this transcript's cues; other formats are only linked."""
    return path.suffix.lower() in FORMATS


def parse(path: Path) -> list[Cue]:
    """The cues of a .vtt or .srt file (see `readable`) in order; ValueError naming the line for anything malformed."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(f"{path.name} is not UTF-8 text; save it as UTF-8") from None
    blocks = _blocks(text)
    if path.suffix.lower() == ".vtt":
        if not blocks or not blocks[0][1][0].startswith("WEBVTT"):
            raise ValueError(f"{path.name} does not start with a WEBVTT line")
        blocks = blocks[1:]
    cues = [cue for line_number, lines in blocks if (cue := _cue(path, line_number, lines))]
    if not cues:
        raise ValueError(f"{path.name} holds no cues")
    return cues


def _blocks(text: str) -> list[tuple[int, list[str]]]:
    """The blank-line separated blocks of the file, each with the number of its first line."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            if not current:
                blocks.append((number, current))
            current.append(line)
        else:
            current = []
    return blocks


def _cue(path: Path, line_number: int, lines: list[str]) -> Cue | None:
    if lines[0].startswith(("NOTE", "STYLE", "REGION")):
        return None
    # A cue may open with an identifier line (WebVTT) or its sequence number (SubRip).
    timing_index = 0 if "-->" in lines[0] else 1
    timing = _TIMING.match(lines[timing_index]) if len(lines) > timing_index else None
    if timing is None:
        raise ValueError(f"{path.name}: line {line_number}: expected a timing like 00:00:01.000 --> 00:00:04.000")
    try:
        start, end = (timecodes.parse(t.replace(",", ".")) for t in timing.groups())
    except ValueError as e:
        raise ValueError(f"{path.name}: line {line_number + timing_index}: {e}") from None
    if end < start:
        raise ValueError(f"{path.name}: line {line_number + timing_index}: the cue ends before it starts")
    # Without control characters, which a page cannot hold (the episode's check warns of them).
    raw = CONTROL_CHARACTERS.sub("", " ".join(line.strip() for line in lines[timing_index + 1:]))
    voice = _VOICE.search(raw)
    words = CONTROL_CHARACTERS.sub("", html.unescape(_TAG.sub("", raw))).strip()
    return Cue(start, end, words, voice.group(1).strip() if voice else None) if words else None
