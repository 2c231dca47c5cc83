"""Cut responses that are too large or too slow, keeping what arrived and marking why.

Scrapy's own ``DOWNLOAD_MAXSIZE`` drops an oversized response without a trace; here the body
received so far is kept and the response flagged, so the WARC record says
``WARC-Truncated: length`` (or ``time``). A download that stalls completely still ends in
Scrapy's ``DOWNLOAD_TIMEOUT`` and is logged as failed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from time import monotonic
from typing import Any, Self

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import StopDownload
from scrapy.settings import BaseSettings
from scrapy.statscollectors import StatsCollector

from crawler.crawl import meta
from crawler.crawl.components._enabled import require_archive
from crawler.crawl.components.signals import crawl_stopping

__all__ = ["ResponseLimits", "ResponseLimitsConfig"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ResponseLimitsConfig:
    max_bytes: int
    """``ARCHIVE_MAX_RESPONSE_BYTES``: cap on one raw body."""
    max_seconds: float
    """``ARCHIVE_MAX_DOWNLOAD_TIME``: seconds from headers to the end of the body."""

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> Self:
        return cls(
            max_bytes=settings.getint("ARCHIVE_MAX_RESPONSE_BYTES"),
            max_seconds=settings.getfloat("ARCHIVE_MAX_DOWNLOAD_TIME"),
        )


class ResponseLimits:
    """Extension: stops a download at the byte or time cap with ``StopDownload(fail=False)``."""

    def __init__(self, config: ResponseLimitsConfig, stats: StatsCollector) -> None:
        self.config = config
        self.stats = stats
        self.stopping = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        require_archive(crawler.settings)
        ext = cls(ResponseLimitsConfig.from_settings(crawler.settings), crawler.stats)
        crawler.signals.connect(ext.headers_received, signal=signals.headers_received)
        crawler.signals.connect(ext.bytes_received, signal=signals.bytes_received)
        crawler.signals.connect(ext.crawl_stopping, signal=crawl_stopping)
        return ext

    def crawl_stopping(self) -> None:
        self.stopping = True

    def headers_received(self, headers: Any, body_length: int, request: Request) -> None:
        request.meta[meta.HEADERS_AT] = monotonic()
        request.meta[meta.BYTES_RECEIVED] = 0

    def bytes_received(self, data: bytes, request: Request) -> None:
        received = request.meta.get(meta.BYTES_RECEIVED, 0) + len(data)
        request.meta[meta.BYTES_RECEIVED] = received
        if received > self.config.max_bytes:
            request.meta[meta.KEEP_BYTES] = self.config.max_bytes  # not the chunk past it
            self._cut(request, "length", f"{received} bytes > {self.config.max_bytes}")
        started = request.meta.get(meta.HEADERS_AT)
        if started is not None and monotonic() - started > self.config.max_seconds:
            self._cut(request, "time", f"still arriving after {self.config.max_seconds:g}s")
        if self.stopping:
            self._cut(request, "unspecified", "the crawl is stopping")

    def _cut(self, request: Request, reason: str, detail: str) -> None:
        request.meta[meta.TRUNCATED] = reason
        self.stats.inc_value(f"archive/truncated/{reason}")
        logger.warning("truncated %s (%s): %s", request.url, reason, detail)
        raise StopDownload(fail=False)
