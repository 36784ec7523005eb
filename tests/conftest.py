"""Shared fixtures: a private copy of the sample show for every test, and a way to run the CLI."""

from __future__ import annotations

import os
import shutil
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from click.testing import CliRunner, Result

from podcaster.cli import cli
from seaweed import ACCESS_KEY, SECRET_KEY, SeaweedServer

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


# An announced livestream, ended. The sample show carries none, because the W3C Feed Validator
# reports the plain RSS elements inside podcast:liveItem as "not in a namespace" errors (it does not
# know the Podcasting 2.0 namespace); the feed tests add this one.
LIVE_STREAM = """
[[live]]
guid = "0f6d1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b"
title = "Live: your questions on forgiveness"
status = "ended"
start = 2017-06-24T20:00:00-04:00
end = 2017-06-24T21:00:00-04:00
stream_url = "http://127.0.0.1:8000/live/stream.mp3"
stream_type = "audio/mpeg"
page_url = "http://127.0.0.1:8000/"
summary = "An hour of listeners' questions at the end of the series."
"""


@contextmanager
def build_cache_held(show: ShowCopy) -> Iterator[None]:
    """Within the block, the show's build cache is held as a running build holds it."""
    other_build = sqlite3.connect(show.output / ".podcaster-cache.sqlite")
    other_build.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other_build.rollback()
        other_build.close()


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


def site_files(folder: Path) -> dict[str, bytes]:
    """Every file a build wrote into `folder`, by its path there, but its own state and cache."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.name.startswith(".podcaster")}


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


# --- A real S3 server (SeaweedFS) for the publishing tests -------------------------------------

@pytest.fixture(scope="session")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedServer]:
    server = SeaweedServer(tmp_path_factory.mktemp("seaweed"))
    server.start()
    yield server
    server.kill()


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """boto3's credential chain finds the test key in the environment, and nothing of this machine's
    own AWS setup (AWS_CA_BUNDLE stays: the environment needs it)."""
    for name in list(os.environ):
        if name.startswith("AWS_") and name != "AWS_CA_BUNDLE":
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))


@dataclass
class BucketShow:
    """The sample show, publishing to its own fresh bucket under the prefix `show/`."""

    show: ShowCopy
    bucket: str
    admin: Any  # a client of the test's own, outside podcaster
    prefix: str = "show"

    def run(self, *args: str) -> Result:
        return self.show.run(*args)

    def keys(self) -> set[str]:
        pages = self.admin.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=f"{self.prefix}/")
        return {item["Key"].removeprefix(f"{self.prefix}/") for page in pages for item in page.get("Contents", [])}

    def head(self, key: str) -> dict:
        return self.admin.head_object(Bucket=self.bucket, Key=f"{self.prefix}/{key}")

    def read(self, key: str) -> bytes:
        return self.admin.get_object(Bucket=self.bucket, Key=f"{self.prefix}/{key}")["Body"].read()

    def put(self, key: str, body: bytes) -> None:
        self.admin.put_object(Bucket=self.bucket, Key=f"{self.prefix}/{key}", Body=body)

    def delete(self, key: str) -> None:
        self.admin.delete_object(Bucket=self.bucket, Key=f"{self.prefix}/{key}")


def publish_to_a_new_bucket(show: ShowCopy, server: SeaweedServer) -> BucketShow:
    """Point the show's [publish] at a fresh bucket of `server`."""
    bucket = f"podcaster-{uuid.uuid4().hex[:16]}"
    admin = server.client()
    admin.create_bucket(Bucket=bucket)
    show.edit("podcast.toml", 'target = "file://public"',
              f'target = "s3://{bucket}/show"\nendpoint_url = "{server.endpoint}"\n'
              'region = "us-east-1"\naddressing_style = "path"')
    return BucketShow(show, bucket, admin)


@pytest.fixture(scope="session")
def built_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample show's output folder, built once: the publishing tests start from a copy, as a
    producer publishes what they built, and the build finds it current instead of tagging again."""
    show = copy_sample_show(tmp_path_factory.mktemp("built") / "show")
    result = show.run("build")
    assert result.exit_code == 0, result.output
    return show.output


@pytest.fixture
def bucket_show(show: ShowCopy, seaweed: SeaweedServer, aws_env: None, built_sample: Path) -> BucketShow:
    shutil.copytree(built_sample, show.output)  # copy2 keeps the times the build's cache compares
    return publish_to_a_new_bucket(show, seaweed)


class S3Calls:
    """Every S3 API call podcaster's own clients make during a test, as (operation, key) in order;
    `before` hooks run as each call is made and may break it."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str | None]] = []
        self.arguments: list[dict] = []  # each call's parameters, in the same order
        self.before: list[Callable[[str, str | None], None]] = []

    def operations(self) -> list[str]:
        return [operation for operation, _ in self.calls]

    def keys(self, operation: str, prefix: str = "show/") -> list[str]:
        return [key.removeprefix(prefix) for op, key in self.calls if op == operation and key]

    def clear(self) -> None:
        self.calls.clear()
        self.arguments.clear()

    def _on_call(self, params: dict, event_name: str, **_) -> None:
        operation, key = event_name.rsplit(".", 1)[1], params.get("Key")
        self.calls.append((operation, key))
        self.arguments.append(dict(params))
        for hook in list(self.before):
            hook(operation, key)


@pytest.fixture
def s3_calls(monkeypatch: pytest.MonkeyPatch) -> S3Calls:
    """Listens on the clients podcaster creates (the test's own admin client is made another way)."""
    recorder = S3Calls()
    create = boto3.session.Session.client

    def client(self, *args, **kwargs):
        made = create(self, *args, **kwargs)
        made.meta.events.register("before-parameter-build.s3", recorder._on_call)
        return made

    monkeypatch.setattr(boto3.session.Session, "client", client)
    return recorder
