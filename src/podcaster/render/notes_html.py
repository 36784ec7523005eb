"""Show notes as HTML: CommonMark, then an allowlist sanitizer, so no script survives into a page or the feed.

On an episode's page, timestamps written in the notes ("at 12:34") become links that play the
episode from there: `href` is the audio with a media fragment (`episode.mp3#t=754`, which works
without JavaScript) and `data-start` lets the page's script seek its own player instead.

This module is all that the worker process rendering notes ahead of a build imports (see
`notes.RenderedAhead`): it leaves out the build cache and the model, whose imports (SQLite among
them) made each worker 10 MB larger.
"""

from __future__ import annotations

from html import unescape
import pickle
import re
import signal
import sys
from dataclasses import dataclass
from urllib.parse import urljoin

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

from podcaster import timecodes
from podcaster.text import CONTROL_CHARACTERS

_ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "em", "h2", "h3", "h4", "h5", "h6", "hr", "i",
    "li", "ol", "p", "pre", "q", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead",
    "tr", "ul", "img",
}
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "rel", "data-start"},  # rel: a sponsor's link can say so (rel="sponsored")
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
}
# A timestamp as people write one in notes: 4:05, 12:34 or 1:02:03, not inside a longer number.
_TIMESTAMP = re.compile(r"(?<![\w:.,])(?:\d{1,2}:)?\d{1,2}:[0-5]\d(?![\w:]|[.,]\d)")
_SECONDS = re.compile(r"^\d+(\.\d+)?$")


@dataclass(frozen=True)
class Player:
    """The audio that timestamps in the notes seek: its URL and length (a later time is not a timestamp)."""

    audio_url: str
    duration: float


def to_html(markdown: str, player: Player | None = None) -> str:
    """Safe HTML for the notes: only the allowlisted tags, attributes and http(s)/mailto links;
    with a `player`, its timestamps are links that seek it."""
    return _render(_parsed(markdown), player)


def with_and_without_player(markdown: str, player: Player) -> tuple[str, str]:
    """`to_html` with the `player` and without it, from one parse: the page's notes and the feed's
    differ only in the timestamp links, and parsing is most of the work."""
    tokens = _parsed(markdown)
    return _render(tokens, player), _render(tokens, None)


def _parsed(markdown: str) -> list[Token]:
    """The notes' tokens, their headings under the episode's title: the page's one h1 is the title,
    so notes that use `#` have every heading moved down a level, keeping their outline."""
    tokens = _markdown.parse(CONTROL_CHARACTERS.sub("", markdown), {})  # which check warns of
    if not any(token.type == "heading_open" and token.tag == "h1" for token in tokens):
        return tokens
    return [token.copy(tag=f"h{min(6, int(token.tag[1]) + 1)}") if token.type in ("heading_open", "heading_close")
            else token for token in tokens]


def serve_batches() -> None:
    """In a worker process: render each batch read from stdin, and write its HTML to stdout, until
    stdin closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the build's to handle: it stops this process
    while True:
        try:
            batch = pickle.load(sys.stdin.buffer)
        except EOFError:
            return
        try:
            reply = ("rendered", _render_batch(batch))
        except Exception as e:  # said to the build, which renders these notes itself and says why
            reply = ("failed", f"{type(e).__name__}: {e}")
        pickle.dump(reply, sys.stdout.buffer)
        sys.stdout.buffer.flush()


def _render_batch(batch: list[tuple[str, Player]]) -> list[tuple[str, str]]:
    """Each notes' HTML for the page and for the feed."""
    return [with_and_without_player(markdown, player) for markdown, player in batch]


def _render(tokens: list[Token], player: Player | None) -> str:
    """HTML from parsed notes; with a player, timestamps become links (on a copy: `tokens` stay as parsed)."""
    if player is not None:
        tokens = [_with_timestamps_linked(token, player) for token in tokens]
    cleaned = nh3.clean(
        _markdown.renderer.render(tokens, _markdown.options, {}),
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        attribute_filter=_only_seconds_in_data_start,
        url_schemes={"http", "https", "mailto"},
        link_rel=None,  # no link can open a window (target is not allowed): nothing for noopener to do
    )
    return _made_valid(cleaned)


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


def _with_timestamps_linked(block: Token, player: Player) -> Token:
    if block.type != "inline" or not block.children:
        return block
    return block.copy(children=_linked(block.children, player))


def _linked(children: list[Token], player: Player) -> list[Token]:
    result: list[Token] = []
    inside_link = 0
    for token in children:
        if token.type == "link_open" or (token.type == "html_inline" and re.match(r"<a[\s>]", token.content, re.I)):
            inside_link += 1
        elif token.type == "link_close" or (token.type == "html_inline" and re.match(r"</a\s*>", token.content, re.I)):
            inside_link = max(0, inside_link - 1)
        if token.type != "text" or inside_link:
            result.append(token)
            continue
        result.extend(_split_text(token.content, player))
    return result


def _split_text(text: str, player: Player) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    for match in _TIMESTAMP.finditer(text):
        seconds = timecodes.parse(match.group())
        if seconds >= player.duration:
            continue
        tokens.append(_text_token(text[position:match.start()]))
        link = Token("link_open", "a", 1)
        link.attrs = {"href": seek_href(player.audio_url, seconds), "data-start": f"{seconds:g}"}
        tokens += [link, _text_token(match.group()), Token("link_close", "a", -1)]
        position = match.end()
    tokens.append(_text_token(text[position:]))
    return tokens


def _text_token(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


_markdown = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False}).enable("table")
