"""Every ``request.meta`` key the crawl sets or reads, with what it holds.

Requests carry what the crawl knows about them from the spider (how the URL was found) to
the components (what the capture wrote) and back. Keys are prefixed ``archive_`` so that they
never meet Scrapy's own (``redirect_urls``, ``download_slot``...).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "BYTES_RECEIVED",
    "DEPTH",
    "HEADERS_AT",
    "HTTP_REASON",
    "KIND",
    "LISTED",
    "PARENT",
    "PREVIOUS",
    "RECORD",
    "REDIRECT_URLS",
    "TRUNCATED",
    "Listed",
]

DEPTH = "archive_depth"
"""``int``: link hops from a start page (feed and sitemap entries are depth 1; seeds 0)."""
KIND = "archive_kind"
"""``str``: what the spider expects at the URL: ``page``, ``article``, ``feed``, ``sitemap``."""
LISTED = "archive_listed"
""":class:`Listed`: what the feed or sitemap that led here said of the URL."""
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
HTTP_REASON = "archive_http_reason"
"""``str``: the reason phrase of the server's status line (for the WARC record)."""
BYTES_RECEIVED = "archive_bytes_received"
"""``int``: body bytes received so far (``ResponseLimits``)."""
HEADERS_AT = "archive_headers_at"
"""``float``: ``time.monotonic()`` when the headers arrived (``ResponseLimits``)."""
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
