"""The crawl manifest: what was crawled, with what, and every stored file with its SHA-256."""

from __future__ import annotations

import importlib.metadata
import platform
from datetime import datetime
from typing import Any

from pydantic import BaseModel

__all__ = ["FileEntry", "Manifest", "build_manifest", "software_versions"]

MANIFEST_VERSION = 1
_SOFTWARE = ("news-archive-crawler", "scrapy", "twisted", "warcio", "cdxj-indexer", "trafilatura")


class FileEntry(BaseModel):
    """One stored file of a crawl."""

    path: str
    """Path relative to the crawl folder (``warc/...``, ``index/...``)."""
    kind: str
    """``warc``, ``cdxj`` or ``articles``."""
    size: int
    """Bytes."""
    sha256: str
    """Hex SHA-256 of the file's bytes."""


class Manifest(BaseModel):
    """``crawls/<crawl-id>/manifest.json``."""

    manifest_version: int = MANIFEST_VERSION
    crawl_id: str
    job: dict[str, Any]
    """The validated job (``name``, ``config_hash``, ``config``)."""
    software: dict[str, str]
    """Package name to version, plus ``python``."""
    started_at: datetime
    """ISO 8601, UTC."""
    finished_at: datetime
    """ISO 8601, UTC."""
    stats: dict[str, Any]
    files: list[FileEntry]


def software_versions() -> dict[str, str]:
    """Versions of the packages that shape the archive's bytes."""
    versions = {"python": platform.python_version()}
    for name in _SOFTWARE:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    return str(value)


def build_manifest(
    *,
    crawl_id: str,
    job: dict[str, Any],
    started_at: datetime,
    finished_at: datetime,
    stats: dict[str, Any],
    files: list[FileEntry],
) -> Manifest:
    return Manifest(
        crawl_id=crawl_id,
        job=job,
        software=software_versions(),
        started_at=started_at,
        finished_at=finished_at,
        stats={key: _jsonable(value) for key, value in sorted(stats.items())},
        files=files,
    )
