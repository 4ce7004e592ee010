from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from sqlalchemy import select

from api.deps import SessionDep, StaffDep, StateDep
from api.schemas import TaskOut
from db.calendar_repo import load_calendar
from db.models import Body, Task, Unit
from domain.calendar import WorkingCalendar, working_days_until
from domain.enums import Role

router = APIRouter(prefix="/v1", tags=["tasks"])
DUE_SOON_WORKING_DAYS = 2


def sla(due_at: datetime | None, now: datetime, tz: str, calendar: WorkingCalendar) -> str:
    if due_at is None:
        return "on_track"
    if now > due_at:
        return "overdue"
    today = now.astimezone(ZoneInfo(tz)).date()
    due_day = due_at.astimezone(ZoneInfo(tz)).date()
    return "due_soon" if working_days_until(today, due_day, calendar) <= DUE_SOON_WORKING_DAYS else "on_track"


@router.get("/tasks", response_model=list[TaskOut], summary="Open tasks for the caller, soonest due first")
async def list_tasks(session: SessionDep, staff: StaffDep, state: StateDep) -> list[TaskOut]:
    query = (
        select(Task, Body.slug, Body.timezone, Unit.slug)
        .join(Body, Body.id == Task.body_id, isouter=True)
        .join(Unit, Unit.id == Task.unit_id, isouter=True)
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
    now = await state.now()
    calendars: dict[str, WorkingCalendar] = {}
    result = []
    for task, body_slug, tz, unit_slug in rows:
        if body_slug not in calendars:
            calendars[body_slug] = await load_calendar(session, body_slug)
        result.append(
            TaskOut(
                id=task.id,
                kind=task.kind,
                case_id=task.case_id,
                registration_number=task.registration_number,
                due_at=task.due_at.astimezone(ZoneInfo(tz)) if task.due_at and tz else task.due_at,
                sla=sla(task.due_at, now, tz or "Asia/Jakarta", calendars[body_slug]),
                unit=unit_slug,
            )
        )
    return result
