"""The news spider: a job's coverage from its sitemaps, feeds, listings, links and web
archives' indexes, within its scope and date window, likeliest pages first."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import replace
from typing import Any, Self
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.http import HtmlResponse, Response, TextResponse
from twisted.python.failure import Failure

from crawler.articles.model import Article
from crawler.crawl import meta
from crawler.crawl.components.incremental import unchanged
from crawler.crawl.coverage import OTHER_HOSTS, SOURCES, coverage_key, outlet
from crawler.crawl.focus import DISCOVERY, LISTING, Candidate, FocusPolicy, headline
from crawler.crawl.items import PageItem
from crawler.crawl.journal import ResumeState
from crawler.crawl.requests import ArchiveRequest
from crawler.discovery.cdx import cdx_query, parse_cdx, replay_url
from crawler.discovery.dates import DateSpan, listed_span, parse_day, url_span
from crawler.discovery.links import Link
from crawler.discovery.listings import ListedUrl, decompress_sitemap, parse_feed, parse_sitemap
from crawler.discovery.pages import ListingPage, read_page
from crawler.jobs.models import Job
from crawler.jobs.scope import UrlScope

__all__ = ["NewsSpider"]

logger = logging.getLogger(__name__)

_GONE = (404, 410)
_REPLAY_REDIRECTS = 5


class NewsSpider(Spider):
    """Finds a job's coverage. Every response is archived by the capture.

    Depth: start pages and listings are depth 0, and so are the later pages of their
    pagination; a page's links are one deeper; URLs listed by a feed, a sitemap or an archive
    index are depth 1 (sitemap indexes add no depth). ``scope.max_depth`` bounds links;
    with ``focus: only``, links of pages found on topic are followed ``follow_on_topic``
    levels further.

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
        self.focus = FocusPolicy(self.job)
        self.window = self.job.window
        seeds = self.job.seeds
        self.listing_seeds = frozenset(str(u) for u in (*seeds.start_pages, *seeds.listings))
        self._expanded: set[str] = set()
        self._state: dict[str, str] = {}
        """Candidate URL -> ``queued`` or ``skipped`` (a skipped one may come back with more
        evidence)."""
        self._offered: dict[str, int] = {}
        """Candidate URL -> the sources that offered it (one bit each, in ``SOURCES``'
        order): each counts it as seen once, whichever offered it first."""
        self._tickets: dict[str, tuple[int, int]] = {}
        """Candidate URL -> (ticket, priority) of its live request."""
        self._next_ticket = 0
        self._first_listed: dict[str, meta.Listed] = {}
        """What the first feed or sitemap that listed a page said of it (its listed date),
        whatever route led to the page: ``crawler reextract`` reads the same from the WARCs."""
        self._copies: dict[str, meta.ArchiveCopy] = {}
        """Page URL -> an archive's copy of it (from the archive indexes), should it be gone."""
        self._gone: set[str] = set()
        """Pages whose live fetch answered 404 or 410 before an archive index listed them."""
        self._held: dict[str, tuple[list[Candidate], int]] = {}
        """``focus: only``: page URL -> (its links without evidence, its budget), until the
        pipelines say whether the page is on topic."""

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(spider.item_dropped, signal=signals.item_dropped)
        return spider

    # -- seeds -------------------------------------------------------------------------
    async def start(self) -> AsyncIterator[Request]:
        seeds = self.job.seeds
        for url in seeds.sitemaps:
            yield self._seed(str(url), self.parse_sitemap, "sitemap")
        for url in seeds.feeds:
            yield self._seed(str(url), self.parse_feed, "feed")
        for url in (*seeds.start_pages, *seeds.listings):
            yield self._seed(str(url), self.parse_page, "listing")
        if seeds.sitemaps_from_robots:
            for robots in self._robots_urls():
                yield self._seed(robots, self.parse_robots, "robots")
        for index, source in enumerate(seeds.archives):
            for target in source.urls:
                paging = meta.CdxPaging(index, target)
                count_pages = source.api == "pywb"
                query = cdx_query(source, target, self.window, count_pages=count_pages)
                yield self._cdx_request(query, paging)

    def _robots_urls(self) -> list[str]:
        seeds = self.job.seeds
        origins = {
            f"{u.scheme}://{u.host}{f':{u.port}' if u.port not in (None, 80, 443) else ''}"
            for u in (*seeds.start_pages, *seeds.listings, *seeds.feeds, *seeds.sitemaps)
        }
        return [f"{origin}/robots.txt" for origin in sorted(origins)]

    def parse_robots(self, response: Response) -> Iterator[Request]:
        """The ``Sitemap:`` lines of a robots.txt: more sitemaps (and indexes) to follow."""
        self._fetched(response)
        text = response.body.decode("utf-8", "replace")
        for line in text.splitlines():
            name, _, value = line.partition(":")
            url = response.urljoin(value.strip())
            if name.strip().lower() != "sitemap" or not value.strip():
                continue
            if self.scope.refusal(url):
                continue
            self._seen_by(url, "sitemap")
            if self._state.get(url) == "queued":
                continue
            self._state[url] = "queued"
            yield ArchiveRequest(
                url,
                callback=self.parse_sitemap,
                errback=self.failed,
                meta={
                    meta.DEPTH: 0,
                    meta.KIND: "sitemap",
                    meta.CANDIDATE: Candidate(url, "sitemap", 0),
                },
                priority=DISCOVERY,
            )

    def _seed(self, url: str, callback: Any, kind: str) -> Request:
        candidate = Candidate(url, "seed", 0)
        self._state[url] = "queued"
        self._seen_by(url, "seed")
        request_meta: dict[str, Any] = {meta.DEPTH: 0, meta.KIND: kind, meta.CANDIDATE: candidate}
        if kind == "listing":
            request_meta[meta.LISTING] = meta.ListingPaging(url, 1, frozenset([url]))
        return ArchiveRequest(
            url, callback=callback, errback=self.failed, meta=request_meta, priority=DISCOVERY
        )

    def _cdx_request(self, url: str, paging: meta.CdxPaging) -> Request:
        return ArchiveRequest(
            url,
            callback=self.parse_cdx,
            errback=self.failed,
            meta={meta.DEPTH: 0, meta.KIND: "cdx", meta.CDX: paging},
            priority=DISCOVERY,
            dont_filter=True,
        )

    # -- counting ----------------------------------------------------------------------
    def _count(self, url: str, source: str, event: str, value: int = 1) -> None:
        self.crawler.stats.inc_value(coverage_key(outlet(url), source, event), value)

    def _problem(self, name: str, message: str, *args: object) -> None:
        self.crawler.stats.inc_value(f"archive/discovery/problems/{name}")
        logger.warning(message, *args)

    # -- deciding what to fetch ----------------------------------------------------------
    def _consider(self, candidate: Candidate, kind: str = "page") -> Iterator[Request]:
        """A request for ``candidate``, unless scope, window, depth or focus rule it out
        (each skip counted, once per URL, under the candidate's outlet and source)."""
        url = candidate.url
        refusal = self.scope.refusal(url)
        if refusal:
            self.crawler.stats.inc_value(f"archive/scope/out_of_scope/{refusal}")
            if url not in self._state:
                self._state[url] = "skipped"
                self.crawler.stats.inc_value(
                    coverage_key(OTHER_HOSTS, candidate.source, f"skipped/out_of_scope/{refusal}")
                )
            return
        self._seen_by(url, candidate.source)
        state = self._state.get(url)
        if state == "queued":
            yield from self._reprioritized(candidate, kind)
            return
        first = state is None
        if url in self.resume.done:
            self._state[url] = "queued"
            yield from self._done_earlier(url)
            return
        if not self._in_window(candidate):
            if first:
                self._count(url, candidate.source, "skipped/out_of_window")
            self._state[url] = "skipped"
            return
        if candidate.depth > self.job.scope.max_depth and candidate.budget <= 0:
            self.crawler.stats.inc_value("archive/scope/too_deep")
            if first:
                self._count(url, candidate.source, "skipped/too_deep")
            self._state[url] = "skipped"
            return
        relevance = self.focus.relevance(candidate)
        if not self.focus.wanted(candidate, relevance):
            if first:
                self._count(url, candidate.source, "skipped/no_evidence")
            self._state[url] = "skipped"
            return
        self._state[url] = "queued"
        scored = candidate.with_score(relevance.score) if relevance else candidate
        yield self._request(scored, kind, self.focus.priority(relevance, candidate.budget))

    def _seen_by(self, url: str, source: str) -> bool:
        """``url`` counted as seen by ``source``, once per source: a page in both the sitemap
        and the feed is seen by both, whichever came first (what it led to is credited to
        the source whose request fetched it). Whether ``source`` had not offered it before."""
        bit = 1 << SOURCES.index(source)
        offered = self._offered.get(url, 0)
        if offered & bit:
            return False
        self._offered[url] = offered | bit
        self._count(url, source, "seen")
        return True

    def _reprioritized(self, candidate: Candidate, kind: str) -> Iterator[Request]:
        """A candidate already queued, seen again with better evidence (a listing's link text
        where a sitemap gave only the URL): asked for again, earlier; the first request is
        then dropped unfetched (:meth:`superseded`)."""
        queued = self._tickets.get(candidate.url)
        if queued is None or queued[0] < 0 or self.focus.matcher is None:
            return  # not ours, or already on its way
        relevance = self.focus.relevance(candidate)
        priority = self.focus.priority(relevance, candidate.budget)
        if priority <= queued[1]:
            return
        self.crawler.stats.inc_value("archive/discovery/reprioritized")
        scored = candidate.with_score(relevance.score) if relevance else candidate
        request = self._request(scored, kind, priority)
        request.dont_filter = True
        yield request

    def superseded(self, request: Request) -> bool:
        """Whether ``request``, leaving the queue for the downloader, was replaced by a later
        one for the same URL (then it is not fetched). One that goes is marked on its way:
        it is not asked for again."""
        ticket = request.meta.get(meta.TICKET)
        live = self._tickets.get(request.url)
        if ticket is None or live is None:
            return False
        if abs(live[0]) != ticket:
            return True
        self._tickets[request.url] = (-ticket, live[1])
        return False

    def _in_window(self, candidate: Candidate) -> bool:
        span = candidate.span or url_span(candidate.url)
        return span is None or not span.outside(self.window.start, self.window.end)

    def _request(self, candidate: Candidate, kind: str, priority: int) -> Request:
        request_meta: dict[str, Any] = {
            meta.DEPTH: candidate.depth,
            meta.KIND: kind,
            meta.CANDIDATE: candidate,
        }
        if candidate.parent is not None and candidate.source in ("link", "listing"):
            request_meta[meta.PARENT] = candidate.parent
        self._next_ticket += 1
        request_meta[meta.TICKET] = self._next_ticket
        self._tickets[candidate.url] = (self._next_ticket, priority)
        return ArchiveRequest(
            candidate.url,
            callback=self.parse_page,
            errback=self.failed,
            meta=request_meta,
            priority=priority,
        )

    def _listed(self, listed: ListedUrl, url: str, source: str, parent: str) -> Iterator[Request]:
        """A page a feed or sitemap listed (depth 1), with its date and title."""
        candidate = Candidate(
            url,
            source,
            1,
            parent=parent,
            title=listed.title,
            description=listed.description,
            span=listed_span(listed.published, listed.modified, url),
        )
        kind = "feed" if source == "feed" else "sitemap"
        self._first_listed.setdefault(url, meta.Listed(listed.date, listed.title, kind))
        yield from self._consider(candidate, "article")

    def _done_earlier(self, url: str) -> Iterable[Request]:
        """A page an earlier attempt finished: not fetched again; its links are followed."""
        if url in self._expanded:
            return
        self._expanded.add(url)
        self.crawler.stats.inc_value("archive/resume/skipped_done")
        for child, depth in self.resume.links.get(url, ()):
            yield from self._consider(Candidate(child, "link", depth, parent=url))

    # -- pages -------------------------------------------------------------------------
    def parse_page(self, response: Response) -> list[Request | PageItem]:
        """A listing (followed, page after page, not extracted) or another page (handed to
        the pipelines; its links followed). Read at once, not lazily: what the crawl knows
        of the page (its listed date) is what it knew when the page arrived, the order the
        WARC keeps and ``crawler reextract`` reads."""
        return list(self._page(response))

    def _page(self, response: Response) -> Iterator[Request | PageItem]:
        candidate: Candidate = response.meta.get(meta.CANDIDATE) or Candidate(
            response.url, "link", response.meta.get(meta.DEPTH, 0)
        )
        self._fetched(response)
        if meta.RECORD not in response.meta:  # not archived (the archive failed): not followed
            self.crawler.stats.inc_value("archive/unarchived_responses")
            return
        if not isinstance(response, TextResponse):
            return
        if response.meta.get(meta.KIND) == "archived" and 300 <= response.status < 400:
            yield from self._replay_redirect(response)
            return
        reading = None
        if isinstance(response, HtmlResponse):
            content_type = response.headers.get("Content-Type")
            reading = read_page(
                response.url,
                response.body,
                content_type.decode("latin-1") if content_type else None,
                self.listing_seeds,
                want_links=self._wants_links(candidate),
            )
            if reading.listing is not None and reading.page is not None:
                self._count(candidate.url, candidate.source, "listings")
                yield from self._listing(response, reading.page, reading.links, candidate)
                return
        item = self._page_item(response, candidate)
        if item is not None:
            yield item
        links = reading.links if reading else []
        yield from self._links(response, candidate, links, held=item is not None)

    def _wants_links(self, page: Candidate) -> bool:
        """Whether a page's links may be followed (then it is parsed for them)."""
        if page.depth + 1 <= self.job.scope.max_depth or page.budget > 0:
            return True
        return self.focus.mode == "only" and self.job.follow_on_topic > 0

    def _listing(
        self, response: Response, listing: ListingPage, links: list[Link], page: Candidate
    ) -> Iterator[Request]:
        """A listing: its items are candidates (the link text is their evidence); its next
        page is followed, newest to oldest, until it lists only items older than the window,
        loops, or ``scope.listing_pages`` pages were read."""
        paging: meta.ListingPaging = response.meta.get(meta.LISTING) or meta.ListingPaging(
            response.url, 1, frozenset([response.url])
        )
        following = self._next_page(listing, paging, page, response.url)
        depth = page.depth + 1
        for link in links:
            if link.url == listing.next_url:
                continue
            day = listing.dates.get(link.url)
            yield from self._consider(
                Candidate(
                    link.url,
                    "listing",
                    depth,
                    parent=response.url,
                    anchor=link.text,
                    span=DateSpan(day, day) if day else None,
                )
            )
        if following is not None:
            yield following

    def _next_page(
        self, listing: ListingPage, paging: meta.ListingPaging, page: Candidate, here: str
    ) -> Request | None:
        stats = self.crawler.stats
        if listing.next_url is None or self.scope.refusal(listing.next_url):
            return None
        if self.focus.mode == "only" and paging.first not in self.listing_seeds:
            stats.inc_value("archive/discovery/listings_not_paginated")
            return None  # focus: only pages through the job's own listings
        if listing.next_url in paging.seen:
            self._problem("listing_loops", "%s: pagination loops back; stopped", paging.first)
            return None
        if self.window.start and listing.newest and listing.newest < self.window.start:
            stats.inc_value("archive/discovery/listings_stopped/older_than_window")
            return None
        if paging.page >= self.job.scope.listing_pages:
            stats.inc_value("archive/discovery/listings_stopped/page_cap")
            logger.info(
                "%s: stopped after %d pages (scope.listing_pages)", paging.first, paging.page
            )
            return None
        following = meta.ListingPaging(
            paging.first, paging.page + 1, paging.seen | {listing.next_url}
        )
        nxt = Candidate(listing.next_url, page.source, page.depth, parent=here)
        self._state[listing.next_url] = "queued"
        priority = LISTING + 5 if paging.first in self.listing_seeds else LISTING
        request = self._request(nxt, "listing", priority)
        request.meta[meta.LISTING] = following
        request.dont_filter = True  # a page of pagination is asked for once, from its listing
        return request

    def _links(
        self, response: Response, page: Candidate, links: list[Link], held: bool
    ) -> Iterator[Request]:
        """The links of a page that is not a listing. With ``focus: only``, links without
        evidence wait until the page is scored (:meth:`item_scraped`)."""
        depth = page.depth + 1
        waiting: list[Candidate] = []
        for link in links:
            candidate = Candidate(link.url, "link", depth, parent=response.url, anchor=link.text)
            if self.focus.mode == "only":
                relevance = self.focus.relevance(candidate)
                if not (relevance and relevance.evidence):
                    if headline(link.text):  # a related article, perhaps: after the page's score
                        waiting.append(candidate)
                    continue
            if depth > self.job.scope.max_depth and page.budget <= 0:
                continue  # too deep: not even counted (most links of most pages)
            yield from self._consider(candidate)
        if waiting and held:
            self._held[page.url] = (waiting, page.budget)
        elif waiting:
            yield from self._release(waiting, page.budget - 1)

    def _release(self, waiting: list[Candidate], budget: int) -> Iterator[Request]:
        if budget <= 0:
            return
        for candidate in waiting:
            yield from self._consider(replace(candidate, budget=budget))

    def item_scraped(self, item: Any) -> None:
        """An article left the pipelines: its waiting links are followed if it is on topic."""
        on_topic = isinstance(item, Article) and item.relevance is not None
        self._settle(item, on_topic=on_topic and bool(item.relevance.on_topic))

    def item_dropped(self, item: Any) -> None:
        self._settle(item, on_topic=False)

    def _settle(self, item: Any, on_topic: bool) -> None:
        held = self._held.pop(getattr(item, "url", ""), None)
        if held is None or self.crawler.engine is None:
            return
        waiting, budget = held
        for request in self._release(waiting, self.job.follow_on_topic if on_topic else budget - 1):
            self.crawler.engine.crawl(request)

    def _page_item(self, response: TextResponse, candidate: Candidate) -> PageItem | None:
        record = response.meta.get(meta.RECORD)
        content_type = (response.headers.get("Content-Type") or b"").decode("latin-1")
        if record is None or response.status != 200 or "html" not in content_type.lower():
            return None
        if unchanged(response.meta, record):  # an incremental run met it unchanged
            return None
        redirects = response.meta.get(meta.REDIRECT_URLS) or [response.url]
        language = response.headers.get("Content-Language")
        copy: meta.ArchiveCopy | None = response.meta.get(meta.ARCHIVE_COPY)
        archived = copy is not None and response.meta.get(meta.KIND) == "archived"
        url = copy.original if archived and copy else redirects[0]
        listed = self._first_listed.get(url)  # as known now: reextract reads the same
        return PageItem(
            url=url,
            final_url=response.url,
            body=response.body,
            content_type=content_type or None,
            content_language=language.decode("latin-1") if language else None,
            listed_date=listed.date if listed else None,
            listed_kind=listed.source if listed else None,
            record=record,
            source=candidate.source,
            archive_copy=copy if archived else None,
        )

    # -- feeds and sitemaps ------------------------------------------------------------
    def _fetched(self, response: Response) -> None:
        candidate: Candidate | None = response.meta.get(meta.CANDIDATE)
        if candidate is not None:
            self._count(candidate.url, candidate.source, "fetched")

    def parse_feed(self, response: Response) -> list[Request]:
        """Every item of a feed is a candidate. Read at once (not lazily): what a feed says
        of a page is known from the moment its answer is handled."""
        return list(self._feed(response))

    def _feed(self, response: Response) -> Iterator[Request]:
        self._fetched(response)
        listing = parse_feed(response.body)
        self.crawler.stats.inc_value("archive/discovery/feed_urls", len(listing.urls))
        if not listing.urls:
            logger.warning("%s: no item links found in feed", response.url)
        for listed in listing.urls:
            url = response.urljoin(listed.url)
            yield from self._listed(listed, url, "feed", response.url)

    def parse_sitemap(self, response: Response) -> list[Request]:
        """Child sitemaps (within the window) and listed pages. Read at once, as feeds are."""
        return list(self._sitemap(response))

    def _sitemap(self, response: Response) -> Iterator[Request]:
        self._fetched(response)
        max_size = self.crawler.settings.getint("ARCHIVE_MAX_RESPONSE_BYTES")
        listing = parse_sitemap(decompress_sitemap(response.body, max_size))
        stats = self.crawler.stats
        stats.inc_value("archive/discovery/sitemap_urls", len(listing.urls))
        if not (listing.urls or listing.sitemaps):
            logger.warning("%s: no URLs found in sitemap", response.url)
        candidate: Candidate | None = response.meta.get(meta.CANDIDATE)
        source = (
            "archive-sitemap" if candidate and candidate.source == "archive-sitemap" else "sitemap"
        )
        depth = response.meta.get(meta.DEPTH, 0)
        for child in listing.sitemaps:
            url = response.urljoin(child.url)
            modified = parse_day(child.modified)
            span = url_span(url)
            if span is None and modified is not None:
                span = DateSpan(modified, modified, exact=False)
            if span is not None and span.outside(self.window.start, self.window.end):
                if self._seen_by(url, "archive-sitemap"):
                    self._count(url, "archive-sitemap", "skipped/out_of_window")
                continue
            if self.scope.refusal(url):
                continue
            self._seen_by(url, "archive-sitemap")
            if self._state.get(url) == "queued":
                continue
            self._state[url] = "queued"
            nested = Candidate(url, "archive-sitemap", depth, parent=response.url)
            yield ArchiveRequest(
                url,
                callback=self.parse_sitemap,
                errback=self.failed,
                meta={meta.DEPTH: depth, meta.KIND: "sitemap", meta.CANDIDATE: nested},
                priority=DISCOVERY,
            )
        for listed in listing.urls:
            url = response.urljoin(listed.url)
            yield from self._listed(listed, url, source, response.url)

    # -- web archives ------------------------------------------------------------------
    def parse_cdx(self, response: Response) -> Iterable[Request]:
        paging: meta.CdxPaging = response.meta[meta.CDX]
        source = self.job.seeds.archives[paging.archive]
        if response.status != 200:
            self._problem(
                "archive_index_error",
                "archive index %s answered %d for %s; its captures are left out",
                source.name,
                response.status,
                paging.target,
            )
            return
        answer = parse_cdx(response.body, source.api)
        stats = self.crawler.stats
        if answer.unreadable and not answer.captures and answer.pages is None:
            self._problem(
                "archive_index_unreadable",
                "archive index %s: the answer for %s is not a CDX answer (%d lines unreadable)",
                source.name,
                paging.target,
                answer.unreadable,
            )
            return
        if answer.pages is not None and paging.page is None:  # pywb: read the pages
            pages = min(answer.pages, -(-source.max_captures // source.page_size))
            for page in range(pages):
                query = cdx_query(source, paging.target, self.window, page=page)
                yield self._cdx_request(
                    query, meta.CdxPaging(paging.archive, paging.target, 0, page)
                )
            return
        room = source.max_captures - paging.read
        captures = answer.captures[: max(room, 0)]
        if len(answer.captures) > len(captures) or (answer.resume_key and room <= len(captures)):
            stats.inc_value("archive/discovery/archive_index_capped")
            logger.info(
                "archive index %s: %s has more than %d captures; the rest is not read "
                "(seeds.archives.max_captures)",
                source.name,
                paging.target,
                source.max_captures,
            )
        stats.inc_value("archive/discovery/archive_index_captures", len(captures))
        for capture in captures:
            candidate = Candidate(capture.url, "archive-index", 1, parent=response.url)
            if source.replay:
                copy = meta.ArchiveCopy(
                    source.name,
                    capture.url,
                    capture.timestamp,
                    replay_url(source.replay, capture),
                    response.url,
                )
                if capture.url in self._gone:  # fetched already, and gone: the copy now
                    self._gone.discard(capture.url)
                    yield self._archived(candidate, copy)
                    continue
                self._copies.setdefault(capture.url, copy)
            yield from self._consider(candidate, "article")
        read = paging.read + len(captures)
        if answer.resume_key and read < source.max_captures:
            query = cdx_query(source, paging.target, self.window, resume_key=answer.resume_key)
            yield self._cdx_request(query, meta.CdxPaging(paging.archive, paging.target, read))

    def _archived(self, candidate: Candidate, copy: meta.ArchiveCopy) -> Request:
        """The live page is gone: ask the archive for its copy (raw replay)."""
        self.crawler.stats.inc_value("archive/discovery/archived_copies_requested")
        return ArchiveRequest(
            copy.replay,
            callback=self.parse_page,
            errback=self.failed,
            meta={
                meta.DEPTH: candidate.depth,
                meta.KIND: "archived",
                meta.CANDIDATE: candidate,
                meta.ARCHIVE_COPY: copy,
                "dont_redirect": True,
                "handle_httpstatus_list": [301, 302, 303, 307, 308],
                "archive_redirects": 0,
            },
            priority=self.focus.priority(self.focus.relevance(candidate)),
            dont_filter=True,
        )

    def _replay_redirect(self, response: Response) -> Iterator[Request]:
        """An archive's replay redirects (to the nearest capture): followed within the
        archive's host only, a few times."""
        copy: meta.ArchiveCopy = response.meta[meta.ARCHIVE_COPY]
        location = response.headers.get("Location")
        target = response.urljoin(location.decode("latin-1")) if location else ""
        hops = response.meta.get("archive_redirects", 0) + 1
        if urlsplit(target).hostname != urlsplit(copy.replay).hostname:
            self._problem(
                "archive_replay_elsewhere",
                "archive %s: the copy of %s redirects to %s, outside the archive; not followed",
                copy.archive,
                copy.original,
                target or "(no Location)",
            )
            return
        if hops > _REPLAY_REDIRECTS:
            self._problem(
                "archive_replay_redirects",
                "archive %s: the copy of %s redirects more than %d times; given up",
                copy.archive,
                copy.original,
                _REPLAY_REDIRECTS,
            )
            return
        yield ArchiveRequest(
            target,
            callback=self.parse_page,
            errback=self.failed,
            meta={**response.meta, "archive_redirects": hops},
            dont_filter=True,
        )

    # -- failures ----------------------------------------------------------------------
    def failed(self, failure: Failure) -> Iterator[Request]:
        """Downloads that produced no usable response: counted and logged. A page gone from
        its site (404, 410) that an archive index listed is asked of the archive."""
        request = getattr(failure, "request", None)
        response = getattr(failure.value, "response", None)
        if request is not None and response is not None and response.status in _GONE:
            candidate: Candidate | None = request.meta.get(meta.CANDIDATE)
            url = candidate.url if candidate else request.url
            copy = self._copies.pop(url, None)
            if copy is not None and request.meta.get(meta.KIND) != "archived":
                yield self._archived(candidate or Candidate(url, "link", 1), copy)
                return
            self._gone.add(url)
        kind = failure.type.__name__ if failure.type else "Unknown"
        stats = self.crawler.stats
        request_meta = request.meta if request is not None else {}
        if request_meta.get(meta.KIND) == "cdx":
            self._problem(
                "archive_index_unreachable",
                "archive index %s failed: %s; its captures are left out",
                request.url if request else "?",
                failure.value,
            )
            return
        if request_meta.get(meta.DEPTH) == 0 and kind != "IgnoreRequest":
            stats.inc_value("archive/seeds/failed")
            logger.warning("seed %s failed: %s", request.url if request else "?", failure.value)
            return
        asked: Candidate | None = request_meta.get(meta.CANDIDATE)
        if kind == "IgnoreRequest" and asked and "robots.txt" in str(failure.value):
            self._count(asked.url, asked.source, "skipped/robots")
        if kind in ("HttpError", "IgnoreRequest"):
            return  # archived 4xx/5xx pages, or requests refused by robots.txt or safety (counted)
        stats.inc_value(f"archive/failed/{kind}")
        logger.warning("failed %s: %s", request.url if request else "?", failure.value)
