"""Process configuration from the environment (the CLI's side; Scrapy components never read it)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import unquote, urlsplit

from crawler.archive.storage import S3Options

__all__ = ["ENVIRONMENT", "default_spool", "s3_options_from_env", "storage_url_from_env"]

ENVIRONMENT = {
    "AWS_ENDPOINT_URL": "S3 endpoint (MinIO: http://minio:9000); unset for AWS",
    "AWS_ACCESS_KEY_ID": "S3 access key",
    "AWS_SECRET_ACCESS_KEY": "S3 secret key",
    "AWS_REGION": "S3 region (or AWS_DEFAULT_REGION)",
    "AWS_DEFAULT_REGION": "S3 region when AWS_REGION is unset",
    "CRAWLER_SPOOL_DIR": "where `crawler crawl` writes WARCs before upload",
    "CRAWLER_UPLOAD_WAIT": "seconds a crawl waits for its uploads at the end (120)",
    "CRAWLER_STORAGE_URL": "storage of every run's archive (and of verify, pull, index...)",
    "CRAWLER_API_URL": "where the CLI finds the API (http://127.0.0.1:8000)",
    "CRAWLER_TOKEN": "the CLI's API token",
    "CRAWLER_LOG_FORMAT": "text (default) or json: one JSON object per log line",
    "CRAWLER_RUN_ID": "set by workers for their crawls: the run id in JSON logs",
    "CRAWLER_JOB": "set by workers for their crawls: the job name in JSON logs",
    "DATABASE_URL": "the service database (default: SQLite in CRAWLER_DATA_DIR)",
    "CRAWLER_DATA_DIR": "service data: SQLite, workers' spool, run logs (./crawler-data)",
    "CRAWLER_HEARTBEAT": "seconds between worker heartbeats (5)",
    "CRAWLER_RUN_LEASE": "seconds without heartbeat before a run is interrupted (30)",
    "CRAWLER_WORKER_POLL": "seconds an idle worker waits between looks for runs (2)",
    "CRAWLER_SCHEDULER_TICK": "seconds between two looks at the schedules (10)",
    "CRAWLER_API_MAX_BODY": "largest request body the API reads, bytes (1000000)",
    "CRAWLER_METRICS_PORT": "port of a scheduler's or worker's Prometheus metrics (0: off)",
}
"""Every environment variable the processes read (``tests/test_compose.py`` checks that the
code reads no other, and that docker-compose.yml sets no other)."""


def storage_url_from_env(explicit: str | None, environ: Mapping[str, str] = os.environ) -> str:
    """``--storage``, else ``CRAWLER_STORAGE_URL``, else ``file://./archive``."""
    return explicit or environ.get("CRAWLER_STORAGE_URL") or "file://./archive"


def s3_options_from_env(environ: Mapping[str, str] = os.environ) -> S3Options:
    """S3 settings: ``AWS_ENDPOINT_URL`` (MinIO, SeaweedFS...), ``AWS_ACCESS_KEY_ID``,
    ``AWS_SECRET_ACCESS_KEY``, ``AWS_REGION`` (or ``AWS_DEFAULT_REGION``)."""
    return S3Options(
        endpoint_url=environ.get("AWS_ENDPOINT_URL") or None,
        region=environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or None,
        access_key_id=environ.get("AWS_ACCESS_KEY_ID") or None,
        secret_access_key=environ.get("AWS_SECRET_ACCESS_KEY") or None,
    )


def default_spool(storage_url: str, environ: Mapping[str, str] = os.environ) -> Path:
    """``CRAWLER_SPOOL_DIR``, else ``<folder>/.spool`` (``file://``) or ``./.crawler-spool``."""
    if environ.get("CRAWLER_SPOOL_DIR"):
        return Path(environ["CRAWLER_SPOOL_DIR"])
    parts = urlsplit(storage_url)
    if parts.scheme == "file":
        return Path(unquote(parts.netloc + parts.path)) / ".spool"
    return Path(".crawler-spool")
