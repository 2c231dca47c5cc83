"""Archive storage behind one interface: a local folder (``file://``) or S3 (``s3://``, boto3).

Every ``put`` is verified by reading the stored object back (size and SHA-256) before it
returns; callers delete their local copy only after that.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import unquote, urlsplit

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

__all__ = [
    "LocalStorage",
    "S3Options",
    "S3Storage",
    "Storage",
    "StorageError",
    "StoredObject",
    "VerificationError",
    "content_type",
    "file_digest",
    "open_storage",
]

_CHUNK = 1024 * 1024


class StorageError(RuntimeError):
    """Storage could not be reached or refused an operation; the message names the key."""


class VerificationError(StorageError):
    """What was stored differs from the local file (size or SHA-256)."""


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    sha256: str


def _sha256_chunks(chunks: Iterator[bytes] | Any) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    for chunk in chunks:
        digest.update(chunk)
        size += len(chunk)
    return size, digest.hexdigest()


_CONTENT_TYPES = (
    (".warc.gz", "application/warc"),  # gzip members: a WARC reader's input as it is
    (".warc", "application/warc"),
    (".cdxj", "text/x-cdxj"),
    (".jsonl.gz", "application/gzip"),
    (".jsonl", "application/x-ndjson"),
    (".json", "application/json"),
    (".log", "text/plain; charset=utf-8"),
    (".wacz", "application/wacz"),
)


def content_type(key: str) -> str:
    """The media type a stored object is served with, from its name."""
    return next(
        (media for suffix, media in _CONTENT_TYPES if key.endswith(suffix)),
        "application/octet-stream",
    )


def file_digest(path: Path) -> tuple[int, str]:
    """Size and hex SHA-256 of a local file, read in 1 MiB chunks."""
    with path.open("rb") as handle:
        return _sha256_chunks(iter(lambda: handle.read(_CHUNK), b""))


class Storage(Protocol):
    """Where a crawl's files end up. Keys are ``/``-separated relative paths."""

    url: str

    def put(self, local: Path, key: str) -> StoredObject:
        """Store ``local`` under ``key`` and verify it by reading it back."""
        ...

    def get(self, key: str, dest: Path) -> None:
        """Copy the object at ``key`` to the local file ``dest``."""
        ...

    def keys(self, prefix: str = "") -> list[str]:
        """Keys under ``prefix``, sorted."""
        ...

    def read_bytes(self, key: str) -> bytes:
        """The whole object at ``key`` (small objects: manifests, indexes)."""
        ...

    def read_range(self, key: str, offset: int, length: int) -> bytes:
        """``length`` bytes of the object at ``key`` from ``offset`` (one WARC record)."""
        ...

    def ping(self) -> None:
        """Raise :class:`StorageError` unless the storage answers (readiness checks)."""
        ...


def _check_key(key: str) -> str:
    parts = key.split("/")
    if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise StorageError(f"invalid storage key {key!r}")
    return key


def _verify(key: str, local: tuple[int, str], remote: tuple[int, str], where: str) -> None:
    if local != remote:
        raise VerificationError(
            f"{where}: stored copy of {key} differs from the local file "
            f"(size {remote[0]} vs {local[0]}, sha256 {remote[1][:12]} vs {local[1][:12]})"
        )


class LocalStorage:
    """A folder on this machine (the embedded default)."""

    def __init__(self, root: Path) -> None:
        self.root = root.expanduser().resolve()
        self.url = self.root.as_uri()

    def _path(self, key: str) -> Path:
        return self.root / _check_key(key)

    def put(self, local: Path, key: str) -> StoredObject:
        expected = file_digest(local)
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        try:
            shutil.copyfile(local, partial)
            with partial.open("rb+") as handle:
                os.fsync(handle.fileno())
            partial.replace(target)
        except OSError as exc:
            raise StorageError(f"{self.url}: cannot store {key}: {exc}") from exc
        _verify(key, expected, file_digest(target), self.url)
        return StoredObject(key, *expected)

    def get(self, key: str, dest: Path) -> None:
        try:
            shutil.copyfile(self._path(key), dest)
        except OSError as exc:
            raise StorageError(f"{self.url}: cannot read {key}: {exc}") from exc

    def keys(self, prefix: str = "") -> list[str]:
        base = self.root / prefix if prefix else self.root
        if not base.exists():
            return []
        return sorted(
            p.relative_to(self.root).as_posix()
            for p in base.rglob("*")
            if p.is_file() and not p.name.endswith(".partial") and ".spool" not in p.parts
        )

    def read_bytes(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except OSError as exc:
            raise StorageError(f"{self.url}: cannot read {key}: {exc}") from exc

    def ping(self) -> None:
        if not (self.root.is_dir() or self.root.parent.is_dir()):
            raise StorageError(f"{self.url}: the folder does not exist")

    def read_range(self, key: str, offset: int, length: int) -> bytes:
        try:
            with self._path(key).open("rb") as handle:
                handle.seek(offset)
                data = handle.read(length)
        except OSError as exc:
            raise StorageError(f"{self.url}: cannot read {key}: {exc}") from exc
        if len(data) != length:
            raise StorageError(f"{self.url}: {key} ends before byte {offset + length}")
        return data


@dataclass(frozen=True)
class S3Options:
    """Connection settings for S3-compatible storage (MinIO, SeaweedFS, AWS...)."""

    endpoint_url: str | None = None
    region: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None
    multipart_threshold: int = 64 * 1024 * 1024
    multipart_chunksize: int = 16 * 1024 * 1024
    connect_timeout: float = 5.0
    read_timeout: float = 60.0

    def client(self) -> S3Client:
        import boto3
        from botocore.config import Config

        config = Config(
            s3={"addressing_style": "path"},
            retries={"max_attempts": 3, "mode": "standard"},
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            # boto3 >= 1.36 sends CRC32 checksums by default; not every S3 server handles them.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=self.region or "us-east-1",
            aws_access_key_id=self.access_key_id,
            aws_secret_access_key=self.secret_access_key,
            config=config,
        )


class S3Storage:
    """A bucket and key prefix on S3-compatible storage."""

    def __init__(self, bucket: str, prefix: str, options: S3Options) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.options = options
        self.url = f"s3://{bucket}/{self.prefix}".rstrip("/")
        self._client = options.client()

    def _key(self, key: str) -> str:
        key = _check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def _fail(self, action: str, key: str, exc: Exception) -> StorageError:
        """The error of a failed call, naming the storage, the key and the server's error
        code when it answered (``NoSuchBucket``, ``AccessDenied``, ``SlowDown``...)."""
        where = self.options.endpoint_url or "AWS"
        code = _error_code(exc)
        said = f" [{code}]" if code else ""
        return StorageError(f"{self.url} ({where}): cannot {action} {key}{said}: {exc}")

    def put(self, local: Path, key: str) -> StoredObject:
        from boto3.s3.transfer import TransferConfig

        expected = file_digest(local)
        transfer = TransferConfig(
            multipart_threshold=self.options.multipart_threshold,
            multipart_chunksize=self.options.multipart_chunksize,
            use_threads=False,
        )
        try:
            self._client.upload_file(
                str(local),
                self.bucket,
                self._key(key),
                Config=transfer,
                ExtraArgs={"Metadata": {"sha256": expected[1]}, "ContentType": content_type(key)},
            )
            body = self._client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"]
            remote = _sha256_chunks(body.iter_chunks(_CHUNK))
        except _s3_errors() as exc:
            raise self._fail("store", key, exc) from exc
        _verify(key, expected, remote, self.url)
        return StoredObject(key, *expected)

    def get(self, key: str, dest: Path) -> None:

        try:
            self._client.download_file(self.bucket, self._key(key), str(dest))
        except _s3_errors() as exc:
            raise self._fail("read", key, exc) from exc

    def keys(self, prefix: str = "") -> list[str]:

        full = self._key(prefix) if prefix else (self.prefix + "/" if self.prefix else "")
        strip = len(self.prefix) + 1 if self.prefix else 0
        found: list[str] = []
        try:
            pages = self._client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=full
            )
            for page in pages:
                found.extend(obj["Key"][strip:] for obj in page.get("Contents", []))
        except _s3_errors() as exc:
            raise self._fail("list", prefix or "(root)", exc) from exc
        return sorted(found)

    def read_bytes(self, key: str) -> bytes:

        try:
            data: bytes = self._client.get_object(Bucket=self.bucket, Key=self._key(key))[
                "Body"
            ].read()
        except _s3_errors() as exc:
            raise self._fail("read", key, exc) from exc
        return data

    def ping(self) -> None:

        try:
            self._client.head_bucket(Bucket=self.bucket)
        except _s3_errors() as exc:
            raise self._fail("reach", "(bucket)", exc) from exc

    def read_range(self, key: str, offset: int, length: int) -> bytes:

        last = offset + length - 1
        try:
            response = self._client.get_object(
                Bucket=self.bucket, Key=self._key(key), Range=f"bytes={offset}-{last}"
            )
            data: bytes = response["Body"].read()
        except _s3_errors() as exc:
            raise self._fail("read", key, exc) from exc
        if len(data) != length:
            raise StorageError(f"{self.url}: {key} ends before byte {offset + length}")
        return data


def _s3_errors() -> tuple[type[Exception], ...]:
    """What a boto3 call raises when the storage fails: botocore's errors, the server's error
    answers (``ClientError``), and boto3's own (``S3UploadFailedError`` for a missing bucket,
    a 403 or a 5xx during an upload, ``RetriesExceededError``): caught as one, so no error
    answer escapes as anything but a :class:`StorageError`."""
    from boto3.exceptions import Boto3Error
    from botocore.exceptions import BotoCoreError, ClientError

    return (BotoCoreError, ClientError, Boto3Error)


def _error_code(exc: Exception) -> str | None:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        return str(code) if code else None
    found = re.search(r"An error occurred \((\w+)\)", str(exc))
    return found.group(1) if found else None


def open_storage(url: str, s3: S3Options | None = None) -> Storage:
    """``file://PATH`` (relative paths allowed: ``file://./archive``) or ``s3://bucket/prefix``."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        raw = unquote(parts.netloc + parts.path)
        if not raw:
            raise StorageError(f"{url!r}: no folder given")
        return LocalStorage(Path(raw))
    if parts.scheme == "s3":
        if not parts.netloc:
            raise StorageError(f"{url!r}: no bucket given")
        return S3Storage(parts.netloc, parts.path, s3 or S3Options())
    raise StorageError(f"{url!r}: storage is 'file://PATH' or 's3://bucket[/prefix]'")
