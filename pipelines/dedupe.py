"""Article -> Article with fingerprint, duplicate_of and cluster_id (wire copy across outlets).

Clusters of two or more articles are written to ``articles/clusters.json`` when the archive
finishes (a resumed crawl keeps the clusters its earlier attempts stored).
"""

from __future__ import annotations

import json
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawler.archive.spool import CrawlArchive
from crawler.articles.builder import Deduplicator
from crawler.articles.model import Article
from crawler.crawl.components._enabled import require_archive
from crawler.crawl.components.signals import archive_opened

__all__ = ["DuplicatePipeline"]

_CLUSTERS = "articles/clusters.json"


class DuplicatePipeline:
    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats
        self.deduplicator = Deduplicator()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        require_archive(crawler.settings)
        assert crawler.stats is not None
        pipeline = cls(crawler.stats)
        crawler.signals.connect(pipeline.archive_opened, signal=archive_opened)
        return pipeline

    def archive_opened(self, archive: CrawlArchive) -> None:
        archive.before_finish(lambda: self._write_clusters(archive))

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            return item
        if self.deduplicator.link(item):
            self.stats.inc_value("archive/articles/near_duplicates")
        return item

    def _write_clusters(self, archive: CrawlArchive) -> None:
        clusters = {**(archive.stored_json(_CLUSTERS) or {}), **self.deduplicator.index.clusters()}
        path = archive.dir / _CLUSTERS
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(clusters, indent=2, ensure_ascii=False) + "\n", "utf-8")
        archive.add_file(path, "clusters")
