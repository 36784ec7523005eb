"""The show-notes site: every text file of it, rendered from the templates.

A home page; a page per episode (player, chapters, notes, transcript, neighbours, related
episodes); lists of episodes, paginated: the archive and one per series, season and speaker;
a 404 page; the sitemap, robots.txt, the stylesheet and the script. `site_images` names the
sized copies of the artwork the pages show.

The work is linear in the number of episodes: related episodes come from the nearest episodes
of the same series or speaker, a bounded number each.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import zip_longest
from pathlib import Path
from typing import NamedTuple

from podcaster import languages, timecodes, transcripts
from podcaster.cache import digest as cache_digest
from podcaster.errors import RenderError
from podcaster.model import Episode, Show, Transcript
from podcaster.render import jsonld, notes, notes_html
from podcaster.render.templates import Templates
from podcaster.site import (
    ARCHIVE_SECTION, FEED_KEY, LIVE_DIR_KEY, LIVE_KEY, NOT_FOUND_KEY, ROBOTS_KEY, SCRIPT_KEY, SITEMAP_KEY,
    STYLESHEET_KEY, Layout, slugify,
)

PICTURE_SIZES = (150, 300, 600)  # widths (px) of the WebP copies of artwork that pages show
PICTURE_DEFAULT = 300  # the copy a browser without srcset support loads
ICON_SIZES = (32, 180)  # the favicon and the touch icon, PNG
LATEST_COUNT = 5  # episodes on the home page
RELATED_COUNT = 4  # related episodes on an episode page
# Cards made for the pages rendered last: pages render in date order, and show episodes near
# their own. All 10,000 of a long archive took 18 MB of a first build's memory.
CARDS_KEPT = 1024
DESCRIPTION_LENGTH = 160  # search engines cut meta descriptions at about this many characters


@dataclass(frozen=True)
class SiteImage:
    """A sized copy of an image that the pages show: written by the pipeline, named by the layout."""

    key: str
    source: Path
    pixels: int
    image_format: str  # "WEBP" or "PNG"


@dataclass(frozen=True)
class Link:
    name: str
    url: str


@dataclass(frozen=True)
class Picture:
    src: str
    srcset: str
    alt: str


@dataclass(frozen=True)
class Card:
    """An episode as a list shows it."""

    model: Episode
    url: str
    picture: Picture
    date_text: str
    duration: str  # ISO 8601, for <time datetime>
    duration_text: str


@dataclass(frozen=True)
class Moment:
    """A chapter or a transcript cue: a point in the audio that a link plays from."""

    start: float
    duration: str  # ISO 8601 offset, for <time datetime>
    clock: str
    text: str
    href: str
    speaker: str | None = None
    url: str | None = None  # a chapter's web page
    host: str | None = None


@dataclass(frozen=True)
class EpisodeView:
    card: Card
    audio_url: str
    audio_type: str
    audio_format: str  # "MP3", "M4A"
    notes_html: str
    chapters: list[Moment]
    transcript: list[Moment]
    transcript_url: str | None
    transcript_format: str | None
    speakers: list[Link]
    series: Link | None
    season: Link | None
    older: Card | None
    newer: Card | None
    related: list[Card]


@dataclass(frozen=True)
class Listing:
    """One page of a list of episodes.

    Pages are cut from the oldest episode on, so a page of older episodes stays as it is when new
    ones come out (a new episode rewrites the list's own page, not every page after it): in an
    episodic show the list's own page holds the newest episodes, from one page's worth up to just
    under two, and the numbered pages the older ones; in a serial show the list's own page holds
    the first episodes, and the numbered pages the later ones."""

    heading: str
    intro: str
    cards: list[Card]
    first_number: int  # the cards' positions in the whole list, counted from its oldest episode
    last_number: int
    previous_url: str | None  # the page before in reading order (newer episodes, or earlier in a serial show)
    previous_label: str
    next_url: str | None
    next_label: str


@dataclass(frozen=True)
class Head:
    """What every page says about itself to browsers, search engines and link previews."""

    title: str
    description: str
    canonical: str | None  # None: the page is not to be indexed (404)
    image: str
    image_alt: str
    og_type: str = "website"
    breadcrumbs: list[Link] = field(default_factory=list)
    structured_data: dict | None = None


class SitemapEntry(NamedTuple):
    """A page in the sitemap. (A named tuple, as `Page` is: there is one for each page.)"""

    url: str
    lastmod: str | None


def site_images(show: Show, episodes: Sequence[Episode], layout: Layout) -> list[SiteImage]:
    """The sized copies of the show's artwork and of every episode cover that pages show."""
    images = [SiteImage(layout.picture_key(None, size), show.artwork, size, "WEBP") for size in PICTURE_SIZES]
    images += [SiteImage(layout.icon_key(size), show.artwork, size, "PNG") for size in ICON_SIZES]
    for episode in episodes:
        if episode.cover:
            images += [SiteImage(layout.picture_key(episode, size), episode.cover, size, "WEBP")
                       for size in PICTURE_SIZES]
    return images


class Page(NamedTuple):
    """A text file of the site: a digest of everything it is made from, and how to make it (which
    is left undone when the file from the last build was made from the same). A named tuple: a
    rebuild of 10,000 episodes plans some 14,000, and a frozen dataclass is slower to make."""

    key: str
    inputs: str
    render: Callable[[], str]


def plan(show: Show, episodes: Sequence[Episode], layout: Layout, templates: Templates) -> list[Page]:
    """Every text file of the site, not rendered yet; `episodes` are the published ones."""
    return _SiteRenderer(show, episodes, layout, templates).pages()


class _SiteRenderer:
    def __init__(self, show: Show, episodes: Sequence[Episode], layout: Layout, templates: Templates) -> None:
        self.show, self.layout, self.templates = show, layout, templates
        self.chronological = sorted(episodes, key=Episode.order)
        self._positions = {episode.slug: index for index, episode in enumerate(self.chronological)}
        self.home_url = layout.public_url
        self.planned: dict[str, Page] = {}
        self.sitemap: list[SitemapEntry] = []
        self._cards: dict[str, Card] = {}  # made when a page to render shows them
        self.series = _Groups(self.chronological, lambda e: [e.series] if e.series else [])
        self.speakers = _Groups(self.chronological, lambda e: list(e.speakers))
        self.seasons = _Groups(self.chronological, lambda e: [e.season] if e.season is not None else [])
        self.latest = list(reversed(self.chronological[-LATEST_COUNT:]))
        self.artwork_url = layout.url(layout.artwork_key)
        self.artwork_alt = f"The artwork of {show.title}"
        self.site = {
            "show": show,
            "direction": languages.direction(show.language),
            "home_url": self.home_url,
            "archive_url": layout.listing_url(ARCHIVE_SECTION),
            "feed_url": layout.url(FEED_KEY),
            "stylesheet_url": layout.url(STYLESHEET_KEY),
            "script_url": layout.url(SCRIPT_KEY),
            "icon_url": layout.url(layout.icon_key(ICON_SIZES[0])),
            "touch_icon_url": layout.url(layout.icon_key(ICON_SIZES[-1])),
            "subscribe_links": show.subscribe_links,
            "series": [Link(name, self._series_url(name)) for name in self.series.members],
            "speakers": [Link(name, self._speaker_url(name))
                         for name in sorted(self.speakers.members, key=str.casefold)],
            "seasons": [Link(f"Season {number}", self._season_url(number)) for number in sorted(self.seasons.members)],
        }
        # What every page depends on besides its own episodes: the show's settings, every
        # template, and the lists of series, speakers and seasons that each page links to. Live
        # streams only show on the live page: announcing one does not remake thousands of pages.
        self.site_inputs = cache_digest(show.without_live(), templates.digest(), self.site)

    def pages(self) -> list[Page]:
        """Every page, planned; once per renderer (it hands the plans over and keeps none)."""
        self._home()
        for index, episode in enumerate(self.chronological):
            self._episode(episode, index)
        self._listing(ARCHIVE_SECTION, "All episodes", f"Every episode of {self.show.title}.", self.chronological)
        for name, members in self.series.members.items():
            self._listing(f"series/{slugify(name)}", name, f"The episodes of the series “{name}”.", members)
        for number, members in self.seasons.members.items():
            self._listing(f"seasons/{number}", f"Season {number}", f"The episodes of season {number}.", members)
        for name, members in self.speakers.members.items():
            self._listing(f"speakers/{slugify(name)}", name, f"Episodes with {name}.", members,
                          about=jsonld.person(name, self._speaker_url(name)))
        self._not_found()
        self._live()
        entries = list(self.sitemap)
        # As plain tuples: a named tuple pickles (for the digest) with its class, each time.
        self._add(SITEMAP_KEY, list(map(tuple, entries)),
                  lambda: self.templates.render(SITEMAP_KEY, entries=entries), None)
        sitemap_url = self.layout.url(SITEMAP_KEY)
        self._add(ROBOTS_KEY, (), lambda: self.templates.render(ROBOTS_KEY, sitemap_url=sitemap_url), None)
        self._add(STYLESHEET_KEY, (), lambda: self.templates.render(STYLESHEET_KEY), None)
        self._add(SCRIPT_KEY, (), lambda: self.templates.render(SCRIPT_KEY), None)
        # Each page renders with this renderer: were the renderer to keep the pages too, they would
        # form a cycle that only a full garbage collection frees, and at 10,000 episodes the plans
        # (15 MB) outlived the pages into the end of the build, where its memory peaks.
        planned, self.planned = list(self.planned.values()), {}
        return planned

    # --- pages -------------------------------------------------------------------------------

    def _home(self) -> None:
        self._add("index.html", self._fingerprints(self.latest), self._home_html, self.home_url,
                  self.latest[0].iso_date if self.latest else None)

    def _home_html(self) -> str:
        head = Head(
            title=self.show.title,
            description=_shortened(self.show.description),
            canonical=self.home_url,
            image=self.artwork_url,
            image_alt=self.artwork_alt,
            structured_data=jsonld.document(
                jsonld.website(self.show, self.home_url),
                jsonld.podcast_series(self.show, self.home_url, self.artwork_url, self.site["feed_url"]),
            ),
        )
        return self._render("index.html", head, latest=[self._card(e) for e in self.latest],
                            picture=self._picture(None, self.artwork_alt))

    def _episode(self, episode: Episode, index: int) -> None:
        # Only the index is kept until the page renders, and its neighbours are found again then:
        # on a first build, every page of a long archive waits for the audio to be tagged.
        _, older, newer, related = self._shown_with(index)
        shown = (episode, older, newer, *related)
        # Last modified when the newest episode it links to came out: a newer neighbour changes it
        # too. (Found by position: comparing thousands of dates with their time zones was slow.)
        newest = max([index + 1 if newer else index, *(self._positions[other.slug] for other in related)])
        self._add(self.layout.page_key(episode), [e and e.fingerprint for e in shown],
                  partial(self._episode_html, index), self.layout.page_url(episode),
                  self.chronological[newest].iso_date)

    def _shown_with(self, index: int) -> tuple[Episode, Episode | None, Episode | None, list[Episode]]:
        """The episode at `index` in date order, its older and newer neighbours, and its related episodes."""
        episode = self.chronological[index]
        older = self.chronological[index - 1] if index > 0 else None
        newer = self.chronological[index + 1] if index + 1 < len(self.chronological) else None
        return episode, older, newer, self._related(episode)

    def _episode_html(self, index: int) -> str:
        episode, older, newer, related = self._shown_with(index)
        layout = self.layout
        card = self._card(episode)
        audio_url = layout.url(layout.audio_key(episode))
        speakers = [Link(name, self._speaker_url(name)) for name in episode.speakers]
        chapters = [_moment(c.start, c.title, audio_url, url=c.url) for c in episode.chapters]
        shown = _shown_transcript(episode)
        view = EpisodeView(
            card=card,
            audio_url=audio_url,
            audio_type=episode.audio_info.mime_type,
            audio_format=episode.audio_info.format.upper(),
            notes_html=notes.episode_html(episode, self.player(episode)),
            chapters=chapters,
            transcript=self._transcript(episode, shown.path, audio_url) if shown else [],
            transcript_url=layout.url(layout.transcript_key(episode, shown.path)) if shown else None,
            transcript_format=_transcript_format(shown.path) if shown else None,
            speakers=speakers,
            series=Link(episode.series, self._series_url(episode.series)) if episode.series else None,
            season=Link(f"Season {episode.season}", self._season_url(episode.season))
            if episode.season is not None else None,
            older=self._card(older) if older else None,
            newer=self._card(newer) if newer else None,
            related=[self._card(e) for e in related],
        )
        trail = [Link("Home", self.home_url), Link("All episodes", self.site["archive_url"]), Link(episode.title, card.url)]
        image = layout.image_url(episode)
        head = Head(
            title=f"{episode.title} · {self.show.title}",
            description=_shortened(episode.summary),
            canonical=card.url,
            image=image,
            image_alt=card.picture.alt,
            og_type="article",
            breadcrumbs=trail,
            structured_data=jsonld.document(
                jsonld.podcast_episode(
                    self.show, episode, page_url=card.url, home_url=self.home_url, image_url=image,
                    audio_url=audio_url, speaker_urls=[s.url for s in speakers],
                    chapter_urls=[f"{card.url}#t={c.start:g}" for c in chapters],
                ),
                jsonld.breadcrumbs([(link.name, link.url) for link in trail]),
            ),
        )
        return self._render("episode.html", head, episode=view)

    def _listing(self, section: str, heading: str, intro: str, members: Sequence[Episode],
                 about: dict | None = None) -> None:
        """The pages of a list of episodes (`members`, oldest first); see `Listing`."""
        size = self.show.page_size
        serial = self.show.show_type == "serial"
        numbered = max(0, len(members) // size - (0 if serial else 1))  # whole pages besides the list's own
        if serial:
            chunks = [(None, 0, min(size, len(members)))]
            chunks += [(number, (number - 1) * size, min(number * size, len(members))) for number in range(2, numbered + 2)
                       if (number - 1) * size < len(members)]
        else:
            chunks = [(None, numbered * size, len(members))]
            chunks += [(number, (number - 1) * size, number * size) for number in range(numbered, 0, -1)]
        # In reading order: newest first, or from the first episode in a serial show.
        urls = [self.layout.listing_url(section, number) for number, _, _ in chunks]
        labels = ("Earlier episodes", "Later episodes") if serial else ("Newer episodes", "Older episodes")
        for position, (number, start, end) in enumerate(chunks):
            shown = members[start:end] if serial else list(reversed(members[start:end]))
            previous_url = urls[position - 1] if position > 0 else None
            next_url = urls[position + 1] if position + 1 < len(chunks) else None

            def render(shown=shown, start=start, end=end, number=number, previous_url=previous_url,
                       next_url=next_url) -> str:
                listing = Listing(
                    heading=heading, intro=intro, cards=[self._card(e) for e in shown],
                    first_number=start + 1, last_number=end,
                    previous_url=previous_url, previous_label=labels[0], next_url=next_url, next_label=labels[1],
                )
                return self._listing_html(section, listing, number, len(members), about)

            self._add(self.layout.listing_key(section, number),
                      # The list's own page says how many episodes the list has.
                      [section, heading, intro, about, previous_url, next_url, self._fingerprints(shown),
                       len(members) if number is None else None],
                      render, urls[position], members[end - 1].iso_date if end > start else None)

    def _listing_html(self, section: str, listing: Listing, number: int | None, count: int, about: dict | None) -> str:
        url = self.layout.listing_url(section, number)
        if number is None:
            # Only the list's own page says how long the list is: the others never change.
            name = listing.heading
            summary = f"{count} episode{'' if count == 1 else 's'} of {self.show.title}."
        else:
            name = f"{listing.heading}, episodes {listing.first_number}–{listing.last_number}"
            summary = f"Episodes {listing.first_number} to {listing.last_number} of {self.show.title}."
        trail = [Link("Home", self.home_url), Link(name, url)]
        description = _shortened(f"{listing.intro} {summary}")
        head = Head(
            title=f"{name} · {self.show.title}",
            description=description,
            canonical=url,
            image=self.artwork_url,
            image_alt=self.artwork_alt,
            breadcrumbs=trail,
            structured_data=jsonld.document(
                jsonld.collection_page(name, description, url, self.home_url, about),
                jsonld.breadcrumbs([(link.name, link.url) for link in trail]),
            ),
        )
        return self._render("listing.html", head, listing=listing, numbered=number is not None)

    def _not_found(self) -> None:
        self._add(NOT_FOUND_KEY, self._fingerprints(self.latest), self._not_found_html, None)

    def _not_found_html(self) -> str:
        head = Head(
            title=f"Page not found · {self.show.title}",
            description=f"This page of {self.show.title} does not exist; the list of every episode is a click away.",
            canonical=None,
            image=self.artwork_url,
            image_alt=self.artwork_alt,
        )
        return self._render("404.html", head, latest=[self._card(e) for e in self.latest])

    def _live(self) -> None:
        """The streams announced in [[live]] that have not ended: what is on, or coming, and where to follow it."""
        streams = sorted((live for live in self.show.podcasting.live if live.status != "ended"), key=lambda l: l.start)
        if streams:
            self._add(LIVE_KEY, streams, lambda: self._live_html(streams), self.layout.url(LIVE_DIR_KEY))

    def _live_html(self, streams: list) -> str:
        head = Head(
            title=f"Live · {self.show.title}",
            description=f"Livestreams of {self.show.title}: what is on now and what comes next.",
            canonical=self.layout.url(LIVE_DIR_KEY),
            image=self.artwork_url,
            image_alt=self.artwork_alt,
        )
        return self._render("live.html", head, streams=streams)

    # --- parts -------------------------------------------------------------------------------

    def _render(self, template: str, head: Head, **context) -> str:
        return self.templates.render(template, site=self.site, page=head, **context)

    def _add(self, key: str, inputs, render: Callable[[], str], url: str | None, lastmod: str | None = None) -> None:
        """Plan the page at `key`, made by `render` from `inputs` (and what every page depends on);
        `lastmod` is the date it gives the sitemap, in ISO 8601."""
        if key in self.planned:
            raise RenderError(f"two pages would be written to {key}; two names make the same URL there, "
                              "rename one of them (a series or a speaker)")
        self.planned[key] = Page(key, cache_digest(self.site_inputs, key, inputs), render)
        if url is not None:
            self.sitemap.append(SitemapEntry(url, lastmod))

    @staticmethod
    def _fingerprints(shown: Iterable[Episode]) -> list[str]:
        return [episode.fingerprint for episode in shown]

    def player(self, episode: Episode) -> notes_html.Player:
        return notes_html.Player(self.layout.url(self.layout.audio_key(episode)), episode.audio_info.duration)

    def _card(self, episode: Episode) -> Card:
        card = self._cards.get(episode.slug)
        if card is None:
            card = self._cards[episode.slug] = self._new_card(episode)
            if len(self._cards) > CARDS_KEPT:
                del self._cards[next(iter(self._cards))]  # the first made
        return card

    def _new_card(self, episode: Episode) -> Card:
        duration = episode.audio_info.duration
        return Card(
            model=episode,
            url=self.layout.page_url(episode),
            picture=self._picture(episode, f"The cover of “{episode.title}”"),
            date_text=f"{episode.date.day} {episode.date:%B %Y}",
            duration=jsonld.iso_duration(duration),
            duration_text=timecodes.format_clock(round(duration)),
        )

    def _picture(self, episode: Episode | None, alt: str) -> Picture:
        key = self.layout.picture_key
        return Picture(
            src=self.layout.url(key(episode, PICTURE_DEFAULT)),
            srcset=", ".join(f"{self.layout.url(key(episode, size))} {size}w" for size in PICTURE_SIZES),
            alt=alt,
        )

    def _transcript(self, episode: Episode, path: Path, audio_url: str) -> list[Moment]:
        if not transcripts.readable(path):
            return []
        try:
            cues = transcripts.parse(path)
        except ValueError as e:  # checked when the episode loaded; changed since
            raise RenderError(f"{episode.source}: transcript: {e}") from e
        # A speaker is named where the voice changes, as a printed transcript would.
        return [_moment(cue.start, cue.text, audio_url,
                        speaker=cue.speaker if index == 0 or cue.speaker != cues[index - 1].speaker else None)
                for index, cue in enumerate(cues)]

    def _related(self, episode: Episode) -> list[Episode]:
        """Up to RELATED_COUNT episodes of the same series, then with the same speakers, nearest in time first."""
        groups = [(self.series, episode.series)] if episode.series else []
        groups += [(self.speakers, speaker) for speaker in episode.speakers]
        related: dict[str, Episode] = {}  # by slug: comparing whole episodes would be slow
        for group, name in groups:
            for other in group.nearest(name, episode, RELATED_COUNT):
                if other.slug != episode.slug and other.slug not in related:
                    related[other.slug] = other
                    if len(related) == RELATED_COUNT:  # the later groups are not needed
                        return list(related.values())
        return list(related.values())

    def _series_url(self, name: str) -> str:
        return self.layout.listing_url(f"series/{slugify(name)}")

    def _speaker_url(self, name: str) -> str:
        return self.layout.listing_url(f"speakers/{slugify(name)}")

    def _season_url(self, number: int) -> str:
        return self.layout.listing_url(f"seasons/{number}")


class _Groups:
    """Episodes by a name they share (a series, a speaker, a season), each group in date order."""

    def __init__(self, episodes: Iterable[Episode], names: Callable[[Episode], list]) -> None:
        self.members: dict = defaultdict(list)
        self._position: dict = defaultdict(dict)  # name → slug → position in the group
        for episode in episodes:
            for name in names(episode):
                self._position[name][episode.slug] = len(self.members[name])
                self.members[name].append(episode)
        self.members = dict(self.members)

    def nearest(self, name, episode: Episode, count: int) -> list[Episode]:
        """Up to `count` other episodes of the group nearest to `episode`, alternating earlier and later."""
        members, position = self.members[name], self._position[name][episode.slug]
        if count <= position < len(members) - count and count <= RELATED_COUNT:  # most are far from both ends
            return [members[position + offset] for offset in _NEAREST_FIRST[:count]]
        earlier = members[max(0, position - count):position][::-1]
        later = members[position + 1:position + 1 + count]
        around = [other for pair in zip_longest(earlier, later) for other in pair if other is not None]
        return around[:count]


# Positions around an episode's, nearest first, alternating earlier and later (as `nearest` takes them).
_NEAREST_FIRST = tuple(offset for distance in range(1, RELATED_COUNT + 1) for offset in (-distance, distance))


def _moment(start: float, text: str, audio_url: str, *, speaker: str | None = None, url: str | None = None) -> Moment:
    return Moment(
        start=start,
        # The whole seconds the clock shows (12.7 s reads 00:12), so the text and its datetime agree.
        duration=jsonld.iso_duration(int(start)),
        clock=timecodes.format_clock(start),
        text=text,
        href=notes_html.seek_href(audio_url, start),
        speaker=speaker,
        url=url,
        host=url.split("/")[2] if url else None,
    )


def _shown_transcript(episode: Episode) -> Transcript | None:
    """The transcript the page prints: the first one podcaster can read as timed cues (VTT, SRT),
    else the first of any kind, which the page links to."""
    readable = [t for t in episode.transcripts if transcripts.readable(t.path)]
    return (readable or list(episode.transcripts) or [None])[0]


def _transcript_format(path: Path) -> str:
    return transcripts.FORMATS.get(path.suffix.lower(), path.suffix.lstrip(".").upper())


def _shortened(text: str) -> str:
    """`text` cut at a word to fit a meta description."""
    text = " ".join(text.split())
    if len(text) <= DESCRIPTION_LENGTH:
        return text
    return text[:DESCRIPTION_LENGTH - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"
