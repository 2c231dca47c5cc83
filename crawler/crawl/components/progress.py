"""Periodic progress of a crawl in archive terms: pages, records, bytes, files, uploads."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from crawler.crawl.components.capture import capture_of

__all__ = ["Progress", "counters", "progress_line", "write_status"]

logger = logging.getLogger("crawler.progress")


def _sum(stats: dict[str, Any], prefix: str) -> int:
    return sum(v for k, v in stats.items() if k.startswith(prefix))


def counters(stats: dict[str, Any], backlog: int | None = None) -> dict[str, int]:
    """The figures a run shows live: pages, records, articles, on topic, bytes, errors."""
    return {
        "pages": stats.get("response_received_count", 0),
        "records": stats.get("archive/warc/records", 0),
        "articles": stats.get("archive/articles/stored", 0),
        "on_topic": stats.get("archive/articles/on_topic", 0),
        "bytes": stats.get("archive/warc/record_bytes", 0),
        "errors": _sum(stats, "archive/failed/") + ("archive/error" in stats),
        "blocked": _sum(stats, "archive/blocked/"),
        "truncated": _sum(stats, "archive/truncated/"),
        "skipped_done": stats.get("archive/resume/skipped_done", 0),
        "uploads_waiting": backlog or 0,
    }


def write_status(path: Path, status: dict[str, Any]) -> None:
    """Replace ``path`` with ``status`` as JSON, atomically (readers never see half a file)."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(status, default=str), encoding="utf-8")
    partial.replace(path)


def progress_line(stats: dict[str, Any], backlog: int | None = None) -> str:
    """One line: ``pages 12 | records 30 | 1.2 MB | files 1 | failed 0 | uploads waiting 0``."""
    c = counters(stats)
    line = (
        f"pages {c['pages']} | records {c['records']} | {c['bytes'] / 1e6:.1f} MB | "
        f"failed {_sum(stats, 'archive/failed/')} | blocked {c['blocked']}"
    )
    if backlog is not None:
        line += f" | uploads waiting {backlog}"
    return line


class Progress:
    """Extension: logs a progress line every ``ARCHIVE_PROGRESS_INTERVAL`` seconds, and
    rewrites ``ARCHIVE_STATUS_FILE`` (when set) with the live counters."""

    def __init__(self, interval: float, crawler: Crawler, status_file: Path | None) -> None:
        self.interval = interval
        self.crawler = crawler
        self.status_file = status_file
        self._loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        interval = crawler.settings.getfloat("ARCHIVE_PROGRESS_INTERVAL", 10.0)
        if interval <= 0:
            raise NotConfigured  # progress off: nothing to say
        status_file = crawler.settings.get("ARCHIVE_STATUS_FILE")
        ext = cls(interval, crawler, Path(status_file) if status_file else None)
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
        if self.status_file is not None:
            files = [f.path for f in capture.archive.files] if capture and capture.archive else []
            write_status(
                self.status_file,
                {"counters": counters(stats.get_stats(), backlog), "files": files, "final": False},
            )

    def spider_closed(self) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
