"""The Article: clean text and metadata of one captured page, pointing into the WARC."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, PrivateAttr

__all__ = ["ArchivedCopy", "Article", "ExtractorInfo", "RelevanceInfo", "WarcPointer"]


class WarcPointer(BaseModel):
    """Where the capture is: one ranged read of ``filename`` gives the record."""

    model_config = ConfigDict(frozen=True)

    filename: str
    """WARC file name, under ``crawls/<crawl_id>/warc/``."""
    offset: int
    """Byte offset of the record's gzip member in the file."""
    length: int
    """Compressed length of the record's gzip member."""
    record_id: str
    """``WARC-Record-ID`` (``<urn:uuid:...>``)."""
    record_type: str
    """``response``, or ``revisit`` when the payload was captured earlier in the crawl."""
    payload_digest: str | None
    """``WARC-Payload-Digest`` (``sha1:`` base32)."""


class ExtractorInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    version: str
    config_hash: str
    """Hash of the extraction options: same hash and version, same output."""
    speedups: str = ""
    """Whether :mod:`crawler.articles._speedups` ran (``on (...)``, ``off (why)``): the same
    output either way (``bench/speedups_identity.py``); said for provenance."""


class RelevanceInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    topic: str
    score: float
    threshold: float
    on_topic: bool
    matched: dict[str, int]
    """Job term to number of matches in title and text."""


class ArchivedCopy(BaseModel):
    """Where an article captured from a web archive's copy comes from."""

    model_config = ConfigDict(frozen=True)

    archive: str
    """The archive's name in the job (``seeds.archives``)."""
    capture_time: str
    """When the archive captured the page, 14 digits, UTC."""
    replay_url: str
    """The archive's URL of the copy (the WARC record's target)."""


class Article(BaseModel):
    """One article, as written (one JSON object per line) to ``articles/*.jsonl.gz``."""

    url: str
    """URL first requested (before redirects)."""
    final_url: str
    """URL of the captured response (after redirects)."""
    canonical_url: str | None = None
    """``<link rel=canonical>`` or ``og:url`` as the page declares it."""
    title: str | None = None
    authors: list[str] = []
    published: str | None = None
    """Publication date, ``YYYY-MM-DD``."""
    published_source: str | None = None
    """Where it was found: ``json-ld``, ``meta``, ``time-element``, ``feed``, ``sitemap``,
    ``url`` or ``text``."""
    modified: str | None = None
    """Modification date the page declares, ``YYYY-MM-DD``."""
    listed_date: str | None = None
    """Date the feed or sitemap gave for this URL, as written there."""
    language: str | None = None
    """ISO 639-1 code."""
    language_source: str | None = None
    """``declared`` (html lang, og:locale, Content-Language) or ``detected``
    (script and stop words, ``crawler/language.py``)."""
    text: str
    """Main text, paragraphs separated by newlines, boilerplate removed."""
    word_count: int
    comments: str = ""
    """Reader comments below the article, as trafilatura finds them (only when the job asks
    for them: ``extraction.comments``); never part of ``text``."""
    description: str | None = None
    site_name: str | None = None
    categories: list[str] = []
    """Sections the page declares."""
    tags: list[str] = []
    encoding: str
    """Character encoding the page was decoded with."""
    captured_at: datetime | None
    """When the response was captured (the WARC record's date), ISO 8601, UTC."""
    crawl_id: str | None
    """Null, like ``captured_at`` and ``warc``, only for pages extracted outside a crawl
    (``crawler extract``)."""
    warc: WarcPointer | None
    extractor: ExtractorInfo
    relevance: RelevanceInfo | None = None
    """Null when the job has no topic."""
    page_type: str | None = None
    """The type the page declares (``og:type``, JSON-LD ``@type``), lower case."""
    classification: str = ""
    """Why the page is taken for an article (``declared newsarticle``, ``main text and a
    date``); listings (home, section, tag, search pages) are archived but never articles."""
    in_window: bool | None = None
    """Whether ``published`` falls in the job's window; null without a window or a date."""
    coverage: bool | None = None
    """On topic and not dated outside the window: part of the coverage the job is after.
    Null when the job has no topic."""
    source: str = "live"
    """``live`` (fetched from the outlet) or ``archive`` (the outlet's page was gone: a web
    archive's copy, see ``archived_copy``; ``url`` is then the outlet's URL)."""
    archived_copy: ArchivedCopy | None = None
    fingerprint: str | None = None
    """64-bit SimHash of the text, 16 hex digits."""
    duplicate_of: str | None = None
    """URL of an earlier near-identical article in this crawl."""
    cluster_id: str | None = None
    """Articles sharing wire copy share this id (``articles/clusters.json`` lists clusters)."""

    _features: list[int] = PrivateAttr(default_factory=list)
    """Set by :class:`crawler.articles.builder.ArticleBuilder` from the extraction."""
    _discovered_by: str = PrivateAttr(default="")
    """How the crawl found the page (``sitemap``, ``listing``...), for the coverage report."""

    @property
    def discovered_by(self) -> str:
        """How the crawl found the page (not written out: the coverage report counts it)."""
        return self._discovered_by

    @property
    def features(self) -> list[int]:
        """Sampled text features for near-duplicate detection (not written out)."""
        return self._features
