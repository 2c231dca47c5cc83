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

from crawler.articles.extract import ExtractionResult, ExtractOptions, extract_page
from crawler.process import fix_mmap_threshold

__all__ = ["ExtractionPool", "PoolOptions", "start_forkserver"]


@dataclass(frozen=True)
class PoolOptions:
    workers: int = 2
    timeout: float = 30.0
    """Seconds one page may take."""
    max_tasks: int = 2000
    """Pages per worker before it is replaced: keeps each worker near its start-up size
    (trafilatura's caches grow to ~150 MB otherwise). A replacement is a fork of the
    preloaded forkserver: milliseconds."""

    def __post_init__(self) -> None:
        # a pool of no worker takes pages and never answers: refused, naming the field
        for name, value in (("workers", self.workers), ("max_tasks", self.max_tasks)):
            if value < 1:
                raise ValueError(f"extraction pool: {name} must be at least 1, not {value}")
        if not self.timeout > 0:
            raise ValueError(
                f"extraction pool: timeout must be above 0 seconds, not {self.timeout}"
            )


_PRELOAD = [
    "crawler.articles.pool",  # pebble's worker loop and the initializer: a fork, no import
    "crawler.articles.extract",
    "trafilatura",
    "htmldate",
    "charset_normalizer",
    "crawler.articles.warmup",  # last: extracts two built pages (its docstring says why)
]


def _context() -> Any:
    """forkserver with the extraction modules imported once, before any worker forks:
    workers start in milliseconds and share those pages (copy-on-write)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_PRELOAD)
    return context


def start_forkserver() -> None:
    """Start the workers' forkserver now: its imports and warm-up (~0.5 s) then run on the
    other core while the crawl process starts, not when the first page waits for a worker."""
    from multiprocessing import forkserver

    _context()
    forkserver.ensure_running()


class ExtractionPool:
    def __init__(self, options: PoolOptions, extract_options: ExtractOptions) -> None:
        self.options = options
        self.extract_options = extract_options
        self._pool = ProcessPool(
            max_workers=options.workers,
            max_tasks=options.max_tasks,
            context=_context(),
            initializer=fix_mmap_threshold,
        )

    def submit(self, timeout: float | None = None, **page: Any) -> Future[ExtractionResult]:
        """Extract one page (``extract_page`` keyword arguments) in a worker."""
        future: Future[ExtractionResult] = self._pool.schedule(
            extract_page,
            kwargs={**page, "options": self.extract_options},
            timeout=timeout or self.options.timeout,
        )
        return future

    def close(self) -> None:
        pool: Any = self._pool
        pool.stop()
        self._pool.join(timeout=10)
