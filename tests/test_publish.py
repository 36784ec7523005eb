"""The foundation end to end: the sample show, published to a local folder, read by real feed parsers."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import feedparser
import podcastparser
from lxml import etree, html
from mutagen import File as MutagenFile

from podcaster.writer import STATE_FILE

from conftest import REPO, ShowCopy, build_cache_held

ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"


def _episode_folders(root: Path) -> list[Path]:
    return sorted(p for p in (root / "episodes").iterdir() if (p / "episode.md").is_file())


def _digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_publish_writes_feed_pages_and_audio_that_real_parsers_read(show: ShowCopy):
    result = show.run("publish")
    assert result.exit_code == 0, result.output
    public = show.published
    feed_bytes = (public / "feed.xml").read_bytes()

    parsed = feedparser.parse(feed_bytes)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.title == "Forgiveness: Talks from the Path"
    sample_count = len(_episode_folders(show.root))
    assert sample_count >= 8
    assert len(parsed.entries) == sample_count

    podcast = podcastparser.parse("http://127.0.0.1:8000/feed.xml", io.BytesIO(feed_bytes))
    assert len(podcast["episodes"]) == sample_count
    assert {e["guid"] for e in podcast["episodes"]} == {e.id for e in parsed.entries}

    for item in etree.fromstring(feed_bytes).iter("item"):
        enclosure = item.find("enclosure")
        key = enclosure.get("url").removeprefix("http://127.0.0.1:8000/")
        published_audio = public / key
        assert int(enclosure.get("length")) == published_audio.stat().st_size
        real = MutagenFile(published_audio)
        expected_type = {"MP3": "audio/mpeg", "MP4": "audio/x-m4a"}[type(real).__name__]
        assert enclosure.get("type") == expected_type
        assert int(item.find(f"{ITUNES}duration").text) == round(real.info.length)
        page = public / item.find("link").text.removeprefix("http://127.0.0.1:8000/") / "index.html"
        assert html.fromstring(page.read_bytes()).findtext(".//h1") == item.find("title").text

    assert "Forgiveness: Talks from the Path" in (public / "index.html").read_text(encoding="utf-8")
    assert (public / "artwork.jpg").read_bytes() == (show.root / "episodes" / "artwork.jpg").read_bytes()


def test_second_publish_copies_nothing_and_says_so(show: ShowCopy):
    first = show.run("publish")
    assert first.exit_code == 0, first.output
    assert "Published" in first.stdout
    before = {p: p.stat().st_mtime_ns for p in show.published.rglob("*") if p.is_file()}

    second = show.run("publish")
    assert second.exit_code == 0, second.output
    assert "Nothing changed" in second.stdout
    after = {p: p.stat().st_mtime_ns for p in show.published.rglob("*") if p.is_file()}
    assert after == before


def test_changing_one_episode_republishes_only_its_page_and_the_feed(show: ShowCopy):
    assert show.run("publish").exit_code == 0
    show.edit("episodes/just-forgiving/episode.md", "## In this episode", "## What we cover")
    result = show.run("-v", "publish")
    assert result.exit_code == 0, result.output
    uploaded = {line.removeprefix("uploading ") for line in result.stdout.splitlines() if line.startswith("uploading ")}
    assert uploaded == {"episodes/just-forgiving/index.html", "feed.xml"}


def test_the_producers_recordings_are_never_modified(show: ShowCopy):
    episodes = show.root / "episodes"
    before = _digests(episodes)
    stamps = {p: p.stat().st_mtime_ns for p in episodes.rglob("*") if p.is_file()}
    assert show.run("publish").exit_code == 0
    assert _digests(episodes) == before
    assert {p: p.stat().st_mtime_ns for p in episodes.rglob("*") if p.is_file()} == stamps


def test_published_audio_is_a_tagged_copy(show: ShowCopy):
    assert show.run("publish").exit_code == 0
    audio = show.published / "episodes/just-forgiving/just-forgiving.mp3"
    tags = MutagenFile(audio).tags
    assert str(tags["TIT2"]) == "Just Forgiving"
    assert str(tags["TPE1"]) == "Shaykh Abdul Rahim Reasat"
    assert str(tags["TALB"]) == "Forgiveness: Talks from the Path"
    assert str(tags["TRCK"]) == "2"
    assert tags.getall("APIC")[0].mime == "image/jpeg"
    assert [str(c.sub_frames["TIT2"]) for c in tags.getall("CHAP")][0] == "Opening"


def test_drafts_and_future_episodes_are_published_nowhere(show: ShowCopy):
    show.edit("episodes/just-forgiving/episode.md", "explicit: false", "explicit: false\ndraft: true")
    show.edit("episodes/will-allah-forgive-me/episode.md", "date: 20", "date: 29")
    result = show.run("publish")
    assert result.exit_code == 0, result.output
    feed = (show.published / "feed.xml").read_text(encoding="utf-8")
    assert "Just Forgiving" not in feed and "Will Allah Forgive Me" not in feed
    for folder in (show.output, show.published):
        assert not (folder / "episodes" / "just-forgiving").exists()
        assert not (folder / "episodes" / "will-allah-forgive-me").exists()
    assert "Just Forgiving" not in (show.published / "index.html").read_text(encoding="utf-8")


def test_unpublishing_an_episode_removes_it_from_the_build_and_the_feed(show: ShowCopy):
    assert show.run("publish").exit_code == 0
    show.edit("episodes/just-forgiving/episode.md", "explicit: false", "explicit: false\ndraft: true")
    result = show.run("publish")
    assert result.exit_code == 0
    # Said of the build's folder, which this is, not of the target, where the files stay without --prune.
    audio = show.output / "episodes/just-forgiving/just-forgiving.mp3"
    assert f"removed {audio} from the build (no longer part of the site)" in result.stdout.splitlines()
    assert "Just Forgiving" not in (show.published / "feed.xml").read_text(encoding="utf-8")
    assert not (show.output / "episodes" / "just-forgiving").exists()


def _guids(feed: Path) -> dict[str, str]:
    root = etree.parse(str(feed))
    return {item.findtext("title"): item.findtext("guid") for item in root.iter("item")}


def test_guids_survive_slug_renames_new_audio_and_a_new_base_url(show: ShowCopy, tmp_path: Path):
    assert show.run("build").exit_code == 0
    original = _guids(show.output / "feed.xml")
    episodes = show.root / "episodes"
    (episodes / "just-forgiving").rename(episodes / "just-forgiving-renamed")
    replacement = episodes / "will-allah-forgive-me" / "episode.mp3"
    replacement.write_bytes((episodes / "the-art-of-prophetic-forgiveness" / "episode.mp3").read_bytes())
    show.edit("podcast.toml", 'public_url = "http://127.0.0.1:8000/"', 'public_url = "https://cdn.example.org/show"')
    assert show.run("build").exit_code == 0
    assert _guids(show.output / "feed.xml") == original
    assert 'isPermaLink="false"' in (show.output / "feed.xml").read_text(encoding="utf-8")


def test_publish_target_override_for_one_run(show: ShowCopy, tmp_path: Path):
    elsewhere = tmp_path / "elsewhere"
    result = show.run("publish", "--target", f"file://{elsewhere}")
    assert result.exit_code == 0, result.output
    assert (elsewhere / "feed.xml").is_file()
    assert not show.published.exists()
    manifest = json.loads((elsewhere / ".podcaster-manifest.json").read_text())
    assert manifest["files"]["feed.xml"]["sha256"] == hashlib.sha256((elsewhere / "feed.xml").read_bytes()).hexdigest()


def test_readme_first_command_publishes_the_sample_show(tmp_path: Path):
    """The README's first command, on a copy of the repository, with the installed console script."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "pip install . && podcaster publish && podcaster serve" in readme
    show = tmp_path / "clone"
    show.mkdir()
    for name in ("podcast.toml", "episodes"):
        source = REPO / name
        (subprocess.run(["cp", "-r", str(source), str(show / name)], check=True))
    script = Path(sys.executable).parent / "podcaster"
    result = subprocess.run([str(script), "publish"], cwd=show, capture_output=True, text=True,
                            env={**os.environ, "NO_COLOR": "1"})
    assert result.returncode == 0, result.stderr
    assert "Published" in result.stdout
    assert (show / "public" / "feed.xml").is_file()
    assert (show / "public" / "index.html").is_file()
    assert len(list((show / "public" / "episodes").glob("*/*.m*"))) >= 8


def test_rendered_notes_are_cached_beside_the_build_and_pruned(show: ShowCopy):
    import sqlite3

    assert show.run("build").exit_code == 0
    cache = show.output / ".podcaster-cache.sqlite"
    count = lambda table="notes": sqlite3.connect(cache).execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: E731
    published = len(_episode_folders(show.root))
    assert count() == 2 * published  # each episode's notes: on its page (timestamps linked) and in the feed
    assert count("items") == published
    show.edit("episodes/just-forgiving/episode.md", "## In this episode", "## What we cover")
    assert show.run("build").exit_code == 0
    assert "What we cover" in (show.output / "episodes/just-forgiving/index.html").read_text(encoding="utf-8")
    # The old rendering of the edited notes and feed item is gone; the other episodes' stay, though
    # this build did not need their notes (their pages were as they should be).
    assert count() == 2 * published
    assert count("items") == published
    assert b"podcaster-cache" not in (show.output / STATE_FILE).read_bytes()


def test_a_damaged_build_cache_is_rebuilt(show: ShowCopy):
    assert show.run("build").exit_code == 0
    page = (show.output / "episodes/just-forgiving/index.html").read_bytes()
    (show.output / ".podcaster-cache.sqlite").write_bytes(b"not a database at all" * 100)
    result = show.run("build")
    assert result.exit_code == 0, result.output
    assert (show.output / "episodes/just-forgiving/index.html").read_bytes() == page


def test_a_build_cache_held_by_another_build_is_done_without(show: ShowCopy):
    assert show.run("build").exit_code == 0
    page = (show.output / "episodes/just-forgiving/index.html").read_bytes()
    show.edit("episodes/just-forgiving/episode.md", "## In this episode", "## What we cover")
    with build_cache_held(show):
        result = show.run("build")
    assert result.exit_code == 0, result.output
    assert "build cache" in result.stderr and "busy" in result.stderr
    rebuilt = (show.output / "episodes/just-forgiving/index.html").read_bytes()
    assert rebuilt != page and b"What we cover" in rebuilt


def test_a_publish_whose_reader_stops_early_still_finishes(show: ShowCopy):
    """`podcaster publish | head -1`: the pipe closes after the first line, and the publish goes on."""
    script = Path(sys.executable).parent / "podcaster"
    process = subprocess.Popen([str(script), "publish"], cwd=show.root, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    assert process.stdout.readline()
    process.stdout.close()  # as head does once it has its line
    stderr = process.stderr.read()
    assert process.wait(timeout=120) == 0, stderr
    process.stderr.close()
    assert stderr == ""
    site = {key: digest for key, digest in _digests(show.output).items() if not key.startswith(".podcaster")}
    published = _digests(show.published)
    assert published.pop(".podcaster-manifest.json")
    assert published == site


def test_a_build_waits_while_another_command_writes_the_output_folder(show: ShowCopy):
    """A build during a publish's upload would change files under it: it waits for the publish."""
    import fcntl
    import os
    import subprocess
    import sys
    import time

    assert show.run("-q", "build").exit_code == 0
    show.edit("episodes/just-forgiving/episode.md", 'title: "Just Forgiving"', 'title: "Just Forgiving, again"')
    page = show.output / "episodes/just-forgiving/index.html"
    with (show.output / ".podcaster-lock").open("a+b") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # as a running publish holds it
        waiting = subprocess.Popen([str(Path(sys.executable).parent / "podcaster"), "--config", str(show.config),
                                    "build"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   env={**os.environ, "NO_COLOR": "1"})
        time.sleep(3)
        assert waiting.poll() is None
        assert b"Just Forgiving, again" not in page.read_bytes()
    _, stderr = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, stderr
    assert (f"Warning: another podcaster build, tag or publish is writing {show.output}; "
            "waiting for it to finish") in stderr
    assert b"Just Forgiving, again" in page.read_bytes()
