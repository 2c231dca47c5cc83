"""Articles of a replay (``crawler replay``): collected, and written as JSON lines if asked."""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector

from crawler.articles.model import Article

__all__ = ["ReplayCollector"]


class ReplayCollector:
    def __init__(self, out: Path | None, stats: StatsCollector) -> None:
        self.out = out
        self.stats = stats
        self.urls: list[str] = []
        self._handle: IO[str] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.get("ARCHIVE_REPLAY_CRAWL"):
            raise NotConfigured  # off unless asked for: no warning in every crawl's log
        out = crawler.settings.get("ARCHIVE_REPLAY_OUT")
        return cls(Path(out) if out else None, crawler.stats)

    def open_spider(self) -> None:
        if self.out is not None:
            self._handle = self.out.open("w", encoding="utf-8")

    def process_item(self, item: Any) -> Any:
        if isinstance(item, Article):
            self.urls.append(item.url)
            if self._handle is not None:
                self._handle.write(item.model_dump_json() + "\n")
        return item

    def close_spider(self) -> None:
        """The article URLs go to the stats (``archive/replay/article_urls``) for the caller."""
        self.stats.set_value("archive/replay/article_urls", sorted(self.urls))
        if self._handle is not None:
            self._handle.close()
