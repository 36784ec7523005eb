"""The show-notes site: an index page and one page per episode, rendered from the templates."""

from __future__ import annotations

from collections.abc import Sequence

from podcaster import timecodes
from podcaster.model import Episode, Show
from podcaster.render import notes
from podcaster.render.templates import Templates
from podcaster.site import FEED_KEY, STYLESHEET_KEY, Layout


def render_all(show: Show, episodes: Sequence[Episode], layout: Layout, templates: Templates) -> dict[str, str]:
    """Every page of the site by key; `episodes` are the published ones."""
    newest_first = sorted(episodes, key=lambda e: (e.date, e.slug), reverse=True)
    common = {
        "show": show,
        "feed_url": layout.url(FEED_KEY),
        "stylesheet_url": layout.url(STYLESHEET_KEY),
        "artwork_url": layout.url(layout.artwork_key),
        "home_url": layout.public_url,
        "clock": timecodes.format_clock,
    }
    pages = {"index.html": templates.render("index.html", episodes=[_view(e, layout) for e in newest_first], **common)}
    for episode in newest_first:
        pages[layout.page_key(episode)] = templates.render("episode.html", episode=_view(episode, layout), **common)
    return pages


def _view(episode: Episode, layout: Layout) -> dict:
    """What a template sees of an episode: the model plus its URLs and rendered notes."""
    return {
        "model": episode,
        "url": layout.page_url(episode),
        "audio_url": layout.url(layout.audio_key(episode)),
        "image_url": layout.image_url(episode),
        "notes_html": notes.to_html(episode.notes),
    }
