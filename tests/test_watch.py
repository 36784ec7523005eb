"""`podcaster serve --watch`: a preview that rebuilds while the producer edits the show notes."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from PIL import Image

from conftest import ShowCopy


def _fetch(url: str) -> str:
    return _fetch_bytes(url).decode("utf-8")


def _fetch_bytes(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read()


@contextmanager
def _serving_a_preview(show: ShowCopy, *options: str) -> Iterator[str]:
    """`podcaster serve --watch` running in the show: its base URL."""
    script = Path(sys.executable).parent / "podcaster"
    process = subprocess.Popen([str(script), "serve", "--watch", "--port", "0", *options], cwd=show.root,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        line = process.stdout.readline()
        while "Serving" not in line:
            assert line, "serve --watch exited before serving"
            line = process.stdout.readline()
        yield re.search(r"at (http://127\.0\.0\.1:\d+/)", line).group(1)
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()


def _until(condition: Callable[[], bool], failure: str) -> None:
    deadline = time.monotonic() + 15
    while not condition():
        assert time.monotonic() < deadline, failure
        time.sleep(0.2)


def test_serve_watch_rebuilds_after_an_edit(show: ShowCopy):
    show.edit("podcast.toml", 'public_url = "http://127.0.0.1:8000/"', 'public_url = "https://cdn.example.org/show/"')
    with _serving_a_preview(show) as base:
        page = _fetch(base + "episodes/just-forgiving/")
        assert "Just Forgiving" in page
        # The preview links to itself, not to the public URL, so its audio plays locally.
        assert f'src="{base}episodes/just-forgiving/just-forgiving.mp3"' in page
        show.edit("episodes/just-forgiving/episode.md", 'title: "Just Forgiving"', 'title: "Simply Forgiving"')
        _until(lambda: "Simply Forgiving" in _fetch(base + "episodes/just-forgiving/"), "the preview was not rebuilt")
        assert not show.output.exists(), "the preview must not touch the publish build"


def test_a_preview_with_drafts_shows_them_and_sees_artwork_kept_outside_the_episodes(show: ShowCopy):
    shutil.move(show.root / "episodes/artwork.jpg", show.root / "artwork.jpg")
    show.edit("podcast.toml", 'artwork = "episodes/artwork.jpg"', 'artwork = "artwork.jpg"')
    show.edit("episodes/just-forgiving/episode.md", "type: full", "type: full\ndraft: true")
    with _serving_a_preview(show, "--drafts") as base:
        assert "Just Forgiving" in _fetch(base + "episodes/just-forgiving/")
        served = _fetch_bytes(base + "artwork.jpg")
        with Image.open(show.root / "artwork.jpg") as artwork:
            artwork.transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(show.root / "artwork.jpg", "JPEG")
        _until(lambda: _fetch_bytes(base + "artwork.jpg") != served, "new artwork did not reach the preview")
    assert show.run("serve", "--drafts").exit_code == 2  # drafts are for the preview only


def test_an_edit_made_before_the_watch_starts_is_seen(tmp_path: Path):
    """serve --watch looks at the sources before its first build; an edit during that build counts."""
    import threading

    from podcaster import watch

    notes = tmp_path / "episodes" / "one" / "episode.md"
    notes.parent.mkdir(parents=True)
    notes.write_text("first", encoding="utf-8")
    since = watch.snapshot([tmp_path / "episodes"])
    notes.write_text("edited while the first build ran", encoding="utf-8")
    changed, stop = threading.Event(), threading.Event()
    thread = threading.Thread(target=watch.poll, args=([tmp_path / "episodes"], since, changed.set, stop, 0.01))
    thread.start()
    try:
        assert changed.wait(5)
    finally:
        stop.set()
        thread.join()


def test_a_look_sees_every_visible_file_and_nothing_else(tmp_path: Path):
    from podcaster import watch

    config = tmp_path / "podcast.toml"
    config.write_text("title = 'x'", encoding="utf-8")
    episodes = tmp_path / "episodes"
    (episodes / "one" / "images").mkdir(parents=True)
    (episodes / "one" / "episode.md").write_text("notes", encoding="utf-8")
    (episodes / "one" / "images" / "cover.jpg").write_bytes(b"jpeg")
    (episodes / "one" / ".episode.md.swp").write_bytes(b"an editor's scratch file")
    (episodes / ".git").mkdir()
    (episodes / ".git" / "HEAD").write_text("ref", encoding="utf-8")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "big.wav").write_bytes(b"not the show's")
    (episodes / "linked").symlink_to(outside, target_is_directory=True)
    (episodes / "one" / "link.md").symlink_to(episodes / "one" / "episode.md")

    seen = watch.snapshot([config, episodes, tmp_path / "no-templates-here"])

    assert sorted(seen) == sorted(str(p) for p in [config, episodes / "one" / "episode.md",
                                                   episodes / "one" / "images" / "cover.jpg",
                                                   episodes / "one" / "link.md"])
    status = (episodes / "one" / "images" / "cover.jpg").stat()
    assert seen[str(episodes / "one" / "images" / "cover.jpg")] == (status.st_size, status.st_mtime_ns)
    (episodes / "one" / "images" / "cover.jpg").write_bytes(b"a new jpeg")
    assert watch.snapshot([config, episodes]) != seen


def test_a_file_that_vanishes_during_a_look_is_left_out(tmp_path: Path, monkeypatch):
    from podcaster import watch

    (tmp_path / "one.md").write_text("one", encoding="utf-8")
    (tmp_path / "gone.md").write_text("removed between the listing and its stat", encoding="utf-8")
    (tmp_path / ".hidden-root").mkdir()
    (tmp_path / ".hidden-root" / "x.md").write_text("x", encoding="utf-8")
    real_stat = os.stat

    def stat_after_removal(path, *args, **kwargs):
        if str(path).endswith("gone.md"):
            raise FileNotFoundError(path)
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(watch.os, "stat", stat_after_removal)
    seen = watch.snapshot([tmp_path, tmp_path / ".hidden-root", tmp_path / "missing-root"])
    assert sorted(seen) == [str(tmp_path / "one.md")]


class _Ticks:
    """A stop event that never waits: it records each wait asked for and stops after `count`."""

    def __init__(self, count: int) -> None:
        self.waits: list[float] = []
        self.count = count

    def wait(self, timeout: float) -> bool:
        self.waits.append(timeout)
        return len(self.waits) > self.count


def test_the_watch_waits_longer_after_a_costly_look_but_not_without_end(monkeypatch):
    from podcaster import watch

    cpu_seconds = iter([0.0, 0.05, 0.0, 0.0001, 0.0, 30.0])  # three looks: costly, cheap, very costly
    monkeypatch.setattr(watch.time, "thread_time", lambda: next(cpu_seconds))
    monkeypatch.setattr(watch, "snapshot", lambda roots: {})
    ticks = _Ticks(3)
    watch.poll([], {}, lambda: None, ticks, interval=0.1)
    assert ticks.waits == [0.1, pytest.approx(0.45), 0.1, 1.0]
