"""Timestamps as people write them ("12:34", "1:02:03.5") and as players need them (seconds)."""

from __future__ import annotations

import re

_TIMESTAMP = re.compile(r"^(?:(\d+):)?([0-5]?\d):([0-5]\d(?:\.\d+)?)$")
# A line that starts with a timestamp, perhaps in brackets, then a title: "12:34 Questions",
# "[1:02:03] – Closing", "(00:00): Welcome".
_STAMPED_LINE = re.compile(r"^[\[(]?((?:\d+:)?\d{1,2}:\d{2}(?:\.\d+)?)[\])]?\s*(?:[-–—:|]\s*)?(\S.*?)\s*$")


def parse(text: str) -> float:
    """Seconds from "MM:SS", "H:MM:SS" or "H:MM:SS.mmm"; ValueError for anything else."""
    match = _TIMESTAMP.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a timestamp like 12:34 or 1:02:03")
    hours, minutes, seconds = match.groups()
    return int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)


def split_stamped(line: str) -> tuple[float, str] | None:
    """(seconds, title) of a line that starts with a timestamp and a title; None for any other line."""
    match = _STAMPED_LINE.match(line.strip())
    if not match:
        return None
    try:
        return parse(match.group(1)), match.group(2)
    except ValueError:  # "75:99" has the shape of a timestamp but is none
        return None


def format_clock(seconds: float, *, milliseconds: bool = False) -> str:
    """"12:34" or "1:02:03" (how show notes and players print a position); with `milliseconds`,
    "12:34.250" where the position is not a whole second, so `parse` gives it back exactly."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    clock = f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"
    fraction = round(seconds - whole, 3)
    return clock + f"{fraction:.3f}"[1:] if milliseconds and fraction else clock


def format_precise(seconds: float) -> str:
    """"00:12:34.500": hours, minutes, seconds and milliseconds, as chapter formats write a start."""
    milliseconds = round(seconds * 1000)
    hours, rest = divmod(milliseconds, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"
