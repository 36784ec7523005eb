"""The episode's chapters as a Podcasting 2.0 JSON chapters file (podcast:chapters).

The list is the episode's `chapters`, the very one the audio tags carry, so apps that read the
feed and players that read the file show the same chapters.
"""

from __future__ import annotations

import json

from podcaster.model import Episode, Show, chapter_spans
from podcaster.site import Layout

VERSION = "1.2.0"


def to_json(show: Show, episode: Episode, layout: Layout, image_keys: dict[int, str]) -> str:
    """`image_keys`: the published key of each chapter's image, by the chapter's index."""
    chapters = []
    for index, (chapter, end) in enumerate(chapter_spans(episode.chapters, episode.audio_info.duration)):
        entry: dict[str, object] = {"startTime": round(chapter.start, 3), "endTime": round(end, 3),
                                    "title": chapter.title}
        if chapter.url:
            entry["url"] = chapter.url
        if index in image_keys:
            entry["img"] = layout.url(image_keys[index])
        chapters.append(entry)
    document = {
        "version": VERSION,
        "title": episode.title,
        "author": ", ".join(episode.speakers),
        "podcastName": show.title,
        "fileName": layout.url(layout.audio_key(episode)),
        "chapters": chapters,
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
