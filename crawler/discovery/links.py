"""The links of an HTML page, as the crawl follows them: resolved against ``<base href>``,
without fragments, each with its anchor text (no Scrapy here).

The spider reads them from the tree Scrapy already parsed; ``crawler reextract`` from the
page bytes in the WARC. One function, so both see the same links.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from lxml import etree
from lxml import html as lxml_html

__all__ = ["Link", "base_url", "page_links", "parse_links"]

_SPACES = " \t\n\r\f\v\u00a0"


@dataclass(frozen=True)
class Link:
    url: str
    """Absolute URL, fragment removed."""
    text: str
    """Anchor text, whitespace collapsed (the ``title`` attribute when the text is empty)."""


def base_url(root: Any, page_url: str) -> str:
    """The URL relative links resolve against: the first ``<base href>``, else the page's."""
    for base in root.iter("base"):
        href = (base.get("href") or "").strip(_SPACES)
        if href:
            return str(urljoin(page_url, href))
    return page_url


def _text(anchor: Any) -> str:
    text = " ".join("".join(anchor.itertext()).split())
    return text or " ".join((anchor.get("title") or "").split())


def page_links(root: Any, page_url: str) -> list[Link]:
    """Links of the ``<a href>`` elements under ``root`` (an lxml tree), in page order, each
    URL once (with the text of its first anchor)."""
    base = base_url(root, page_url)
    seen: dict[str, Link] = {}
    for anchor in root.iter("a"):
        href = anchor.get("href")
        if href is None:
            continue
        url = urljoin(base, href.strip(_SPACES)).split("#", 1)[0]
        if url and url not in seen:
            seen[url] = Link(url, _text(anchor))
    return list(seen.values())


def parse_links(body: bytes, page_url: str) -> list[Link]:
    """:func:`page_links` of an HTML body (``[]`` when it does not parse)."""
    try:
        root = lxml_html.fromstring(body)
    except (ValueError, etree.ParserError):
        return []
    return page_links(root, page_url)
