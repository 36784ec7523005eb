#!/usr/bin/env python3
"""Generate a synthetic show of N episodes in podcaster's format, for the benchmarks.

    python bench/make_show.py 1000 /tmp/show-1000          # podcast.toml + episodes/ in that folder

What a show gets (everything is deterministic: the same N and seed give the same text; the media
are the same bytes for a given ffmpeg):

* `podcast.toml` shaped like the sample show's, publishing to `file://public`;
* `episodes/artwork.jpg`: a square 1400 px JPEG (ffmpeg's test pattern);
* per episode, `episodes/<number>-<title-slug>/`:
  - `episode.md`: the front matter a daily show's producer writes (title, date, GUID, number,
    season, type, speakers, summary, sometimes a series, 2-6 chapters) and 300-1,500 words of
    Markdown show notes (headings, paragraphs, a list, links, emphasis);
  - `episode.mp3`: a real 30 s MP3 (a sine at 8 kbit/s, 30 kB), made once with ffmpeg and copied,
    because podcaster probes and tags every file;
  - `cover.jpg` for one episode in ten (a second 1400 px image).

Episodes are one a day, the last one on END_DATE, so every one is in the past and published.
Only the standard library and ffmpeg are needed.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

GENERATOR_VERSION = 1
STAMP_FILE = ".bench-show.json"
AUDIO_SECONDS = 30
END_DATE = datetime(2024, 12, 31, 6, 0, tzinfo=timezone(timedelta(hours=-5)))
COVER_EVERY = 10  # one episode in ten has its own cover

_WORDS = """
the of and to in is that for it as with was on be by this at from are or have an they which one
you were all we there can their has more when will would about if out so what up some them time
only new into other than then now its over also back after use two how our first well way even
because any these give most us day work life people year good long little very still great might
world hand part place case week between never under last same right turn small large open close
call keep start show hear play run move live believe hold bring happen write provide sit stand
lose pay meet include continue set learn change lead understand watch follow stop create speak
read allow add spend grow offer remember love consider appear buy wait serve die send expect
build stay fall cut reach kill remain suggest raise pass sell require report decide pull patience
mercy forgiveness river mountain silence question answer story teacher student market garden city
village morning evening winter summer harvest letter journey memory promise kindness courage
history science music language family neighbour friend guest host listener episode recording
season chapter archive library window kitchen bridge harbour lantern compass mirror ladder
""".split()

_SPEAKERS = [
    "Amina Qureshi", "Daniel Okafor", "Hannah Weiss", "Yusuf Rahman", "Marta Lindqvist", "Kenji Sato",
    "Lucia Romero", "Tomasz Nowak", "Fatima Zahra", "Oliver Grant", "Priya Raman", "Samuel Adeyemi",
]
_SERIES = [
    "Morning Questions", "The Long Road", "Letters from Listeners", "Small Rooms", "Field Notes",
    "The Archive Hour", "Neighbours", "Open Kitchen",
]
_ENCODERS = ["-fflags", "+bitexact", "-flags:a", "+bitexact", "-map_metadata", "-1"]


@dataclass(frozen=True)
class Media:
    audio: Path
    artwork: Path
    cover: Path


def make_media(folder: Path) -> Media:
    """The three media files every show copies from, made once with ffmpeg."""
    folder.mkdir(parents=True, exist_ok=True)
    media = Media(folder / "episode.mp3", folder / "artwork.jpg", folder / "cover.jpg")
    jobs = {
        media.audio: ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=8000:duration={AUDIO_SECONDS}",
                      "-ac", "1", "-codec:a", "libmp3lame", "-b:a", "8k", "-id3v2_version", "0", "-write_id3v1", "0"],
        media.artwork: ["-f", "lavfi", "-i", "testsrc2=size=1400x1400:rate=1", "-frames:v", "1", "-q:v", "4"],
        media.cover: ["-f", "lavfi", "-i", "smptehdbars=size=1400x1400:rate=1", "-frames:v", "1", "-q:v", "4"],
    }
    for path, args in jobs.items():
        if not path.is_file():
            _ffmpeg(args + _ENCODERS, path)
    return media


def _ffmpeg(args: list[str], output: Path) -> None:
    if shutil.which("ffmpeg") is None:
        sys.exit("make_show: ffmpeg is needed to make the media (apt-get install ffmpeg)")
    partial = output.with_name(f".partial-{output.name}")
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", *args, str(partial)], check=True)
    partial.replace(output)


def config_text(count: int) -> str:
    return f'''# A synthetic show for podcaster's benchmarks (bench/make_show.py): {count} daily episodes.
title = "The Daily Lantern ({count} episodes)"
description = "A synthetic daily show that exists to measure how podcaster scales with a long archive."
author = "Bench Studio"
language = "en"
category = "Society & Culture"
subcategory = "Documentary"
explicit = false
artwork = "episodes/artwork.jpg"
website = "https://bench.example.org/"
type = "episodic"
copyright = "© Bench Studio"

[owner]
name = "Bench Producer"
email = "producer@bench.example.org"

[publish]
target = "file://public"
public_url = "https://bench.example.org/"
'''


def make_show(root: Path, count: int, seed: int = 1, media_dir: Path | None = None) -> None:
    """Write the show into `root` (which must not hold another show)."""
    media = make_media(media_dir or root / ".bench-media")
    episodes_dir = root / "episodes"
    episodes_dir.mkdir(parents=True, exist_ok=True)
    (root / "podcast.toml").write_text(config_text(count), encoding="utf-8")
    shutil.copyfile(media.artwork, episodes_dir / "artwork.jpg")
    for number in range(1, count + 1):
        write_episode(episodes_dir, number, count, seed, media)
    stamp = {"generator": GENERATOR_VERSION, "count": count, "seed": seed}
    (root / STAMP_FILE).write_text(json.dumps(stamp), encoding="utf-8")


def is_made(root: Path, count: int, seed: int) -> bool:
    """Whether `root` holds exactly the show `make_show(root, count, seed)` writes."""
    try:
        stamp = json.loads((root / STAMP_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return stamp == {"generator": GENERATOR_VERSION, "count": count, "seed": seed}


def write_episode(episodes_dir: Path, number: int, count: int, seed: int, media: Media) -> Path:
    """Episode `number` of a `count`-episode show (numbers past `count` are the episodes a producer adds
    next, dated after the last one); returns its folder."""
    rng = random.Random(f"{seed}:{number}")
    title = _title(rng)
    folder = episodes_dir / f"{number:05d}-{_slug(title)}"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(media.audio, folder / "episode.mp3")
    has_cover = number % COVER_EVERY == 0
    if has_cover:
        shutil.copyfile(media.cover, folder / "cover.jpg")
    date = END_DATE - timedelta(days=count - number)
    (folder / "episode.md").write_text(_front_matter(rng, number, title, date, has_cover) + _notes(rng),
                                       encoding="utf-8")
    return folder


def _title(rng: random.Random) -> str:
    return " ".join(rng.choices(_WORDS, k=rng.randint(3, 6))).capitalize()


def _slug(title: str) -> str:
    return "-".join(title.lower().split())


def _sentence(rng: random.Random, low: int = 8, high: int = 20) -> str:
    words = rng.choices(_WORDS, k=rng.randint(low, high))
    if rng.random() < 0.2:
        i = rng.randrange(len(words))
        words[i] = f"*{words[i]}*"
    if rng.random() < 0.1:
        i = rng.randrange(len(words))
        words[i] = f"**{words[i]}**"
    if len(words) > 10 and rng.random() < 0.4:
        words[rng.randrange(3, len(words) - 3)] += ","
    return " ".join(words).capitalize() + rng.choice([".", ".", ".", "?", "!"])


def _front_matter(rng: random.Random, number: int, title: str, date: datetime, has_cover: bool) -> str:
    guid = uuid.UUID(int=rng.getrandbits(128), version=4)
    speakers = ", ".join(json.dumps(name) for name in rng.sample(_SPEAKERS, rng.randint(1, 3)))
    lines = [
        "---",
        f"title: {json.dumps(title)}",
        f"date: {date.isoformat()}",
        f'guid: "{guid}"',
        f"number: {number}",
        f"season: {1 + (number - 1) // 365}",
        f"type: {'bonus' if number % 50 == 0 else 'full'}",
        "explicit: false",
        f"speakers: [{speakers}]",
        f"summary: {json.dumps(_sentence(rng, 14, 30))}",
    ]
    if rng.random() < 0.3:
        lines.append(f"series: {json.dumps(rng.choice(_SERIES))}")
    lines.append("audio: episode.mp3")
    if has_cover:
        lines.append("cover: cover.jpg")
    lines.append("chapters:")
    count = rng.randint(2, 6)
    starts = [0] + sorted(rng.sample(range(1, AUDIO_SECONDS - 1), count - 1))
    for start in starts:
        chapter_title = " ".join(rng.choices(_WORDS, k=rng.randint(2, 5))).capitalize()
        lines += [f'  - start: "00:{start:02d}"', f"    title: {json.dumps(chapter_title)}"]
    lines.append("---")
    return "\n".join(lines) + "\n\n"


def _notes(rng: random.Random) -> str:
    """300-1,500 words of Markdown in the shape show notes take: an intro, a list of what is
    covered, a few sections of prose, and links."""
    target = rng.randint(300, 1500)
    blocks: list[str] = []
    words = 0

    def add(block: str) -> None:
        nonlocal words
        blocks.append(block)
        words += len(block.split())

    add(" ".join(_sentence(rng) for _ in range(rng.randint(3, 5))))
    add("## In this episode")
    add("\n".join(f"- {_sentence(rng, 6, 14)}" for _ in range(rng.randint(3, 7))))
    while words < target - 60:
        if rng.random() < 0.15:
            add("## " + " ".join(rng.choices(_WORDS, k=rng.randint(2, 5))).capitalize())
        add(" ".join(_sentence(rng) for _ in range(rng.randint(3, 7))))
    links = [f"- [{' '.join(rng.choices(_WORDS, k=3)).capitalize()}](https://example.org/{number})"
             for number in rng.sample(range(1, 10_000), 3)]
    add("## Links\n\n" + "\n".join(links))
    return "\n\n".join(blocks) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", type=int, help="how many episodes")
    parser.add_argument("root", type=Path, help="the folder to write the show into (created)")
    parser.add_argument("--seed", type=int, default=1, help="another seed gives other text (default 1)")
    args = parser.parse_args()
    if args.root.exists() and any(args.root.iterdir()):
        sys.exit(f"make_show: {args.root} is not empty; give a new folder")
    make_show(args.root, args.count, args.seed)
    print(f"wrote a show of {args.count} episodes into {args.root}")


if __name__ == "__main__":
    main()
