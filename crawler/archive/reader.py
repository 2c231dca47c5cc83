"""Reading a stored crawl back: its manifest, its article lines (no Scrapy)."""

from __future__ import annotations

import gzip
import tempfile
from collections.abc import Iterator
from pathlib import Path

from crawler.archive.layout import crawl_key
from crawler.archive.manifest import Manifest
from crawler.archive.storage import Storage

__all__ = ["article_lines", "load_manifest"]


def load_manifest(storage: Storage, crawl_id: str) -> Manifest:
    """The crawl's manifest; ``StorageError`` if absent, ``ValueError`` if not a manifest."""
    return Manifest.model_validate_json(storage.read_bytes(crawl_key(crawl_id, "manifest.json")))


def article_lines(storage: Storage, crawl_id: str, manifest: Manifest) -> Iterator[str]:
    """Every stored article's JSON line, file by file in manifest order."""
    with tempfile.TemporaryDirectory() as scratch:
        local = Path(scratch) / "articles.jsonl.gz"
        for entry in manifest.files:
            if entry.kind == "articles":
                storage.get(crawl_key(crawl_id, entry.path), local)
                with gzip.open(local, "rt", encoding="utf-8") as lines:
                    yield from (line.rstrip("\n") for line in lines if line.strip())
