"""Baseline (b): a plain Scrapy spider calling trafilatura in its callback, no archive.

scrapy runspider bench/plain_spider.py -a sitemap=URL [-a extract=no]

With ``extract=no``, (c): the same crawl without trafilatura, Scrapy's own cost.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import trafilatura
from scrapy.http import Response
from scrapy.spiders import SitemapSpider


class PlainSpider(SitemapSpider):
    name = "plain"
    custom_settings = {
        "ROBOTSTXT_OBEY": False,
        "CONCURRENT_REQUESTS": 16,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
        "DOWNLOAD_DELAY": 0,
        "LOG_LEVEL": "WARNING",
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,  # as ours: not part of the work compared
    }

    def __init__(self, sitemap: str, extract: str = "yes", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sitemap_urls = [sitemap]
        if extract not in ("yes", "no"):
            raise ValueError(f"extract: 'yes' or 'no', not {extract!r}")
        self.extract = extract == "yes"

    def parse(self, response: Response) -> Iterator[dict[str, Any]]:
        if not self.extract:
            yield {"url": response.url, "bytes": len(response.body)}
            return
        doc = trafilatura.bare_extraction(
            response.text, url=response.url, fast=True, include_comments=False, with_metadata=True
        )
        yield {"url": response.url, "chars": len(doc.text or "") if doc is not None else 0}
