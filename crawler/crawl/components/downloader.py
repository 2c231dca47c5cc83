"""Scrapy's downloader, with per-domain concurrency actually enforced, and a quick stop.

Scrapy 2.19 (asyncio reactor) starts each download as a task that runs later, and counts a
request as "transferring" only once that task runs: ``_process_queue`` therefore sees free
slots for every queued request and starts them all at once. Measured against a local site
with ``CONCURRENT_REQUESTS_PER_DOMAIN = 1`` and no delay: 8-12 requests in flight. A polite
archive must not do that, so the request is counted when it is taken off the queue.
``tests/test_politeness.py`` fails if Scrapy's behaviour changes under us.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

from scrapy import Request
from scrapy.core.downloader import Downloader, Slot
from scrapy.exceptions import IgnoreRequest

__all__ = ["PoliteDownloader"]


class PoliteDownloader(Downloader):
    def _wait_for_download(
        self, slot: Slot, request: Request, queue_dfd: Any
    ) -> Coroutine[Any, Any, None]:
        slot.transferring.add(request)  # now, not when the task starts (see module docstring)
        return super()._wait_for_download(slot, request, queue_dfd)

    def drop_queued(self) -> int:
        """Fail the requests still waiting in the download slots (a stopping crawl would
        otherwise fetch them all before closing: up to ``CONCURRENT_REQUESTS`` pages at the
        job's delay). Returns how many were dropped."""
        dropped = 0
        for slot in self.slots.values():
            while slot.queue:
                request, waiting = slot.queue.popleft()
                waiting.errback(IgnoreRequest(f"crawl stopping: {request.url} not fetched"))
                dropped += 1
        return dropped
