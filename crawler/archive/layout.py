"""Where a crawl's files are: crawl ids, storage keys, the spool's state folder.

The layout is the same in the spool and in storage (keys under ``crawls/<crawl-id>/``)::

    warc/<prefix>-<timestamp>-<serial>-<host>.warc.gz
    index/<same name>.cdxj
    articles/<same name>.jsonl.gz, summary.json, clusters.json
    manifest.json            (written and uploaded last)
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

__all__ = ["FINISHED", "MANIFEST", "STATE", "crawl_key", "new_crawl_id"]

MANIFEST = "manifest.json"
"""The crawl's manifest, relative to its folder: every file with its SHA-256, stored last."""
STATE = ".state"
"""The spool's private folder of a crawl (never uploaded): lock, files so far, journal."""

FINISHED = ("finished", "closespider_pagecount", "closespider_timeout")
"""Finish reasons of a crawl that is complete; any other (``shutdown``...) can be resumed."""


def new_crawl_id(job_name: str, now: datetime | None = None) -> str:
    """``<job>-<UTC timestamp>-<4 hex>``: sortable by time, unique across workers."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return f"{job_name}-{stamp}-{secrets.token_hex(2)}"


def crawl_key(crawl_id: str, relative: str) -> str:
    """The storage key of a file of the crawl (``relative`` to its folder)."""
    return f"crawls/{crawl_id}/{relative}"
