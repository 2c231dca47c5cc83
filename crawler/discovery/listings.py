"""Find article URLs in feeds (RSS 2.0, RSS 1.0, Atom, JSON Feed) and sitemaps (no Scrapy here).

Parsing is lenient (ill-formed XML is recovered) and safe (no entities, no network, no huge
trees). Dates found next to a URL are kept: the articles stage uses them.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from typing import Any

from lxml import etree

__all__ = ["ListedSitemap", "ListedUrl", "Listing", "parse_feed", "parse_sitemap"]


@dataclass(frozen=True)
class ListedUrl:
    url: str
    published: str | None = None
    """Publication date as the listing writes it (``pubDate``, ``news:publication_date``)."""
    modified: str | None = None
    """Modification date as the listing writes it (``lastmod``, Atom ``updated``)."""
    title: str | None = None
    description: str | None = None
    """A feed item's summary, a news sitemap's keywords."""

    @property
    def date(self) -> str | None:
        """The date the listing gives: publication, else modification."""
        return self.published or self.modified


@dataclass(frozen=True)
class ListedSitemap:
    """A child sitemap of a sitemap index, with its ``lastmod``."""

    url: str
    modified: str | None = None


@dataclass(frozen=True)
class Listing:
    """What a feed or sitemap lists: pages, and (for sitemap indexes) more sitemaps."""

    urls: tuple[ListedUrl, ...] = ()
    sitemaps: tuple[ListedSitemap, ...] = ()


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        recover=True, resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True
    )


def _root(body: bytes) -> Any:
    body = body.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not body:
        return None
    try:
        return etree.fromstring(body, parser=_parser())
    except etree.XMLSyntaxError:
        return None


def _text(node: Any, *names: str) -> str | None:
    for name in names:
        found = node.xpath(f"./*[local-name()='{name}']")
        for element in found:
            text = (element.text or "").strip()
            if text:
                return text
    return None


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _atom_link(entry: Any) -> str | None:
    links = entry.xpath("./*[local-name()='link']")
    for link in links:
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return str(link.get("href")).strip()
    return None


def _json_feed(body: bytes) -> Listing:
    try:
        data = json.loads(body)
    except ValueError:
        return Listing()
    if not isinstance(data, dict):
        return Listing()
    urls = []
    for item in data.get("items", []) if isinstance(data.get("items"), list) else []:
        if isinstance(item, dict) and isinstance(item.get("url"), str):
            urls.append(
                ListedUrl(
                    item["url"],
                    published=_string(item.get("date_published")),
                    modified=_string(item.get("date_modified")),
                    title=_string(item.get("title")),
                    description=_string(item.get("summary")),
                )
            )
    return Listing(urls=tuple(urls))


def parse_feed(body: bytes) -> Listing:
    """Item links of an RSS, Atom or JSON feed, with their dates."""
    if body.lstrip()[:1] == b"{":
        return _json_feed(body)
    root = _root(body)
    if root is None:
        return Listing()
    urls: list[ListedUrl] = []
    for item in root.xpath("//*[local-name()='item']"):  # RSS 0.9x/2.0 and RSS 1.0 (RDF)
        link = _text(item, "link")
        if not link:
            guid = item.xpath("./*[local-name()='guid']")
            if guid and guid[0].get("isPermaLink", "true") == "true":
                link = (guid[0].text or "").strip() or None
        if link:
            urls.append(
                ListedUrl(
                    link,
                    published=_text(item, "pubDate", "date", "published"),
                    title=_text(item, "title"),
                    description=_text(item, "description"),
                )
            )
    for entry in root.xpath("//*[local-name()='entry']"):  # Atom
        link = _atom_link(entry)
        if link:
            urls.append(
                ListedUrl(
                    link,
                    published=_text(entry, "published", "issued"),
                    modified=_text(entry, "updated", "modified"),
                    title=_text(entry, "title"),
                    description=_text(entry, "summary"),
                )
            )
    return Listing(urls=tuple(urls))


def decompress_sitemap(body: bytes, max_size: int) -> bytes:
    """Gunzip a ``.xml.gz`` sitemap body, bounded by ``max_size`` (bombs are cut)."""
    if body[:2] != b"\x1f\x8b":
        return body
    stream = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        return stream.decompress(body, max_size)
    except zlib.error:
        return b""


def parse_sitemap(body: bytes) -> Listing:
    """URLs of a sitemap (with lastmod / news:publication_date) or sitemaps of an index.

    Plain-text sitemaps (one URL per line) are accepted too.
    """
    root = _root(body)
    if root is None:
        lines = body.decode("utf-8", "replace").lstrip("\ufeff").splitlines()
        text_urls = [ln.strip() for ln in lines if ln.strip().startswith(("http://", "https://"))]
        return Listing(urls=tuple(ListedUrl(u) for u in text_urls))
    if etree.QName(root).localname == "sitemapindex":
        # some indexes put the URL straight in <sitemap>, without <loc>
        children = [
            ListedSitemap(_text(s, "loc") or (s.text or "").strip(), _text(s, "lastmod"))
            for s in root.xpath("./*[local-name()='sitemap']")
        ]
        return Listing(sitemaps=tuple(child for child in children if child.url))
    urls = []
    for entry in root.xpath("./*[local-name()='url']"):
        loc = _text(entry, "loc")
        if not loc:
            continue
        news = entry.xpath("./*[local-name()='news']")
        urls.append(
            ListedUrl(
                loc,
                published=_text(news[0], "publication_date") if news else None,
                modified=_text(entry, "lastmod"),
                title=_text(news[0], "title") if news else None,
                description=_text(news[0], "keywords") if news else None,
            )
        )
    if not urls and root.xpath("//*[local-name()='item' or local-name()='entry']"):
        return parse_feed(body)  # some sites list a feed as a sitemap
    return Listing(urls=tuple(urls))
