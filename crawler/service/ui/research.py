"""Pages for researchers: search (counts, a histogram by month, exports of the whole
result), an article (text, metadata and the source of each date, relevance terms, its
near-duplicates, WARC provenance, the archived page in a sandboxed frame, its captures
over time, citations to copy)."""

from __future__ import annotations

import json
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from sqlalchemy import select

from crawler.service.errors import NotFoundError, ServiceError
from crawler.service.params import Offset, RowId
from crawler.service.research.cdx import CdxQuery, closest_capture, find_captures, http_date
from crawler.service.research.exports import bibtex, csl_json, plain_citation, ris
from crawler.service.research.memento import replay, with_query
from crawler.service.research.routes import export_response
from crawler.service.research.search import ArticleQuery, find_articles, months_of
from crawler.service.tables import ArticleRow
from crawler.service.ui.render import page
from crawler.service.ui.session import UiCaller, UiSession, UiStreamingSession

__all__ = ["router"]

router = APIRouter(prefix="/ui", include_in_schema=False)

_PAGE = 50
_FIELDS = ("q", "site", "language", "from", "to", "on_topic")


def _query(form: dict[str, str], offset: int = 0, limit: int = _PAGE) -> ArticleQuery:
    return ArticleQuery(
        q=form["q"] or None,
        published_from=form["from"] or None,
        published_to=form["to"] or None,
        site=form["site"] or None,
        language=form["language"] or None,
        on_topic=True if form["on_topic"] else None,
        limit=limit,
        offset=offset,
    )


def _form(request: Request) -> dict[str, str]:
    return {name: request.query_params.get(name, "").strip() for name in _FIELDS}


@router.get("/search")
def search(request: Request, user: UiCaller, session: UiSession, offset: Offset = 0) -> Response:
    form = _form(request)
    searched = any(form.values()) or "q" in request.query_params
    results: list[ArticleRow] = []
    months: list[tuple[str, int]] = []
    error = ""
    if searched:
        try:
            query = _query(form, offset)
            months = months_of(session, query)
            results = list(find_articles(session, query))
        except ServiceError as exc:
            error = exc.message
    dated = [(m, n) for m, n in months if m != "?"]
    return page(
        request,
        "search.html",
        title="Search",
        section="search",
        user=user,
        form=form,
        searched=searched,
        offset=offset,
        limit=_PAGE,
        query=urlencode({k: v for k, v in form.items() if v}),
        results=results,
        months=dated,
        total=sum(n for _, n in months),
        error=error,
    )


@router.get("/search/export")
def export(
    request: Request,
    user: UiCaller,
    session: UiStreamingSession,
    format: Literal["jsonl", "csv", "parquet"] = "csv",
) -> Response:
    """Every article the search matches, as a download."""
    query = _query(_form(request))
    return export_response(find_articles(session, query, page=False), format, "search")


@router.get("/articles/{article_id}")
def article(request: Request, article_id: RowId, user: UiCaller, session: UiSession) -> Response:
    row = session.get(ArticleRow, article_id)
    if row is None:
        raise NotFoundError(f"no article {article_id}")
    data = row.data
    captures = list(find_captures(session, CdxQuery.parse(row.final_url)))
    current = next((c for c in captures if c.crawl_id == row.crawl_id), None)
    cluster = data.get("cluster_id")
    duplicates = (
        list(
            session.scalars(
                select(ArticleRow)
                .where(
                    ArticleRow.id != row.id, ArticleRow.data["cluster_id"].as_string() == cluster
                )
                .limit(20)
            )
        )
        if cluster
        else []
    )
    snapshot = f"/ui/archived/{current.ts}/{row.final_url}" if current else row.final_url
    citations = {
        "apa": plain_citation(row),
        "bibtex": bibtex(row),
        "ris": ris(row),
        "csl": json.dumps([csl_json(row)], ensure_ascii=False, indent=2),
    }
    return page(
        request,
        "article.html",
        title=row.title or row.final_url,
        section="search",
        user=user,
        row=row,
        data=data,
        warc=data.get("warc") or {},
        relevance=data.get("relevance") or {},
        duplicates=duplicates,
        captures=captures,
        current_ts=current.ts if current else None,
        snapshot=snapshot,
        citations=citations,
    )


@router.get("/archived/{timestamp}/{url:path}")
def archived(
    request: Request,
    timestamp: Annotated[str, Path(pattern="^[0-9]{1,14}$")],
    url: str,
    user: UiCaller,
    session: UiSession,
) -> Response:
    """The archived page for the article page's frame: as ``/snapshots`` serves it
    (sandboxed, scripts never run), under the sign-in cookie."""
    target = with_query(url, request)
    capture = closest_capture(session, target, timestamp)
    if capture is None:
        raise NotFoundError(f"no capture of {target}")
    memento = {"Memento-Datetime": http_date(capture.ts)}
    return replay(session, request.app.state.storages, capture, memento, "/ui/archived")
