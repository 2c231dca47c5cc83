"""The crawl's status file: what a crawl process tells the worker that started it.

A crawl started with ``--status-file`` rewrites the file at each progress tick (live
counters, files stored so far) and once more at its end (``final``, outcome). The worker
reads it at each heartbeat. The file is replaced atomically: a reader never sees half of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, ValidationError

__all__ = ["Counters", "CrawlStatus"]


def _sum(stats: Mapping[str, Any], prefix: str) -> int:
    return sum(v for k, v in stats.items() if k.startswith(prefix))


class Counters(BaseModel):
    """The figures a run shows live (``GET /runs/{id}``, ``crawler runs show``)."""

    model_config = ConfigDict(frozen=True)

    pages: int = 0
    """Responses received (Scrapy's ``response_received_count``)."""
    records: int = 0
    """WARC records written (requests, responses, revisits, metadata)."""
    articles: int = 0
    """Articles stored."""
    on_topic: int = 0
    """Articles on the job's topic."""
    bytes: int = 0
    """Compressed bytes of WARC records written."""
    errors: int = 0
    """Failed downloads, plus 1 when the archive itself failed."""
    blocked: int = 0
    """Requests refused by the address policy."""
    truncated: int = 0
    """Responses cut by a size or time limit (marked ``WARC-Truncated``)."""
    skipped_done: int = 0
    """Pages a resumed crawl did not fetch again (an earlier attempt had)."""
    uploads_waiting: int = 0
    """Files written but not yet stored."""

    @classmethod
    def from_stats(cls, stats: Mapping[str, Any], uploads_waiting: int = 0) -> Self:
        return cls(
            pages=stats.get("response_received_count", 0),
            records=stats.get("archive/warc/records", 0),
            articles=stats.get("archive/articles/stored", 0),
            on_topic=stats.get("archive/articles/on_topic", 0),
            bytes=stats.get("archive/warc/record_bytes", 0),
            errors=_sum(stats, "archive/failed/") + ("archive/error" in stats),
            blocked=_sum(stats, "archive/blocked/"),
            truncated=_sum(stats, "archive/truncated/"),
            skipped_done=stats.get("archive/resume/skipped_done", 0),
            uploads_waiting=uploads_waiting,
        )


class CrawlStatus(BaseModel):
    """The crawl <-> worker contract (one JSON object in the status file)."""

    counters: Counters = Counters()
    files: list[str] = []
    """Files of the crawl listed so far (paths relative to its folder)."""
    final: bool = False
    """The crawl ended and wrote its last status (what follows is its outcome)."""
    ok: bool = False
    """Complete: finished, every file stored."""
    finish_reason: str | None = None
    """Scrapy's finish reason (``finished``, ``closespider_pagecount``, ``shutdown``...)."""
    error: str = ""
    """Why the archive failed, when it did."""
    pending_uploads: int = 0
    """Files still in the spool at the end (stored by the next run or ``crawler upload``)."""
    coverage: dict[str, Any] = {}
    """The coverage report so far (:func:`crawler.crawl.coverage.coverage_report`)."""

    def write(self, path: Path) -> None:
        """Replace ``path`` atomically (readers never see half a file)."""
        partial = path.with_name(path.name + ".partial")
        partial.write_text(self.model_dump_json(), encoding="utf-8")
        partial.replace(path)

    @classmethod
    def read(cls, path: Path) -> CrawlStatus | None:
        """The status in ``path``; None when there is none yet (a crawl that has not reached
        its first progress tick, or was killed before it)."""
        try:
            return cls.model_validate_json(path.read_bytes())
        except (OSError, ValidationError):
            return None
