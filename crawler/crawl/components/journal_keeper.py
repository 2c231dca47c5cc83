"""Extension: keeps the crawl's resume journal (:mod:`crawler.journal`) from Scrapy signals.

Links come from ``request_scheduled`` (requests the spider made from a page carry the page's
URL in ``meta``); a page is done when its item is scraped or dropped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Self

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.crawl import meta
from crawler.crawl.components._enabled import require_archive
from crawler.crawl.journal import Journal

__all__ = ["JournalKeeper"]


class JournalKeeper:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.journal: Journal | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        require_archive(crawler.settings)
        path = crawler.settings.get("ARCHIVE_JOURNAL")
        if not path:
            raise NotConfigured  # off unless asked for: no warning in every crawl's log
        keeper = cls(Path(path))
        crawler.signals.connect(keeper.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(keeper.request_scheduled, signal=signals.request_scheduled)
        crawler.signals.connect(keeper.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(keeper.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(keeper.spider_closed, signal=signals.spider_closed)
        return keeper

    def spider_opened(self) -> None:
        self.journal = Journal(self.path)

    def request_scheduled(self, request: Request) -> None:
        parent = request.meta.get(meta.PARENT)
        if parent and self.journal is not None:
            self.journal.link(parent, request.url, request.meta.get(meta.DEPTH, 0))

    def item_scraped(self, item: Any) -> None:
        self._done(item)

    def item_dropped(self, item: Any) -> None:
        self._done(item)

    def _done(self, item: Any) -> None:
        url = getattr(item, "url", None)
        if url and self.journal is not None:
            self.journal.done(url)

    def spider_closed(self) -> None:
        if self.journal is not None:
            self.journal.close()
