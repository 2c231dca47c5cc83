"""Job (validated) + run options -> Scrapy settings. Configuration flows one way:
environment / job file -> validated models -> these settings (on top of ``settings.base``)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from crawler.crawl.options import RunOptions
from crawler.jobs.models import Job

__all__ = ["SPIDER", "scrapy_settings"]

_SILENCE_MARGIN = 5.0
"""Seconds past ``limits.download_timeout`` before a silent download is given up: the body
of one still arriving is cut at the limit itself, and kept."""

SPIDER = "news"
"""The spider every crawl runs, by name (found in ``SPIDER_MODULES``: ``spiders/news.py``)."""


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
        "ARCHIVE_EXTRACT_SPEEDUPS": run.speedups,
        "ARCHIVE_EXTRACT_COMMENTS": job.extraction.comments,
        # the request queue on disk: memory stays flat however many URLs a sitemap lists
        # (a resumed crawl does not reuse it: see crawler.crawl.run._resume_state)
        "JOBDIR": str(run.state_dir / "frontier"),
        # a body still arriving at download_timeout is cut and marked (WARC-Truncated: time)
        # by ResponseLimits; a server silent that long is given up a little later, once
        # (timeouts are not retried: settings.base.RETRY_EXCEPTIONS)
        "DOWNLOAD_TIMEOUT": job.limits.download_timeout + _SILENCE_MARGIN,
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
