"""``/health``, ``/ready`` and ``/metrics``: the service's own state, for ops."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from crawler import __version__
from crawler.config import Settings
from crawler.service.db import Database
from crawler.service.media import answers
from crawler.service.storages import Storages

__all__ = ["readiness", "router"]

router = APIRouter(tags=["service"])


@router.get("/health")
async def health() -> dict[str, str]:
    """Liveness: the API process answers (on the event loop: it never waits for a worker
    thread, so a burst of slow requests cannot make it look dead)."""
    return {"status": "ok", "version": __version__}


@router.get(
    "/metrics",
    response_class=PlainTextResponse,
    responses=answers(CONTENT_TYPE_LATEST.split(";")[0]),
)
def metrics(request: Request) -> PlainTextResponse:
    """Prometheus metrics: requests, runs by state, what the running runs have done."""
    body = generate_latest(REGISTRY) + generate_latest(request.app.state.metrics)
    return PlainTextResponse(body, media_type=CONTENT_TYPE_LATEST)


def readiness(app: Any) -> dict[str, str]:
    """``database`` and ``storage``: ``ok``, ``not configured`` or what went wrong (the
    status page of the web interface shows the same)."""
    database: Database = app.state.database
    settings: Settings = app.state.settings
    storages: Storages = app.state.storages
    status = {"database": "ok", "storage": "ok" if settings.storage_url else "not configured"}
    try:
        database.check()
    except Exception as exc:
        status["database"] = str(exc)
    if settings.storage_url:
        try:
            storages.get(settings.storage_url).ping()
        except Exception as exc:
            status["storage"] = str(exc)
    return status


@router.get("/ready")
def ready(request: Request) -> JSONResponse:
    """Readiness: the database answers, and the storage (``CRAWLER_STORAGE_URL``) too."""
    status = readiness(request.app)
    fine = all(value in ("ok", "not configured") for value in status.values())
    return JSONResponse({"ready": fine, **status}, 200 if fine else 503)
