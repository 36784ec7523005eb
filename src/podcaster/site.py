"""Where every file of a built site lives (its key) and the URL listeners fetch it from.

Keys are '/'-separated paths relative to the site's root: the same in `feed/`, in a published
folder and in a bucket, so a page or the feed can name any file by its key.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from podcaster.model import Episode, Show

FEED_KEY = "feed.xml"
TRANSCRIPTS_FOLDER = "transcripts"  # in an episode's folder
INDEX_KEY = "index.html"
STYLESHEET_KEY = "style.css"
SCRIPT_KEY = "site.js"
SITEMAP_KEY = "sitemap.xml"
ROBOTS_KEY = "robots.txt"
NOT_FOUND_KEY = "404.html"
LIVE_DIR_KEY = "live/"
LIVE_KEY = LIVE_DIR_KEY + "index.html"
ARCHIVE_SECTION = "archive"
_UNQUOTED = re.compile(r"[A-Za-z0-9_.~/-]*")  # what `quote` leaves as it is


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
        return f"episodes/{episode.slug}/{episode.slug}{episode.audio_extension}"

    def cover_key(self, episode: Episode) -> str | None:
        return f"episodes/{episode.slug}/cover{episode.cover.suffix.lower()}" if episode.cover else None

    def chapters_key(self, episode: Episode) -> str:
        return f"episodes/{episode.slug}/chapters.json"

    def transcript_key(self, episode: Episode, transcript: Path) -> str:
        return f"episodes/{episode.slug}/{TRANSCRIPTS_FOLDER}/{transcript.name}"

    def alternate_key(self, episode: Episode, alternate: Path) -> str:
        return f"episodes/{episode.slug}/alternates/{alternate.name}"

    def notes_file_key(self, episode: Episode, name: PurePosixPath) -> str:
        """A file the notes link to by `name`, relative to the page: beside it, where the link leads."""
        return f"episodes/{episode.slug}/{name}"

    def chapter_image_key(self, episode: Episode, image: Path) -> str:
        return f"episodes/{episode.slug}/chapters/{image.name}"

    def picture_key(self, episode: Episode | None, pixels: int) -> str:
        """A WebP copy of the episode's cover (or, for None or an episode without one, the show's
        artwork) at most `pixels` wide, for pages."""
        if episode is not None and episode.cover:
            return f"episodes/{episode.slug}/cover-{pixels}.webp"
        return f"artwork-{pixels}.webp"

    def icon_key(self, pixels: int) -> str:
        return f"icon-{pixels}.png"

    def listing_key(self, section: str, page: int | None = None) -> str:
        """A page of a list of episodes: `section` is "archive", "series/<slug>", …; `page` None is
        the list's own address, a number one of its pages of older (or, in a serial show, later) episodes."""
        return f"{self.listing_dir_key(section, page)}index.html"

    def listing_dir_key(self, section: str, page: int | None = None) -> str:
        return f"{section}/" if page is None else f"{section}/{page}/"

    def listing_url(self, section: str, page: int | None = None) -> str:
        return self.url(self.listing_dir_key(section, page))

    def url(self, key: str) -> str:
        # Most keys need no quoting, and a build asks for tens of thousands of URLs.
        return self.public_url + (key if _UNQUOTED.fullmatch(key) else quote(key))

    def page_url(self, episode: Episode) -> str:
        # Pages are linked by their folder: /episodes/slug/ rather than /episodes/slug/index.html.
        return self.url(self.page_dir_key(episode))

    def image_url(self, episode: Episode) -> str:
        return self.url(self.cover_key(episode) or self.artwork_key)


def slugify(name: str) -> str:
    """A name as one URL path segment: "Circle of Light" → "circle-of-light". Letters of any script
    are kept (a name in Arabic stays readable); everything else becomes a single hyphen."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    without_accents = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[\W_]+", "-", without_accents).strip("-") or "-"
