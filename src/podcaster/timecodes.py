"""Timestamps as people write them ("12:34", "1:02:03.5") and as players need them (seconds)."""

from __future__ import annotations

import re

_TIMESTAMP = re.compile(r"^(?:(\d+):)?([0-5]?\d):([0-5]\d(?:\.\d+)?)$")


def parse(text: str) -> float:
    """Seconds from "MM:SS", "H:MM:SS" or "H:MM:SS.mmm"; ValueError for anything else."""
    match = _TIMESTAMP.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a timestamp like 12:34 or 1:02:03")
    hours, minutes, seconds = match.groups()
    return int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)


def format_clock(seconds: float) -> str:
    """"12:34" or "1:02:03": how show notes and players print a position."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def format_precise(seconds: float) -> str:
    """"00:12:34.500": hours, minutes, seconds and milliseconds, as chapter formats write a start."""
    milliseconds = round(seconds * 1000)
    hours, rest = divmod(milliseconds, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"
