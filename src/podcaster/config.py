"""The show config, `podcast.toml`: a typed schema, every key documented, every problem reported.

`load()` reads the file into a `Show`, recording each problem in a `Report` rather than
stopping at the first one, so a producer fixes the whole file in one pass.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from podcaster import apple
from podcaster.errors import Report
from podcaster.model import ENCODE_FORMATS, EncodingSettings, Owner, PublishSettings, Show

DEFAULT_CONFIG = "podcast.toml"

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# A language tag as RSS and Apple expect it: an ISO 639 code, optionally with a region.
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2}|-[0-9]{3})?$")


@dataclass(frozen=True)
class Option:
    """One config key: its dotted name, type, whether it is required, and what it means."""

    key: str
    kind: type
    doc: str
    example: str
    required: bool = True
    default: Any = None
    choices: tuple[Any, ...] = ()


SCHEMA: tuple[Option, ...] = (
    Option("title", str, "The show's name, as apps list it.", '"Forgiveness: Talks from the Path"'),
    Option("description", str, "What the show is about; apps show it on the show page.", '"Short talks on ..."'),
    Option("author", str, "Who makes the show (itunes:author; album artist in the audio tags).", '"SeekersHub"'),
    Option("language", str, "The show's language as an ISO 639 code, optionally with a region: en, en-GB, ar.", '"en"'),
    Option("category", str, "An Apple Podcasts category, spelled as Apple lists it.", '"Religion & Spirituality"'),
    Option("subcategory", str, "An Apple Podcasts subcategory of `category`.", '"Islam"', required=False),
    Option("explicit", bool, "Whether the show contains explicit content (true or false).", "false"),
    Option("artwork", str, "Square JPEG or PNG, 1400 to 3000 px, relative to this file.", '"episodes/artwork.jpg"'),
    Option("website", str, "The show's home page (the channel's link).", '"https://example.org/"'),
    Option("type", str, "episodic (newest first) or serial (listen in order).", '"episodic"',
           required=False, default="episodic", choices=apple.SHOW_TYPES),
    Option("copyright", str, "The copyright line shown by apps.", '"© 2017 SeekersHub"'),
    Option("owner.name", str, "The owner's name; Apple contacts the owner about the show.", '"Jane Producer"'),
    Option("owner.email", str, "The owner's email; Apple sends verification mail here.", '"jane@example.org"'),
    Option("publish.target", str, "Where `publish` copies the site: file://PATH (relative to this file) or an absolute file:///PATH.",
           '"file://public"', required=False, default="file://public"),
    Option("publish.public_url", str, "The URL listeners fetch published files from; used in the feed and pages.",
           '"https://podcast.example.org/"'),
    Option("timezone", str, "The show's IANA time zone: `podcaster new` dates episodes in it.", '"America/Toronto"',
           required=False, default="UTC"),
    Option("speakers", list, "Who usually speaks: `podcaster new` puts them in a new episode.", '["Shaykh Walead Mosaad"]',
           required=False, default=[]),
    Option("recording.loudness", float, "Integrated loudness a recording is normalised to, in LUFS.", "-16",
           required=False, default=-16.0),
    Option("recording.true_peak", float, "The highest true peak allowed after normalising, in dBTP.", "-1",
           required=False, default=-1.0),
    Option("recording.trim_silence", bool, "Cut silence at the start and end of a recording.", "true",
           required=False, default=True),
    Option("recording.channels", int, "1 (mono, best for speech) or 2 (stereo).", "1", required=False, default=1),
    Option("recording.bitrate", str, "Encoding bitrate, as ffmpeg writes it.", '"96k"', required=False, default="96k"),
    Option("recording.formats", list, "Formats to encode: the first is the episode's audio, the others "
           "alternate enclosures (mp3, m4a, opus).", '["mp3", "opus"]', required=False, default=["mp3"]),
    Option("paths.episodes", str, "The folder holding one sub-folder per episode.", '"episodes"',
           required=False, default="episodes"),
    Option("paths.output", str, "Where `build` writes the site before it is published.", '"feed"',
           required=False, default="feed"),
    Option("paths.templates", str, "Templates that override the default ones, file by file.", '"templates"',
           required=False, default="templates"),
    Option("audio.id3_version", int, "The ID3 version of MP3 tags: 4 (ID3v2.4), or 3 (ID3v2.3) for old players "
           "and car stereos that show no tags otherwise, and for players built on ffmpeg, which skip ID3v2.4 "
           "chapters that carry an image.", "3", required=False, default=4, choices=(3, 4)),
)

_TABLES = {option.key.split(".")[0] for option in SCHEMA if "." in option.key}


def load(config_path: Path, report: Report) -> Show | None:
    """Read and validate `config_path`; None when it has errors (all of them are in `report`)."""
    raw = _read_toml(config_path, report)
    if raw is None:
        return None
    errors_before = len(report.errors)
    values = {option.key: _value(raw, option, config_path, report) for option in SCHEMA}
    _warn_unknown_keys(raw, config_path, report)
    _check_values(values, config_path, report)
    if len(report.errors) > errors_before:
        return None
    root = config_path.parent
    return Show(
        title=values["title"],
        description=values["description"],
        author=values["author"],
        owner=Owner(values["owner.name"], values["owner.email"]),
        language=values["language"],
        category=values["category"],
        subcategory=values["subcategory"],
        explicit=values["explicit"],
        artwork=root / values["artwork"],
        website=values["website"],
        show_type=values["type"],
        copyright=values["copyright"],
        publish=PublishSettings(values["publish.target"], _with_trailing_slash(values["publish.public_url"])),
        timezone=values["timezone"],
        speakers=tuple(values["speakers"]),
        recording=EncodingSettings(
            loudness=values["recording.loudness"], true_peak=values["recording.true_peak"],
            trim_silence=values["recording.trim_silence"], channels=values["recording.channels"],
            bitrate=values["recording.bitrate"], formats=tuple(values["recording.formats"]),
        ),
        config_path=config_path,
        episodes_dir=root / values["paths.episodes"],
        output_dir=root / values["paths.output"],
        templates_dir=root / values["paths.templates"],
        id3_version=values["audio.id3_version"],
    )


def episodes_dir_of(config_path: Path) -> Path:
    """Where episodes live even when the rest of the config is broken, so they are checked too."""
    try:
        raw = tomllib.loads(config_path.read_text(encoding="utf-8"))
        configured = raw.get("paths", {}).get("episodes", "episodes")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, AttributeError):
        configured = "episodes"
    return config_path.parent / (configured if isinstance(configured, str) else "episodes")


def reference() -> str:
    """The config reference as Markdown, generated from the schema (the README embeds it)."""
    return markdown_table(
        ("key", "required", "meaning", "example"),
        [(f"`{o.key}`", "yes" if o.required else f"no (default `{o.default}`)" if o.default else "no",
          o.doc, f"`{o.example}`") for o in SCHEMA],
    )


def markdown_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _read_toml(config_path: Path, report: Report) -> dict[str, Any] | None:
    try:
        return tomllib.loads(config_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        report.error(config_path, "", "no such file; run podcaster in the show's folder or pass --config PATH")
    except UnicodeDecodeError:
        report.error(config_path, "", "not UTF-8 text; save the file as UTF-8")
    except tomllib.TOMLDecodeError as e:
        report.error(config_path, "", f"invalid TOML: {e}; fix the syntax there")
    return None


def _value(raw: dict[str, Any], option: Option, config_path: Path, report: Report) -> Any:
    container: Any = raw
    *tables, name = option.key.split(".")
    for table in tables:
        container = container.get(table, {})
        if not isinstance(container, dict):
            report.error(config_path, table, f"must be a table; write it as [{table}]")
            return option.default
    if name not in container:
        if option.required:
            report.error(config_path, option.key, f"missing; add {_assignment(option)} ({option.doc})")
        return option.default
    value = container[name]
    if option.kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)  # TOML writes -16 for -16.0
    if not isinstance(value, option.kind) or (option.kind is int and isinstance(value, bool)):
        report.error(
            config_path, option.key,
            f"must be {_kind_name(option.kind)}, not {_kind_name(type(value))}; for example {_assignment(option)}",
        )
        return option.default
    if isinstance(value, str) and not value.strip() and option.required:
        report.error(config_path, option.key, f"is empty; for example {_assignment(option)}")
        return option.default
    if option.choices and value not in option.choices:
        report.error(config_path, option.key, f"is {value!r}; use one of: {', '.join(map(str, option.choices))}")
        return option.default
    return value


def _check_values(values: dict[str, Any], config_path: Path, report: Report) -> None:
    email = values["owner.email"]
    if email and not _EMAIL.match(email):
        report.error(config_path, "owner.email", f"{email!r} is not an email address")
    language = values["language"]
    if language and not _LANGUAGE.match(language):
        report.error(config_path, "language", f"{language!r} is not an ISO 639 language code; use e.g. en, en-GB, ar")
    _check_category(values["category"], values["subcategory"], config_path, report)
    _check_recording(values, config_path, report)
    for key in ("website", "publish.public_url"):
        url = values[key]
        if url and urlsplit(url).scheme not in ("http", "https"):
            report.error(config_path, key, f"{url!r} is not an http(s) URL; write it as https://…")
    artwork = values["artwork"]
    if artwork and not (config_path.parent / artwork).is_file():
        report.error(config_path, "artwork", f"{artwork!r} does not exist (paths are relative to {config_path.name})")


def _check_recording(values: dict[str, Any], config_path: Path, report: Report) -> None:
    try:
        ZoneInfo(values["timezone"])
    except (ZoneInfoNotFoundError, ValueError):
        report.error(config_path, "timezone", f"{values['timezone']!r} is not an IANA time zone; "
                     "use a name like Europe/London or America/Toronto")
    if not all(isinstance(name, str) and name.strip() for name in values["speakers"]):
        report.error(config_path, "speakers", "must be a list of names, like [\"Jane Producer\"]")
    formats = values["recording.formats"]
    if not formats or not all(fmt in ENCODE_FORMATS for fmt in formats) or len(set(formats)) != len(formats):
        report.error(config_path, "recording.formats",
                     f"{formats!r}: list each format once, from {', '.join(ENCODE_FORMATS)}")
    if values["recording.channels"] not in (1, 2):
        report.error(config_path, "recording.channels", "must be 1 (mono) or 2 (stereo)")


def _check_category(category: str | None, subcategory: str | None, config_path: Path, report: Report) -> None:
    if category is None:
        return
    if category not in apple.CATEGORIES:
        report.error(
            config_path, "category",
            f"{category!r} is not an Apple Podcasts category; use one of: {', '.join(apple.CATEGORIES)}",
        )
        return
    allowed = apple.CATEGORIES[category]
    if subcategory is not None and subcategory not in allowed:
        choices = ", ".join(allowed) if allowed else f"none: {category!r} has no subcategories, remove the key"
        report.error(config_path, "subcategory", f"{subcategory!r} is not a subcategory of {category!r}; use {choices}")


def _warn_unknown_keys(raw: dict[str, Any], config_path: Path, report: Report) -> None:
    known = {option.key for option in SCHEMA}
    for key, value in raw.items():
        if key in _TABLES and isinstance(value, dict):
            for sub_key in value:
                if f"{key}.{sub_key}" not in known:
                    report.warn(config_path, f"{key}.{sub_key}", "unknown key, ignored; check its spelling")
        elif key not in known:
            report.warn(config_path, key, "unknown key, ignored; check its spelling")


def _assignment(option: Option) -> str:
    *tables, name = option.key.split(".")
    where = f" under [{tables[0]}]" if tables else ""
    return f"`{name} = {option.example}`{where}"


def _kind_name(kind: type) -> str:
    return {str: "a string", bool: "true or false", int: "a whole number", float: "a number", dict: "a table",
            list: "a list"}.get(
        kind, kind.__name__
    )


def _with_trailing_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"
