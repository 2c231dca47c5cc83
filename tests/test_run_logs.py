"""A crawl's log copied into its run's events: a flood is copied over several heartbeats,
nothing dropped, in order; the last copy takes everything, an unfinished last line too."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from crawler.service.db import Database, open_database
from crawler.service.jobs import create_job, get_job
from crawler.service.run_logs import BYTES_PER_BEAT, LINE_CHARS, ship_log
from crawler.service.runs import queue_run
from crawler.service.tables import RunEvent

JOB = """name: logs
seeds: {start_pages: ["https://example.org/"]}
"""


def _run(tmp_path: Path) -> tuple[Database, int]:
    database = open_database(f"sqlite:///{tmp_path / 'crawler.db'}")
    with database.transaction() as session:
        create_job(session, JOB, "test")
        run_id = queue_run(session, get_job(session, "logs"), "manual", "test").id
    return database, run_id


def _logged(database: Database, run_id: int) -> list[str]:
    with database.transaction() as session:
        query = select(RunEvent.message).where(RunEvent.run_id == run_id, RunEvent.kind == "log")
        return list(session.scalars(query.order_by(RunEvent.id)))


def test_a_flood_of_log_lines_is_copied_over_several_beats_without_losing_one(
    tmp_path: Path,
) -> None:
    database, run_id = _run(tmp_path)
    lines = [f"line {n:06d} " + "x" * 90 for n in range(30_000)]  # about 3 MB: three beats
    log = tmp_path / "crawl.log"
    log.write_text("\n".join(lines) + "\nunfinished last li", encoding="utf-8")

    offset = ship_log(database, run_id, log, 0)
    first = _logged(database, run_id)
    assert 0 < offset <= BYTES_PER_BEAT and len(first) < len(lines)
    assert first == lines[: len(first)]  # a beat copies whole lines, from the start

    offset = ship_log(database, run_id, log, offset, everything=True)
    assert offset == log.stat().st_size
    assert _logged(database, run_id) == [*lines, "unfinished last li"]
    assert ship_log(database, run_id, log, offset, everything=True) == offset  # nothing twice


def test_a_line_longer_than_a_beat_is_stored_cut_and_the_log_goes_on(tmp_path: Path) -> None:
    database, run_id = _run(tmp_path)
    log = tmp_path / "crawl.log"
    log.write_text("a" * (BYTES_PER_BEAT + 10) + "\nafter\n", encoding="utf-8")
    offset = ship_log(database, run_id, log, 0)
    offset = ship_log(database, run_id, log, offset)
    offset = ship_log(database, run_id, log, offset)
    assert offset == log.stat().st_size
    first, rest, after = _logged(database, run_id)
    assert first.startswith("a" * LINE_CHARS) and first.endswith("more characters in the log file]")
    assert rest == "a" * 10 and after == "after"
