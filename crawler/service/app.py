"""The HTTP API (FastAPI): jobs, schedules, runs and tokens. OpenAPI at ``/docs``.

Every route but ``/health`` needs ``Authorization: Bearer <token>``; reads need any role,
writes ``archivist`` (tokens: ``admin``). Bad input gets a 4xx whose body names each field
at fault: ``{"detail": "...", "problems": [{"field", "line", "message"}]}``.
"""

import logging
from datetime import datetime
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crawler import __version__
from crawler.service import jobs, runs, schedules
from crawler.service.auth import create_token, revoke_token
from crawler.service.auth_deps import Admin, Reader, SessionDep, Writer
from crawler.service.db import Database
from crawler.service.errors import ConflictError, ServiceError
from crawler.service.metrics import API_REQUESTS, DatabaseCollector
from crawler.service.research.routes import router as research_router
from crawler.service.research.snapshots import storage_for
from crawler.service.schemas import (
    ErrorOut,
    EventOut,
    FireOut,
    JobOut,
    RunIn,
    RunOut,
    ScheduleIn,
    ScheduleOut,
    SchedulePatch,
    TokenIn,
    TokenOut,
    ValidationOut,
)
from crawler.service.tables import ApiToken, Job, Run, RunEvent, Schedule, ScheduleFire, utcnow

__all__ = ["create_app"]

logger = logging.getLogger(__name__)

_JOB_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/yaml": {"schema": {"type": "string"}},
            "application/json": {"schema": {"type": "object"}},
        },
        "description": "A job file, YAML or JSON (the format of settings/jobs/*.yaml).",
    }
}
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (400, 401, 403, 404, 409, 413, 422)
}


class _BodyLimit:
    """Refuses request bodies over ``limit`` bytes with 413, declared or streamed."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise _TooLargeError
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLargeError:
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        response = JSONResponse(
            {"detail": f"request body over {self.limit} bytes", "problems": []}, status_code=413
        )
        await response({"type": "http"}, _no_receive, send)


class _TooLargeError(Exception):
    pass


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


def _problems_of(exc: RequestValidationError) -> list[dict[str, Any]]:
    problems = []
    for error in exc.errors():
        loc = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path")]
        message = "unknown field" if error.get("type") == "extra_forbidden" else error["msg"]
        problems.append({"field": ".".join(loc), "line": None, "message": message})
    return problems


def create_app(
    database: Database, max_body: int = 1_000_000, storage_url: str | None = None
) -> FastAPI:
    app = FastAPI(
        title="news-archive-crawler",
        version=__version__,
        description="Jobs, schedules and runs of the archival news crawler.",
        responses=_ERRORS,
    )
    app.state.database = database
    app.add_middleware(_BodyLimit, limit=max_body)

    @app.exception_handler(ServiceError)
    async def service_error(_request: Request, exc: ServiceError) -> JSONResponse:
        problems = [{"field": f, "line": ln, "message": m} for f, ln, m in exc.problems]
        return JSONResponse({"detail": exc.message, "problems": problems}, exc.status)

    @app.exception_handler(IntegrityError)
    async def concurrent_change(_request: Request, _exc: IntegrityError) -> JSONResponse:
        detail = "conflicts with a change made at the same time (a taken name?); try again"
        return JSONResponse({"detail": detail, "problems": []}, 409)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": "invalid request", "problems": _problems_of(exc)}, 422)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("%s %s failed", request.method, request.url.path)
        return JSONResponse(
            {"detail": "internal error (logged on the server)", "problems": []}, 500
        )

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, exc: HTTPException) -> JSONResponse:
        return JSONResponse(
            {"detail": exc.detail, "problems": []}, exc.status_code, headers=exc.headers
        )

    async def job_text(request: Request) -> str:
        body = await request.body()
        if not body.strip():
            raise ServiceError("empty body: send a job file (YAML or JSON)")
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            raise ServiceError("the body is not UTF-8 text") from None

    @app.get("/health", tags=["service"])
    def health() -> dict[str, str]:
        """Liveness: the API process answers."""
        return {"status": "ok", "version": __version__}

    metrics_registry = CollectorRegistry()
    metrics_registry.register(DatabaseCollector(database))

    @app.middleware("http")
    async def count_requests(request: Request, call_next: Any) -> Any:
        response = await call_next(request)
        API_REQUESTS.labels(request.method, str(response.status_code)).inc()
        return response

    @app.get("/metrics", tags=["service"], response_class=PlainTextResponse)
    def metrics() -> PlainTextResponse:
        """Prometheus metrics: requests, runs by state, what the running runs have done."""
        body = generate_latest(REGISTRY) + generate_latest(metrics_registry)
        return PlainTextResponse(body, media_type=CONTENT_TYPE_LATEST)

    @app.get("/ready", tags=["service"])
    def ready() -> JSONResponse:
        """Readiness: the database answers, and the storage (``CRAWLER_STORAGE_URL``) too."""
        problems = {}
        try:
            database.check()
        except Exception as exc:
            problems["database"] = str(exc)
        if storage_url:
            try:
                storage_for(storage_url).ping()
            except Exception as exc:
                problems["storage"] = str(exc)
        status = {"database": "ok", "storage": "ok" if storage_url else "not configured"}
        status.update(problems)
        return JSONResponse({"ready": not problems, **status}, 503 if problems else 200)

    # --- jobs --------------------------------------------------------------------------
    @app.post("/jobs", status_code=201, tags=["jobs"], openapi_extra=_JOB_BODY)
    async def create_job(request: Request, current: SessionDep, token: Writer) -> JobOut:
        """Create a job from a YAML or JSON job file."""
        job = jobs.create_job(current, await job_text(request), token.name)
        return JobOut.of(job, jobs.job_version(current, job))

    @app.post("/jobs/validate", tags=["jobs"], openapi_extra=_JOB_BODY)
    async def validate_job(request: Request, _token: Reader) -> ValidationOut:
        """Validate a job file without storing it (422 with every problem if invalid)."""
        model = jobs.validate_text(await job_text(request))
        return ValidationOut(valid=True, name=model.name, config_hash=model.config_hash)

    @app.get("/jobs", tags=["jobs"])
    def list_jobs(current: SessionDep, _token: Reader) -> list[JobOut]:
        return [JobOut.of(job, jobs.job_version(current, job)) for job in jobs.list_jobs(current)]

    @app.get("/jobs/{name}", tags=["jobs"])
    def show_job(
        name: str,
        current: SessionDep,
        _token: Reader,
        version: Annotated[int | None, Query(ge=1)] = None,
    ) -> JobOut:
        job = jobs.get_job(current, name)
        return JobOut.of(job, jobs.job_version(current, job, version))

    @app.get("/jobs/{name}/versions", tags=["jobs"])
    def job_versions(name: str, current: SessionDep, _token: Reader) -> list[JobOut]:
        job = jobs.get_job(current, name)
        return [JobOut.of(job, version) for version in job.versions]

    @app.put("/jobs/{name}", tags=["jobs"], openapi_extra=_JOB_BODY)
    async def update_job(name: str, request: Request, current: SessionDep, token: Writer) -> JobOut:
        """A new version of the job (unchanged content: no new version)."""
        job = jobs.update_job(current, name, await job_text(request), token.name)
        return JobOut.of(job, jobs.job_version(current, job))

    @app.delete("/jobs/{name}", status_code=204, tags=["jobs"])
    def delete_job(name: str, current: SessionDep, token: Writer) -> Response:
        """Delete a job (refused with 409 while one of its runs is active)."""
        jobs.delete_job(current, name, token.name)
        return Response(status_code=204)

    # --- schedules ---------------------------------------------------------------------
    def schedule_out(schedule: Schedule) -> ScheduleOut:
        upcoming = schedules.next_fire_times(schedule, utcnow()) if schedule.enabled else []
        return ScheduleOut.of(schedule, upcoming)

    @app.post("/schedules", status_code=201, tags=["schedules"])
    def create_schedule(body: ScheduleIn, current: SessionDep, token: Writer) -> ScheduleOut:
        schedule = schedules.create_schedule(
            current, body.job, body.cron, body.timezone, body.enabled, token.name
        )
        return schedule_out(schedule)

    @app.get("/schedules", tags=["schedules"])
    def list_schedules(
        current: SessionDep, _token: Reader, job: str | None = None
    ) -> list[ScheduleOut]:
        query = select(Schedule).join(Job).where(Job.deleted_at.is_(None)).order_by(Schedule.id)
        if job is not None:
            query = query.where(Job.name == job)
        return [schedule_out(s) for s in current.scalars(query)]

    @app.get("/schedules/{schedule_id}", tags=["schedules"])
    def show_schedule(schedule_id: int, current: SessionDep, _token: Reader) -> ScheduleOut:
        return schedule_out(schedules.get_schedule(current, schedule_id))

    @app.patch("/schedules/{schedule_id}", tags=["schedules"])
    def update_schedule(
        schedule_id: int, body: SchedulePatch, current: SessionDep, token: Writer
    ) -> ScheduleOut:
        """Change the cron expression or time zone; enable or disable."""
        schedule = schedules.update_schedule(
            current, schedule_id, token.name, body.cron, body.timezone, body.enabled
        )
        return schedule_out(schedule)

    @app.delete("/schedules/{schedule_id}", status_code=204, tags=["schedules"])
    def delete_schedule(schedule_id: int, current: SessionDep, token: Writer) -> Response:
        schedules.delete_schedule(current, schedule_id, token.name)
        return Response(status_code=204)

    @app.get("/schedules/{schedule_id}/fires", tags=["schedules"])
    def schedule_fires(
        schedule_id: int,
        current: SessionDep,
        _token: Reader,
        limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    ) -> list[FireOut]:
        """Recent fire times and what became of them (queued run, or skipped and why)."""
        schedules.get_schedule(current, schedule_id)
        query = (
            select(ScheduleFire)
            .where(ScheduleFire.schedule_id == schedule_id)
            .order_by(ScheduleFire.fire_time.desc())
            .limit(limit)
        )
        return [FireOut.of(fire) for fire in current.scalars(query)]

    # --- runs --------------------------------------------------------------------------
    @app.post("/runs", status_code=201, tags=["runs"])
    def trigger_run(body: RunIn, current: SessionDep, token: Writer) -> RunOut:
        """Queue a run of the job's current version now (409 if one is active)."""
        job = jobs.get_job(current, body.job)
        busy = runs.active_run(current, job.id)
        if busy is not None:
            raise ConflictError(f"run {busy.id} of job {job.name!r} is {busy.status}")
        return RunOut.of(runs.queue_run(current, job, "manual", token.name))

    @app.get("/runs", tags=["runs"])
    def list_runs(
        current: SessionDep,
        _token: Reader,
        job: str | None = None,
        status: str | None = None,
        trigger: str | None = None,
        since: datetime | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 50,
        offset: Annotated[int, Query(ge=0)] = 0,
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
            if since.tzinfo is None:
                raise ServiceError("since needs a time zone (e.g. 2026-11-23T10:00:00Z)")
            query = query.where(Run.created_at >= since)
        return [RunOut.of(run) for run in current.scalars(query)]

    @app.get("/runs/{run_id}", tags=["runs"])
    def show_run(run_id: int, current: SessionDep, _token: Reader) -> RunOut:
        return RunOut.of(runs.get_run(current, run_id))

    @app.post("/runs/{run_id}/cancel", status_code=202, tags=["runs"])
    def cancel_run(run_id: int, current: SessionDep, token: Writer) -> RunOut:
        """Stop a run cleanly: its worker closes and stores the WARCs written so far."""
        return RunOut.of(runs.request_cancel(current, run_id, token.name))

    @app.post("/runs/{run_id}/resume", status_code=202, tags=["runs"])
    def resume_run(run_id: int, current: SessionDep, token: Writer) -> RunOut:
        """Queue an interrupted, failed or cancelled run again; it continues its crawl."""
        return RunOut.of(runs.resume_run(current, run_id, token.name))

    @app.get("/runs/{run_id}/logs", tags=["runs"])
    def run_logs(
        run_id: int,
        current: SessionDep,
        _token: Reader,
        after: Annotated[int, Query(ge=0)] = 0,
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

    # --- tokens ------------------------------------------------------------------------
    def token_out(token: ApiToken, secret: str | None = None) -> TokenOut:
        return TokenOut(
            name=token.name,
            role=token.role,
            created_at=token.created_at,
            created_by=token.created_by,
            revoked_at=token.revoked_at,
            last_used_at=token.last_used_at,
            token=secret,
        )

    @app.post("/tokens", status_code=201, tags=["tokens"])
    def new_token(body: TokenIn, current: SessionDep, token: Admin) -> TokenOut:
        """Create a token; its secret is in this response only."""
        created, secret = create_token(current, body.name, body.role, token.name)
        return token_out(created, secret)

    @app.get("/tokens", tags=["tokens"])
    def list_tokens(current: SessionDep, _token: Admin) -> list[TokenOut]:
        return [token_out(t) for t in current.scalars(select(ApiToken).order_by(ApiToken.name))]

    @app.delete("/tokens/{name}", tags=["tokens"])
    def delete_token(name: str, current: SessionDep, token: Admin) -> TokenOut:
        """Revoke a token (kept, marked revoked)."""
        return token_out(revoke_token(current, name, token.name))

    app.include_router(research_router)
    return app
