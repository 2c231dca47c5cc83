"""Signing in and out, the home page, the status page, the UI's static files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, RedirectResponse, Response
from sqlalchemy import func, select

from crawler import __version__
from crawler.service.liveness import alive_anywhere
from crawler.service.routes.health import readiness
from crawler.service.tables import ArticleRow, CaptureRow, CrawlRow, Run
from crawler.service.ui.forms import read_form
from crawler.service.ui.render import page
from crawler.service.ui.session import COOKIE, UiCaller, UiSession, check_csrf

__all__ = ["router"]

router = APIRouter(prefix="/ui", include_in_schema=False)

_STATIC = Path(__file__).parent / "static"
_STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}


def _safe_next(value: str | None) -> str:
    """Where to go after signing in: a path of the UI only (never another site)."""
    if value and value.startswith("/ui/") and not value.startswith("//"):
        return value
    return "/ui/"


@router.get("/static/{name}")
def static(name: str) -> Response:
    path = _STATIC / name
    if path.parent != _STATIC or path.suffix not in _STATIC_TYPES or not path.is_file():
        return Response(status_code=404)
    return FileResponse(path, media_type=_STATIC_TYPES[path.suffix])


@router.get("/sign-in")
def sign_in_form(request: Request, next: Annotated[str | None, Query()] = None) -> Response:
    return page(request, "sign_in.html", title="Sign in", next=_safe_next(next), user=None)


@router.post("/sign-in")
async def sign_in(request: Request) -> Response:
    form = await read_form(request)
    token = form.get("token", "").strip()
    caller = await run_in_threadpool(request.app.state.tokens.caller, token) if token else None
    target = _safe_next(form.get("next"))
    if caller is None:
        return page(
            request,
            "sign_in.html",
            status_code=401,
            title="Sign in",
            next=target,
            user=None,
            error="Unknown or revoked token.",
        )
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        COOKIE, token, httponly=True, secure=True, samesite="strict", path="/", max_age=12 * 3600
    )
    return response


@router.post("/sign-out")
async def sign_out(request: Request, user: UiCaller) -> Response:
    check_csrf(user, (await read_form(request)).get("csrf"))
    response = RedirectResponse("/ui/sign-in", status_code=303)
    response.delete_cookie(COOKIE, path="/", secure=True, httponly=True, samesite="strict")
    return response


@router.get("/")
def home(request: Request, user: UiCaller, session: UiSession) -> Response:
    runs = list(session.scalars(select(Run).order_by(Run.id.desc()).limit(10)))
    return page(request, "home.html", title="Home", user=user, runs=runs)


@router.get("/status")
def status(request: Request, user: UiCaller, session: UiSession) -> Response:
    settings = request.app.state.settings
    ready = readiness(request.app)
    by_state = list(session.execute(select(Run.status, func.count()).group_by(Run.status)))
    counts = dict(by_state)
    return page(
        request,
        "status.html",
        title="Status",
        section="status",
        user=user,
        version=__version__,
        ready=ready,
        storage_url=settings.storage_url,
        workers=alive_anywhere(settings.data_dir, 3 * settings.heartbeat + 30),
        queued=counts.get("queued", 0),
        running=counts.get("running", 0) + counts.get("cancelling", 0),
        by_state=sorted(by_state),
        crawls=session.scalar(select(func.count()).select_from(CrawlRow)),
        captures=session.scalar(select(func.count()).select_from(CaptureRow)),
        articles=session.scalar(select(func.count()).select_from(ArticleRow)),
    )
