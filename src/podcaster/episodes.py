"""Episodes: `episodes/<slug>/episode.md` (YAML front matter + Markdown notes) and the files beside it.

Every problem is recorded in the `Report` with the file and the field, and loading goes on, so
one `check` lists everything that needs fixing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable

import yaml

from podcaster import apple, audio, chapters as chapter_sources, timecodes
from podcaster.config import markdown_table
from podcaster.errors import AudioError, Report
from podcaster.model import Chapter, Episode

EPISODE_FILE = "episode.md"
_FENCE = "---"


@dataclass(frozen=True)
class Field:
    """A front matter key: its type check and what it means (the README's episode format)."""

    key: str
    doc: str
    example: str
    required: bool = False


FIELDS: tuple[Field, ...] = (
    Field("title", "The episode's title, without its number.", '"Just Forgiving"', required=True),
    Field("date", "Publication time with a time zone; a future date stays unpublished until then.",
          "2017-06-07T20:10:00-04:00", required=True),
    Field("guid", "The episode's permanent ID; written once, never changed (see 'GUIDs').",
          "6f1c2a52-3a52-4a57-9f67-0b1d0b2b7a11", required=True),
    Field("summary", "One or two sentences; apps show it under the title.", '"What forgiving asks of us."',
          required=True),
    Field("speakers", "Who speaks, as a list.", '["Shaykh Walead Mosaad"]', required=True),
    Field("audio", "The audio file beside episode.md: MP3, M4A, Opus, Ogg Vorbis or FLAC.", "episode.mp3",
          required=True),
    Field("number", "Episode number (itunes:episode).", "3"),
    Field("season", "Season number (itunes:season).", "1"),
    Field("type", "full, trailer or bonus (itunes:episodeType).", "full"),
    Field("explicit", "true or false; defaults to the show's `explicit`.", "false"),
    Field("series", "The series the talk belongs to.", '"Circle of Light"'),
    Field("cover", "Episode artwork beside episode.md; defaults to the show's.", "cover.jpg"),
    Field("transcript", "A transcript file beside episode.md.", "transcript.vtt"),
    Field("chapters", "A list of {start, title, url, image} entries (start as MM:SS or H:MM:SS, image a file "
          "beside episode.md), or the name of a Podcasting 2.0 JSON chapters file beside it. Without it, show-notes "
          "lines that start with a timestamp (00:00 Welcome) are the chapters.",
          '[{start: "00:00", title: "Welcome"}]'),
    Field("draft", "true keeps the episode out of every build and publish.", "false"),
)
_KNOWN = {f.key for f in FIELDS}


def reference() -> str:
    """The front matter reference as Markdown, generated from FIELDS (the README embeds it)."""
    return markdown_table(("key", "required", "meaning", "example"),
                          [(f"`{f.key}`", "yes" if f.required else "no", f.doc, f"`{f.example}`") for f in FIELDS])


def discover(episodes_dir: Path, report: Report) -> list[Path]:
    """Every `<slug>/episode.md` below `episodes_dir`, in a stable order."""
    if not episodes_dir.is_dir():
        report.error(episodes_dir, "", "the episodes folder does not exist; create it or set [paths] episodes")
        return []
    found = []
    for folder in sorted(p for p in episodes_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
        source = folder / EPISODE_FILE
        if source.is_file():
            found.append(source)
        else:
            report.warn(folder, "", f"no {EPISODE_FILE} in this folder, so it is not an episode; add one or move the folder")
    return found


def load_all(episodes_dir: Path, report: Report) -> list[Episode]:
    """Parse and validate every episode; the valid ones, oldest first."""
    loaded = [episode for source in discover(episodes_dir, report) if (episode := load(source, report))]
    _check_unique_guids(loaded, report)
    return sorted(loaded, key=lambda e: (e.date, e.slug))


def load(source: Path, report: Report) -> Episode | None:
    front_matter, notes = _split(source, report)
    if front_matter is None:
        return None
    reader = _FieldReader(source, front_matter, report)
    for key in front_matter:
        if key not in _KNOWN:
            report.warn(source, str(key), "unknown front matter key, ignored; check its spelling")
    title = reader.text("title")
    published_at = reader.get("date", _datetime)
    guid = reader.get("guid", _guid)
    summary = reader.text("summary")
    speakers = reader.get("speakers", _speakers)
    number = reader.get("number", _positive_int)
    season = reader.get("season", _positive_int)
    episode_type = reader.get("type", _choice(apple.EPISODE_TYPES), default="full")
    explicit = reader.get("explicit", _bool)
    series = reader.get("series", _text)
    draft = reader.get("draft", _bool, default=False)
    audio_path = reader.get("audio", _file(source))
    cover = reader.get("cover", _file(source))
    transcript = reader.get("transcript", _file(source))
    chapters = reader.get("chapters", _chapters(source))
    if chapters is None:
        chapters, not_chapters = chapter_sources.from_notes(notes)
        if not_chapters:
            report.warn(source, "show notes", f"{not_chapters}; fix them, or set `chapters` in the front matter")
    audio_info = _probe(source, audio_path, report) if audio_path else None
    if audio_info and chapters and chapters[-1].start >= audio_info.duration:
        report.error(source, "chapters", f"chapter {chapters[-1].title!r} starts after the audio ends "
                     f"({timecodes.format_clock(audio_info.duration)}); fix its start")
    if reader.failed or audio_info is None:
        return None
    return Episode(
        slug=source.parent.name, source=source, title=title, date=published_at, guid=guid,
        number=number, season=season, episode_type=episode_type, explicit=explicit, speakers=speakers,
        summary=summary, audio=audio_path, audio_info=audio_info, notes=notes, series=series,
        cover=cover, transcript=transcript, chapters=chapters, draft=draft,
    )


def _split(source: Path, report: Report) -> tuple[dict[str, Any] | None, str]:
    try:
        text = source.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        report.error(source, "", "not UTF-8 text; save the file as UTF-8")
        return None, ""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != _FENCE:
        report.error(source, "front matter", f"the file must start with a '{_FENCE}' line, then YAML, then '{_FENCE}'")
        return None, ""
    closing = next((i for i, line in enumerate(lines[1:], 1) if line.strip() == _FENCE), None)
    if closing is None:
        report.error(source, "front matter", f"no closing '{_FENCE}' line after the front matter; add one")
        return None, ""
    try:
        data = yaml.safe_load("".join(lines[1:closing]))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark else ""
        problem = getattr(e, "problem", None) or str(e)
        report.error(source, "front matter", f"invalid YAML{where}: {problem}; fix the syntax there")
        return None, ""
    if not isinstance(data, dict):
        report.error(source, "front matter", "must be YAML keys and values, like `title: My episode`")
        return None, ""
    return data, "".join(lines[closing + 1:]).strip() + "\n"


def _probe(source: Path, audio_path: Path, report: Report):
    try:
        return audio.probe(audio_path)
    except AudioError as e:
        report.error(source, "audio", e.message)
        return None


def _check_unique_guids(episodes: list[Episode], report: Report) -> None:
    first_with: dict[str, Episode] = {}
    for episode in episodes:
        if episode.guid in first_with:
            other = first_with[episode.guid].source
            report.error(episode.source, "guid", f"{episode.guid!r} is already the GUID of {other}; "
                         f"give this episode its own, e.g. {uuid.uuid4()}")
        else:
            first_with[episode.guid] = episode


class _NoSuchFile(ValueError):
    """A named file is missing: the fix is the file, not the value's form, so no example is added."""


class _FieldReader:
    """Reads one key at a time, recording a problem (and going on) when a value is wrong."""

    def __init__(self, source: Path, data: dict[str, Any], report: Report) -> None:
        self.source, self.data, self.report = source, data, report
        self.failed = False

    def get(self, key: str, convert: Callable[[Any], Any], default: Any = None) -> Any:
        field = next(f for f in FIELDS if f.key == key)
        if self.data.get(key) is None:
            if field.required:
                self._fail(key, f"missing; add `{key}: {_suggestion(field)}` ({field.doc})")
            return default
        try:
            return convert(self.data[key])
        except _NoSuchFile as e:
            self._fail(key, str(e))
        except ValueError as e:
            self._fail(key, f"{e}; for example `{key}: {field.example}`")
        return default

    def text(self, key: str) -> str:
        return self.get(key, _text, default="")

    def _fail(self, key: str, message: str) -> None:
        self.failed = True
        self.report.error(self.source, key, message)


def _suggestion(field: Field) -> str:
    # A missing GUID gets a fresh one to paste: it must be unique and then never change.
    return str(uuid.uuid4()) if field.key == "guid" else field.example


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"must be non-empty text, not {value!r}")
    return value.strip()


def _guid(value: Any) -> str:
    if isinstance(value, (int, float)) or not str(value).strip():
        raise ValueError(f"must be text such as a UUID, not {value!r}")
    return str(value).strip()


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false, not {value!r}")
    return value


def _positive_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"must be a whole number from 1 up, not {value!r}")
    return value


def _choice(choices: tuple[str, ...]) -> Callable[[Any], str]:
    def convert(value: Any) -> str:
        if value not in choices:
            raise ValueError(f"is {value!r}; use one of: {', '.join(choices)}")
        return value
    return convert


def _datetime(value: Any) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{value!r} is not a date and time in ISO 8601 form") from None
    if not isinstance(value, datetime):
        if isinstance(value, date):
            raise ValueError("has no time and time zone")
        raise ValueError(f"{value!r} is not a date and time")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("has no time zone (add e.g. -04:00 or Z)")
    return value


def _speakers(value: Any) -> tuple[str, ...]:
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not names or not all(isinstance(n, str) and n.strip() for n in names):
        raise ValueError(f"must be a list of names, not {value!r}")
    return tuple(n.strip() for n in names)


def _file(source: Path) -> Callable[[Any], Path]:
    def convert(value: Any) -> Path:
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"must be a file name, not {value!r}")
        path = source.parent / value.strip()
        if not path.is_file():
            raise _NoSuchFile(f"{value!r} does not exist beside {source.name}; add the file or fix the name")
        return path
    return convert


def _chapters(source: Path) -> Callable[[Any], tuple[Chapter, ...]]:
    def convert(value: Any) -> tuple[Chapter, ...]:
        if isinstance(value, str):
            return chapter_sources.from_json_file(_file(source)(value), source)
        return chapter_sources.from_front_matter(value, source)
    return convert
