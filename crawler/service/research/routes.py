"""Research routes of the API (read only, any role): capture index (pywb CDX API, Memento
TimeMap), snapshots, article search, exports, citations, crawls as WACZ."""

import pathlib
import tempfile
from collections.abc import Iterator
from email.utils import format_datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import FileResponse, Response, StreamingResponse
from pydantic import StringConstraints
from sqlalchemy import select
from starlette.background import BackgroundTask

from crawler.archive.storage import file_digest
from crawler.service.deps import Reader, SessionDep, StoragesDep, StreamingSessionDep
from crawler.service.errors import NotFoundError, ServiceError
from crawler.service.media import answers
from crawler.service.params import DATE_PREFIX, TIMESTAMP, Offset, RowId
from crawler.service.research.cdx import (
    FIELDS,
    CdxQuery,
    find_captures,
    render,
)
from crawler.service.research.exports import (
    bibtex,
    csl_json,
    csv_lines,
    jsonl_lines,
    ris,
    write_parquet,
)
from crawler.service.research.search import ArticleQuery, find_articles
from crawler.service.research.snapshots import (
    original_capture,
    record_member,
)
from crawler.service.research.wacz import CrawlPackage, Original, as_utc, write_wacz
from crawler.service.tables import ArticleRow, CrawlRow

__all__ = ["PYWB_ERRORS", "export_response", "router"]

router = APIRouter(tags=["research"])

_FILTER_SYNTAX = f"^!?[=~]?({'|'.join(FIELDS)}):"
PYWB_ERRORS = frozenset({"/cdx", "/snapshots/{url:path}"})
"""Routes whose bad parameters are answered 400 (as pywb's CDX server and TimeGate), not
422."""

_MEDIA = {
    "cdxj": "text/x-cdxj",
    "json": "text/x-ndjson",  # as pywb
    "link": "application/link-format",
    "text": "text/plain",
}


@router.get(
    "/cdx",
    response_class=Response,
    responses=answers("text/x-cdxj", "text/x-ndjson", "application/link-format", "text/plain"),
)
def cdx(
    session: SessionDep,
    _token: Reader,
    url: Annotated[str, Query(min_length=1, pattern=r"\S")],
    match_type: Annotated[
        Literal["exact", "prefix", "host", "domain"] | None, Query(alias="matchType")
    ] = None,
    from_: Annotated[str | None, Query(alias="from", pattern=TIMESTAMP)] = None,
    to: Annotated[str | None, Query(pattern=TIMESTAMP)] = None,
    limit: Annotated[int | None, Query(ge=0, le=100_000, description="0: no limit")] = None,
    sort: Literal["reverse", "closest"] | None = None,
    closest: Annotated[str | None, Query(pattern=TIMESTAMP)] = None,
    filter_: Annotated[
        list[Annotated[str, StringConstraints(pattern=_FILTER_SYNTAX)]] | None,
        Query(alias="filter", description="[!][=|~]<field>:<expression>, repeatable"),
    ] = None,
    fl: str | None = None,
    output: Literal["cdxj", "json", "link", "text"] | None = None,
    crawl: str | None = None,
) -> Response:
    """Captures, as pywb's CDX server API answers (``output=json`` for NDJSON)."""
    query = CdxQuery.parse(
        url, match_type, from_, to, limit, sort, closest, filter_ or (), fl, output, crawl
    )
    body = "".join(render(find_captures(session, query), query, "/snapshots/"))
    return Response(body, media_type=_MEDIA[query.output])


# --- articles ----------------------------------------------------------------------------
def _article_query(
    q: str | None = None,
    from_: Annotated[str | None, Query(alias="from", pattern=DATE_PREFIX)] = None,
    to: Annotated[str | None, Query(pattern=DATE_PREFIX)] = None,
    site: str | None = None,
    language: str | None = None,
    on_topic: bool | None = None,
    crawl: str | None = None,
    author: str | None = None,
    sort: Literal["-published", "published", "-captured", "captured"] = "-published",
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    offset: Offset = 0,
) -> ArticleQuery:
    return ArticleQuery(q, from_, to, site, language, on_topic, crawl, author, sort, limit, offset)


_EXPORTS = answers("application/x-ndjson", "text/csv", "application/vnd.apache.parquet")

ArticleFilters = Annotated[ArticleQuery, Depends(_article_query)]


def _summary(row: ArticleRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "crawl_id": row.crawl_id,
        "url": row.final_url,
        "title": row.title,
        "authors": row.authors.split("; ") if row.authors else [],
        "published": row.published,
        "site": row.site,
        "language": row.language,
        "on_topic": row.on_topic,
        "score": row.score,
        "captured_at": row.captured_at,
    }


@router.get("/articles")
def search_articles(session: SessionDep, _token: Reader, query: ArticleFilters) -> dict[str, Any]:
    """Full-text search (all words, case and accents ignored) with filters; newest first."""
    rows = [_summary(row) for row in find_articles(session, query)]
    following = query.offset + len(rows) if len(rows) == query.limit else None
    return {"results": rows, "next_offset": following}


@router.get("/articles/export", response_class=Response, responses=_EXPORTS)
def export_articles(
    session: StreamingSessionDep,
    _token: Reader,
    query: ArticleFilters,
    format: Literal["jsonl", "csv", "parquet"] = "jsonl",
) -> Response:
    """Every article the query matches (not one page), as JSON lines, CSV or Parquet."""
    return export_response(find_articles(session, query, page=False), format, "articles")


def export_response(rows: Iterator[ArticleRow], format: str, name: str) -> Response:
    if format == "jsonl":
        return StreamingResponse(
            jsonl_lines(rows),
            media_type="application/x-ndjson",
            headers=_attachment(f"{name}.jsonl"),
        )
    if format == "csv":
        return StreamingResponse(
            csv_lines(rows),
            media_type="text/csv; charset=utf-8",
            headers=_attachment(f"{name}.csv"),
        )
    scratch = tempfile.mkdtemp()
    path = pathlib.Path(scratch) / f"{name}.parquet"
    write_parquet(rows, path)
    return FileResponse(
        path,
        media_type="application/vnd.apache.parquet",
        filename=path.name,
        background=BackgroundTask(_remove, pathlib.Path(scratch)),
    )


def _attachment(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{filename}"'}


def _remove(folder: pathlib.Path) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


@router.get("/articles/{article_id}")
def show_article(article_id: RowId, session: SessionDep, _token: Reader) -> dict[str, Any]:
    row = session.get(ArticleRow, article_id)
    if row is None:
        raise NotFoundError(f"no article {article_id}")
    return {"id": row.id, **row.data}


@router.get(
    "/articles/{article_id}/citation",
    response_class=Response,
    responses=answers(
        "application/vnd.citationstyles.csl+json",
        "application/x-bibtex",
        "application/x-research-info-systems",
    ),
)
def cite_article(
    article_id: RowId,
    session: SessionDep,
    _token: Reader,
    format: Literal["csl", "bibtex", "ris"] = "csl",
) -> Response:
    """How to cite the archived article: CSL-JSON, BibTeX or RIS, naming the exact capture."""
    row = session.get(ArticleRow, article_id)
    if row is None:
        raise NotFoundError(f"no article {article_id}")
    if format == "bibtex":
        return Response(bibtex(row), media_type="application/x-bibtex")
    if format == "ris":
        return Response(ris(row), media_type="application/x-research-info-systems")
    import json

    return Response(
        json.dumps([csl_json(row)], ensure_ascii=False, indent=2),
        media_type="application/vnd.citationstyles.csl+json",
    )


# --- crawls ------------------------------------------------------------------------------
def _crawl(session: SessionDep, crawl_id: str) -> CrawlRow:
    row = session.get(CrawlRow, crawl_id)
    if row is None:
        raise NotFoundError(f"crawl {crawl_id} is not indexed")
    return row


@router.get("/crawls")
def list_crawls(session: SessionDep, _token: Reader) -> list[dict[str, Any]]:
    rows = session.scalars(select(CrawlRow).order_by(CrawlRow.started_at.desc()))
    return [
        {
            "crawl_id": r.crawl_id,
            "job": r.job,
            "started_at": r.started_at,
            "finished_at": r.finished_at,
            "captures": r.captures,
            "articles": r.articles,
        }
        for r in rows
    ]


@router.get("/crawls/{crawl_id}")
def show_crawl(crawl_id: str, session: SessionDep, _token: Reader) -> dict[str, Any]:
    """The crawl's manifest (every file with its SHA-256)."""
    return _crawl(session, crawl_id).manifest


@router.get("/crawls/{crawl_id}/articles", response_class=Response, responses=_EXPORTS)
def crawl_articles(
    crawl_id: str,
    session: StreamingSessionDep,
    _token: Reader,
    format: Literal["jsonl", "csv", "parquet"] = "jsonl",
) -> Response:
    _crawl(session, crawl_id)
    query = ArticleQuery(crawl=crawl_id, sort="captured")
    return export_response(find_articles(session, query, page=False), format, crawl_id)


@router.get(
    "/crawls/{crawl_id}/wacz", response_class=Response, responses=answers("application/wacz")
)
def crawl_wacz(
    crawl_id: str, session: SessionDep, storages: StoragesDep, _token: Reader
) -> Response:
    """The crawl as a WACZ file (ReplayWeb.page, pywb): WARCs, CDXJ, pages, hashes; the
    records its revisits point to (earlier crawls) included, so that it replays on its own.
    The same crawl always gives the same bytes."""
    crawl = _crawl(session, crawl_id)
    rows = session.execute(
        select(ArticleRow.final_url, ArticleRow.title).where(ArticleRow.crawl_id == crawl_id)
    )
    package = CrawlPackage(
        crawl.crawl_id,
        crawl.job,
        crawl.started_at,
        crawl.finished_at,
        crawl.manifest,
        {str(url): str(title) for url, title in rows if title},
    )

    def original(uri: str, date: str) -> Original | None:
        found = original_capture(session, uri, date)
        if found is None:
            return None
        fields = {
            "url": found.url,
            "mime": found.mime,
            "status": found.status,
            "digest": found.digest,
            "filename": found.filename,
        }
        member = record_member(session, storages, found)
        return Original(found.urlkey, str(found.ts), fields, member)

    scratch = pathlib.Path(tempfile.mkdtemp())
    out = scratch / f"{crawl_id}.wacz"
    try:
        write_wacz(storages.get(crawl.storage_url), package, original, out)
    except Exception as exc:
        _remove(scratch)
        raise ServiceError(f"crawl {crawl_id}: cannot build the WACZ: {exc}") from exc
    _, sha = file_digest(out)
    return FileResponse(
        out,
        media_type="application/wacz",
        filename=out.name,
        background=BackgroundTask(_remove, scratch),
        headers={  # of the bytes, not of a temporary file: the same for the same crawl
            "ETag": f'"sha256-{sha}"',
            "Last-Modified": format_datetime(as_utc(crawl.finished_at), usegmt=True),
        },
    )
