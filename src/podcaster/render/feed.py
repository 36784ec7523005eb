"""The RSS feed, built with feedgen. The only feedgen importer.

feedgen's own podcast extension lags Apple's spec (it writes explicit as yes/no/clean, Apple wants
true/false) and knows nothing of the Podcasting 2.0 namespace, so the `itunes:` and `podcast:` tags
come from our own feedgen extensions, each writing lxml elements.

A show with more episodes than `[feed] episode_limit` gets RFC 5005 archive pages: feed.xml holds
the newest episodes, and complete archive pages of the older ones, numbered from the oldest, so an
archive page never changes when a new episode comes out.
"""

from __future__ import annotations

import base64
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from podcaster import __version__, podcasting
from podcaster.cache import BuildCache, digest as cache_digest
from podcaster.errors import RenderError
from podcaster.model import (
    Episode, License, LiveItem, Location, Person, Show, SocialInteract, Value,
)
from podcaster.render import notes, notes_html
from podcaster.site import FEED_KEY, Layout
from podcaster.text import CONTROL_CHARACTERS
from podcaster.writer import Reused

ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST_NS = podcasting.NAMESPACE
ATOM_NS = "http://www.w3.org/2005/Atom"
HISTORY_NS = "http://purl.org/syndication/history/1.0"
RSS_TYPE = "application/rss+xml"


def xml_text(text: str) -> str:
    """`text` without control characters: most XML cannot carry at all, the rest no app should get
    (`check` warns of them, so nothing disappears unannounced)."""
    return CONTROL_CHARACTERS.sub("", text)


# Where text would be read as markup: a "<" that opens a tag, an "&" that opens a reference.
_MARKUP_IN_TEXT = re.compile(r"<(?=[A-Za-z/!?])|&(?=[A-Za-z#])")


def _html_of_text(text: str) -> str:
    """Plain text (a summary, the show's description) for an RSS description, which apps read as
    HTML: "<audio>" stays words instead of becoming a tag. Only what HTML would read as markup is
    escaped, so "Tom & Jerry" still reads right in an app that shows the description as text."""
    return _MARKUP_IN_TEXT.sub(lambda found: "&lt;" if found.group() == "<" else "&amp;", text)


def _cdata(text: str) -> etree.CDATA | str:
    """HTML as a CDATA section, as Apple asks. Text holding the CDATA terminator cannot be one, and a
    carriage return in one would be read back as a line feed: such text is escaped instead, which
    any XML reader takes for the very same text."""
    text = xml_text(text)
    return text if "]]>" in text or "\r" in text else etree.CDATA(text)


def _element(parent: etree._Element, tag: str, text: str | None = None,
             attributes: Mapping[str, str | None] | None = None) -> etree._Element:
    """A child element; attributes whose value is None are left out."""
    element = etree.SubElement(parent, tag, {name: xml_text(value) for name, value in (attributes or {}).items()
                                              if value is not None})
    if text is not None:
        element.text = xml_text(text)
    return element


def _itunes(parent: etree._Element, name: str, text: str | None = None,
            attributes: dict[str, str] | None = None) -> etree._Element:
    return _element(parent, f"{{{ITUNES_NS}}}{name}", text, attributes)


def _podcast(parent: etree._Element, name: str, text: str | None = None,
             attributes: Mapping[str, str | None] | None = None) -> etree._Element:
    return _element(parent, f"{{{PODCAST_NS}}}{name}", text, attributes)


def _explicit(value: bool) -> str:
    return "true" if value else "false"


def _decimal(seconds: float) -> str:
    """Seconds as an xs:decimal: never in exponent form."""
    return f"{seconds:.3f}".rstrip("0").rstrip(".")


def _rfc2822(moment: datetime) -> str:
    return moment.strftime("%a, %d %b %Y %H:%M:%S %z")


@dataclass(frozen=True)
class Page:
    """One feed document: feed.xml, or an archive page of older episodes."""

    key: str
    episodes: tuple[Episode, ...]  # newest first
    links: tuple[tuple[str, str], ...]  # (rel, key) beyond rel="self"

    @property
    def is_archive(self) -> bool:
        return self.key != FEED_KEY


@dataclass(frozen=True)
class Media:
    """What the build learns of the files it writes, by key: byte sizes and SRI digests. The build
    fills it in as it writes them."""

    sizes: dict[str, int]
    integrity: dict[str, str]


def sri(sha256_hex: str) -> str:
    """A Subresource Integrity value (sha256-<base64>) from a hex SHA-256 digest."""
    return "sha256-" + base64.b64encode(bytes.fromhex(sha256_hex)).decode("ascii")


ARCHIVE_PATTERN = "feed-archive-*.xml"


def archive_key(number: int) -> str:
    return ARCHIVE_PATTERN.replace("*", str(number))


def pages(episodes: Sequence[Episode], limit: int | None) -> list[Page]:
    """feed.xml with the newest `limit` episodes, then the archive pages, oldest first.

    Archive page k holds the k-th `limit` episodes counted from the oldest, so it is always full and
    stays as it is when new episodes come; the newest archive page may repeat some episodes of
    feed.xml, which readers merge by GUID."""
    oldest_first = sorted(episodes, key=Episode.order)
    if limit is None or len(oldest_first) <= limit:
        return [Page(FEED_KEY, tuple(reversed(oldest_first)), ())]
    count = math.ceil((len(oldest_first) - limit) / limit)
    archives = [archive_key(number) for number in range(1, count + 1)]
    current = Page(FEED_KEY, tuple(reversed(oldest_first[-limit:])),
                   (("first", FEED_KEY), ("next", archives[-1]), ("last", archives[0]),
                    ("prev-archive", archives[-1])))
    result = [current]
    for number in range(count, 0, -1):
        newer = archives[number] if number < count else FEED_KEY
        links = [("current", FEED_KEY), ("first", FEED_KEY), ("last", archives[0]), ("previous", newer)]
        if number > 1:
            links += [("next", archives[number - 2]), ("prev-archive", archives[number - 2])]
        if number < count:
            links.append(("next-archive", archives[number]))
        chunk = oldest_first[(number - 1) * limit:number * limit]
        result.append(Page(archives[number - 1], tuple(reversed(chunk)), tuple(links)))
    return result


@dataclass(frozen=True)
class Document:
    """A feed document to write: its XML in pieces (the channel around its items, each item as the
    cache had it, as rendered now, or as it lies in the document's last version), so a feed of
    thousands of episodes is never held whole."""

    key: str
    inputs: str  # a digest of everything the XML is made from
    chunks: Iterable[bytes | Reused]


def plan(show: Show, episodes: Sequence[Episode], layout: Layout, media: Media, cache: BuildCache,
         last_inputs: Callable[[str], str | None] = lambda key: None) -> list[Document]:
    """Every feed document, archive pages first and feed.xml last. An episode's <item> comes from
    the cache while nothing it is made from changed: a new episode renders one item, not thousands.

    `last_inputs(key)` says what the document at `key` in the output folder was made from, if it is
    still as the last build wrote it: its items that did not change are then `Reused` from it,
    where the cache recorded them, instead of read from the cache and written again."""
    show_inputs = cache_digest(show.without_live(), layout)  # an item never shows a live stream

    def item_inputs(episode: Episode) -> str:
        keys = [layout.audio_key(episode), *(layout.alternate_key(episode, a.path) for a in episode.alternates)]
        return cache_digest("item", show_inputs, episode.fingerprint,
                            [(key, media.sizes.get(key), media.integrity.get(key)) for key in keys])

    trailers = [e for e in episodes if e.episode_type == "trailer"]
    trailer_inputs = [(e.fingerprint, media.sizes.get(layout.audio_key(e))) for e in trailers]
    documents = []
    for page in pages(episodes, show.feed.episode_limit):
        inputs = [item_inputs(episode) for episode in page.episodes]
        page_inputs = cache_digest("feed", show_inputs, show.podcasting.live, page.key, page.links, trailer_inputs, inputs)
        last = last_inputs(page.key)
        documents.append(Document(page.key, page_inputs, _chunks(show, page, trailers, layout, media, cache, inputs,
                                                                 page_inputs, last)))
    # The places of a document's items outlive a build that did not need them (it left the document
    # as it was), as the document does.
    cache.present("feeds", [_places_key(document.inputs) for document in documents])
    return sorted(documents, key=lambda document: document.key == FEED_KEY)


def _places_key(document_inputs: str) -> str:
    return cache_digest("item places", document_inputs)


def _chunks(show: Show, page: Page, trailers: list[Episode], layout: Layout, media: Media, cache: BuildCache,
            inputs: list[str], document_inputs: str, last_inputs: str | None) -> Iterator[bytes | Reused]:
    """The document's XML; then the cache records where each item lies in it, by the item's key."""
    # Where each item lies in the document's last version, if it is still there as written.
    last_places: dict[str, tuple[int, int]] = (cache.get("feeds", _places_key(last_inputs)) if last_inputs else None) or {}
    places: dict[str, tuple[int, int]] = {}
    head, tail = _split_channel(_channel(show, page, trailers, layout, media).rss_str(pretty=True, encoding="UTF-8"))
    yield head
    offset = len(head)
    for start in range(0, len(inputs), _ITEM_BATCH):
        # A batch at a time: the items of thousands of episodes are never all in memory, and those
        # not cached are rendered together (one lxml tree of thousands of items would take gigabytes).
        keys, episodes = inputs[start:start + _ITEM_BATCH], page.episodes[start:start + _ITEM_BATCH]
        found = cache.get_many("items", [key for key in keys if key not in last_places])
        missing = {key: episode for key, episode in zip(keys, episodes) if key not in found and key not in last_places}
        rendered = dict(zip(missing, _items_xml(show, list(missing.values()), layout, media)))
        for key, episode in missing.items():
            cache.put("items", key, rendered[key], episode.fingerprint)
        for key in keys:
            if key in last_places:
                item_offset, length = last_places[key]
                yield Reused(item_offset, length)
            else:
                xml = found[key] if key in found else rendered[key]
                length = len(xml)
                yield xml
            places[key] = (offset, length)
            offset += length
    yield tail
    cache.put("feeds", _places_key(document_inputs), places)


_ITEM_BATCH = 200
_PARSER = etree.XMLParser(strip_cdata=False, resolve_entities=False, no_network=True, huge_tree=True)
_DECLARATIONS = re.compile(rb"^<item(?: xmlns:\w+=\"[^\"]*\")*>")


def _items_xml(show: Show, episodes: list[Episode], layout: Layout, media: Media) -> list[bytes]:
    """Each episode's <item> exactly as it stands in a pretty-printed feed, taken from one document
    that holds them all (read back by lxml: no text in an item can move where one item ends)."""
    if not episodes:
        return []
    generator = _generator()
    # Only the items are kept: the channel needs just what feedgen requires of every feed.
    generator.title("items")
    generator.link(href=show.website)
    generator.description("items")
    generator.apple.describe(show, layout.url(layout.artwork_key), is_current=False)
    generator.podcasting.describe(show, layout, media, [], is_current=False)
    for episode in episodes:
        _add_item(generator, show, episode, layout, media)
    channel = etree.fromstring(generator.rss_str(pretty=True, encoding="UTF-8"), _PARSER).find("channel")
    # Standing alone, an item would declare the namespaces the feed declares once on <rss>.
    return [b"    " + _DECLARATIONS.sub(b"<item>", etree.tostring(item, encoding="UTF-8", with_tail=False)) + b"\n"
            for item in channel.iterfind("item")]


def _split_channel(xml: bytes) -> tuple[bytes, bytes]:
    """A feed document with no items, cut where feedgen puts the items: at the end of the channel."""
    position = xml.rindex(b"  </channel>")
    return xml[:position], xml[position:]


def _generator() -> FeedGenerator:
    generator = FeedGenerator()
    generator.register_extension("apple", _ItunesShow, _ItunesEpisode)
    generator.register_extension("podcasting", _PodcastShow, _PodcastEpisode)
    generator.register_extension("history", _Links)
    return generator


def _channel(show: Show, page: Page, trailers: list[Episode], layout: Layout, media: Media) -> FeedGenerator:
    generator = _generator()
    generator.title(xml_text(show.title))
    generator.description(_cdata(_html_of_text(show.description)))
    # feedgen takes the channel's <link> from the last link given: the website goes last.
    generator.link(href=layout.url(page.key), rel="self", type=RSS_TYPE)
    generator.link(href=show.website, rel="alternate")
    generator.language(show.language)
    generator.copyright(xml_text(show.copyright))
    generator.generator("podcaster", __version__, "https://github.com/podcaster/podcaster")
    generator.image(url=layout.url(layout.artwork_key), title=xml_text(show.title), link=show.website)
    # lastBuildDate follows the content, not the clock, so an unchanged show builds a byte-identical feed.
    if page.episodes:
        generator.lastBuildDate(max(e.date for e in page.episodes))
    generator.apple.describe(show, layout.url(layout.artwork_key), is_current=not page.is_archive)
    generator.podcasting.describe(show, layout, media, trailers, is_current=not page.is_archive)
    hub = show.feed.hub if not page.is_archive else None
    generator.history.describe([(rel, layout.url(key)) for rel, key in page.links], hub, page.is_archive)
    return generator


def published(show: Show, episodes: Sequence[Episode], layout: Layout) -> PublishedFeed:
    """What the feed built from `episodes` says of them, as `read_published` would read it back."""
    return PublishedFeed(feed_guid(show), tuple(e.guid for e in episodes),
                         tuple(layout.url(layout.audio_key(e)) for e in episodes),
                         tuple(layout.page_url(e) for e in episodes))


def _add_item(generator: FeedGenerator, show: Show, episode: Episode, layout: Layout, media: Media) -> None:
    entry = generator.add_entry(order="append")
    entry.title(xml_text(episode.title))
    entry.guid(xml_text(episode.guid), permalink=False)
    entry.link(href=layout.page_url(episode))
    entry.pubDate(episode.date)
    entry.description(xml_text(_html_of_text(episode.summary)))
    # An item's HTML has no address of its own that apps would resolve the notes' relative links against.
    entry.content(_cdata(notes_html.with_absolute_urls(notes.episode_html(episode), layout.page_url(episode))))
    audio_key = layout.audio_key(episode)
    entry.enclosure(layout.url(audio_key), str(media.sizes[audio_key]), episode.audio_info.mime_type)
    entry.apple.describe(episode, show.explicit, layout.image_url(episode))
    entry.podcasting.describe(show, episode, layout, media)


class _ItunesShow(BaseExtension):
    """Channel-level itunes: tags for the show."""

    def __init__(self) -> None:
        self.show: Show | None = None
        self.image_url = ""
        self.is_current = True

    def describe(self, show: Show, image_url: str, *, is_current: bool) -> None:
        self.show, self.image_url, self.is_current = show, image_url, is_current

    def extend_ns(self) -> dict[str, str]:
        return {"itunes": ITUNES_NS}

    def extend_rss(self, feed: etree._Element) -> etree._Element:
        show, channel = self.show, feed[0]
        assert show is not None
        # The owner first, as in Apple's sample feed: feedparser takes the last name it meets, the
        # owner's included, for the show's author.
        owner = _itunes(channel, "owner")
        _itunes(owner, "name", show.owner.name)
        _itunes(owner, "email", show.owner.email)
        _itunes(channel, "author", show.author)
        _itunes(channel, "image", attributes={"href": self.image_url})
        # lxml escapes the & of "Religion & Spirituality" as &amp;, as Apple asks.
        category = _itunes(channel, "category", attributes={"text": show.category})
        if show.subcategory:
            _itunes(category, "category", attributes={"text": show.subcategory})
        _itunes(channel, "explicit", _explicit(show.explicit))
        _itunes(channel, "type", show.show_type)
        if show.block:
            _itunes(channel, "block", "Yes")
        if show.complete:
            _itunes(channel, "complete", "Yes")
        if show.new_feed_url and self.is_current:
            _itunes(channel, "new-feed-url", show.new_feed_url)
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
        if episode.speakers:
            # Most apps and parsers know no podcast:person; the speakers are the episode's author.
            _itunes(item, "author", ", ".join(episode.speakers))
        _itunes(item, "duration", str(round(episode.audio_info.duration)))
        _itunes(item, "image", attributes={"href": self.image_url})
        _itunes(item, "explicit", _explicit(self.show_explicit if episode.explicit is None else episode.explicit))
        _itunes(item, "episodeType", episode.episode_type)
        if episode.season is not None:
            _itunes(item, "season", str(episode.season))
        if episode.number is not None:
            _itunes(item, "episode", str(episode.number))
        return item


class _Links(BaseExtension):
    """atom:link relations beyond "self": the WebSub hub and RFC 5005's paging and archive links."""

    def __init__(self) -> None:
        self.links: list[tuple[str, str]] = []
        self.hub: str | None = None
        self.is_archive = False

    def describe(self, links: list[tuple[str, str]], hub: str | None, is_archive: bool) -> None:
        self.links, self.hub, self.is_archive = links, hub, is_archive

    def extend_ns(self) -> dict[str, str]:
        return {"fh": HISTORY_NS} if self.is_archive else {}

    def extend_rss(self, feed: etree._Element) -> etree._Element:
        channel = feed[0]
        if self.hub:
            _element(channel, f"{{{ATOM_NS}}}link", attributes={"rel": "hub", "href": self.hub})
        for rel, url in self.links:
            _element(channel, f"{{{ATOM_NS}}}link", attributes={"rel": rel, "href": url, "type": RSS_TYPE})
        if self.is_archive:
            _element(channel, f"{{{HISTORY_NS}}}archive")
        return feed


class _PodcastShow(BaseExtension):
    """Channel-level podcast: tags (Podcasting 2.0)."""

    def __init__(self) -> None:
        self.show: Show | None = None
        self.layout: Layout | None = None
        self.media = Media({}, {})
        self.trailers: list[Episode] = []
        self.is_current = True

    def describe(self, show: Show, layout: Layout, media: Media, trailers: list[Episode], *,
                 is_current: bool) -> None:
        self.show, self.layout, self.media, self.trailers = show, layout, media, trailers
        self.is_current = is_current

    def extend_ns(self) -> dict[str, str]:
        return {"podcast": PODCAST_NS}

    def extend_rss(self, feed: etree._Element) -> etree._Element:
        show, layout, channel = self.show, self.layout, feed[0]
        assert show is not None and layout is not None
        extras = show.podcasting
        _podcast(channel, "guid", feed_guid(show))
        # The 2021 schema requires the owner even though the spec made it optional: always give it.
        _podcast(channel, "locked", "yes" if extras.locked else "no", {"owner": show.owner.email})
        if show.block:
            _podcast(channel, "block", "yes")
        _podcast(channel, "medium", extras.medium)
        for funding in extras.funding:
            _podcast(channel, "funding", funding.text, {"url": funding.url})
        for person in extras.persons:
            _person(channel, person)
        if extras.location:
            _location(channel, extras.location)
        if extras.license:
            _license(channel, extras.license)
        for trailer in sorted(self.trailers, key=Episode.order, reverse=True):
            self._trailer(channel, trailer)
        for txt in extras.txt:
            _podcast(channel, "txt", txt.text, {"purpose": txt.purpose})
        if extras.update_frequency:
            frequency = extras.update_frequency
            _podcast(channel, "updateFrequency", frequency.text, {
                "rrule": frequency.rrule,
                "dtstart": frequency.start.isoformat() if frequency.start else None,
                "complete": "true" if show.complete else None,
            })
        if extras.podroll:
            podroll = _podcast(channel, "podroll")
            for remote in extras.podroll:
                _podcast(podroll, "remoteItem", attributes={
                    "feedGuid": remote.feed_guid, "feedUrl": remote.feed_url, "itemGuid": remote.item_guid,
                    "title": remote.title, "medium": remote.medium,
                })
        for social in extras.social:
            _social(channel, social)
        if extras.value:
            _value(channel, extras.value)
        if self.is_current:
            # First in the channel: a reader that knows no liveItem (feedparser) takes its link and
            # description for the channel's when they come after the channel's own. (Its guid, which
            # the channel has none of, feedparser still takes for the feed's id.)
            for position, live in enumerate(extras.live):
                channel.insert(position, self._live_item(channel, live))
        return feed

    def _trailer(self, channel: etree._Element, episode: Episode) -> None:
        layout = self.layout
        assert layout is not None
        key = layout.audio_key(episode)
        _podcast(channel, "trailer", episode.title, {
            "url": layout.url(key), "pubdate": _rfc2822(episode.date), "length": str(self.media.sizes[key]),
            "type": episode.audio_info.mime_type,
            "season": str(episode.season) if episode.season is not None else None,
        })

    def _live_item(self, channel: etree._Element, live: LiveItem) -> etree._Element:
        item = _podcast(channel, "liveItem", attributes={
            "status": live.status, "start": live.start.isoformat(), "end": live.end.isoformat() if live.end else None,
        })
        _element(item, "title", live.title)
        if live.summary:
            _element(item, "description", _html_of_text(live.summary))
        _element(item, "link", live.page_url)
        _element(item, "guid", live.guid, {"isPermaLink": "false"})
        _element(item, "pubDate", _rfc2822(live.start))
        # A stream has no length; RSS requires the attribute, and 0 is the agreed "unknown".
        _element(item, "enclosure", attributes={"url": live.stream_url, "type": live.stream_type, "length": "0"})
        alternate = _podcast(item, "alternateEnclosure", attributes={"type": live.stream_type, "default": "true"})
        _podcast(alternate, "source", attributes={"uri": live.stream_url})
        _podcast(item, "contentLink", live.page_text, {"href": live.page_url})
        return item


class _PodcastEpisode(BaseEntryExtension):
    """Item-level podcast: tags (Podcasting 2.0) for one episode."""

    def __init__(self) -> None:
        self.show: Show | None = None
        self.episode: Episode | None = None
        self.layout: Layout | None = None
        self.media = Media({}, {})

    def describe(self, show: Show, episode: Episode, layout: Layout, media: Media) -> None:
        self.show, self.episode, self.layout, self.media = show, episode, layout, media

    def extend_ns(self) -> dict[str, str]:
        return {"podcast": PODCAST_NS}

    def extend_rss(self, item: etree._Element) -> etree._Element:
        show, episode, layout = self.show, self.episode, self.layout
        assert show is not None and episode is not None and layout is not None
        if episode.season is not None:
            _podcast(item, "season", str(episode.season), {"name": season_name(show, episode.season)})
        if episode.number is not None:
            _podcast(item, "episode", str(episode.number), {"display": episode.number_display})
        if episode.chapters:
            _podcast(item, "chapters", attributes={"url": layout.url(layout.chapters_key(episode)),
                                                   "type": podcasting.CHAPTERS_TYPE})
        for transcript in episode.transcripts:
            _podcast(item, "transcript", attributes={
                "url": layout.url(layout.transcript_key(episode, transcript.path)), "type": transcript.mime_type,
                "language": transcript.language, "rel": "captions" if transcript.captions else None,
            })
        for person in episode_persons(show, episode):
            _person(item, person)
        for bite in episode.soundbites:
            _podcast(item, "soundbite", bite.title, {"startTime": _decimal(bite.start),
                                                     "duration": _decimal(bite.duration)})
        if episode.location:
            _location(item, episode.location)
        if episode.license:
            _license(item, episode.license)
        for alternate in episode.alternates:
            key = layout.alternate_key(episode, alternate.path)
            enclosure = _podcast(item, "alternateEnclosure", attributes={
                "type": alternate.mime_type, "length": str(self.media.sizes[key]), "title": alternate.title,
            })
            _podcast(enclosure, "source", attributes={"uri": layout.url(key)})
            _podcast(enclosure, "integrity", attributes={"type": podcasting.INTEGRITY_TYPE,
                                                          "value": self.media.integrity[key]})
        for social in episode.social:
            _social(item, social)
        return item


def feed_guid(show: Show) -> str:
    """The show's podcast:guid: the configured one, else derived from the feed URL."""
    return show.podcasting.guid or podcasting.feed_guid(show.feed_url)


def season_name(show: Show, number: int) -> str:
    # The 2021 schema requires a name on podcast:season, so an unnamed season gets a plain one.
    return next((s.name for s in show.podcasting.seasons if s.number == number), f"Season {number}")


def episode_persons(show: Show, episode: Episode) -> list[Person]:
    """The episode's people: its speakers, the others it names, then the show's regulars.

    An item's podcast:person list replaces the channel's in apps, so the regulars are repeated; a
    speaker's details come from the episode's `persons`, else from the show's."""
    details = {p.name: p for p in show.podcasting.persons} | {p.name: p for p in episode.persons}
    people = [details.get(name, Person(name)) for name in episode.speakers]
    people += [p for p in episode.persons if p.name not in episode.speakers]
    listed = {p.name for p in people}
    people += [p for p in show.podcasting.persons if p.name not in listed]
    return people


def _person(parent: etree._Element, person: Person) -> None:
    _podcast(parent, "person", person.name, {"role": person.role, "group": person.group, "img": person.img,
                                             "href": person.href})


def _location(parent: etree._Element, location: Location) -> None:
    _podcast(parent, "location", location.name, {"geo": location.geo, "osm": location.osm})


def _license(parent: etree._Element, license: License) -> None:
    _podcast(parent, "license", license.name, {"url": license.url})


def _social(parent: etree._Element, social: SocialInteract) -> None:
    _podcast(parent, "socialInteract", attributes={
        "protocol": social.protocol, "uri": social.uri, "accountId": social.account_id,
        "accountUrl": social.account_url, "priority": str(social.priority) if social.priority is not None else None,
    })


def _value(parent: etree._Element, value: Value) -> None:
    block = _podcast(parent, "value", attributes={"type": value.type, "method": value.method,
                                                  "suggested": value.suggested})
    for recipient in value.recipients:
        _podcast(block, "valueRecipient", attributes={
            "name": recipient.name, "customKey": recipient.custom_key, "customValue": recipient.custom_value,
            "type": recipient.type, "address": recipient.address, "split": str(recipient.split),
            "fee": "true" if recipient.fee else None,
        })


@dataclass(frozen=True)
class PublishedFeed:
    """What an earlier feed said of its episodes, enough to recognise each and its GUID: for each item
    in order, its GUID, enclosure URL and link, as three columns. (Every rebuild stores one and reads
    the last one back: ten thousand items as objects took 40 ms more.)"""

    podcast_guid: str | None
    guids: tuple[str, ...]
    enclosure_urls: tuple[str | None, ...]
    links: tuple[str | None, ...]


def read_published(folder: Path) -> PublishedFeed | None:
    """The feed an earlier build left in `folder` (feed.xml and its archive pages); None if there is
    none. Raises RenderError when it cannot be read."""
    main = folder / FEED_KEY
    if not main.is_file():
        return None
    podcast_guid = None
    items: list[tuple[str, str | None, str | None]] = []
    for path in [main, *sorted(folder.glob(ARCHIVE_PATTERN))]:
        try:
            guid_here = _read_items(path, items)
        except (OSError, etree.XMLSyntaxError) as e:
            raise RenderError(f"{path}: not a readable feed ({e})") from e
        if path == main:
            podcast_guid = guid_here
    guids, enclosure_urls, links = zip(*items) if items else ((), (), ())
    return PublishedFeed(podcast_guid, guids, enclosure_urls, links)


def _read_items(path: Path, items: list[tuple[str, str | None, str | None]]) -> str | None:
    """Append what the feed document at `path` says of each episode to `items` (its GUID, enclosure URL
    and link); return its channel's podcast:guid. Read as a stream, each item dropped once read: as
    one tree, a feed of 10,000 episodes (70 MB) took 170 MB."""
    channel_guid = None
    for _, element in etree.iterparse(str(path), tag=("item", f"{{{PODCAST_NS}}}guid"),
                                      resolve_entities=False, no_network=True):
        parent = element.getparent()
        if element.tag != "item":
            if parent is not None and parent.tag == "channel":
                channel_guid = element.text
            continue
        guid = element.findtext("guid")
        enclosure = element.find("enclosure")
        if guid:
            items.append((guid, enclosure.get("url") if enclosure is not None else None, element.findtext("link")))
        element.clear(keep_tail=True)
        while element.getprevious() is not None:
            del parent[0]
    return channel_guid
