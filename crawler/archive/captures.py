"""What a crawl captured, per URL, for the next run of an incremental job (no Scrapy).

One JSON object per line: the URL, the capture's WARC record (id, date, payload digest)
and the validators the server gave (``ETag``, ``Last-Modified``). Workers keep these per job
in the database; an ``only_new`` run gets the latest capture of each URL it may meet.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

from crawler.archive.linelog import LineLog
from crawler.archive.warc import Original

__all__ = ["Capture", "CaptureLog", "load_captures"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Capture:
    url: str
    record_id: str
    """``WARC-Record-ID`` of the response (or revisit) that holds the payload."""
    date: str
    """``WARC-Date`` of that record."""
    digest: str
    """``WARC-Payload-Digest`` (``sha1:<base32>``)."""
    etag: str | None = None
    last_modified: str | None = None

    def original(self) -> Original:
        return Original(self.record_id, self.url, self.date, self.digest)


def load_captures(path: Path) -> dict[str, Capture]:
    """URL to capture; unreadable lines are skipped with a warning naming them."""
    found: dict[str, Capture] = {}
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            try:
                capture = Capture(**json.loads(line))
            except (ValueError, TypeError) as exc:
                logger.warning("%s:%d: capture line skipped (%s)", path, number, exc)
                continue
            found[capture.url] = capture
    return found


class CaptureLog(LineLog):
    """Appends captures as they are written."""

    def write(self, capture: Capture) -> None:
        self.append(asdict(capture))
