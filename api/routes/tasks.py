from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import SessionDep, Staff, StaffDep, StateDep
from api.schemas import TaskOut
from db.calendar_repo import load_calendar
from db.models import Body, InfoRequest, Task, Unit
from domain.calendar import WorkingCalendar, working_days_until
from domain.enums import Role

router = APIRouter(prefix="/v1", tags=["tasks"])
DUE_SOON_WORKING_DAYS = 2
# Tasks about an objection or a dispute carry its id first in their key (`<objection id>:answer`).
OBJECT_IN_KEY = {"objection", "dispute"}


def sla(due_at: datetime | None, now: datetime, tz: str, calendar: WorkingCalendar) -> str:
    if due_at is None:
        return "on_track"
    if now > due_at:
        return "overdue"
    return "due_soon" if _days_left(due_at, now, tz, calendar) <= DUE_SOON_WORKING_DAYS else "on_track"


def _days_left(due_at: datetime, now: datetime, tz: str, calendar: WorkingCalendar) -> int:
    today = now.astimezone(ZoneInfo(tz)).date()
    return working_days_until(today, due_at.astimezone(ZoneInfo(tz)).date(), calendar)


async def open_tasks(session: AsyncSession, staff: Staff, now: datetime) -> list[TaskOut]:
    """The caller's open tasks, soonest due first (the inbox and GET /v1/tasks)."""
    query = (
        select(Task, Body.slug, Body.timezone, Unit.slug, InfoRequest.requester_name)
        .join(Body, Body.id == Task.body_id, isouter=True)
        .join(Unit, Unit.id == Task.unit_id, isouter=True)
        .join(InfoRequest, InfoRequest.id == Task.case_id, isouter=True)
        .where(Task.status == "open")
    )
    match staff.role:
        case Role.PPID:
            query = query.where(Task.role == Role.PPID.value, Task.body_id == staff.body_id)
            if staff.unit_id is not None:
                query = query.where(Task.unit_id == staff.unit_id)
        case Role.ATASAN_PPID:
            query = query.where(Task.role == Role.ATASAN_PPID.value, Task.body_id == staff.body_id)
        case Role.KOMISI:
            query = query.where(Task.role == Role.KOMISI.value, Task.komisi_id == staff.komisi_id)
        case Role.ADMIN:
            pass
    rows = (await session.execute(query.order_by(Task.due_at.is_(None), Task.due_at, Task.id))).all()
    calendars: dict[str, WorkingCalendar] = {}
    result = []
    for task, body_slug, tz, unit_slug, requester_name in rows:
        if body_slug not in calendars:
            calendars[body_slug] = await load_calendar(session, body_slug)
        zone = tz or "Asia/Jakarta"
        calendar = calendars[body_slug]
        result.append(
            TaskOut(
                id=task.id,
                kind=task.kind,
                case_id=task.case_id,
                registration_number=task.registration_number,
                due_at=task.due_at.astimezone(ZoneInfo(tz)) if task.due_at and tz else task.due_at,
                sla=sla(task.due_at, now, zone, calendar),
                unit=unit_slug,
                object=task.case_type,
                object_id=task.key.split(":")[0] if task.case_type in OBJECT_IN_KEY else task.case_id,
                requester_name=requester_name,
                working_days_left=_days_left(task.due_at, now, zone, calendar) if task.due_at else None,
            )
        )
    return result


@router.get("/tasks", response_model=list[TaskOut], summary="Open tasks for the caller, soonest due first")
async def list_tasks(session: SessionDep, staff: StaffDep, state: StateDep) -> list[TaskOut]:
    return await open_tasks(session, staff, await state.now())
