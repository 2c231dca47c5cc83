"""WARC capture of every download, on ``response_downloaded``: raw bytes, before decoding.

The signal fires before downloader middlewares, so the body is still content-encoded and
headers are as the server sent them (less what Twisted drops; see the warcinfo notes).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any, Self

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers, Response
from scrapy.settings import BaseSettings
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from twisted.internet.threads import deferToThread

from crawler.archive.captures import Capture
from crawler.archive.layout import FINISHED
from crawler.archive.spool import CrawlArchive, resume_pending
from crawler.archive.storage import S3Options, Storage, open_storage
from crawler.archive.uploader import Uploader
from crawler.archive.warc import HttpExchange, RecordLocation
from crawler.archive.warcinfo import build_warcinfo
from crawler.crawl import meta
from crawler.crawl.components._enabled import require_archive
from crawler.crawl.components.signals import archive_opened, decoded_truncated

__all__ = ["CaptureConfig", "WarcCapture"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CaptureConfig:
    """Settings of the capture, read once from Scrapy settings."""

    crawl_id: str
    spool_dir: Path
    storage_url: str
    s3: S3Options
    job: dict[str, Any]
    warc_prefix: str
    warc_max_size: int
    upload_wait: float
    stop_upload_wait: float
    """Seconds to wait for uploads when the crawl was stopped early (the rest is spooled)."""
    resume: bool

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> Self:
        crawl_id = settings.get("ARCHIVE_CRAWL_ID")
        if not crawl_id:
            raise NotConfigured("ARCHIVE_CRAWL_ID is not set")
        spool_dir = settings.get("ARCHIVE_SPOOL_DIR")
        if not spool_dir:
            raise NotConfigured("ARCHIVE_SPOOL_DIR is not set")
        job = settings.getdict("ARCHIVE_JOB")
        return cls(
            crawl_id=crawl_id,
            spool_dir=Path(spool_dir),
            storage_url=settings.get("ARCHIVE_STORAGE_URL"),
            s3=S3Options(**settings.getdict("ARCHIVE_S3")),
            job=job,
            warc_prefix=settings.get("ARCHIVE_WARC_PREFIX") or job.get("name", "crawl"),
            warc_max_size=settings.getint("ARCHIVE_WARC_MAX_SIZE"),
            upload_wait=settings.getfloat("ARCHIVE_UPLOAD_WAIT"),
            stop_upload_wait=settings.getfloat("ARCHIVE_STOP_UPLOAD_WAIT"),
            resume=settings.getbool("ARCHIVE_RESUME"),
        )

    def open_storage(self, url: str | None = None) -> Storage:
        return open_storage(url or self.storage_url, self.s3)


def _header_lines(headers: Headers) -> list[tuple[str, str]]:
    return [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, values in headers.items()
        for value in values
    ]


def _truncation(request: Request, response: Response) -> str | None:
    reason: str | None = request.meta.get(meta.TRUNCATED)
    if reason:
        return reason
    if "dataloss" in response.flags:
        return "disconnect"
    return None


class WarcCapture:
    """Extension: writes request/response (or revisit) records for every download."""

    def __init__(self, config: CaptureConfig, crawler: Crawler) -> None:
        self.config = config
        self.crawler = crawler
        self.stats = crawler.stats
        self.uploader: Uploader | None = None
        self.archive: CrawlArchive | None = None
        self.pending_uploads = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        require_archive(crawler.settings)
        ext = cls(CaptureConfig.from_settings(crawler.settings), crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.response_downloaded, signal=signals.response_downloaded)
        crawler.signals.connect(ext.decoded_truncated, signal=decoded_truncated)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self) -> None:
        try:
            self._open_archive()
        except Exception as exc:  # a locked or unwritable spool, a failed repair, bad storage
            logger.exception(
                "cannot open the archive of crawl %s (spool %s); nothing will be fetched",
                self.config.crawl_id,
                self.config.spool_dir,
            )
            self._fail(f"cannot open the archive (spool {self.config.spool_dir}): {exc}")

    def _open_archive(self) -> None:
        self.uploader = Uploader()
        resumed = resume_pending(
            self.config.spool_dir,
            self.uploader,
            self.config.open_storage,
            skip=self.config.crawl_id,
        )
        if resumed:
            self.stats.set_value("archive/upload/resumed", resumed)
        self.archive = CrawlArchive(
            crawl_id=self.config.crawl_id,
            spool=self.config.spool_dir,
            storage=self.config.open_storage(),
            uploader=self.uploader,
            prefix=self.config.warc_prefix,
            warcinfo=build_warcinfo(self.config.job, self.config.crawl_id),
            max_warc_size=self.config.warc_max_size,
            resume=self.config.resume,
        )
        logger.info(
            "archiving crawl %s to %s (spool %s)",
            self.config.crawl_id,
            self.archive.storage.url,
            self.archive.dir,
        )
        self.crawler.signals.send_catch_log(archive_opened, archive=self.archive)

    def response_downloaded(self, response: Response, request: Request) -> None:
        if self.archive is None:  # the archive failed: the crawl is being closed
            return
        reason = request.meta.get(meta.HTTP_REASON) or _standard_reason(response.status)
        exchange = HttpExchange(
            url=request.url,
            method=request.method,
            request_headers=_header_lines(request.headers),
            request_body=request.body,
            protocol=response.protocol or "HTTP/1.1",
            status=response.status,
            reason=reason,
            response_headers=_header_lines(response.headers),
            body=response.body,
            fetched_at=datetime.now(UTC),
            ip_address=str(response.ip_address) if response.ip_address else None,
            truncated=_truncation(request, response),
        )
        earlier: Capture | None = request.meta.get(meta.PREVIOUS)
        try:
            location = self.archive.writer.write_exchange(
                exchange, earlier.original() if earlier else None
            )
        except OSError as exc:
            self._fail(f"cannot write WARC record for {request.url}: {exc}")
            return
        request.meta[meta.RECORD] = location
        self._count(location, exchange)
        copy: meta.ArchiveCopy | None = request.meta.get(meta.ARCHIVE_COPY)
        if copy is not None and request.meta.get(meta.KIND) == "archived":
            self._describe_copy(request.url, location, copy)

    def _describe_copy(self, url: str, location: RecordLocation, copy: meta.ArchiveCopy) -> None:
        """A web archive's copy is archived as what it is (a response from the archive's
        URL); a ``metadata`` record says whose copy it is, from which archive, of when."""
        assert self.archive is not None
        self.archive.writer.write_metadata(
            url,
            location.record_id,
            [
                ("archived-copy-of", copy.original),
                ("archive", copy.archive),
                ("archive-capture-time", copy.timestamp),
                ("archive-index", copy.cdx),
                ("note", "the live page was gone (404 or 410); this is the archive's copy"),
            ],
        )
        self.stats.inc_value("archive/warc/records")
        self.stats.inc_value("archive/warc/metadata")
        self.stats.inc_value("archive/discovery/archived_copies")

    def _fail(self, message: str) -> None:
        """An archive write failed: stop fetching (what is not archived must not be crawled)."""
        logger.error("%s; stopping the crawl", message)
        self.stats.set_value("archive/error", message)
        if self.crawler.engine is not None:
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="archive_error"))

    def _count(self, location: RecordLocation, exchange: HttpExchange) -> None:
        self.stats.inc_value("archive/warc/records", 2)
        self.stats.inc_value(f"archive/warc/{location.record_type}")
        self.stats.inc_value("archive/warc/request")
        self.stats.inc_value("archive/warc/payload_bytes", len(exchange.body))
        self.stats.inc_value("archive/warc/record_bytes", location.length)
        if exchange.truncated:
            self.stats.inc_value("archive/warc/truncated_records")

    def decoded_truncated(self, request: Request, response: Response, limit: int) -> None:
        location: RecordLocation | None = request.meta.get(meta.RECORD)
        if self.archive is None or location is None:
            return
        self.archive.writer.write_metadata(
            request.url,
            location.record_id,
            [("decoded-truncated", "length"), ("decoded-size-limit", str(limit))],
        )
        self.stats.inc_value("archive/warc/records")
        self.stats.inc_value("archive/warc/metadata")

    async def spider_closed(self, reason: str) -> None:
        await maybe_deferred_to_future(deferToThread(self._finish, reason))

    def _finish(self, reason: str) -> None:
        try:
            self._close_archive(reason)
        except Exception as exc:
            logger.exception("could not finish the archive of crawl %s", self.config.crawl_id)
            self.stats.set_value("archive/error", f"finishing the archive: {exc}")

    def _close_archive(self, reason: str) -> None:
        if self.archive is None or self.uploader is None:
            if self.uploader is not None:
                self.uploader.stop()
            return  # it never opened: nothing to finish (archive/error says why)
        self.archive.finish(
            self.config.job, lambda: {**self.stats.get_stats(), "finish_reason": reason}
        )
        self.stats.set_value("archive/warc/files", self.archive.warc_count)
        wait = self.config.upload_wait
        if reason not in FINISHED:  # stopping (SIGTERM, cancel): leave the rest to the spool
            wait = min(wait, self.config.stop_upload_wait)
        left = self.uploader.drain(wait)
        self.pending_uploads = left
        self.stats.set_value("archive/upload/pending", left)
        self.stats.set_value("archive/upload/stored", self.uploader.uploaded)
        if left:
            logger.warning(
                "%d file(s) not yet stored in %s; they wait in %s and are uploaded at the "
                "next start (or: crawler upload)",
                left,
                self.archive.storage.url,
                self.config.spool_dir,
            )
        self.uploader.stop()


def _standard_reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""
