"""Periodic progress of a crawl in archive terms: pages, records, bytes, files, uploads."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector
from twisted.internet import task

from crawler.archive.spool import CrawlArchive
from crawler.crawl.components.signals import archive_opened
from crawler.crawl.coverage import coverage_report
from crawler.crawl.status import Counters, CrawlStatus

__all__ = ["Progress", "progress_line"]

logger = logging.getLogger("crawler.progress")


def progress_line(stats: Mapping[str, Any], backlog: int | None = None) -> str:
    """One line: ``pages 12 | records 30 | 1.2 MB | failed 0 | blocked 0 | uploads waiting 0``."""
    c = Counters.from_stats(stats)
    failed = sum(v for k, v in stats.items() if k.startswith("archive/failed/"))
    line = (
        f"pages {c.pages} | records {c.records} | {c.bytes / 1e6:.1f} MB | "
        f"failed {failed} | blocked {c.blocked}"
    )
    if backlog is not None:
        line += f" | uploads waiting {backlog}"
    return line


class Progress:
    """Extension: logs a progress line every ``ARCHIVE_PROGRESS_INTERVAL`` seconds, and
    rewrites ``ARCHIVE_STATUS_FILE`` (when set) with the live :class:`CrawlStatus`."""

    def __init__(self, interval: float, stats: StatsCollector, status_file: Path | None) -> None:
        self.interval = interval
        self.stats = stats
        self.status_file = status_file
        self.archive: CrawlArchive | None = None
        self._loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        interval = crawler.settings.getfloat("ARCHIVE_PROGRESS_INTERVAL")
        if interval <= 0:
            raise NotConfigured  # progress off: nothing to say
        status_file = crawler.settings.get("ARCHIVE_STATUS_FILE")
        assert crawler.stats is not None
        ext = cls(interval, crawler.stats, Path(status_file) if status_file else None)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.archive_opened, signal=archive_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def archive_opened(self, archive: CrawlArchive) -> None:
        self.archive = archive

    def spider_opened(self) -> None:
        self._loop = task.LoopingCall(self.report)
        self._loop.start(self.interval, now=False)

    def report(self) -> None:
        stats = self.stats.get_stats()
        backlog = self.archive.uploader.backlog if self.archive else None
        logger.info("progress: %s", progress_line(stats, backlog))
        if self.status_file is not None:
            CrawlStatus(
                counters=Counters.from_stats(stats, backlog or 0),
                files=[f.path for f in self.archive.files] if self.archive else [],
                coverage=coverage_report(stats),
            ).write(self.status_file)

    def spider_closed(self) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
