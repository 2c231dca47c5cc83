"""Articles -> ``articles/<warc name>.jsonl.gz`` (one per WARC file) and ``articles/summary.json``.

Files are listed in the manifest with their SHA-256 and uploaded with the crawl.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path
from typing import Any, Self
from urllib.parse import urlsplit

from scrapy.crawler import Crawler

from crawler.archive import CrawlArchive
from crawler.articles import Article
from crawler.components._enabled import require_archive
from crawler.components.capture import capture_of

__all__ = ["ArticleStorePipeline", "summarise"]


def summarise(counts: dict[str, Counter[str]], total: int, on_topic: int) -> dict[str, Any]:
    return {
        "articles": total,
        "on_topic": on_topic,
        "by_site": dict(counts["site"].most_common()),
        "by_language": dict(counts["language"].most_common()),
        "by_date_source": dict(counts["date_source"].most_common()),
        "missing_dates": counts["missing"]["date"],
        "near_duplicates": counts["missing"]["duplicate"],
    }


class ArticleStorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._files: dict[str, tuple[Path, gzip.GzipFile]] = {}
        self._counts: dict[str, Counter[str]] = {
            k: Counter() for k in ("site", "language", "date_source", "missing")
        }
        self._total = 0
        self._on_topic = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        require_archive(crawler.settings)
        return cls(crawler)

    def _archive(self) -> CrawlArchive:
        capture = capture_of(self.crawler)
        assert capture is not None and capture.archive is not None, "WarcCapture is required"
        return capture.archive

    def _file_for(self, warc_name: str) -> gzip.GzipFile:
        if warc_name not in self._files:
            stem = warc_name.removesuffix(".warc.gz")
            path = self._archive().dir / "articles" / f"{stem}.jsonl.gz"
            path.parent.mkdir(parents=True, exist_ok=True)
            # stays open across items; closed in close_spider. Level 3: measured 2.7x faster
            # than 6 on article JSON for 8% larger files (the articles can be re-extracted)
            self._files[warc_name] = (path, gzip.open(path, "wb", compresslevel=3))  # noqa: SIM115
        return self._files[warc_name][1]

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article) or item.warc is None:
            return item
        line = item.model_dump_json(exclude_none=False) + "\n"
        handle = self._file_for(item.warc.filename)
        handle.write(line.encode("utf-8"))
        handle.flush()  # a sync flush: a killed crawl's file is readable up to this line
        self._total += 1
        self._on_topic += bool(item.relevance and item.relevance.on_topic)
        self._counts["site"][urlsplit(item.final_url).hostname or "?"] += 1
        self._counts["language"][item.language or "unknown"] += 1
        self._counts["date_source"][item.published_source or "none"] += 1
        self._counts["missing"]["date"] += item.published is None
        self._counts["missing"]["duplicate"] += item.duplicate_of is not None
        stats: Any = self.crawler.stats
        stats.inc_value("archive/articles/stored")
        return item

    def close_spider(self) -> None:
        archive = self._archive()
        for path, handle in self._files.values():
            handle.close()
            archive.add_file(path, "articles")
        summary = summarise(self._counts, self._total, self._on_topic)
        path = archive.dir / "articles" / "summary.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", "utf-8")
        archive.add_file(path, "summary")
        stats: Any = self.crawler.stats
        stats.set_value("archive/articles/summary", json.dumps(summary, ensure_ascii=False))
