"""Articles -> ``articles/<warc name>.jsonl.gz`` (one per WARC file) and ``articles/summary.json``.

The files are closed, listed in the manifest with their SHA-256 and uploaded when the archive
finishes (``CrawlArchive.before_finish``).
"""

from __future__ import annotations

import gzip
import json
import logging
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any, Self
from urllib.parse import urlsplit

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawler.archive.compression import gzip_writer
from crawler.archive.layout import crawl_key
from crawler.archive.spool import CrawlArchive
from crawler.archive.storage import StorageError
from crawler.articles.model import Article
from crawler.crawl.components._enabled import require_archive
from crawler.crawl.components.signals import archive_opened

__all__ = ["ArticleStorePipeline", "ArticleSummary"]

logger = logging.getLogger(__name__)


class ArticleSummary:
    """The counts of ``articles/summary.json``."""

    def __init__(self) -> None:
        self.total = 0
        self.on_topic = 0
        self.coverage = 0
        self.out_of_window = 0
        self.from_archives = 0
        self.counts: dict[str, Counter[str]] = {
            k: Counter() for k in ("by_site", "by_language", "by_date_source")
        }
        self.missing_dates = 0
        self.near_duplicates = 0

    def add(self, item: Article) -> None:
        self.total += 1
        self.on_topic += bool(item.relevance and item.relevance.on_topic)
        self.coverage += bool(item.coverage)
        self.out_of_window += item.in_window is False
        self.from_archives += item.source == "archive"
        self.counts["by_site"][urlsplit(item.final_url).hostname or "?"] += 1
        self.counts["by_language"][item.language or "unknown"] += 1
        self.counts["by_date_source"][item.published_source or "none"] += 1
        self.missing_dates += item.published is None
        self.near_duplicates += item.duplicate_of is not None

    def as_dict(self) -> dict[str, Any]:
        return {
            "articles": self.total,
            "on_topic": self.on_topic,
            "coverage": self.coverage,
            "out_of_window": self.out_of_window,
            "from_archives": self.from_archives,
            **{key: dict(counter.most_common()) for key, counter in self.counts.items()},
            "missing_dates": self.missing_dates,
            "near_duplicates": self.near_duplicates,
        }


class ArticleStorePipeline:
    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats
        self.archive: CrawlArchive | None = None
        self._files: dict[str, tuple[Path, gzip.GzipFile]] = {}
        self.summary = ArticleSummary()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        require_archive(crawler.settings)
        assert crawler.stats is not None
        pipeline = cls(crawler.stats)
        crawler.signals.connect(pipeline.archive_opened, signal=archive_opened)
        return pipeline

    def archive_opened(self, archive: CrawlArchive) -> None:
        self.archive = archive
        archive.before_finish(self._finish)

    def _file_for(self, warc_name: str) -> gzip.GzipFile:
        if warc_name not in self._files:
            assert self.archive is not None, "articles are stored into the crawl's archive"
            stem = warc_name.removesuffix(".warc.gz")
            path = self.archive.dir / "articles" / f"{stem}.jsonl.gz"
            path.parent.mkdir(parents=True, exist_ok=True)
            # stays open across items; closed when the archive finishes. Level 3: measured
            # 2.7x faster than 6 on article JSON for 8% larger files (they can be re-extracted)
            self._files[warc_name] = (path, gzip_writer(path, 3))
        return self._files[warc_name][1]

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article) or item.warc is None:
            return item
        line = item.model_dump_json(exclude_none=False) + "\n"
        handle = self._file_for(item.warc.filename)
        handle.write(line.encode("utf-8"))
        handle.flush()  # a sync flush: a killed crawl's file is readable up to this line
        self.summary.add(item)
        self.stats.inc_value("archive/articles/stored")
        return item

    def _count_earlier_articles(self, archive: CrawlArchive) -> None:
        """A resumed crawl's summary covers the articles of every attempt."""
        for entry in [f for f in archive.files if f.kind == "articles"]:
            local = archive.dir / entry.path
            with tempfile.TemporaryDirectory() as scratch:
                if not local.is_file():
                    local = Path(scratch) / "articles.jsonl.gz"
                    try:
                        archive.storage.get(crawl_key(archive.crawl_id, entry.path), local)
                    except StorageError as exc:
                        logger.warning("summary leaves out %s: %s", entry.path, exc)
                        continue
                with gzip.open(local, "rt", encoding="utf-8") as lines:
                    for line in lines:
                        self.summary.add(Article.model_validate_json(line))

    def _finish(self) -> None:
        """Close the article files, write ``articles/summary.json``; both into the manifest."""
        archive = self.archive
        assert archive is not None
        if archive.resume:
            self._count_earlier_articles(archive)
        for path, handle in self._files.values():
            handle.close()
            archive.add_file(path, "articles")
        summary = self.summary.as_dict()
        path = archive.dir / "articles" / "summary.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", "utf-8")
        archive.add_file(path, "summary")
        self.stats.set_value("archive/articles/summary", json.dumps(summary, ensure_ascii=False))
