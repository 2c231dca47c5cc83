"""PageItem -> Article: extraction in worker processes (never on the reactor thread)."""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import datetime
from typing import Any, Self

from pebble import ProcessExpired
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.settings import BaseSettings
from scrapy.statscollectors import StatsCollector

from crawler.articles.builder import ArticleBuilder, PageContext
from crawler.articles.extract import ExtractOptions
from crawler.articles.model import ArchivedCopy, WarcPointer
from crawler.articles.pool import ExtractionPool, PoolOptions
from crawler.crawl.components._enabled import require_archive
from crawler.crawl.items import PageItem
from crawler.crawl.meta import ArchiveCopy

__all__ = ["ExtractPipeline", "extract_options"]

logger = logging.getLogger(__name__)


def extract_options(settings: BaseSettings) -> ExtractOptions:
    """How the crawl's pages are extracted, from its Scrapy settings."""
    return ExtractOptions(
        max_html_bytes=settings.getint("ARCHIVE_EXTRACT_MAX_BYTES"),
        speedups=settings.getbool("ARCHIVE_EXTRACT_SPEEDUPS"),
        comments=settings.getbool("ARCHIVE_EXTRACT_COMMENTS"),
    )


class ExtractPipeline:
    """Extracts each captured HTML page; pages that are not articles are dropped (counted)."""

    def __init__(
        self, pool: PoolOptions, options: ExtractOptions, crawl_id: str, stats: StatsCollector
    ) -> None:
        self.pool_options = pool
        self.options = options
        self.crawl_id = crawl_id
        self.stats = stats
        self.builder = ArticleBuilder(options)
        self._pool: ExtractionPool | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        require_archive(settings)
        pool = PoolOptions(
            workers=settings.getint("ARCHIVE_EXTRACT_WORKERS"),
            timeout=settings.getfloat("ARCHIVE_EXTRACT_TIMEOUT"),
        )
        assert crawler.stats is not None
        options = extract_options(settings)
        return cls(pool, options, settings.get("ARCHIVE_CRAWL_ID"), crawler.stats)

    def open_spider(self) -> None:
        self._pool = ExtractionPool(self.pool_options, self.options)
        info = self.builder.extractor
        logger.info("extraction: %s %s, speed-ups %s", info.name, info.version, info.speedups)

    def close_spider(self) -> None:
        if self._pool is not None:
            self._pool.close()

    def _drop(self, reason: str, message: str, level: str = "INFO") -> DropItem:
        self.stats.inc_value(f"archive/articles/dropped/{reason}")
        return DropItem(message, log_level=level)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, PageItem):
            return item
        assert self._pool is not None
        future = self._pool.submit(
            body=item.body,
            url=item.final_url,
            content_type=item.content_type,
            content_language=item.content_language,
            listed_date=item.listed_date,
            listed_kind=item.listed_kind,
        )
        try:
            result = await asyncio.wrap_future(future)
        except FutureTimeout:
            limit = self.pool_options.timeout
            raise self._drop(
                "timeout", f"{item.final_url}: extraction took over {limit:g}s", "WARNING"
            ) from None
        except ProcessExpired as exc:
            raise self._drop(
                "crashed", f"{item.final_url}: extractor died: {exc}", "WARNING"
            ) from None
        except Exception as exc:
            raise self._drop(
                "error", f"{item.final_url}: extraction failed: {exc!r}", "WARNING"
            ) from None
        if not result.is_article:
            raise self._drop("not_article", f"{item.final_url}: {result.reason}", "DEBUG")
        self.stats.inc_value("archive/articles/extracted")
        article = self.builder.article(result, self._context(item))
        article._discovered_by = item.source
        return article

    def _context(self, item: PageItem) -> PageContext:
        record = item.record
        return PageContext(
            url=item.url,
            final_url=item.final_url,
            listed_date=item.listed_date,
            captured_at=datetime.fromisoformat(record.date.replace("Z", "+00:00")),
            crawl_id=self.crawl_id,
            warc=WarcPointer.model_validate(record, from_attributes=True),
            archived_copy=_archived(item.archive_copy),
        )


def _archived(copy: ArchiveCopy | None) -> ArchivedCopy | None:
    if copy is None:
        return None
    return ArchivedCopy(archive=copy.archive, capture_time=copy.timestamp, replay_url=copy.replay)
