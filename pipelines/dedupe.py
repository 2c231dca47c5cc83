"""Article -> Article with fingerprint, duplicate_of and cluster_id (wire copy across outlets)."""

from __future__ import annotations

import json
from typing import Any, Self

from scrapy.crawler import Crawler

from crawler.articles.model import Article
from crawler.articles.neardup import DuplicateIndex
from crawler.crawl.components._enabled import require_archive
from crawler.crawl.components.capture import capture_of
from pipelines.store import earlier_json

__all__ = ["DuplicatePipeline"]


class DuplicatePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.index = DuplicateIndex()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        require_archive(crawler.settings)
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            return item
        fp = int(item.fingerprint, 16) if item.fingerprint else None
        found = self.index.add(item.final_url, item.features, fp)
        item.fingerprint = found.fingerprint
        item.duplicate_of = found.duplicate_of
        item.cluster_id = found.cluster_id
        if found.duplicate_of:
            stats: Any = self.crawler.stats
            stats.inc_value("archive/articles/near_duplicates")
        return item

    def close_spider(self) -> None:
        """Write ``articles/clusters.json`` (clusters of two or more articles)."""
        capture = capture_of(self.crawler)
        if capture is None or capture.archive is None:
            return
        clusters = {
            **(earlier_json(capture.archive, "articles/clusters.json") or {}),
            **self.index.clusters(),
        }
        path = capture.archive.dir / "articles" / "clusters.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(clusters, indent=2, ensure_ascii=False) + "\n", "utf-8")
        capture.archive.add_file(path, "clusters")
