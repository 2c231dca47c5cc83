"""Cookies without a call to the internet: Scrapy's ``CookiesMiddleware`` asks tldextract for
the public suffix of every cookie's domain, and tldextract's default downloads the Public
Suffix List at the first question (offline: a traceback per crawl and a wait). An archival
crawler calls out only to what its job names, so this uses the list tldextract ships.

Scrapy keeps its extractor in a module attribute (``_split_domain``); this replaces it once,
at the first crawl that loads the middleware. ``tests/test_crawl_local.py`` fails if a crawl
logs a fetch of the list again (a Scrapy upgrade that moves the attribute).
"""

from __future__ import annotations

from typing import Self

from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares import cookies
from scrapy.downloadermiddlewares.cookies import CookiesMiddleware
from tldextract import TLDExtract

__all__ = ["OfflineCookiesMiddleware"]


class OfflineCookiesMiddleware(CookiesMiddleware):
    """Replaces ``scrapy.downloadermiddlewares.cookies.CookiesMiddleware``."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        cookies._split_domain = TLDExtract(
            suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True
        )
        return super().from_crawler(crawler)
