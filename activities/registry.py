"""Every activity the worker runs, bound to its dependencies (used by worker.py and the tests)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.calendar import CalendarActivities


def build_activities(session_factory: async_sessionmaker[AsyncSession]) -> list[Callable[..., Any]]:
    calendar = CalendarActivities(session_factory)
    return [calendar.compute_deadline]
