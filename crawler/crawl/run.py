"""Run one crawl of a job in this process (Scrapy's reactor: once per process)."""

from __future__ import annotations

import logging
import shutil
import signal
from dataclasses import dataclass, field
from typing import Any

from crawler.archive.layout import FINISHED
from crawler.archive.manifest import FileEntry
from crawler.archive.spool import CrawlArchive
from crawler.crawl.coverage import coverage_report
from crawler.crawl.journal import ResumeState
from crawler.crawl.options import RunOptions
from crawler.crawl.settings import SPIDER, scrapy_settings
from crawler.crawl.status import Counters, CrawlStatus
from crawler.jobs.models import Job
from crawler.process import settle_garbage_collector

__all__ = ["CrawlResult", "SpoolError", "run_crawl"]

logger = logging.getLogger(__name__)


class SpoolError(OSError):
    """The crawl's spool folder cannot be written: nothing was fetched."""


@dataclass(frozen=True)
class CrawlResult:
    """How a crawl ended: its stats (Scrapy's and ``archive/*``) and the files it stored."""

    crawl_id: str
    storage_url: str
    stats: dict[str, Any]
    files: list[FileEntry] = field(default_factory=list)
    pending_uploads: int = 0
    """Files still in the spool (storage unreachable): the next run or ``crawler upload``."""

    @property
    def ok(self) -> bool:
        """Complete: not stopped early, the archive did not fail."""
        if "archive/error" in self.stats:
            return False
        return self.stats.get("finish_reason") in FINISHED

    def status(self) -> CrawlStatus:
        """The final status (what the worker that started the crawl reads)."""
        return CrawlStatus(
            counters=Counters.from_stats(self.stats, self.pending_uploads),
            files=[f.path for f in self.files],
            final=True,
            ok=self.ok,
            finish_reason=self.stats.get("finish_reason"),
            error=self.stats.get("archive/error", ""),
            pending_uploads=self.pending_uploads,
            coverage=coverage_report(self.stats),
        )


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


class _Opened:
    """Keeps the archive the capture opened (``archive_opened``), for the result."""

    archive: CrawlArchive | None = None

    def archive_opened(self, archive: CrawlArchive) -> None:
        self.archive = archive


def run_crawl(job: Job, run: RunOptions) -> CrawlResult:
    """Crawl ``job`` to completion; WARCs, indexes and manifest end in ``run.storage_url``.
    :class:`SpoolError` before anything is fetched when the spool cannot be written."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    try:
        run.state_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SpoolError(f"cannot use the spool {run.spool_dir}: {exc}") from exc

    from crawler.crawl.components.signals import archive_opened

    settings = Settings()
    settings.setmodule("settings.base", priority="project")
    settings.update(scrapy_settings(job, run), priority="cmdline")
    resume = _resume_state(run) if run.resume else None
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(SPIDER)
    opened = _Opened()  # held here: signal receivers are weak references
    crawler.signals.connect(opened.archive_opened, signal=archive_opened)
    process.crawl(crawler, job=job, resume=resume)
    _stop_on_signals(crawler)
    settle_garbage_collector()
    process.start(install_signal_handlers=False)
    assert crawler.stats is not None
    stats = dict(crawler.stats.get_stats())
    return CrawlResult(
        crawl_id=run.crawl_id,
        storage_url=opened.archive.storage.url if opened.archive else run.storage_url,
        stats=stats,
        files=list(opened.archive.files) if opened.archive else [],
        pending_uploads=stats.get("archive/upload/pending", 0),
    )
