"""Load a stored crawl's CDXJ indexes and articles into the database (``crawler index``).

Idempotent: a crawl indexed again replaces its earlier rows (a resumed crawl gains files).
Workers index every run that stored files; ``crawler index`` does it for any crawl.
"""

from __future__ import annotations

import gzip
import json
import logging
import tempfile
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete

from crawler.archive.cdxj import cdxj_line
from crawler.archive.layout import crawl_key
from crawler.archive.reader import load_manifest
from crawler.archive.storage import Storage, StorageError
from crawler.articles.relevance import normalise
from crawler.service.db import Database
from crawler.service.tables import ArticleRow, CaptureRow, CrawlRow, utcnow

__all__ = ["CrawlIndexError", "index_cdxj", "index_crawl", "search_text"]

logger = logging.getLogger(__name__)

_BATCH = 2000


class CrawlIndexError(RuntimeError):
    """The crawl cannot be indexed: no manifest, unreadable files (the message names them)."""


def search_text(title: str | None, text: str) -> str:
    """What full-text search matches: title and text, normalised like queries."""
    return normalise(f"{title or ''}\n{text}")


def _captures(crawl_id: str, lines: Iterator[str], source: str) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            urlkey, timestamp, data = cdxj_line(line)
            yield {
                "crawl_id": crawl_id,
                "urlkey": urlkey,
                "ts": int(timestamp[:14].ljust(14, "0")),
                "url": data["url"],
                "mime": data.get("mime", ""),
                "status": str(data.get("status", "")),
                "digest": data.get("digest", ""),
                "length": int(data["length"]),
                "offset": int(data["offset"]),
                "filename": data["filename"],
            }
        except (ValueError, KeyError) as exc:
            raise CrawlIndexError(f"{source}:{number}: not a CDXJ line ({exc})") from None


def _site(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def _article_row(crawl_id: str, article: dict[str, Any]) -> dict[str, Any]:
    relevance = article.get("relevance") or {}
    text = article.pop("text", "")
    return {
        "crawl_id": crawl_id,
        "url": article["url"],
        "final_url": article["final_url"],
        "title": article.get("title") or "",
        "authors": "; ".join(article.get("authors") or []),
        "published": article.get("published"),
        "site": _site(article["final_url"]),
        "language": article.get("language"),
        "on_topic": relevance.get("on_topic"),
        "score": relevance.get("score"),
        "captured_at": _when(article.get("captured_at")),
        "data": {**article, "text": text},
        "search_text": search_text(article.get("title"), text),
    }


def _when(value: str | None) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def _insert(database: Database, table: Any, rows: Iterator[dict[str, Any]]) -> int:
    count = 0
    while batch := list(islice(rows, _BATCH)):
        with database.transaction() as session:
            session.execute(table.__table__.insert(), batch)
        count += len(batch)
    return count


def _lines(storage: Storage, key: str, compressed: bool) -> Iterator[str]:
    with tempfile.TemporaryDirectory() as scratch:
        local = Path(scratch) / "file"
        storage.get(key, local)
        opener = gzip.open if compressed else open
        with opener(local, "rt", encoding="utf-8") as handle:
            yield from handle


def index_cdxj(database: Database, crawl_id: str, lines: Iterator[str], source: str) -> int:
    """Add the captures of CDXJ ``lines`` (from ``source``, named in errors) to the index
    as ``crawl_id``'s; how many."""
    return _insert(database, CaptureRow, _captures(crawl_id, lines, source))


def index_crawl(database: Database, storage: Storage, crawl_id: str) -> CrawlRow:
    """(Re)index one stored crawl; returns its ``crawls`` row."""
    try:
        manifest = load_manifest(storage, crawl_id)
    except (StorageError, ValueError) as exc:
        raise CrawlIndexError(
            f"crawl {crawl_id}: no readable manifest in {storage.url}: {exc}"
        ) from exc
    with database.transaction() as session:
        session.execute(delete(CaptureRow).where(CaptureRow.crawl_id == crawl_id))
        session.execute(delete(ArticleRow).where(ArticleRow.crawl_id == crawl_id))
    captures = articles = 0
    try:
        for entry in manifest.files:
            key = crawl_key(crawl_id, entry.path)
            if entry.kind == "cdxj":
                captures += index_cdxj(database, crawl_id, _lines(storage, key, False), entry.path)
            elif entry.kind == "articles":
                lines = _lines(storage, key, True)
                rows = (_article_row(crawl_id, json.loads(line)) for line in lines if line.strip())
                articles += _insert(database, ArticleRow, rows)
    except StorageError as exc:
        raise CrawlIndexError(f"crawl {crawl_id}: {exc}") from exc
    with database.transaction() as session:
        row = session.get(CrawlRow, crawl_id) or CrawlRow(crawl_id=crawl_id)
        row.storage_url = storage.url
        row.job = str(manifest.job.get("name", ""))
        row.started_at = manifest.started_at
        row.finished_at = manifest.finished_at
        row.captures = captures
        row.articles = articles
        row.indexed_at = utcnow()
        row.manifest = json.loads(manifest.model_dump_json())
        session.add(row)
    logger.info("indexed crawl %s: %d captures, %d articles", crawl_id, captures, articles)
    return row
