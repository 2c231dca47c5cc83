"""A crawl's log file copied into its run's events, a bounded piece per heartbeat.

Nothing is dropped: a flood of log lines is copied over the following heartbeats (a
megabyte per beat, so one beat never holds a transaction for long), and the last copy,
when the crawl has ended, takes everything left, including a last line without its
newline. A line longer than :data:`LINE_CHARS` is stored cut, saying so; the log file
keeps it whole.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import insert

from crawler.service.db import Database
from crawler.service.tables import RunEvent

__all__ = ["BYTES_PER_BEAT", "LINE_CHARS", "ship_log"]

logger = logging.getLogger(__name__)

BYTES_PER_BEAT = 1 << 20
"""Log bytes copied into the database per heartbeat; the rest waits for the next beats."""
LINE_CHARS = 8192
"""Longest log line stored as one event."""


def ship_log(
    database: Database, run_id: int, log_file: Path, offset: int, *, everything: bool = False
) -> int:
    """Copy the log's complete lines after ``offset`` (at most :data:`BYTES_PER_BEAT`, or all
    of it with ``everything``) into the run's events; returns the offset reached. A database
    failure is logged and the lines are tried again at the next call."""
    try:
        handle = log_file.open("rb")
    except OSError:
        return offset
    with handle:
        while True:
            try:
                handle.seek(offset)  # a piece ends at its last newline: the rest is read again
                data = handle.read(BYTES_PER_BEAT)
            except OSError:
                return offset
            at_end = len(data) < BYTES_PER_BEAT
            end = data.rfind(b"\n") + 1
            if (everything and at_end) or (end == 0 and not at_end):
                end = len(data)  # the log's unfinished last line, or a line longer than a beat
            if end == 0:
                return offset
            lines = [_cut(line) for line in data[:end].decode("utf-8", "replace").splitlines()]
            try:
                with database.transaction() as session:
                    session.execute(
                        insert(RunEvent),
                        [{"run_id": run_id, "kind": "log", "message": line} for line in lines],
                    )
            except Exception:
                logger.exception("run %s: could not store log lines of %s", run_id, log_file)
                return offset
            offset += end
            if not everything or at_end:
                return offset


def _cut(line: str) -> str:
    if len(line) <= LINE_CHARS:
        return line
    return f"{line[:LINE_CHARS]} [{len(line) - LINE_CHARS} more characters in the log file]"
