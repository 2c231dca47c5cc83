"""Extraction off the reactor: a pool of worker processes with a per-page time limit.

trafilatura has no timeout of its own; a page that makes it spin is stopped by killing its
worker (pebble replaces it). Workers are recycled after ``max_tasks`` pages to keep memory
flat, and started with ``forkserver`` so they do not inherit the crawler's reactor or threads.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from pebble import ProcessPool

from crawler.extract import ExtractOptions, extract_page

__all__ = ["ExtractionPool", "PoolOptions"]


@dataclass(frozen=True)
class PoolOptions:
    workers: int = 2
    timeout: float = 30.0
    """Seconds one page may take."""
    max_tasks: int = 500
    """Pages per worker before it is replaced."""


def _warm_up() -> None:
    import trafilatura  # noqa: F401 - import once per worker, not per page


class ExtractionPool:
    def __init__(self, options: PoolOptions, extract_options: ExtractOptions) -> None:
        self.options = options
        self.extract_options = extract_options
        self._pool = ProcessPool(
            max_workers=options.workers,
            max_tasks=options.max_tasks,
            initializer=_warm_up,
            context=multiprocessing.get_context("forkserver"),
        )

    def submit(self, **page: Any) -> Future[dict[str, Any]]:
        """Extract one page (``extract_page`` keyword arguments) in a worker."""
        future: Future[dict[str, Any]] = self._pool.schedule(
            extract_page,
            kwargs={**page, "options": self.extract_options},
            timeout=self.options.timeout,
        )
        return future

    def close(self) -> None:
        pool: Any = self._pool
        pool.stop()
        self._pool.join(timeout=10)
