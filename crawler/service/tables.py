"""Service state in SQL (SQLAlchemy 2.0): jobs and their versions, schedules, runs, tokens.

Every table is created by the Alembic migrations in ``crawler/migrations``; this module is
their single description. Times are timezone-aware UTC datetimes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = [
    "ACTIVE_RUN_STATES",
    "FINAL_RUN_STATES",
    "ApiToken",
    "ArticleRow",
    "AuditEntry",
    "Base",
    "CaptureRow",
    "CrawlRow",
    "Job",
    "JobCapture",
    "JobVersion",
    "Run",
    "RunEvent",
    "RunState",
    "RunTrigger",
    "Schedule",
    "ScheduleFire",
    "utcnow",
]

RunState = Literal[
    "queued", "running", "cancelling", "succeeded", "failed", "cancelled", "interrupted"
]
RunTrigger = Literal["manual", "schedule"]
ACTIVE_RUN_STATES = ("queued", "running", "cancelling")
"""A job with a run in one of these states is busy: its schedule skips, it cannot be deleted."""
FINAL_RUN_STATES = ("succeeded", "failed", "cancelled", "interrupted")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: give a timezone-aware UTC time")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UtcDateTime(), dict[str, Any]: JSON()}


class Job(Base):
    """A named crawl job; its configuration lives in versions (a run names the one it used)."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(63), unique=True)
    """The job file's ``name``."""
    current_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)
    """Set when deleted: the job is hidden, its runs and versions stay for the record."""

    versions: Mapped[list[JobVersion]] = relationship(
        back_populates="job", order_by="JobVersion.version"
    )


class JobVersion(Base):
    __tablename__ = "job_versions"
    __table_args__ = (UniqueConstraint("job_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"))
    version: Mapped[int] = mapped_column(Integer)
    """1, 2, 3... in order of updates."""
    config: Mapped[dict[str, Any]]
    """The validated job (``Job.model_dump(mode="json")``)."""
    config_hash: Mapped[str] = mapped_column(String(80))
    source: Mapped[str] = mapped_column(Text)
    """The YAML or JSON text as submitted."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))

    job: Mapped[Job] = relationship(back_populates="versions")


class Schedule(Base):
    """A cron expression, in a time zone, that queues runs of a job."""

    __tablename__ = "schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"))
    cron: Mapped[str] = mapped_column(String(120))
    """Five-field cron expression (minute hour day month weekday)."""
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    """IANA time zone the expression is read in (``Europe/Paris``)."""
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))
    last_fire_at: Mapped[datetime | None] = mapped_column(default=None)
    """The latest fire time handled (queued or skipped); fire times after it are due."""

    job: Mapped[Job] = relationship()


class ScheduleFire(Base):
    """One fire time of a schedule, handled once: the unique key makes racing schedulers
    agree (the second insert fails)."""

    __tablename__ = "schedule_fires"
    __table_args__ = (UniqueConstraint("schedule_id", "fire_time"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedules.id", ondelete="CASCADE"))
    fire_time: Mapped[datetime]
    """The cron time this fire is for."""
    handled_at: Mapped[datetime] = mapped_column(default=utcnow)
    outcome: Mapped[str] = mapped_column(String(16))
    """``queued`` or ``skipped``."""
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"), default=None)
    reason: Mapped[str] = mapped_column(Text, default="")
    """Why it was skipped; how many missed fire times it stands for."""
    scheduler: Mapped[str] = mapped_column(String(200), default="")


class Run(Base):
    """One crawl of one job version. ``crawl_id`` names its archive folder."""

    __tablename__ = "runs"
    __table_args__ = (Index("ix_runs_status", "status"), Index("ix_runs_job", "job_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    crawl_id: Mapped[str] = mapped_column(String(120), unique=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"))
    job_version_id: Mapped[int] = mapped_column(ForeignKey("job_versions.id"))
    schedule_id: Mapped[int | None] = mapped_column(ForeignKey("schedules.id"), default=None)
    trigger: Mapped[str] = mapped_column(String(16))
    """``manual`` or ``schedule``."""
    requested_by: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    """queued, running, cancelling, then succeeded, failed, cancelled or interrupted."""
    storage_url: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    worker: Mapped[str | None] = mapped_column(String(200), default=None)
    """The worker running it (``host:pid``)."""
    heartbeat_at: Mapped[datetime | None] = mapped_column(default=None)
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    """Incremented each time a worker starts it (resumes count)."""
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    counters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """pages, records, articles, on_topic, bytes, errors (live while running)."""
    files: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """Files written so far: ``{"warc": [...], "cdxj": [...], ...}``."""
    coverage: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """The crawl's coverage report (:func:`crawler.crawl.coverage.coverage_report`), live."""
    error: Mapped[str] = mapped_column(Text, default="")

    job: Mapped[Job] = relationship()
    job_version: Mapped[JobVersion] = relationship()


class RunEvent(Base):
    """What happened to a run: state changes, and the crawl's log lines."""

    __tablename__ = "run_events"
    __table_args__ = (Index("ix_run_events_run", "run_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(16))
    """``status`` or ``log``."""
    message: Mapped[str] = mapped_column(Text)


class JobCapture(Base):
    """The latest capture of each URL a job fetched: what an ``only_new`` run asks about."""

    __tablename__ = "job_captures"
    __table_args__ = (UniqueConstraint("job_id", "url_sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"))
    url_sha256: Mapped[str] = mapped_column(String(64))
    """SHA-256 of the URL (URLs can be longer than an index entry may be)."""
    url: Mapped[str] = mapped_column(Text)
    record_id: Mapped[str] = mapped_column(String(100))
    """``WARC-Record-ID`` of the record holding the payload."""
    date: Mapped[str] = mapped_column(String(40))
    """``WARC-Date`` of that record."""
    digest: Mapped[str] = mapped_column(String(80))
    etag: Mapped[str | None] = mapped_column(Text, default=None)
    last_modified: Mapped[str | None] = mapped_column(String(100), default=None)
    crawl_id: Mapped[str] = mapped_column(String(120))
    """The run (crawl) that last saw it."""


# SURT keys sort bytewise (``,`` and ``)`` matter): PostgreSQL must not use a locale order
_BYTEWISE = Text().with_variant(Text(collation="C"), "postgresql")


class CrawlRow(Base):
    """A crawl whose index is in the database: where its files are, what it holds."""

    __tablename__ = "crawls"

    crawl_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    storage_url: Mapped[str] = mapped_column(Text)
    job: Mapped[str] = mapped_column(String(63))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime]
    captures: Mapped[int] = mapped_column(Integer, default=0)
    articles: Mapped[int] = mapped_column(Integer, default=0)
    indexed_at: Mapped[datetime] = mapped_column(default=utcnow)
    manifest: Mapped[dict[str, Any]] = mapped_column(default=dict)


class CaptureRow(Base):
    """One line of a crawl's CDXJ index: a capture, where its record is."""

    __tablename__ = "captures"
    __table_args__ = (
        Index("ix_captures_lookup", "urlkey", "ts"),
        Index("ix_captures_crawl", "crawl_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    crawl_id: Mapped[str] = mapped_column(String(120))
    urlkey: Mapped[str] = mapped_column(_BYTEWISE)
    """SURT form of the URL (``fr,lemonde)/international``), as pywb sorts it."""
    ts: Mapped[int] = mapped_column(BigInteger)
    """Capture time as the 14-digit number ``YYYYMMDDhhmmss`` (UTC)."""
    url: Mapped[str] = mapped_column(Text)
    mime: Mapped[str] = mapped_column(String(200), default="")
    """Content type, or ``warc/revisit``."""
    status: Mapped[str] = mapped_column(String(3), default="")
    digest: Mapped[str] = mapped_column(String(80), default="")
    length: Mapped[int] = mapped_column(BigInteger)
    offset: Mapped[int] = mapped_column(BigInteger)
    filename: Mapped[str] = mapped_column(String(300))
    """WARC file name, under ``crawls/<crawl_id>/warc/``."""


class ArticleRow(Base):
    """An article of a crawl, searchable (full text: FTS5 on SQLite, tsvector on
    PostgreSQL, both over ``search_text``)."""

    __tablename__ = "articles"
    __table_args__ = (
        Index("ix_articles_published", "published"),
        Index("ix_articles_site", "site", "published"),
        Index("ix_articles_crawl", "crawl_id"),
        Index("ix_articles_topic", "on_topic", "published"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    crawl_id: Mapped[str] = mapped_column(String(120))
    url: Mapped[str] = mapped_column(Text)
    final_url: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text, default="")
    authors: Mapped[str] = mapped_column(Text, default="")
    """Authors joined with ``; ``."""
    published: Mapped[str | None] = mapped_column(String(10), default=None)
    """``YYYY-MM-DD``."""
    site: Mapped[str] = mapped_column(String(253), default="")
    """Host name of the final URL, without ``www.``."""
    language: Mapped[str | None] = mapped_column(String(8), default=None)
    on_topic: Mapped[bool | None] = mapped_column(Boolean, default=None)
    score: Mapped[float | None] = mapped_column(Float, default=None)
    captured_at: Mapped[datetime | None] = mapped_column(default=None)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """The article as stored in the crawl's JSON lines."""
    search_text: Mapped[str] = mapped_column(Text, default="")
    """Title and text, normalised as queries are (case, accents, punctuation)."""


class ApiToken(Base):
    """An API token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    """Who holds it; written in the audit log of every write it makes."""
    role: Mapped[str] = mapped_column(String(16))
    """``admin``, ``archivist`` or ``researcher``."""
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)


class AuditEntry(Base):
    """Every write through the API or the CLI: who, what, on what."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))
    """``job.create``, ``schedule.update``, ``run.cancel``..."""
    target: Mapped[str] = mapped_column(String(200))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
