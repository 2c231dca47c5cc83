"""Downloader middleware replacing Scrapy's HttpCompressionMiddleware with a bounded one.

The WARC already holds the raw (still encoded) body; this only decodes for parsing. A body
whose decoded size passes ``ARCHIVE_MAX_RESPONSE_BYTES`` is cut there, flagged
``decoded_truncated``, counted, and announced with the ``decoded_truncated`` signal (the
capture writes a metadata record about it) - the crawl goes on.
"""

from __future__ import annotations

import logging
from typing import Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.responsetypes import responsetypes

from crawler.crawl.components._enabled import require_archive
from crawler.crawl.components.signals import decoded_truncated
from crawler.crawl.decoding import SUPPORTED_ENCODINGS, decode_body

__all__ = ["BoundedDecompressionMiddleware"]

logger = logging.getLogger(__name__)


class BoundedDecompressionMiddleware:
    def __init__(self, max_bytes: int, crawler: Crawler) -> None:
        self.max_bytes = max_bytes
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        require_archive(crawler.settings)
        return cls(crawler.settings.getint("ARCHIVE_MAX_RESPONSE_BYTES"), crawler)

    def process_request(self, request: Request) -> None:
        request.headers.setdefault("Accept-Encoding", "gzip, deflate")

    def process_response(self, request: Request, response: Response) -> Response:
        if request.method == "HEAD" or b"Content-Encoding" not in response.headers:
            return response
        encodings = [
            token.strip().lower()
            for value in response.headers.getlist("Content-Encoding")
            for token in value.decode("latin-1").split(",")
            if token.strip() and token.strip().lower() != "identity"
        ]
        if not all(e in SUPPORTED_ENCODINGS for e in encodings):
            return response
        stats = self.crawler.stats
        decoded = decode_body(response.body, encodings, self.max_bytes)
        flags = list(response.flags)
        if decoded.error:
            stats.inc_value("archive/decoding/errors")
            logger.warning("%s: content decoding stopped early: %s", response.url, decoded.error)
            flags.append("decoding_error")
        if decoded.truncated:
            stats.inc_value("archive/truncated/decoded")
            logger.warning(
                "%s: decoded body passes %d bytes: cut there (decompression bomb?)",
                response.url,
                self.max_bytes,
            )
            flags.append("decoded_truncated")
            self.crawler.signals.send_catch_log(
                decoded_truncated, request=request, response=response, limit=self.max_bytes
            )
        headers = response.headers.copy()
        del headers[b"Content-Encoding"]
        cls = responsetypes.from_args(headers=headers, url=response.url, body=decoded.body)
        return response.replace(cls=cls, headers=headers, body=decoded.body, flags=flags)
