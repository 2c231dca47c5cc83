"""Downloader middleware for ``crawler replay``: every response comes from a stored crawl.

A request is answered with the crawl's capture of its URL (the record read with one ranged
request, still content-encoded as received: the decompression middleware decodes it as in a
live crawl); a revisit is answered with the payload it refers to. A URL the crawl did not
capture is not fetched: the request fails (counted ``archive/replay/missing``). Nothing goes
to the network.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any, Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes
from warcio.archiveiterator import ArchiveIterator

from crawler.archive.cdxj import cdxj_line
from crawler.archive.layout import crawl_key
from crawler.archive.reader import load_manifest
from crawler.archive.storage import S3Options, Storage, open_storage
from crawler.archive.warc import RecordLocation, warc_timestamp
from crawler.crawl import meta

__all__ = ["ArchiveReplay", "ReplaySource"]


@dataclass(frozen=True)
class _Entry:
    filename: str
    offset: int
    length: int


class ReplaySource:
    """A stored crawl's captures by URL, and their records."""

    def __init__(self, storage: Storage, crawl_id: str) -> None:
        self.storage = storage
        self.crawl_id = crawl_id
        self.by_url: dict[str, _Entry] = {}
        self.by_url_date: dict[tuple[str, str], _Entry] = {}
        manifest = load_manifest(storage, crawl_id)
        for entry in manifest.files:
            if entry.kind != "cdxj":
                continue
            text = storage.read_bytes(crawl_key(crawl_id, entry.path)).decode("utf-8")
            for line in text.splitlines():
                if not line.strip():
                    continue
                _, timestamp, data = cdxj_line(line)
                found = _Entry(data["filename"], int(data["offset"]), int(data["length"]))
                self.by_url.setdefault(data["url"], found)
                self.by_url_date[(data["url"], timestamp[:14])] = found

    def record(self, entry: _Entry) -> Any:
        key = crawl_key(self.crawl_id, f"warc/{entry.filename}")
        member = self.storage.read_range(key, entry.offset, entry.length)
        return next(iter(ArchiveIterator(io.BytesIO(member))))


class ArchiveReplay:
    def __init__(self, source: ReplaySource, crawler: Crawler) -> None:
        self.source = source
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        crawl_id = settings.get("ARCHIVE_REPLAY_CRAWL")
        if not crawl_id:
            raise NotConfigured  # off unless asked for: no warning in every crawl's log
        storage = open_storage(
            settings.get("ARCHIVE_REPLAY_STORAGE"), S3Options(**settings.getdict("ARCHIVE_S3"))
        )
        return cls(ReplaySource(storage, crawl_id), crawler)

    def process_request(self, request: Request) -> Response:
        stats = self.crawler.stats
        entry = self.source.by_url.get(request.url)
        if entry is None:
            stats.inc_value("archive/replay/missing")
            raise IgnoreRequest(f"{request.url} is not in crawl {self.source.crawl_id}")
        record = self.source.record(entry)
        request.meta[meta.RECORD] = RecordLocation(
            filename=entry.filename,
            offset=entry.offset,
            length=entry.length,
            record_id=record.rec_headers.get_header("WARC-Record-ID"),
            record_type=record.rec_type,
            payload_digest=record.rec_headers.get_header("WARC-Payload-Digest"),
            date=record.rec_headers.get_header("WARC-Date"),
        )
        if record.rec_type == "revisit":  # the response that holds the payload
            target = record.rec_headers.get_header("WARC-Refers-To-Target-URI")
            date = record.rec_headers.get_header("WARC-Refers-To-Date") or ""
            original = self.source.by_url_date.get((target, warc_timestamp(date)))
            if original is None:
                stats.inc_value("archive/replay/unresolved_revisit")
                raise IgnoreRequest(f"{request.url}: revisit of {target} not in the crawl")
            record = self.source.record(original)
        http = record.http_headers
        headers = Headers([(n.encode("latin-1"), v.encode("latin-1")) for n, v in http.headers])
        body = record.raw_stream.read()  # as received: still content-encoded
        response_class = responsetypes.from_args(headers=headers, url=request.url, body=body)
        stats.inc_value("archive/replay/responses")
        return response_class(
            url=request.url,
            status=int(http.get_statuscode() or 200),
            headers=headers,
            body=body,
            request=request,
        )
