"""The ``crawler`` command: its parser and what runs a command (one module per command group)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from crawler import __version__
from crawler.cli import CRAWL_COMMANDS
from crawler.cli.archive import add_archive_commands
from crawler.cli.client import add_client_commands
from crawler.cli.crawl import add_crawl_commands
from crawler.cli.extract import add_extract_command
from crawler.cli.service import add_service_commands
from crawler.config import ConfigurationError, load_settings

__all__ = ["parser", "run"]


def parser() -> argparse.ArgumentParser:
    """Every command, its options and help (``crawler --help``, ``crawler CMD --help``)."""
    top = argparse.ArgumentParser(
        prog="crawler", description="Archival crawler for news coverage (WARC/1.1)."
    )
    top.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    top.add_argument("-v", "--verbose", action="store_true", help="show Scrapy's own INFO logs")
    sub = top.add_subparsers(dest="command", required=True)
    add_crawl_commands(sub)
    add_extract_command(sub)
    add_archive_commands(sub)
    add_service_commands(sub)
    add_client_commands(sub)
    return top


def run(argv: Sequence[str] | None = None) -> int:
    """Run the command of ``argv`` (this process's command line when None): its exit status."""
    from crawler.cli.logs import configure_logging
    from crawler.process import fix_mmap_threshold

    fix_mmap_threshold()
    args = parser().parse_args(argv)
    if getattr(args, "stop_with_parent", None):
        from crawler.process import stop_with_parent

        stop_with_parent(args.stop_with_parent)
    try:
        settings = load_settings()
    except ConfigurationError as exc:
        print(f"crawler {args.command}: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings, args.verbose)
    if args.command in CRAWL_COMMANDS:
        from crawler.process import allocator

        logging.getLogger("crawler.process").info("memory allocator: %s", allocator())
    from crawler.service.errors import ServiceError

    try:
        status: int = args.func(args, settings)
    except ConfigurationError as exc:
        print(f"crawler {args.command}: {exc}", file=sys.stderr)
        return 2
    except ServiceError as exc:
        problems = "".join(
            f"\n  {field or '(body)'}: {message}" for field, _, message in exc.problems
        )
        print(f"crawler {args.command}: {exc.message}{problems}", file=sys.stderr)
        return 2
    return status
