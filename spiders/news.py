"""The news spider: start pages, feeds and sitemaps of a job, within its scope."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable
from typing import Any

from scrapy import Request, Spider
from scrapy.http import HtmlResponse, Response, TextResponse
from twisted.python.failure import Failure

from crawler.crawl import meta
from crawler.crawl.components.incremental import unchanged
from crawler.crawl.items import PageItem
from crawler.crawl.journal import ResumeState
from crawler.discovery.links import page_links
from crawler.discovery.listings import ListedUrl, decompress_sitemap, parse_feed, parse_sitemap
from crawler.jobs.models import Job
from crawler.jobs.scope import UrlScope

__all__ = ["NewsSpider"]

logger = logging.getLogger(__name__)


class NewsSpider(Spider):
    """Discovers article URLs from a job's seeds. Every response is archived by the capture.

    Depth: start pages are depth 0; links on a page are one deeper; URLs listed by a feed or
    sitemap are depth 1 (sitemap indexes do not add depth). ``scope.max_depth`` bounds it.

    A resumed crawl (``resume``) re-reads its seeds but does not fetch again the pages an
    earlier attempt finished: it follows the links those pages had instead.
    """

    name = "news"

    def __init__(
        self, job: Job | dict[str, Any], resume: ResumeState | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.job = job if isinstance(job, Job) else Job.model_validate(job)
        self.scope = UrlScope.for_job(self.job)
        self.resume = resume or ResumeState()
        self._expanded: set[str] = set()

    async def start(self) -> AsyncIterator[Request]:
        seeds = self.job.seeds
        for url in seeds.sitemaps:
            yield self._request(str(url), self.parse_sitemap, "sitemap", 0)
        for url in seeds.feeds:
            yield self._request(str(url), self.parse_feed, "feed", 0)
        for url in seeds.start_pages:
            yield self._request(str(url), self.parse_page, "page", 0)

    def _request(
        self,
        url: str,
        callback: Any,
        kind: str,
        depth: int,
        listed: ListedUrl | None = None,
        listed_kind: str | None = None,
        parent: str | None = None,
    ) -> Request:
        request_meta: dict[str, Any] = {meta.DEPTH: depth, meta.KIND: kind}
        if listed is not None and listed_kind is not None:
            request_meta[meta.LISTED] = meta.Listed(listed.date, listed.title, listed_kind)
        if parent is not None:
            request_meta[meta.PARENT] = parent
        return Request(url, callback=callback, errback=self.failed, meta=request_meta)

    def _follow(
        self,
        url: str,
        callback: Any,
        kind: str,
        depth: int,
        listed: ListedUrl | None = None,
        listed_kind: str | None = None,
        parent: str | None = None,
    ) -> Iterable[Request]:
        refusal = self.scope.refusal(url)
        stats = self.crawler.stats
        if refusal:
            stats.inc_value(f"archive/scope/out_of_scope/{refusal}")
            return
        if depth > self.job.scope.max_depth:
            stats.inc_value("archive/scope/too_deep")
            return
        if url in self.resume.done:
            yield from self._done_earlier(url)
            return
        yield self._request(url, callback, kind, depth, listed, listed_kind, parent)

    def _done_earlier(self, url: str) -> Iterable[Request]:
        """A page an earlier attempt finished: not fetched again; its links are followed."""
        if url in self._expanded:
            return
        self._expanded.add(url)
        stats = self.crawler.stats
        stats.inc_value("archive/resume/skipped_done")
        for child, depth in self.resume.links.get(url, ()):
            yield from self._follow(child, self.parse_page, "page", depth, parent=url)

    def parse_page(self, response: Response) -> Iterable[Request | PageItem]:
        """A start page, section page or article: hand it to the pipelines, follow its links."""
        if not isinstance(response, TextResponse):
            return
        item = self._page_item(response)
        if item is not None:
            yield item
        depth = response.meta.get(meta.DEPTH, 0) + 1
        if depth > self.job.scope.max_depth or not isinstance(response, HtmlResponse):
            return  # links would be too deep: do not even parse them
        for link in page_links(response.selector.root, response.url):
            yield from self._follow(link.url, self.parse_page, "page", depth, parent=response.url)

    @staticmethod
    def _page_item(response: TextResponse) -> PageItem | None:
        record = response.meta.get(meta.RECORD)
        content_type = (response.headers.get("Content-Type") or b"").decode("latin-1")
        if record is None or response.status != 200 or "html" not in content_type.lower():
            return None
        if unchanged(response.meta, record):  # an incremental run met it unchanged
            return None
        listed: meta.Listed | None = response.meta.get(meta.LISTED)
        redirects = response.meta.get(meta.REDIRECT_URLS) or [response.url]
        language = response.headers.get("Content-Language")
        return PageItem(
            url=redirects[0],
            final_url=response.url,
            body=response.body,
            content_type=content_type or None,
            content_language=language.decode("latin-1") if language else None,
            listed_date=listed.date if listed else None,
            listed_kind=listed.source if listed else None,
            record=record,
        )

    def parse_feed(self, response: Response) -> Iterable[Request]:
        listing = parse_feed(response.body)
        self.crawler.stats.inc_value("archive/discovery/feed_urls", len(listing.urls))
        if not listing.urls:
            logger.warning("%s: no item links found in feed", response.url)
        for listed in listing.urls:
            url = response.urljoin(listed.url)
            yield from self._follow(url, self.parse_page, "article", 1, listed, "feed")

    def parse_sitemap(self, response: Response) -> Iterable[Request]:
        max_size = self.crawler.settings.getint("ARCHIVE_MAX_RESPONSE_BYTES")
        listing = parse_sitemap(decompress_sitemap(response.body, max_size))
        stats = self.crawler.stats
        stats.inc_value("archive/discovery/sitemap_urls", len(listing.urls))
        if not (listing.urls or listing.sitemaps):
            logger.warning("%s: no URLs found in sitemap", response.url)
        for sitemap in listing.sitemaps:
            yield from self._follow(
                response.urljoin(sitemap),
                self.parse_sitemap,
                "sitemap",
                response.meta.get(meta.DEPTH, 0),
            )
        for listed in listing.urls:
            url = response.urljoin(listed.url)
            yield from self._follow(url, self.parse_page, "article", 1, listed, "sitemap")

    def failed(self, failure: Failure) -> None:
        """Downloads that produced no response (timeouts, refusals...): counted and logged."""
        request = getattr(failure, "request", None)
        kind = failure.type.__name__ if failure.type else "Unknown"
        stats = self.crawler.stats
        if request is not None and request.meta.get(meta.DEPTH) == 0 and kind != "IgnoreRequest":
            stats.inc_value("archive/seeds/failed")
            logger.warning("seed %s failed: %s", request.url, failure.value)
            return
        if kind in ("HttpError", "IgnoreRequest"):
            return  # archived 4xx/5xx pages, or requests refused by robots.txt or safety (counted)
        stats.inc_value(f"archive/failed/{kind}")
        if kind != "IgnoreRequest":
            logger.warning("failed %s: %s", request.url if request else "?", failure.value)
