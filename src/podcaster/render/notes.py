"""Show notes in a build: rendered to HTML (`notes_html`) once per episode and kept in the build
cache, and rendered ahead by a worker process while the build tags the audio.
"""

from __future__ import annotations

import logging
import pickle
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

from podcaster.cache import BuildCache, digest as cache_digest
from podcaster.model import Episode
from podcaster.render import notes_html
from podcaster.render.notes_html import Player

log = logging.getLogger(__name__)
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


def episode_html(episode: Episode, player: Player | None = None) -> str:
    """`notes_html.to_html` of the episode's notes; within `cached_in`, kept in the build cache while the
    episode does not change (and read from its file only when they are not there)."""
    if _cache is None:
        return notes_html.to_html(episode.markdown(), player)
    key = _cache_key(episode, player)
    html = _cache.get("notes", key)
    if html is None:
        # The feed asks for the notes without a player in the same build: both come from one parse.
        if player is None:
            html = notes_html.to_html(episode.markdown())
        else:
            html, plain = notes_html.with_and_without_player(episode.markdown(), player)
            _cache.put("notes", _cache_key(episode, None), plain, episode.fingerprint)
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
                "from podcaster.render.notes_html import serve_batches; serve_batches()")

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


def _cache_key(episode: Episode, player: Player | None) -> str:
    # The fingerprint covers the episode.md's bytes, so notes left in the file need not be read
    # to know their key; notes held in the episode (not from a file) are keyed by themselves.
    return cache_digest("notes", episode.fingerprint, episode.notes, player)
