"""The calendar as the registers hold it: national days plus the administrators' versioned changes."""

from __future__ import annotations

from weakref import WeakKeyDictionary

from sqlalchemy import Engine, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Body, CalendarChangeRow
from domain.calendar import CalendarChange, WorkingCalendar
from domain.enums import CalendarAction

# The change rows are only ever added (a cancelled holiday is a row too), so their count and highest id name
# what a reader has seen. A body's calendar is built once per such stamp and database, then shared: every
# deadline, reminder and intake reads it, and building it means reading every row and every year's holidays.
Stamp = tuple[int, int | None]
_built: WeakKeyDictionary[Engine, dict[str | None, tuple[Stamp, WorkingCalendar]]] = WeakKeyDictionary()


async def load_calendar(session: AsyncSession, body_slug: str | None = None) -> WorkingCalendar:
    """The working calendar of one body (or the national one), at the latest version."""
    count, highest = (await session.execute(select(func.count(), func.max(CalendarChangeRow.id)))).one()
    stamp: Stamp = (count, highest)
    calendars = _built.setdefault(session.get_bind().engine, {})
    if (cached := calendars.get(body_slug)) is not None and cached[0] == stamp:
        return cached[1]
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
    calendar = WorkingCalendar(changes=changes, body=body_slug)
    calendars[body_slug] = (stamp, calendar)
    return calendar
