"""``/schedules``: cron schedules of jobs, their next fire times and their history."""

from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy import select

from crawler.service import schedules
from crawler.service.deps import Reader, SessionDep, Writer
from crawler.service.params import RowId
from crawler.service.schemas import FireOut, ScheduleIn, ScheduleOut, SchedulePatch
from crawler.service.tables import Job, Schedule, ScheduleFire, utcnow

__all__ = ["router"]

router = APIRouter(tags=["schedules"])


def _out(schedule: Schedule) -> ScheduleOut:
    upcoming = schedules.next_fire_times(schedule, utcnow()) if schedule.enabled else []
    return ScheduleOut.of(schedule, upcoming)


@router.post("/schedules", status_code=201)
def create_schedule(body: ScheduleIn, current: SessionDep, token: Writer) -> ScheduleOut:
    schedule = schedules.create_schedule(
        current, body.job, body.cron, body.timezone, body.enabled, token.name
    )
    return _out(schedule)


@router.get("/schedules")
def list_schedules(
    current: SessionDep, _token: Reader, job: str | None = None
) -> list[ScheduleOut]:
    query = select(Schedule).join(Job).where(Job.deleted_at.is_(None)).order_by(Schedule.id)
    if job is not None:
        query = query.where(Job.name == job)
    return [_out(s) for s in current.scalars(query)]


@router.get("/schedules/{schedule_id}")
def show_schedule(schedule_id: RowId, current: SessionDep, _token: Reader) -> ScheduleOut:
    return _out(schedules.get_schedule(current, schedule_id))


@router.patch("/schedules/{schedule_id}")
def update_schedule(
    schedule_id: RowId, body: SchedulePatch, current: SessionDep, token: Writer
) -> ScheduleOut:
    """Change the cron expression or time zone; enable or disable."""
    schedule = schedules.update_schedule(
        current, schedule_id, token.name, body.cron, body.timezone, body.enabled
    )
    return _out(schedule)


@router.delete("/schedules/{schedule_id}", status_code=204)
def delete_schedule(schedule_id: RowId, current: SessionDep, token: Writer) -> Response:
    schedules.delete_schedule(current, schedule_id, token.name)
    return Response(status_code=204)


@router.get("/schedules/{schedule_id}/fires")
def schedule_fires(
    schedule_id: RowId,
    current: SessionDep,
    _token: Reader,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> list[FireOut]:
    """Recent fire times and what became of them (queued run, or skipped and why)."""
    schedules.get_schedule(current, schedule_id)
    query = (
        select(ScheduleFire)
        .where(ScheduleFire.schedule_id == schedule_id)
        .order_by(ScheduleFire.fire_time.desc())
        .limit(limit)
    )
    return [FireOut.of(fire) for fire in current.scalars(query)]
