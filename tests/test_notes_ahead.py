"""Notes rendered ahead by worker processes are the very notes a page renders itself."""

from __future__ import annotations

from pathlib import Path

from podcaster.cache import BuildCache
from podcaster.render import notes


def _wanted(count: int) -> list[notes.Wanted]:
    player = notes.Player("https://example.org/episode.mp3", 600.0)
    return [notes.Wanted(f"## Part {n}\n\nFrom 1:{n % 60:02d} on, *why* it matters ([more](https://example.org/{n})).\n",
                         player, f"episode-{n}") for n in range(count)]


def test_worker_processes_fill_the_cache_with_what_rendering_here_makes(tmp_path: Path):
    wanted = _wanted(70)  # above the threshold where workers start
    expected = [(notes.to_html(w.markdown, w.player), notes.to_html(w.markdown)) for w in wanted]
    cache = BuildCache(tmp_path / "cache.sqlite")
    cache.begin_writing()
    with notes.cached_in(cache):
        with notes.RenderedAhead(wanted, workers=1) as ahead:
            ahead.finish()
        for w, (page, plain) in zip(wanted, expected):
            assert cache.present("notes", [notes._cache_key(w.markdown, w.player)])
            assert notes.to_html(w.markdown, w.player, owner=w.owner) == page
            assert notes.to_html(w.markdown, owner=w.owner) == plain
    cache.close(finished=True)
    assert 'data-start="60"' in expected[0][0] and "data-start" not in expected[0][1]
