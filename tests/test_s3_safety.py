"""Nothing published is lost: --prune and its refusals, --verify repairs drift, two publishers at
once, and a server that dies half-way through a publish."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import BucketShow, S3Calls, ShowCopy, publish_to_a_new_bucket
from podcaster import pipeline
from podcaster.storage.base import MANIFEST_KEY
from seaweed import SeaweedServer
from botocore.exceptions import EndpointConnectionError

from test_s3_publish import _assert_feed_is_consistent, _audio, _built_files, _manifest, _set_draft, _uploaded

GONE = "will-allah-forgive-me"


def _unpublish(target: BucketShow) -> set[str]:
    """Make GONE a draft; the keys that then leave the site (its files, and pages only it was on)."""
    before = set(_built_files(target))
    _set_draft(target, GONE, True)
    assert target.run("build").exit_code == 0
    left = before - set(_built_files(target))
    assert _audio(GONE) in left
    return left


def test_an_unpublished_episode_leaves_the_feed_and_its_files_stay(bucket_show: BucketShow):
    assert bucket_show.run("publish").exit_code == 0
    left = _unpublish(bucket_show)
    result = bucket_show.run("publish")
    assert result.exit_code == 0, result.output
    assert b"Will Allah Forgive Me" not in bucket_show.read("feed.xml")
    assert left <= bucket_show.keys()
    assert left <= set(_manifest(bucket_show))  # still published, so still recorded
    assert f"{len(left)} files no longer part of the site stay" in result.stdout


def test_prune_lists_then_deletes_after_the_feed(bucket_show: BucketShow, s3_calls: S3Calls):
    assert bucket_show.run("publish").exit_code == 0
    left = _unpublish(bucket_show)

    preview = bucket_show.run("publish", "--dry-run", "--prune")
    assert preview.exit_code == 0, preview.output
    assert {line.strip().removeprefix("delete ") for line in preview.stdout.splitlines()
            if line.strip().startswith("delete ")} == left
    assert left <= bucket_show.keys()

    s3_calls.clear()
    result = bucket_show.run("publish", "--prune")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    announced = [i for i, line in enumerate(lines) if line.startswith("will delete ")]
    assert {lines[i].split()[2] for i in announced} == left
    assert max(announced) < lines.index("uploading feed.xml")
    operations = s3_calls.operations()
    assert operations.index("DeleteObjects") > s3_calls.calls.index(("PutObject", "show/feed.xml"))
    assert not left & bucket_show.keys()
    assert not left & set(_manifest(bucket_show))
    assert f"Deleted {len(left)} files" in result.stdout
    _assert_feed_is_consistent(bucket_show)


def test_prune_refuses_without_a_manifest(bucket_show: BucketShow, s3_calls: S3Calls):
    assert bucket_show.run("publish").exit_code == 0
    _set_draft(bucket_show, GONE, True)
    bucket_show.delete(MANIFEST_KEY)
    before = bucket_show.keys()
    s3_calls.clear()
    result = bucket_show.run("publish", "--prune")
    assert result.exit_code == 1
    assert "has no publish manifest, so --prune cannot tell podcaster's files from others" in result.stderr
    assert result.stderr.count("\n") == 1
    assert s3_calls.operations() == ["GetObject"]
    assert bucket_show.keys() == before


def test_an_unreadable_manifest_stops_publish_and_prune_and_verify_replaces_it(bucket_show: BucketShow,
                                                                              s3_calls: S3Calls):
    assert bucket_show.run("publish").exit_code == 0
    published = _built_files(bucket_show)
    _set_draft(bucket_show, GONE, True)
    bucket_show.put(MANIFEST_KEY, b"{not json")
    before = bucket_show.keys()

    for args in (("publish",), ("publish", "--prune"), ("publish", "--verify", "--prune")):
        result = bucket_show.run(*args)
        assert result.exit_code == 1, args
        assert "the publish manifest is unreadable" in result.stderr and "--verify" in result.stderr
        assert result.stderr.count("\n") == 1
        assert bucket_show.keys() == before

    s3_calls.clear()
    result = bucket_show.run("publish", "--verify")
    assert result.exit_code == 0, result.output
    assert "unreadable" in result.stderr
    # Every unchanged file was already there: each is checked (one listing, a HEAD each), none sent again.
    built = _built_files(bucket_show)
    assert set(_uploaded(s3_calls)) == {key for key in built if published.get(key) != built[key]}
    assert {"feed.xml", "index.html"} <= set(_uploaded(s3_calls))
    assert set(_manifest(bucket_show)) == set(built)


def test_verify_repairs_deleted_and_altered_objects(bucket_show: BucketShow, s3_calls: S3Calls):
    assert bucket_show.run("publish").exit_code == 0
    deleted, altered = _audio("just-forgiving"), "episodes/just-forgiving/index.html"
    bucket_show.delete(deleted)
    original = bucket_show.read(altered)
    bucket_show.put(altered, original.replace(b"Forgiv", b"FORGIV"))  # same size, other bytes

    result = bucket_show.run("publish")
    assert "Nothing changed" in result.stdout  # the manifest alone cannot see it

    s3_calls.clear()
    result = bucket_show.run("--quiet", "publish", "--verify")
    assert result.exit_code == 0, result.output
    assert sorted(_uploaded(s3_calls)) == sorted([deleted, altered])
    # Objects whose ETag matches the manifest need no HEAD; only the altered one (same size, another
    # ETag) was asked about.
    assert s3_calls.keys("HeadObject") == [altered]
    built = _built_files(bucket_show)
    assert bucket_show.read(deleted) == built[deleted] and bucket_show.read(altered) == built[altered]


def _second_publisher(bucket_show: BucketShow, tmp_path: Path) -> ShowCopy:
    """Another machine's copy of the show, publishing to the same bucket, with one title changed."""
    other = ShowCopy(tmp_path / "other")
    other.root.mkdir()
    shutil.copy(bucket_show.show.config, other.config)
    shutil.copytree(bucket_show.show.root / "episodes", other.root / "episodes")
    other.edit("episodes/just-forgiving/episode.md", 'title: "Just Forgiving"', 'title: "Just Forgiving (B)"')
    return other


def test_of_two_concurrent_publishers_the_loser_stops_and_a_rerun_completes(bucket_show: BucketShow,
                                                                           s3_calls: S3Calls, tmp_path: Path):
    other = _second_publisher(bucket_show, tmp_path)
    raced = []

    def the_other_publishes_meanwhile(operation: str, key: str | None) -> None:
        if operation == "PutObject" and not raced:
            raced.append(key)
            pipeline.publish(other.config)

    s3_calls.before.append(the_other_publishes_meanwhile)
    lost = bucket_show.run("publish")
    assert lost.exit_code == 1
    assert lost.stderr.startswith("Error: another publish wrote") and lost.stderr.count("\n") == 1
    assert "run `podcaster publish` again" in lost.stderr
    # The winner's feed and manifest stand; the loser stopped before its feed.
    assert b"Just Forgiving (B)" in bucket_show.read("feed.xml")
    assert json.loads(bucket_show.read(MANIFEST_KEY))["files"]["feed.xml"]["sha256"] == \
        pipeline.publish(other.config, dry_run=True).built.files["feed.xml"].sha256

    s3_calls.before.clear()
    result = bucket_show.run("publish")
    assert result.exit_code == 0, result.output
    assert b"Just Forgiving (B)" not in bucket_show.read("feed.xml")
    _assert_feed_is_consistent(bucket_show)
    built = _built_files(bucket_show)
    assert {key: bucket_show.read(key) for key in built} == built


@pytest.fixture
def private_server(tmp_path: Path, aws_env: None):
    server = SeaweedServer(tmp_path / "seaweed")
    server.start()
    yield server
    server.kill()


def test_a_server_killed_mid_publish_leaves_a_consistent_feed_and_the_rerun_completes(
        show: ShowCopy, private_server: SeaweedServer, s3_calls: S3Calls, monkeypatch: pytest.MonkeyPatch):
    target = publish_to_a_new_bucket(show, private_server)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")  # fail at once instead of backing off
    _set_draft(target, GONE, True)
    assert target.run("publish").exit_code == 0
    _set_draft(target, GONE, False)
    target.show.edit("podcast.toml", 'author = "SeekersHub"', 'author = "SeekersHub Global"')

    def kill_during_the_pages(operation: str, key: str | None) -> None:
        if operation == "PutObject" and key == "show/index.html":
            private_server.kill()

    s3_calls.before.append(kill_during_the_pages)
    s3_calls.clear()
    failed = target.run("publish")
    assert failed.exit_code == 1
    assert "cannot be reached" in failed.stderr and failed.stderr.count("\n") == 1
    attempted = _uploaded(s3_calls)
    assert _audio(GONE) in attempted and "feed.xml" not in attempted

    s3_calls.before.clear()
    private_server.start()
    _assert_feed_is_consistent(target)
    built = _built_files(target)
    arrived = {key for key in attempted if key in target.keys() and target.read(key) == built[key]}
    assert _audio(GONE) in arrived

    s3_calls.clear()
    result = target.run("publish")
    assert result.exit_code == 0, result.output
    assert not set(_uploaded(s3_calls)) & arrived
    _assert_feed_is_consistent(target)
    assert b"Will Allah Forgive Me" in target.read("feed.xml")
    assert {key: target.read(key) for key in built} == built


def test_a_folder_target_follows_the_same_rules(show: ShowCopy):
    """file:// targets share the plan: --verify repairs, --prune deletes only with a manifest."""
    assert show.run("publish").exit_code == 0
    audio = show.published / _audio("just-forgiving")
    audio.unlink()
    assert "Nothing changed" in show.run("publish").stdout
    assert show.run("publish", "--verify").exit_code == 0
    assert audio.read_bytes() == (show.output / _audio("just-forgiving")).read_bytes()

    show.edit(f"episodes/{GONE}/episode.md", "explicit: false", "explicit: false\ndraft: true")
    (show.published / MANIFEST_KEY).rename(show.root / "manifest.json")
    refused = show.run("publish", "--prune")
    assert refused.exit_code == 1 and "has no publish manifest" in refused.stderr
    (show.root / "manifest.json").rename(show.published / MANIFEST_KEY)
    result = show.run("publish", "--prune")
    assert result.exit_code == 0, result.output
    assert not (show.published / "episodes" / GONE).exists()
    assert b"Will Allah Forgive Me" not in (show.published / "feed.xml").read_bytes()


def test_files_a_stopped_publish_replaced_are_put_back_when_the_show_goes_back(bucket_show: BucketShow,
                                                                                s3_calls: S3Calls):
    assert bucket_show.run("publish").exit_code == 0
    before = _built_files(bucket_show)
    audio = sorted(key for key in before if key.endswith(".mp3"))
    # New tags in every recording: the publish replaces them all, and stops at the last one.
    bucket_show.show.edit("podcast.toml", 'author = "SeekersHub"', 'author = "SeekersHub Global"')

    def break_last_audio(operation: str, key: str | None) -> None:
        if operation == "PutObject" and key == f"show/{audio[-1]}":
            raise EndpointConnectionError(endpoint_url="http://127.0.0.1/ (broken by the test)")

    s3_calls.before.append(break_last_audio)
    assert bucket_show.run("publish").exit_code == 1
    s3_calls.before.clear()
    assert bucket_show.read(audio[0]) != before[audio[0]]  # replaced, its stage never recorded
    # The producer undoes the change: the build is what the manifest recorded before.
    bucket_show.show.edit("podcast.toml", 'author = "SeekersHub Global"', 'author = "SeekersHub"')
    assert bucket_show.run("build").exit_code == 0
    assert _built_files(bucket_show) == before
    result = bucket_show.run("publish")
    assert result.exit_code == 0, result.output
    assert {key: bucket_show.read(key) for key in before} == before
    _assert_feed_is_consistent(bucket_show)
    assert "Nothing changed" in bucket_show.run("publish").stdout
