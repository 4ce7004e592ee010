from __future__ import annotations

import asyncio
import logging
from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import AfterValidator, AwareDatetime, BaseModel, Field
from sqlalchemy import select
from temporalio.service import RPCError

from api.deps import AdminDep, SessionDep, StateDep, TemporalDep
from api.schemas import SupportedDate, _In, supported_year
from db.calendar_changes import add_change, affected_workflows
from db.calendar_repo import load_calendar
from db.models import Body, Task
from domain.calendar import SkippedDay, add_working_days, non_working_days
from domain.contracts import CalendarChanged
from domain.dates_id import explain_deadline, format_date

router = APIRouter(prefix="/v1/calendar", tags=["calendar"])
log = logging.getLogger("ppid.api.calendar")


class DeadlineOut(BaseModel):
    body: str
    timezone: str
    start: datetime
    working_days: int
    unit: str
    due_at: datetime
    skipped: list[SkippedDay]
    calendar_version: int
    explanation: str


class HolidaysOut(BaseModel):
    year: int
    body: str | None
    calendar_version: int
    holidays: list[SkippedDay]


async def _body(session: SessionDep, slug: str) -> Body:
    body = await session.scalar(select(Body).where(Body.slug == slug))
    if body is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"Badan publik {slug!r} tidak ditemukan")
    return body


@router.get("/deadline", response_model=DeadlineOut, summary="N working days after a moment, for a body")
async def deadline(
    session: SessionDep,
    body: Annotated[str, Query(max_length=64)],
    start: Annotated[
        AwareDatetime,
        AfterValidator(supported_year),
        Query(description="ISO-8601 with offset, e.g. 2026-03-16T09:00:00+07:00; years 1970-2200"),
    ],
    working_days: Annotated[int, Query(ge=0, le=366)],
) -> DeadlineOut:
    body_row = await _body(session, body)
    calendar = await load_calendar(session, body)
    result = add_working_days(start, working_days, body_row.timezone, calendar)
    return DeadlineOut(
        body=body,
        timezone=body_row.timezone,
        start=result.start,
        working_days=result.working_days,
        unit=result.unit.value,
        due_at=result.due_at,
        skipped=result.skipped,
        calendar_version=result.calendar_version,
        explanation=explain_deadline(result),
    )


@router.get("/holidays", response_model=HolidaysOut, summary="The non-working days of a year")
async def holidays(
    session: SessionDep,
    year: Annotated[int, Query(ge=2000, le=2100)],
    body: Annotated[str | None, Query(max_length=64)] = None,
) -> HolidaysOut:
    if body is not None:
        await _body(session, body)
    calendar = await load_calendar(session, body)
    return HolidaysOut(
        year=year, body=body, calendar_version=calendar.version, holidays=non_working_days(year, calendar)
    )


class HolidayIn(_In):
    date: SupportedDate = Field(description="years 1970-2200")
    name: str = Field(min_length=3, max_length=200)
    body: str | None = Field(default=None, max_length=64, description="a body slug for a regional day")
    reason: str = Field(default="", max_length=2000, description="why (e.g. the decree that declares it)")


class CalendarChangeOut(BaseModel):
    version: int
    action: Literal["add", "cancel"]
    date: date
    name: str
    body: str | None
    affected_cases: int


async def _scope(session: SessionDep, slug: str | None) -> Body | None:
    if slug is None:
        return None
    body = await session.scalar(select(Body).where(Body.slug == slug))
    if body is None:
        raise HTTPException(422, [{"loc": ["body", "body"], "msg": f"badan publik {slug!r} tidak ada",
                                   "type": "value_error"}])  # fmt: skip
    return body


async def _signal(temporal: TemporalDep, workflow_ids: list[str], change: CalendarChanged) -> None:
    """Tell every affected case; each recomputes its clocks through the calendar activity."""

    async def one(workflow_id: str) -> None:
        try:
            await temporal.get_workflow_handle(workflow_id).signal("calendar_changed", change)
        except RPCError:  # the case ended meanwhile: nothing left to move
            log.info("calendar change not delivered to %s (closed)", workflow_id)

    for start in range(0, len(workflow_ids), 50):
        await asyncio.gather(*(one(w) for w in workflow_ids[start : start + 50]))


@router.post("/holidays", status_code=201, response_model=CalendarChangeOut, summary="Add a holiday (admin)")
async def add_holiday(
    payload: HolidayIn, session: SessionDep, admin: AdminDep, temporal: TemporalDep, state: StateDep
) -> CalendarChangeOut:
    body = await _scope(session, payload.body)
    calendar = await load_calendar(session, payload.body)
    existing = calendar.non_working_reason(payload.date)
    if existing is not None:
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"{format_date(payload.date)} sudah bukan hari kerja ({existing})"
        )
    row = await add_change(
        session, action="add", day=payload.date, name=payload.name, body=body, reason=payload.reason,
        actor=admin.email,
    )  # fmt: skip
    if "cuti bersama" in payload.name.lower():  # the year's SKB days are being confirmed
        for task in await session.scalars(
            select(Task).where(Task.key == f"calendar:confirm:{payload.date.year}")
        ):
            task.status, task.closed_at = "done", await state.now()
    workflow_ids = await affected_workflows(session, payload.date, body)
    await session.commit()
    change = CalendarChanged(version=row.id, action="add", date=payload.date, name=payload.name)
    await _signal(temporal, workflow_ids, change)
    return CalendarChangeOut(
        version=row.id, action="add", date=payload.date, name=payload.name, body=payload.body,
        affected_cases=len(workflow_ids),
    )  # fmt: skip


@router.delete("/holidays/{day}", response_model=CalendarChangeOut, summary="Cancel a holiday (admin)")
async def cancel_holiday(
    day: date,
    session: SessionDep,
    admin: AdminDep,
    temporal: TemporalDep,
    body: Annotated[str | None, Query(max_length=64)] = None,
    reason: Annotated[str, Query(max_length=2000)] = "",
    confirm_earlier: Annotated[
        bool, Query(description="allow dates already told to citizens to move earlier")
    ] = False,
) -> CalendarChangeOut:
    body_row = await _scope(session, body)
    calendar = await load_calendar(session, body)
    name = calendar.holidays_of(day.year).get(day)
    if name is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, f"{format_date(day)} bukan hari libur dalam kalender ini"
        )
    row = await add_change(
        session, action="cancel", day=day, name=name, body=body_row, reason=reason, actor=admin.email
    )
    workflow_ids = await affected_workflows(session, day, body_row)
    await session.commit()
    change = CalendarChanged(
        version=row.id, action="cancel", date=day, name=name, confirm_earlier=confirm_earlier
    )
    await _signal(temporal, workflow_ids, change)
    return CalendarChangeOut(
        version=row.id, action="cancel", date=day, name=name, body=body, affected_cases=len(workflow_ids)
    )
