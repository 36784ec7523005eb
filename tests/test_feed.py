"""The sample show's feed, tag by tag: lxml XPath, real feed parsers, and the namespace's schema."""

from __future__ import annotations

import base64
import copy
import hashlib
import html
import io
import json
import shutil
from email.utils import parsedate_to_datetime
from pathlib import Path

import feedparser
import podcastparser
import pytest
from click.testing import CliRunner
from lxml import etree
from mutagen.id3 import ID3
from mutagen.oggopus import OggOpus

from conftest import LIVE_STREAM, REPO
from podcaster import podcasting
from podcaster.cli import cli

NS = {
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "podcast": "https://podcastindex.org/namespace/1.0",
    "atom": "http://www.w3.org/2005/Atom",
    "content": "http://purl.org/rss/1.0/modules/content/",
}
BASE = "http://127.0.0.1:8000/"
STANDARDS = Path(__file__).parent / "data" / "standards"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The sample show, built once for every test here; the build's output folder."""
    root = tmp_path_factory.mktemp("sample")
    shutil.copy(REPO / "podcast.toml", root / "podcast.toml")
    with (root / "podcast.toml").open("a", encoding="utf-8") as config:
        config.write(LIVE_STREAM)
    shutil.copytree(REPO / "episodes", root / "episodes")
    result = CliRunner().invoke(cli, ["--config", str(root / "podcast.toml"), "--strict", "build"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return root / "feed"


@pytest.fixture(scope="module")
def raw(built: Path) -> bytes:
    return (built / "feed.xml").read_bytes()


@pytest.fixture(scope="module")
def channel(raw: bytes) -> etree._Element:
    return etree.fromstring(raw).find("channel")


def xpath(node: etree._Element, path: str) -> list:
    return node.xpath(path, namespaces=NS)


def one(node: etree._Element, path: str):
    found = xpath(node, path)
    assert len(found) == 1, (path, found)
    return found[0]


def item(channel: etree._Element, slug: str) -> etree._Element:
    return one(channel, f"item[link='{BASE}episodes/{slug}/']")


def test_channel_carries_apples_tags(channel, raw):
    assert one(channel, "title/text()") == "Forgiveness: Talks from the Path"
    assert one(channel, "link/text()") == BASE
    assert one(channel, "language/text()") == "en"
    assert one(channel, "copyright/text()").startswith("Talks © SeekersHub")
    description = one(channel, "description/text()")
    assert description.startswith("Short talks and answers") and len(description.encode()) <= 4000
    assert b"<description><![CDATA[Short talks" in raw
    self_link = one(channel, "atom:link[@rel='self']")
    assert (self_link.get("href"), self_link.get("type")) == (BASE + "feed.xml", "application/rss+xml")
    assert one(channel, "itunes:image/@href") == BASE + "artwork.jpg"
    assert one(channel, "itunes:category/@text") == "Religion & Spirituality"
    assert b'text="Religion &amp; Spirituality"' in raw
    assert one(channel, "itunes:category/itunes:category/@text") == "Islam"
    assert one(channel, "itunes:explicit/text()") == "false"
    assert one(channel, "itunes:author/text()") == "SeekersHub"
    assert one(channel, "itunes:owner/itunes:name/text()") == "Sample Show Producer"
    assert one(channel, "itunes:owner/itunes:email/text()") == "producer@example.org"
    assert one(channel, "itunes:type/text()") == "episodic"
    assert not xpath(channel, "itunes:block | itunes:complete | itunes:new-feed-url")
    assert parsedate_to_datetime(one(channel, "lastBuildDate/text()")).year == 2017


def test_items_carry_apples_tags(channel, built):
    episode = item(channel, "just-forgiving")
    assert one(episode, "title/text()") == one(episode, "itunes:title/text()") == "Just Forgiving"
    guid = one(episode, "guid")
    assert (guid.text, guid.get("isPermaLink")) == ("2b1396e7-f783-40ed-b366-baaee7315a21", "false")
    enclosure = one(episode, "enclosure")
    assert enclosure.get("url") == BASE + "episodes/just-forgiving/just-forgiving.mp3"
    assert int(enclosure.get("length")) == (built / "episodes/just-forgiving/just-forgiving.mp3").stat().st_size
    assert enclosure.get("type") == "audio/mpeg"
    assert parsedate_to_datetime(one(episode, "pubDate/text()")).isoformat() == "2017-06-01T10:00:00-04:00"
    assert one(episode, "itunes:duration/text()") == "34"
    assert (one(episode, "itunes:episode/text()"), one(episode, "itunes:season/text()")) == ("2", "1")
    assert one(episode, "itunes:episodeType/text()") == "full"
    assert one(episode, "itunes:explicit/text()") == "false"
    assert one(episode, "itunes:image/@href") == BASE + "episodes/just-forgiving/cover.jpg"
    assert one(episode, "description/text()").startswith("How Abu Bakr was called")
    assert "<h2>In this episode</h2>" in one(episode, "content:encoded/text()")
    assert one(item(channel, "day-12-in-a-nutshell-forgive"), "itunes:episodeType/text()") == "bonus"
    assert one(item(channel, "be-a-guardian-conceal-someones-faults"), "enclosure/@type") == "audio/x-m4a"


def test_channel_carries_the_podcast_namespace(channel, built):
    assert one(channel, "podcast:guid/text()") == "83592e4d-9d26-5dd7-bc60-9d742a8bfb85"
    locked = one(channel, "podcast:locked")
    assert (locked.text, locked.get("owner")) == ("no", "producer@example.org")
    assert one(channel, "podcast:medium/text()") == "podcast"
    assert [(f.get("url"), f.text) for f in xpath(channel, "podcast:funding")] == [
        ("https://example.org/support", "Support the show"),
        ("https://example.org/support/monthly", "Give monthly")]
    person = one(channel, "podcast:person")
    assert (person.text, person.get("role"), person.get("group")) == \
        ("Sample Show Producer", "producer", "creative direction")
    assert person.get("img") and person.get("href")
    license = one(channel, "podcast:license")
    assert (license.text, license.get("url")) == ("cc-by-sa-4.0", "https://creativecommons.org/licenses/by-sa/4.0/")
    trailer = one(channel, "podcast:trailer")
    trailer_audio = built / "episodes/about-this-series/about-this-series.mp3"
    assert trailer.text == "About This Series" and trailer.get("season") == "1"
    assert trailer.get("url") == BASE + "episodes/about-this-series/about-this-series.mp3"
    assert int(trailer.get("length")) == trailer_audio.stat().st_size and trailer.get("type") == "audio/mpeg"
    assert parsedate_to_datetime(trailer.get("pubdate")).isoformat() == "2017-05-27T20:00:00-04:00"
    txt = one(channel, "podcast:txt")
    assert (txt.get("purpose"), txt.text) == ("applepodcastsverify", "sample-verification-code")
    frequency = one(channel, "podcast:updateFrequency")
    assert (frequency.text, frequency.get("rrule")) == ("Nightly in Ramadan", "FREQ=YEARLY;BYMONTH=5")
    remote = one(channel, "podcast:podroll/podcast:remoteItem")
    assert remote.get("feedGuid") == "917393e3-1b1e-5cef-ace4-edaa54e1f810" and remote.get("title")
    social = one(channel, "podcast:socialInteract")
    assert (social.get("protocol"), social.get("accountId"), social.get("priority")) == \
        ("activitypub", "@forgiveness", "1")
    value = one(channel, "podcast:value")
    assert (value.get("type"), value.get("method"), value.get("suggested")) == \
        ("lightning", "keysend", "0.00000005000")
    assert one(value, "podcast:valueRecipient/@split") == "100"


def test_live_item_announces_the_stream(channel):
    live = one(channel, "podcast:liveItem")
    assert (live.get("status"), live.get("start"), live.get("end")) == \
        ("ended", "2017-06-24T20:00:00-04:00", "2017-06-24T21:00:00-04:00")
    assert one(live, "guid/text()") == "0f6d1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b"
    assert one(live, "title/text()") == "Live: your questions on forgiveness"
    assert one(live, "enclosure/@url") == "http://127.0.0.1:8000/live/stream.mp3"
    assert one(live, "enclosure/@type") == "audio/mpeg"
    assert one(live, "podcast:alternateEnclosure/podcast:source/@uri") == "http://127.0.0.1:8000/live/stream.mp3"
    link = one(live, "podcast:contentLink")
    assert (link.get("href"), link.text) == (BASE, "Listen live")


def test_items_carry_the_podcast_namespace(channel, built):
    episode = item(channel, "just-forgiving")
    season = one(episode, "podcast:season")
    assert (season.text, season.get("name")) == ("1", "Ramadan 2017")
    assert one(episode, "podcast:episode/text()") == "2"
    assert one(item(channel, "will-allah-forgive-me"), "podcast:episode/@display") == "9 (final)"
    people = [(p.text, p.get("role")) for p in xpath(episode, "podcast:person")]
    assert people == [("Shaykh Abdul Rahim Reasat", "guest"), ("Sample Show Producer", "producer")]
    bite = one(episode, "podcast:soundbite")
    assert (bite.get("startTime"), bite.get("duration"), bite.text) == ("22", "7", "Musa and the hurt of his people")
    location = one(episode, "podcast:location")
    assert (location.text, location.get("geo")) == ("Medina", "geo:24.4672,39.6111")
    assert one(episode, "podcast:socialInteract/@uri") == "https://example.social/@forgiveness/1002"
    assert one(item(channel, "will-allah-forgive-me"), "podcast:license/text()") == "cc-by-4.0"


def test_transcripts_are_published_and_linked_in_every_format(channel, built):
    linked = {}
    for transcript in xpath(channel, "item/podcast:transcript"):
        key = transcript.get("url").removeprefix(BASE)
        linked[key] = (transcript.get("type"), transcript.get("rel"), transcript.get("language"))
        source = REPO / key.replace("transcripts/", "")
        assert (built / key).read_bytes() == source.read_bytes()
    assert linked == {
        "episodes/just-forgiving/transcripts/transcript.vtt": ("text/vtt", "captions", None),
        "episodes/just-forgiving/transcripts/transcript.srt": ("application/x-subrip", "captions", None),
        "episodes/will-allah-forgive-me/transcripts/transcript.vtt": ("text/vtt", "captions", None),
        "episodes/will-allah-forgive-me/transcripts/transcript.json": ("application/json", "captions", None),
        "episodes/will-allah-forgive-me/transcripts/transcript.html": ("text/html", None, "en"),
        "episodes/about-this-series/transcripts/transcript.vtt": ("text/vtt", "captions", None),
    }
    assert (built / "episodes/just-forgiving/transcripts/transcript.vtt").read_text().startswith("WEBVTT\n")


def test_chapters_file_holds_the_chapters_the_audio_tags_carry(channel, built):
    episode = item(channel, "just-forgiving")
    chapters = one(episode, "podcast:chapters")
    assert chapters.get("type") == "application/json+chapters"
    document = json.loads((built / chapters.get("url").removeprefix(BASE)).read_text(encoding="utf-8"))
    assert document["version"] == "1.2.0" and document["title"] == "Just Forgiving"
    tagged = sorted(ID3(built / "episodes/just-forgiving/just-forgiving.mp3").getall("CHAP"), key=lambda c: c.start_time)
    assert [(c["startTime"], c["title"]) for c in document["chapters"]] == \
        [(frame.start_time / 1000, str(frame.sub_frames["TIT2"])) for frame in tagged]
    assert not xpath(item(channel, "about-this-series"), "podcast:chapters")


def test_alternate_encoding_is_published_with_its_integrity(channel, built):
    trailer = item(channel, "about-this-series")
    assert one(trailer, "itunes:episodeType/text()") == "trailer"
    alternate = one(trailer, "podcast:alternateEnclosure")
    opus = built / one(alternate, "podcast:source/@uri").removeprefix(BASE)
    # A tagged copy of the producer's Opus file: same tags as the episode's MP3.
    assert OggOpus(opus)["title"] == ["About This Series"]
    assert OggOpus(opus).info.length == OggOpus(REPO / "episodes/about-this-series/episode.opus").info.length
    assert (alternate.get("type"), int(alternate.get("length"))) == ("audio/opus", opus.stat().st_size)
    assert alternate.get("title") == "Opus, 24 kbit/s"
    integrity = one(alternate, "podcast:integrity")
    digest = base64.b64encode(hashlib.sha256(opus.read_bytes()).digest()).decode()
    assert (integrity.get("type"), integrity.get("value")) == ("sri", f"sha256-{digest}")


def test_every_podcast_tag_is_used_and_valid_against_the_namespace_schema(raw):
    """Each podcast: element is validated on its own, wrapped as the namespace's own wrapper schema
    expects: against the 2021 podcast.xsd where it declares the tag, else against our schema for the
    tags it predates (tests/data/standards/podcast-since-2021.xsd)."""
    official = etree.XMLSchema(etree.parse(str(STANDARDS / "podcast-wrapper.xsd")))
    later = etree.XMLSchema(etree.parse(str(STANDARDS / "podcast-since-2021-wrapper.xsd")))
    declared_2021 = {e.get("name") for e in etree.parse(str(STANDARDS / "podcast.xsd")).getroot()
                     .iterfind("{http://www.w3.org/2001/XMLSchema}element")}
    podcast = "{%s}" % NS["podcast"]
    used: dict[str, str] = {}
    for element in etree.fromstring(raw).iter(f"{podcast}*"):
        name = etree.QName(element).localname
        if element.getparent().tag.startswith(podcast):
            used.setdefault(name, "within its parent")
            continue  # validated as part of its parent
        wrapper = etree.Element(f"{podcast}test-wrapper")
        wrapper.append(copy.deepcopy(element))
        schema, by = (official, "2021") if name in declared_2021 else (later, "since 2021")
        assert schema.validate(wrapper), (name, etree.tostring(element), schema.error_log)
        used[name] = by
    assert {name for name, by in used.items() if by == "2021"} == {
        "locked", "funding", "person", "transcript", "chapters", "soundbite", "location", "season", "episode", "value"}
    assert set(used) == {
        "guid", "locked", "medium", "funding", "person", "license", "trailer", "txt", "updateFrequency", "podroll",
        "remoteItem", "socialInteract", "value", "valueRecipient", "liveItem", "alternateEnclosure", "source",
        "contentLink", "integrity", "season", "episode", "chapters", "transcript", "soundbite", "location"}


def test_feedparser_reads_the_feed(raw):
    parsed = feedparser.parse(raw)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.title == "Forgiveness: Talks from the Path"
    assert parsed.feed.link == BASE
    assert parsed.feed.podcast_guid == "83592e4d-9d26-5dd7-bc60-9d742a8bfb85"
    # Neither the owner's name nor the live item's description is taken for the show's.
    assert parsed.feed.author == "SeekersHub"
    assert parsed.feed.subtitle.startswith("Short talks and answers")
    assert len(parsed.entries) == 10
    entry = next(e for e in parsed.entries if e.title == "Just Forgiving")
    assert entry.id == "2b1396e7-f783-40ed-b366-baaee7315a21"
    assert entry.author == "Shaykh Abdul Rahim Reasat"  # the speakers
    assert (entry.itunes_episode, entry.itunes_season, entry.itunes_duration) == ("2", "1", "34")
    assert entry.enclosures[0].type == "audio/mpeg"


def test_podcastparser_reads_the_feed(raw):
    podcast = podcastparser.parse(BASE + "feed.xml", io.BytesIO(raw))
    assert podcast["link"] == BASE
    assert podcast["itunes_categories"] == [["Religion & Spirituality", "Islam"]]
    assert podcast["explicit"] is False and podcast["type"] == "episodic"
    assert len(podcast["episodes"]) == 10
    episode = next(e for e in podcast["episodes"] if e["title"] == "Just Forgiving")
    assert (episode["number"], episode["season"], episode["type"], episode["total_time"]) == (2, 1, "full", 34)
    assert episode["guid"] == "2b1396e7-f783-40ed-b366-baaee7315a21"


@pytest.mark.parametrize(("feed_url", "guid"), [
    # The examples of the podcast:guid tag page.
    ("https://mp3s.nashownotes.com/pc20rss.xml", "917393e3-1b1e-5cef-ace4-edaa54e1f810"),
    ("http://podnews.net/rss", "9b024349-ccf0-5f69-a609-6b82873eab3c"),
    ("https://podnews.net/rss//", "9b024349-ccf0-5f69-a609-6b82873eab3c"),
])
def test_podcast_guid_is_derived_as_the_spec_says(feed_url, guid):
    assert podcasting.feed_guid(feed_url) == guid


def test_block_complete_moving_and_the_shows_location(show):
    """What the sample leaves off: asking directories to drop the show, ending it, moving its feed."""
    show.edit("podcast.toml", 'type = "episodic"', 'type = "episodic"\nblock = true\ncomplete = true\n'
                                                  'new_feed_url = "https://new.example.org/feed.xml"')
    show.edit("podcast.toml", "[[funding]]", '[location]\nname = "Medina"\ngeo = "geo:24.4672,39.6111"\n'
                                             'osm = "R3287143"\n\n[[funding]]')
    show.edit("podcast.toml", "[podcast]", "[feed]\nepisode_limit = 5\n\n[podcast]")
    assert show.run("--strict", "build").exit_code == 0
    current = etree.parse(str(show.output / "feed.xml")).getroot().find("channel")
    assert one(current, "itunes:block/text()") == "Yes" and one(current, "podcast:block/text()") == "yes"
    assert one(current, "itunes:complete/text()") == "Yes"
    assert one(current, "podcast:updateFrequency/@complete") == "true"
    assert one(current, "itunes:new-feed-url/text()") == "https://new.example.org/feed.xml"
    location = one(current, "podcast:location")
    assert (location.text, location.get("geo"), location.get("osm")) == ("Medina", "geo:24.4672,39.6111", "R3287143")
    archive = etree.parse(str(show.output / "feed-archive-1.xml")).getroot().find("channel")
    assert not xpath(archive, "itunes:new-feed-url | podcast:liveItem"), "only the current feed moves or goes live"
    assert one(archive, "itunes:block/text()") == "Yes"


def test_text_that_looks_like_markup_reaches_apps_as_text(show):
    """RSS descriptions are HTML to apps: a summary's "<audio>" must not become a tag, nor "&copy" ©.
    And the notes' links to a part of their page lead there from an app too."""
    summary = "Why a<b matters: the <audio> element, &copy and AT&T, for Tom & Jerry."
    show.edit("episodes/just-forgiving/episode.md", 'summary: "How Abu Bakr', f'summary: "{summary} How Abu Bakr')
    show.edit("podcast.toml", 'description = "Short talks', 'description = "<b>Bold</b> & &amp; short talks')
    with show.episode("just-forgiving").open("a", encoding="utf-8") as f:
        f.write("\nSee [the verse](#in-this-episode) above.\n")
    assert show.run("build").exit_code == 0
    raw = (show.output / "feed.xml").read_bytes()
    channel = etree.fromstring(raw).find("channel")
    episode = item(channel, "just-forgiving")
    assert one(episode, "description/text()").startswith(
        "Why a&lt;b matters: the &lt;audio> element, &amp;copy and AT&amp;T, for Tom & Jerry.")
    assert one(channel, "description/text()").startswith("&lt;b>Bold&lt;/b> & &amp;amp; short talks")
    parsed = feedparser.parse(raw)
    assert html.unescape(parsed.feed.subtitle).startswith("<b>Bold</b> & &amp; short talks")
    entry = next(e for e in parsed.entries if e.title == "Just Forgiving")
    assert html.unescape(entry.summary).startswith(summary)
    assert f'<a href="{BASE}episodes/just-forgiving/#in-this-episode">the verse</a>' in \
        one(episode, "content:encoded/text()")
