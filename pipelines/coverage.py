"""Article -> Article judged against the job's window (``in_window``, ``coverage``), counted
in the coverage report by outlet, discovery source and month; ``coverage.json`` written when
the archive finishes."""

from __future__ import annotations

import json
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawler.archive.spool import CrawlArchive
from crawler.articles.builder import judge_coverage
from crawler.articles.model import Article
from crawler.crawl.components._enabled import require_archive
from crawler.crawl.components.signals import archive_opened
from crawler.crawl.coverage import coverage_key, coverage_report, month_key, outlet
from crawler.jobs.models import Window

__all__ = ["CoveragePipeline"]

_REPORT = "coverage.json"


class CoveragePipeline:
    def __init__(self, window: Window, stats: StatsCollector) -> None:
        self.window = window
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        require_archive(crawler.settings)
        config = crawler.settings.getdict("ARCHIVE_JOB").get("config", {})
        pipeline = cls(Window.model_validate(config.get("window") or {}), crawler.stats)
        crawler.signals.connect(pipeline.archive_opened, signal=archive_opened)
        return pipeline

    def archive_opened(self, archive: CrawlArchive) -> None:
        archive.before_finish(lambda: self._write_report(archive))

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            return item
        coverage = judge_coverage(item, self.window)
        host, source = outlet(item.url), item.discovered_by or "link"
        self.stats.inc_value(coverage_key(host, source, "articles"))
        if item.relevance is not None and item.relevance.on_topic:
            self.stats.inc_value(coverage_key(host, source, "on_topic"))
        if coverage:
            self.stats.inc_value(coverage_key(host, source, "coverage"))
            self.stats.inc_value("archive/articles/coverage")
            if item.published:
                self.stats.inc_value(month_key(item.published[:7]))
        return item

    def _write_report(self, archive: CrawlArchive) -> None:
        """``coverage.json``: this attempt's report (a resumed crawl's keeps its stats)."""
        report = coverage_report(self.stats.get_stats())
        path = archive.dir / _REPORT
        path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", "utf-8")
        archive.add_file(path, "coverage")
        self.stats.set_value("archive/coverage_report", json.dumps(report, ensure_ascii=False))
