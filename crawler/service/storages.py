"""The storages the service reads crawls from, each opened once (S3 settings of the process)."""

from __future__ import annotations

import threading

from crawler.archive.storage import S3Options, Storage, open_storage

__all__ = ["Storages"]


class Storages:
    """Opens ``file://`` and ``s3://`` storages by URL, keeping each (boto3 clients are costly
    to make and safe to share between threads)."""

    def __init__(self, s3: S3Options) -> None:
        self.s3 = s3
        self._open: dict[str, Storage] = {}
        self._lock = threading.Lock()

    def get(self, url: str) -> Storage:
        with self._lock:
            if url not in self._open:
                self._open[url] = open_storage(url, self.s3)
            return self._open[url]
