"""Job (validated) -> Scrapy settings. Configuration flows one way: env/job -> models -> here."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from crawler.models import Job
from crawler.storage import S3Options

__all__ = ["JOBS_DIR", "RunOptions", "scrapy_settings"]

JOBS_DIR = Path(__file__).parent / "jobs"


@dataclass(frozen=True)
class RunOptions:
    """What one run adds to the job: its id, where it spools and stores, how it logs."""

    crawl_id: str
    storage_url: str
    spool_dir: Path
    s3: S3Options = field(default_factory=S3Options)
    log_level: str = "INFO"
    upload_wait: float = 120.0
    progress_interval: float = 10.0
    status_file: Path | None = None
    """Rewritten with the crawl's counters at each progress tick (read by workers)."""
    resume: bool = False
    """Continue an earlier attempt of ``crawl_id`` from what the spool and storage hold."""
    previous_captures: Path | None = None
    """Incremental run: the job's earlier captures (:mod:`crawler.captures` lines)."""
    captures_out: Path | None = None
    """Where to list this run's captures, for the next incremental run."""

    @property
    def state_dir(self) -> Path:
        return self.spool_dir / self.crawl_id / ".state"


def scrapy_settings(job: Job, run: RunOptions) -> dict[str, Any]:
    """Scrapy settings for one crawl of ``job`` (on top of ``settings.base``)."""
    return {
        "ARCHIVE_CRAWL_ID": run.crawl_id,
        "ARCHIVE_JOB": {
            "name": job.name,
            "config_hash": job.config_hash,
            "user_agent": job.identity.user_agent,
            "config": job.model_dump(mode="json"),
        },
        "ARCHIVE_STORAGE_URL": run.storage_url,
        "ARCHIVE_S3": asdict(run.s3),
        "ARCHIVE_SPOOL_DIR": str(run.spool_dir),
        "ARCHIVE_WARC_PREFIX": job.warc_prefix,
        "ARCHIVE_WARC_MAX_SIZE": job.warc.max_size,
        "ARCHIVE_UPLOAD_WAIT": run.upload_wait,
        "ARCHIVE_MAX_RESPONSE_BYTES": job.limits.response_bytes,
        "ARCHIVE_MAX_DOWNLOAD_TIME": job.limits.download_timeout,
        "ARCHIVE_ALLOW_PRIVATE": job.safety.allow_private_addresses,
        "ARCHIVE_ALLOWED_NETWORKS": list(job.safety.allowed_networks),
        "ARCHIVE_PROGRESS_INTERVAL": run.progress_interval,
        "ARCHIVE_STATUS_FILE": str(run.status_file or ""),
        "ARCHIVE_JOURNAL": str(run.state_dir / "journal.jsonl"),
        "ARCHIVE_RESUME": run.resume,
        "ARCHIVE_PREVIOUS_CAPTURES": str(run.previous_captures or ""),
        "ARCHIVE_CAPTURES_OUT": str(run.captures_out or ""),
        # the request queue on disk: memory stays flat however many URLs a sitemap lists,
        # and a cleanly stopped crawl continues where it stopped
        "JOBDIR": str(run.state_dir / "frontier"),
        # a stalled download ends here; one still arriving is cut (and marked) at the limit
        "DOWNLOAD_TIMEOUT": job.limits.download_timeout + 15,
        "CLOSESPIDER_PAGECOUNT": job.limits.pages,
        "CLOSESPIDER_TIMEOUT": job.limits.duration,
        "DOWNLOAD_DELAY": job.politeness.delay,
        "CONCURRENT_REQUESTS_PER_DOMAIN": job.politeness.concurrency_per_domain,
        "CONCURRENT_REQUESTS": max(16, job.politeness.concurrency_per_domain),
        "ROBOTSTXT_OBEY": job.politeness.obey_robots,
        "ROBOTSTXT_USER_AGENT": job.identity.archive,
        "USER_AGENT": job.identity.user_agent,
        "LOG_LEVEL": run.log_level,
    }
