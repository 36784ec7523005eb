"""Show notes stay in their files until asked for."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from conftest import REPO
from podcaster import episodes
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
