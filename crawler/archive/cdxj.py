"""CDXJ indexes of WARC files, in cdxj-indexer's format (what pywb reads).

A file the crawl writes is indexed as it is written (:func:`record_line` per record, then
:func:`write_index`): closing a 1 GB WARC then takes no second read of it. A file written
elsewhere, or repaired after a crash, is indexed by reading it (:func:`index_warc`).
Both give the same bytes, which the tests check on every kind of record the crawl writes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import surt
from warcio.timeutils import iso_date_to_timestamp

__all__ = ["INDEXED_TYPES", "cdxj_line", "index_warc", "record_line", "write_index"]

INDEXED_TYPES = ("response", "revisit")
"""The record types this crawler writes that cdxj-indexer lists (requests, warcinfo and
``application/warc-fields`` metadata are not)."""

_MIME_END = re.compile(r"[;\s]")
IN_MEMORY_SORT_BYTES = 32 * 1024 * 1024


def cdxj_line(line: str) -> tuple[str, str, dict[str, Any]]:
    """``(urlkey, timestamp, fields)`` of one CDXJ line (``ValueError`` if it is not one)."""
    urlkey, timestamp, fields = line.split(" ", 2)
    data = json.loads(fields)
    if not isinstance(data, dict):
        raise ValueError("the third field is not a JSON object")
    return urlkey, timestamp, data


def index_warc(warc: Path, out: Path) -> None:
    """Write a sorted CDXJ index of ``warc`` by reading it."""
    from cdxj_indexer import CDXJIndexer  # ~80 ms to import; a crawl seldom needs it

    with _partial(out) as handle:
        CDXJIndexer(handle, [str(warc)], sort=True, post_append=True).process_all()


def write_index(lines: Path, out: Path) -> None:
    """Write a file of index lines (from :func:`record_line`) sorted, without repeats, as
    cdxj-indexer does: in memory up to 32 MB of lines, beyond that with its sorter (sorted
    runs on disk, merged)."""
    with _partial(out) as handle:
        if lines.stat().st_size <= IN_MEMORY_SORT_BYTES:
            handle.writelines(sorted(set(lines.read_text("utf-8").splitlines(keepends=True))))
            return
        from cdxj_indexer.main import SortingWriter

        sorter = SortingWriter(handle, IN_MEMORY_SORT_BYTES)
        with lines.open(encoding="utf-8") as unsorted:
            for line in unsorted:
                sorter.write(line)
        sorter.flush()


def record_line(record: Any, filename: str, offset: int, length: int) -> str:
    """The CDXJ line of a warcio ``response`` or ``revisit`` record written at ``offset``."""
    url = record.rec_headers.get_header("WARC-Target-URI")
    http = record.http_headers or None  # warcio: empty status and headers are false
    fields: dict[str, str] = {"url": url}
    if record.rec_type == "revisit":
        fields["mime"] = "warc/revisit"
    elif http is not None and (mime := http.get_header("content-type")) is not None:
        fields["mime"] = _MIME_END.split(mime, 1)[0].strip() if mime else mime
    if http is not None:
        fields["status"] = http.get_statuscode()
    digest = record.rec_headers.get_header("WARC-Payload-Digest")
    if digest is not None:
        fields["digest"] = digest
    fields.update(length=str(length), offset=str(offset), filename=filename)
    date = record.rec_headers.get_header("WARC-Date")
    return f"{_urlkey(url)} {iso_date_to_timestamp(date)} {json.dumps(fields)}\n"


def _urlkey(url: str) -> str:
    try:
        return str(surt.surt(url))
    except Exception:  # cdxj-indexer's own fallback: the URL as it is
        return url


@contextmanager
def _partial(out: Path) -> Iterator[IO[str]]:
    """Writes ``out`` through ``out.partial``, renamed only once complete."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with partial.open("w", encoding="utf-8") as handle:
        yield handle
    partial.rename(out)
