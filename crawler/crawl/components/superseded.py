"""Downloader middleware: a request the spider has replaced by a better-placed one for the
same URL (a candidate found again with more evidence, asked for earlier) is not fetched.

Scrapy cannot move a request already in its queue (which lives on disk), so the spider
queues the URL again at the higher priority and this drops the first request when its turn
comes, counted ``archive/discovery/superseded``.
"""

from __future__ import annotations

from typing import Any, Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest

__all__ = ["SupersededRequests"]


class SupersededRequests:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        spider: Any = self.crawler.spider
        check = getattr(spider, "superseded", None)
        if check is not None and check(request):
            self.crawler.stats.inc_value("archive/discovery/superseded")
            raise IgnoreRequest(f"{request.url}: asked for again with better evidence")
