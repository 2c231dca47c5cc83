"""Each job's latest capture per URL, kept between runs for incremental (``only_new``) jobs.

Workers export them to a file before an incremental run (``crawl --previous-captures``) and
import what every run captured afterwards (``crawl --captures-out``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from itertools import islice
from pathlib import Path

from sqlalchemy import delete, select

from crawler.archive.captures import Capture, load_captures
from crawler.service.db import Database
from crawler.service.tables import JobCapture

__all__ = ["export_captures", "import_captures"]

_BATCH = 500


def _sha(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


def export_captures(database: Database, job_id: int, path: Path) -> int:
    """Write the job's captures to ``path`` (JSON lines); returns how many."""
    count = 0
    with database.session() as session, path.open("w", encoding="utf-8") as out:
        query = select(JobCapture).where(JobCapture.job_id == job_id).order_by(JobCapture.id)
        for row in session.scalars(query.execution_options(yield_per=_BATCH)):
            capture = Capture(
                row.url, row.record_id, row.date, row.digest, row.etag, row.last_modified
            )
            out.write(json.dumps(asdict(capture), ensure_ascii=False) + "\n")
            count += 1
    return count


def import_captures(database: Database, job_id: int, crawl_id: str, path: Path) -> int:
    """Record a run's captures as the job's latest (replacing earlier ones of the same
    URLs); returns how many."""
    if not path.is_file():
        return 0
    captures = iter(load_captures(path).values())
    total = 0
    while batch := list(islice(captures, _BATCH)):
        hashes = [_sha(c.url) for c in batch]
        with database.transaction() as session:
            session.execute(
                delete(JobCapture).where(
                    JobCapture.job_id == job_id, JobCapture.url_sha256.in_(hashes)
                )
            )
            session.add_all(
                JobCapture(
                    job_id=job_id,
                    url_sha256=sha,
                    url=c.url,
                    record_id=c.record_id,
                    date=c.date,
                    digest=c.digest,
                    etag=c.etag,
                    last_modified=c.last_modified,
                    crawl_id=crawl_id,
                )
                for sha, c in zip(hashes, batch, strict=True)
            )
        total += len(batch)
    return total
