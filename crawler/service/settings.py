"""Service configuration from environment variables (API, scheduler, workers).

Read once at start; a bad value stops the process with a message naming the variable.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from crawler.service.errors import ConfigurationError

__all__ = ["ServiceSettings", "SettingsError", "load_settings"]


class SettingsError(ConfigurationError, ValueError):
    """One line per bad environment variable."""


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    database_url: str = Field(default="", validation_alias="DATABASE_URL")
    """SQLAlchemy URL: ``postgresql://user:pass@host/db``; empty: SQLite in the data folder."""
    data_dir: Path = Field(default=Path("crawler-data"), validation_alias="CRAWLER_DATA_DIR")
    """SQLite database, workers' spool and crawl logs."""
    storage_url: str = Field(default="", validation_alias="CRAWLER_STORAGE_URL")
    """Where every run's archive goes (``s3://bucket/prefix``); empty: each job's ``storage``."""
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
    metrics_port: int = Field(default=0, ge=0, le=65535, validation_alias="CRAWLER_METRICS_PORT")
    """Port of a scheduler's or worker's Prometheus metrics (0: none; the API has /metrics)."""

    @property
    def database(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'crawler.db'}"

    @property
    def spool_dir(self) -> Path:
        return self.data_dir / "spool"


def load_settings() -> ServiceSettings:
    try:
        return ServiceSettings()
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            name = ".".join(str(part) for part in error["loc"])
            lines.append(f"  {name}={error.get('input')!r}: {error['msg']}")
        raise SettingsError("bad environment variable(s):\n" + "\n".join(lines)) from None
