"""Show notes: CommonMark to HTML, then an allowlist sanitizer, so no script survives into a page or the feed.

On an episode's page, timestamps written in the notes ("at 12:34") become links that play the
episode from there: `href` is the audio with a media fragment (`episode.mp3#t=754`, which works
without JavaScript) and `data-start` lets the page's script seek its own player instead.
"""

from __future__ import annotations

import logging
import pickle
import re
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

from podcaster import timecodes
from podcaster.cache import BuildCache, digest as cache_digest
from podcaster.model import Episode

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
@dataclass(frozen=True)
class Player:
    """The audio that timestamps in the notes seek: its URL and length (a later time is not a timestamp)."""

    audio_url: str
    duration: float


_cache: BuildCache | None = None


@contextmanager
def cached_in(cache: BuildCache) -> Iterator[None]:
    """Within the block, `episode_html` keeps what it renders in the build cache and takes what is
    there. (A module-level switch, so the page and feed renderers need not carry it.)"""
    global _cache
    _cache = cache
    try:
        yield
    finally:
        _cache = None


def to_html(markdown: str, player: Player | None = None) -> str:
    """Safe HTML for the notes: only the allowlisted tags, attributes and http(s)/mailto links;
    with a `player`, its timestamps are links that seek it."""
    return _render(_markdown.parse(markdown, {}), player)


def episode_html(episode: Episode, player: Player | None = None) -> str:
    """`to_html` of the episode's notes; within `cached_in`, kept in the build cache while the
    episode does not change (and read from its file only when they are not there)."""
    if _cache is None:
        return to_html(episode.markdown(), player)
    key = _cache_key(episode, player)
    html = _cache.get("notes", key)
    if html is None:
        # The page's notes and the feed's differ only in the timestamp links: parse once, keep both
        # (parsing is most of the work, and the other one is asked for in the same build).
        tokens = _markdown.parse(episode.markdown(), {})
        html = _render(tokens, player)
        if player is not None:
            _cache.put("notes", _cache_key(episode, None), _render(tokens, None), episode.fingerprint)
        _cache.put("notes", key, html, episode.fingerprint)
    return html


@dataclass(frozen=True, slots=True)
class Wanted:
    """Notes a page is going to show: `episode_html(episode, player_of(episode))` will be asked for.
    (The player is made when needed: a first build holds one of these for every episode.)"""

    episode: Episode
    player_of: Callable[[Episode], Player]

    @property
    def player(self) -> Player:
        return self.player_of(self.episode)


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
        keys = [_cache_key(w.episode, w.player) for w in wanted]
        cached = _cache.present("notes", keys) if _cache is not None else set(keys)
        self._waiting = [w for w, key in zip(wanted, keys) if key not in cached]
        self._out: list[tuple[list[Wanted], Future, _Worker]] = []
        self._workers: list[_Worker] = []
        self._in_flight = self._IN_FLIGHT * workers
        if len(self._waiting) < self._MINIMUM or workers < 1 or not sys.executable:
            self._waiting = []
            return
        try:
            for _ in range(workers):
                self._workers.append(_Worker())
        except OSError as e:  # no more processes or pipes to be had: the pages render their notes
            self._give_up(e)

    def __enter__(self) -> RenderedAhead:
        try:
            self.collect()
        except BaseException:
            self._stop()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop()

    def collect(self) -> None:
        """Keep what came back, and send more."""
        while self._out and self._out[0][1].done():
            self._keep(*self._out.pop(0)[:2])
        while self._workers and self._waiting and len(self._out) < self._in_flight:
            batch, self._waiting = self._waiting[:self._BATCH], self._waiting[self._BATCH:]
            # Read here, a batch at a time: the notes of thousands of episodes are never all in memory.
            markdown = [(w.episode.markdown(), w.player) for w in batch]
            worker = min(self._workers, key=self._unfinished)
            self._out.append((batch, worker.submit(markdown), worker))

    def _unfinished(self, worker: _Worker) -> int:
        return sum(1 for _, future, given in self._out if given is worker and not future.done())

    def finish(self) -> None:
        """Wait for everything sent, and keep it."""
        while self._workers and (self._out or self._waiting):
            if self._out:
                self._keep(*self._out.pop(0)[:2])
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
            _cache.put("notes", _cache_key(wanted.episode, wanted.player), page, wanted.episode.fingerprint)
            _cache.put("notes", _cache_key(wanted.episode, None), plain, wanted.episode.fingerprint)

    def _give_up(self, error: Exception) -> None:
        log.warning("notes are rendered in this process only (the worker processes failed: %s)", error)
        self._waiting, self._out = [], []
        self._stop()

    def _stop(self) -> None:
        for worker in self._workers:
            worker.stop()
        self._workers = []


class _Worker:
    """A child interpreter that renders batches of notes sent down a pipe, one batch at a time.

    A plain child process rather than a multiprocessing pool: a pool also starts a fork server and
    a resource tracker, two more interpreters that stay for the whole build (30 MB at 10,000
    episodes). A thread here does the round trips, so the build never waits on the pipe."""

    # The child finds podcaster where this process found it.
    _PROGRAM = ("import pickle, sys; sys.path[:] = pickle.load(sys.stdin.buffer); "
                "from podcaster.render.notes import serve_batches; serve_batches()")

    def __init__(self) -> None:
        self._process = subprocess.Popen([sys.executable, "-c", self._PROGRAM], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE)
        try:
            pickle.dump(sys.path, self._process.stdin)
        except OSError:  # it ended at once
            self._process.kill()
            self._process.wait()
            raise
        self._round_trips = ThreadPoolExecutor(max_workers=1)

    def submit(self, batch: list[tuple[str, Player]]) -> Future:
        return self._round_trips.submit(self._round_trip, batch)

    def _round_trip(self, batch: list[tuple[str, Player]]) -> list[tuple[str, str]]:
        pickle.dump(batch, self._process.stdin)
        self._process.stdin.flush()
        try:
            outcome, result = pickle.load(self._process.stdout)
        except EOFError:
            raise RuntimeError(f"the worker process ended (exit status {self._process.wait()})") from None
        if outcome != "rendered":
            raise RuntimeError(f"the worker process failed: {result}")
        return result

    def stop(self) -> None:
        """Batches not started are dropped; one being rendered is cut short."""
        self._round_trips.shutdown(wait=False, cancel_futures=True)
        self._process.kill()
        self._process.wait()
        self._round_trips.shutdown(wait=True)
        for pipe in (self._process.stdin, self._process.stdout):
            try:
                pipe.close()
            except OSError:  # unflushed bytes for a process that is gone
                pass


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
    rendered = []
    for markdown, player in batch:
        tokens = _markdown.parse(markdown, {})
        rendered.append((_render(tokens, player), _render(tokens, None)))
    return rendered


def _cache_key(episode: Episode, player: Player | None) -> str:
    # The fingerprint covers the episode.md's bytes, so notes left in the file need not be read
    # to know their key; notes held in the episode (not from a file) are keyed by themselves.
    return cache_digest("notes", episode.fingerprint, episode.notes, player)


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
