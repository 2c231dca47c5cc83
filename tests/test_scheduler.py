"""The scheduler on a fast clock, and schedulers racing each other (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crawler.service.db import Database
from crawler.service.jobs import create_job
from crawler.service.runs import finish_run
from crawler.service.scheduler import Scheduler
from crawler.service.schedules import create_schedule
from crawler.service.tables import Run, Schedule, ScheduleFire
from tests.databases import service_database

pytestmark = pytest.mark.e2e

T0 = datetime(2026, 1, 5, 9, 2, tzinfo=UTC)  # a Monday, winter (Paris is UTC+1)


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    with service_database(request.param, tmp_path) as database:
        yield database


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _schedule(database: Database, job: str, cron: str, tz: str = "UTC") -> int:
    with database.transaction() as session:
        create_job(session, f"name: {job}\nseeds:\n  feeds: [https://e.org/{job}.xml]\n", "t")
        schedule = create_schedule(session, job, cron, tz, True, "t")
        schedule.created_at = T0  # as if created at T0
        return schedule.id


def _fires(database: Database, schedule_id: int) -> list[tuple[datetime, str, str]]:
    with database.session() as session:
        query = select(ScheduleFire).where(ScheduleFire.schedule_id == schedule_id)
        return [
            (f.fire_time, f.outcome, f.reason)
            for f in session.scalars(query.order_by(ScheduleFire.id))
        ]


def _finish_all(database: Database) -> None:
    with database.session() as session:
        running = [(r.id, r.worker) for r in session.scalars(select(Run))]
    with database.transaction() as session:
        for run in session.scalars(select(Run).where(Run.status == "queued")):
            run.status, run.worker = "running", "w"
    for run_id, _ in running:
        finish_run(database, run_id, "w", "succeeded", {}, {})


def test_fires_on_time_once_skips_while_busy_and_coalesces_missed(database: Database) -> None:
    schedule_id = _schedule(database, "every5", "*/5 * * * *")
    clock = Clock(T0 + timedelta(minutes=2))  # 09:04: nothing due yet
    scheduler = Scheduler(database, tick=1, run_lease=30, name="s1", clock=clock)
    assert scheduler.run_once() == []
    clock.now = datetime(2026, 1, 5, 9, 5, tzinfo=UTC)
    fired = scheduler.run_once()
    assert [(f.outcome, f.fire_time) for f in fired] == [("queued", clock.now)]
    assert scheduler.run_once() == []  # the same fire time is never handled twice
    clock.now += timedelta(minutes=5)  # 09:10, the 09:05 run is still queued
    skipped = scheduler.run_once()
    assert skipped[0].outcome == "skipped" and "still queued" in skipped[0].reason
    _finish_all(database)
    clock.now += timedelta(hours=1, seconds=30)  # 10:10:30: twelve fire times were missed
    caught_up = scheduler.run_once()
    assert len(caught_up) == 1 and caught_up[0].outcome == "queued"
    assert caught_up[0].fire_time == datetime(2026, 1, 5, 10, 10, tzinfo=UTC)
    assert "12 missed" in caught_up[0].reason
    restarted = Scheduler(database, tick=1, run_lease=30, name="s2", clock=clock)
    assert restarted.run_once() == []  # a restart does not fire again
    assert [f[1] for f in _fires(database, schedule_id)] == ["queued", "skipped", "queued"]
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Run)) == 2


def test_time_zone_and_disabled_schedules(database: Database) -> None:
    paris = _schedule(database, "morning", "0 6 * * *", "Europe/Paris")
    clock = Clock(datetime(2026, 1, 6, 4, 59, tzinfo=UTC))
    scheduler = Scheduler(database, tick=1, run_lease=30, clock=clock)
    assert scheduler.run_once() == []  # 05:59 in Paris (T0 was 10:02 there)
    clock.now = datetime(2026, 1, 6, 5, 0, tzinfo=UTC)  # 6 Jan 06:00 in Paris
    fired = scheduler.run_once()
    assert [(f.schedule_id, f.fire_time) for f in fired] == [(paris, clock.now)]
    _finish_all(database)
    with database.transaction() as session:
        schedule = session.get(Schedule, paris)
        assert schedule is not None
        schedule.enabled = False
    clock.now += timedelta(days=1)
    assert scheduler.run_once() == []


def test_racing_schedulers_fire_each_time_once(database: Database) -> None:
    ids = [_schedule(database, f"job{i}", "0 * * * *") for i in range(12)]
    clock = Clock(datetime(2026, 1, 5, 10, 0, 1, tzinfo=UTC))
    schedulers = [Scheduler(database, 1, 30, name=f"s{i}", clock=clock) for i in range(4)]
    start = threading.Barrier(len(schedulers))
    results: list[int] = []
    errors: list[BaseException] = []

    def race(scheduler: Scheduler) -> None:
        start.wait()
        try:
            results.append(len(scheduler.run_once()))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=race, args=(s,)) for s in schedulers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert sum(results) == len(ids)  # each schedule fired by exactly one scheduler
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Run)) == len(ids)
        fires = session.scalars(select(ScheduleFire)).all()
    assert sorted(f.schedule_id for f in fires) == sorted(ids)
    assert {f.fire_time for f in fires} == {datetime(2026, 1, 5, 10, 0, tzinfo=UTC)}
