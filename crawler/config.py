"""Process configuration from the environment (the CLI's side; Scrapy components never read it)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import unquote, urlsplit

from crawler.storage import S3Options

__all__ = ["default_spool", "s3_options_from_env"]


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
