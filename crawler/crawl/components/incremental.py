"""Incremental crawls: what this job captured before, and what this run captures.

``ConditionalRequests`` (downloader middleware, when ``ARCHIVE_PREVIOUS_CAPTURES`` names a
file of earlier captures): a request for a page captured before carries ``If-None-Match`` /
``If-Modified-Since`` from that capture, and the capture in ``request.meta`` so that a
``304`` is archived as a revisit of it (server-not-modified) and the page is not extracted
again. The WARC writer also learns the earlier payloads: one fetched again unchanged is
archived as a revisit of the earlier record (identical-payload-digest). Seeds are always
fetched in full: they list what is new.

``CaptureRecorder`` (extension, when ``ARCHIVE_CAPTURES_OUT`` is set): one line per captured
page (:mod:`crawler.captures`), for the next incremental run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Self

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from crawler.archive.captures import Capture, CaptureLog, load_captures
from crawler.archive.spool import CrawlArchive
from crawler.archive.warc import RecordLocation
from crawler.crawl import meta
from crawler.crawl.components._enabled import require_archive
from crawler.crawl.components.signals import archive_opened

__all__ = ["CaptureRecorder", "ConditionalRequests", "unchanged"]


class ConditionalRequests:
    def __init__(self, previous: dict[str, Capture], crawler: Crawler) -> None:
        self.previous = previous
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        require_archive(crawler.settings)
        path = crawler.settings.get("ARCHIVE_PREVIOUS_CAPTURES")
        if not path:
            raise NotConfigured  # off unless asked for: no warning in every crawl's log
        middleware = cls(load_captures(Path(path)), crawler)
        crawler.signals.connect(middleware.archive_opened, signal=archive_opened)
        return middleware

    def archive_opened(self, archive: CrawlArchive) -> None:
        """The WARC writer learns the earlier payloads (revisits of unchanged pages)."""
        for earlier in self.previous.values():
            archive.writer.remember(earlier.record_id, earlier.url, earlier.date, earlier.digest)
        stats = self.crawler.stats
        stats.set_value("archive/incremental/known_urls", len(self.previous))

    def process_request(self, request: Request) -> None:
        if request.meta.get(meta.DEPTH, 0) == 0:
            return  # seeds: always in full
        earlier = self.previous.get(request.url)
        if earlier is None:
            return
        request.meta[meta.PREVIOUS] = earlier
        if earlier.etag:
            request.headers.setdefault(b"If-None-Match", earlier.etag.encode("latin-1"))
        if earlier.last_modified:
            request.headers.setdefault(
                b"If-Modified-Since", earlier.last_modified.encode("latin-1")
            )
        stats = self.crawler.stats
        stats.inc_value("archive/incremental/conditional_requests")


def unchanged(request_meta: dict[str, Any], record: RecordLocation) -> bool:
    """Whether this capture (its request's ``meta``) repeats the job's earlier capture of
    the URL: such a page is not extracted again."""
    earlier: Capture | None = request_meta.get(meta.PREVIOUS)
    return (
        earlier is not None
        and record.record_type == "revisit"
        and record.payload_digest == earlier.digest
    )


class CaptureRecorder:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.log: CaptureLog | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        require_archive(crawler.settings)
        path = crawler.settings.get("ARCHIVE_CAPTURES_OUT")
        if not path:
            raise NotConfigured  # off unless asked for: no warning in every crawl's log
        recorder = cls(Path(path))
        crawler.signals.connect(recorder.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(recorder.response_downloaded, signal=signals.response_downloaded)
        crawler.signals.connect(recorder.spider_closed, signal=signals.spider_closed)
        return recorder

    def spider_opened(self) -> None:
        self.log = CaptureLog(self.path)

    def response_downloaded(self, response: Response, request: Request) -> None:
        record: RecordLocation | None = request.meta.get(meta.RECORD)
        if self.log is None or record is None or response.status not in (200, 304):
            return
        earlier: Capture | None = request.meta.get(meta.PREVIOUS)
        if earlier is not None and record.payload_digest == earlier.digest:
            held_in, held_at = earlier.record_id, earlier.date  # unchanged: the earlier record
        elif response.status == 200 and record.record_type == "response":
            held_in, held_at = record.record_id, record.date
        else:
            return  # a revisit of another URL's payload: nothing of its own to refer to
        etag = response.headers.get("ETag")
        modified = response.headers.get("Last-Modified")
        self.log.write(
            Capture(
                url=request.url,
                record_id=held_in,
                date=held_at,
                digest=record.payload_digest or "",
                etag=etag.decode("latin-1") if etag else (earlier.etag if earlier else None),
                last_modified=(
                    modified.decode("latin-1")
                    if modified
                    else (earlier.last_modified if earlier else None)
                ),
            )
        )

    def spider_closed(self) -> None:
        if self.log is not None:
            self.log.close()
