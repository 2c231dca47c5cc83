"""Console logging: our own INFO lines (progress, uploads), Scrapy's only from WARNING up.

``CRAWLER_LOG_FORMAT=json`` (containers) writes one JSON object per line, with the run id and
job name a worker gives its crawls (``CRAWLER_RUN_ID``, ``CRAWLER_JOB``).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime

__all__ = ["JsonFormatter", "configure_logging"]


class JsonFormatter(logging.Formatter):
    def __init__(self, context: dict[str, str]) -> None:
        super().__init__()
        self.context = context

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **self.context,
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class _OwnInfoFilter(logging.Filter):
    def __init__(self, verbose: bool) -> None:
        super().__init__()
        self.verbose = verbose

    def filter(self, record: logging.LogRecord) -> bool:
        if self.verbose or record.levelno >= logging.WARNING:
            return True
        return record.levelno >= logging.INFO and record.name.startswith(("crawler", "spiders"))


def configure_logging(verbose: bool = False, environ: dict[str, str] | None = None) -> None:
    environ = dict(os.environ) if environ is None else environ
    handler = logging.StreamHandler(sys.stderr)
    if environ.get("CRAWLER_LOG_FORMAT", "text").lower() == "json":
        context = {
            key: environ[name]
            for key, name in (("run_id", "CRAWLER_RUN_ID"), ("job", "CRAWLER_JOB"))
            if environ.get(name)
        }
        handler.setFormatter(JsonFormatter(context))
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S")
        )
    handler.addFilter(_OwnInfoFilter(verbose))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
