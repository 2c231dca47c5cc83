"""Console logging: our own INFO lines (progress, uploads), Scrapy's only from WARNING up.

``CRAWLER_LOG_FORMAT=json`` (containers) writes one JSON object per line, with the run id and
job name a worker gives its crawls (``CRAWLER_RUN_ID``, ``CRAWLER_JOB``).
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from crawler.config import Settings

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


def configure_logging(settings: Settings, verbose: bool = False) -> None:
    """Log to stderr: text, or JSON lines with the run and job of a worker's crawl."""
    handler = logging.StreamHandler(sys.stderr)
    if settings.log_format == "json":
        context = {"run_id": settings.run_id, "job": settings.job}
        handler.setFormatter(JsonFormatter({k: v for k, v in context.items() if v}))
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S")
        )
    handler.addFilter(_OwnInfoFilter(verbose))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
