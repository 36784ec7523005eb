#!/usr/bin/env python3
"""How rendering the site grows with the number of episodes: it should be linear.

Renders every page (no audio, no images, nothing written) of synthetic shows of 250 to 2,000
episodes in which every episode shares one of three speakers and one of five series, the worst
case for related episodes, and prints the time per episode. Run: python bench/site_pages.py
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from podcaster.model import AudioInfo, Episode, Owner, PublishSettings, Show
from podcaster.render import pages
from podcaster.render.templates import Templates
from podcaster.site import Layout

NOTES = "A paragraph of notes with a [link](https://example.org/) and a timestamp at 01:30.\n\n## Topics\n\n- one\n- two\n"


def synthetic_show(root: Path) -> Show:
    return Show(
        title="Bench", description="A synthetic show.", author="Bench", owner=Owner("Bench", "bench@example.org"),
        language="en", category="Education", subcategory=None, explicit=False, artwork=root / "artwork.jpg",
        website="https://example.org/", show_type="episodic", copyright="none",
        publish=PublishSettings("file://public", "https://example.org/"), config_path=root / "podcast.toml",
        episodes_dir=root / "episodes", output_dir=root / "feed", templates_dir=root / "templates",
    )


def synthetic_episodes(root: Path, count: int) -> list[Episode]:
    start = datetime(2020, 1, 1, tzinfo=timezone.utc)
    audio = AudioInfo("mp3", "audio/mpeg", "mp3", 1800.0, 64000, 44100, 1, 14_400_000)
    return [
        Episode(slug=f"episode-{n}", source=root / f"episode-{n}/episode.md", title=f"Episode {n}",
                date=start + timedelta(days=n), guid=f"guid-{n}", number=n + 1, season=1 + n // 100,
                episode_type="full", explicit=None, speakers=(f"Speaker {n % 3}",), summary=f"Summary of {n}.",
                audio=root / f"episode-{n}/episode.mp3", audio_info=audio, notes=NOTES, series=f"Series {n % 5}")
        for n in range(count)
    ]


def main() -> None:
    root = Path("/nonexistent-bench-show")
    show = synthetic_show(root)
    layout, templates = Layout.of(show), Templates(root / "templates")
    print(f"{'episodes':>8} {'files':>6} {'seconds':>8} {'ms/episode':>11}")
    for count in (250, 500, 1000, 2000):
        episodes = synthetic_episodes(root, count)
        began = time.perf_counter()
        files = pages.render_all(show, episodes, layout, templates)
        elapsed = time.perf_counter() - began
        print(f"{count:>8} {len(files):>6} {elapsed:>8.2f} {elapsed / count * 1000:>11.2f}")


if __name__ == "__main__":
    main()
