"""Runs: queue, claim (once, by one worker), heartbeat, finish, cancel, resume, reap.

State machine::

    queued -> running -> succeeded | failed
    queued -> cancelled                       (cancelled before a worker took it)
    running -> cancelling -> cancelled        (clean stop: WARCs closed and stored)
    running | cancelling -> interrupted       (its worker stopped heart-beating)
    interrupted | failed | cancelled -> queued (resume: same crawl id, archive kept)

Claiming is a single conditional UPDATE on a row picked with ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL (SQLite serialises writers): two workers never get the same run.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from crawler.archive.layout import new_crawl_id
from crawler.jobs.models import DEFAULT_STORAGE
from crawler.service.audit import record
from crawler.service.db import Database
from crawler.service.errors import ConflictError, NotFoundError
from crawler.service.tables import ACTIVE_RUN_STATES, Job, Run, RunEvent, utcnow

__all__ = [
    "active_run",
    "add_event",
    "claim_next",
    "finish_run",
    "get_run",
    "heartbeat",
    "queue_run",
    "reap_stale",
    "request_cancel",
    "resume_run",
]

RESUMABLE = ("interrupted", "failed", "cancelled")


def add_event(session: Session, run_id: int, kind: str, message: str) -> None:
    session.add(RunEvent(run_id=run_id, kind=kind, message=message))


def get_run(session: Session, run_id: int) -> Run:
    run = session.get(Run, run_id)
    if run is None:
        raise NotFoundError(f"no run {run_id}")
    return run


def active_run(session: Session, job_id: int) -> Run | None:
    return session.scalar(
        select(Run).where(Run.job_id == job_id, Run.status.in_(ACTIVE_RUN_STATES)).limit(1)
    )


def queue_run(session: Session, job: Job, trigger: str, actor: str) -> Run:
    """A queued run of the job's current version."""
    from crawler.service.jobs import job_version

    version = job_version(session, job)
    run = Run(
        crawl_id=new_crawl_id(job.name),
        job_id=job.id,
        job_version_id=version.id,
        trigger=trigger,
        requested_by=actor,
        status="queued",
        storage_url=str(version.config.get("storage") or DEFAULT_STORAGE),
        counters={},
        files={},
    )
    session.add(run)
    session.flush()
    add_event(
        session, run.id, "status", f"queued by {actor} ({trigger}), job version {version.version}"
    )
    record(session, actor, "run.create", f"run:{run.id}", {"job": job.name, "trigger": trigger})
    return run


def claim_next(database: Database, worker: str, now: datetime | None = None) -> Run | None:
    """Take the oldest queued run for ``worker``: status running, attempt + 1."""
    now = now or utcnow()
    with database.transaction() as session:
        candidate = (
            select(Run.id)
            .where(Run.status == "queued")
            .order_by(Run.id)
            .limit(1)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        claimed = session.scalar(
            update(Run)
            .where(Run.id == candidate, Run.status == "queued")
            .values(
                status="running",
                worker=worker,
                started_at=now,
                heartbeat_at=now,
                attempt=Run.attempt + 1,
                cancel_requested=False,
                error="",
            )
            .returning(Run.id)
        )
        if claimed is None:
            return None
        add_event(session, claimed, "status", f"started by worker {worker}")
    with database.session() as session:
        return get_run(session, claimed)


def heartbeat(
    database: Database,
    run_id: int,
    worker: str,
    counters: dict[str, Any],
    files: list[str] | None = None,
    now: datetime | None = None,
    coverage: dict[str, Any] | None = None,
) -> bool:
    """Record that ``worker`` still runs ``run_id``, with live counters and the files written
    so far. Returns whether the run should stop: a cancel was requested, or the run is no
    longer this worker's (it was declared interrupted meanwhile)."""
    with database.transaction() as session:
        run = get_run(session, run_id)
        if run.worker != worker or run.status not in ("running", "cancelling"):
            return True
        run.heartbeat_at = now or utcnow()
        if counters:
            run.counters = counters
        if files:
            run.files = {"stored": files, "pending_uploads": counters.get("uploads_waiting", 0)}
        if coverage:
            run.coverage = coverage
        return run.cancel_requested


def finish_run(
    database: Database,
    run_id: int,
    worker: str,
    status: str,
    counters: dict[str, Any],
    files: dict[str, Any],
    error: str = "",
    coverage: dict[str, Any] | None = None,
) -> None:
    with database.transaction() as session:
        run = get_run(session, run_id)
        if run.worker != worker or run.status not in ("running", "cancelling"):
            add_event(
                session,
                run_id,
                "status",
                f"worker {worker} finished late ({status}); kept {run.status}",
            )
            return
        if run.cancel_requested and status == "succeeded":
            status = "cancelled"
        run.status = status
        run.finished_at = utcnow()
        run.counters = counters or run.counters
        run.files = files or run.files
        run.coverage = coverage or run.coverage
        run.error = error
        add_event(session, run_id, "status", f"{status}{f': {error}' if error else ''}")


def request_cancel(session: Session, run_id: int, actor: str) -> Run:
    run = get_run(session, run_id)
    if run.status == "queued":
        run.status = "cancelled"
        run.finished_at = utcnow()
    elif run.status == "running":
        run.status = "cancelling"
        run.cancel_requested = True
    elif run.status != "cancelling":
        raise ConflictError(f"run {run_id} is {run.status}: nothing to cancel")
    add_event(session, run_id, "status", f"cancel requested by {actor}")
    record(session, actor, "run.cancel", f"run:{run_id}", {})
    return run


def resume_run(session: Session, run_id: int, actor: str) -> Run:
    """Queue an interrupted, failed or cancelled run again: same crawl id, its archive so far
    kept; the next attempt fetches what the earlier ones did not."""
    run = get_run(session, run_id)
    if run.status not in RESUMABLE:
        raise ConflictError(
            f"run {run_id} is {run.status}: only {', '.join(RESUMABLE)} runs resume"
        )
    busy = active_run(session, run.job_id)
    if busy is not None:
        raise ConflictError(f"run {busy.id} of the same job is {busy.status}")
    run.status = "queued"
    run.finished_at = None
    run.cancel_requested = False
    add_event(session, run_id, "status", f"resume requested by {actor}")
    record(session, actor, "run.resume", f"run:{run_id}", {})
    return run


def reap_stale(database: Database, lease: float, now: datetime | None = None) -> list[int]:
    """Mark interrupted every running run whose worker has not heart-beaten for ``lease``
    seconds. Returns their ids."""
    now = now or utcnow()
    cutoff = now - timedelta(seconds=lease)
    with database.transaction() as session:
        stale = list(
            session.scalars(
                update(Run)
                .where(Run.status.in_(("running", "cancelling")), Run.heartbeat_at < cutoff)
                .values(status="interrupted", finished_at=now)
                .returning(Run.id)
            )
        )
        for run_id in stale:
            add_event(
                session,
                run_id,
                "status",
                f"interrupted: no heartbeat from its worker for {lease:g}s (resume it to continue)",
            )
    return stale
