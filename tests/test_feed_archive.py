"""Large shows: RFC 5005 archive pages behind feed.xml, and a WebSub hub told when the feed changed."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import feedparser
import pytest
from lxml import etree

from conftest import ShowCopy

ATOM = "{http://www.w3.org/2005/Atom}"
HISTORY = "{http://purl.org/syndication/history/1.0}"
BASE = "http://127.0.0.1:8000/"
NEWEST = "episodes/will-allah-forgive-me/episode.md"


def _channel(path: Path) -> etree._Element:
    return etree.parse(str(path)).getroot().find("channel")


def _links(channel: etree._Element) -> dict[str, str]:
    return {link.get("rel"): link.get("href").removeprefix(BASE) for link in channel.iterfind(f"{ATOM}link")}


def _guids(channel: etree._Element) -> list[str]:
    return [item.findtext("guid") for item in channel.iterfind("item")]


def test_older_episodes_move_to_archive_pages_that_stay_reachable(show: ShowCopy):
    show.edit("podcast.toml", "[podcast]", "[feed]\nepisode_limit = 4\n\n[podcast]")
    assert show.run("--strict", "build").exit_code == 0
    current = _channel(show.output / "feed.xml")
    assert len(_guids(current)) == 4
    assert _links(current) == {"self": "feed.xml", "first": "feed.xml", "next": "feed-archive-2.xml",
                               "last": "feed-archive-1.xml", "prev-archive": "feed-archive-2.xml"}
    assert current.find(f"{HISTORY}archive") is None
    newer = _channel(show.output / "feed-archive-2.xml")
    assert _links(newer) == {"self": "feed-archive-2.xml", "current": "feed.xml", "first": "feed.xml",
                             "last": "feed-archive-1.xml", "previous": "feed.xml", "next": "feed-archive-1.xml",
                             "prev-archive": "feed-archive-1.xml"}
    oldest = _channel(show.output / "feed-archive-1.xml")
    assert _links(oldest) == {"self": "feed-archive-1.xml", "current": "feed.xml", "first": "feed.xml",
                              "last": "feed-archive-1.xml", "previous": "feed-archive-2.xml",
                              "next-archive": "feed-archive-2.xml"}
    assert newer.find(f"{HISTORY}archive") is not None and oldest.find(f"{HISTORY}archive") is not None
    assert not (show.output / "feed-archive-3.xml").exists()

    # Following rel="next" from feed.xml reaches every episode, as an app that pages would.
    seen, page = [], "feed.xml"
    while page:
        parsed = feedparser.parse((show.output / page).read_bytes())
        assert not parsed.bozo
        seen += [entry.id for entry in parsed.entries]
        page = next((link.href.removeprefix(BASE) for link in parsed.feed.links if link.rel == "next"), None)
    all_guids = {line.split('"')[1] for md in (show.root / "episodes").glob("*/episode.md")
                 for line in md.read_text().splitlines() if line.startswith("guid:")}
    assert set(seen) == all_guids
    assert len(_guids(oldest)) == len(_guids(newer)) == 4


def test_archive_pages_do_not_change_when_a_new_episode_comes_out(show: ShowCopy):
    show.edit("podcast.toml", "[podcast]", "[feed]\nepisode_limit = 4\n\n[podcast]")
    show.edit(NEWEST, "explicit: false", "explicit: false\ndraft: true")
    assert show.run("build").exit_code == 0
    archives = {p.name: p.read_bytes() for p in show.output.glob("feed-archive-*.xml")}
    assert sorted(archives) == ["feed-archive-1.xml", "feed-archive-2.xml"]
    before = _guids(_channel(show.output / "feed.xml"))

    show.edit(NEWEST, "explicit: false\ndraft: true", "explicit: false")
    assert show.run("build").exit_code == 0
    assert {p.name: p.read_bytes() for p in show.output.glob("feed-archive-*.xml")} == archives
    after = _guids(_channel(show.output / "feed.xml"))
    assert after[0] == "2af0755c-49ce-476c-8824-67cff60cb569" and after[1:] == before[:3]


def test_without_a_limit_there_are_no_archive_pages(show: ShowCopy):
    assert show.run("build").exit_code == 0
    assert not list(show.output.glob("feed-archive-*.xml"))
    assert set(_links(_channel(show.output / "feed.xml"))) == {"self"}


class _Hub:
    """A WebSub hub on 127.0.0.1 that records each ping it gets."""

    def __init__(self, status: int = 204) -> None:
        pings = self.pings = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                pings.append((self.path, self.headers["Content-Type"], parse_qs(body)))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hub"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hub():
    running = _Hub()
    yield running
    running.close()


def test_publish_pings_the_hub_only_when_the_feed_changed(show: ShowCopy, hub: _Hub):
    show.edit("podcast.toml", "[podcast]", f'[feed]\nhub = "{hub.url}"\n\n[podcast]')
    first = show.run("publish")
    assert first.exit_code == 0, first.output
    assert hub.pings == [("/hub", "application/x-www-form-urlencoded",
                          {"hub.mode": ["publish"], "hub.url": [BASE + "feed.xml"]})]
    assert f"told the WebSub hub {hub.url} that the feed changed" in first.stdout
    hub_link = _channel(show.published / "feed.xml").find(f"{ATOM}link[@rel='hub']")
    assert hub_link.get("href") == hub.url

    assert show.run("publish").exit_code == 0
    assert len(hub.pings) == 1, "nothing changed, so the hub is not told anything"

    show.edit("episodes/just-forgiving/transcript.vtt", "Musa", "Moses")
    assert show.run("publish").exit_code == 0
    assert len(hub.pings) == 1, "only a transcript changed, not the feed"

    show.edit("episodes/just-forgiving/episode.md", 'title: "Just Forgiving"', 'title: "Just Forgiving, Again"')
    assert show.run("publish").exit_code == 0
    assert len(hub.pings) == 2


def test_a_hub_that_refuses_is_a_warning_after_the_feed_is_published(show: ShowCopy):
    refusing = _Hub(status=500)
    try:
        show.edit("podcast.toml", "[podcast]", f'[feed]\nhub = "{refusing.url}"\n\n[podcast]')
        result = show.run("publish")
    finally:
        refusing.close()
    assert result.exit_code == 0, result.output
    assert len(refusing.pings) == 1
    assert (show.published / "feed.xml").is_file()
    assert (f"Warning: the WebSub hub {refusing.url} refused the ping for {BASE}feed.xml: HTTP 500 Internal Server "
            "Error; the feed is published, and apps will see it at their next poll") in result.stderr
