"""Show notes as HTML: CommonMark, then an allowlist sanitizer, so no script survives into a page or the feed.

On an episode's page, timestamps written in the notes ("at 12:34") become links that play the
episode from there: `href` is the audio with a media fragment (`episode.mp3#t=754`, which works
without JavaScript) and `data-start` lets the page's script seek its own player instead.

The Markdown is parsed by pulldown-cmark (through pyromark), which renders a long episode's notes in
20 µs; markdown-it-py, in pure Python, took 1.7 ms, and at ten thousand episodes that was a worker
process busy for most of a first build.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from html import escape, unescape
from urllib.parse import urljoin

import nh3
import pyromark

from podcaster import timecodes
from podcaster.text import CONTROL_CHARACTERS

_ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "code", "em", "h2", "h3", "h4", "h5", "h6", "hr", "i",
    "li", "ol", "p", "pre", "q", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead",
    "tr", "ul", "img",
})
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "rel", "data-start"},  # rel: a sponsor's link can say so (rel="sponsored")
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
}
# CommonMark, with GitHub's tables; nothing else (no smart quotes, no strikethrough, no footnotes).
_MARKDOWN_OPTIONS = pyromark.Options.ENABLE_TABLES
# A timestamp as people write one in notes: 4:05, 12:34 or 1:02:03, not inside a longer number.
_TIMESTAMP = re.compile(r"(?<![\w:.,])(?:\d{1,2}:)?\d{1,2}:[0-5]\d(?![\w:]|[.,]\d)")
# What every timestamp holds, found a hundred times faster than one (a literal starts it).
_MAYBE_TIMESTAMP = re.compile(r":[0-5]\d")
_SECONDS = re.compile(r"^\d+(\.\d+)?$")
# An h1 tag in the producer's HTML (the notes' own `#` headings are the others).
_RAW_H1 = re.compile(rb"<(/?)h1(?=[\s/>]|$)", re.IGNORECASE)
# Text in these is not prose: a timestamp there is a link's text already, or code.
_NOT_PROSE = {"a", "code", "pre"}


@dataclass(frozen=True)
class Player:
    """The audio that timestamps in the notes seek: its URL and length (a later time is not a timestamp)."""

    audio_url: str
    duration: float


def to_html(markdown: str, player: Player | None = None) -> str:
    """Safe HTML for the notes: only the allowlisted tags, attributes and http(s)/mailto links;
    with a `player`, its timestamps are links that seek it."""
    sanitized = _sanitized(markdown)
    return _made_valid(_with_timestamps_linked(sanitized, player) if player else sanitized)


def with_and_without_player(markdown: str, player: Player) -> tuple[str, str]:
    """`to_html` with the `player` and without it, from one rendering: the page's notes and the
    feed's differ only in the timestamp links."""
    sanitized = _sanitized(markdown)
    return _made_valid(_with_timestamps_linked(sanitized, player)), _made_valid(sanitized)


def _sanitized(markdown: str) -> str:
    """The notes rendered and cleaned, their headings under the episode's title: the page's one h1
    is the title, so notes with a heading of that level (`#`) have every heading moved down one,
    keeping their outline."""
    text = CONTROL_CHARACTERS.sub("", markdown)  # which check warns of
    html = pyromark.html(text, options=_MARKDOWN_OPTIONS)
    if "<h1>" not in html:  # a quick look that rules it out for most notes
        return _cleaned(html, _ALLOWED_TAGS)
    title_heading, raw_html = _title_heading_and_raw_html(text)
    if not title_heading:  # the h1 is the producer's HTML, which the sanitizer takes out as always
        return _cleaned(html, _ALLOWED_TAGS)
    if any(_RAW_H1.search(piece) for piece in raw_html.values()):
        # So that only the notes' own headings get through as h1: the producer's stay unknown tags.
        source = text.encode()
        for (start, end), piece in sorted(raw_html.items(), reverse=True):
            source = source[:start] + _RAW_H1.sub(rb"<\1x-h1", piece) + source[end:]
        html = pyromark.html(source.decode(), options=_MARKDOWN_OPTIONS)
    # Moved down in the sanitized HTML, tag by tag, so no text or attribute value is touched.
    return _TAG.sub(_moved_down, _cleaned(html, _ALLOWED_TAGS | {"h1"}))


def _cleaned(html: str, tags: frozenset[str]) -> str:
    return _cleaner(tags).clean(html)


@functools.cache
def _cleaner(tags: frozenset[str]) -> nh3.Cleaner:
    """A sanitizer allowing `tags`, made once: `nh3.clean` builds one for each call, a fifth of its
    110 µs a note."""
    return nh3.Cleaner(
        tags=set(tags),
        attributes=_ALLOWED_ATTRIBUTES,
        attribute_filter=_only_seconds_in_data_start,
        url_schemes={"http", "https", "mailto"},
        link_rel=None,  # no link can open a window (target is not allowed): nothing for noopener to do
    )


def _title_heading_and_raw_html(text: str) -> tuple[bool, dict[tuple[int, int], bytes]]:
    """Whether the notes have a heading of the title's level, and their raw HTML, by where it is
    in their UTF-8 bytes."""
    title_heading, raw_html = False, {}
    source = text.encode()
    for event, span in pyromark.events_with_range(text, options=_MARKDOWN_OPTIONS):
        if not isinstance(event, dict):
            continue
        start = event.get("Start")
        if isinstance(start, dict) and isinstance(start.get("Heading"), dict):
            title_heading = title_heading or start["Heading"].get("level") == "H1"
        elif "Html" in event or "InlineHtml" in event:
            raw_html[(span["start"], span["end"])] = source[span["start"]:span["end"]]
    return title_heading, raw_html


def _moved_down(tag: re.Match) -> str:
    closing, name, attributes, end = tag.groups()
    if len(name) != 2 or name[0] != "h" or name[1] not in "123456":
        return tag.group()
    return f"<{closing}h{min(6, int(name[1]) + 1)}{attributes}{end}"


def _made_valid(html: str) -> str:
    """The sanitizer's output, which is safe but not always valid HTML, made valid: a link whose
    address it removed (javascript:) is only its text, and an image without alt text gets an empty one."""
    if not _MAYBE_INVALID.search(html):  # most notes: their links start with their address, and no images
        return html
    unwrapping = False

    def valid(tag: re.Match) -> str:
        nonlocal unwrapping
        closing, name, attributes, end = tag.groups()
        if name == "a" and not closing and "href" not in _names(attributes):
            unwrapping = True
            return ""
        if name == "a" and closing and unwrapping:  # links do not nest: this one closes it
            unwrapping = False
            return ""
        if name == "img" and "alt" not in _names(attributes):
            return f'<img alt=""{attributes}{end}'
        return tag.group()

    return _TAG.sub(valid, html)


# A tag in the sanitizer's output, from its "<" to its ">". The sanitizer writes a "<" in text as
# "&lt;" and every attribute value double-quoted without a '"' in it, but (before nh3 0.3.7) may
# leave "<" and ">" in a value: each value is taken whole, so no tag is ever looked for inside one.
_TAG = re.compile(r"<(/?)([a-z][a-z0-9]*)((?:\s+[^\s\"'<>/=]+(?:=\"[^\"]*\")?)*)(\s*/?>)")
_ATTRIBUTE = re.compile(r"(\s+)([^\s\"'<>/=]+)(?:=\"([^\"]*)\")?")
# A relative address: not a URL with a scheme. A fragment ("#transcript") is one too: an item has
# no page of its own, and feedparser would resolve it against the feed's address.
_RELATIVE = re.compile(r"(?![A-Za-z][A-Za-z0-9+.-]*:)")
# Quick looks (a few µs, against some 50 for the pass over every tag) that rule out, for most notes,
# that the pass has anything to do: they may find more than it would change, never less.
_MAYBE_INVALID = re.compile(r"<a(?! href=\")[\s>]|<img")
_MAYBE_RELATIVE = re.compile(r"=\"(?![A-Za-z][A-Za-z0-9+.-]*:)")


def _names(attributes: str) -> set[str]:
    return {attribute.group(2) for attribute in _ATTRIBUTE.finditer(attributes)}


def linked_addresses(markdown: str) -> set[str]:
    """Every address the notes' HTML links to or shows (href, src), as a browser would ask for it:
    what the notes say once rendered, not what a code example or an unused reference holds."""
    found = set()
    for tag in _TAG.finditer(to_html(markdown)):
        for attribute in _ATTRIBUTE.finditer(tag.group(3)):
            if attribute.group(2) in ("href", "src") and attribute.group(3) is not None:
                found.add(unescape(attribute.group(3)))
    return found


def with_absolute_urls(html: str, base_url: str) -> str:
    """Sanitized notes (`to_html`) with their relative links and images made absolute against
    `base_url`, the page they were written for."""
    if not _MAYBE_RELATIVE.search(html):  # no attribute value that is not an absolute URL
        return html

    def attribute(found: re.Match) -> str:
        space, name, value = found.groups()
        if value is None or name not in ("href", "src") or not _RELATIVE.match(value):
            return found.group()
        return f'{space}{name}="{urljoin(base_url, value)}"'

    def tag(found: re.Match) -> str:
        closing, name, attributes, end = found.groups()
        if closing or name not in ("a", "img"):
            return found.group()
        return f"<{name}{_ATTRIBUTE.sub(attribute, attributes)}{end}"

    return _TAG.sub(tag, html)


def seek_href(audio_url: str, seconds: float) -> str:
    """The audio's URL that starts playing at `seconds` (a W3C media fragment)."""
    return f"{audio_url}#t={seconds:g}"


def _only_seconds_in_data_start(element: str, attribute: str, value: str) -> str | None:
    # data-start is read by the page's script as a number; anything else is dropped.
    return value if attribute != "data-start" or _SECONDS.match(value) else None


def _with_timestamps_linked(html: str, player: Player) -> str:
    """Sanitized notes with each timestamp in their prose a link that seeks the `player`."""
    if not _MAYBE_TIMESTAMP.search(html):  # most notes; a quick look, which the full pattern is not
        return html
    pieces, position, not_prose = [], 0, 0
    for tag in _TAG.finditer(html):
        text = html[position:tag.start()]
        pieces += [text if not_prose else _linked(text, player), tag.group()]
        closing, name = tag.group(1), tag.group(2)
        if name in _NOT_PROSE and not tag.group(4).endswith("/>"):
            not_prose = max(0, not_prose - 1) if closing else not_prose + 1
        position = tag.end()
    tail = html[position:]
    pieces.append(tail if not_prose else _linked(tail, player))
    return "".join(pieces)


def _linked(text: str, player: Player) -> str:
    """HTML `text` (no tags in it) with its timestamps before the end of the audio as links."""

    def link(found: re.Match) -> str:
        try:
            seconds = timecodes.parse(found.group())
        except ValueError:  # "99:00" has the shape of a timestamp but is none (a score, a verse)
            return found.group()
        if seconds >= player.duration:
            return found.group()
        href = escape(seek_href(player.audio_url, seconds), quote=False).replace('"', "&quot;")  # as nh3 writes it
        return f'<a href="{href}" data-start="{seconds:g}">{found.group()}</a>'

    return _TIMESTAMP.sub(link, text)
