"""The ``crawler`` command line: one module per command group, output helpers.

This package imports nothing when it is imported: a command that crawls first runs itself
again on jemalloc (:func:`crawler.process.use_jemalloc`), and what the program imported
before that it would import again (~0.2 s of each crawl's start). It ends without the
interpreter's teardown (:func:`crawler.process.exit_at_once`).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

__all__ = ["CRAWL_COMMANDS", "main"]

CRAWL_COMMANDS = frozenset({"crawl", "demo"})
"""The commands that run a crawl in their own process (on jemalloc)."""


def _command(arguments: Sequence[str]) -> str | None:
    """The command named on a command line (the top level's options take no value)."""
    return next((argument for argument in arguments if not argument.startswith("-")), None)


def main(argv: Sequence[str] | None = None) -> int:
    """The ``crawler`` program; ``argv`` (tests) instead of its own command line."""
    crawling = argv is None and _command(sys.argv[1:]) in CRAWL_COMMANDS
    if crawling:
        from crawler.process import use_jemalloc

        use_jemalloc()
    from crawler.cli.program import run

    status = run(argv)
    if crawling:  # the crawl is stored: its objects need not be freed one by one
        from crawler.process import exit_at_once

        exit_at_once(status)
    return status
