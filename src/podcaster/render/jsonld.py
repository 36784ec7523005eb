"""schema.org structured data (JSON-LD) for the pages: what search engines read instead of guessing.

Only schema.org types and properties are used (the tests check every one against the vocabulary):
the show is a `PodcastSeries`, an episode a `PodcastEpisode` with its audio as `associatedMedia`,
its speakers as `Person`s and its chapters as `Clip`s; every page but the home page carries a
`BreadcrumbList`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from podcaster.model import Episode, Show, chapter_spans

Node = dict[str, Any]
CONTEXT = "https://schema.org"


def document(*nodes: Node) -> Node:
    """The JSON-LD of one page: its nodes in one graph."""
    return {"@context": CONTEXT, "@graph": list(nodes)}


def iso_duration(seconds: float) -> str:
    """ISO 8601 duration, whole seconds: 2025.4 → "PT33M45S" (also a valid HTML duration string)."""
    hours, rest = divmod(round(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    parts = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "") + (f"{secs}S" if secs or not (hours or minutes) else "")
    return f"PT{parts}"


def podcast_series(show: Show, home_url: str, image_url: str, feed_url: str) -> Node:
    return {
        "@type": "PodcastSeries",
        "@id": _series_id(home_url),
        "name": show.title,
        "description": show.description,
        "url": home_url,
        "image": image_url,
        "webFeed": feed_url,
        "inLanguage": show.language,
        "genre": show.category,
        "copyrightNotice": show.copyright,
        "isFamilyFriendly": not show.explicit,
    }


def website(show: Show, home_url: str) -> Node:
    return {"@type": "WebSite", "@id": f"{home_url}#website", "name": show.title, "url": home_url,
            "inLanguage": show.language}


def podcast_episode(show: Show, episode: Episode, *, page_url: str, home_url: str, image_url: str,
                    audio_url: str, speaker_urls: Sequence[str], chapter_urls: Sequence[str]) -> Node:
    """An episode with its audio, speakers (a Person each, linked to their page), season and chapters."""
    duration = iso_duration(episode.audio_info.duration)
    node: Node = {
        "@type": "PodcastEpisode",
        "@id": f"{page_url}#episode",
        "url": page_url,
        "name": episode.title,
        "description": episode.summary,
        "datePublished": episode.date.isoformat(),
        "duration": duration,
        "image": image_url,
        "inLanguage": show.language,
        "isFamilyFriendly": not (show.explicit if episode.explicit is None else episode.explicit),
        "partOfSeries": {"@type": "PodcastSeries", "@id": _series_id(home_url), "name": show.title, "url": home_url},
        "associatedMedia": {
            "@type": "AudioObject",
            "contentUrl": audio_url,
            "encodingFormat": episode.audio_info.mime_type,
            "duration": duration,
        },
        "actor": [person(name, url) for name, url in zip(episode.speakers, speaker_urls)],
    }
    if episode.number is not None:
        node["episodeNumber"] = episode.number
    if episode.season is not None:
        node["partOfSeason"] = {"@type": "PodcastSeason", "seasonNumber": episode.season,
                                "partOfSeries": {"@id": _series_id(home_url)}}
    if episode.chapters:
        node["hasPart"] = [
            {"@type": "Clip", "name": chapter.title, "startOffset": round(chapter.start, 3),
             "endOffset": round(end, 3), "url": url}
            for (chapter, end), url in zip(chapter_spans(episode.chapters, episode.audio_info.duration), chapter_urls)
        ]
    return node


def person(name: str, url: str) -> Node:
    return {"@type": "Person", "name": name, "url": url}


def collection_page(name: str, description: str, url: str, home_url: str, about: Node | None = None) -> Node:
    node: Node = {"@type": "CollectionPage", "@id": url, "url": url, "name": name, "description": description,
                  "isPartOf": {"@id": f"{home_url}#website"}}
    if about is not None:
        node["about"] = about
    return node


def breadcrumbs(trail: Sequence[tuple[str, str]]) -> Node:
    """`trail` is (name, URL) from the home page down to the page itself."""
    return {
        "@type": "BreadcrumbList",
        "itemListElement": [{"@type": "ListItem", "position": position, "name": name, "item": url}
                            for position, (name, url) in enumerate(trail, 1)],
    }


def _series_id(home_url: str) -> str:
    return f"{home_url}#podcast"

