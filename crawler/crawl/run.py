"""Run one crawl of a job in this process (Scrapy's reactor: once per process)."""

from __future__ import annotations

import logging
import shutil
import signal
from dataclasses import dataclass, field
from typing import Any

from crawler.archive.layout import FINISHED
from crawler.archive.manifest import FileEntry
from crawler.crawl.components.capture import capture_of
from crawler.crawl.journal import ResumeState
from crawler.crawl.options import RunOptions
from crawler.crawl.settings import scrapy_settings
from crawler.jobs.models import Job

__all__ = ["CrawlResult", "run_crawl"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CrawlResult:
    crawl_id: str
    storage_url: str
    stats: dict[str, Any]
    files: list[FileEntry] = field(default_factory=list)
    pending_uploads: int = 0

    @property
    def ok(self) -> bool:
        if "archive/error" in self.stats:
            return False
        return self.stats.get("finish_reason") in FINISHED


def _resume_state(run: RunOptions) -> ResumeState:
    """What earlier attempts finished. Their request queue is not reused: requests taken
    off it but not fetched when they stopped would be lost (Scrapy's queue is not
    crash-safe either). The seeds are read again instead, and the journal says which pages
    not to fetch again and which links those pages led to."""
    shutil.rmtree(run.state_dir / "frontier", ignore_errors=True)
    state = ResumeState.load(run.state_dir / "journal.jsonl")
    logger.info("crawl %s: resuming; %d pages done earlier", run.crawl_id, len(state.done))
    return state


def _stop_on_signals(crawler: Any) -> None:
    """SIGTERM or SIGINT: a clean stop. Requests waiting for their turn are dropped (a
    resume fetches them), downloads in progress finish, WARCs are closed and stored.
    A second signal stops at once."""
    from scrapy.utils.defer import deferred_from_coro
    from twisted.internet import reactor as twisted_reactor

    from crawler.crawl.components.signals import crawl_stopping

    reactor: Any = twisted_reactor

    def stop() -> None:
        dropped = crawler.engine.downloader.drop_queued() if crawler.engine else 0
        logger.warning("stopping cleanly (%d queued requests dropped)", dropped)
        crawler.signals.send_catch_log(crawl_stopping)  # cut what is still arriving
        deferred_from_coro(crawler.stop())

    def first(signum: int, _frame: object) -> None:
        logger.warning("%s received", signal.strsignal(signum))
        signal.signal(signal.SIGTERM, again)
        signal.signal(signal.SIGINT, again)
        reactor.callFromThread(stop)

    def again(signum: int, _frame: object) -> None:
        logger.error(
            "%s received again: stopping now, without closing the archive", signal.strsignal(signum)
        )
        reactor.callFromThread(reactor.stop)

    signal.signal(signal.SIGTERM, first)
    signal.signal(signal.SIGINT, first)


def run_crawl(job: Job, run: RunOptions) -> CrawlResult:
    """Crawl ``job`` to completion; WARCs, indexes and manifest end in ``run.storage_url``."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    from spiders.news import NewsSpider

    settings = Settings()
    settings.setmodule("settings.base", priority="project")
    settings.update(scrapy_settings(job, run), priority="cmdline")
    resume = _resume_state(run) if run.resume else None
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(NewsSpider)
    process.crawl(crawler, job=job, resume=resume)
    _stop_on_signals(crawler)
    process.start(install_signal_handlers=False)
    stats: Any = crawler.stats
    capture = capture_of(crawler)
    files = list(capture.archive.files) if capture and capture.archive else []
    return CrawlResult(
        crawl_id=run.crawl_id,
        storage_url=capture.archive.storage.url if capture and capture.archive else run.storage_url,
        stats=dict(stats.get_stats()),
        files=files,
        pending_uploads=capture.pending_uploads if capture else 0,
    )
