"""What one run adds to its job: crawl id, spool, storage, progress, resume, incremental."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from crawler.archive.storage import S3Options
from crawler.archive.uploader import DEFAULT_UPLOAD_WAIT

__all__ = ["RunOptions"]


@dataclass(frozen=True)
class RunOptions:
    """What one run adds to the job: its id, where it spools and stores, how it logs."""

    crawl_id: str
    storage_url: str
    spool_dir: Path
    s3: S3Options = field(default_factory=S3Options)
    log_level: str = "INFO"
    upload_wait: float = DEFAULT_UPLOAD_WAIT
    progress_interval: float = 10.0
    status_file: Path | None = None
    """Rewritten with the crawl's counters at each progress tick (read by workers)."""
    resume: bool = False
    """Continue an earlier attempt of ``crawl_id`` from what the spool and storage hold."""
    previous_captures: Path | None = None
    """Incremental run: the job's earlier captures (:mod:`crawler.archive.captures` lines)."""
    speedups: bool = True
    """Extraction speed-ups (``CRAWLER_SPEEDUPS``)."""
    captures_out: Path | None = None
    """Where to list this run's captures, for the next incremental run."""

    @property
    def state_dir(self) -> Path:
        return self.spool_dir / self.crawl_id / ".state"
