"""The S3 backend on its own, against SeaweedFS: multipart uploads, checksums, storage class, and
public reads through a bucket policy (SeaweedFS, like AWS by default, ignores ACLs)."""

from __future__ import annotations

import hashlib
import json
import os
import urllib.request
import uuid
from pathlib import Path

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from lxml import etree

from conftest import BucketShow, S3Calls
from podcaster import mediatypes
from podcaster.errors import StorageError
from podcaster.model import PublishSettings
from podcaster.storage import Upload, open_target
from podcaster.storage.s3 import PART_SIZE, S3Storage
from podcaster.storage.base import MANIFEST_KEY
from seaweed import SeaweedServer
from test_s3_publish import AUDIO


class Recorded:
    def __init__(self) -> None:
        self.events: list[tuple[str, str, int]] = []

    def started(self, key: str, size: int) -> None:
        self.events.append(("started", key, size))

    def advanced(self, key: str, amount: int) -> None:
        self.events.append(("advanced", key, amount))

    def finished(self, key: str) -> None:
        self.events.append(("finished", key, 0))


@pytest.fixture
def storage(seaweed: SeaweedServer, aws_env: None, tmp_path: Path) -> S3Storage:
    bucket = f"podcaster-{uuid.uuid4().hex[:16]}"
    seaweed.client().create_bucket(Bucket=bucket)
    settings = PublishSettings(f"s3://{bucket}/site", "https://cdn.example.org/", endpoint_url=seaweed.endpoint,
                               region="us-east-1", addressing_style="path", storage_class="STANDARD_IA")
    made = open_target(settings.target, tmp_path, settings)
    assert isinstance(made, S3Storage)
    return made


def _upload(path: Path, key: str, sha256: str | None = None) -> Upload:
    digest = sha256 or hashlib.sha256(path.read_bytes()).hexdigest()
    return Upload(key, path, digest, path.stat().st_size, "audio/mpeg", "public, max-age=604800")


def test_a_large_file_goes_up_in_parts_and_arrives_whole(storage: S3Storage, seaweed: SeaweedServer, tmp_path: Path):
    large = tmp_path / "large.mp3"
    large.write_bytes(os.urandom(2 * PART_SIZE + 12345))
    progress = Recorded()
    etags = storage.upload_all([_upload(large, "episodes/large/large.mp3")], progress)

    admin = seaweed.client()
    key = "site/episodes/large/large.mp3"
    head = admin.head_object(Bucket=storage.bucket, Key=key)
    assert head["ETag"].strip('"').endswith("-3")  # three parts
    assert etags == {"episodes/large/large.mp3": head["ETag"].strip('"')}
    assert head["ContentLength"] == large.stat().st_size
    assert head["ContentType"] == "audio/mpeg" and head["CacheControl"] == "public, max-age=604800"
    assert head["StorageClass"] == "STANDARD_IA"
    assert head["Metadata"]["sha256"] == hashlib.sha256(large.read_bytes()).hexdigest()
    body = admin.get_object(Bucket=storage.bucket, Key=key)["Body"].read()
    assert hashlib.sha256(body).digest() == hashlib.sha256(large.read_bytes()).digest()
    assert progress.events[0] == ("started", "episodes/large/large.mp3", large.stat().st_size)
    assert sum(amount for kind, _, amount in progress.events if kind == "advanced") == large.stat().st_size
    assert progress.events[-1][0] == "finished"
    assert storage.list_objects()["episodes/large/large.mp3"].etag == etags["episodes/large/large.mp3"]


def test_the_server_refuses_a_body_that_does_not_match_its_checksum(storage: S3Storage, tmp_path: Path):
    page = tmp_path / "page.html"
    page.write_bytes(b"<p>as built</p>")
    wrong = hashlib.sha256(b"<p>something else</p>").hexdigest()
    with pytest.raises(StorageError, match="cannot upload page.html: BadDigest"):
        storage.upload_all([_upload(page, "page.html", sha256=wrong)], Recorded())
    assert "page.html" not in storage.list_objects()
    etags = storage.upload_all([_upload(page, "page.html")], Recorded())
    assert storage.list_objects()["page.html"].etag == etags["page.html"]
    assert storage.stored_sha256("page.html") == hashlib.sha256(page.read_bytes()).hexdigest()


def test_listeners_read_the_published_show_through_a_bucket_policy(bucket_show: BucketShow, seaweed: SeaweedServer):
    policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": ["s3:GetObject"],
        "Resource": [f"arn:aws:s3:::{bucket_show.bucket}/show/*"]}]}
    bucket_show.admin.put_bucket_policy(Bucket=bucket_show.bucket, Policy=json.dumps(policy))
    public_url = f"{seaweed.endpoint}/{bucket_show.bucket}/show/"
    bucket_show.show.edit("podcast.toml", 'public_url = "http://127.0.0.1:8000/"', f'public_url = "{public_url}"')
    assert bucket_show.run("publish").exit_code == 0

    with urllib.request.urlopen(public_url + "feed.xml") as response:
        assert response.headers["Content-Type"] == "application/rss+xml; charset=utf-8"
        assert response.headers["Cache-Control"] == "public, max-age=300"
        feed = response.read()
    audio_url = etree.fromstring(feed).find("./channel/item/enclosure").get("url")
    assert audio_url.startswith(public_url)
    with urllib.request.urlopen(audio_url) as response:
        assert response.headers["Content-Type"] in ("audio/mpeg", "audio/x-m4a")
        assert response.headers["Cache-Control"] == "public, max-age=604800"
        assert len(response.read()) > 10_000


def test_acl_storage_class_and_cache_control_are_sent_as_configured(bucket_show: BucketShow, s3_calls: S3Calls):
    bucket_show.show.edit("podcast.toml", 'addressing_style = "path"',
                          'addressing_style = "path"\nacl = "public-read"\nstorage_class = "STANDARD_IA"\n'
                          'cache_control_pages = "no-cache"\ncache_control_media = "public, max-age=31536000, immutable"')
    assert bucket_show.run("publish").exit_code == 0
    sent = {arguments["Key"].removeprefix("show/"): arguments for (operation, _), arguments
            in zip(s3_calls.calls, s3_calls.arguments) if operation == "PutObject"}
    assert sent[AUDIO]["ACL"] == sent["feed.xml"]["ACL"] == "public-read"
    assert "ACL" not in sent[MANIFEST_KEY]  # the manifest is podcaster's, not the listeners'
    assert sent[AUDIO]["StorageClass"] == "STANDARD_IA" and "StorageClass" not in sent["feed.xml"]
    assert bucket_show.head(AUDIO)["StorageClass"] == "STANDARD_IA"
    assert bucket_show.head("feed.xml")["CacheControl"] == "no-cache"
    assert bucket_show.head("artwork.jpg")["CacheControl"] == "public, max-age=31536000, immutable"


class _SlowDown:
    """The raw body of a 503 SlowDown answer, as urllib3 would hand it to botocore."""

    def stream(self, **_):
        yield (b"<?xml version='1.0' encoding='UTF-8'?><Error><Code>SlowDown</Code>"
               b"<Message>Please reduce your request rate.</Message></Error>")


def test_slow_down_answers_are_retried_with_backoff(bucket_show: BucketShow, s3_calls: S3Calls,
                                                    monkeypatch: pytest.MonkeyPatch):
    answered: list[str] = []
    create = boto3.session.Session.client

    def client(self, *args, **kwargs):
        made = create(self, *args, **kwargs)
        made.meta.events.register("before-send.s3.PutObject", slow_down_twice)
        return made

    def slow_down_twice(request, **_):
        if request.url.endswith("/feed.xml") and len(answered) < 2:
            answered.append(request.url)
            return AWSResponse(request.url, 503, {}, _SlowDown())
        return None

    monkeypatch.setattr(boto3.session.Session, "client", client)
    result = bucket_show.run("publish")
    assert result.exit_code == 0, result.output
    assert len(answered) == 2
    assert bucket_show.read("feed.xml") == (bucket_show.show.output / "feed.xml").read_bytes()


@pytest.mark.parametrize("key, content_type", [
    ("episodes/a/a.chapters.json", "application/json+chapters"),
    ("episodes/a/chapters.json", "application/json+chapters"),
    ("episodes/a/transcript.vtt", "text/vtt; charset=utf-8"),
    ("episodes/a/a.ogg", "audio/ogg"),
    ("sitemap.xml", "application/xml; charset=utf-8"),
    ("feed.xml", "application/rss+xml; charset=utf-8"),
    ("episodes/a/data.json", "application/json"),
])
def test_content_types_of_chapters_transcripts_and_sitemap(key: str, content_type: str):
    assert mediatypes.content_type(key) == content_type


def test_a_few_changed_files_among_many_are_looked_up_not_listed(s3_calls: S3Calls, storage: S3Storage,
                                                                  tmp_path: Path):
    """A new episode in an archive of thousands: asking about its handful of files costs a request
    each; listing the bucket would cost one per thousand objects."""
    from podcaster import publishing
    from podcaster.storage.base import ManifestEntry

    site = tmp_path / "site"
    site.mkdir()
    entries = {}
    for name, text in (("stored-before.txt", "stored by a publish that stopped"), ("recorded.txt", "published"),
                       ("new.txt", "not published yet")):
        (site / name).write_text(text, encoding="utf-8")
        entries[name] = ManifestEntry(hashlib.sha256(text.encode()).hexdigest(), len(text))
    etags = storage.upload_all([_upload(site / "stored-before.txt", "stored-before.txt", entries["stored-before.txt"].sha256),
                                _upload(site / "recorded.txt", "recorded.txt", entries["recorded.txt"].sha256)], Recorded())
    recorded = {f"episodes/{n:05d}/index.html": ManifestEntry("0" * 64, 100, "etag") for n in range(5000)}
    recorded["recorded.txt"] = ManifestEntry(entries["recorded.txt"].sha256, entries["recorded.txt"].size,
                                             etags["recorded.txt"])
    s3_calls.clear()

    plan = publishing.plan(entries, site, recorded, storage, PublishSettings(storage.description, "https://x.org/"),
                           prune=False, verify=False)
    assert sorted(s3_calls.keys("HeadObject", prefix="site/")) == ["new.txt", "stored-before.txt"]
    assert "ListObjectsV2" not in s3_calls.operations()
    assert [upload.key for upload in plan.uploads] == ["new.txt"]
    assert set(plan.found) == {"stored-before.txt"}  # its SHA-256 came with the lookup: asked once
