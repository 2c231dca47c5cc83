"""Candidates and focus: what is known of a URL before it is fetched, and what it scores
against the job's topic (no Scrapy here).

The evidence is the URL's words (its path, hyphens and slashes as spaces), the text of the
link that led to it, and the title and description a feed or news sitemap gave; it is scored
by the same matcher as the articles' relevance (:class:`crawler.articles.relevance.TopicMatcher`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from urllib.parse import unquote, urlsplit

from crawler.articles.relevance import Relevance, TopicMatcher
from crawler.discovery.dates import DateSpan
from crawler.jobs.models import Focus, Job

__all__ = ["DISCOVERY", "LISTING", "Candidate", "FocusPolicy", "headline", "url_words"]

DISCOVERY = 1000
"""Priority of sitemaps, feeds and archive index queries: read before the pages they list."""
LISTING = 15
"""Priority of listing pages: after pages with good evidence, before those without."""
_EVIDENCE = 10

_SPLIT = re.compile(r"[/\-_.+,;:=&?]+")
_NOISE = re.compile(r"^(?:\d+|html?|php|aspx?|jsp|amp|index|www|article|articles|fr|en)$")


_HEADLINE_WORDS = 4


def headline(text: str | None) -> bool:
    """Whether a link's text reads like an article's title (4 words or more), not like a
    menu entry (``Monde``, ``Page suivante``): the links worth following from a page found on
    topic, whatever they say (related-article blocks)."""
    return text is not None and len(text.split()) >= _HEADLINE_WORDS


def url_words(url: str) -> str:
    """The words of a URL's path (``/monde/la-coree-du-nord-ratifie_123.html`` ->
    ``monde la coree du nord ratifie``): numbers, extensions and filler dropped."""
    path = unquote(urlsplit(url).path)
    return " ".join(w for w in _SPLIT.split(path) if w and not _NOISE.match(w.lower()))


@dataclass(frozen=True)
class Candidate:
    """A URL the crawl may fetch, with how it was found and what is known of it."""

    url: str
    source: str
    """``seed``, ``sitemap``, ``archive-sitemap``, ``feed``, ``listing``, ``link``,
    ``archive-index`` (:data:`crawler.crawl.coverage.SOURCES`)."""
    depth: int
    parent: str | None = None
    """The sitemap, feed, listing or page that listed it."""
    anchor: str | None = None
    """The text of the link that led to it."""
    title: str | None = None
    """The title a feed or news sitemap gave."""
    description: str | None = None
    span: DateSpan | None = None
    """What the listing or the URL says of its date."""
    budget: int = 0
    """``focus: only``: link levels still followed from a page found on topic."""
    score: float | None = None
    """Focus score, once scored."""

    def with_score(self, score: float) -> Candidate:
        return replace(self, score=score)


class FocusPolicy:
    """Scores candidates and says which are fetched, and in which order (Scrapy priority)."""

    def __init__(self, job: Job) -> None:
        self.mode: Focus = job.focus_mode
        self.matcher = TopicMatcher(job.topic) if job.topic and self.mode != "off" else None

    def relevance(self, candidate: Candidate) -> Relevance | None:
        """What the candidate's evidence scores (None with ``focus: off``)."""
        if self.matcher is None:
            return None
        title = " ".join(t for t in (candidate.anchor, candidate.title) if t)
        text = " ".join(t for t in (url_words(candidate.url), candidate.description) if t)
        return self.matcher.score(title, text)

    def wanted(self, candidate: Candidate, relevance: Relevance | None) -> bool:
        """``focus: only`` fetches candidates with evidence, or within a follow budget."""
        if self.mode != "only" or relevance is None:
            return True
        return relevance.evidence or candidate.budget > 0

    def priority(self, relevance: Relevance | None, budget: int = 0) -> int:
        """Best first: evidence and score first; with ``focus: off`` discovery order."""
        if relevance is None:
            return 0
        evidence = _EVIDENCE if relevance.evidence else 0
        return evidence + min(int(relevance.score * 2), 100) + (5 if budget else 0)
