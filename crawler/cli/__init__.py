"""The ``crawler`` command line: one module per command group, output helpers."""

from crawler.cli.main import main

__all__ = ["main"]
