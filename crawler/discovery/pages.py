"""What an HTML page is for discovery: a listing (home, section, tag, search results, a page
of pagination) or not; where its next page is; what dates its items carry (no Scrapy here).

One set of rules for the crawl (which follows listings and does not extract them as
articles) and ``crawler reextract`` (which must find the same articles in the WARCs).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from lxml import etree
from lxml import html as lxml_html
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding

from crawler.discovery.dates import parse_day, url_span
from crawler.discovery.links import Link, base_url, page_links

__all__ = [
    "ListingPage",
    "PageReading",
    "declares_article",
    "is_pagination_url",
    "listing_reason",
    "read_listing",
    "read_page",
]

_PAGE_PARAMS = ("page", "pg", "paged", "pagenum")  # not "p": WordPress's post id
_PAGE_PATH = re.compile(r"/(?:page|p|pages)/(\d{1,5})/?$")
_LISTING_PATH = re.compile(
    r"/(?:tag|tags|topic|topics|theme|themes|sujet|sujets|rubrique|rubriques|categorie|"
    r"category|categories|section|sections|dossier|dossiers|mot-cle|mots-cles|archives?|"
    r"search|recherche|liste)(?:/|$)",
    re.IGNORECASE,
)
_ARTICLE_TYPES = frozenset(
    ["article", "newsarticle", "reportagenewsarticle", "blogposting", "analysisnewsarticle"]
)
_NEXT_WORDS = frozenset(
    ["next", "suivant", "suivante", "page suivante", "plus ancien", "older", "»", "›", ">"]
)
_HEADLINE_WORDS = 4
_HEADLINES_FOR_LISTING = 8
_HEADLINE_SHARE = 0.33


@dataclass(frozen=True)
class ListingPage:
    """What a listing page says: its next page, its items' dates, the newest of them."""

    next_url: str | None
    newest: date | None
    """Newest day among the items' ``<time datetime>`` and URL dates; None if none is dated."""
    dates: dict[str, date]
    """Item URL -> the day the listing gives it (a ``<time>`` in the same list item)."""


def _page_number(url: str) -> int | None:
    """The page number a URL carries (``/page/N/``, ``?page=N``), or None."""
    parts = urlsplit(url)
    found = _PAGE_PATH.search(parts.path)
    if found:
        return int(found.group(1))
    for key, value in parse_qsl(parts.query):
        if key in _PAGE_PARAMS and value.isdigit():
            return int(value)
    return None


def is_pagination_url(url: str) -> bool:
    """``?page=N``, ``/page/N/`` with N > 1: the second and later pages of a listing."""
    return (_page_number(url) or 0) > 1


_OG_ARTICLE = re.compile(
    rb"""<meta\b[^>]*?(?:property\s*=\s*["']og:type["'][^>]*?content\s*=\s*["']"""
    rb"""(?:article|newsarticle)["']|content\s*=\s*["'](?:article|newsarticle)["'][^>]*?"""
    rb"""property\s*=\s*["']og:type["'])""",
    re.IGNORECASE,
)
_LD_ARTICLE = re.compile(
    rb'"@type"\s*:\s*"(?:NewsArticle|ReportageNewsArticle|AnalysisNewsArticle|BlogPosting)"',
    re.IGNORECASE,
)
_HEAD_BYTES = 256 * 1024


def declares_article(body: bytes) -> bool:
    """Whether the page says it is an article (``og:type`` article, a JSON-LD news article
    or blog post), read from its bytes without parsing them."""
    head = body[:_HEAD_BYTES]
    return bool(_OG_ARTICLE.search(head) or _LD_ARTICLE.search(head))


def listing_reason(
    url: str,
    body: bytes,
    links: Callable[[], list[Link]],
    text_chars: Callable[[], int],
    seeds: frozenset[str],
) -> str | None:
    """Why the page at ``url`` is a listing, or None when it is not one (``links`` gives its
    links, asked for only when the rules need them):

    - a start page or listing of the job (``seeds``), or a page of pagination;
    - a home page, or a tag, section, search or archive URL (``/tag/``, ``/rubrique/``...),
      unless the page declares itself an article;
    - a page at a section-like URL (:func:`_section_like`) that does not declare itself an
      article, links to 8 or more pages of its site with headline-like text (4 words or
      more), and whose headlines make a third of its text or more (an article's related
      links do not: at most a quarter on 1,400 real pages of trafilatura's and htmldate's
      evaluation sets; listings: half and more).
    """
    if url in seeds:
        return "a start page or listing of the job"
    if is_pagination_url(url):
        return "a page of a listing's pagination"
    if declares_article(body):
        return None
    parts = urlsplit(url)
    if parts.path in ("", "/") and all(k in _PAGE_PARAMS for k, _ in parse_qsl(parts.query)):
        return "a home page"
    path = parts.path
    if _LISTING_PATH.search(path):
        return "a tag, section or search URL"
    if not _section_like(url):
        return None
    host = urlsplit(url).hostname
    headlines = {
        link.url: link.text
        for link in links()
        if len(link.text.split()) >= _HEADLINE_WORDS and urlsplit(link.url).hostname == host
    }
    if len(headlines) < _HEADLINES_FOR_LISTING:
        return None
    share = sum(len(text) for text in headlines.values()) / max(text_chars(), 1)
    if share < _HEADLINE_SHARE:
        return None
    return f"{len(headlines)} headline links, {share:.0%} of its text"


_DIGITS = re.compile(r"\d{4,}")


def _section_like(url: str) -> bool:
    """A URL that may be a section's (``/international/``, ``/monde``): no long number or
    date in its path, a last segment of three words at most with no file extension, no query
    but a page number. Article URLs carry ids, dates or long slugs: a page at one of them is
    never taken for a listing by its links alone (real articles with many related links
    were, 4 of scrapinghub-aeb's 145)."""
    parts = urlsplit(url)
    if _DIGITS.search(parts.path):
        return False
    if any(key not in _PAGE_PARAMS for key, _ in parse_qsl(parts.query)):
        return False
    last = parts.path.rstrip("/").rsplit("/", 1)[-1]
    return "." not in last and len(re.split(r"[-_]+", last)) <= 3


def _next_by_number(url: str) -> str | None:
    """The URL of the next page by the page number in ``url`` (``/page/2/`` -> ``/page/3/``,
    ``?page=2`` -> ``?page=3``); None when it has none."""
    parts = urlsplit(url)
    found = _PAGE_PATH.search(parts.path)
    if found:
        path = (
            parts.path[: found.start(1)] + str(int(found.group(1)) + 1) + parts.path[found.end(1) :]
        )
        return urlunsplit(parts._replace(path=path, fragment=""))
    query = parse_qsl(parts.query, keep_blank_values=True)
    for i, (key, value) in enumerate(query):
        if key in _PAGE_PARAMS and value.isdigit():
            query[i] = (key, str(int(value) + 1))
            return urlunsplit(parts._replace(query=urlencode(query), fragment=""))
    return None


def _next_link(root: Any, base: str, links: list[Link]) -> str | None:
    for element in root.iter("link", "a"):
        if "next" in (element.get("rel") or "").lower().split() and element.get("href"):
            return str(urljoin(base, element.get("href").strip())).split("#", 1)[0]
    for element in root.iter("a"):
        label = (element.get("aria-label") or "").strip().lower()
        if label in _NEXT_WORDS and element.get("href"):
            return str(urljoin(base, element.get("href").strip())).split("#", 1)[0]
    for link in links:
        if link.text.strip().lower() in _NEXT_WORDS:
            return link.url
    return None


def _next_pagination(page_url: str, links: list[Link]) -> str | None:
    """A link to the page after this one, by number (page 2 on a first page, N+1 on page N)."""
    wanted = _next_by_number(page_url)
    for link in links:
        if wanted is not None and link.url == wanted:
            return link.url
        if wanted is None and _page_number(link.url) == 2:
            return link.url
    return None


def read_listing(root: Any, page_url: str, links: list[Link]) -> ListingPage:
    """The next page of a listing (``rel=next``, a "next"/"suivant" link, or a link to the
    following page number) and the newest date among the items it lists."""
    base = base_url(root, page_url)
    next_url = _next_link(root, base, links) or _next_pagination(page_url, links)
    if next_url == page_url:
        next_url = None
    dates = _item_dates(root, base)
    days = list(dates.values())
    for link in links:
        span = url_span(link.url)
        if span is not None and span.first == span.last:
            days.append(span.last)
    return ListingPage(next_url, max(days) if days else None, dates)


def _item_dates(root: Any, base: str) -> dict[str, date]:
    """Each ``<time>`` dates the links of its list item: the nearest enclosing element (up to
    three levels) that holds exactly one ``<time>`` and at least one link."""
    dates: dict[str, date] = {}
    for element in root.iter("time"):
        day = parse_day(element.get("datetime") or element.text)
        if day is None:
            continue
        container = element.getparent()
        for _level in range(3):
            if container is None:
                break
            anchors = [a for a in container.iter("a") if a.get("href")]
            if anchors and sum(1 for _ in container.iter("time")) == 1:
                for anchor in anchors:
                    url = str(urljoin(base, anchor.get("href").strip())).split("#", 1)[0]
                    dates.setdefault(url, day)
                break
            container = container.getparent()
    return dates


@dataclass(frozen=True)
class PageReading:
    """What the crawl reads in an HTML page, without keeping its tree."""

    links: list[Link]
    """Its links (empty when they were not asked for and the rules did not need them)."""
    listing: str | None
    """Why it is a listing (None: it is not one)."""
    page: ListingPage | None
    """For a listing: its next page and items' dates."""


def read_page(
    url: str, body: bytes, content_type: str | None, seeds: frozenset[str], want_links: bool
) -> PageReading:
    """Classify a page and read what discovery needs of it. The page is parsed only when the
    answer needs it (its links are wanted, or only its links tell whether it is a listing),
    from its bytes in the encoding its header or ``<meta>`` declares (never a decoded copy
    of the whole page), and its tree is dropped on return."""
    encoding = http_content_type_encoding(content_type) or html_body_declared_encoding(body)
    tree: list[Any] = []

    def root() -> Any:
        if not tree:
            parser = lxml_html.HTMLParser(encoding=encoding) if encoding else None
            try:
                tree.append(lxml_html.fromstring(body, parser=parser))
            except (ValueError, etree.ParserError):
                tree.append(lxml_html.fromstring("<html></html>"))
        return tree[0]

    found: list[list[Link]] = []

    def links() -> list[Link]:
        if not found:
            found.append(page_links(root(), url))
        return found[0]

    def text_chars() -> int:
        """Characters of the page's visible text (scripts and styles left out)."""
        hidden = {"script", "style", "noscript", "template"}
        chunks = (
            element.text or ""
            for element in root().iter()
            if isinstance(element.tag, str) and element.tag not in hidden
        )
        tails = (element.tail or "" for element in root().iter() if isinstance(element.tag, str))
        return len(" ".join(" ".join(chunks).split())) + len(" ".join(" ".join(tails).split()))

    reason = listing_reason(url, body, links, text_chars, seeds)
    if reason is not None:
        return PageReading(links(), reason, read_listing(root(), url, links()))
    return PageReading(links() if want_links else [], None, None)
