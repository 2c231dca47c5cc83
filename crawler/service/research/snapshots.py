"""Archived payloads: the WARC record a capture points to, read with one ranged request.

A revisit record (identical payload, or a ``304``) is resolved to the capture that holds the
payload, through its ``WARC-Refers-To-Target-URI`` and ``WARC-Refers-To-Date``.
"""

from __future__ import annotations

import gzip
import io
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session
from warcio.archiveiterator import ArchiveIterator

from crawler.archive.layout import crawl_key
from crawler.archive.storage import StorageError
from crawler.archive.warc import warc_timestamp
from crawler.service.errors import NotFoundError
from crawler.service.research.cdx import urlkey
from crawler.service.storages import Storages
from crawler.service.tables import CaptureRow, CrawlRow

__all__ = ["Snapshot", "load_snapshot", "original_capture", "record_bytes", "record_member"]

_MAX_REVISIT_HOPS = 3


@dataclass(frozen=True)
class Snapshot:
    capture: CaptureRow
    """The capture asked for (perhaps a revisit)."""
    source: CaptureRow
    """The capture whose record holds the payload."""
    status: int
    headers: list[tuple[str, str]]
    """HTTP headers of the response that carried the payload."""
    payload: bytes
    """The body, transfer- and content-decoded."""


def record_bytes(session: Session, storages: Storages, capture: CaptureRow) -> bytes:
    """The capture's WARC record, uncompressed (``application/warc``)."""
    return gzip.decompress(record_member(session, storages, capture))


def record_member(session: Session, storages: Storages, capture: CaptureRow) -> bytes:
    """The capture's WARC record as stored: one gzip member."""
    crawl = session.get(CrawlRow, capture.crawl_id)
    if crawl is None:
        raise NotFoundError(f"crawl {capture.crawl_id} is not indexed")
    key = crawl_key(capture.crawl_id, f"warc/{capture.filename}")
    try:
        return storages.get(crawl.storage_url).read_range(key, capture.offset, capture.length)
    except StorageError as exc:
        raise NotFoundError(f"the record of {capture.url} cannot be read: {exc}") from exc


def _parse(raw: bytes) -> tuple[dict[str, str], int, list[tuple[str, str]], bytes]:
    record = next(iter(ArchiveIterator(io.BytesIO(raw))))
    warc = dict(record.rec_headers.headers)
    http = record.http_headers
    status = int(http.get_statuscode()) if http else 200
    headers = list(http.headers) if http else []
    return warc, status, headers, record.content_stream().read()


def original_capture(session: Session, uri: str, date: str) -> CaptureRow | None:
    """The capture (not a revisit) a revisit record's ``WARC-Refers-To-*`` headers name."""
    ts = int(warc_timestamp(date))
    return session.scalar(
        select(CaptureRow).where(
            CaptureRow.urlkey == urlkey(uri), CaptureRow.ts == ts, CaptureRow.mime != "warc/revisit"
        )
    )


def load_snapshot(session: Session, storages: Storages, capture: CaptureRow) -> Snapshot:
    source = capture
    for _ in range(_MAX_REVISIT_HOPS):
        warc, status, headers, payload = _parse(record_bytes(session, storages, source))
        if warc.get("WARC-Type") != "revisit":
            return Snapshot(capture, source, status, headers, payload)
        uri, date = warc.get("WARC-Refers-To-Target-URI"), warc.get("WARC-Refers-To-Date")
        original = original_capture(session, uri, date) if uri and date else None
        if original is None:
            raise NotFoundError(
                f"{capture.url} at {capture.ts} revisits {warc.get('WARC-Refers-To-Target-URI')} "
                f"of {warc.get('WARC-Refers-To-Date')}, which is not in the index"
            )
        source = original
    raise NotFoundError(f"{capture.url} at {capture.ts}: revisit chain too long")
