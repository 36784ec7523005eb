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


@pytest.fixture
def show(tmp_path: Path) -> ShowCopy:
    """The repository's sample show (podcast.toml + episodes/), copied so tests may change it."""
    root = tmp_path / "show"
    root.mkdir()
    shutil.copy(REPO / "podcast.toml", root / "podcast.toml")
    shutil.copytree(REPO / "episodes", root / "episodes")
    return ShowCopy(root)
