"""Web archives' capture indexes (CDX servers) as a discovery source (no Scrapy here).

Queries in the two dialects web archives speak, and their answers read line by line, so a
huge answer cut at the response size cap still gives every whole line before the cut:

- ``wayback`` (the Internet Archive's ``/cdx/search/cdx``): ``output=json`` is a JSON array of
  rows, the first row the field names (``urlkey, timestamp, original, mimetype, statuscode,
  digest, length``), one row per line; ``showResumeKey=true`` ends a partial answer with an
  empty row and a row holding the key of the next request (``resumeKey``).
- ``pywb`` (pywb, Common Crawl's index server, this service's ``/cdx``): ``output=json`` is one
  JSON object per line (``url``, ``timestamp``, ``mime``, ``status``, ``digest``...);
  ``showNumPages=true`` answers how many pages an index has (``page=N`` reads one), or the
  captures themselves where the server does not page.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import quote, urlencode

from crawler.jobs.models import ArchiveSource, Window

__all__ = ["ArchiveCapture", "CdxAnswer", "cdx_query", "parse_cdx", "replay_url"]

_FIELDS = "urlkey,timestamp,original,mimetype,statuscode"
_WAYBACK_NAMES = {"original": "url", "mimetype": "mime", "statuscode": "status"}


@dataclass(frozen=True)
class ArchiveCapture:
    """One capture an archive lists."""

    url: str
    """The original URL (not the archive's)."""
    timestamp: str
    """14 digits, UTC (``20241105093000``)."""
    status: str = ""
    mime: str = ""


@dataclass
class CdxAnswer:
    """What one CDX answer held."""

    captures: list[ArchiveCapture] = field(default_factory=list)
    resume_key: str | None = None
    """Wayback: where the next request starts (more captures wait)."""
    pages: int | None = None
    """pywb: how many pages the index has (an answer to ``showNumPages``)."""
    unreadable: int = 0
    """Lines that were not CDX rows (a cut last line, an error page...)."""


def _stamp(day: date | None) -> str | None:
    return day.strftime("%Y%m%d") if day else None


def cdx_query(
    source: ArchiveSource,
    target: str,
    window: Window,
    resume_key: str | None = None,
    page: int | None = None,
    count_pages: bool = False,
) -> str:
    """The URL of one CDX request for ``target`` (a URL prefix or a domain): HTML pages
    answered 200, one capture per URL (``collapse=urlkey``), captured since the window's start
    (a page is captured after it is published: captures before the window cannot be in it;
    later ones can, so the window's end is not sent)."""
    params: list[tuple[str, str]] = [
        ("url", target),
        ("matchType", source.match),
        ("output", "json"),
        ("filter", "statuscode:200" if source.api == "wayback" else "status:200"),
        ("filter", "mimetype:text/html" if source.api == "wayback" else "mime:text/html"),
        ("collapse", "urlkey"),
    ]
    start = _stamp(window.start)
    if start:
        params.append(("from", start))
    if source.api == "wayback":
        params += [("fl", _FIELDS), ("limit", str(source.page_size)), ("showResumeKey", "true")]
        if resume_key:
            params.append(("resumeKey", resume_key))
    else:
        params.append(("pageSize", str(max(1, source.page_size // 3000))))
        if count_pages:
            params.append(("showNumPages", "true"))
        elif page is not None:
            params.append(("page", str(page)))
        else:
            params.append(("limit", str(source.page_size)))
    return f"{source.cdx}?{urlencode(params)}"


def replay_url(template: str, capture: ArchiveCapture) -> str:
    """The archive's raw copy of a capture (``id_`` mode: the bytes as captured)."""
    return template.replace("{timestamp}", capture.timestamp).replace(
        "{url}", quote(capture.url, safe=":/?&=%#+,;@!$'()*~")
    )


def _lines(body: bytes) -> Iterator[str]:
    for raw in body.splitlines():
        line = raw.decode("utf-8", "replace").strip()
        if line:
            yield line


def _capture(values: dict[str, Any]) -> ArchiveCapture | None:
    url = values.get("url") or values.get("original")
    timestamp = str(values.get("timestamp") or "")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        return None
    if not (timestamp.isdigit() and 4 <= len(timestamp) <= 14):
        return None
    status = str(values.get("status") or values.get("statuscode") or "")
    mime = str(values.get("mime") or values.get("mimetype") or "")
    return ArchiveCapture(url, timestamp.ljust(14, "0"), status, mime)


def _wayback_row(line: str) -> Any:
    """One row of a Wayback JSON answer, whatever line of the array it is on."""
    text = line.rstrip(",")
    if text.startswith("[["):
        text = text[1:]
    if text.endswith("]]"):
        text = text[:-1]
    return json.loads(text)


def parse_cdx(body: bytes, api: str) -> CdxAnswer:
    """The captures (and paging) of one CDX answer; never raises on a bad answer."""
    answer = CdxAnswer()
    names: list[str] | None = None
    rows: list[Any] = []
    for line in _lines(body):
        try:
            row = _wayback_row(line) if api == "wayback" else json.loads(line)
        except ValueError:
            answer.unreadable += 1
            continue
        rows.append(row)
    for index, row in enumerate(rows):
        if isinstance(row, dict):
            if "pages" in row and isinstance(row["pages"], int):
                answer.pages = row["pages"]
                continue
            capture = _capture(row)
        elif isinstance(row, list):
            if (
                names is None
                and row
                and all(isinstance(v, str) for v in row)
                and "timestamp" in row
            ):
                names = [str(_WAYBACK_NAMES.get(v, v)) for v in row]
                continue
            if not row:  # Wayback: an empty row, then the resume key
                if index + 1 < len(rows) and isinstance(rows[index + 1], list) and rows[index + 1]:
                    answer.resume_key = str(rows[index + 1][0])
                break
            columns = names or ["urlkey", "timestamp", "url", "mime", "status"]
            capture = _capture(dict(zip(columns, row, strict=False)))
        elif isinstance(row, int) and api != "wayback":  # pywb: showNumPages as a bare number
            answer.pages = row
            continue
        else:
            capture = None
        if capture is None:
            answer.unreadable += 1
        else:
            answer.captures.append(capture)
    return answer
