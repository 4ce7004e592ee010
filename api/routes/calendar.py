from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import AwareDatetime, BaseModel
from sqlalchemy import select

from api.deps import SessionDep
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
        AwareDatetime, Query(description="ISO-8601 with offset, e.g. 2026-03-16T09:00:00+07:00")
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
