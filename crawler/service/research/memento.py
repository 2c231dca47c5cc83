"""Memento (RFC 7089) routes, as pywb serves them: TimeMaps, a TimeGate, and mementos.

- ``/timemap/link/<URI-R>``: every capture, oldest first, with ``original``, ``self`` and
  ``timegate`` links.
- ``/snapshots/<URI-R>`` (the TimeGate): ``Accept-Datetime`` (RFC 1123; without it: the
  newest) answered ``302`` to the closest memento, ``Vary: accept-datetime``.
- ``/snapshots/<14 digits>/<URI-R>`` (a memento): the payload with its archived status and
  content type, shown sandboxed; an archived ``Location`` rewritten into the archive; every
  other archived header renamed ``X-Archive-Orig-*``. A timestamp that is not a capture's
  exact time (``/snapshots/2024/...``) redirects (``302``) to the closest capture's URI-M,
  so that a URI-M never changes meaning as captures are added.

Every URI in a ``Link`` header is absolute. ``HEAD`` answers wherever ``GET`` does
(:mod:`crawler.service.methods`).
"""

from __future__ import annotations

from email.utils import parsedate_to_datetime
from typing import Annotated
from urllib.parse import urljoin

from fastapi import APIRouter, Header, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.convertors import Convertor, register_url_convertor

from crawler.service.deps import Reader, SessionDep, StoragesDep
from crawler.service.errors import NotFoundError, Problem, ServiceError
from crawler.service.media import answers
from crawler.service.research.cdx import CdxQuery, closest_capture, find_captures, http_date, render
from crawler.service.research.snapshots import load_snapshot, record_bytes
from crawler.service.storages import Storages
from crawler.service.tables import ArticleRow, CaptureRow

__all__ = ["replay", "router", "with_query"]

router = APIRouter(tags=["research"])


class _TimestampConvertor(Convertor[str]):
    """A path segment of 1 to 14 digits: ``/snapshots/<ts>/<url>`` is a memento, anything
    else after ``/snapshots/`` a URL for the TimeGate."""

    regex = "[0-9]{1,14}"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("timestamp", _TimestampConvertor())

_ArchivedUrl = Annotated[str, Path(pattern=r"\S", description="The archived URL (URI-R)")]
# archived pages are shown, never run: no scripts, no plugins, no same-origin access
_SANDBOX = {
    "Content-Security-Policy": (
        "sandbox; default-src 'self' data: 'unsafe-inline'; script-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
}
_BODY_HEADERS = {"content-type", "content-language"}
"""Archived headers that describe the payload as served; every other archived header is
served renamed ``X-Archive-Orig-<name>`` (as replay tools do): an archived
``Access-Control-Allow-Origin``, ``Clear-Site-Data``, ``Strict-Transport-Security``,
``Refresh``, ``Content-Disposition`` or ``Set-Cookie`` never acts as the API's own."""
_NOT_KEPT = {"content-length", "content-encoding", "transfer-encoding", "connection"}
"""Describe the bytes as archived, not as served (the payload is served decoded)."""
_NO_BODY = {204, 304}
_REDIRECTS = {301, 302, 303, 307, 308}


def _archived_headers(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    kept = []
    for name, value in headers:
        lowered = name.lower()
        if lowered in _NOT_KEPT or lowered == "content-type":
            continue
        kept.append((name if lowered in _BODY_HEADERS else f"X-Archive-Orig-{name}", value))
    return kept


def with_query(url: str, request: Request) -> str:
    """The archived URL with its own query string, byte for byte (it arrives split from the
    path); our ``raw`` parameter is not part of it."""
    own = [part for part in request.url.query.split("&") if part and part.split("=")[0] != "raw"]
    return f"{url}?{'&'.join(own)}" if own else url


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _links(request: Request, url: str) -> list[str]:
    base = _base(request)
    return [
        f'<{url}>; rel="original"',
        f'<{base}/snapshots/{url}>; rel="timegate"',
        f'<{base}/timemap/link/{url}>; rel="timemap"; type="application/link-format"',
    ]


@router.get(
    "/timemap/link/{url:path}",
    response_class=Response,
    responses=answers("application/link-format"),
)
def timemap(url: _ArchivedUrl, request: Request, session: SessionDep, _token: Reader) -> Response:
    """Memento TimeMap (RFC 7089) of ``url``: every capture, oldest first."""
    query = CdxQuery.parse(with_query(url, request), output="link")
    rows = list(find_captures(session, query))
    if not rows:
        raise NotFoundError(f"no capture of {query.url}")
    base = _base(request)
    head = [
        f'<{query.url}>; rel="original",\n',
        f'<{base}/snapshots/{query.url}>; rel="timegate",\n',
        f'<{base}/timemap/link/{query.url}>; rel="self"; type="application/link-format"; '
        f'from="{http_date(rows[0].ts)}"; until="{http_date(rows[-1].ts)}",\n',
    ]
    lines = head + list(render(rows, query, f"{base}/snapshots/"))
    lines[-1] = lines[-1].rstrip(",\n") + "\n"
    return Response("".join(lines), media_type="application/link-format")


def _accept_datetime(value: str) -> str:
    """An ``Accept-Datetime`` (RFC 1123) as a 14-digit timestamp (400 if it is none)."""
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        when = None
    if when is None or when.tzinfo is None:
        message = f"{value!r} is not an HTTP date (e.g. Thu, 05 Dec 2024 10:00:00 GMT)"
        problem: Problem = ("Accept-Datetime", None, message)
        raise ServiceError(f"Accept-Datetime: {message}", [problem])  # 400, as pywb
    return when.strftime("%Y%m%d%H%M%S")


def _memento_uri(request: Request, capture: CaptureRow, raw: bool) -> str:
    return f"{_base(request)}/snapshots/{capture.ts}/{capture.url}" + ("?raw=1" if raw else "")


@router.get(
    "/snapshots/{timestamp:timestamp}/{url:path}",
    response_class=Response,
    responses={
        **answers(
            "*/*", "application/warc", description="The archived payload, or its WARC record"
        ),
        302: {"description": "An inexact timestamp: to the closest capture's exact URI"},
    },
)
def snapshot(
    timestamp: Annotated[str, Path(pattern="^[0-9]{1,14}$")],
    url: _ArchivedUrl,
    request: Request,
    session: SessionDep,
    storages: StoragesDep,
    _token: Reader,
    raw: bool = False,
) -> Response:
    """The capture of ``url`` at ``timestamp`` (14 digits; fewer, or a time between
    captures, redirects to the closest): the payload with its archived status and content
    type (shown sandboxed), or ``?raw=1`` the WARC record itself."""
    target = with_query(url, request)
    capture = closest_capture(session, target, timestamp)
    if capture is None:
        raise NotFoundError(f"no capture of {target}")
    links = _links(request, capture.url)
    if str(capture.ts) != timestamp:
        return RedirectResponse(
            _memento_uri(request, capture, raw), 302, headers={"Link": ", ".join(links)}
        )
    links.append(
        f'<{_memento_uri(request, capture, False)}>; rel="memento"; '
        f'datetime="{http_date(capture.ts)}"'
    )
    article = session.scalar(
        select(ArticleRow.id).where(
            ArticleRow.crawl_id == capture.crawl_id, ArticleRow.final_url == capture.url
        )
    )
    if article is not None:
        links.append(
            f'<{_base(request)}/articles/{article}>; rel="describedby"; type="application/json"'
        )
    memento = {"Memento-Datetime": http_date(capture.ts), "Link": ", ".join(links)}
    if raw:
        return Response(
            record_bytes(session, storages, capture),
            media_type="application/warc",
            headers={**memento, "Content-Disposition": f'attachment; filename="{capture.ts}.warc"'},
        )
    return replay(session, storages, capture, memento, f"{_base(request)}/snapshots")


def replay(
    session: Session,
    storages: Storages,
    capture: CaptureRow,
    memento: dict[str, str],
    prefix: str,
) -> Response:
    """The archived response as it was: its status, its body, its headers (renamed), shown
    sandboxed; an archived redirect's ``Location`` pointing into the archive (``prefix``)
    at the same time."""
    snap = load_snapshot(session, storages, capture)
    content_type = next(
        (v for n, v in snap.headers if n.lower() == "content-type"), "application/octet-stream"
    )
    status = snap.status if 200 <= snap.status < 600 else 200
    headers = {**memento, **_SANDBOX, "X-Archive-Status": str(snap.status)}
    location = next((v for n, v in snap.headers if n.lower() == "location"), None)
    if status in _REDIRECTS and location:
        absolute = urljoin(capture.url, location.strip())
        headers["Location"] = f"{prefix}/{capture.ts}/{absolute}"
    body = b"" if status in _NO_BODY else snap.payload
    response = Response(body, status_code=status, media_type=content_type, headers=headers)
    for name, value in _archived_headers(snap.headers):  # repeated names stay repeated
        response.headers.append(name, value)
    return response


# after the mementos' route: a path that starts with a timestamp is a memento
@router.get(
    "/snapshots/{url:path}",
    status_code=302,
    response_class=Response,
    responses={302: {"description": "To the memento closest to Accept-Datetime"}},
)
def timegate(
    url: _ArchivedUrl,
    request: Request,
    session: SessionDep,
    _token: Reader,
    accept_datetime: Annotated[
        str | None,
        Header(
            pattern=r"^[A-Za-z]{3}, [0-9]{1,2} [A-Za-z]{3} [0-9]{4} "
            r"[0-9]{2}:[0-9]{2}:[0-9]{2} GMT$",
            description="RFC 1123, e.g. Thu, 05 Dec 2024 10:00:00 GMT",
        ),
    ] = None,
) -> Response:
    """Memento TimeGate of ``url``: a redirect to the capture closest to ``Accept-Datetime``
    (the newest without it)."""
    target = with_query(url, request)
    wanted = _accept_datetime(accept_datetime) if accept_datetime else "99991231235959"
    capture = closest_capture(session, target, wanted)
    if capture is None:
        raise NotFoundError(f"no capture of {target}")
    return RedirectResponse(
        _memento_uri(request, capture, False),
        302,
        headers={"Vary": "accept-datetime", "Link": ", ".join(_links(request, capture.url))},
    )
