"""``/runs``: queue, list, follow, cancel and resume runs of jobs."""

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select

from crawler.service import jobs, runs
from crawler.service.deps import Reader, SessionDep, Writer
from crawler.service.errors import ConflictError
from crawler.service.params import Moment, Offset, RowId, moment
from crawler.service.schemas import EventOut, RunIn, RunOut
from crawler.service.tables import Job, Run, RunEvent, RunState, RunTrigger

__all__ = ["router"]

router = APIRouter(tags=["runs"])


@router.post("/runs", status_code=201)
def trigger_run(body: RunIn, current: SessionDep, token: Writer) -> RunOut:
    """Queue a run of the job's current version now (409 if one is active)."""
    job = jobs.get_job(current, body.job)
    busy = runs.active_run(current, job.id)
    if busy is not None:
        raise ConflictError(f"run {busy.id} of job {job.name!r} is {busy.status}")
    return RunOut.of(runs.queue_run(current, job, "manual", token.name))


@router.get("/runs")
def list_runs(
    current: SessionDep,
    _token: Reader,
    job: str | None = None,
    status: RunState | None = None,
    trigger: RunTrigger | None = None,
    since: Moment = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    offset: Offset = 0,
) -> list[RunOut]:
    """Runs, newest first, filtered by job, status, trigger, creation time."""
    query = select(Run).join(Job).order_by(Run.id.desc()).limit(limit).offset(offset)
    if job is not None:
        query = query.where(Job.name == job)
    if status is not None:
        query = query.where(Run.status == status)
    if trigger is not None:
        query = query.where(Run.trigger == trigger)
    if since is not None:
        query = query.where(Run.created_at >= moment(since, "since"))
    return [RunOut.of(run) for run in current.scalars(query)]


@router.get("/runs/{run_id}")
def show_run(run_id: RowId, current: SessionDep, _token: Reader) -> RunOut:
    return RunOut.of(runs.get_run(current, run_id))


@router.post("/runs/{run_id}/cancel", status_code=202)
def cancel_run(run_id: RowId, current: SessionDep, token: Writer) -> RunOut:
    """Stop a run cleanly: its worker closes and stores the WARCs written so far."""
    return RunOut.of(runs.request_cancel(current, run_id, token.name))


@router.post("/runs/{run_id}/resume", status_code=202)
def resume_run(run_id: RowId, current: SessionDep, token: Writer) -> RunOut:
    """Queue an interrupted, failed or cancelled run again; it continues its crawl."""
    return RunOut.of(runs.resume_run(current, run_id, token.name))


@router.get("/runs/{run_id}/logs")
def run_logs(
    run_id: RowId,
    current: SessionDep,
    _token: Reader,
    after: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> list[EventOut]:
    """State changes and log lines, oldest first; ``after`` an event id to follow."""
    runs.get_run(current, run_id)
    query = (
        select(RunEvent)
        .where(RunEvent.run_id == run_id, RunEvent.id > after)
        .order_by(RunEvent.id)
        .limit(limit)
    )
    return [EventOut.of(event) for event in current.scalars(query)]
