"""Scrapy's ``CloseSpider`` (the job's page and duration limits), closing promptly.

When a limit is reached Scrapy waits, before closing, for every request already handed to
the downloader, including those waiting their turn in a download slot: with a politeness
delay of two minutes, ``duration: 5s`` went on for ten minutes. Here those waiting requests
are dropped first (as a clean stop on SIGTERM drops them); downloads in progress finish.
It relies on ``CloseSpider._close_spider`` (Scrapy 2.19, pinned below 2.20).
"""

from __future__ import annotations

import logging

from scrapy.extensions.closespider import CloseSpider

__all__ = ["PromptCloseSpider"]

logger = logging.getLogger(__name__)


class PromptCloseSpider(CloseSpider):
    """``EXTENSIONS`` entry in place of Scrapy's ``CloseSpider``."""

    def _close_spider(self, reason: str) -> None:
        engine = self.crawler.engine
        drop = getattr(engine.downloader, "drop_queued", None) if engine else None
        if drop is not None:
            dropped = drop()
            if dropped:
                logger.info("%s: %d requests waiting for their turn dropped", reason, dropped)
        super()._close_spider(reason)
