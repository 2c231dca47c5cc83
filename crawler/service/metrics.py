"""Prometheus metrics: ``/metrics`` on the API; schedulers and workers serve theirs on
``CRAWLER_METRICS_PORT`` (0: off).

The API's metrics are read from the database at each scrape (runs by state; pages, records,
bytes, articles, upload backlog and errors of the running runs), so any API replica reports
the whole service. Workers report their current run; schedulers their fires.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client import Counter, Gauge, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from crawler.service.db import Database
from crawler.service.tables import Run

__all__ = [
    "API_REQUESTS",
    "RUNS_FINISHED",
    "RUNS_INTERRUPTED",
    "SCHEDULE_FIRES",
    "WORKER_RUN",
    "DatabaseCollector",
    "serve_metrics",
]

API_REQUESTS = Counter("crawler_api_requests", "API requests answered", ["method", "status"])
WORKER_RUN = Gauge(
    "crawler_worker_current_run", "Counters of the run this worker is crawling", ["counter"]
)
RUNS_FINISHED = Counter("crawler_worker_runs", "Runs this worker finished", ["status"])
SCHEDULE_FIRES = Counter("crawler_schedule_fires", "Schedule fire times handled", ["outcome"])
RUNS_INTERRUPTED = Counter(
    "crawler_runs_marked_interrupted", "Runs marked interrupted (worker gone silent)"
)

_LIVE = ("pages", "records", "bytes", "articles", "on_topic", "uploads_waiting")
_ERRORS = ("errors", "blocked", "truncated")


class DatabaseCollector(Collector):
    def __init__(self, database: Database) -> None:
        self.database = database

    def collect(self) -> Iterator[Any]:
        by_state = GaugeMetricFamily("crawler_runs", "Runs by state", labels=["state"])
        live = GaugeMetricFamily(
            "crawler_running", "Totals over the running runs", labels=["counter"]
        )
        errors = GaugeMetricFamily(
            "crawler_running_errors", "Errors of the running runs, by kind", labels=["kind"]
        )
        with self.database.session() as session:
            for state, count in session.execute(
                select(Run.status, func.count()).group_by(Run.status)
            ):
                by_state.add_metric([state], count)
            running = list(
                session.scalars(
                    select(Run.counters).where(Run.status.in_(("running", "cancelling")))
                )
            )
        for name in _LIVE:
            live.add_metric([name], sum(int((c or {}).get(name, 0)) for c in running))
        for name in _ERRORS:
            errors.add_metric([name], sum(int((c or {}).get(name, 0)) for c in running))
        yield from (by_state, live, errors)


def serve_metrics(port: int) -> None:
    """Serve this process's metrics on ``port`` (in a background thread); 0: off."""
    if port:
        start_http_server(port)
