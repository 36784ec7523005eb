"""Where every file of a built site lives (its key) and the URL listeners fetch it from.

Keys are '/'-separated paths relative to the site's root: the same in `feed/`, in a published
folder and in a bucket, so a page or the feed can name any file by its key.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from podcaster.model import Episode, Show

FEED_KEY = "feed.xml"
INDEX_KEY = "index.html"
STYLESHEET_KEY = "style.css"


@dataclass(frozen=True)
class Layout:
    public_url: str  # ends with "/"
    show_artwork_suffix: str

    @classmethod
    def of(cls, show: Show) -> Layout:
        return cls(show.publish.public_url, show.artwork.suffix.lower())

    @property
    def artwork_key(self) -> str:
        return f"artwork{self.show_artwork_suffix}"

    def page_key(self, episode: Episode) -> str:
        return f"episodes/{episode.slug}/index.html"

    def page_dir_key(self, episode: Episode) -> str:
        return f"episodes/{episode.slug}/"

    def audio_key(self, episode: Episode) -> str:
        return f"episodes/{episode.slug}/{episode.slug}{episode.audio.suffix.lower()}"

    def cover_key(self, episode: Episode) -> str | None:
        return f"episodes/{episode.slug}/cover{episode.cover.suffix.lower()}" if episode.cover else None

    def url(self, key: str) -> str:
        return self.public_url + quote(key)

    def page_url(self, episode: Episode) -> str:
        # Pages are linked by their folder: /episodes/slug/ rather than /episodes/slug/index.html.
        return self.url(self.page_dir_key(episode))

    def image_url(self, episode: Episode) -> str:
        return self.url(self.cover_key(episode) or self.artwork_key)

