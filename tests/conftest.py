"""Shared fixtures: a private copy of the sample show for every test, and a way to run the CLI."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from podcaster.cli import cli

REPO = Path(__file__).resolve().parent.parent


@dataclass
class ShowCopy:
    root: Path

    @property
    def config(self) -> Path:
        return self.root / "podcast.toml"

    @property
    def output(self) -> Path:
        return self.root / "feed"

    @property
    def published(self) -> Path:
        return self.root / "public"

    def episode(self, slug: str) -> Path:
        return self.root / "episodes" / slug / "episode.md"

    def run(self, *args: str) -> Result:
        return CliRunner().invoke(cli, ["--config", str(self.config), *args], catch_exceptions=False)

    def edit(self, relative: str, old: str, new: str) -> None:
        path = self.root / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {path}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")


def copy_sample_show(root: Path) -> ShowCopy:
    """The repository's sample show (podcast.toml + episodes/), copied into `root`."""
    root.mkdir()
    shutil.copy(REPO / "podcast.toml", root / "podcast.toml")
    shutil.copytree(REPO / "episodes", root / "episodes")
    return ShowCopy(root)


@pytest.fixture
def show(tmp_path: Path) -> ShowCopy:
    """The repository's sample show, copied so tests may change it."""
    return copy_sample_show(tmp_path / "show")


# The site tests' edits to the sample: subscribe links to show, and 4 episodes a page so the
# archive has several pages.
SITE_LINKS = {"apple": "https://podcasts.apple.com/podcast/id1234567890",
              "spotify": "https://open.spotify.com/show/4rOoJ6Egrf8K2IrywzwOMk"}
SITE_PAGE_SIZE = 4


def with_site_settings(show: ShowCopy) -> ShowCopy:
    links = "".join(f'{key} = "{url}"\n' for key, url in SITE_LINKS.items())
    with show.config.open("a", encoding="utf-8") as config:
        config.write(f"\n[site]\npage_size = {SITE_PAGE_SIZE}\n\n[links]\n{links}")
    return show


def site_pages(folder: Path) -> list[Path]:
    """The HTML pages of a built site: every .html file but the episodes' HTML transcripts, which are
    copies of the producer's files for podcast apps, not pages of ours."""
    return sorted(p for p in folder.rglob("*.html") if "transcripts" not in p.relative_to(folder).parts)


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory: pytest.TempPathFactory) -> ShowCopy:
    """The sample show with subscribe links and paginated lists, published once; tests only read it."""
    show = with_site_settings(copy_sample_show(tmp_path_factory.mktemp("site") / "show"))
    result = show.run("publish")
    assert result.exit_code == 0, result.output
    return show
