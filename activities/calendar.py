"""The calendar activity: workflows get every deadline from here (they never read the clock or the DB)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from db.calendar_repo import load_calendar
from db.models import Body
from domain.calendar import Deadline, add_working_days
from domain.contracts import DeadlineQuery


class CalendarActivities:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = session_factory

    @activity.defn(name="compute_deadline")
    async def compute_deadline(self, query: DeadlineQuery) -> Deadline:
        async with self._sessions() as session:
            timezone = query.timezone
            if query.body is not None:
                timezone = await session.scalar(select(Body.timezone).where(Body.slug == query.body))
                if timezone is None:
                    raise ApplicationError(f"unknown body {query.body!r}", non_retryable=True)
            if timezone is None:
                raise ApplicationError("a deadline needs a body or a time zone", non_retryable=True)
            calendar = await load_calendar(session, query.body)
        return add_working_days(query.start, query.working_days, timezone, calendar)
