"""Pages for archivists: jobs (view, versions and their differences, create and edit with
the problems shown at their line, validate without storing), schedules (in words, the next
five fire times, enable and disable, what each fire became), runs (live counters and log,
cancel, resume, the coverage report, the files with their SHA-256)."""

from __future__ import annotations

import difflib
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import select

from crawler.service import jobs as job_store
from crawler.service import runs as run_store
from crawler.service import schedules as schedule_store
from crawler.service.errors import ServiceError
from crawler.service.params import RowId
from crawler.service.tables import (
    ACTIVE_RUN_STATES,
    FINAL_RUN_STATES,
    CrawlRow,
    Run,
    RunEvent,
    Schedule,
    ScheduleFire,
)
from crawler.service.ui.forms import read_form
from crawler.service.ui.render import page
from crawler.service.ui.session import SignedIn, UiCaller, UiSession, check_csrf

__all__ = ["router"]

router = APIRouter(prefix="/ui", include_in_schema=False)

_EVENTS_SHOWN = 500
"""Latest events a run page shows; its script follows the newer ones."""
_COUNTERS = ("pages", "records", "articles", "on_topic", "bytes", "errors")
_COVERAGE_COLUMNS = ("seen", "fetched", "listings", "articles", "on_topic", "coverage")
_NEW_JOB = """name: my-job
description: What this job archives
seeds:
  start_pages:
    - https://www.example.fr/
storage: file://./archive
"""


def _writer(user: SignedIn, sent: str | None) -> None:
    """A form that changes something: an archivist's, from this site."""
    check_csrf(user, sent)
    if not user.can("archivist"):
        raise HTTPException(403, f"{user.caller.name} ({user.caller.role}) may only read")


# --- jobs ----------------------------------------------------------------------------------
@router.get("/jobs")
def jobs(request: Request, user: UiCaller, session: UiSession) -> Response:
    listed = [(job, job_store.job_version(session, job)) for job in job_store.list_jobs(session)]
    return page(request, "jobs.html", title="Jobs", section="jobs", user=user, jobs=listed)


def _job_form(
    request: Request,
    user: SignedIn,
    title: str,
    action: str,
    source: str,
    problems: list[dict[str, Any]] | None = None,
    valid: Any = None,
    status_code: int = 200,
) -> Response:
    problems = problems or []
    return page(
        request,
        "job_form.html",
        status_code=status_code,
        title=title,
        section="jobs",
        user=user,
        action=action,
        source=source,
        problems=problems,
        problem_lines={p["line"] for p in problems if p["line"]},
        lines=source.splitlines() if problems else [],
        valid=valid,
    )


def _problems(exc: ServiceError) -> list[dict[str, Any]]:
    listed = [{"field": f, "line": ln, "message": m} for f, ln, m in exc.problems]
    return listed or [{"field": "", "line": None, "message": exc.message}]


@router.get("/jobs/new")
def new_job(request: Request, user: UiCaller) -> Response:
    return _job_form(request, user, "New job", "/ui/jobs/new", _NEW_JOB)


@router.post("/jobs/new")
async def create_job(request: Request, user: UiCaller, session: UiSession) -> Response:
    form = await read_form(request)
    _writer(user, form.get("csrf"))
    return _save(request, user, session, form, None)


@router.get("/jobs/{name}/edit")
def edit_job(request: Request, name: str, user: UiCaller, session: UiSession) -> Response:
    job = job_store.get_job(session, name)
    source = job_store.job_version(session, job).source
    return _job_form(request, user, f"Edit {name}", f"/ui/jobs/{name}/edit", source)


@router.post("/jobs/{name}/edit")
async def update_job(request: Request, name: str, user: UiCaller, session: UiSession) -> Response:
    form = await read_form(request)
    _writer(user, form.get("csrf"))
    return _save(request, user, session, form, name)


def _save(
    request: Request, user: SignedIn, session: Any, form: dict[str, str], name: str | None
) -> Response:
    source = form.get("source", "").replace("\r\n", "\n")
    title, action = (
        (f"Edit {name}", f"/ui/jobs/{name}/edit") if name else ("New job", "/ui/jobs/new")
    )
    roots = request.app.state.storage_roots
    try:
        if form.get("do") == "validate":
            model = job_store.validate_text(source, roots, "the job file")
            return _job_form(request, user, title, action, source, valid=model)
        if name is None:
            job = job_store.create_job(session, source, user.caller.name, roots)
        else:
            job = job_store.update_job(session, name, source, user.caller.name, roots)
    except ServiceError as exc:
        return _job_form(
            request, user, title, action, source, _problems(exc), status_code=exc.status
        )
    return RedirectResponse(f"/ui/jobs/{job.name}?saved=1", status_code=303)


@router.get("/jobs/{name}")
def job(
    request: Request,
    name: str,
    user: UiCaller,
    session: UiSession,
    version: Annotated[int | None, Query(ge=1)] = None,
    diff: Annotated[int | None, Query(ge=1)] = None,
    saved: int = 0,
) -> Response:
    found = job_store.get_job(session, name)
    shown = job_store.job_version(session, found, version)
    changes, earlier = None, None
    if diff is not None:
        earlier = job_store.job_version(session, found, diff)
        changes = list(
            difflib.unified_diff(
                earlier.source.splitlines(),
                shown.source.splitlines(),
                f"version {earlier.version}",
                f"version {shown.version}",
                lineterm="",
            )
        )
    runs = list(
        session.scalars(select(Run).where(Run.job_id == found.id).order_by(Run.id.desc()).limit(20))
    )
    return page(
        request,
        "job.html",
        title=f"Job {name}",
        section="jobs",
        user=user,
        job=found,
        version=shown,
        versions=sorted(found.versions, key=lambda v: v.version, reverse=True),
        diff=changes,
        diff_from=earlier.version if earlier else None,
        runs=runs,
        message="Saved." if saved else "",
    )


@router.post("/jobs/{name}/run")
async def start_run(request: Request, name: str, user: UiCaller, session: UiSession) -> Response:
    _writer(user, (await read_form(request)).get("csrf"))
    found = job_store.get_job(session, name)
    busy = run_store.active_run(session, found.id)
    if busy is not None:
        return RedirectResponse(f"/ui/runs/{busy.id}", status_code=303)
    run = run_store.queue_run(session, found, "manual", user.caller.name)
    session.flush()
    return RedirectResponse(f"/ui/runs/{run.id}", status_code=303)


# --- schedules -----------------------------------------------------------------------------
def _in_words(cron: str) -> str:
    from cron_descriptor import get_description

    try:
        return str(get_description(cron))
    except Exception:
        return cron


def _next(schedule: Schedule) -> list[datetime]:
    if not schedule.enabled:
        return []
    return schedule_store.next_fire_times(schedule, datetime.now(UTC))


@router.get("/schedules")
def schedules(request: Request, user: UiCaller, session: UiSession) -> Response:
    rows = session.scalars(select(Schedule).order_by(Schedule.id))
    listed = [{"schedule": s, "words": _in_words(s.cron), "next": _next(s)} for s in rows]
    names = [j.name for j in job_store.list_jobs(session)]
    return page(
        request,
        "schedules.html",
        title="Schedules",
        section="schedules",
        user=user,
        schedules=listed,
        job_names=names,
    )


@router.post("/schedules")
async def create_schedule(request: Request, user: UiCaller, session: UiSession) -> Response:
    form = await read_form(request)
    _writer(user, form.get("csrf"))
    schedule = schedule_store.create_schedule(
        session,
        form.get("job", ""),
        form.get("cron", ""),
        form.get("timezone", "UTC"),
        True,
        user.caller.name,
    )
    session.flush()
    return RedirectResponse(f"/ui/schedules/{schedule.id}", status_code=303)


@router.post("/schedules/{schedule_id}/{action}")
async def toggle_schedule(
    request: Request, schedule_id: RowId, action: str, user: UiCaller, session: UiSession
) -> Response:
    _writer(user, (await read_form(request)).get("csrf"))
    if action not in ("enable", "disable"):
        raise HTTPException(404, f"no action {action!r}")
    schedule_store.update_schedule(
        session, schedule_id, user.caller.name, enabled=action == "enable"
    )
    return RedirectResponse("/ui/schedules", status_code=303)


@router.get("/schedules/{schedule_id}")
def schedule(request: Request, schedule_id: RowId, user: UiCaller, session: UiSession) -> Response:
    found = schedule_store.get_schedule(session, schedule_id)
    fires = session.scalars(
        select(ScheduleFire)
        .where(ScheduleFire.schedule_id == schedule_id)
        .order_by(ScheduleFire.fire_time.desc())
        .limit(100)
    )
    return page(
        request,
        "schedule.html",
        title=f"Schedule of {found.job.name}",
        section="schedules",
        user=user,
        schedule=found,
        words=_in_words(found.cron),
        next=_next(found),
        fires=list(fires),
    )


# --- runs ----------------------------------------------------------------------------------
@router.get("/runs")
def runs(
    request: Request, user: UiCaller, session: UiSession, status: str | None = None
) -> Response:
    query = select(Run).order_by(Run.id.desc()).limit(100)
    if status:
        query = query.where(Run.status == status)
    return page(
        request,
        "runs.html",
        title="Runs",
        section="runs",
        user=user,
        runs=list(session.scalars(query)),
        states=(*ACTIVE_RUN_STATES, *FINAL_RUN_STATES),
        status=status or "",
    )


@router.get("/runs/{run_id}")
def run(request: Request, run_id: RowId, user: UiCaller, session: UiSession) -> Response:
    found = run_store.get_run(session, run_id)
    crawl = session.get(CrawlRow, found.crawl_id)
    latest = (
        select(RunEvent)
        .where(RunEvent.run_id == run_id)
        .order_by(RunEvent.id.desc())
        .limit(_EVENTS_SHOWN)
    )
    events = list(reversed(session.scalars(latest).all()))  # a long run's log is not all read
    coverage = found.coverage or {}
    months = sorted((coverage.get("months") or {}).items())
    return page(
        request,
        "run.html",
        title=f"Run #{run_id}",
        section="runs",
        user=user,
        run=found,
        counter_names=_COUNTERS,
        coverage=coverage,
        coverage_columns=_COVERAGE_COLUMNS,
        months=months,
        files=(crawl.manifest.get("files", []) if crawl else []),
        events=events,
    )


@router.get("/runs/{run_id}/state.json")
def run_state(run_id: RowId, user: UiCaller, session: UiSession) -> JSONResponse:
    found = run_store.get_run(session, run_id)
    return JSONResponse({"status": found.status, "counters": found.counters})


@router.get("/runs/{run_id}/logs.json")
def run_logs(
    run_id: RowId, user: UiCaller, session: UiSession, after: Annotated[int, Query(ge=0)] = 0
) -> JSONResponse:
    events = session.scalars(
        select(RunEvent)
        .where(RunEvent.run_id == run_id, RunEvent.id > after)
        .order_by(RunEvent.id)
        .limit(500)
    )
    return JSONResponse(
        [
            {"id": e.id, "at": e.at.strftime("%Y-%m-%d %H:%M:%S UTC"), "message": e.message}
            for e in events
        ]
    )


@router.post("/runs/{run_id}/{action}")
async def act_on_run(
    request: Request, run_id: RowId, action: str, user: UiCaller, session: UiSession
) -> Response:
    _writer(user, (await read_form(request)).get("csrf"))
    if action == "cancel":
        run_store.request_cancel(session, run_id, user.caller.name)
    elif action == "resume":
        run_store.resume_run(session, run_id, user.caller.name)
    else:
        raise HTTPException(404, f"no action {action!r}")
    return RedirectResponse(f"/ui/runs/{run_id}", status_code=303)
