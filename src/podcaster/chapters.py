"""An episode's chapters, from wherever the producer wrote them.

In order of precedence: the `chapters` list in the front matter, or a Podcasting 2.0 JSON
chapters file it names; failing both, the timestamps that start lines of the show notes
("00:00 Welcome", "12:34 Questions", as podcasters write them for YouTube). The list these
functions return is the episode's one list of chapters: the audio tags embed it and the feed
publishes it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from podcaster import artwork, timecodes
from podcaster.config import is_http_url
from podcaster.errors import ArtworkError
from podcaster.model import Chapter

MAX_CHAPTERS = 999  # Vorbis comments number chapters with three digits
_JSON_KEYS = {"startTime", "title", "img", "url", "endTime", "location", "toc"}

# The list marker a show-notes line may start with, before its timestamp: "- 12:34 Questions".
_LIST_MARKER = re.compile(r"^\s*(?:[-*+]\s+|\d+[.)]\s+)?")


def from_front_matter(entries: Any, source: Path) -> tuple[Chapter, ...]:
    """The `chapters:` list of {start, title, url, image}; ValueError names the entry that is wrong."""
    if not isinstance(entries, list):
        raise ValueError("must be a list of {start, title} entries, or the name of a JSON chapters file")
    chapters = []
    for position, entry in enumerate(entries, 1):
        if not isinstance(entry, dict) or "start" not in entry or not isinstance(entry.get("title"), str):
            raise ValueError(f"entry {position} needs a `start` and a `title`")
        unknown = set(entry) - {"start", "title", "url", "image"}
        if unknown:
            raise ValueError(f"entry {position} has unknown keys ({', '.join(sorted(map(str, unknown)))}); "
                             "use start, title, url and image")
        start = entry["start"]
        try:
            seconds = float(start) if isinstance(start, (int, float)) else timecodes.parse(str(start))
        except ValueError as e:
            raise ValueError(f"entry {position}: {e}") from None
        chapters.append(_chapter(position, seconds, entry["title"], entry.get("url"), entry.get("image"), source))
    return _in_order(chapters)


def from_json_file(path: Path, source: Path) -> tuple[Chapter, ...]:
    """A Podcasting 2.0 JSON chapters file: {"version": "1.2.0", "chapters": [{"startTime": 0, "title": …}]}.

    `img` names an image file beside episode.md: podcaster embeds it, so it must be here, not a URL."""
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))  # -sig: a byte order mark is not JSON
    except UnicodeDecodeError:
        raise ValueError(f"{path.name} is not UTF-8 text; save it as UTF-8") from None
    except json.JSONDecodeError as e:
        raise ValueError(f"{path.name} is not valid JSON (line {e.lineno}: {e.msg})") from None
    entries = document.get("chapters") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise ValueError(f'{path.name} needs a "chapters" list, as in {{"version": "1.2.0", "chapters": '
                         '[{"startTime": 0, "title": "Welcome"}]}')
    chapters = []
    for position, entry in enumerate(entries, 1):
        where = f"{path.name}: chapter {position}"
        if not isinstance(entry, dict) or not isinstance(entry.get("startTime"), (int, float)) \
                or isinstance(entry.get("startTime"), bool) or not isinstance(entry.get("title"), str):
            raise ValueError(f'{where} needs a numeric "startTime" (seconds) and a "title"')
        unknown = set(entry) - _JSON_KEYS
        if unknown:
            raise ValueError(f"{where} has unknown keys ({', '.join(sorted(unknown))})")
        if entry.get("toc") is False:
            raise ValueError(f'{where} is hidden ("toc": false); podcaster embeds every chapter as a '
                             "jump point: remove the entry or its toc")
        chapters.append(_chapter(position, float(entry["startTime"]), entry["title"], entry.get("url"),
                                 entry.get("img"), source, where=where))
    return _in_order(chapters, f"{path.name}: chapter")


def from_notes(notes: str) -> tuple[tuple[Chapter, ...], str | None]:
    """Chapters from lines of the show notes that start with a timestamp, and why there are none
    when such lines do not make chapters (to warn about): the first must start at 00:00, and each
    later than the one before."""
    found = [stamped for line in notes.splitlines()
             if (stamped := timecodes.split_stamped(_LIST_MARKER.sub("", line, count=1)))]
    if len(found) < 2:
        return (), None
    if found[0][0] != 0:
        return (), (f"lines start with timestamps but the first, {timecodes.format_clock(found[0][0])}, is not 00:00, "
                    "so they are not chapters")
    for (before, _), (after, _) in zip(found, found[1:]):
        if after <= before:
            return (), (f"timestamps at line starts go back from {timecodes.format_clock(before)} to "
                        f"{timecodes.format_clock(after)}, so they are not chapters")
    return tuple(Chapter(start=start, title=title) for start, title in found), None


def _chapter(position: int, start: float, title: str, url: Any, image: Any, source: Path,
             where: str | None = None) -> Chapter:
    where = where or f"entry {position}"
    if not title.strip():
        raise ValueError(f"{where} has an empty title")
    if start < 0:
        raise ValueError(f"{where} starts before the audio does ({start})")
    if url is not None and not (isinstance(url, str) and is_http_url(url)):
        raise ValueError(f"{where}: url {url!r} must be an http(s) URL")
    return Chapter(start=start, title=title.strip(), url=url, image=_image(image, source, where))


def _image(name: Any, source: Path, where: str) -> Path | None:
    if name is None:
        return None
    if not isinstance(name, str) or not name.strip() or name.startswith(("http://", "https://")):
        raise ValueError(f"{where}: image {name!r} must name an image file beside {source.name}, to embed")
    path = source.parent / name.strip()
    if not path.is_file():
        raise ValueError(f"{where}: image {name!r} does not exist beside {source.name}; add it or fix the name")
    try:
        artwork.inspect(path)
    except ArtworkError:
        raise ValueError(f"{where}: image {name!r} is not a readable image; save it as JPEG or PNG") from None
    return path


def _in_order(chapters: list[Chapter], entry: str = "entry") -> tuple[Chapter, ...]:
    for position, (before, after) in enumerate(zip(chapters, chapters[1:]), 2):
        if after.start <= before.start:
            raise ValueError(f"{entry} {position} ({after.title!r}) must start after the one before it")
    if len(chapters) > MAX_CHAPTERS:
        raise ValueError(f"has {len(chapters)} chapters; at most {MAX_CHAPTERS} fit in the audio tags")
    return tuple(chapters)
