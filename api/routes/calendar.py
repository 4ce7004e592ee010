from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import AfterValidator, AwareDatetime, BaseModel, Field
from sqlalchemy import select

from api.calendar_admin import (
    CalendarChangeError,
    CalendarChangeOut,
    CalendarPreviewOut,
    apply_change,
    check_add,
    check_cancel,
    preview_change,
)
from api.deps import AdminDep, SessionDep, StateDep
from api.schemas import SupportedDate, _In, supported_year
from db.calendar_repo import load_calendar
from db.models import Body
from domain.calendar import SkippedDay, add_working_days, non_working_days
from domain.dates_id import explain_deadline

router = APIRouter(prefix="/v1/calendar", tags=["calendar"])


class DeadlineOut(BaseModel):
    body: str
    timezone: str
    start: datetime
    working_days: int
    unit: str
    due_at: datetime
    skipped: list[SkippedDay]
    calendar_version: int
    # The `holidays` package release whose national holidays the calendar used: an upgrade can move a
    # statutory date, so a deadline names the release it was computed with (null for calendar days).
    holidays_version: str | None = None
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
        holidays_version=result.holidays_version,
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


def _refused(exc: CalendarChangeError, source: str) -> HTTPException:
    if exc.status_code == 422:
        return HTTPException(422, [{"loc": [source, exc.field], "msg": exc.message, "type": "value_error"}])
    return HTTPException(exc.status_code, exc.message)


@router.get(
    "/preview",
    response_model=CalendarPreviewOut,
    summary="The open cases a holiday change would move (admin)",
)
async def preview(
    session: SessionDep,
    _admin: AdminDep,
    state: StateDep,
    day: Annotated[
        SupportedDate, Query(alias="date", description="the day to declare or cancel; years 1970-2200")
    ],
    action: Annotated[Literal["add", "cancel"], Query()] = "add",
    body: Annotated[str | None, Query(max_length=64, description="a body slug for a regional day")] = None,
    name: Annotated[str, Query(max_length=200, description="the holiday's name (add)")] = "Hari libur",
) -> CalendarPreviewOut:
    """Nothing changes: each running clock is recomputed on the calendar with the change applied. `earlier`
    marks a date already told that would move earlier (kept unless the cancellation confirms it)."""
    try:
        if action == "add":
            change = await check_add(session, day, name or "Hari libur", body)
        else:
            change = await check_cancel(session, day, body)
    except CalendarChangeError as exc:
        raise _refused(exc, "query") from None
    return await preview_change(session, change, await state.now())


@router.post("/holidays", status_code=201, response_model=CalendarChangeOut, summary="Add a holiday (admin)")
async def add_holiday(
    payload: HolidayIn, session: SessionDep, admin: AdminDep, state: StateDep
) -> CalendarChangeOut:
    """Committed even while Temporal is away (`delivered` false): the worker then signals the open cases."""
    try:
        change = await check_add(session, payload.date, payload.name, payload.body, payload.reason)
    except CalendarChangeError as exc:
        raise _refused(exc, "body") from None
    return await apply_change(session, state.temporal, change, actor=admin.email, now=await state.now())


@router.delete("/holidays/{day}", response_model=CalendarChangeOut, summary="Cancel a holiday (admin)")
async def cancel_holiday(
    day: date,
    session: SessionDep,
    admin: AdminDep,
    state: StateDep,
    body: Annotated[str | None, Query(max_length=64)] = None,
    reason: Annotated[str, Query(max_length=2000)] = "",
    confirm_earlier: Annotated[
        bool, Query(description="allow dates already told to citizens to move earlier")
    ] = False,
) -> CalendarChangeOut:
    try:
        change = await check_cancel(session, day, body, reason)
    except CalendarChangeError as exc:
        raise _refused(exc, "query") from None
    return await apply_change(
        session,
        state.temporal,
        change,
        actor=admin.email,
        now=await state.now(),
        confirm_earlier=confirm_earlier,
    )
