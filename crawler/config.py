"""Every environment variable any process reads, in one model (pydantic-settings).

Configuration flows one way: this model (environment) or a job file -> validated models ->
Scrapy settings. Nothing else reads ``os.environ``, but :func:`crawler.process.use_jemalloc`,
which runs before a crawl imports this module and reads the allocator's three variables as
this model does (the model still checks them). A bad value stops the process at start with a
message naming the variable. ``crawler env`` lists them all.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit

from pydantic import AliasChoices, Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from crawler.archive.storage import S3Options
from crawler.archive.uploader import DEFAULT_UPLOAD_WAIT
from crawler.jobs.models import DEFAULT_STORAGE
from crawler.process import (
    ALLOCATOR,
    ALLOCATOR_VARIABLE,
    JEMALLOC_OPTIONS,
    JEMALLOC_OPTIONS_VARIABLE,
    PRELOAD_VARIABLE,
)

__all__ = ["ConfigurationError", "Settings", "load_settings"]


class ConfigurationError(Exception):
    """A process cannot start: a bad environment variable, an unreachable database."""


class Settings(BaseSettings):
    """The environment of every role (CLI, crawl, API, scheduler, worker)."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True, use_attribute_docstrings=True)

    # -- storage -------------------------------------------------------------------------
    storage_url: str = Field(default="", validation_alias="CRAWLER_STORAGE_URL")
    """Storage of every run's archive, and of verify, pull, index... (``s3://bucket/prefix``);
    empty: the job's own ``storage`` (commands: ``file://./archive``)."""
    spool_dir: Path | None = Field(default=None, validation_alias="CRAWLER_SPOOL_DIR")
    """Where ``crawler crawl`` writes WARCs before upload; empty: ``<folder>/.spool`` for
    ``file://`` storage, ``./.crawler-spool`` for S3."""
    upload_wait: float = Field(
        default=DEFAULT_UPLOAD_WAIT, ge=0, validation_alias="CRAWLER_UPLOAD_WAIT"
    )
    """Seconds a crawl waits for its uploads at the end; the rest stays in the spool."""
    aws_endpoint_url: str | None = Field(default=None, validation_alias="AWS_ENDPOINT_URL")
    """S3 endpoint (MinIO: ``http://minio:9000``); unset for AWS."""
    aws_access_key_id: str | None = Field(default=None, validation_alias="AWS_ACCESS_KEY_ID")
    """S3 access key."""
    aws_secret_access_key: str | None = Field(
        default=None, validation_alias="AWS_SECRET_ACCESS_KEY"
    )
    """S3 secret key."""
    aws_region: str | None = Field(
        default=None, validation_alias=AliasChoices("AWS_REGION", "AWS_DEFAULT_REGION")
    )
    """S3 region (``AWS_REGION``, else ``AWS_DEFAULT_REGION``)."""

    speedups: bool = Field(default=True, validation_alias="CRAWLER_SPEEDUPS")
    """``off``: extract with trafilatura exactly as it ships, without this project's
    speed-ups (they are also off by themselves with an untested trafilatura or lxml)."""
    allocator: Literal["jemalloc", "system"] = Field(
        default=ALLOCATOR, validation_alias=ALLOCATOR_VARIABLE
    )
    """Memory allocator of ``crawler crawl`` and ``demo`` and their extraction workers:
    ``jemalloc`` (Debian's ``libjemalloc2``; the system's when it is not installed) or
    ``system`` (glibc's)."""
    preload: str = Field(default="", validation_alias=PRELOAD_VARIABLE)
    """Libraries the dynamic linker loads first; a crawl adds jemalloc for itself."""
    jemalloc_conf: str = Field(default=JEMALLOC_OPTIONS, validation_alias=JEMALLOC_OPTIONS_VARIABLE)
    """jemalloc's options in crawls: freed memory goes back to the system after a second, not
    ten (10,000 pages: peak 293 MB instead of 300, the same speed)."""

    # -- the CLI as a client of the API ------------------------------------------------------
    api_url: str = Field(default="http://127.0.0.1:8000", validation_alias="CRAWLER_API_URL")
    """Where ``crawler jobs|schedules|runs`` find the API."""
    token: str | None = Field(default=None, validation_alias="CRAWLER_TOKEN")
    """The CLI's API token."""

    # -- logs ----------------------------------------------------------------------------
    log_format: Literal["text", "json"] = Field(
        default="text", validation_alias="CRAWLER_LOG_FORMAT"
    )
    """``text``, or ``json``: one JSON object per log line (containers)."""
    run_id: str = Field(default="", validation_alias="CRAWLER_RUN_ID")
    """Set by workers for their crawls: the run id in JSON logs."""
    job: str = Field(default="", validation_alias="CRAWLER_JOB")
    """Set by workers for their crawls: the job name in JSON logs."""

    # -- the service -------------------------------------------------------------------------
    database_url: str = Field(default="", validation_alias="DATABASE_URL")
    """SQLAlchemy URL (``postgresql://user:pass@host/db``); empty: SQLite in the data folder."""
    data_dir: Path = Field(default=Path("crawler-data"), validation_alias="CRAWLER_DATA_DIR")
    """Service data: the SQLite database, the workers' spool, run logs."""
    run_lease: float = Field(default=30.0, gt=0, validation_alias="CRAWLER_RUN_LEASE")
    """Seconds without a worker heartbeat after which a running run is marked interrupted."""
    heartbeat: float = Field(default=5.0, gt=0, validation_alias="CRAWLER_HEARTBEAT")
    """Seconds between a worker's heartbeats (and checks for a cancel)."""
    poll: float = Field(default=2.0, gt=0, validation_alias="CRAWLER_WORKER_POLL")
    """Seconds an idle worker waits before looking for queued runs again."""
    scheduler_tick: float = Field(default=10.0, gt=0, validation_alias="CRAWLER_SCHEDULER_TICK")
    """Seconds between two looks at the schedules."""
    max_body: int = Field(default=1_000_000, gt=0, validation_alias="CRAWLER_API_MAX_BODY")
    """Largest request body the API reads, in bytes."""
    job_storage_roots: str = Field(default="", validation_alias="CRAWLER_JOB_STORAGE_ROOTS")
    """Where jobs submitted through the API may store (comma-separated ``file://`` folders
    and ``s3://`` prefixes); empty: ``file://./archive``, the data folder's ``archive/``,
    and any ``s3://`` bucket."""
    pywb_collection: Path | None = Field(default=None, validation_alias="CRAWLER_PYWB_COLLECTION")
    """A pywb collection folder each finished run is added to (``crawler pywb-sync``)."""
    metrics_port: int = Field(default=0, ge=0, le=65535, validation_alias="CRAWLER_METRICS_PORT")
    """Port of a scheduler's or worker's Prometheus metrics (0: none; the API has /metrics)."""

    @property
    def s3(self) -> S3Options:
        """S3 connection settings (MinIO, SeaweedFS, AWS)."""
        return S3Options(
            endpoint_url=self.aws_endpoint_url or None,
            region=self.aws_region or None,
            access_key_id=self.aws_access_key_id or None,
            secret_access_key=self.aws_secret_access_key or None,
        )

    def storage(self, explicit: str | None = None) -> str:
        """The storage a command works on: ``--storage``, else ``CRAWLER_STORAGE_URL``, else
        ``file://./archive``."""
        return explicit or self.storage_url or DEFAULT_STORAGE

    def spool_for(self, storage_url: str) -> Path:
        """``CRAWLER_SPOOL_DIR``, else ``<folder>/.spool`` (``file://``) or ``./.crawler-spool``."""
        if self.spool_dir is not None:
            return self.spool_dir
        parts = urlsplit(storage_url)
        if parts.scheme == "file":
            return Path(unquote(parts.netloc + parts.path)) / ".spool"
        return Path(".crawler-spool")

    @property
    def database(self) -> str:
        """The service database's SQLAlchemy URL."""
        return self.database_url or f"sqlite:///{self.data_dir / 'crawler.db'}"

    @property
    def worker_spool(self) -> Path:
        """Where workers' crawls write before upload."""
        return self.data_dir / "spool"

    def crawl_environment(self, run_id: int, job: str) -> dict[str, str]:
        """The environment a worker gives the crawl process of a run: its own, plus the run's
        id and job for the logs, which stay text (their lines become the run's events)."""
        return {
            **os.environ,
            "CRAWLER_RUN_ID": str(run_id),
            "CRAWLER_JOB": job,
            "CRAWLER_LOG_FORMAT": "text",
        }

    @classmethod
    def variables(cls) -> dict[str, str]:
        """Every variable read, with its meaning (``crawler env``, the docs, the tests)."""
        found: dict[str, str] = {}
        for field in cls.model_fields.values():
            alias = field.validation_alias
            names = alias.choices if isinstance(alias, AliasChoices) else [alias]
            for name in names:
                found[str(name)] = " ".join((field.description or "").split())
        return found


def load_settings() -> Settings:
    """The settings of this process; :class:`ConfigurationError` naming each bad variable."""
    try:
        return Settings()
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            name = ".".join(str(part) for part in error["loc"])
            lines.append(f"  {name}={error.get('input')!r}: {error['msg']}")
        raise ConfigurationError("bad environment variable(s):\n" + "\n".join(lines)) from None
