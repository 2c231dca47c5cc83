"""Article -> Article with its topic relevance (score, matched terms, on_topic)."""

from __future__ import annotations

from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector

from crawler.articles.builder import TopicScorer
from crawler.articles.model import Article
from crawler.jobs.models import Topic

__all__ = ["RelevancePipeline"]


class RelevancePipeline:
    """Scores every article against the job's topic; off-topic articles are kept, marked."""

    def __init__(self, topic: Topic, stats: StatsCollector) -> None:
        self.scorer = TopicScorer(topic)
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        topic = crawler.settings.getdict("ARCHIVE_JOB").get("config", {}).get("topic")
        if not topic:
            raise NotConfigured("the job has no topic")
        assert crawler.stats is not None
        return cls(Topic.model_validate(topic), crawler.stats)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            return item
        relevance = self.scorer.score(item)
        self.stats.inc_value(f"archive/articles/{'on' if relevance.on_topic else 'off'}_topic")
        return item
