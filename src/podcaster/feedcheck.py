"""What Apple Podcasts and podcast apps would reject in the feed, found before anything is written.

`check()` runs after the config and the episodes have loaded; each rule records its problems in
the `Report` with the file, the field and the fix.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import unquote, urlsplit

from podcaster import apple, artwork, podcasting
from podcaster.errors import ArtworkError, RenderError, Report
from podcaster.model import Episode, Show
from podcaster.render import feed
from podcaster.site import Layout
from podcaster.text import CONTROL_CHARACTERS, has_control_characters, texts


def check(show: Show, episodes: Sequence[Episode], published: Sequence[Episode] | None, report: Report,
          earlier_feed: Callable[[], feed.PublishedFeed | None] | None = None) -> None:
    """The rules for the show and across its episodes (each episode's own are `check_episode`'s);
    `published` are those the feed would hold (None for a preview), `earlier_feed` reads what the last build's feed said
    (by default from the output folder)."""
    check_artwork(show.artwork, show.config_path, "artwork", report)
    check_description(show.config_path, "description", show.description, report)
    check_serial_numbers(show, episodes, report)
    check_https(show, report)
    check_live_guids(show, episodes, report)
    check_control_characters(show.config_path, show, report)
    check_guids_kept(show, episodes, published, report, earlier_feed or (lambda: feed.read_published(show.output_dir)))


def check_episode(episode: Episode, report: Report) -> None:
    """The rules for one episode on its own: run as it loads, so they are not run again for an
    episode that did not change."""
    if episode.cover:
        check_artwork(episode.cover, episode.source, "cover", report)
    check_description(episode.source, "summary", episode.summary, report)
    check_enclosure_type(episode, report)
    check_title(episode, report)
    check_control_characters(episode.source, episode, report)


def check_artwork(path: Path, source: Path, field: str, report: Report) -> None:
    """Apple's artwork rules: JPEG or PNG named for its type, RGB, square, 1400 to 3000 px."""
    try:
        info = artwork.inspect(path)
    except ArtworkError as e:
        report.error(source, field, e.message)
        return
    name = path.name
    extension = apple.ARTWORK_FORMATS.get(info.format)
    if extension is None:
        report.error(source, field, f"{name} is a {info.format} image; Apple Podcasts takes only JPEG or PNG: "
                                    "save it as .jpg or .png")
    elif path.suffix != extension:
        report.error(source, field, f"{name} holds a {info.format} image but is named {path.suffix or 'without an extension'}; "
                                    f"rename it to end in {extension}")
    if info.mode not in apple.ARTWORK_MODES:
        report.error(source, field, f"{name} is in {info.mode} colour; Apple Podcasts needs RGB: convert it to RGB")
    size = f"{name} is {info.width}×{info.height} px"
    low, high = apple.ARTWORK_MIN_PIXELS, apple.ARTWORK_MAX_PIXELS
    if info.width != info.height:
        report.error(source, field, f"{size}; Apple Podcasts needs a square image: crop it to "
                                    f"{min(info.width, info.height)}×{min(info.width, info.height)} px")
    elif info.width < low:
        report.error(source, field, f"{size}; Apple Podcasts needs at least {low}×{low} px: export it larger")
    elif info.width > high:
        report.error(source, field, f"{size}; Apple Podcasts takes at most {high}×{high} px: scale it down")


def check_description(source: Path, field: str, text: str, report: Report) -> None:
    limit = apple.DESCRIPTION_MAX_BYTES
    size = len(text.encode("utf-8"))
    if size > limit:
        report.error(source, field, f"is {size} bytes long; Apple Podcasts takes at most {limit}: shorten it")


def check_serial_numbers(show: Show, episodes: Sequence[Episode], report: Report) -> None:
    if show.show_type != "serial":
        return
    for episode in episodes:
        if episode.number is None and episode.episode_type == "full":
            report.error(episode.source, "number", "missing; the show is serial (type = \"serial\"), and Apple "
                                                   "Podcasts orders serial shows by number: add `number: N`")


def check_enclosure_type(episode: Episode, report: Report) -> None:
    mime_type = episode.audio_info.mime_type
    if mime_type not in apple.ENCLOSURE_TYPES:
        report.error(episode.source, "audio",
                     f"{episode.audio.name} is {mime_type}, which Apple Podcasts does not accept; publish an "
                     "MP3 or M4A as `audio` and list this file under `alternates`")


def check_https(show: Show, report: Report) -> None:
    """Apple and many apps refuse plain HTTP; a loopback address is a preview, not a publication."""
    for field, url in (("publish.public_url", show.publish.public_url), ("new_feed_url", show.new_feed_url)):
        if url and urlsplit(url).scheme != "https" and not _is_loopback(url):
            report.warn(show.config_path, field, f"{url!r} is not HTTPS; Apple Podcasts and many apps refuse "
                                                 "feeds and audio over plain HTTP: serve them over https://")


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_title(episode: Episode, report: Report) -> None:
    if episode.episode_type == "trailer" and len(episode.title) > podcasting.MAX_TEXT:
        report.error(episode.source, "title", f"is {len(episode.title)} characters long, and a trailer's title is "
                     f"also the show's podcast:trailer, which apps cut at {podcasting.MAX_TEXT}: shorten it")
    if episode.number is not None and _names_number(episode.title, episode.number):
        report.warn(episode.source, "title",
                    f"{episode.title!r} contains the episode's number {episode.number}; Apple Podcasts shows the "
                    "number itself (from `number`), so leave it out of the title")


# A number the title names: "Episode 12", "Ep. 12", "#12", or "12." / "12:" / "12 -" at the start.
_NAMED_NUMBERS = (
    re.compile(r"\b(?:episode|ep|no|part|nr)\.?\s*#?\s*0*(\d+)(?!\d)", re.IGNORECASE),
    re.compile(r"^\s*#?0*(\d+)\s*[.:)\-–—|]"),
    re.compile(r"#0*(\d+)(?!\d)"),
)


def _names_number(title: str, number: int) -> bool:
    return any(int(match.group(1)) == number for pattern in _NAMED_NUMBERS for match in pattern.finditer(title))


def check_live_guids(show: Show, episodes: Sequence[Episode], report: Report) -> None:
    by_guid = {episode.guid: episode for episode in episodes}
    for position, live in enumerate(show.podcasting.live, 1):
        if live.guid in by_guid:
            report.error(show.config_path, f"live[{position}].guid",
                         f"{live.guid!r} is already the GUID of {by_guid[live.guid].source}; give the stream its own")


def check_control_characters(source: Path, value: Show | Episode, report: Report) -> None:
    """Control characters cannot be held by a feed or a page: the show and its episodes are read
    without them (`text.without_control_characters`), and this says so (text made of nothing
    else would be left empty, so it is refused)."""
    if not has_control_characters(value):  # nearly every show and episode: no walk with the fields' names
        return
    for field, text in texts(value):
        found = CONTROL_CHARACTERS.search(text)
        if found and not CONTROL_CHARACTERS.sub("", text).strip():
            report.error(source, field, "is made only of control characters, which a feed cannot hold: "
                                        "write it in words")
        elif found:
            report.warn(source, field, f"contains the control character U+{ord(found.group()):04X}, which a feed "
                                       "or a page cannot hold, so the feed, the pages and the audio tags leave it "
                                       "out: remove it")


def check_guids_kept(show: Show, episodes: Sequence[Episode], published_now: Sequence[Episode] | None, report: Report,
                     earlier_feed: Callable[[], feed.PublishedFeed | None]) -> None:
    """An episode whose GUID changed is a new episode to every app: each subscriber would download it
    again; a feed emptied (of `published_now`; None for a preview, which writes no feed of the show)
    takes every episode out of them. Compare with the feed the last build wrote."""
    try:
        published = earlier_feed()
    except RenderError as e:
        report.warn(show.output_dir / "feed.xml", "", f"{e.message.split(': ', 1)[-1]}; GUIDs cannot be compared "
                                                      "with the last build: delete it, or build again to replace it")
        return
    if published is None:
        return
    earlier_guid, guid = published.podcast_guid, feed.feed_guid(show)
    if earlier_guid and guid != earlier_guid:
        why, fix = ("because the feed URL changed", "add") if show.podcasting.guid is None else \
            ("as podcast.guid now says", "set")
        report.error(show.config_path, "podcast.guid",
                     f"the show's podcast:guid would change from {earlier_guid} to {guid} {why}; a show keeps it for "
                     f"life: {fix} `guid = \"{earlier_guid}\"` under [podcast]")
    if published.guids and published_now is not None and not published_now:
        # A moved episodes folder, or episodes written as loose files, looks like a show with none.
        count = len(published.guids)
        found, fix = (f"all {len(episodes)} episodes in {show.episodes_dir} are drafts or dated in the future",
                      "publish one") if episodes else \
            (f"no episode in {show.episodes_dir} is ready to publish", "point [paths] episodes at the episodes' folders")
        report.error(show.config_path, "paths.episodes",
                     f"{found}, yet the feed the last build wrote ({show.output_dir.name}/feed.xml) has {count} "
                     f"episode{'s' if count != 1 else ''}; an empty feed takes them all out of subscribers' apps. "
                     f"To keep them, {fix}; to empty the feed on purpose, delete {show.output_dir.name}/feed.xml first")
    layout = Layout.of(show)
    earlier_guids = _EarlierGuids(published)
    for episode in episodes:
        earlier = earlier_guids.of(episode, layout)
        if earlier and earlier != episode.guid:
            report.error(episode.source, "guid",
                         f"{episode.guid!r} differs from {earlier!r}, the GUID this episode has in the last "
                         f"built feed ({show.output_dir.name}/feed.xml); a new GUID makes every subscriber download "
                         f"it again as a new episode: set `guid: \"{earlier}\"` back")


class _EarlierGuids:
    """An earlier feed's GUIDs, found by audio URL, page URL or slug, in dictionaries: a show can
    have thousands of episodes."""

    def __init__(self, published: feed.PublishedFeed) -> None:
        self._published = published
        self._by_url: dict[str, str] = {}
        self._by_slug: dict[str, str] | None = None  # made when a URL is not found (see `_names_no_item`)
        self._urls: str | None = None  # every URL, joined
        self._searches_left = _SEARCHES_BEFORE_INDEXING
        # The first item wins, as it did when they were searched in order.
        for guid, enclosure_url, link in zip(*self._columns(), strict=True):
            for url in (enclosure_url, link):
                if url:
                    self._by_url[url] = guid

    def _columns(self) -> tuple[tuple, tuple, tuple]:
        published = self._published
        return published.guids[::-1], published.enclosure_urls[::-1], published.links[::-1]

    def of(self, episode: Episode, layout: Layout) -> str | None:
        """The GUID an earlier feed had for `episode`: by the same audio URL, page URL or slug."""
        for url in (layout.url(layout.audio_key(episode)), layout.page_url(episode)):
            if url in self._by_url:
                return self._by_url[url]
        if self._by_slug is None and self._names_no_item(episode.slug):
            return None
        if self._by_slug is None:
            self._by_slug = {}
            for guid, enclosure_url, link in zip(*self._columns(), strict=True):
                for slug in (_slug_of(link), _slug_of(enclosure_url)):
                    if slug:
                        self._by_slug[slug] = guid
        return self._by_slug.get(episode.slug)

    def _names_no_item(self, slug: str) -> bool:
        """Whether, for certain, no earlier item's URL names `slug` as its folder. An episode added
        since the last build is looked for by slug, and reading the slugs of ten thousand items took
        40 ms of the build that added it: a search for "/episodes/<slug>/" in all the URLs takes one.
        Only where no URL can hide the slug from it (by percent-escapes, or the tabs and line breaks
        that URL parsing drops), and a few times: more, and the slugs are read after all."""
        if self._urls is None:
            published = self._published
            self._urls = "\0".join(url for url in (*published.enclosure_urls, *published.links) if url)
        if self._searches_left == 0 or any(character in self._urls for character in "%\t\r\n"):
            return False
        self._searches_left -= 1
        return f"/episodes/{slug}/" not in self._urls


_SEARCHES_BEFORE_INDEXING = 8

# The first "/episodes/<slug>/" in the path of an http(s) URL, as one match: splitting ten thousand
# URLs first took 0.13 s of the first build after an episode was added.
_HTTP_URL_SLUG = re.compile(r"https?://(?>[^/?#]*)[^?#]*?/episodes/([^/?#]+)/")


def _slug_of(url: str | None) -> str | None:
    if not url:
        return None
    # urlsplit drops tabs and line breaks anywhere: such URLs, and other schemes, go its way.
    if url.startswith(("https://", "http://")) and not any(c in url for c in "\t\r\n"):
        match = _HTTP_URL_SLUG.match(url)
    else:
        try:
            match = re.search(r"/episodes/([^/]+)/", urlsplit(url).path)
        except ValueError:  # no URL at all (a broken host): no slug in it
            return None
    return unquote(match.group(1)) if match else None
