"""The uploader's contract: in order, retried with backoff, local copy deleted only once stored."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.archive.storage import LocalStorage, StorageError, StoredObject
from crawler.archive.uploader import Upload, Uploader

pytestmark = pytest.mark.unit


class FlakyStorage(LocalStorage):
    """A real local store that refuses the first ``failures`` puts."""

    def __init__(self, root: Path, failures: int) -> None:
        super().__init__(root)
        self.failures = failures
        self.order: list[str] = []

    def put(self, local: Path, key: str) -> StoredObject:
        if self.failures:
            self.failures -= 1
            raise StorageError(f"{key}: storage down")
        self.order.append(key)
        return super().put(local, key)


def test_retries_in_order_and_deletes_only_after_storing(tmp_path: Path) -> None:
    storage = FlakyStorage(tmp_path / "store", failures=3)
    sleeps: list[float] = []
    uploader = Uploader(max_backoff=4, sleep=sleeps.append)
    files = []
    for name in ("a.warc.gz", "a.cdxj", "manifest.json"):
        path = tmp_path / name
        path.write_bytes(name.encode())
        files.append(path)
    done: list[str] = []
    for path in files:
        uploader.submit(
            Upload(path, f"crawls/c/{path.name}", storage, lambda p=path: done.append(p.name))
        )
    assert uploader.drain(10) == 0
    uploader.stop()
    assert storage.order == ["crawls/c/a.warc.gz", "crawls/c/a.cdxj", "crawls/c/manifest.json"]
    assert sleeps == [1, 2, 4]  # exponential backoff, capped
    assert done == ["a.warc.gz", "a.cdxj", "manifest.json"]
    assert not any(p.exists() for p in files)
    assert (tmp_path / "store/crawls/c/manifest.json").read_bytes() == b"manifest.json"
    assert uploader.uploaded == 3 and uploader.failures == 3


def test_drain_times_out_and_keeps_the_file(tmp_path: Path) -> None:
    storage = FlakyStorage(tmp_path / "store", failures=10**6)
    uploader = Uploader(sleep=lambda _: None)
    path = tmp_path / "x.warc.gz"
    path.write_bytes(b"x")
    uploader.submit(Upload(path, "crawls/c/x.warc.gz", storage))
    assert uploader.drain(0.3) == 1
    uploader.stop()
    assert path.exists(), "never deleted while not stored"


def test_a_vanished_file_is_reported_and_does_not_block_the_queue(tmp_path: Path) -> None:
    storage = FlakyStorage(tmp_path / "store", failures=0)
    uploader = Uploader(sleep=lambda _: None)
    later = tmp_path / "later.cdxj"
    later.write_bytes(b"x")
    uploader.submit(Upload(tmp_path / "gone.warc.gz", "crawls/c/gone.warc.gz", storage))
    uploader.submit(Upload(later, "crawls/c/later.cdxj", storage))
    assert uploader.drain(5) == 0
    uploader.stop()
    assert storage.order == ["crawls/c/later.cdxj"] and uploader.failures == 1
