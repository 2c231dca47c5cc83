"""What the spider hands to the item pipelines."""

from __future__ import annotations

from dataclasses import dataclass

from crawler.archive.warc import RecordLocation
from crawler.crawl.meta import ArchiveCopy

__all__ = ["PageItem"]


@dataclass(frozen=True)
class PageItem:
    """An HTML page that was captured (status 200): the pipelines decide if it is an article."""

    url: str
    """URL first requested (before redirects)."""
    final_url: str
    body: bytes
    """Body with content-encoding undone (the WARC keeps it as received)."""
    content_type: str | None
    content_language: str | None
    listed_date: str | None
    """Date the feed or sitemap gave for this URL."""
    listed_kind: str | None
    """``feed`` or ``sitemap`` when a listing led here."""
    record: RecordLocation
    source: str = "link"
    """How the crawl found it (:data:`crawler.crawl.coverage.SOURCES`)."""
    archive_copy: ArchiveCopy | None = None
    """Set when the capture is a web archive's copy (the live page was gone)."""
