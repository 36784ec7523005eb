"""Show notes: CommonMark to HTML, then an allowlist sanitizer, so no script survives into a page or the feed.

On an episode's page, timestamps written in the notes ("at 12:34") become links that play the
episode from there: `href` is the audio with a media fragment (`episode.mp3#t=754`, which works
without JavaScript) and `data-start` lets the page's script seek its own player instead.
"""

from __future__ import annotations

import hashlib
import logging
import re
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from podcaster import timecodes

_ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "em", "h2", "h3", "h4", "h5", "h6", "hr", "i",
    "li", "ol", "p", "pre", "q", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead",
    "tr", "ul", "img",
}
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "data-start"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
}
# A timestamp as people write one in notes: 4:05, 12:34 or 1:02:03, not inside a longer number.
_TIMESTAMP = re.compile(r"(?<![\w:.,])(?:\d{1,2}:)?\d{1,2}:[0-5]\d(?![\w:]|[.,]\d)")
log = logging.getLogger(__name__)
_SECONDS = re.compile(r"^\d+(\.\d+)?$")
# What else the HTML depends on: this module's code and the two libraries' versions.
_RENDERER = (hashlib.sha256(Path(__file__).read_bytes()).hexdigest(), version("markdown-it-py"), version("nh3"))


@dataclass(frozen=True)
class Player:
    """The audio that timestamps in the notes seek: its URL and length (a later time is not a timestamp)."""

    audio_url: str
    duration: float


class _Cache:
    """Rendered notes in an SQLite file beside the build, keyed by everything the HTML depends on.

    Rendering the notes was most of a rebuild with nothing changed (each episode's notes go
    into its page and into the feed); SQLite keeps the lookups off the heap however large the
    show. After a build that finished, the entries it did not use are dropped. It is only a
    cache: when it is damaged it starts again empty, and when another build holds it, this one
    renders without it."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._open(path)
        except sqlite3.OperationalError:
            raise  # busy or locked, not damaged: the caller builds without the cache
        except sqlite3.DatabaseError:
            self.connection.close()
            path.unlink(missing_ok=True)
            self._open(path)

    def _open(self, path: Path) -> None:
        self.connection = sqlite3.connect(path, timeout=1)
        self.connection.execute("CREATE TABLE IF NOT EXISTS notes (key TEXT PRIMARY KEY, html TEXT, build INTEGER)")
        (last,) = self.connection.execute("SELECT COALESCE(MAX(build), 0) FROM notes").fetchone()
        self.build = last + 1

    def html(self, key: str, render: Callable[[], str]) -> str:
        try:
            row = self.connection.execute("SELECT html FROM notes WHERE key = ?", (key,)).fetchone()
            if row:
                self.connection.execute("UPDATE notes SET build = ? WHERE key = ?", (self.build, key))
                return row[0]
            html = render()
            self.connection.execute("INSERT INTO notes VALUES (?, ?, ?)", (key, html, self.build))
            return html
        except sqlite3.OperationalError:
            return render()

    def close(self, *, finished: bool) -> None:
        try:
            if finished:
                self.connection.execute("DELETE FROM notes WHERE build < ?", (self.build,))
            self.connection.commit()
        except sqlite3.OperationalError as e:
            log.warning("the notes cache was not updated (%s); the next build renders the notes again", e)
        finally:
            self.connection.close()


_cache: _Cache | None = None


@contextmanager
def cached_in(path: Path) -> Iterator[None]:
    """Within the block, `to_html` keeps what it renders in the SQLite file at `path` and takes
    what is there. (A module-level switch, so the page and feed renderers need not carry it.)"""
    global _cache
    try:
        _cache = _Cache(path)
    except sqlite3.OperationalError as e:
        log.warning("the notes cache %s is busy (%s); rendering every episode's notes", path, e)
        yield
        return
    finished = False
    try:
        yield
        finished = True
    finally:
        cache, _cache = _cache, None
        cache.close(finished=finished)


def to_html(markdown: str, player: Player | None = None) -> str:
    """Safe HTML for the notes: only the allowlisted tags, attributes and http(s)/mailto links;
    with a `player`, its timestamps are links that seek it."""
    if _cache is None:
        return _render(markdown, player)
    key = hashlib.sha256(repr((_RENDERER, markdown, player)).encode()).hexdigest()
    return _cache.html(key, lambda: _render(markdown, player))


def _render(markdown: str, player: Player | None) -> str:
    return nh3.clean(
        _markdown.render(markdown, {"player": player}),
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        attribute_filter=_only_seconds_in_data_start,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener",
    )


def seek_href(audio_url: str, seconds: float) -> str:
    """The audio's URL that starts playing at `seconds` (a W3C media fragment)."""
    return f"{audio_url}#t={seconds:g}"


def _only_seconds_in_data_start(element: str, attribute: str, value: str) -> str | None:
    # data-start is read by the page's script as a number; anything else is dropped.
    return value if attribute != "data-start" or _SECONDS.match(value) else None


def _link_timestamps(state: StateCore) -> None:
    player: Player | None = state.env.get("player")
    if player is None:
        return
    for block in state.tokens:
        if block.type == "inline" and block.children:
            block.children = _linked(block.children, player)


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
_markdown.core.ruler.push("link_timestamps", _link_timestamps)
