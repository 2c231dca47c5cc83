"""Storage backends: verified puts, key safety, and a corrupted store detected."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.archive.storage import (
    LocalStorage,
    S3Options,
    StorageError,
    VerificationError,
    file_digest,
    open_storage,
)
from tests.s3server import SeaweedS3


def test_local_put_get_keys(tmp_path: Path) -> None:
    src = tmp_path / "src.bin"
    src.write_bytes(b"warc bytes" * 1000)
    store = open_storage((tmp_path / "store").as_uri())
    stored = store.put(src, "crawls/c1/warc/a.warc.gz")
    assert (stored.size, stored.sha256) == file_digest(src)
    assert store.keys("crawls/c1") == ["crawls/c1/warc/a.warc.gz"]
    out = tmp_path / "out.bin"
    store.get("crawls/c1/warc/a.warc.gz", out)
    assert out.read_bytes() == src.read_bytes()


def test_relative_file_url_and_bad_urls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    store = open_storage("file://./archive")
    assert isinstance(store, LocalStorage) and store.root == tmp_path / "archive"
    for bad in ("ftp://x/y", "s3://", "file://"):
        with pytest.raises(StorageError):
            open_storage(bad)


@pytest.mark.parametrize("key", ["../escape", "/abs", "a//b", "a/./b", ""])
def test_keys_cannot_escape(tmp_path: Path, key: str) -> None:
    src = tmp_path / "f"
    src.write_bytes(b"x")
    with pytest.raises(StorageError, match="invalid storage key"):
        LocalStorage(tmp_path / "store").put(src, key)


def test_corrupted_copy_is_detected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "f"
    src.write_bytes(b"abc")

    def flipping_copy(a: Path, b: Path) -> None:
        data = bytearray(Path(a).read_bytes())
        data[0] ^= 1
        Path(b).write_bytes(bytes(data))

    monkeypatch.setattr("crawler.archive.storage.shutil.copyfile", flipping_copy)
    with pytest.raises(VerificationError, match="differs"):
        LocalStorage(tmp_path / "store").put(src, "crawls/k")


@pytest.mark.s3
def test_s3_multipart_upload_verified(s3: SeaweedS3, tmp_path: Path) -> None:
    s3.client.create_bucket(Bucket="storage-unit")
    src = tmp_path / "big.warc.gz"
    src.write_bytes(bytes(range(256)) * 40_000)  # 10 MB
    options = S3Options(
        endpoint_url=s3.endpoint,
        access_key_id="test",
        secret_access_key="test",
        multipart_threshold=5 * 1024 * 1024,
        multipart_chunksize=5 * 1024 * 1024,
    )
    store = open_storage("s3://storage-unit/pre/fix", options)
    stored = store.put(src, "crawls/c/warc/big.warc.gz")
    assert (stored.size, stored.sha256) == file_digest(src)
    head = s3.client.head_object(Bucket="storage-unit", Key="pre/fix/crawls/c/warc/big.warc.gz")
    assert head["ETag"].strip('"').endswith("-2"), "uploaded in two parts"
    assert head["ContentType"] == "application/warc"
    manifest = tmp_path / "manifest.json"
    manifest.write_text("{}")
    store.put(manifest, "crawls/c/manifest.json")
    stored_manifest = s3.client.head_object(
        Bucket="storage-unit", Key="pre/fix/crawls/c/manifest.json"
    )
    assert stored_manifest["ContentType"] == "application/json"
    assert store.keys("crawls") == ["crawls/c/manifest.json", "crawls/c/warc/big.warc.gz"]
    assert store.read_bytes("crawls/c/warc/big.warc.gz") == src.read_bytes()


@pytest.mark.s3
def test_s3_unreachable_names_the_key(tmp_path: Path) -> None:
    src = tmp_path / "f"
    src.write_bytes(b"x")
    options = S3Options(
        endpoint_url="http://127.0.0.1:9",
        access_key_id="a",
        secret_access_key="b",
        connect_timeout=1,
    )
    with pytest.raises(StorageError, match="crawls/k"):
        open_storage("s3://bucket", options).put(src, "crawls/k")


@pytest.mark.s3
def test_s3_error_answers_are_storage_errors_and_the_uploader_carries_on(
    s3: SeaweedS3, tmp_path: Path
) -> None:
    from crawler.archive.uploader import Upload, Uploader

    options = S3Options(endpoint_url=s3.endpoint, access_key_id="t", secret_access_key="t")
    missing = open_storage("s3://no-such-bucket-yet/p", options)
    src = tmp_path / "a.warc.gz"
    src.write_bytes(b"x" * 100)
    with pytest.raises(StorageError, match=r"crawls/a \[(NoSuchBucket|AccessDenied)\]"):
        missing.put(src, "crawls/a")  # boto3's S3UploadFailedError, named and coded
    uploader = Uploader(max_backoff=0.2)
    uploader.submit(Upload(src, "crawls/a", missing))
    assert uploader.drain(1.5) == 1  # still trying: the thread is alive
    s3.client.create_bucket(Bucket="no-such-bucket-yet")
    assert uploader.drain(30) == 0 and not src.exists()  # stored once the bucket exists
    uploader.stop()
    assert uploader.failures >= 1
