"""WARC/1.1 writing on top of warcio: exchanges in, gzip-per-record rotating files out.

No Scrapy here: :class:`HttpExchange` is a plain description of one HTTP request and the
raw response to it, as received (content-encoded, transfer-decoded).
"""

from __future__ import annotations

import base64
import hashlib
import re
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import IO, Any, BinaryIO
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.archive.cdxj import INDEXED_TYPES, record_line
from crawler.archive.compression import gzip_member

__all__ = [
    "HttpExchange",
    "Original",
    "RecordLocation",
    "RotatingWarcWriter",
    "WarcInfo",
    "payload_digest",
    "warc_fields",
    "warc_timestamp",
]

WARC_VERSION = "1.1"
REVISIT_PROFILE = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
NOT_MODIFIED_PROFILE = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
GZIP_LEVEL = 6
"""Each record is one gzip member at zlib's default level (:mod:`crawler.archive.compression`)."""
TRUNCATION_REASONS = frozenset({"length", "time", "disconnect", "unspecified"})

Headers = list[tuple[str, str]]


def payload_digest(body: bytes) -> str:
    """The WARC payload digest of a body: ``sha1:`` + base32, as CDX indexes expect."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")  # noqa: S324


def warc_timestamp(date: str) -> str:
    """The 14-digit ``YYYYMMDDhhmmss`` of a ``WARC-Date`` (as CDXJ indexes write it)."""
    return "".join(ch for ch in date if ch.isdigit())[:14]


def warc_date(moment: datetime) -> str:
    """WARC/1.1 date: UTC, ISO 8601 with microseconds."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def warc_fields(fields: Iterable[tuple[str, str]]) -> bytes:
    """An ``application/warc-fields`` block: ``name: value`` lines, names may repeat."""
    return "".join(f"{name}: {value}\r\n" for name, value in fields).encode("utf-8")


def _block_record(
    writer: Any,
    uri: str,
    kind: str,
    block: bytes,
    headers: dict[str, str],
    *,
    http_headers: StatusAndHeaders | None = None,
    content_type: str = "",
) -> Any:
    return writer.create_warc_record(
        uri,
        kind,
        payload=BytesIO(block),
        length=len(block),
        http_headers=http_headers,
        warc_content_type=content_type,
        warc_headers_dict=headers,
    )


@dataclass(frozen=True)
class HttpExchange:
    """One request and the raw response to it."""

    url: str
    """Full URL, query included."""
    method: str
    request_headers: Headers
    """Header lines as sent (name, value); repeated names are repeated lines."""
    request_body: bytes
    protocol: str
    """``HTTP/1.1`` or ``HTTP/1.0`` as the server answered."""
    status: int
    reason: str
    response_headers: Headers
    body: bytes
    """Body as received: transfer-decoded, still content-encoded."""
    fetched_at: datetime
    ip_address: str | None = None
    truncated: str | None = None
    """``length``, ``time`` or ``disconnect`` when the body was cut; None when complete."""

    def __post_init__(self) -> None:
        if self.truncated is not None and self.truncated not in TRUNCATION_REASONS:
            raise ValueError(f"unknown truncation reason {self.truncated!r}")


@dataclass(frozen=True)
class RecordLocation:
    """Where a record landed: enough to read it back with one ranged read."""

    filename: str
    offset: int
    length: int
    record_id: str
    record_type: str
    payload_digest: str | None
    date: str
    """``WARC-Date`` of the record."""


@dataclass(frozen=True)
class WarcInfo:
    """What every warcinfo record of a crawl says (``fields`` in order, name: value)."""

    fields: tuple[tuple[str, str], ...]


@dataclass
class Original:
    """An earlier capture a revisit record refers to."""

    record_id: str
    uri: str
    date: str
    digest: str = ""
    """Its payload digest (needed only for a server-not-modified revisit)."""


def _host_token() -> str:
    return re.sub(r"[^A-Za-z0-9.\-]", "-", socket.gethostname()) or "localhost"


def _request_target(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return path, parts.netloc


@dataclass
class _OpenFile:
    path: Path
    handle: BinaryIO
    writer: Any
    buffer: BytesIO
    index: IO[str]
    """CDXJ lines of its records so far, unsorted (:mod:`crawler.cdxj`), on disk: a file of
    many small revisit records must not grow the crawl's memory."""


@dataclass
class RotatingWarcWriter:
    """Writes exchanges into ``<prefix>-<timestamp>-<serial>-<host>.warc.gz`` files.

    Each file is written as ``*.open`` and renamed when closed; ``on_close`` gets the final
    path and a file of its CDXJ index lines (unsorted, in ``index_dir``), collected as its
    records were written; the lines file is deleted once ``on_close`` returns.
    A file is closed once it reaches ``max_size`` bytes (checked after each exchange, so a
    request/response pair never spans two files). A payload already captured in this writer's
    crawl becomes a ``revisit`` record (identical-payload-digest profile).
    """

    directory: Path
    prefix: str
    warcinfo: WarcInfo
    max_size: int
    """Bytes after which the file is closed and the next opened (the job's ``warc.max_size``)."""
    on_close: Callable[[Path, Path], None] | None = None
    index_dir: Path | None = None
    """Where the index lines of the open file go (default: ``directory``)."""
    serial: int = 0
    host: str = field(default_factory=_host_token)
    _current: _OpenFile | None = field(default=None, init=False)
    _seen: dict[str, Original] = field(default_factory=dict, init=False)

    # -- files -------------------------------------------------------------------------
    def _open(self) -> _OpenFile:
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")[:17]
        name = f"{self.prefix}-{stamp}-{self.serial:05d}-{self.host}.warc.gz"
        self.serial += 1
        path = self.directory / name
        handle = (self.directory / (name + ".open")).open("xb")
        index_dir = self.index_dir or self.directory
        index_dir.mkdir(parents=True, exist_ok=True)
        index = (index_dir / (name + ".cdxj-lines")).open("w", encoding="utf-8")
        # warcio serialises each record into a buffer; we gzip it as one member ourselves
        # (warcio's own gzip is fixed at level 9, several times slower for ~2% smaller files)
        buffer = BytesIO()
        writer = WARCWriter(buffer, gzip=False, warc_version=WARC_VERSION)
        current = _OpenFile(path, handle, writer, buffer, index)
        self._current = current
        record = _block_record(
            writer,
            "",
            "warcinfo",
            warc_fields(self.warcinfo.fields),
            {"WARC-Filename": name},
            content_type="application/warc-fields",
        )
        self._write(record)
        return current

    def _file(self) -> _OpenFile:
        if self._current is None:
            self._current = self._open()
        return self._current

    def close(self) -> Path | None:
        """Close the current file (if any): flush, rename from ``*.open``, call ``on_close``."""
        current, self._current = self._current, None
        if current is None:
            return None
        current.handle.flush()
        current.handle.close()
        current.index.close()
        Path(str(current.path) + ".open").rename(current.path)
        lines = Path(current.index.name)
        if self.on_close is not None:
            self.on_close(current.path, lines)
        lines.unlink(missing_ok=True)
        return current.path

    def _write(self, record: Any) -> RecordLocation:
        current = self._file()
        offset = current.handle.tell()
        current.buffer.seek(0)
        current.buffer.truncate()
        current.writer.write_record(record)
        current.handle.write(gzip_member(current.buffer.getvalue(), GZIP_LEVEL))
        headers = record.rec_headers
        length = current.handle.tell() - offset
        if record.rec_type in INDEXED_TYPES:
            current.index.write(record_line(record, current.path.name, offset, length))
        return RecordLocation(
            filename=current.path.name,
            offset=offset,
            length=length,
            record_id=headers.get_header("WARC-Record-ID"),
            record_type=headers.get_header("WARC-Type"),
            payload_digest=headers.get_header("WARC-Payload-Digest"),
            date=headers.get_header("WARC-Date"),
        )

    def _rotate_if_full(self) -> None:
        if self._current is not None and self._current.handle.tell() >= self.max_size:
            self.close()

    @property
    def open_path(self) -> Path | None:
        return self._current.path if self._current else None

    # -- records -------------------------------------------------------------------------
    def remember(self, record_id: str, uri: str, date: str, digest: str) -> None:
        """A payload captured before (an earlier crawl): the same payload becomes a revisit."""
        self._seen.setdefault(digest, Original(record_id, uri, date, digest))

    def write_exchange(
        self, exchange: HttpExchange, not_modified: Original | None = None
    ) -> RecordLocation:
        """Write response (or revisit) then request. Returns the response/revisit location.

        ``not_modified``: the earlier capture a conditional request asked about; a 304 answer
        is then written as a revisit of it (server-not-modified profile).
        """
        writer = self._file().writer
        date = warc_date(exchange.fetched_at)
        digest = payload_digest(exchange.body)
        common: dict[str, str] = {"WARC-Date": date}
        if exchange.ip_address:
            common["WARC-IP-Address"] = exchange.ip_address

        http_response = StatusAndHeaders(
            f"{exchange.status} {exchange.reason}".rstrip(),
            exchange.response_headers,
            protocol=exchange.protocol,
        )
        original = self._seen.get(digest) if self._dedupable(exchange) else None
        profile = REVISIT_PROFILE
        if not_modified is not None and exchange.status == 304:
            original, profile = not_modified, NOT_MODIFIED_PROFILE
            digest = not_modified.digest
        if original is not None:
            record = writer.create_revisit_record(
                exchange.url,
                digest,
                original.uri,
                original.date,
                http_headers=http_response,
                warc_headers_dict={**common, "WARC-Refers-To": original.record_id},
            )
            record.rec_headers.replace_header("WARC-Profile", profile)
        else:
            headers = {**common, "WARC-Payload-Digest": digest}
            if exchange.truncated:
                headers["WARC-Truncated"] = exchange.truncated
            record = _block_record(
                writer, exchange.url, "response", exchange.body, headers, http_headers=http_response
            )
        location = self._write(record)
        if original is None and self._dedupable(exchange):
            self._seen[digest] = Original(location.record_id, exchange.url, date)

        path, netloc = _request_target(exchange.url)
        request_headers = exchange.request_headers
        if not any(name.lower() == "host" for name, _ in request_headers):
            request_headers = [("Host", netloc), *request_headers]
        http_request = StatusAndHeaders(
            f"{exchange.method} {path} HTTP/1.1", request_headers, is_http_request=True
        )
        request = _block_record(
            writer,
            exchange.url,
            "request",
            exchange.request_body,
            {**common, "WARC-Concurrent-To": location.record_id},
            http_headers=http_request,
        )
        self._write(request)
        self._file().handle.flush()  # both records reach the OS: a killed crawl keeps them
        self._rotate_if_full()
        return location

    def write_metadata(
        self, uri: str, refers_to: str, fields: Iterable[tuple[str, str]]
    ) -> RecordLocation:
        """A ``metadata`` record (``application/warc-fields``) about an earlier record."""
        record = _block_record(
            self._file().writer,
            uri,
            "metadata",
            warc_fields(fields),
            {"WARC-Date": warc_date(datetime.now(UTC)), "WARC-Refers-To": refers_to},
            content_type="application/warc-fields",
        )
        return self._write(record)

    @staticmethod
    def _dedupable(exchange: HttpExchange) -> bool:
        return bool(exchange.body) and exchange.truncated is None and 200 <= exchange.status < 300
