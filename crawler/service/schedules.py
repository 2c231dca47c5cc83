"""Schedules: cron expressions in a time zone, their next fire times, and firing them once.

A fire time is handled by inserting ``(schedule, fire time)`` into ``schedule_fires`` in the
same transaction that queues the run (or records the skip): the unique key lets exactly one
of several racing schedulers succeed, and a restarted scheduler sees what was handled. Fire
times missed while no scheduler ran are coalesced into one run at the latest of them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from croniter.croniter import CroniterBadDateError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from crawler.service.audit import record
from crawler.service.db import Database
from crawler.service.errors import InvalidError, NotFoundError
from crawler.service.jobs import get_job
from crawler.service.runs import active_run, queue_run
from crawler.service.tables import Job, Schedule, ScheduleFire, utcnow

__all__ = [
    "FireOutcome",
    "check_cron",
    "check_timezone",
    "create_schedule",
    "delete_schedule",
    "fire_due",
    "get_schedule",
    "next_fire_times",
    "update_schedule",
]

logger = logging.getLogger(__name__)

_MACROS = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")
_MAX_MISSED_COUNTED = 10_000


def check_cron(expression: str) -> str:
    """The expression, stripped; :class:`InvalidError` naming the field ``cron`` otherwise."""
    expression = " ".join(expression.split())
    fields = expression.split(" ")
    if expression.lower() in _MACROS:
        return expression.lower()
    if len(fields) != 5 or not croniter.is_valid(expression):
        raise InvalidError(
            f"invalid cron expression {expression!r}",
            [
                (
                    "cron",
                    None,
                    f"{expression!r} is not a cron expression: five fields "
                    "'minute hour day-of-month month day-of-week' (e.g. '0 6,12,18 * * *') "
                    f"or one of {', '.join(_MACROS)}",
                )
            ],
        )
    try:  # 30 February, 31 April...: valid fields, but no day ever matches
        croniter(expression, datetime(2026, 1, 1)).get_next(datetime)
    except CroniterBadDateError:
        raise InvalidError(
            f"cron expression {expression!r} never fires",
            [("cron", None, f"{expression!r} matches no date (a day the month never has?)")],
        ) from None
    return expression


def check_timezone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidError(
            f"unknown time zone {name!r}",
            [("timezone", None, f"{name!r} is not an IANA time zone (e.g. 'Europe/Paris')")],
        ) from None


def next_fire_times(schedule: Schedule, after: datetime, count: int = 5) -> list[datetime]:
    """The next ``count`` fire times after ``after``, as aware datetimes in the schedule's zone."""
    zone = ZoneInfo(schedule.timezone)
    times = croniter(schedule.cron, after.astimezone(zone))
    return [times.get_next(datetime) for _ in range(count)]


def _latest_due(schedule: Schedule, now: datetime) -> tuple[datetime, int] | None:
    """The latest fire time in ``(last handled, now]`` and how many fire times that span
    holds; None when nothing is due."""
    zone = ZoneInfo(schedule.timezone)
    baseline = schedule.last_fire_at or schedule.created_at
    times = croniter(schedule.cron, (now + timedelta(microseconds=1)).astimezone(zone))
    latest = times.get_prev(datetime)
    if latest <= baseline:
        return None
    missed = 1
    while missed < _MAX_MISSED_COUNTED and times.get_prev(datetime) > baseline:
        missed += 1
    return latest, missed


def get_schedule(session: Session, schedule_id: int) -> Schedule:
    schedule = session.get(Schedule, schedule_id)
    if schedule is None or schedule.job.deleted_at is not None:
        raise NotFoundError(f"no schedule {schedule_id}")
    return schedule


def create_schedule(
    session: Session, job_name: str, cron: str, timezone: str, enabled: bool, actor: str
) -> Schedule:
    job = get_job(session, job_name)
    check_timezone(timezone)
    schedule = Schedule(
        job_id=job.id, cron=check_cron(cron), timezone=timezone, enabled=enabled, created_by=actor
    )
    session.add(schedule)
    session.flush()
    record(session, actor, "schedule.create", f"schedule:{schedule.id}", {"job": job_name})
    return schedule


def update_schedule(
    session: Session,
    schedule_id: int,
    actor: str,
    cron: str | None = None,
    timezone: str | None = None,
    enabled: bool | None = None,
) -> Schedule:
    schedule = get_schedule(session, schedule_id)
    changes: dict[str, object] = {}
    if cron is not None:
        schedule.cron = changes["cron"] = check_cron(cron)
    if timezone is not None:
        check_timezone(timezone)
        schedule.timezone = changes["timezone"] = timezone
    if enabled is not None:
        if enabled and not schedule.enabled:
            # re-enabled: fire times passed while disabled are not owed
            schedule.last_fire_at = utcnow()
        schedule.enabled = changes["enabled"] = enabled
    record(session, actor, "schedule.update", f"schedule:{schedule_id}", changes)
    return schedule


def delete_schedule(session: Session, schedule_id: int, actor: str) -> None:
    schedule = get_schedule(session, schedule_id)
    session.delete(schedule)
    record(session, actor, "schedule.delete", f"schedule:{schedule_id}", {})


@dataclass(frozen=True)
class FireOutcome:
    schedule_id: int
    fire_time: datetime
    outcome: str
    """``queued`` or ``skipped``."""
    run_id: int | None
    reason: str


def _fire_one(session: Session, schedule: Schedule, now: datetime, name: str) -> FireOutcome | None:
    due = _latest_due(schedule, now)
    if due is None:
        return None
    fire_time, missed = due
    job: Job = schedule.job
    reason = f"stands for {missed} missed fire times" if missed > 1 else ""
    busy = active_run(session, job.id)
    if busy is not None:
        outcome = "skipped"
        run_id = None
        reason = f"run {busy.id} of job {job.name!r} is still {busy.status}" + (
            f"; {reason}" if reason else ""
        )
    else:
        run = queue_run(session, job, trigger="schedule", actor=f"schedule:{schedule.id}")
        run.schedule_id = schedule.id
        outcome, run_id = "queued", run.id
    session.add(
        ScheduleFire(
            schedule_id=schedule.id,
            fire_time=fire_time,
            outcome=outcome,
            run_id=run_id,
            reason=reason,
            scheduler=name,
        )
    )
    schedule.last_fire_at = fire_time
    session.flush()  # the unique (schedule, fire_time) key decides here
    return FireOutcome(schedule.id, fire_time, outcome, run_id, reason)


def fire_due(database: Database, now: datetime, scheduler: str) -> list[FireOutcome]:
    """Handle every schedule with a fire time due at ``now``; each in its own transaction,
    so one schedule's conflict or error does not hold up the others."""
    with database.session() as session:
        ids = list(
            session.scalars(
                select(Schedule.id)
                .join(Job, Job.id == Schedule.job_id)
                .where(Schedule.enabled.is_(True), Job.deleted_at.is_(None))
                .order_by(Schedule.id)
            )
        )
    outcomes = []
    for schedule_id in ids:
        try:
            with database.transaction() as session:
                schedule = session.get(Schedule, schedule_id)
                if schedule is None or not schedule.enabled:
                    continue
                outcome = _fire_one(session, schedule, now, scheduler)
        except IntegrityError:
            logger.info("schedule %s: fire time already handled by another scheduler", schedule_id)
            continue
        except OperationalError as exc:  # e.g. SQLite busy past its timeout: next tick
            logger.warning("schedule %s: database busy, will retry: %s", schedule_id, exc)
            continue
        if outcome is not None:
            logger.info(
                "schedule %s fired for %s: %s%s",
                schedule_id,
                outcome.fire_time.isoformat(),
                outcome.outcome if outcome.run_id is None else f"run {outcome.run_id} queued",
                f" ({outcome.reason})" if outcome.reason else "",
            )
            outcomes.append(outcome)
    return outcomes
