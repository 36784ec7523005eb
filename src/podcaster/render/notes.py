"""Show notes: CommonMark to HTML, then an allowlist sanitizer, so no script survives into a page or the feed.

On an episode's page, timestamps written in the notes ("at 12:34") become links that play the
episode from there: `href` is the audio with a media fragment (`episode.mp3#t=754`, which works
without JavaScript) and `data-start` lets the page's script seek its own player instead.
"""

from __future__ import annotations

import logging
import multiprocessing
import re
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import version

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

from podcaster import timecodes
from podcaster.cache import BuildCache, digest as cache_digest

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
# What else the HTML depends on besides podcaster's code: the two libraries' versions.
_RENDERER = (version("markdown-it-py"), version("nh3"))


@dataclass(frozen=True)
class Player:
    """The audio that timestamps in the notes seek: its URL and length (a later time is not a timestamp)."""

    audio_url: str
    duration: float


_cache: BuildCache | None = None


@contextmanager
def cached_in(cache: BuildCache) -> Iterator[None]:
    """Within the block, `to_html` keeps what it renders in the build cache and takes what is
    there. (A module-level switch, so the page and feed renderers need not carry it.)"""
    global _cache
    _cache = cache
    try:
        yield
    finally:
        _cache = None


def to_html(markdown: str, player: Player | None = None, *, owner: str | None = None) -> str:
    """Safe HTML for the notes: only the allowlisted tags, attributes and http(s)/mailto links;
    with a `player`, its timestamps are links that seek it. `owner` is the fingerprint of the
    episode they belong to: the cached HTML is kept while that episode does not change."""
    if _cache is None:
        return _render(_markdown.parse(markdown, {}), player)
    key = _cache_key(markdown, player)
    html = _cache.get("notes", key)
    if html is None:
        # The page's notes and the feed's differ only in the timestamp links: parse once, keep both
        # (parsing is most of the work, and the other one is asked for in the same build).
        tokens = _markdown.parse(markdown, {})
        html = _render(tokens, player)
        if player is not None:
            _cache.put("notes", _cache_key(markdown, None), _render(tokens, None), owner)
        _cache.put("notes", key, html, owner)
    return html


@dataclass(frozen=True)
class Wanted:
    """Notes a page is going to show: `to_html(markdown, player, owner=owner)` will be asked for."""

    markdown: str
    player: Player
    owner: str


class RenderedAhead:
    """Notes rendered into the cache by other processes while the build does something else.

    Parsing Markdown is pure Python, and on a first build of a long archive it is most of the
    pages' time: worker processes take it to the other cores. Only a few batches are out at a
    time, and each is put in the cache as it comes back, so memory stays flat however many
    episodes there are. Use it as a context manager; `collect()` between other work, `finish()`
    before the pages render. Whatever the workers fail to do, the pages render themselves."""

    _MINIMUM = 64  # fewer notes than this render faster here than a worker process starts
    _BATCH = 32
    _IN_FLIGHT = 4  # batches per worker

    def __init__(self, wanted: list[Wanted], workers: int) -> None:
        keys = [_cache_key(w.markdown, w.player) for w in wanted]
        cached = _cache.present("notes", keys) if _cache is not None else set(keys)
        self._waiting = [w for w, key in zip(wanted, keys) if key not in cached]
        self._out: list[tuple[list[Wanted], Future]] = []
        self._pool: ProcessPoolExecutor | None = None
        if len(self._waiting) >= self._MINIMUM and workers > 0:
            self._pool = ProcessPoolExecutor(workers, mp_context=_worker_context())
            self._in_flight = self._IN_FLIGHT * workers
        else:
            self._waiting = []

    def __enter__(self) -> RenderedAhead:
        self.collect()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop()

    def collect(self) -> None:
        """Keep what came back, and send more."""
        if self._pool is None:
            return
        while self._out and self._out[0][1].done():
            self._keep(*self._out.pop(0))
        while self._pool is not None and self._waiting and len(self._out) < self._in_flight:
            batch, self._waiting = self._waiting[:self._BATCH], self._waiting[self._BATCH:]
            try:
                self._out.append((batch, self._pool.submit(_render_batch, [(w.markdown, w.player) for w in batch])))
            except RuntimeError as e:  # a broken pool refuses work
                self._give_up(e)

    def finish(self) -> None:
        """Wait for everything sent, and keep it."""
        while self._pool is not None and (self._out or self._waiting):
            if self._out:
                self._keep(*self._out.pop(0))
            self.collect()
        self._stop()

    def _keep(self, batch: list[Wanted], future: Future) -> None:
        try:
            rendered = future.result()
        except Exception as e:  # a worker died, or cannot start here: the pages render their notes
            self._give_up(e)
            return
        if _cache is None:
            return
        for wanted, (page, plain) in zip(batch, rendered):
            _cache.put("notes", _cache_key(wanted.markdown, wanted.player), page, wanted.owner)
            _cache.put("notes", _cache_key(wanted.markdown, None), plain, wanted.owner)

    def _give_up(self, error: Exception) -> None:
        log.warning("notes are rendered in this process only (the worker processes failed: %s)", error)
        self._waiting, self._out = [], []
        self._stop()

    def _stop(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


def _worker_context() -> multiprocessing.context.BaseContext:
    # forkserver, not fork: the build may already run threads (the pictures'); spawn where there is no forkserver.
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    return multiprocessing.get_context(method)


def _render_batch(batch: list[tuple[str, Player]]) -> list[tuple[str, str]]:
    """In a worker process: each notes' HTML for the page and for the feed."""
    rendered = []
    for markdown, player in batch:
        tokens = _markdown.parse(markdown, {})
        rendered.append((_render(tokens, player), _render(tokens, None)))
    return rendered


def _cache_key(markdown: str, player: Player | None) -> str:
    return cache_digest("notes", _RENDERER, markdown, player)


def _render(tokens: list[Token], player: Player | None) -> str:
    """HTML from parsed notes; with a player, timestamps become links (on a copy: `tokens` stay as parsed)."""
    if player is not None:
        tokens = [_with_timestamps_linked(token, player) for token in tokens]
    return nh3.clean(
        _markdown.renderer.render(tokens, _markdown.options, {}),
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
