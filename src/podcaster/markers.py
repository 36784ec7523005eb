"""Chapter markers from a livestream: Audacity label tracks, CSV files, or "HH:MM:SS Title" lines
(what OBS plugins and chat bots write)."""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Iterator
from pathlib import Path

from podcaster import timecodes
from podcaster.errors import EpisodeError
from podcaster.model import Chapter

log = logging.getLogger(__name__)

_AUDACITY = re.compile(r"^(\d+(?:\.\d+)?)\t(\d+(?:\.\d+)?)\t(.*)$")


def read(path: Path) -> list[Chapter]:
    """The markers in `path`, in time order; an error names the line that cannot be read."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise EpisodeError(f"{path}: no such markers file") from None
    except UnicodeDecodeError:
        raise EpisodeError(f"{path}: not UTF-8 text; save the markers as UTF-8") from None
    lines = [(number, line.strip("\r\n")) for number, line in enumerate(text.splitlines(), 1) if line.strip()]
    if path.suffix.lower() == ".csv":
        chapters = _from_csv(path, text)
    else:
        chapters = [_from_line(path, number, line) for number, line in lines]
    if not chapters:
        raise EpisodeError(f"{path}: no markers found; write one per line, like `00:12:30 Questions`")
    kept, replaced = _latest_per_start(sorted(chapters, key=lambda c: c.start))
    for earlier, later in replaced:
        log.warning("%s: markers %r and %r are both at %s, and a chapter needs a start of its own; kept %r, the later "
                    "line", path, earlier.title, later.title, timecodes.format_clock(later.start), later.title)
    return kept


def shifted(chapters: list[Chapter], by: float, duration: float) -> tuple[Chapter, ...]:
    """Markers timed on the raw recording, moved to the trimmed audio: `by` seconds earlier.

    A marker that falls in the trimmed lead-in moves to 0 (only the last such one is kept);
    markers after the end of the audio are dropped."""
    for late in (c for c in chapters if c.start - by >= duration):
        log.warning("marker %r at %s is after the end of the trimmed audio; left out", late.title,
                    timecodes.format_clock(late.start))
    moved = [Chapter(max(0.0, c.start - by), c.title, c.url, c.image) for c in chapters if c.start - by < duration]
    # Several markers before the cut: the latest is the one in force at 0.
    return tuple(_latest_per_start(moved)[0])


def _latest_per_start(chapters: list[Chapter]) -> tuple[list[Chapter], list[tuple[Chapter, Chapter]]]:
    """`chapters` (in time order) with only the last of those that start at the same time; and the
    pairs (dropped, kept instead)."""
    kept: list[Chapter] = []
    replaced: list[tuple[Chapter, Chapter]] = []
    for chapter in chapters:
        if kept and kept[-1].start == chapter.start:
            replaced.append((kept[-1], chapter))
            kept[-1] = chapter
        else:
            kept.append(chapter)
    return kept, replaced


def _from_line(path: Path, number: int, line: str) -> Chapter:
    audacity = _AUDACITY.match(line)
    if audacity:
        start, _end, title = audacity.groups()
        return Chapter(float(start), title.strip() or f"Chapter at {timecodes.format_clock(float(start))}")
    stamped = timecodes.split_stamped(line)
    if stamped:
        return Chapter(*stamped)
    raise EpisodeError(f"{path}: line {number}: {line!r} is not a marker; "
                       "write `HH:MM:SS Title`, an Audacity label line, or use a .csv file")


def _numbered_rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """Each CSV row with the line it starts on, as an editor shows it: the header and blank lines
    count, and a quoted cell may span lines."""
    reader = csv.reader(io.StringIO(text))
    while True:
        line = reader.line_num + 1
        try:
            yield line, next(reader)
        except StopIteration:
            return


def _from_csv(path: Path, text: str) -> list[Chapter]:
    rows = [(line, row) for line, row in _numbered_rows(text) if any(cell.strip() for cell in row)]
    if rows and rows[0][1] and rows[0][1][0].strip().lower() in ("start", "time", "timestamp"):
        rows = rows[1:]
    chapters = []
    for number, row in rows:
        if len(row) < 2:
            raise EpisodeError(f"{path}: line {number}: needs two columns, start and title")
        start, title = row[0].strip(), row[1].strip()
        try:
            seconds = float(start) if re.fullmatch(r"\d+(\.\d+)?", start) else timecodes.parse(start)
        except ValueError as e:
            raise EpisodeError(f"{path}: line {number}: {e}") from None
        chapters.append(Chapter(seconds, title))
    return chapters
