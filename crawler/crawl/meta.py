"""Every ``request.meta`` key the crawl sets or reads, with what it holds.

Requests carry what the crawl knows about them from the spider (how the URL was found) to
the components (what the capture wrote) and back. Keys are prefixed ``archive_`` so that they
never meet Scrapy's own (``redirect_urls``, ``download_slot``...).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ARCHIVE_COPY",
    "BYTES_RECEIVED",
    "CANDIDATE",
    "CDX",
    "DEPTH",
    "HEADERS_AT",
    "HTTP_REASON",
    "KEEP_BYTES",
    "KIND",
    "LISTING",
    "PARENT",
    "PREVIOUS",
    "RECORD",
    "REDIRECT_URLS",
    "TICKET",
    "TRUNCATED",
    "ArchiveCopy",
    "CdxPaging",
    "Listed",
    "ListingPaging",
]

DEPTH = "archive_depth"
"""``int``: link hops from a start page (feed and sitemap entries are depth 1; seeds 0)."""
KIND = "archive_kind"
"""``str``: what the spider expects at the URL: ``page``, ``article``, ``feed``, ``sitemap``,
``listing``, ``cdx`` (a web archive's capture index), ``archived`` (an archive's copy)."""
CANDIDATE = "archive_candidate"
""":class:`crawler.crawl.focus.Candidate`: how the URL was found and what it scored."""
LISTING = "archive_listing"
""":class:`ListingPaging`: the listing this page belongs to, and which page of it it is."""
CDX = "archive_cdx"
""":class:`CdxPaging`: which archive index query this answer belongs to."""
ARCHIVE_COPY = "archive_copy"
""":class:`ArchiveCopy`: where an archived copy of the page is, should the live page be gone
(on a candidate from an archive index); on the copy's own request, what it is a copy of."""
PARENT = "archive_parent"
"""``str``: URL of the page whose link this request follows (the resume journal's links)."""
RECORD = "archive_record"
""":class:`crawler.archive.warc.RecordLocation` of the response's WARC record (the capture
sets it on ``response_downloaded``; the spider and pipelines read it)."""
PREVIOUS = "archive_previous"
""":class:`crawler.archive.captures.Capture` of this URL in an earlier run of an incremental
job (set by ``ConditionalRequests``)."""
TRUNCATED = "archive_truncated"
"""``str``: ``WARC-Truncated`` reason, when ``ResponseLimits`` cut the download."""
KEEP_BYTES = "archive_keep_bytes"
"""``int``: the body is kept to this many bytes (``ResponseLimits`` cut it at the size cap;
the download handler trims the chunk that crossed it)."""
HTTP_REASON = "archive_http_reason"
"""``str``: the reason phrase of the server's status line (for the WARC record)."""
BYTES_RECEIVED = "archive_bytes_received"
"""``int``: body bytes received so far (``ResponseLimits``)."""
HEADERS_AT = "archive_headers_at"
"""``float``: ``time.monotonic()`` when the headers arrived (``ResponseLimits``)."""
TICKET = "archive_ticket"
"""``int``: which request for a URL is the live one: a candidate queued again with better
evidence (a higher priority) supersedes the earlier request, which is then not fetched."""
REDIRECT_URLS = "redirect_urls"
"""Scrapy's own: the URLs that redirected to this response, first requested first."""


@dataclass(frozen=True)
class Listed:
    """What a feed or sitemap said of a URL it listed."""

    date: str | None
    """Publication or modification date, as the listing wrote it."""
    title: str | None
    """The item's title (feeds, news sitemaps)."""
    source: str
    """``feed`` or ``sitemap``."""


@dataclass(frozen=True)
class ListingPaging:
    """Where a page stands in a listing's pagination."""

    first: str
    """URL of the listing's first page."""
    page: int
    """1 for the first page."""
    seen: frozenset[str] = frozenset()
    """Pages of this listing already requested (a listing that loops stops)."""


@dataclass(frozen=True)
class CdxPaging:
    """One query of an archive index, and how far it has read."""

    archive: int
    """Index of the source in ``seeds.archives``."""
    target: str
    """The URL prefix or domain asked for."""
    read: int = 0
    """Captures read so far for this target."""
    page: int | None = None
    """pywb paging: this answer's page (None: not paged, or the page count request)."""


@dataclass(frozen=True)
class ArchiveCopy:
    """A web archive's capture of a page, fetched in raw mode when the live page is gone."""

    archive: str
    """The archive's name in the job."""
    original: str
    """The page's own URL."""
    timestamp: str
    """The capture's time, 14 digits (UTC)."""
    replay: str
    """The archive's raw replay URL of the capture."""
    cdx: str
    """The capture index that listed it."""
