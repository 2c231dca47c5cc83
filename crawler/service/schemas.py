"""Request and response bodies of the HTTP API (documented in OpenAPI at ``/docs``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from crawler.service.auth import Role
from crawler.service.tables import Job, JobVersion, Run, RunEvent, Schedule, ScheduleFire

__all__ = [
    "EventOut",
    "FireOut",
    "JobOut",
    "ProblemOut",
    "RunIn",
    "RunOut",
    "ScheduleIn",
    "ScheduleOut",
    "SchedulePatch",
    "TokenIn",
    "TokenOut",
    "ValidationOut",
]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProblemOut(BaseModel):
    field: str
    """Dotted path of the field at fault (``seeds.feeds.0``), empty for the whole body."""
    line: int | None = None
    """Line in the submitted YAML/JSON, when known."""
    message: str


class ErrorOut(BaseModel):
    detail: str
    problems: list[ProblemOut] = []


class JobOut(BaseModel):
    name: str
    version: int
    """The version shown (the current one unless asked otherwise)."""
    current_version: int
    config_hash: str
    created_at: datetime
    """When this version was created (ISO 8601, UTC)."""
    created_by: str
    config: dict[str, Any]
    """The validated job."""

    @classmethod
    def of(cls, job: Job, version: JobVersion) -> JobOut:
        return cls(
            name=job.name,
            version=version.version,
            current_version=job.current_version,
            config_hash=version.config_hash,
            created_at=version.created_at,
            created_by=version.created_by,
            config=version.config,
        )


class ValidationOut(BaseModel):
    valid: bool
    name: str
    config_hash: str


class ScheduleIn(_In):
    job: str
    cron: str = Field(examples=["0 6,12,18 * * *"])
    """Five-field cron expression, or @daily, @hourly..."""
    timezone: str = "UTC"
    """IANA time zone the expression is read in (``Europe/Paris``)."""
    enabled: bool = True


class SchedulePatch(_In):
    cron: str | None = None
    timezone: str | None = None
    enabled: bool | None = None


class ScheduleOut(BaseModel):
    id: int
    job: str
    cron: str
    timezone: str
    enabled: bool
    created_by: str
    last_fire_at: datetime | None
    next_fire_times: list[datetime]
    """The next five fire times, in the schedule's time zone (empty when disabled)."""

    @classmethod
    def of(cls, schedule: Schedule, next_times: list[datetime]) -> ScheduleOut:
        return cls(
            id=schedule.id,
            job=schedule.job.name,
            cron=schedule.cron,
            timezone=schedule.timezone,
            enabled=schedule.enabled,
            created_by=schedule.created_by,
            last_fire_at=schedule.last_fire_at,
            next_fire_times=next_times,
        )


class FireOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    fire_time: datetime
    handled_at: datetime
    outcome: str
    """``queued`` or ``skipped``."""
    run_id: int | None
    reason: str
    scheduler: str

    @classmethod
    def of(cls, fire: ScheduleFire) -> FireOut:
        return cls.model_validate(fire)


class RunIn(_In):
    job: str


class RunOut(BaseModel):
    id: int
    crawl_id: str
    job: str
    job_version: int
    trigger: str
    requested_by: str
    status: str
    storage_url: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    worker: str | None
    heartbeat_at: datetime | None
    attempt: int
    cancel_requested: bool
    counters: dict[str, Any]
    """pages, records, articles, on_topic, bytes, errors; live while running."""
    files: dict[str, Any]
    coverage: dict[str, Any]
    """By outlet and discovery source: candidates seen, skipped (why), fetched, articles, on
    topic, coverage; coverage articles by month."""
    error: str

    @classmethod
    def of(cls, run: Run) -> RunOut:
        return cls(
            id=run.id,
            crawl_id=run.crawl_id,
            job=run.job.name,
            job_version=run.job_version.version,
            trigger=run.trigger,
            requested_by=run.requested_by,
            status=run.status,
            storage_url=run.storage_url,
            created_at=run.created_at,
            started_at=run.started_at,
            finished_at=run.finished_at,
            worker=run.worker,
            heartbeat_at=run.heartbeat_at,
            attempt=run.attempt,
            cancel_requested=run.cancel_requested,
            counters=run.counters,
            files=run.files,
            coverage=run.coverage,
            error=run.error,
        )


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    kind: str
    """``status`` or ``log``."""
    message: str

    @classmethod
    def of(cls, event: RunEvent) -> EventOut:
        return cls.model_validate(event)


class TokenIn(_In):
    name: str = Field(min_length=1, max_length=100)
    role: Role = Field(examples=["archivist"])


class TokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    role: str
    created_at: datetime
    created_by: str
    revoked_at: datetime | None
    last_used_at: datetime | None
    token: str | None = None
    """The secret: returned once, at creation."""
