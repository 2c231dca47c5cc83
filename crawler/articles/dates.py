"""Publication and modification dates, with where each came from.

The publication date is htmldate's (via trafilatura: original date, extensive search), so
its accuracy is htmldate's; when the page gives none, the date the feed or sitemap listed is
used. The *source* is then found by looking where that date is written: JSON-LD, a meta tag,
a ``<time>`` element, the listing, the URL, or else the text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Any, Literal

__all__ = [
    "DateMarks",
    "DateSource",
    "date_marks",
    "json_ld_objects",
    "modified_date",
    "normalise_date",
    "publication_source",
]

DateSource = Literal["json-ld", "meta", "time-element", "feed", "sitemap", "url", "text"]

_META_DATE_KEYS = re.compile(r"date|time|publi|created|issued", re.IGNORECASE)
_MODIFIED_META = (
    "article:modified_time",
    "og:updated_time",
    "dateModified",
    "last-modified",
    "modified",
)


def normalise_date(value: str | None) -> str | None:
    """``YYYY-MM-DD`` from ISO 8601, RFC 822 (RSS) or a bare date; None when unreadable."""
    if not value:
        return None
    value = value.strip()
    match = re.match(r"(\d{4})-(\d{2})-(\d{2})", value)
    if match:
        return match.group(0)
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.date().isoformat()


def json_ld_objects(tree: Any) -> list[dict[str, Any]]:
    """Every JSON-LD object of the page (``@graph`` members included), parsed once."""
    found: list[dict[str, Any]] = []
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                found.append(item)
                stack.extend(v for k, v in item.items() if k == "@graph")
    return found


@dataclass(frozen=True)
class DateMarks:
    """Where a page writes dates, read from its parsed tree before extraction: trafilatura
    prunes the tree it is lent (:func:`crawler.articles._speedups.lend_tree`)."""

    json_ld: list[dict[str, Any]]
    meta: list[tuple[str, str]]
    """``(name, content)`` of each ``<meta content>``; the name is its ``property``,
    ``name`` or ``itemprop``, or ``""``."""
    time_elements: list[str]
    """The ``datetime`` of each ``<time datetime>``."""


def date_marks(tree: Any) -> DateMarks:
    """The page's JSON-LD objects, ``<meta>`` values and ``<time>`` dates, in document order."""
    meta = [
        (m.get("property") or m.get("name") or m.get("itemprop") or "", m.get("content"))
        for m in tree.xpath("//meta[@content]")
    ]
    times = [t.get("datetime") for t in tree.xpath("//time[@datetime]")]  # the whole document
    return DateMarks(json_ld_objects(tree), meta, times)


def publication_source(
    date: str,
    marks: DateMarks,
    url: str,
    listed_date: str | None,
    listed_kind: str | None,
) -> DateSource:
    """Where ``date`` (``YYYY-MM-DD``) is written; the first match in a fixed order."""
    for obj in marks.json_ld:
        for key in ("datePublished", "dateCreated", "uploadDate"):
            value = obj.get(key)
            if isinstance(value, str) and normalise_date(value) == date:
                return "json-ld"
    if any(normalise_date(v) == date for name, v in marks.meta if _META_DATE_KEYS.search(name)):
        return "meta"
    if any(normalise_date(v) == date for v in marks.time_elements):
        return "time-element"
    if listed_date and normalise_date(listed_date) == date:
        return "sitemap" if listed_kind == "sitemap" else "feed"
    y, m, d = date.split("-")
    if re.search(rf"{y}[/\-_]?{m}[/\-_]?{d}", url) or re.search(rf"/{y}/{m}/", url):
        return "url"
    return "text"


def modified_date(marks: DateMarks) -> str | None:
    """The modification date a page declares (JSON-LD ``dateModified`` or meta), if any."""
    for obj in marks.json_ld:
        value = obj.get("dateModified")
        if isinstance(value, str) and (date := normalise_date(value)):
            return date
    for value in (v for name, v in marks.meta if name in _MODIFIED_META):
        if date := normalise_date(value):
            return date
    return None
