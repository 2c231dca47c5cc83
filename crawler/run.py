"""Run one crawl of a job in this process (Scrapy's reactor: once per process)."""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass, field
from typing import Any

from crawler.archive import FINISHED
from crawler.components.capture import capture_of
from crawler.journal import ResumeState
from crawler.manifest import FileEntry
from crawler.models import Job
from settings.job_settings import RunOptions, scrapy_settings

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
    """What earlier attempts finished. Their request queue is reused only if the last one
    stopped cleanly (Scrapy's disk queue is not crash-safe); otherwise the seeds are read
    again and the journal says which pages not to fetch again."""
    if not (run.state_dir / "clean-stop").is_file():
        if (run.state_dir / "frontier").exists():
            logger.warning(
                "crawl %s: the earlier attempt did not stop cleanly; its request queue is "
                "dropped and discovery starts again from the seeds",
                run.crawl_id,
            )
        shutil.rmtree(run.state_dir / "frontier", ignore_errors=True)
    state = ResumeState.load(run.state_dir / "journal.jsonl")
    logger.info("crawl %s: resuming; %d pages done earlier", run.crawl_id, len(state.done))
    return state


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
    process.start()
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
