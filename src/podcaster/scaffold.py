"""A new episode's folder and episode.md: a slug from its title, the next number, a GUID written once."""

from __future__ import annotations

import json
import re
import unicodedata
import uuid
from collections.abc import Sequence
from datetime import datetime
from itertools import groupby
from pathlib import Path

import yaml

from podcaster.episodes import EPISODE_FILE
from podcaster import artwork as artworks, timecodes
from podcaster.errors import ConfigError, EpisodeError
from podcaster.model import Chapter

SLUG_LENGTH = 80


def slugify(title: str) -> str:
    """A URL-safe folder name that keeps every script's letters: "Just Forgiving" -> "just-forgiving",
    "الصفح الجميل" -> "الصفح-الجميل", "नमस्ते दुनिया" -> "नमस्ते-दुनिया"; accents are dropped from Latin
    letters only ("Café" -> "cafe"): elsewhere the marks are part of the letters (a vowel sign, a
    hamza, a dakuten)."""
    # Decomposed before and after casefolding: "™" decomposes to capitals, and casefolding may compose.
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", title).casefold())
    kept: list[str] = []
    for ch in text:
        # A mark stays on a letter of another script; on a Latin letter (an accent), on a symbol
        # (an emoji's variation selector) or at the start of a word, it goes.
        if unicodedata.category(ch)[0] == "M" and not (kept and not kept[-1].isascii() and _is_word_char(kept[-1])):
            continue
        kept.append(ch)
    # Runs of letters, digits and marks: Python's \w leaves out marks such as Devanagari vowel signs.
    words = ("".join(run) for is_word, run in groupby(unicodedata.normalize("NFC", "".join(kept)), _is_word_char)
             if is_word)
    return "-".join(words)[:SLUG_LENGTH].strip("-")


def _is_word_char(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LNM"


def next_number(episodes_dir: Path) -> int:
    """One more than the highest `number:` among the existing episodes (1 for the first)."""
    highest = 0
    for source in episodes_dir.glob(f"*/{EPISODE_FILE}"):
        match = re.search(r"^number:\s*(\d+)\s*$", _front_matter_text(source), re.MULTILINE)
        if match:
            highest = max(highest, int(match.group(1)))
    return highest + 1


def create(folder: Path, *, title: str, date: datetime, number: int, speakers: Sequence[str], audio_name: str,
           alternates: Sequence[str] = (), summary: str | None = None, chapters: Sequence[Chapter] = (),
           guid: str | None = None, live: bool = False) -> Path:
    """Write `folder/episode.md`; never over an existing one. `live`: it comes from a livestream
    (a recording of one, or an announced stream)."""
    front_matter = {
        "title": title,
        "date": date.isoformat(timespec="seconds"),
        # Written once: apps tell episodes apart by it, so it must never change after publishing.
        "guid": guid or str(uuid.uuid4()),
        "number": number,
        "speakers": list(speakers),
        "summary": summary or f"{title}, {_origin(live, date)}.",
        "audio": audio_name,
    }
    if alternates:
        front_matter["alternates"] = list(alternates)
    if chapters:
        front_matter["chapters"] = [{"start": timecodes.format_clock(c.start, milliseconds=True), "title": c.title}
                                    for c in chapters]
    text = "---\n" + yaml.safe_dump(front_matter, sort_keys=False, allow_unicode=True) + "---\n\n" + _notes(date, chapters, live)
    source = folder / EPISODE_FILE
    try:
        with source.open("x", encoding="utf-8") as f:
            f.write(text)
    except FileExistsError:
        raise EpisodeError(f"{source}: exists already, and `new` never overwrites an episode") from None
    return source


def _origin(live: bool, date: datetime) -> str:
    # Only a livestream's date is known to be when it was recorded; otherwise it is the episode's date.
    return f"recorded live on {date:%-d %B %Y}" if live else f"published on {date:%-d %B %Y}"


def _notes(date: datetime, chapters: Sequence[Chapter], live: bool) -> str:
    """A true first draft of the notes: where it comes from and what it covers; nothing to delete."""
    origin = _origin(live, date)
    notes = f"{origin[0].upper()}{origin[1:]}.\n"
    if chapters:
        notes += "\n## Chapters\n\n" + "".join(f"- {timecodes.format_clock(c.start)} {c.title}\n" for c in chapters)
    return notes


def _front_matter_text(source: Path) -> str:
    text = source.read_text(encoding="utf-8-sig", errors="replace")  # as the build reads it
    return text.split("\n---", 1)[0] if text.startswith("---") else ""


CONFIG_FILE = "podcast.toml"
PLACEHOLDER_ARTWORK = "artwork.png"

_STARTER_CONFIG = """\
# {title}: podcaster's config. Every key is described in podcaster's README ("Config reference").
title = {title_toml}
description = {description_toml}
author = {author_toml}
# Who usually speaks: `podcaster new` puts them in each new episode.
speakers = [{author_toml}]
language = {language_toml}
# One of Apple Podcasts' categories, spelled as Apple lists it (`podcaster check` says when it is not).
category = "Society & Culture"
explicit = false
# Square JPEG or PNG, 1400 to 3000 px. The one here is a placeholder: put your artwork in its place.
artwork = "episodes/{artwork}"
website = "http://127.0.0.1:8000/"
copyright = {copyright_toml}

[owner]
# Apple writes to the owner about the show.
name = {author_toml}
email = {email_toml}

[publish]
target = "file://public"
# Where listeners fetch the show: the address of `podcaster serve` until you publish it for real
# (then an https:// address, and a target such as s3://BUCKET/PREFIX).
public_url = "http://127.0.0.1:8000/"
"""


def create_show(folder: Path, *, title: str, author: str, email: str, language: str, year: int) -> list[Path]:
    """A new show in `folder`: its config, an episodes folder and placeholder artwork; what was
    written. Never over an existing config."""
    config = folder / CONFIG_FILE
    if config.exists():
        raise ConfigError(f"{config} exists already, and `init` never overwrites; edit it, or init another folder")
    episodes = folder / "episodes"
    artwork = episodes / PLACEHOLDER_ARTWORK
    written = [config, episodes, artwork]
    folder.mkdir(parents=True, exist_ok=True)
    episodes.mkdir(exist_ok=True)
    if not artwork.exists():
        artworks.write_placeholder(artwork, 1400)
    else:
        written.remove(artwork)
    values = {"title": title, "description": f"{title}: a podcast by {author}.", "author": author,
              "language": language, "email": email, "copyright": f"© {year} {author}"}
    config.write_text(_STARTER_CONFIG.format(
        title=title, artwork=PLACEHOLDER_ARTWORK,
        **{f"{key}_toml": _toml_string(value) for key, value in values.items()}), encoding="utf-8")
    return written


def _toml_string(text: str) -> str:
    """`text` as a TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(text, ensure_ascii=False)
