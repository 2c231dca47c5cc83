"""Scrapy's stats collector, every figure the same, without its cost on each access.

Scrapy 2.19's ``StatsCollector`` (scrapy/scrapy#7011) runs a Python ``__getattribute__`` on
every attribute it is asked for, its own ``_stats`` included, to warn when a caller still
passes the deprecated ``spider`` argument: ~5.3 µs an ``inc_value()`` instead of ~0.25. A
crawl counts a few dozen figures a page (Scrapy's downloader stats, the archive's own), and
these calls were ~5% of the crawl process's main thread (py-spy, 2,000 pages). Scrapy made
that check cheaper later (scrapy/scrapy#7842); until the version this project pins has it,
:class:`ArchiveStats` reads its attributes as any object does. Nothing in this project passes
``spider`` to the stats; the argument is still accepted and ignored, as in Scrapy, but
without Scrapy's deprecation warning.
"""

from __future__ import annotations

from scrapy.statscollectors import MemoryStatsCollector

__all__ = ["ArchiveStats"]


class ArchiveStats(MemoryStatsCollector):
    """:class:`scrapy.statscollectors.MemoryStatsCollector` with plain attribute access."""

    __getattribute__ = object.__getattribute__
