"""Show notes in a build: rendered to HTML (`notes_html`) once per episode and kept in the build cache."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from podcaster.cache import BuildCache, digest as cache_digest
from podcaster.model import Episode
from podcaster.render import notes_html
from podcaster.render.notes_html import Player

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


def _cache_key(episode: Episode, player: Player | None) -> str:
    # The fingerprint covers the episode.md's bytes, so notes left in the file need not be read
    # to know their key; notes held in the episode (not from a file) are keyed by themselves.
    return cache_digest("notes", episode.fingerprint, episode.notes, player)
