"""A rebuild redoes only what a change touched, and always ends with the site a fresh build would make."""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import io
import itertools
import json
import os
import pickle
import shutil
import sqlite3
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2
import pytest
from PIL import Image

from conftest import REPO, ShowCopy, site_files
from podcaster import cache as cache_module, episodes, ffmpeg, pipeline, writer as writer_module
from podcaster.cache import CACHE_FILE, BuildCache
from podcaster.errors import EpisodeError, RenderError, Report
from podcaster.render import feed, pages
from podcaster.render.pages import SiteImage
from podcaster.writer import STATE_FILE, Reused, SiteWriter



def _same_as_a_fresh_build(show: ShowCopy) -> None:
    built = site_files(show.output)
    shutil.rmtree(show.output)
    assert show.run("build").exit_code == 0
    assert site_files(show.output) == built


def test_editing_one_episode_rewrites_its_page_and_the_feed_only(show: ShowCopy):
    assert show.run("build").exit_code == 0
    show.edit("episodes/just-forgiving/episode.md", "## In this episode", "## What we cover")
    rebuilt = pipeline.build(show.config)
    assert sorted(rebuilt.changed) == ["episodes/just-forgiving/index.html", "feed.xml"]
    assert "What we cover" in (show.output / "episodes/just-forgiving/index.html").read_text(encoding="utf-8")
    _same_as_a_fresh_build(show)


def test_a_new_episode_leaves_the_older_pages_of_each_list_alone(show: ShowCopy):
    with show.config.open("a", encoding="utf-8") as config:
        config.write("\n[site]\npage_size = 4\n")
    assert show.run("build").exit_code == 0
    oldest_page = (show.output / "archive/1/index.html").read_bytes()
    _add_a_later_talk(show)
    rebuilt = pipeline.build(show.config)
    assert "episodes/a-later-talk/index.html" in rebuilt.changed and "feed.xml" in rebuilt.changed
    assert "archive/index.html" in rebuilt.changed and "archive/1/index.html" not in rebuilt.changed
    assert (show.output / "archive/1/index.html").read_bytes() == oldest_page
    unchanged_pages = [key for key in rebuilt.files if key.endswith("index.html") and key not in rebuilt.changed]
    assert len(unchanged_pages) > len(rebuilt.files) // 10  # most pages did not move
    _same_as_a_fresh_build(show)


def _add_a_later_talk(show: ShowCopy) -> None:
    """A copy of an episode as a new one, dated after every other: same speakers, same series."""
    folder = show.root / "episodes/just-forgiving"
    new = folder.with_name("a-later-talk")
    shutil.copytree(folder, new)
    text = (new / "episode.md").read_text(encoding="utf-8")
    text = text.replace('title: "Just Forgiving"', 'title: "A Later Talk"')
    text = text.replace('guid: "2b1396e7-f783-40ed-b366-baaee7315a21"', 'guid: "0b3b8d7e-4d55-4d1f-9a36-8b4f3fd1a001"')
    text = text.replace("date: 2017-06-01", "date: 2025-06-01").replace("number: 2\n", "number: 99\n")
    assert "A Later Talk" in text and "0b3b8d7e" in text and "2025-06-01" in text and "number: 99" in text
    (new / "episode.md").write_text(text, encoding="utf-8")


def test_a_template_change_reaches_every_page(show: ShowCopy):
    assert show.run("build").exit_code == 0
    templates = show.root / "templates"
    templates.mkdir()
    (templates / "base.html").write_text(
        (Path(pipeline.__file__).resolve().parents[2] / "templates" / "base.html").read_text(encoding="utf-8")
        .replace("</body>", "<!-- made by our own template -->\n</body>"), encoding="utf-8")
    rebuilt = pipeline.build(show.config)
    pages = [key for key in rebuilt.files if key.endswith("index.html") or key == "404.html"]
    assert pages and all(key in rebuilt.changed for key in pages)
    assert all("made by our own template" in (show.output / key).read_text(encoding="utf-8") for key in pages)


def test_templates_compiled_by_a_build_serve_the_next_until_they_change(show: ShowCopy, monkeypatch: pytest.MonkeyPatch):
    """The build cache keeps the compiled templates, through builds that use some of them or none; a
    show template added or edited since is compiled again, and its pages say what it says now."""
    compiled: list[str] = []
    compile_template = jinja2.Environment.compile

    def compile_and_note(environment, source, name=None, filename=None, raw=False, defer_init=False):
        compiled.append(name)
        return compile_template(environment, source, name, filename, raw, defer_init)

    monkeypatch.setattr(jinja2.Environment, "compile", compile_and_note)
    assert show.run("build").exit_code == 0
    assert "episode.html" in compiled and "base.html" in compiled
    default_page = (show.output / "episodes/just-forgiving/index.html").read_text(encoding="utf-8")
    compiled.clear()
    templates = show.root / "templates"
    templates.mkdir()
    base = (REPO / "templates" / "base.html").read_text(encoding="utf-8")
    (templates / "base.html").write_text(base.replace("</body>", "<!-- first version -->\n</body>"), encoding="utf-8")
    assert pipeline.build(show.config).changed
    assert compiled == ["base.html"]  # the show's own; the others as the first build compiled them
    compiled.clear()
    assert pipeline.build(show.config).changed == []
    show.edit("episodes/just-forgiving/episode.md", "## Verses mentioned", "## The verses")
    rebuilt = pipeline.build(show.config)
    assert "episodes/just-forgiving/index.html" in rebuilt.changed
    assert compiled == []
    (templates / "base.html").write_text(base.replace("</body>", "<!-- second version -->\n</body>"), encoding="utf-8")
    pipeline.build(show.config)
    assert compiled == ["base.html"]
    page = (show.output / "episodes/just-forgiving/index.html").read_text(encoding="utf-8")
    assert "second version" in page and "first version" not in page
    compiled.clear()
    # The default base.html, compiled by the first build, was kept by the builds that compiled the show's.
    (templates / "base.html").unlink()
    show.edit("episodes/just-forgiving/episode.md", "## The verses", "## Verses mentioned")
    pipeline.build(show.config)
    assert compiled == []
    assert (show.output / "episodes/just-forgiving/index.html").read_text(encoding="utf-8") == default_page


def test_a_damaged_compiled_template_is_compiled_again(show: ShowCopy):
    assert show.run("build").exit_code == 0
    page = (show.output / "episodes/just-forgiving/index.html").read_text(encoding="utf-8")
    with sqlite3.connect(show.output / CACHE_FILE) as connection:
        damaged = pickle.dumps(jinja2.bccache.bc_magic + b"not what jinja2 wrote")
        assert connection.execute("UPDATE templates SET value = ?", (damaged,)).rowcount > 0
    show.edit("podcast.toml", 'title = "', 'title = "The ')  # every page is rendered again
    assert show.run("build").exit_code == 0
    assert (show.output / "episodes/just-forgiving/index.html").read_text(encoding="utf-8") != page
    show.edit("podcast.toml", 'title = "The ', 'title = "')
    assert show.run("build").exit_code == 0
    assert (show.output / "episodes/just-forgiving/index.html").read_text(encoding="utf-8") == page


def test_new_audio_under_the_same_name_is_probed_again(show: ShowCopy):
    assert show.run("build").exit_code == 0
    audio = show.root / "episodes/will-allah-forgive-me/episode.mp3"
    longer = show.root / "episodes/just-forgiving/episode.mp3"
    assert longer.stat().st_size > audio.stat().st_size
    shutil.copyfile(longer, audio)
    rebuilt = pipeline.build(show.config)
    episode = next(e for e in rebuilt.loaded.episodes if e.slug == "will-allah-forgive-me")
    assert episode.audio_info.size == longer.stat().st_size
    feed = (show.output / "feed.xml").read_text(encoding="utf-8")
    assert f'length="{rebuilt.files["episodes/will-allah-forgive-me/will-allah-forgive-me.mp3"].size}"' in feed
    _same_as_a_fresh_build(show)


def test_a_config_change_reaches_every_page_and_the_feed(show: ShowCopy):
    assert show.run("build").exit_code == 0
    show.edit("podcast.toml", 'title = "Forgiveness: Talks from the Path"', 'title = "Forgiveness, Retold"')
    rebuilt = pipeline.build(show.config)
    for key in [k for k in rebuilt.files if k.endswith("index.html") or k == "404.html"] + ["feed.xml"]:
        assert "Forgiveness, Retold" in (show.output / key).read_text(encoding="utf-8"), key
    _same_as_a_fresh_build(show)


def test_an_altered_file_of_an_unchanged_episode_is_made_again_alone(show: ShowCopy):
    assert show.run("build").exit_code == 0
    built = site_files(show.output)
    (show.output / "episodes/just-forgiving/chapters.json").write_text("{}", encoding="utf-8")
    with (show.output / "episodes/about-this-series/about-this-series.mp3").open("ab") as audio:
        audio.write(b"\0")
    rebuilt = pipeline.build(show.config)
    assert sorted(rebuilt.changed) == ["episodes/about-this-series/about-this-series.mp3",
                                       "episodes/just-forgiving/chapters.json"]
    assert site_files(show.output) == built


def test_new_show_artwork_is_tagged_into_the_audio_of_episodes_without_a_cover(show: ShowCopy):
    assert show.run("build").exit_code == 0
    Image.new("RGB", (1400, 1400), "navy").save(show.root / "episodes/artwork.jpg", "JPEG")
    rebuilt = pipeline.build(show.config)
    tagged = [key for key in rebuilt.changed if key.endswith((".mp3", ".m4a", ".opus"))]
    assert tagged == ["episodes/about-this-series/about-this-series.mp3",
                      "episodes/about-this-series/alternates/episode.opus"]
    _same_as_a_fresh_build(show)


def test_a_broken_episode_leaves_no_cache_behind_on_a_first_build(show: ShowCopy):
    show.edit("episodes/just-forgiving/episode.md", 'title: "Just Forgiving"', "title: [")
    assert show.run("build").exit_code == 1
    assert not (show.output / CACHE_FILE).exists()


def test_a_lost_cache_or_state_changes_nothing(show: ShowCopy):
    assert show.run("build").exit_code == 0
    built = site_files(show.output)
    (show.output / CACHE_FILE).unlink()
    (show.output / STATE_FILE).unlink()
    rebuilt = pipeline.build(show.config)
    assert site_files(show.output) == built
    assert not [key for key in rebuilt.changed if key.endswith(".html") or key.endswith(".xml")]


@pytest.mark.parametrize("damage", [b"", b"not a pickle", pickle.dumps(("some other program's state", 1))])
def test_a_damaged_state_is_replaced_and_the_site_rebuilt_the_same(show: ShowCopy, damage: bytes):
    assert show.run("build").exit_code == 0
    built = site_files(show.output)
    (show.output / STATE_FILE).write_bytes(damage)
    result = show.run("build")
    assert result.exit_code == 0, result.output
    assert site_files(show.output) == built
    assert pipeline.build(show.config).changed == []  # the state was saved again, whole


def test_the_state_an_earlier_podcaster_left_as_json_is_taken_over(show: ShowCopy):
    """Before the state was pickled, it was JSON: an upgrade must not tag every recording again."""
    assert show.run("build").exit_code == 0
    audio = sorted(show.output.glob("episodes/*/*.mp3"))
    tagged_at = [path.stat().st_mtime_ns for path in audio]
    state = SiteWriter(show.output)
    as_json = {
        "version": 2,
        # As that podcaster wrote them: the files it hashed but did not render had no inputs.
        "files": {key: {"sha256": entry.sha256, "size": entry.size, "stat": list(entry.stat),
                        **({"inputs": entry.inputs} if entry.inputs else {})}
                  for key, entry in state._previous_files.items()},
        "derived": {key: {"source": list(entry.source), "recipe": entry.recipe, "output": list(entry.output)}
                    for key, entry in state._previous_derived.items()},
        "groups": {key: {"inputs": entry.inputs, "keys": list(entry.keys)} for key, entry in state._previous_groups.items()},
    }
    assert as_json["derived"] and as_json["groups"]
    assert any("inputs" not in entry for entry in as_json["files"].values())
    (show.output / STATE_FILE).unlink()
    (show.output / ".podcaster-build.json").write_text(json.dumps(as_json), encoding="utf-8")

    assert pipeline.build(show.config).changed == []  # nothing to do: but the state is saved anew
    assert (show.output / STATE_FILE).is_file() and not (show.output / ".podcaster-build.json").exists()
    assert [path.stat().st_mtime_ns for path in audio] == tagged_at
    show.edit("episodes/just-forgiving/episode.md", "## In this episode", "## What we cover")
    assert sorted(pipeline.build(show.config).changed) == ["episodes/just-forgiving/index.html", "feed.xml"]


def test_the_notes_cache_an_earlier_podcaster_left_is_removed_by_a_build(show: ShowCopy):
    assert show.run("build").exit_code == 0
    left = [show.output / name for name in (".podcaster-notes.sqlite", ".podcaster-notes.sqlite-wal")]
    for path in left:
        path.write_bytes(b"SQLite format 3\0")
    assert show.run("check").exit_code == 0  # only reads
    assert all(path.exists() for path in left)
    assert show.run("build").exit_code == 0
    assert not any(path.exists() for path in left)


def test_pages_are_the_same_when_only_a_few_cards_are_kept(show: ShowCopy, monkeypatch: pytest.MonkeyPatch):
    assert show.run("build").exit_code == 0
    built = site_files(show.output)
    shutil.rmtree(show.output)
    monkeypatch.setattr(pages, "CARDS_KEPT", 1)  # every card shown twice is made again
    pipeline.build(show.config)
    assert site_files(show.output) == built


def test_announcing_a_live_stream_leaves_the_episode_pages_alone(show: ShowCopy):
    from datetime import datetime, timezone

    assert show.run("build").exit_code == 0
    pipeline.announce_live(show.config, "Ask us anything", start=datetime(2030, 1, 1, 18, tzinfo=timezone.utc),
                           stream_url="https://stream.example.org/live.mp3")
    rebuilt = pipeline.build(show.config)
    assert "live/index.html" in rebuilt.changed and "feed.xml" in rebuilt.changed
    assert not [key for key in rebuilt.changed if key.startswith("episodes/")]
    _same_as_a_fresh_build(show)


def test_a_serial_lists_own_page_keeps_its_count(show: ShowCopy):
    show.edit("podcast.toml", 'type = "episodic"', 'type = "serial"')
    with show.config.open("a", encoding="utf-8") as config:
        config.write("\n[site]\npage_size = 4\n")
    result = show.run("build")
    assert result.exit_code == 0, result.output
    count = len(pipeline.load(show.config).published)
    assert f"{count} episodes of" in (show.output / "archive/index.html").read_text(encoding="utf-8")
    # A new episode is not on a serial list's own page (which starts at the first), but its count is.
    _add_a_later_talk(show)
    rebuilt = pipeline.build(show.config)
    assert "A Later Talk" not in (show.output / "archive/index.html").read_text(encoding="utf-8")
    assert f"{count + 1} episodes of" in (show.output / "archive/index.html").read_text(encoding="utf-8")
    assert "archive/index.html" in rebuilt.changed
    _same_as_a_fresh_build(show)


def test_notes_a_link_title_cannot_cut_the_feed(show: ShowCopy):
    from lxml import etree

    hostile = '[a link](https://example.org/ "one\n    </item>\n    <item>\ntwo")'
    show.edit("episodes/just-forgiving/episode.md", "## In this episode", f"{hostile}\n\n## In this episode")
    assert show.run("build").exit_code == 0
    items = etree.parse(str(show.output / "feed.xml")).getroot().findall("channel/item")
    assert len(items) == len(pipeline.load(show.config).published)
    content = next(i for i in items if i.findtext("title") == "Just Forgiving").findtext(
        "{http://purl.org/rss/1.0/modules/content/}encoded")
    # Kept as text, inside the one item (the paragraph's lines lose their indentation, as CommonMark says).
    assert 'title="one\n&lt;/item&gt;\n&lt;item&gt;\ntwo"' in content


def test_episodes_sharing_a_cover_get_the_same_pictures_and_an_edited_cover_its_own(show: ShowCopy):
    shared = show.root / "episodes/just-forgiving/cover.jpg"
    shutil.copyfile(shared, show.root / "episodes/will-allah-forgive-me/cover.jpg")
    assert show.run("build").exit_code == 0
    for size in (150, 300, 600):
        first = (show.output / f"episodes/just-forgiving/cover-{size}.webp").read_bytes()
        assert (show.output / f"episodes/will-allah-forgive-me/cover-{size}.webp").read_bytes() == first
        with Image.open(io.BytesIO(first)) as picture:
            assert (picture.format, picture.size) == ("WEBP", (size, size))
    with Image.open(shared) as image:
        image.transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(shared, "JPEG")
    rebuilt = pipeline.build(show.config)
    assert "episodes/just-forgiving/cover-600.webp" in rebuilt.changed
    assert "episodes/will-allah-forgive-me/cover-600.webp" not in rebuilt.changed
    assert ((show.output / "episodes/just-forgiving/cover-600.webp").read_bytes()
            != (show.output / "episodes/will-allah-forgive-me/cover-600.webp").read_bytes())
    _same_as_a_fresh_build(show)


def test_the_scratch_folder_a_killed_build_left_goes_and_a_running_builds_stays(show: ShowCopy):
    assert show.run("build").exit_code == 0
    abandoned, running = show.output / ".podcaster-pictures-killed", show.output / ".podcaster-pictures-running"
    for scratch in (abandoned, running):
        scratch.mkdir()
        (scratch / "0.part").write_bytes(b"RIFF half a picture")
    two_days_ago = os.stat(abandoned).st_mtime - 2 * 24 * 3600
    os.utime(abandoned, (two_days_ago, two_days_ago))
    assert show.run("build").exit_code == 0
    assert not abandoned.exists()
    assert (running / "0.part").read_bytes() == b"RIFF half a picture"
    assert [p.name for p in show.output.glob(".podcaster-pictures-*")] == [running.name]  # its own is gone


def test_a_picture_is_made_from_its_own_cover_when_a_shared_one_changed_while_queued(tmp_path: Path):
    # Two covers with the same bytes are queued as one job; the first is edited before the job
    # runs. Each picture must still show its own cover as it is now.
    first, second = tmp_path / "first.jpg", tmp_path / "second.jpg"
    Image.new("RGB", (800, 800), "navy").save(first, "JPEG")
    shutil.copyfile(first, second)
    content = hashlib.sha256(first.read_bytes()).hexdigest()
    Image.new("RGB", (800, 800), "orange").save(first, "JPEG")
    group = [SiteImage("a/cover-150.webp", first, 150, "WEBP"), SiteImage("b/cover-150.webp", second, 150, "WEBP")]
    scratch = [tmp_path / "a.part", tmp_path / "b.part"]
    pipeline._SiteImages._make(group, content, scratch)
    for path, colour in zip(scratch, [(255, 165, 0), (0, 0, 128)]):
        with Image.open(path) as picture:
            assert picture.size == (150, 150)
            assert all(abs(got - wanted) < 16 for got, wanted in zip(picture.convert("RGB").getpixel((75, 75)), colour))


def test_episodes_come_back_from_the_cache_as_they_went_in(tmp_path: Path):
    report = Report()
    loaded = episodes.load_all(REPO / "episodes", report)
    assert len(loaded) > 5 and any(e.chapters for e in loaded) and any(e.transcripts for e in loaded)
    cache = BuildCache(tmp_path / "cache.sqlite")
    cache.begin_writing()
    for number, episode in enumerate(loaded):
        cache.put("episodes", str(number), (episode, episode.source))
    cache.close(finished=False)
    again = BuildCache(tmp_path / "cache.sqlite")
    assert [again.get("episodes", str(number)) for number in range(len(loaded))] == \
        [(episode, episode.source) for episode in loaded]
    again.close(finished=False)


def _whole(episode) -> list:
    return [getattr(episode, field.name) for field in dataclasses.fields(episode)]


def _read_whole(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The slugs of the episodes taken from the cache that a build then read whole, as it reads them."""
    slugs: list[str] = []
    fill = episodes._Bodies.fill

    def counted(self, episode):
        slugs.append(episode.slug)
        fill(self, episode)

    monkeypatch.setattr(episodes._Bodies, "fill", counted)
    return slugs


def _cache_only(self, episode):
    raise AssertionError(f"{episode.slug} was loaded again from its files, not taken from the build cache")


@pytest.mark.parametrize("variant", ["episodic", "serial", "without ffmpeg", "with an episode in the future"])
def test_a_rebuild_reads_whole_only_the_episodes_it_shows_again(show: ShowCopy, monkeypatch: pytest.MonkeyPatch,
                                                                 variant: str):
    with show.config.open("a", encoding="utf-8") as config:
        config.write("\n[site]\npage_size = 2\n")
    if variant == "serial":  # every full episode then needs a number, which each build checks
        show.edit("podcast.toml", 'type = "episodic"', 'type = "serial"')
    if variant == "with an episode in the future":  # it is logged as held back on every build
        show.edit("episodes/will-allah-forgive-me/episode.md", "date: 2017-06-21", "date: 2099-06-21")
    if variant == "without ffmpeg":  # then each build looks for chapters in M4A audio
        monkeypatch.setattr(ffmpeg, "available", lambda tool="ffmpeg": False)
    assert show.run("build").exit_code == 0
    fresh = {episode.slug: _whole(episode) for episode in pipeline.load(show.config).episodes}
    show.edit("episodes/just-forgiving/episode.md", "## In this episode", "## What we cover")
    read_whole = _read_whole(monkeypatch)
    monkeypatch.setattr(episodes._Bodies, "_loaded_again", _cache_only)
    rebuilt = pipeline.build(show.config)
    assert all(isinstance(e, episodes.StoredEpisode) for e in rebuilt.loaded.episodes if e.slug != "just-forgiving")
    # Its neighbours and the episodes that share a list page with it, not the whole show.
    assert read_whole and len(read_whole) < len(fresh) - 1
    assert "will-allah-forgive-me" not in read_whole or variant != "with an episode in the future"
    assert sorted(rebuilt.changed) == ["episodes/just-forgiving/index.html", "feed.xml"]
    # Asked for, every field is there, as a fresh load makes it (the cache is closed by now).
    again = {episode.slug: _whole(episode) for episode in rebuilt.loaded.episodes}
    assert {slug: fields for slug, fields in again.items() if slug != "just-forgiving"} == \
        {slug: fields for slug, fields in fresh.items() if slug != "just-forgiving"}
    # The build after keeps every episode's entries, those it did not read whole too.
    assert pipeline.build(show.config).changed == []
    with sqlite3.connect(show.output / CACHE_FILE) as connection:
        assert connection.execute("SELECT count(*) FROM bodies").fetchone() == (len(fresh),)
    _same_as_a_fresh_build(show)


def test_a_stored_episode_keeps_what_its_properties_say_and_a_copy_of_it_works_them_out(
        show: ShowCopy, monkeypatch: pytest.MonkeyPatch):
    """What a stored episode keeps of its properties (the extension of its audio, its timestamp, its
    date in ISO 8601), its audio's path and facts are what a fresh load works out, without reading
    the episode whole; an episode made from its fields (by `replace`, or unpickled) works them out again."""
    assert show.run("build").exit_code == 0
    fresh = {episode.slug: episode for episode in pipeline.load(show.config).episodes}
    with cache_module.opened(show.output, read_only=True) as build_cache:
        stored = pipeline.load(show.config, cache=build_cache).episodes
    assert stored and all(isinstance(episode, episodes.StoredEpisode) for episode in stored)

    def kept(episode) -> tuple:
        return (episode.audio_extension, episode.timestamp, episode.iso_date, episode.order(), episode.audio,
                episode.audio_info)

    def read_whole(self, episode):
        raise AssertionError(f"{episode.slug} was read whole")

    with monkeypatch.context() as patched:
        patched.setattr(episodes._Bodies, "fill", read_whole)
        for episode in stored:
            assert kept(episode) == kept(fresh[episode.slug])
            assert type(episode.audio) is type(fresh[episode.slug].audio)
    for episode in stored:
        for copy in [dataclasses.replace(episode, guid=episode.guid), pickle.loads(cache_module._pickled(episode))]:
            assert kept(copy) == kept(fresh[episode.slug])


def test_a_template_change_reads_the_cached_episodes_whole_at_once(show: ShowCopy, monkeypatch: pytest.MonkeyPatch):
    assert show.run("build").exit_code == 0
    monkeypatch.setattr(episodes._Bodies, "_ONE_AT_A_TIME", 2)
    read_whole = _read_whole(monkeypatch)
    show.edit("podcast.toml", 'title = "Forgiveness: Talks from the Path"', 'title = "Forgiveness, Retold"')
    rebuilt = pipeline.build(show.config)
    assert len(read_whole) == 3  # two one at a time, then all the others together
    assert all("Forgiveness, Retold" in (show.output / key).read_text(encoding="utf-8")
               for key in rebuilt.files if key.endswith("index.html"))
    _same_as_a_fresh_build(show)


def test_an_episode_gone_from_the_cache_is_read_again_from_its_files(show: ShowCopy):
    assert show.run("build").exit_code == 0
    fresh = {episode.slug: _whole(episode) for episode in pipeline.load(show.config).episodes}
    loaded = pipeline.check(show.config)
    with sqlite3.connect(show.output / CACHE_FILE) as connection:
        connection.execute("DELETE FROM bodies")
    assert {episode.slug: _whole(episode) for episode in loaded.episodes} == fresh

    # Unless its files changed since the build read them: then it is not the episode the build had.
    loaded = pipeline.check(show.config)
    with sqlite3.connect(show.output / CACHE_FILE) as connection:
        connection.execute("DELETE FROM bodies")
    show.edit("episodes/just-forgiving/episode.md", "## In this episode", "## What we cover")
    episode = next(e for e in loaded.episodes if e.slug == "just-forgiving")
    with pytest.raises(EpisodeError, match="just-forgiving/episode.md: changed since the build read it; build again"):
        episode.title
    with pytest.raises(EpisodeError, match="changed since the build read it"):  # asked again, the same answer
        episode.summary
    assert _whole(next(e for e in loaded.episodes if e.slug == "about-this-series")) == fresh["about-this-series"]

    # Or its folder is gone.
    loaded = pipeline.check(show.config)
    with sqlite3.connect(show.output / CACHE_FILE) as connection:
        connection.execute("DELETE FROM bodies")
    shutil.rmtree(show.root / "episodes/will-allah-forgive-me")
    episode = next(e for e in loaded.episodes if e.slug == "will-allah-forgive-me")
    with pytest.raises(EpisodeError, match="will-allah-forgive-me/episode.md: cannot be read any more .*; put it back"):
        episode.title


def test_a_cache_that_gives_up_mid_build_costs_only_the_episodes_asked_for(show: ShowCopy,
                                                                            monkeypatch: pytest.MonkeyPatch):
    assert show.run("build").exit_code == 0
    loaded_again: list[str] = []
    load_again = episodes._Bodies._loaded_again
    monkeypatch.setattr(episodes._Bodies, "_loaded_again",
                        lambda self, episode: loaded_again.append(episode.slug) or load_again(self, episode))
    with cache_module.opened(show.output) as build_cache:
        loaded = pipeline.load(show.config, cache=build_cache)
        build_cache._give_up(sqlite3.OperationalError("database is locked"))  # as when another build holds it
        episode = loaded.episodes[0]
        assert isinstance(episode, episodes.StoredEpisode)
        assert episode.title  # read again from its files, alone: the build is not over
        assert loaded_again == [episode.slug]


def test_an_entry_a_build_only_looked_for_is_kept(tmp_path: Path):
    first = BuildCache(tmp_path / "cache.sqlite")
    first.begin_writing()
    first.put("feeds", "looked-for", "the feed as built")
    first.put("feeds", "unused", "an older feed")
    first.close(finished=True)
    second = BuildCache(tmp_path / "cache.sqlite")
    second.begin_writing()
    assert second.present("feeds", ["looked-for", "never-stored"]) == {"looked-for"}
    second.close(finished=True)
    third = BuildCache(tmp_path / "cache.sqlite")
    assert third.get("feeds", "looked-for") == "the feed as built"
    assert third.get("feeds", "unused") is None
    third.close(finished=False)


def test_lasting_entries_outlive_builds_that_do_not_use_them_or_make_others(tmp_path: Path):
    """A compiled template is kept by a build that renders no page with it, even one that compiles
    another; what an older podcaster kept as lasting goes once unused."""
    first = BuildCache(tmp_path / "cache.sqlite")
    first.begin_writing()
    first.put("templates", "404.html", b"compiled", cache_module.LASTING)
    first.put("templates", "by older code", b"compiled", "lasting " + "0" * 64)
    first.close(finished=True)
    second = BuildCache(tmp_path / "cache.sqlite")
    second.begin_writing()
    second.put("templates", "base.html", b"compiled again", cache_module.LASTING)
    second.close(finished=True)
    third = BuildCache(tmp_path / "cache.sqlite")
    assert third.get("templates", "404.html") == b"compiled"
    assert third.get("templates", "base.html") == b"compiled again"
    assert third.get("templates", "by older code") is None
    third.close(finished=False)


def test_the_next_build_reads_the_last_feed_from_the_cache(show: ShowCopy, monkeypatch: pytest.MonkeyPatch):
    assert show.run("build").exit_code == 0

    def made_again(*args):
        raise AssertionError("the feed's record was made again, though the feed had not changed")

    def read_again(folder: Path):
        raise AssertionError("the earlier feed was parsed again, though the cache had it")

    with monkeypatch.context() as unchanged:
        unchanged.setattr(feed, "published", made_again)
        assert pipeline.build(show.config).changed == []
    # The record the build before last made, and the last one only looked for, is still there.
    monkeypatch.setattr(feed, "read_published", read_again)
    show.edit("episodes/just-forgiving/episode.md", 'title: "Just Forgiving"', 'title: "Just Forgiving, Again"')
    assert "feed.xml" in pipeline.build(show.config).changed
    assert pipeline.build(show.config).changed == []


def test_audio_retagged_by_tag_is_made_again_when_its_episode_goes_back(show: ShowCopy):
    assert show.run("build").exit_code == 0
    show.edit("episodes/just-forgiving/episode.md", 'title: "Just Forgiving"', 'title: "Just Forgiving, Again"')
    assert show.run("tag").exit_code == 0
    show.edit("episodes/just-forgiving/episode.md", 'title: "Just Forgiving, Again"', 'title: "Just Forgiving"')
    rebuilt = pipeline.build(show.config)
    assert "episodes/just-forgiving/just-forgiving.mp3" in rebuilt.changed
    _same_as_a_fresh_build(show)


def test_an_episode_whose_audio_changed_while_it_loaded_is_loaded_again(show: ShowCopy, tmp_path: Path):
    audio = show.root / "episodes/just-forgiving/episode.mp3"

    def audio_replaced(episode, report: Report) -> None:  # runs once the episode has loaded
        if episode.slug == "just-forgiving":
            later = audio.stat().st_mtime_ns + 10**9
            os.utime(audio, ns=(later, later))

    cache = BuildCache(tmp_path / "cache.sqlite")
    cache.begin_writing()
    first = episodes.load_all(show.root / "episodes", Report(), cache, rules=audio_replaced)
    again = episodes.load_all(show.root / "episodes", Report(), cache)
    cache.close(finished=False)
    fresh = episodes.load_all(show.root / "episodes", Report())
    assert [e.fingerprint for e in again] == [e.fingerprint for e in fresh]
    assert [e.slug for e, f in zip(first, fresh) if e.fingerprint != f.fingerprint] == ["just-forgiving"]


def test_the_page_plans_go_as_soon_as_the_build_drops_them(show: ShowCopy):
    """Without a garbage collection: at 10,000 episodes the plans are 15 MB, and a cycle through
    them kept them to the end of the build, where its memory peaks."""
    import gc
    import weakref

    from podcaster.render.templates import Templates
    from podcaster.site import Layout

    loaded = pipeline.load(show.config)
    layout = Layout.of(loaded.show)
    gc.disable()
    try:
        planned = pages.plan(loaded.show, loaded.published, layout, Templates(loaded.show.templates_dir))
        episode_page = layout.page_key(loaded.published[0])
        renderer = weakref.ref(next(p for p in planned if p.key == episode_page).render.func.__self__)
        assert renderer() is not None
        del planned
        assert renderer() is None
    finally:
        gc.enable()


def _kernel_can_copy() -> bool:
    """Whether copy_file_range works here: a sandbox or file system may refuse it."""
    if not hasattr(os, "copy_file_range"):
        return False
    with tempfile.TemporaryDirectory() as folder:
        source, target = Path(folder, "source"), Path(folder, "target")
        source.write_bytes(b"0123456789")
        with source.open("rb") as reading, target.open("wb") as writing:
            try:
                return os.copy_file_range(reading.fileno(), writing.fileno(), 10) == 10
            except OSError:
                return False


needs_kernel_copies = pytest.mark.skipif(not _kernel_can_copy(), reason="copy_file_range is not available here")


def _copy_in_python(source: int, destination: int, count: int, offset_src=None, offset_dst=None) -> int:
    """copy_file_range as the kernel does it for the writer (from an offset, to the file position)."""
    return os.write(destination, os.pread(source, count, offset_src))


def _kernel_copies(monkeypatch: pytest.MonkeyPatch, stop_after: int | None = None, stop_with: int | None = None,
                   real: bool = True) -> list[int]:
    """The byte counts copied with copy_file_range: by the kernel (`real`), or else in Python. With
    `stop_after`, the copies stop once that many bytes went, by returning 0 or raising `stop_with`."""
    copied: list[int] = []
    copy = os.copy_file_range if real else _copy_in_python

    def copy_file_range(source: int, destination: int, count: int, offset_src=None, offset_dst=None) -> int:
        if stop_after is not None:
            count = min(count, stop_after - sum(copied))
            if count <= 0:
                if stop_with is None:
                    return 0
                raise OSError(stop_with, os.strerror(stop_with))
        done = copy(source, destination, count, offset_src, offset_dst)
        copied.append(done)
        return done

    monkeypatch.setattr(os, "copy_file_range", copy_file_range, raising=False)
    return copied


def _pieces_reused(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """The file names and lengths of the pieces of last versions that writes reused, however copied."""
    pieces: list[tuple[str, int]] = []
    real = writer_module._LastVersion.copy

    def copy(self, piece: Reused, out, digest) -> None:
        pieces.append((self._path.name, piece.length))
        real(self, piece, out, digest)

    monkeypatch.setattr(writer_module._LastVersion, "copy", copy)
    return pieces


@needs_kernel_copies
def test_an_edit_copies_the_unchanged_items_from_the_last_feed(show: ShowCopy, monkeypatch: pytest.MonkeyPatch):
    assert show.run("build").exit_code == 0
    copied = _kernel_copies(monkeypatch)
    show.edit("episodes/just-forgiving/episode.md", "## In this episode", "## What we cover")
    rebuilt = pipeline.build(show.config)
    assert sorted(rebuilt.changed) == ["episodes/just-forgiving/index.html", "feed.xml"]
    feed_size = (show.output / "feed.xml").stat().st_size
    # Every item but the edited one's came from the last feed: most of it, in two runs at most.
    assert 0.5 * feed_size < sum(copied) < feed_size and len(copied) <= 2
    assert "What we cover" in (show.output / "feed.xml").read_text(encoding="utf-8")
    _same_as_a_fresh_build(show)


def test_without_kernel_copies_the_unchanged_items_are_written_as_bytes(show: ShowCopy,
                                                                          monkeypatch: pytest.MonkeyPatch):
    assert show.run("build").exit_code == 0
    monkeypatch.delattr(os, "copy_file_range", raising=False)  # as on macOS
    reused = _pieces_reused(monkeypatch)
    _add_a_later_talk(show)
    rebuilt = pipeline.build(show.config)
    assert "feed.xml" in rebuilt.changed
    assert sum(length for _, length in reused) > 0.5 * (show.output / "feed.xml").stat().st_size
    _same_as_a_fresh_build(show)


@pytest.mark.parametrize("stop_after, stop_with", [(0, errno.EIO), (1000, None), (1000, errno.EXDEV)])
def test_a_file_system_that_stops_copying_gets_the_rest_written(show: ShowCopy, monkeypatch: pytest.MonkeyPatch,
                                                                stop_after: int, stop_with: int | None):
    assert show.run("build").exit_code == 0
    copied = _kernel_copies(monkeypatch, stop_after, stop_with, real=False)
    reused = _pieces_reused(monkeypatch)
    show.edit("episodes/just-forgiving/episode.md", "## In this episode", "## What we cover")
    assert "feed.xml" in pipeline.build(show.config).changed
    assert sum(copied) == stop_after and sum(length for _, length in reused) > stop_after
    _same_as_a_fresh_build(show)


@pytest.mark.parametrize(("moment", "as_text"), [
    (datetime(2024, 3, 1, 18, 30, tzinfo=timezone.utc), True),  # "Z"
    (datetime(2024, 3, 1, 18, 30, 0, 250, tzinfo=timezone(timedelta(hours=-4))), True),
    (datetime(2024, 3, 1, 18, 30, tzinfo=timezone(timedelta(hours=5, minutes=30, seconds=7))), True),
    (datetime(2024, 3, 1, 18, 30, tzinfo=timezone(timedelta(hours=1), "CET")), False),  # a name text would lose
    (datetime(2024, 7, 1, 18, 30, tzinfo=ZoneInfo("Europe/Paris")), False),
])
def test_a_summary_gives_back_the_very_date_it_kept(moment: datetime, as_text: bool):
    kept = episodes._date_as_text(moment)
    again = episodes._date_from_text(kept)
    assert isinstance(kept, str) == as_text
    assert (again, again.utcoffset(), again.tzname(), again.isoformat(), type(again.tzinfo)) == \
        (moment, moment.utcoffset(), moment.tzname(), moment.isoformat(), type(moment.tzinfo))


def _write_site(root: Path, pages: dict[str, str], *, derived: dict[str, Path] | None = None) -> SiteWriter:
    """One build of a site of `pages` (key: text), and `derived` copies (key: source); the writer, finished."""
    writer = SiteWriter(root)
    for key, text in pages.items():
        if not writer.is_unchanged(key, text):
            writer.write_text(key, text, text)
    for key, source in (derived or {}).items():
        writer.copy(key, source)
    writer.finish()
    return writer


def _state_as_read(root: Path) -> tuple[dict, dict, dict]:
    writer = SiteWriter(root)
    return writer._previous_files, writer._previous_derived, writer._previous_groups


def test_the_state_read_back_with_its_changes_is_the_state_each_build_left(tmp_path: Path):
    """Builds that change little save only their changes, merged with the earlier ones: read back, the
    state is what each build had, entries removed and put back again included."""
    source = tmp_path / "cover.jpg"
    source.write_bytes(b"a cover")
    root = tmp_path / "site"
    pages = {f"page-{number}.html": f"page {number}" for number in range(40)}
    _write_site(root, pages, derived={"cover.jpg": source})
    state_file = root / STATE_FILE
    saved_whole = state_file.read_bytes()
    builds = [
        {**pages, "new.html": "new"},  # one added
        {key: text for key, text in pages.items() if key != "page-3.html"} | {"new.html": "new"},  # one removed
        {**pages, "new.html": "new", "page-5.html": "page 5, edited"},  # removed one back, one changed
        {**pages, "page-5.html": "page 5, edited"},  # the added one gone
    ]
    for site in builds:
        writer = _write_site(root, site, derived={"cover.jpg": source})
        assert (root / writer_module.CHANGES_FILE).is_file() and state_file.read_bytes() == saved_whole
        assert _state_as_read(root) == (writer._files, writer._derived, writer._groups)
    assert sorted(path.name for path in root.iterdir() if not path.name.startswith(".")) == \
        sorted([*pages, "cover.jpg"])


def test_the_state_is_saved_whole_again_once_its_changes_grow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    pages = {f"page-{number}.html": f"page {number}" for number in range(40)}
    _write_site(tmp_path, pages)
    _write_site(tmp_path, {**pages, "new.html": "new"})
    assert (tmp_path / writer_module.CHANGES_FILE).is_file()
    monkeypatch.setattr(writer_module, "_CHANGES_AT_MOST", 0.0)
    writer = _write_site(tmp_path, {**pages, "newer.html": "newer"})
    assert not (tmp_path / writer_module.CHANGES_FILE).exists()
    assert _state_as_read(tmp_path) == (writer._files, writer._derived, writer._groups)


def test_changes_saved_to_another_save_of_the_state_are_not_applied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A state saved whole since, or put back from a backup, is not the one the changes were saved to."""
    pages = {f"page-{number}.html": f"page {number}" for number in range(40)}
    _write_site(tmp_path, pages)
    _write_site(tmp_path, {**pages, "new.html": "new"})
    changes = tmp_path / writer_module.CHANGES_FILE
    earlier_changes = changes.read_bytes()
    monkeypatch.setattr(writer_module, "_CHANGES_AT_MOST", 0.0)
    writer = _write_site(tmp_path, pages)  # saved whole, without new.html
    changes.write_bytes(earlier_changes)
    assert _state_as_read(tmp_path) == (writer._files, writer._derived, writer._groups)


@pytest.mark.parametrize("damage", [lambda data: data[:-20], lambda data: pickle.dumps(
    (writer_module._CHANGES_HEADER, pickle.loads(data)[1], {"files": {"a": ("too", "short")}, "derived": {}, "groups": {}}))])
def test_damaged_changes_are_not_applied(show: ShowCopy, damage):
    """The state alone is older than the site: it costs only work done again."""
    assert show.run("build").exit_code == 0
    built = site_files(show.output)
    changes = show.output / writer_module.CHANGES_FILE
    show.edit("episodes/just-forgiving/episode.md", "## In this episode", "## What we cover")
    assert pipeline.build(show.config).changed and changes.is_file()
    changes.write_bytes(damage(changes.read_bytes()))
    show.edit("episodes/just-forgiving/episode.md", "## What we cover", "## In this episode")
    result = show.run("build")
    assert result.exit_code == 0, result.output
    assert site_files(show.output) == built
    assert pipeline.build(show.config).changed == []


def test_a_state_naming_files_outside_the_output_folder_removes_none_of_them(tmp_path: Path):
    """The writer removes what the last build wrote and this one did not, as its state names them: a
    state damaged or written by hand, or a folder in the output that links out of it, must not reach
    outside the folder."""
    output, outside = tmp_path / "feed", tmp_path / "precious.txt"
    outside.write_text("not the build's")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "kept.txt").write_text("not the build's either")
    writer = SiteWriter(output)
    writer.write_text("index.html", "home")
    writer.finish()
    (output / "linked").symlink_to(tmp_path / "elsewhere")
    with (output / STATE_FILE).open("rb") as f:
        state, token = writer_module._read_pickled_state(f)
    for key in ("../precious.txt", "/" + str(outside).lstrip("/"), "a/../../precious.txt", "linked/kept.txt"):
        state["files"][key] = state["files"]["index.html"]
    writer_module._write_state(output / STATE_FILE, state, token)
    writer = SiteWriter(output)
    writer.write_text("index.html", "home")
    writer.finish()
    assert outside.read_text() == "not the build's"
    assert (tmp_path / "elsewhere" / "kept.txt").read_text() == "not the build's either"


@pytest.mark.parametrize("key", ["", "/etc/passwd", "../up", "a/../../up", "a//b", "a/./b", "a/", ".", "a\\b"])
def test_the_writer_refuses_a_key_outside_the_output_folder(tmp_path: Path, key: str):
    with pytest.raises(RenderError, match="outside the output folder"):
        SiteWriter(tmp_path).write_text(key, "text")


@pytest.mark.parametrize("key", ["index.html", ".well-known/podcast.txt", "episodes/a..b/index.html", "...", "é/x"])
def test_the_writer_takes_keys_with_dots_that_stay_inside(tmp_path: Path, key: str):
    SiteWriter(tmp_path).write_text(key, "text")
    assert (tmp_path / key).read_text() == "text"


def test_a_key_is_safe_exactly_when_no_segment_is_empty_or_climbs():
    """Every key of up to seven characters made of letters, dots, slashes and backslashes, against the
    rule as it reads: no backslash, and no segment that is empty, "." or ".."."""
    keys = ["".join(characters) for length in range(8) for characters in itertools.product("a./\\", repeat=length)]
    for key in keys:
        expected = "\\" not in key and all(part not in ("", ".", "..") for part in key.split("/"))
        assert writer_module.is_safe_key(key) == expected, key


@pytest.mark.parametrize("ending, joined_ending", [
    ([b"y", b"z"], [Reused(0, 1), b"y", b"z"]),
    ([Reused(1, 2), Reused(3, 4)], [Reused(0, 7)]),  # a run that lasts to the end
])
def test_pieces_that_follow_one_another_in_the_last_version_are_copied_as_one(ending: list, joined_ending: list):
    chunks = [Reused(0, 5), Reused(5, 5), b"x", Reused(10, 2), Reused(20, 3), Reused(23, 1), Reused(0, 1), *ending]
    joined = list(writer_module._joined(chunks))
    assert joined == [Reused(0, 10), b"x", Reused(10, 2), Reused(20, 4), *joined_ending]
    assert all(type(chunk) in (bytes, Reused) for chunk in joined)  # a plain tuple would compare equal


@pytest.mark.parametrize("stop_after", [None, 0, 3, 7, 12, 29])
def test_a_piece_is_written_whole_wherever_the_kernel_stops(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            stop_after: int | None):
    monkeypatch.setattr(writer_module, "_READ_SIZE", 7)  # pieces read back in several blocks
    text = b"".join(b"<item>%02d</item>" % number for number in range(10))
    writer = SiteWriter(tmp_path)
    writer.write_chunks("feed.xml", [text], "first")
    writer.finish()
    copied = _kernel_copies(monkeypatch, stop_after, real=False)
    writer = SiteWriter(tmp_path)
    writer.write_chunks("feed.xml", [b"<rss>", Reused(15, 45), b"<item>new</item>", Reused(90, 30), b"</rss>"],
                        "second")
    manifest = writer.finish()
    expected = b"<rss>" + text[15:60] + b"<item>new</item>" + text[90:120] + b"</rss>"
    assert (tmp_path / "feed.xml").read_bytes() == expected
    assert manifest["feed.xml"].sha256 == hashlib.sha256(expected).hexdigest()
    assert sum(copied) == (75 if stop_after is None else stop_after)


def test_archive_pages_reuse_their_own_last_versions(show: ShowCopy, monkeypatch: pytest.MonkeyPatch):
    show.edit("podcast.toml", "[podcast]", "[feed]\nepisode_limit = 2\n\n[podcast]")
    assert show.run("build").exit_code == 0
    reused = _pieces_reused(monkeypatch)
    show.edit("episodes/just-forgiving/episode.md", "## In this episode", "## What we cover")
    _add_a_later_talk(show)
    rebuilt = pipeline.build(show.config)
    archive_pages = [key for key in rebuilt.changed if key.startswith("feed-")]
    assert "feed.xml" in rebuilt.changed and archive_pages, rebuilt.changed
    assert {name for name, _ in reused} & set(archive_pages)
    _same_as_a_fresh_build(show)


@pytest.mark.parametrize("keep_mtime", [False, True])
def test_a_feed_changed_by_hand_is_not_copied_from(show: ShowCopy, monkeypatch: pytest.MonkeyPatch, keep_mtime: bool):
    assert show.run("build").exit_code == 0
    _change_the_feed_by_hand(show, keep_mtime)
    reused = _pieces_reused(monkeypatch)
    show.edit("episodes/just-forgiving/episode.md", "## In this episode", "## What we cover")
    rebuilt = pipeline.build(show.config)
    assert "feed.xml" in rebuilt.changed and reused == []
    _same_as_a_fresh_build(show)


def test_a_feed_changed_by_hand_is_not_taken_for_the_same_bytes(show: ShowCopy, monkeypatch: pytest.MonkeyPatch):
    """A build whose feed comes out as the last one did keeps the file there: only if it holds those bytes."""
    assert show.run("build").exit_code == 0
    _change_the_feed_by_hand(show, keep_mtime=True)
    monkeypatch.setattr(cache_module, "CODE_DIGEST", "an upgraded podcaster")  # new inputs, the same bytes
    assert "feed.xml" in pipeline.build(show.config).changed
    show.edit("episodes/just-forgiving/episode.md", "## In this episode", "## What we cover")
    pipeline.build(show.config)
    _same_as_a_fresh_build(show)


def _change_the_feed_by_hand(show: ShowCopy, keep_mtime: bool) -> None:
    """Other bytes of the same size, and with `keep_mtime` the same mtime, as a restored backup has."""
    feed_path = show.output / "feed.xml"
    before = feed_path.stat()
    feed_path.write_bytes(feed_path.read_bytes().replace(b"<item>", b"<ITEM>", 1))
    assert feed_path.stat().st_size == before.st_size
    if keep_mtime:
        os.utime(feed_path, ns=(before.st_atime_ns, before.st_mtime_ns))


def test_a_last_version_changed_while_it_is_copied_from_stops_the_write(show: ShowCopy,
                                                                          monkeypatch: pytest.MonkeyPatch):
    assert show.run("build").exit_code == 0
    feed_path = show.output / "feed.xml"
    real = writer_module._LastVersion._read

    def read_and_append_to_the_feed(self, offset: int, length: int):
        with feed_path.open("ab") as feed_file:
            feed_file.write(b"<!-- meanwhile -->")
        return real(self, offset, length)

    monkeypatch.setattr(writer_module._LastVersion, "_read", read_and_append_to_the_feed)
    show.edit("episodes/just-forgiving/episode.md", "## In this episode", "## What we cover")
    with pytest.raises(RenderError, match="changed while the build was rewriting it"):
        pipeline.build(show.config)
    assert feed_path.read_bytes().endswith(b"<!-- meanwhile -->")
    assert not list(show.output.glob(".*partial*"))


def test_pieces_of_the_last_version_are_written_where_they_are_asked_for(tmp_path: Path):
    writer = SiteWriter(tmp_path)
    writer.write_chunks("feed.xml", [b"<rss>", b"<item>one</item>", b"<item>two</item>", b"</rss>"], "first")
    writer.finish()
    assert (tmp_path / "feed.xml").read_bytes() == b"<rss><item>one</item><item>two</item></rss>"

    writer = SiteWriter(tmp_path)
    assert writer.last_inputs("feed.xml") == "first" and writer.last_inputs("other.xml") is None
    writer.write_chunks("feed.xml", [b"<rss>", b"<item>new</item>", Reused(5, 16), Reused(21, 16), b"</rss>"], "second")
    manifest = writer.finish()
    expected = b"<rss><item>new</item><item>one</item><item>two</item></rss>"
    assert (tmp_path / "feed.xml").read_bytes() == expected
    assert manifest["feed.xml"].sha256 == hashlib.sha256(expected).hexdigest()

    writer = SiteWriter(tmp_path)
    (tmp_path / "feed.xml").write_bytes(b"<rss><item>ONE</item></rss>")  # after the build looked, before it wrote
    with pytest.raises(RenderError, match="changed while the build was rewriting it"):
        writer.write_chunks("feed.xml", [b"<rss>", Reused(5, 16), b"</rss>"], "third")
    assert (tmp_path / "feed.xml").read_bytes() == b"<rss><item>ONE</item></rss>"
    assert [p.name for p in tmp_path.iterdir() if "partial" in p.name] == []
