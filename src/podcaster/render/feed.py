"""The RSS feed, built with feedgen. The only feedgen importer.

feedgen's own podcast extension lags Apple's spec (it writes explicit as yes/no/clean, Apple wants
true/false), so the `itunes:` tags come from our own feedgen extension, like any other namespace.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from podcaster import __version__
from podcaster.model import Episode, Show
from podcaster.render import notes
from podcaster.site import Layout

ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"


def _itunes(parent: etree._Element, name: str, text: str | None = None,
            attributes: dict[str, str] | None = None) -> etree._Element:
    element = etree.SubElement(parent, f"{{{ITUNES_NS}}}{name}", attributes or {})
    if text is not None:
        element.text = text
    return element


def _explicit(value: bool) -> str:
    return "true" if value else "false"


class _ItunesShow(BaseExtension):
    """Channel-level itunes: tags for the show."""

    def __init__(self) -> None:
        self.show: Show | None = None
        self.image_url = ""

    def describe(self, show: Show, image_url: str) -> None:
        self.show, self.image_url = show, image_url

    def extend_ns(self) -> dict[str, str]:
        return {"itunes": ITUNES_NS}

    def extend_rss(self, feed: etree._Element) -> etree._Element:
        show, channel = self.show, feed[0]
        assert show is not None
        _itunes(channel, "author", show.author)
        owner = _itunes(channel, "owner")
        _itunes(owner, "name", show.owner.name)
        _itunes(owner, "email", show.owner.email)
        _itunes(channel, "image", attributes={"href": self.image_url})
        category = _itunes(channel, "category", attributes={"text": show.category})
        if show.subcategory:
            _itunes(category, "category", attributes={"text": show.subcategory})
        _itunes(channel, "explicit", _explicit(show.explicit))
        _itunes(channel, "type", show.show_type)
        return feed


class _ItunesEpisode(BaseEntryExtension):
    """Item-level itunes: tags for one episode."""

    def __init__(self) -> None:
        self.episode: Episode | None = None
        self.show_explicit = False
        self.image_url = ""

    def describe(self, episode: Episode, show_explicit: bool, image_url: str) -> None:
        self.episode, self.show_explicit, self.image_url = episode, show_explicit, image_url

    def extend_ns(self) -> dict[str, str]:
        return {"itunes": ITUNES_NS}

    def extend_rss(self, item: etree._Element) -> etree._Element:
        episode = self.episode
        assert episode is not None
        _itunes(item, "title", episode.title)
        _itunes(item, "duration", str(round(episode.audio_info.duration)))
        _itunes(item, "image", attributes={"href": self.image_url})
        _itunes(item, "explicit", _explicit(self.show_explicit if episode.explicit is None else episode.explicit))
        _itunes(item, "episodeType", episode.episode_type)
        if episode.season is not None:
            _itunes(item, "season", str(episode.season))
        if episode.number is not None:
            _itunes(item, "episode", str(episode.number))
        return item


def render(show: Show, episodes: Sequence[Episode], layout: Layout, audio_sizes: Mapping[str, int]) -> bytes:
    """The feed as UTF-8 XML: `episodes` are the published ones, `audio_sizes` the byte size of each
    published audio file by slug (the enclosure length must be exact)."""
    generator = FeedGenerator()
    generator.register_extension("apple", _ItunesShow, _ItunesEpisode)
    generator.title(show.title)
    generator.description(show.description)
    generator.link(href=show.website, rel="alternate")
    generator.link(href=show.feed_url, rel="self")
    generator.language(show.language)
    generator.copyright(show.copyright)
    generator.generator("podcaster", __version__, "https://github.com/podcaster/podcaster")
    generator.apple.describe(show, layout.url(layout.artwork_key))
    generator.image(url=layout.url(layout.artwork_key), title=show.title, link=show.website)
    # lastBuildDate follows the content, not the clock, so an unchanged show builds a byte-identical feed.
    if episodes:
        generator.lastBuildDate(max(e.date for e in episodes))
    newest_first = sorted(episodes, key=lambda e: (e.date, e.slug), reverse=True)
    for episode in newest_first:
        _add_item(generator, show, episode, layout, audio_sizes[episode.slug])
    return generator.rss_str(pretty=True, encoding="UTF-8")


def _add_item(generator: FeedGenerator, show: Show, episode: Episode, layout: Layout, size: int) -> None:
    entry = generator.add_entry(order="append")
    entry.title(episode.title)
    entry.guid(episode.guid, permalink=False)
    entry.link(href=layout.page_url(episode))
    entry.pubDate(episode.date)
    entry.description(episode.summary)
    entry.content(notes.to_html(episode.notes), type="CDATA")
    entry.enclosure(layout.url(layout.audio_key(episode)), str(size), episode.audio_info.mime_type)
    entry.apple.describe(episode, show.explicit, layout.image_url(episode))
