"""Show notes stay in their files until asked for, and notes rendered ahead by a worker process
are the very notes a page renders itself."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from conftest import REPO
from podcaster import episodes
from podcaster.cache import BuildCache
from podcaster.errors import EpisodeError, Report
from podcaster.model import Episode
from podcaster.render import notes, notes_html

SAMPLE = REPO / "episodes" / "just-forgiving"


def _episode_with_notes(episodes_dir: Path, body: str) -> Episode:
    """The sample episode copied into `episodes_dir` (its audio hard-linked), with `body` as its
    notes, loaded as a build loads it."""
    folder = episodes_dir / SAMPLE.name
    shutil.copytree(SAMPLE, folder, copy_function=os.link)
    source = folder / "episode.md"
    text = source.read_text(encoding="utf-8")
    front_matter_end = text.index("\n---\n", 4) + len("\n---\n")
    source.unlink()  # a hard link to the repository's file: write a file of its own
    source.write_text(text[:front_matter_end] + body, encoding="utf-8")
    report = Report()
    (episode,) = episodes.load_all(episodes_dir, report)
    assert not report.errors
    return episode


def test_a_loaded_episode_reads_its_notes_from_its_file_and_refuses_a_file_changed_since(tmp_path: Path):
    body = "Crlf line one.\r\nAnd *two*, at 1:05.\r\n\r\n"
    episode = _episode_with_notes(tmp_path / "one", body)
    assert episode.notes is None  # not held in memory
    assert episode.markdown() == "Crlf line one.\nAnd *two*, at 1:05.\n"
    assert 'data-start="65"' in notes.episode_html(episode, notes_html.Player("https://example.org/a.mp3", 600.0))

    episode.source.write_text(episode.source.read_text(encoding="utf-8") + "An edit.\n", encoding="utf-8")
    with pytest.raises(EpisodeError, match=r"just-forgiving/episode\.md: changed since the build read it; build again"):
        episode.markdown()
    episode.source.unlink()
    with pytest.raises(EpisodeError, match=r"episode\.md: cannot be read any more .*; put it back and build again"):
        episode.markdown()


def test_a_worker_process_fills_the_cache_with_what_rendering_here_makes(tmp_path: Path):
    _fill_the_cache_ahead(tmp_path, lambda ahead: None)


@pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="counts child processes in /proc")
def test_the_worker_is_the_only_process_started_and_it_ends(tmp_path: Path):
    before = _children()
    started = []
    _fill_the_cache_ahead(tmp_path, lambda ahead: started.append(_children() - before))
    assert len(started[0]) == 1  # the worker alone: no fork server, no resource tracker
    assert _children() == before


def test_a_failure_while_sending_stops_the_workers(tmp_path: Path):
    player = notes_html.Player("https://example.org/episode.mp3", 600.0)
    loaded = [_episode_with_notes(tmp_path / f"e{n}", f"Part {n}.\n") for n in range(70)]
    loaded[0].source.write_text("---\ntitle: changed\n---\n", encoding="utf-8")
    cache = BuildCache(tmp_path / "cache.sqlite")
    cache.begin_writing()
    with notes.cached_in(cache):
        ahead = notes.RenderedAhead([notes.Wanted(e, lambda _: player) for e in loaded], workers=2)
        workers = list(ahead._workers)
        with pytest.raises(EpisodeError, match="changed since the build read it"):
            with ahead:  # the first batch fails as it is read, before the block is entered
                pass
    assert len(workers) == 2 and all(worker._process.poll() is not None for worker in workers)
    cache.close(finished=False)


def _fill_the_cache_ahead(tmp_path: Path, while_rendering) -> None:
    player = notes_html.Player("https://example.org/episode.mp3", 600.0)
    loaded = [_episode_with_notes(tmp_path / f"e{n}", f"## Part {n}\n\nFrom 1:{n % 60:02d} on, *why* it matters "
                                  f"([more](https://example.org/{n})).\n") for n in range(70)]  # above the threshold
    wanted = [notes.Wanted(episode, lambda _: player) for episode in loaded]
    expected = [(notes_html.to_html(e.markdown(), player), notes_html.to_html(e.markdown())) for e in loaded]
    cache = BuildCache(tmp_path / "cache.sqlite")
    cache.begin_writing()
    with notes.cached_in(cache):
        with notes.RenderedAhead(wanted, workers=1) as ahead:
            while_rendering(ahead)
            ahead.finish()
        for episode in loaded:
            episode.source.unlink()  # so what follows can only come from the cache
        for episode, (page, plain) in zip(loaded, expected):
            assert notes.episode_html(episode, player) == page
            assert notes.episode_html(episode) == plain
    cache.close(finished=True)
    assert 'data-start="60"' in expected[0][0] and "data-start" not in expected[0][1]
    assert expected[0][0] != expected[1][0]


def _children() -> set[int]:
    children = set()
    for entry in Path("/proc").iterdir():
        try:
            status = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(status[1]) == os.getpid() and status[0] != "Z":
            children.add(int(entry.name))
    return children


def test_the_worker_loads_neither_the_build_cache_nor_the_model():
    """Each worker process lives through the tagging of a whole archive, beside the build: what its
    module imports (SQLite and the cache, the model, click) is memory a build pays twice."""
    import subprocess
    import sys

    loaded = subprocess.run(
        [sys.executable, "-c", "import sys; import podcaster.render.notes_html; "
                               "print(' '.join(sorted(sys.modules)))"],
        capture_output=True, text=True, check=True).stdout.split()
    assert "markdown_it" in loaded and "nh3" in loaded
    assert not {"sqlite3", "podcaster.cache", "podcaster.model", "click"} & set(loaded)
