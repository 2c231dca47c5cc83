"""Dates known before a page is fetched: in its URL, in a sitemap or feed entry, in a child
sitemap's name (no Scrapy here).

A date may be a day or a span (a monthly sitemap covers a month): :class:`DateSpan` holds
first and last day, and whether it dates the publication (a URL path, ``pubDate``,
``news:publication_date``) or only bounds it from above (``lastmod``: a page last modified on
a day was published on or before it).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime

__all__ = ["DateSpan", "listed_span", "parse_day", "url_span"]

_YEARS = r"(?P<y>(?:19|20)\d\d)"
_MONTH = r"(?P<m>0?[1-9]|1[0-2])"
_DAY = r"(?P<d>0?[1-9]|[12]\d|3[01])"
# /2024/11/05/, /2024-11-05/, _20241105, -2024-11.xml, /2024/11/ (a month), 2024_11
_FULL = re.compile(
    rf"(?<!\d){_YEARS}[/\-_.]?(?P<m>0[1-9]|1[0-2])[/\-_.]?(?P<d>0[1-9]|[12]\d|3[01])(?!\d)"
)
_SEPARATED = re.compile(rf"(?<![\d])/{_YEARS}/{_MONTH}/{_DAY}(?=/|$|[.\-_])")
_MONTHLY = re.compile(rf"(?<!\d){_YEARS}[/\-_](?P<m>0[1-9]|1[0-2])(?![\d])")


@dataclass(frozen=True)
class DateSpan:
    """Days a page or a sitemap may be dated within."""

    first: date
    last: date
    exact: bool = True
    """The publication lies in ``first..last``; False: only on or before ``last``
    (a modification date)."""

    def outside(self, start: date | None, end: date | None) -> bool:
        """Whether the whole span is outside the window ``start..end`` (open ends: None)."""
        if start is not None and self.last < start:
            return True
        return self.exact and end is not None and self.first > end


def _day(year: str, month: str, day: str) -> date | None:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def url_span(url: str) -> DateSpan | None:
    """The publication day or month a URL's path gives (``/2024/11/05/``, ``-2024-11.xml``),
    or None. Only the path is read: query strings carry too many other numbers."""
    path = url.split("?", 1)[0].split("#", 1)[0]
    path = path.split("://", 1)[-1]
    path = path[path.find("/") :] if "/" in path else ""
    for pattern in (_SEPARATED, _FULL):
        found = pattern.search(path)
        if found:
            day = _day(found["y"], found["m"], found["d"])
            if day is not None and 1995 <= day.year <= 2100:
                return DateSpan(day, day)
    monthly = _MONTHLY.search(path)
    if monthly:
        year, month = int(monthly["y"]), int(monthly["m"])
        last = calendar.monthrange(year, month)[1]
        return DateSpan(date(year, month, 1), date(year, month, last))
    return None


_ISO_DAY = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})")


def parse_day(text: str | None) -> date | None:
    """The day of a sitemap or feed date: ISO 8601 (``2024-11-05``, ``2024-11-05T10:00:00Z``)
    or RFC 822 (``Tue, 05 Nov 2024 10:00:00 +0100``); None when it is neither."""
    if not text:
        return None
    iso = _ISO_DAY.match(text)
    if iso:
        return _day(iso[1], iso[2], iso[3])
    from email.utils import parsedate_to_datetime

    try:
        parsed: datetime = parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError):
        return None
    return parsed.date()


def listed_span(published: str | None, modified: str | None, url: str) -> DateSpan | None:
    """What a listing entry says of a page's date: its publication date, else the date in
    its URL, else its modification date (an upper bound)."""
    day = parse_day(published)
    if day is not None:
        return DateSpan(day, day)
    span = url_span(url)
    if span is not None:
        return span
    modified_day = parse_day(modified)
    if modified_day is not None:
        return DateSpan(date.min, modified_day, exact=False)
    return None
