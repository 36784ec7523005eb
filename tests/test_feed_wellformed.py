"""Whatever text a producer writes, the feed stays well-formed XML and says exactly that text back.

`]]>`, control characters, emoji, right-to-left text and `&` in any field: the feed is built from
the sample show with generated text put into every field a producer writes, then parsed.
"""

from __future__ import annotations

import dataclasses
import html
from collections import defaultdict
from functools import cache

import feedparser
from hypothesis import HealthCheck, given, settings, strategies as st
from lxml import etree

from conftest import REPO, ShowCopy
from podcaster import config, episodes as episode_files, feedcheck
from podcaster.cache import BuildCache
from podcaster.errors import Report
from podcaster.model import Episode, Funding, Person, Show, Soundbite, Txt
from podcaster.render import feed, notes_html
from podcaster.site import Layout

NS = {"itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd", "podcast": "https://podcastindex.org/namespace/1.0",
      "content": "http://purl.org/rss/1.0/modules/content/"}
NASTY = ["]]>", "]]", "&", "&amp;", "<b>", "\x00", "\x07", "\x1b", "\ufffe", "\r\n", "\t", "\u202e", "\u200f",
         "مغفرة", "סליחה", "😀", "👩🏽‍🏫", "\U0001f1f8\U0001f1e6", "'\"", "<![CDATA[", "\u0085", "\u2028"]
# Blank text (or text of control characters only) is refused by `check` before any feed is written.
texts = st.lists(st.one_of(st.text(max_size=12), st.sampled_from(NASTY)), min_size=1, max_size=8).map("".join) \
    .filter(lambda text: feed.xml_text(text).strip())


@cache
def _sample() -> tuple[Show, Episode]:
    report = Report()
    show = config.load(REPO / "podcast.toml", report)
    loaded = episode_files.load_all(REPO / "episodes", report)
    assert show and not report.errors, report.errors
    return show, next(e for e in loaded if e.slug == "just-forgiving")


def _render(show: Show, episode: Episode) -> bytes:
    media = feed.Media(sizes=defaultdict(lambda: 1000), integrity=defaultdict(lambda: "sha256-AAAA"))
    (document,) = feed.plan(show, [episode], Layout.of(show), media, BuildCache(None))
    return b"".join(document.chunks)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(show_title=texts, description=texts, author=texts, copyright=texts, owner=texts, funding=texts,
       person=texts, txt=texts, title=texts, summary=texts, body=texts, speaker=texts, guid=texts, bite=texts)
def test_any_text_keeps_the_feed_well_formed_and_round_trips(show_title, description, author, copyright, owner,
                                                            funding, person, txt, title, summary, body, speaker,
                                                            guid, bite):
    sample_show, sample_episode = _sample()
    extras = dataclasses.replace(sample_show.podcasting, funding=(Funding("https://example.org/", funding),),
                                 persons=(Person(person),), txt=(Txt(txt, "verify"),))
    show = dataclasses.replace(sample_show, title=show_title, description=description, author=author,
                               copyright=copyright, owner=dataclasses.replace(sample_show.owner, name=owner),
                               podcasting=extras)
    episode = dataclasses.replace(sample_episode, title=title, summary=summary, notes=body, speakers=(speaker,),
                                  guid=guid, soundbites=(Soundbite(1.0, 2.0, bite),), persons=())
    report = Report()
    feedcheck.check_control_characters(episode.source, episode, report)
    assert not report.errors

    xml = _render(show, episode)
    channel = etree.fromstring(xml).find("channel")  # raises unless well-formed
    item = channel.find("item")
    said = feed.xml_text

    def text(node, path):
        return node.xpath(f"string({path})", namespaces=NS)

    assert text(channel, "title") == said(show_title)
    # Descriptions are HTML to apps: read as HTML, they say the text back.
    assert html.unescape(text(channel, "description")) == said(description)
    assert text(channel, "itunes:author") == said(author)
    assert text(channel, "copyright") == said(copyright)
    assert text(channel, "itunes:owner/itunes:name") == said(owner)
    assert text(channel, "podcast:funding") == said(funding)
    assert text(channel, "podcast:person") == said(person)
    assert text(channel, "podcast:txt") == said(txt)
    assert text(item, "title") == text(item, "itunes:title") == said(title)
    assert html.unescape(text(item, "description")) == said(summary)
    assert text(item, "guid") == said(guid)
    assert text(item, "podcast:person[1]") == said(speaker)
    assert text(item, "podcast:soundbite") == said(bite)
    assert text(item, "content:encoded") == said(notes_html.to_html(body))
    assert not feedparser.parse(xml).bozo


def test_text_made_only_of_control_characters_is_refused(show: ShowCopy):
    show.edit("episodes/just-forgiving/episode.md", 'title: "Just Forgiving"', 'title: "\\x07\\x08"')
    result = show.run("check")
    assert result.exit_code == 1
    assert (f"Error: {show.root / 'episodes/just-forgiving/episode.md'}: title: is made only of control characters, "
            "which a feed cannot hold: write it in words") in result.stderr


def test_a_hostile_episode_builds_a_feed_that_says_it_back(show: ShowCopy):
    """Through the whole pipeline: YAML and TOML escapes, CDATA's terminator, right-to-left text, emoji."""
    title = "Tawba ]]> & <forgiveness> \u202eمغفرة\u202c 🤲"
    show.edit("episodes/just-forgiving/episode.md", 'title: "Just Forgiving"', f'title: "{title}\\x07"')
    show.edit("episodes/just-forgiving/episode.md", "## In this episode", "## In this ]]> episode & more")
    show.edit("podcast.toml", 'author = "SeekersHub"', 'author = "SeekersHub & friends \\u0001 ✨"')
    result = show.run("build")
    assert result.exit_code == 0, result.output
    raw = (show.output / "feed.xml").read_bytes()
    channel = etree.fromstring(raw).find("channel")
    assert channel.findtext(f"{{{NS['itunes']}}}author") == "SeekersHub & friends  ✨"
    item = next(i for i in channel.iterfind("item") if i.findtext("guid") == "2b1396e7-f783-40ed-b366-baaee7315a21")
    assert item.findtext("title") == title
    assert "<h2>In this ]]&gt; episode &amp; more</h2>" in item.findtext(f"{{{NS['content']}}}encoded")
    assert not feedparser.parse(raw).bozo
    assert sorted(line.split(": ")[2] for line in result.stderr.splitlines() if line.startswith("Warning: ")) == \
        ["author", "title"]
