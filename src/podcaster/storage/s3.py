"""Publish to S3-compatible object storage (AWS S3, Cloudflare R2, Backblaze B2, MinIO, SeaweedFS).

The only module that imports boto3. Credentials come from boto3's own chain (environment, the
profile named in the config, an instance role) and never pass through podcaster: nothing here
reads, stores or prints them.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import threading
from collections import deque
from collections.abc import Iterator

import boto3
import botocore.loaders
import botocore.session
from boto3.s3.transfer import TransferConfig, create_transfer_manager
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError as BotoConnectionError,
    HTTPClientError,
    NoCredentialsError,
    PartialCredentialsError,
    ProfileNotFound,
    SSLError,
)
from s3transfer.subscribers import BaseSubscriber

from podcaster import mediatypes
from podcaster.errors import ManifestConflict, StorageError
from podcaster.model import PublishSettings
from podcaster.storage.base import MANIFEST_KEY, Manifest, StoredObject, TransferProgress, Upload
from podcaster.storage.base import manifest_from_json, manifest_to_json

# Files from this size on go up in parts of this size, several parts at once; each part is read
# from disk when it is sent, so memory does not grow with the file.
PART_SIZE = 8 * 1024 * 1024
CONCURRENCY = 8
# Uploads the transfer manager holds at once: enough to keep its threads busy with small files.
_UPLOADS_IN_FLIGHT = 32 * CONCURRENCY
# Attempts per request (the first included) unless AWS_MAX_ATTEMPTS or the profile's max_attempts
# says otherwise; botocore's standard mode backs off exponentially, with jitter, on 5xx, SlowDown
# and throttling answers, connection resets and timeouts.
DEFAULT_ATTEMPTS = 5
# The object metadata (x-amz-meta-sha256) that tells a later publish what a stored object holds,
# whatever the server makes of ETags.
SHA256_METADATA = "sha256"

_CREDENTIALS_REFUSED = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken",
                        "InvalidClientTokenId", "AuthorizationHeaderMalformed", "TokenRefreshRequired"}
_CONFLICT = {"PreconditionFailed", "ConditionalRequestConflict"}
_NOT_FOUND = {"NoSuchKey", "404", "NotFound"}


class S3Storage:
    def __init__(self, bucket: str, prefix: str, settings: PublishSettings) -> None:
        self.bucket = bucket
        self.prefix = prefix
        self._settings = settings
        self._client = _client(settings, f"s3://{bucket}/{prefix}")
        self.endpoint = self._client.meta.endpoint_url
        self.description = f"s3://{bucket}/{prefix} at {self.endpoint}"
        self._transfer_config = TransferConfig(
            multipart_threshold=PART_SIZE, multipart_chunksize=PART_SIZE, max_concurrency=CONCURRENCY,
            # The classic transfer manager: the CRT one would bypass the client's event hooks below.
            preferred_transfer_client="classic",
        )
        self._manifest_etag: str | None = None  # the manifest as this storage last read or wrote it
        self._etags = _EtagRecorder(self._client)

    def read_manifest(self) -> Manifest | None:
        try:
            response = self._client.get_object(Bucket=self.bucket, Key=self._key(MANIFEST_KEY))
            raw = response["Body"].read()
        except ClientError as e:
            if _code(e) in _NOT_FOUND:
                self._manifest_etag = None
                return None
            raise self._error(e, "read the publish manifest") from e
        except BotoCoreError as e:
            raise self._error(e, "read the publish manifest") from e
        # Kept even when the bytes are no manifest, so a new one replaces exactly this object.
        self._manifest_etag = response["ETag"]
        return manifest_from_json(raw, f"s3://{self.bucket}/{self._key(MANIFEST_KEY)}")

    def write_manifest(self, manifest: Manifest) -> None:
        body = manifest_to_json(manifest)
        # Only over the manifest this publish started from: a publisher that lost a race stops here.
        condition = {"IfMatch": self._manifest_etag} if self._manifest_etag else {"IfNoneMatch": "*"}
        try:
            response = self._client.put_object(
                Bucket=self.bucket, Key=self._key(MANIFEST_KEY), Body=body, ContentType="application/json",
                CacheControl="no-store", ChecksumSHA256=_base64_sha256(hashlib.sha256(body).hexdigest()),
                **condition,
            )
        except ClientError as e:
            if _code(e) in _CONFLICT or _status(e) in (409, 412):
                raise ManifestConflict(
                    f"another publish wrote s3://{self.bucket}/{self._key(MANIFEST_KEY)} while this one ran, "
                    "so this one stopped before updating the feed further; run `podcaster publish` again: "
                    "it uploads only what is still missing") from e
            raise self._error(e, "write the publish manifest") from e
        except BotoCoreError as e:
            raise self._error(e, "write the publish manifest") from e
        self._manifest_etag = response["ETag"]

    def list_objects(self) -> dict[str, StoredObject]:
        listed_prefix = self._key("")
        objects = {}
        try:
            for page in self._client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket,
                                                                                Prefix=listed_prefix):
                for item in page.get("Contents", []):
                    key = item["Key"][len(listed_prefix):]
                    if key != MANIFEST_KEY:
                        objects[key] = StoredObject(item["Size"], _bare_etag(item["ETag"]))
        except (ClientError, BotoCoreError) as e:
            raise self._error(e, "list the bucket") from e
        return objects

    def find_objects(self, keys: list[str]) -> dict[str, StoredObject]:
        found = {}
        for key in keys:
            head = self._head(key)
            if head is not None:
                found[key] = StoredObject(head["ContentLength"], _bare_etag(head["ETag"]),
                                          head.get("Metadata", {}).get(SHA256_METADATA))
        return found

    def stored_sha256(self, key: str) -> str | None:
        head = self._head(key)
        return head.get("Metadata", {}).get(SHA256_METADATA) if head is not None else None

    def _head(self, key: str) -> dict | None:
        try:
            return self._client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as e:
            if _code(e) in _NOT_FOUND:
                return None
            raise self._error(e, f"check {key}") from e
        except BotoCoreError as e:
            raise self._error(e, f"check {key}") from e

    def upload_all(self, uploads: list[Upload], progress: TransferProgress) -> dict[str, str | None]:
        failures: list[tuple[Upload, Exception]] = []

        def settle(upload: Upload, transfer) -> None:
            try:
                transfer.result()
            except (ClientError, BotoCoreError, OSError) as e:
                failures.append((upload, e))

        with create_transfer_manager(self._client, self._transfer_config) as manager:
            # Handed over a window at a time, not all at once: each transfer the manager holds
            # costs about 4 KB, and a first publish of 10,000 episodes has 38,000 files (349 MB → 290 MB).
            in_flight: deque[tuple[Upload, object]] = deque()
            for upload in uploads:
                in_flight.append((upload, manager.upload(str(upload.source), self.bucket, self._key(upload.key),
                                                         extra_args=self._upload_arguments(upload),
                                                         subscribers=[_ProgressSubscriber(upload, progress)])))
                if len(in_flight) >= _UPLOADS_IN_FLIGHT:
                    settle(*in_flight.popleft())
            while in_flight:
                settle(*in_flight.popleft())
        if failures:
            upload, error = failures[0]
            others = f" (and {len(failures) - 1} more files)" if len(failures) > 1 else ""
            raise self._error(error, f"upload {upload.key}{others}") from error
        return {upload.key: self._etags.pop(self._key(upload.key)) for upload in uploads}

    def delete_all(self, keys: list[str]) -> None:
        for batch in _batches(keys, 1000):  # DeleteObjects takes at most 1000 keys
            try:
                response = self._client.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": [{"Key": self._key(key)} for key in batch], "Quiet": True})
            except (ClientError, BotoCoreError) as e:
                raise self._error(e, f"delete {batch[0]}") from e
            if response.get("Errors"):
                first = response["Errors"][0]
                raise StorageError(f"{self.description}: cannot delete {first.get('Key')}: "
                                   f"{first.get('Code')}: {first.get('Message')}")

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def _upload_arguments(self, upload: Upload) -> dict:
        arguments: dict = {
            "ContentType": upload.content_type,
            "CacheControl": upload.cache_control,
            "Metadata": {SHA256_METADATA: upload.sha256},
        }
        if upload.size < PART_SIZE:
            # The server checks the body against the build's own SHA-256 and refuses a mismatch.
            # (S3 has no whole-object SHA-256 for multipart uploads: their parts carry checksums instead.)
            arguments["ChecksumSHA256"] = _base64_sha256(upload.sha256)
        if self._settings.acl != "none":
            arguments["ACL"] = self._settings.acl
        if self._settings.storage_class and mediatypes.is_media(upload.key):
            arguments["StorageClass"] = self._settings.storage_class
        return arguments

    def _error(self, error: Exception, doing: str) -> StorageError:
        return StorageError(_one_line(f"{self.description}: cannot {doing}: {_explain(error, self.endpoint, self.bucket)}"))


def _client(settings: PublishSettings, where: str):
    try:
        core = botocore.session.Session(profile=settings.profile)
        core.register_component("data_loader", _service_models())
        session = boto3.session.Session(botocore_session=core, region_name=settings.region)
        config = Config(
            signature_version="s3v4",
            s3={"addressing_style": settings.addressing_style},
            retries={"mode": core.get_config_variable("retry_mode") or "standard",
                     "total_max_attempts": int(core.get_config_variable("max_attempts") or DEFAULT_ATTEMPTS)},
            request_checksum_calculation=settings.request_checksum_calculation,
            connect_timeout=10,
            read_timeout=60,
            max_pool_connections=CONCURRENCY * 2,
        )
        # endpoint_url=None lets boto3 take AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, or AWS itself.
        return session.client("s3", endpoint_url=settings.endpoint_url, config=config)
    except ProfileNotFound as e:
        raise StorageError(f"{where}: [publish] profile {settings.profile!r} is not in ~/.aws/config or "
                           "~/.aws/credentials; add it there (aws configure --profile NAME) or remove the key") from e
    except (BotoCoreError, ValueError) as e:
        raise StorageError(_one_line(f"{where}: cannot set up the S3 client: {e}")) from e


@functools.cache
def _service_models() -> botocore.loaders.Loader:
    # Reading S3's API description takes a third of a second; sessions in one process share it.
    return botocore.loaders.create_loader()


class _EtagRecorder:
    """Keeps the ETag each completed upload was answered with, by object key.

    The transfer manager runs uploads on its threads and hands back no response, so the ETag is
    taken from the client's own events: the key is noted when a request is built and the answer
    read when the call returns, in the same call's context."""

    def __init__(self, client) -> None:
        self._etags: dict[str, str] = {}
        self._lock = threading.Lock()
        for operation in ("PutObject", "CompleteMultipartUpload"):
            client.meta.events.register(f"before-parameter-build.s3.{operation}", self._note_key)
            client.meta.events.register(f"after-call.s3.{operation}", self._note_etag)

    def pop(self, key: str) -> str | None:
        with self._lock:
            return self._etags.pop(key, None)

    @staticmethod
    def _note_key(params: dict, context: dict, **_) -> None:
        context["podcaster_key"] = params["Key"]

    def _note_etag(self, http_response, parsed: dict, context: dict, **_) -> None:
        if http_response.status_code < 300 and "ETag" in parsed:
            with self._lock:
                self._etags[context["podcaster_key"]] = _bare_etag(parsed["ETag"])


class _ProgressSubscriber(BaseSubscriber):
    def __init__(self, upload: Upload, progress: TransferProgress) -> None:
        super().__init__()
        self._upload = upload
        self._progress = progress

    def on_queued(self, future, **kwargs) -> None:
        self._progress.started(self._upload.key, self._upload.size)

    def on_progress(self, future, bytes_transferred: int, **kwargs) -> None:
        # Negative after a failed attempt: the bytes of a retried part count again.
        self._progress.advanced(self._upload.key, bytes_transferred)

    def on_done(self, future, **kwargs) -> None:
        self._progress.finished(self._upload.key)


def _explain(error: Exception, endpoint: str, bucket: str) -> str:
    """What went wrong and what to do, in one line; never the credentials themselves."""
    if isinstance(error, (NoCredentialsError, PartialCredentialsError)):
        return ("no AWS credentials found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or name a profile "
                "in [publish] profile or AWS_PROFILE (credentials never go in podcast.toml)")
    if isinstance(error, SSLError):
        # What an https:// client hears from a plain-HTTP server (OpenSSL 3.2 on: "record layer failure").
        if "WRONG_VERSION_NUMBER" in str(error) or "record layer failure" in str(error):
            return (f"{endpoint} does not speak TLS ({error}); if the server takes plain HTTP (a local MinIO or "
                    "SeaweedFS, say), write endpoint_url with http://")
        return f"the TLS handshake with {endpoint} failed ({error}); check the endpoint's certificate or AWS_CA_BUNDLE"
    if isinstance(error, (BotoConnectionError, HTTPClientError)):
        return (f"{endpoint} cannot be reached ({error}); check [publish] endpoint_url "
                "(or AWS_ENDPOINT_URL_S3) and the network")
    if not isinstance(error, ClientError):
        return str(error)
    code, message = _code(error), error.response.get("Error", {}).get("Message", "")
    if code == "NoSuchBucket":
        return f"the bucket {bucket!r} does not exist at {endpoint}; create it, or fix the bucket in [publish] target"
    if code in _CREDENTIALS_REFUSED:
        return (f"{endpoint} refused the credentials ({code}); check AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY, or the profile in [publish] profile")
    if code in ("AccessDenied", "403", "Forbidden", "AllAccessDisabled"):
        return ("access denied; the key needs s3:GetObject, s3:PutObject and s3:ListBucket on the bucket "
                "(s3:DeleteObject for --prune); see the README's permissions")
    if code == "InvalidBucketName":
        return f"{bucket!r} is not a valid bucket name; fix [publish] target"
    if code in ("PermanentRedirect", "AuthorizationQueryParametersError", "IllegalLocationConstraintException"):
        return f"the bucket is in another region ({message}); set [publish] region"
    return f"{code}: {message}" if message else code


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _status(error: ClientError) -> int:
    return int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))


def _bare_etag(etag: str) -> str:
    # Servers differ on quoting ETags in listings and in answers to uploads.
    return etag.strip('"')


def _base64_sha256(hex_digest: str) -> str:
    return base64.b64encode(bytes.fromhex(hex_digest)).decode()


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _batches(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
