"""The calendar as the registers hold it: national days plus the administrators' versioned changes."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Body, CalendarChangeRow
from domain.calendar import CalendarChange, WorkingCalendar
from domain.enums import CalendarAction


async def load_calendar(session: AsyncSession, body_slug: str | None = None) -> WorkingCalendar:
    """The working calendar of one body (or the national one), at the latest version."""
    rows = (
        await session.execute(
            select(CalendarChangeRow, Body.slug)
            .outerjoin(Body, Body.id == CalendarChangeRow.body_id)
            .order_by(CalendarChangeRow.id)
        )
    ).all()
    changes = [
        CalendarChange(
            version=row.id, action=CalendarAction(row.action), date=row.date, name=row.name, body=slug
        )
        for row, slug in rows
    ]
    return WorkingCalendar(changes=changes, body=body_slug)
