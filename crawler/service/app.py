"""The HTTP API (FastAPI): one router per resource (:mod:`crawler.service.routes`) and the
research routes (:mod:`crawler.service.research.routes`). OpenAPI at ``/docs``.

Every route but the probes (``/health``, ``/ready``, ``/metrics``) and the API's description
(``/openapi.json``, ``/docs``) needs ``Authorization: Bearer <token>``; reads need any role,
writes ``archivist`` (tokens: ``admin``). Bad input gets a 4xx whose body names each field
at fault: ``{"detail": "...", "problems": [{"field", "line", "message"}]}``.
"""

import asyncio
import logging
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import CollectorRegistry
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crawler import __version__
from crawler.config import Settings
from crawler.service.auth import TokenCheck
from crawler.service.db import Database
from crawler.service.errors import ServiceError
from crawler.service.jobs import StorageRoots
from crawler.service.methods import HeadAsGet, allowed_methods
from crawler.service.metrics import API_REQUESTS, DatabaseCollector
from crawler.service.params import refuse_unknown_query
from crawler.service.research import memento
from crawler.service.research.routes import PYWB_ERRORS
from crawler.service.research.routes import router as research_router
from crawler.service.routes import health, jobs, runs, schedules, tokens
from crawler.service.schemas import ErrorOut
from crawler.service.storages import Storages
from crawler.service.ui.routes import error_page, is_ui
from crawler.service.ui.routes import install as install_ui

__all__ = ["create_app"]

logger = logging.getLogger(__name__)

_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (400, 401, 403, 404, 409, 413, 422)
}


class _BodyLimit:
    """Refuses request bodies over ``limit`` bytes with 413, declared or streamed."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise _TooLargeError
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLargeError:
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        response = JSONResponse(
            {"detail": f"request body over {self.limit} bytes", "problems": []}, status_code=413
        )
        await response({"type": "http"}, _no_receive, send)


class _TooLargeError(Exception):
    pass


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


def _problems_of(exc: RequestValidationError) -> list[dict[str, Any]]:
    problems = []
    for error in exc.errors():
        loc = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path", "header")]
        message = "unknown field" if error.get("type") == "extra_forbidden" else error["msg"]
        problems.append({"field": ".".join(loc), "line": None, "message": message})
    return problems


def create_app(database: Database, settings: Settings | None = None) -> FastAPI:
    """The API over ``database``; ``settings`` (default: the environment's) give the largest
    request body, the storage ``/ready`` checks and the S3 settings crawls are read with."""
    settings = settings or Settings()
    app = FastAPI(
        title="news-archive-crawler",
        version=__version__,
        description="Jobs, schedules and runs of the archival news crawler.",
        responses=_ERRORS,
        dependencies=[Depends(refuse_unknown_query)],
    )
    app.state.database = database
    app.state.settings = settings
    app.state.storages = Storages(settings.s3)
    app.state.tokens = TokenCheck(database)
    app.state.storage_roots = StorageRoots.from_settings(settings)
    app.state.sessions = asyncio.Semaphore(database.request_sessions)
    app.state.metrics = CollectorRegistry()
    app.state.metrics.register(DatabaseCollector(database))
    app.add_middleware(_BodyLimit, limit=settings.max_body)
    app.add_middleware(HeadAsGet)

    def answer(
        request: Request,
        status: int,
        detail: str,
        problems: list[dict[str, Any]],
        headers: dict[str, str] | None = None,
    ) -> Response:
        """An error as JSON for the API, as a page for the web interface."""
        if is_ui(request):
            return error_page(request, status, detail, problems)
        return JSONResponse({"detail": detail, "problems": problems}, status, headers)

    @app.exception_handler(ServiceError)
    async def service_error(request: Request, exc: ServiceError) -> Response:
        problems = [{"field": f, "line": ln, "message": m} for f, ln, m in exc.problems]
        return answer(request, exc.status, exc.message, problems)

    @app.exception_handler(IntegrityError)
    async def concurrent_change(request: Request, _exc: IntegrityError) -> Response:
        detail = "conflicts with a change made at the same time (a taken name?); try again"
        return answer(request, 409, detail, [])

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        route = getattr(request.scope.get("route"), "path", "")
        status = 400 if route in PYWB_ERRORS else 422
        return answer(request, status, "invalid request", _problems_of(exc))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        logger.exception("%s %s failed", request.method, request.url.path)
        return answer(request, 500, "internal error (logged on the server)", [])

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(app.router.routes, request.scope))
        return answer(request, exc.status_code, str(exc.detail), [], headers)

    @app.middleware("http")
    async def count_requests(request: Request, call_next: Any) -> Any:
        try:
            response = await call_next(request)
        except Exception:  # answered 500 by the handler above, outside this middleware
            API_REQUESTS.labels(request.method, "500").inc()
            raise
        API_REQUESTS.labels(request.method, str(response.status_code)).inc()
        return response

    for module in (health, jobs, schedules, runs, tokens):
        app.include_router(module.router)
    app.include_router(research_router)
    app.include_router(memento.router)
    install_ui(app)
    return app
