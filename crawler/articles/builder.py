"""Page + extraction -> scored, deduplicated :class:`Article` (no Scrapy).

One implementation for every place an article is made: the crawl's item pipelines (extract,
relevance, near-duplicates: one step each), ``crawler reextract`` (all three, from the
WARCs) and ``crawler extract`` (a page outside any crawl).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime

from crawler.articles.extract import ExtractionResult, ExtractOptions, extractor_info
from crawler.articles.model import (
    ArchivedCopy,
    Article,
    ExtractorInfo,
    RelevanceInfo,
    WarcPointer,
)
from crawler.articles.neardup import DuplicateIndex
from crawler.articles.relevance import TopicMatcher
from crawler.jobs.models import Topic, Window

__all__ = ["ArticleBuilder", "Deduplicator", "PageContext", "TopicScorer", "judge_coverage"]

_ARTICLE_FIELDS = frozenset(Article.model_fields) & {f.name for f in fields(ExtractionResult)}


@dataclass(frozen=True)
class PageContext:
    """Where a page came from: its URLs, what listed it, and its capture (in a crawl)."""

    url: str
    """URL first requested (before redirects)."""
    final_url: str
    """URL of the captured response."""
    listed_date: str | None = None
    """Date the feed or sitemap gave for the URL."""
    captured_at: datetime | None = None
    crawl_id: str | None = None
    warc: WarcPointer | None = None
    archived_copy: ArchivedCopy | None = None
    """Set when the capture is a web archive's copy (``url`` is then the outlet's URL)."""


def judge_coverage(article: Article, window: Window) -> bool | None:
    """Set ``in_window`` (the publication date against the window) and ``coverage`` (on
    topic and not dated outside the window); returns ``coverage``."""
    bounded = window.start is not None or window.end is not None
    published = _day(article.published)
    article.in_window = window.contains(published) if bounded and published else None
    if article.relevance is None:
        article.coverage = None
    else:
        article.coverage = article.relevance.on_topic and article.in_window is not False
    return article.coverage


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


class TopicScorer:
    """Sets ``article.relevance`` from the job's topic."""

    def __init__(self, topic: Topic) -> None:
        self.topic = topic
        self.matcher = TopicMatcher(topic)

    def score(self, article: Article) -> RelevanceInfo:
        found = self.matcher.score(article.title, article.text)
        article.relevance = RelevanceInfo(
            topic=self.topic.name,
            score=found.score,
            threshold=self.topic.threshold,
            on_topic=found.on_topic,
            matched=found.matched,
        )
        return article.relevance


class Deduplicator:
    """Sets ``fingerprint``, ``duplicate_of`` and ``cluster_id`` against the articles seen
    before it in the same crawl."""

    def __init__(self) -> None:
        self.index = DuplicateIndex()

    def link(self, article: Article) -> bool:
        """Returns whether the article repeats an earlier one."""
        fingerprint = int(article.fingerprint, 16) if article.fingerprint else None
        found = self.index.add(article.final_url, article.features, fingerprint)
        article.fingerprint = found.fingerprint
        article.duplicate_of = found.duplicate_of
        article.cluster_id = found.cluster_id
        return found.duplicate_of is not None


class ArticleBuilder:
    """Makes articles from extraction results, with the extractor's provenance; scores and
    links them when given a :class:`TopicScorer` and a :class:`Deduplicator`."""

    def __init__(
        self,
        options: ExtractOptions,
        scorer: TopicScorer | None = None,
        deduplicator: Deduplicator | None = None,
        window: Window | None = None,
    ) -> None:
        self.extractor = ExtractorInfo(**extractor_info(options))
        self.scorer = scorer
        self.deduplicator = deduplicator
        self.window = window or Window()

    def article(self, result: ExtractionResult, page: PageContext) -> Article:
        """The Article of an extraction result (not scored, not linked)."""
        values = {name: getattr(result, name) for name in _ARTICLE_FIELDS}
        article = Article(
            **values,
            url=page.url,
            final_url=page.final_url,
            listed_date=page.listed_date,
            word_count=len(result.text.split()),
            captured_at=page.captured_at,
            crawl_id=page.crawl_id,
            warc=page.warc,
            extractor=self.extractor,
            source="archive" if page.archived_copy else "live",
            archived_copy=page.archived_copy,
        )
        article._features = list(result.features)
        return article

    def build(self, result: ExtractionResult, page: PageContext) -> Article:
        """The Article, scored, judged against the window, and linked to earlier
        near-duplicates."""
        article = self.article(result, page)
        if self.scorer is not None:
            self.scorer.score(article)
        judge_coverage(article, self.window)
        if self.deduplicator is not None:
            self.deduplicator.link(article)
        return article
