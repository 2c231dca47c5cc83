"""Periodic progress of a crawl in archive terms: pages, records, bytes, files, uploads."""

from __future__ import annotations

import logging
from typing import Any, Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from crawler.components.capture import capture_of

__all__ = ["Progress", "progress_line"]

logger = logging.getLogger("crawler.progress")


def progress_line(stats: dict[str, Any], backlog: int | None = None) -> str:
    """One line: ``pages 12 | records 30 | 1.2 MB | files 1 | failed 0 | uploads waiting 0``."""
    pages = stats.get("response_received_count", 0)
    records = stats.get("archive/warc/records", 0)
    size = stats.get("archive/warc/record_bytes", 0) / 1e6
    failed = sum(v for k, v in stats.items() if k.startswith("archive/failed/"))
    blocked = sum(v for k, v in stats.items() if k.startswith("archive/blocked/"))
    line = (
        f"pages {pages} | records {records} | {size:.1f} MB | failed {failed} | blocked {blocked}"
    )
    if backlog is not None:
        line += f" | uploads waiting {backlog}"
    return line


class Progress:
    """Extension: logs a progress line every ``ARCHIVE_PROGRESS_INTERVAL`` seconds."""

    def __init__(self, interval: float, crawler: Crawler) -> None:
        self.interval = interval
        self.crawler = crawler
        self._loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        interval = crawler.settings.getfloat("ARCHIVE_PROGRESS_INTERVAL", 10.0)
        if interval <= 0:
            raise NotConfigured("ARCHIVE_PROGRESS_INTERVAL is 0")
        ext = cls(interval, crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self) -> None:
        self._loop = task.LoopingCall(self.report)
        self._loop.start(self.interval, now=False)

    def report(self) -> None:
        stats: Any = self.crawler.stats
        capture = capture_of(self.crawler)
        backlog = capture.uploader.backlog if capture and capture.uploader else None
        logger.info("progress: %s", progress_line(stats.get_stats(), backlog))

    def spider_closed(self) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
