"""Publishing to a real S3 server (SeaweedFS on 127.0.0.1): incremental, ordered, resumable, safe."""

from __future__ import annotations

import hashlib
import json

import pytest
from botocore.exceptions import EndpointConnectionError
from lxml import etree

from conftest import BucketShow, S3Calls
from podcaster.storage.base import MANIFEST_KEY

SLUG = "just-forgiving"
AUDIO = f"episodes/{SLUG}/{SLUG}.mp3"
PAGE = f"episodes/{SLUG}/index.html"


def _built_files(target: BucketShow) -> dict[str, bytes]:
    output = target.show.output
    return {p.relative_to(output).as_posix(): p.read_bytes() for p in output.rglob("*")
            if p.is_file() and not p.name.startswith(".")}


def _uploaded(calls: S3Calls) -> list[str]:
    """Keys of site files uploaded, whole or in parts, in the order the uploads began."""
    keys = calls.keys("PutObject") + calls.keys("CreateMultipartUpload")
    return [key for key in keys if key != MANIFEST_KEY]


def _manifest(target: BucketShow) -> dict:
    return json.loads(target.read(MANIFEST_KEY))["files"]


def _assert_feed_is_consistent(target: BucketShow) -> None:
    """Every enclosure of the feed in the bucket is there, with the length the feed states."""
    feed = etree.fromstring(target.read("feed.xml"))
    public_url = "http://127.0.0.1:8000/"
    enclosures = feed.findall("./channel/item/enclosure")
    assert enclosures
    for enclosure in enclosures:
        key = enclosure.get("url").removeprefix(public_url)
        assert target.head(key)["ContentLength"] == int(enclosure.get("length")), key


def test_first_publish_uploads_everything_with_exact_headers(bucket_show: BucketShow, s3_calls: S3Calls):
    result = bucket_show.run("publish")
    assert result.exit_code == 0, result.output
    built = _built_files(bucket_show)
    assert bucket_show.keys() == set(built) | {MANIFEST_KEY}
    expected_types = {
        AUDIO: "audio/mpeg",
        "episodes/be-a-guardian-conceal-someones-faults/be-a-guardian-conceal-someones-faults.m4a": "audio/x-m4a",
        "feed.xml": "application/rss+xml; charset=utf-8",
        "index.html": "text/html; charset=utf-8",
        PAGE: "text/html; charset=utf-8",
        "style.css": "text/css; charset=utf-8",
        "artwork.jpg": "image/jpeg",
        f"episodes/{SLUG}/cover.jpg": "image/jpeg",
    }
    for key, content_type in expected_types.items():
        head = bucket_show.head(key)
        assert head["ContentType"] == content_type, key
        long_lived = content_type.startswith(("audio/", "image/"))
        assert head["CacheControl"] == ("public, max-age=604800" if long_lived else "public, max-age=300"), key
        assert head["Metadata"]["sha256"] == hashlib.sha256(built[key]).hexdigest()
    for key, body in built.items():
        assert bucket_show.read(key) == body, key
    manifest = _manifest(bucket_show)
    assert set(manifest) == set(built)
    assert manifest["feed.xml"]["sha256"] == hashlib.sha256(built["feed.xml"]).hexdigest()
    assert manifest["feed.xml"]["etag"] == bucket_show.head("feed.xml")["ETag"].strip('"')
    assert "Published" in result.stdout and f"s3://{bucket_show.bucket}/show" in result.stdout


def test_upload_order_is_audio_artwork_pages_feed_then_manifest(bucket_show: BucketShow, s3_calls: S3Calls):
    assert bucket_show.run("publish").exit_code == 0
    order = _uploaded(s3_calls)
    kinds = [_kind(key) for key in order]
    assert kinds == sorted(kinds, key=STAGES.index), order
    assert set(kinds) == set(STAGES)
    # The manifest records each finished stage, the last time after the feed.
    puts = s3_calls.keys("PutObject")
    assert puts[-2:] == ["feed.xml", MANIFEST_KEY]
    assert puts.count(MANIFEST_KEY) == len(STAGES)


STAGES = ["audio", "artwork, chapters and transcripts", "page", "feed"]


def _kind(key: str) -> str:
    if key == "feed.xml":
        return "feed"
    if key.endswith((".mp3", ".m4a", ".opus")):
        return "audio"
    if key.endswith((".jpg", ".webp", ".png", "chapters.json")) or "/transcripts/" in key:
        return "artwork, chapters and transcripts"
    assert key.endswith((".html", ".css", ".js", ".txt", "sitemap.xml")), key
    return "page"


def test_second_publish_uploads_nothing_and_makes_one_request(bucket_show: BucketShow, s3_calls: S3Calls):
    assert bucket_show.run("publish").exit_code == 0
    s3_calls.clear()
    result = bucket_show.run("publish")
    assert result.exit_code == 0, result.output
    assert "Nothing changed" in result.stdout
    # The manifest, read once: no request for any of the files it lists.
    assert s3_calls.calls == [("GetObject", f"show/{MANIFEST_KEY}")]


def test_changing_one_episode_uploads_only_what_it_touches(bucket_show: BucketShow, s3_calls: S3Calls):
    assert bucket_show.run("publish").exit_code == 0
    before = _built_files(bucket_show)
    bucket_show.show.edit(f"episodes/{SLUG}/episode.md", 'summary: "How Abu Bakr', 'summary: "How, indeed, Abu Bakr')
    s3_calls.clear()
    result = bucket_show.run("publish")
    assert result.exit_code == 0, result.output
    after = _built_files(bucket_show)
    changed = {key for key in after if before.get(key) != after[key]}
    uploaded = _uploaded(s3_calls)
    assert set(uploaded) == changed
    assert {AUDIO, PAGE, "feed.xml"} <= changed
    # Beyond the episode's own files and the feed: only pages that list the episode.
    for key in changed - {"feed.xml", "sitemap.xml"}:
        assert key.startswith(f"episodes/{SLUG}/") or f"episodes/{SLUG}/".encode() in after[key], key
    # A few changed files among many are looked up one by one, each once; nothing is asked about
    # any other file, and the bucket is not listed.
    assert sorted(s3_calls.keys("HeadObject")) == sorted(changed)
    assert "ListObjectsV2" not in s3_calls.operations()
    # The audio replaces a published file, so it goes just before the feed.
    assert uploaded[-2:] == [AUDIO, "feed.xml"]
    for key in changed:
        assert bucket_show.read(key) == after[key]
    _assert_feed_is_consistent(bucket_show)


def _set_draft(target: BucketShow, slug: str, draft: bool) -> None:
    old, new = "explicit: false", "explicit: false\ndraft: true"
    target.show.edit(f"episodes/{slug}/episode.md", *((old, new) if draft else (new, old)))


NEW = ("the-art-of-prophetic-forgiveness", "will-allah-forgive-me")


def _audio(slug: str) -> str:
    return f"episodes/{slug}/{slug}.mp3"


def test_a_new_episode_goes_up_audio_first_and_feed_last(bucket_show: BucketShow, s3_calls: S3Calls):
    _set_draft(bucket_show, NEW[0], True)
    assert bucket_show.run("publish").exit_code == 0
    _set_draft(bucket_show, NEW[0], False)
    s3_calls.clear()
    result = bucket_show.run("publish")
    assert result.exit_code == 0, result.output
    uploaded = _uploaded(s3_calls)
    assert uploaded[0] == _audio(NEW[0])
    assert uploaded.index(f"episodes/{NEW[0]}/cover.jpg") < uploaded.index(f"episodes/{NEW[0]}/index.html")
    assert uploaded[-1] == "feed.xml"
    _assert_feed_is_consistent(bucket_show)


def test_a_failed_upload_leaves_the_old_feed_and_the_rerun_completes(bucket_show: BucketShow, s3_calls: S3Calls):
    for slug in NEW:
        _set_draft(bucket_show, slug, True)
    assert bucket_show.run("publish").exit_code == 0
    old_feed = bucket_show.read("feed.xml")
    # Two new episodes, and new tags in every published one (so their audio is replaced too).
    for slug in NEW:
        _set_draft(bucket_show, slug, False)
    bucket_show.show.edit("podcast.toml", 'author = "SeekersHub"', 'author = "SeekersHub Global"')

    def break_second_new_audio(operation: str, key: str | None) -> None:
        if operation == "PutObject" and key == f"show/{_audio(NEW[1])}":
            raise EndpointConnectionError(endpoint_url="http://127.0.0.1/ (broken by the test)")

    s3_calls.before.append(break_second_new_audio)
    failed = bucket_show.run("publish")
    assert failed.exit_code == 1
    assert failed.stderr.count("\n") == 1 and _audio(NEW[1]) in failed.stderr
    assert bucket_show.read("feed.xml") == old_feed
    _assert_feed_is_consistent(bucket_show)
    assert _audio(NEW[0]) in bucket_show.keys()  # it arrived, but the manifest does not know yet
    assert _audio(NEW[0]) not in _manifest(bucket_show)

    s3_calls.before.clear()
    s3_calls.clear()
    result = bucket_show.run("publish")
    assert result.exit_code == 0, result.output
    assert ("1 files were already there, as this build has them (from a publish that stopped, or one whose "
            "manifest was lost), and are now recorded.") in result.stdout
    uploaded = _uploaded(s3_calls)
    assert _audio(NEW[0]) not in uploaded
    assert uploaded[0] == _audio(NEW[1]) and uploaded[-1] == "feed.xml"
    # Asked about once, as the listing showed it but the manifest did not.
    assert s3_calls.keys("HeadObject") == [_audio(NEW[0])]
    _assert_feed_is_consistent(bucket_show)
    built = _built_files(bucket_show)
    assert {key: bucket_show.read(key) for key in built} == built
    assert set(_manifest(bucket_show)) == set(built)


def test_uploads_handed_over_a_few_at_a_time_all_arrive(bucket_show: BucketShow, s3_calls: S3Calls,
                                                         monkeypatch: pytest.MonkeyPatch):
    """A first publish of a long archive hands its files to the transfer manager a window at a
    time; with a window of two, a failure is still caught, and then every file arrives, with its
    ETag in the manifest."""
    from podcaster.storage import s3

    monkeypatch.setattr(s3, "_UPLOADS_IN_FLIGHT", 2)

    def break_the_page(operation: str, key: str | None) -> None:
        if operation == "PutObject" and key == f"show/{PAGE}":
            raise EndpointConnectionError(endpoint_url="http://127.0.0.1/ (broken by the test)")

    s3_calls.before.append(break_the_page)
    failed = bucket_show.run("publish")
    assert failed.exit_code == 1 and PAGE in failed.stderr
    assert "feed.xml" not in bucket_show.keys()

    s3_calls.before.clear()
    result = bucket_show.run("publish")
    assert result.exit_code == 0, result.output
    built = _built_files(bucket_show)
    assert len(built) > 10
    for key, body in built.items():
        assert bucket_show.read(key) == body, key
    manifest = _manifest(bucket_show)
    assert {key: entry["etag"] for key, entry in manifest.items()} == \
        {key: bucket_show.head(key)["ETag"].strip('"') for key in built}
