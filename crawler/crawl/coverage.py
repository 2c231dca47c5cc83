"""The coverage report of a crawl: per outlet and per discovery source, what was seen, skipped
(and why), fetched, extracted and found on topic; coverage articles by month.

The crawl counts as it goes into Scrapy's stats (``archive/coverage/...``), so the figures
travel with every other statistic (the manifest, the status file); :func:`coverage_report`
reads them back into one document (``coverage.json``, ``summary.json``, ``GET /runs/{id}``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

__all__ = ["OTHER_HOSTS", "SOURCES", "coverage_key", "coverage_report", "month_key", "outlet"]

_PREFIX = "archive/coverage/"
SOURCES = ("seed", "sitemap", "archive-sitemap", "feed", "listing", "link", "archive-index")
"""Where a candidate came from: a job seed; a sitemap (or a news sitemap); a child sitemap of
a sitemap index (monthly archives...); a feed; a listing page (section, tag, pagination); a
link on another page; a web archive's capture index."""
OTHER_HOSTS = "(out of scope)"
"""The outlet name under which out-of-scope candidates are counted (one line, not one per
foreign host)."""


def outlet(url: str) -> str:
    """The outlet of a URL: its host, without ``www.``."""
    return (urlsplit(url).hostname or "?").removeprefix("www.")


def coverage_key(host: str, source: str, event: str) -> str:
    """``archive/coverage/<host>|<source>|<event>``; events: ``seen``, ``skipped/<why>``,
    ``fetched``, ``listings``, ``articles``, ``on_topic``, ``coverage``."""
    return f"{_PREFIX}{host}|{source}|{event}"


def month_key(month: str) -> str:
    """``archive/coverage_months/<YYYY-MM>``: coverage articles published that month."""
    return f"archive/coverage_months/{month}"


def coverage_report(stats: Mapping[str, Any]) -> dict[str, Any]:
    """The report: ``outlets`` (host -> source -> counts), ``totals`` (source -> counts),
    ``months`` (YYYY-MM -> coverage articles), and the discovery problems met."""
    outlets: dict[str, dict[str, dict[str, int]]] = {}
    totals: dict[str, dict[str, int]] = {}
    for key, value in stats.items():
        if not key.startswith(_PREFIX) or not isinstance(value, int):
            continue
        host, source, event = key[len(_PREFIX) :].split("|", 2)
        per_source = outlets.setdefault(host, {}).setdefault(source, {})
        per_source[event] = per_source.get(event, 0) + value
        total = totals.setdefault(source, {})
        total[event] = total.get(event, 0) + value
    months = {
        key.rsplit("/", 1)[1]: value
        for key, value in sorted(stats.items())
        if key.startswith("archive/coverage_months/")
    }
    problems = {
        key.removeprefix("archive/discovery/problems/"): value
        for key, value in sorted(stats.items())
        if key.startswith("archive/discovery/problems/")
    }
    return {
        "outlets": {host: outlets[host] for host in sorted(outlets)},
        "totals": {source: totals[source] for source in sorted(totals)},
        "months": months,
        "problems": problems,
    }
