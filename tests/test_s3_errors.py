"""Reaching the bucket: endpoints, credentials and regions from boto3's own chain; every mistake a
one-line error that says what to fix, and the credentials never shown."""

from __future__ import annotations

import socket

import pytest

from podcaster.writer import STATE_FILE

from conftest import BucketShow, S3Calls
from seaweed import ACCESS_KEY, SECRET_KEY, SeaweedServer


def _one_line_error(result) -> str:
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.output
    return result.stderr


def _retarget(target: BucketShow, old: str, new: str) -> None:
    target.show.edit("podcast.toml", old, new)


def test_bad_credentials_are_one_line_and_never_printed(bucket_show: BucketShow, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret-at-all")
    build_state = bucket_show.show.output / STATE_FILE
    built_at = build_state.stat().st_mtime_ns
    result = bucket_show.run("-vv", "publish")
    error = _one_line_error(result)
    assert "refused the credentials (SignatureDoesNotMatch)" in error and "AWS_SECRET_ACCESS_KEY" in error
    assert "not-the-secret-at-all" not in result.output and ACCESS_KEY not in result.output
    assert build_state.stat().st_mtime_ns == built_at  # stopped before building

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAUNKNOWNKEY")
    error = _one_line_error(bucket_show.run("publish"))
    assert "refused the credentials (InvalidAccessKeyId)" in error and "AKIAUNKNOWNKEY" not in error


def test_missing_credentials(bucket_show: BucketShow, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    error = _one_line_error(bucket_show.run("publish"))
    assert "no AWS credentials found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY" in error


def test_credentials_from_a_profile(bucket_show: BucketShow, monkeypatch: pytest.MonkeyPatch, tmp_path):
    credentials = tmp_path / "credentials"
    credentials.write_text(f"[podcast]\naws_access_key_id = {ACCESS_KEY}\naws_secret_access_key = {SECRET_KEY}\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    _retarget(bucket_show, 'region = "us-east-1"', 'region = "us-east-1"\nprofile = "podcast"')
    result = bucket_show.run("publish")
    assert result.exit_code == 0, result.output
    assert "feed.xml" in bucket_show.keys()

    _retarget(bucket_show, 'profile = "podcast"', 'profile = "nobody"')
    error = _one_line_error(bucket_show.run("publish"))
    assert "[publish] profile 'nobody' is not in ~/.aws/config or ~/.aws/credentials" in error


def test_credentials_in_the_config_are_refused(bucket_show: BucketShow):
    _retarget(bucket_show, 'region = "us-east-1"', f'region = "us-east-1"\naws_secret_access_key = "{SECRET_KEY}"')
    result = bucket_show.run("publish")
    assert result.exit_code == 1
    assert "publish.aws_secret_access_key: credentials never go in podcast.toml" in result.stderr
    assert SECRET_KEY not in result.output


def test_missing_bucket(bucket_show: BucketShow):
    _retarget(bucket_show, f"s3://{bucket_show.bucket}/show", "s3://no-such-bucket-here/show")
    error = _one_line_error(bucket_show.run("publish"))
    assert "the bucket 'no-such-bucket-here' does not exist at http://127.0.0.1:" in error
    assert "create it, or fix the bucket in [publish] target" in error


def test_unreachable_endpoint(bucket_show: BucketShow, seaweed: SeaweedServer, monkeypatch: pytest.MonkeyPatch):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    _retarget(bucket_show, seaweed.endpoint, f"http://127.0.0.1:{closed_port}")
    error = _one_line_error(bucket_show.run("publish"))
    assert f"http://127.0.0.1:{closed_port} cannot be reached" in error
    assert "check [publish] endpoint_url (or AWS_ENDPOINT_URL_S3)" in error


def test_https_to_a_plain_http_server_says_to_write_http(bucket_show: BucketShow, seaweed: SeaweedServer,
                                                         monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    https = seaweed.endpoint.replace("http://", "https://")
    _retarget(bucket_show, seaweed.endpoint, https)
    error = _one_line_error(bucket_show.run("publish"))
    assert f"{https} does not speak TLS (" in error
    assert error.rstrip("\n").endswith("if the server takes plain HTTP (a local MinIO or SeaweedFS, say), write "
                                       "endpoint_url with http://")


@pytest.mark.parametrize("target, message", [
    ("ftp://example.org/show", "unknown scheme ftp://"),
    ("s3:///show", "no bucket given"),
    ("s3://key:secret@bucket/show", "write only s3://BUCKET/PREFIX"),
    ("s3://Bad bucket/show", "'Bad bucket' is not a bucket name"),
    ("s3://bucket/a/../b", "write the prefix as plain folder names"),
])
def test_bad_targets(bucket_show: BucketShow, target: str, message: str):
    error = _one_line_error(bucket_show.run("publish", "--target", target))
    assert message in error
    assert "secret" not in error.split(message)[1]


@pytest.mark.parametrize("variable", ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"])
def test_endpoint_from_the_environment(bucket_show: BucketShow, seaweed: SeaweedServer,
                                       monkeypatch: pytest.MonkeyPatch, variable: str):
    _retarget(bucket_show, f'endpoint_url = "{seaweed.endpoint}"\n', "")
    monkeypatch.setenv(variable, seaweed.endpoint)
    result = bucket_show.run("publish")
    assert result.exit_code == 0, result.output
    assert f"at {seaweed.endpoint}" in result.stdout
    assert "feed.xml" in bucket_show.keys()


def test_the_target_can_be_given_for_one_run(bucket_show: BucketShow, s3_calls: S3Calls):
    other = f"{bucket_show.bucket}-2"
    bucket_show.admin.create_bucket(Bucket=other)
    result = bucket_show.run("publish", "--target", f"s3://{other}/elsewhere/")
    assert result.exit_code == 0, result.output
    listed = bucket_show.admin.list_objects_v2(Bucket=other)["Contents"]
    assert {"elsewhere/feed.xml", "elsewhere/.podcaster-manifest.json"} <= {item["Key"] for item in listed}
    assert not bucket_show.keys()
