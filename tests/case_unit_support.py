"""What the unit tests of the three case families share (tests/test_{request,objection,dispute}_activity.py and
tests/test_{request,objection,dispute}_workflow_unit.py): the database of an activity test with a request row
in it, the rows such a test reads back, and for a workflow test the fakes' calendar and the waits and refusals
of its Updates."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from base.settings import Settings
from db.models import Body, InfoRequest, Notification, Task, TimelineEvent
from db.session import make_engine, make_session_factory
from domain.calendar import CalendarChange, Deadline, WorkingCalendar, add_working_days
from tests.conftest import make_settings

BODY = "kab-sanggau"  # the demo directory's body the activity tests file with
TZ = "Asia/Pontianak"  # its time zone, and the Komisi Informasi Kalimantan Barat's
REQUESTER = "siti@example.org"

# --- activity tests: the real SQLite database with the demo directory ---------------------------------------


@asynccontextmanager
async def database(
    sqlite_database_url: str, tmp_path: Path
) -> AsyncIterator[tuple[Settings, async_sessionmaker[AsyncSession]]]:
    """The settings and sessions of the test's migrated SQLite database (demo directory seeded)."""
    settings = make_settings(tmp_path, sqlite_database_url, "127.0.0.1:7233")
    engine = make_engine(settings.effective_database_url)
    try:
        yield settings, make_session_factory(engine)
    finally:
        await engine.dispose()


async def body_of(session: AsyncSession, slug: str = BODY) -> Body:
    body = await session.scalar(select(Body).where(Body.slug == slug))
    assert body is not None, slug
    return body


async def add_request(
    session: AsyncSession, request_id: str, *, status: str, received_at: datetime, due_at: datetime,
    registration_number: str = "0001/PMH/SGU/III/2026", **columns: Any,
) -> InfoRequest:  # fmt: skip
    """A request row of the demo requester at BODY, as the API's intake leaves it (plus `columns`)."""
    body = await body_of(session)
    request = InfoRequest(
        id=request_id, registration_number=registration_number, body_id=body.id, status=status, channel="web",
        requester_kind="individual", requester_name="Siti Aminah", address="Jl. Ahmad Yani 1", email=REQUESTER,
        information="Anggaran program kesehatan 2025", purpose="Penelitian", obtain_method="copy",
        copy_format="softcopy", delivery_method="email", tracking_code_hash="-", received_at=received_at,
        due_at=due_at, workflow_id=f"permohonan-{request_id}", **columns,
    )  # fmt: skip
    session.add(request)
    await session.flush()
    return request


class CaseRows:
    """What an activity test reads back of one case: the timeline entries of its subject (the objection, the
    dispute), and the request's tasks and notices."""

    sessions: async_sessionmaker[AsyncSession]
    request_id: str

    @property
    def subject_id(self) -> str:
        raise NotImplementedError

    async def entry(self, event: str) -> TimelineEvent:
        async with self.sessions() as session:
            found = await session.scalar(
                select(TimelineEvent).where(
                    TimelineEvent.subject_id == self.subject_id, TimelineEvent.event == event
                )
            )
            assert found is not None, event
            return found

    async def task(self, kind: str) -> Task:
        async with self.sessions() as session:
            found = await session.scalar(
                select(Task).where(Task.case_id == self.request_id, Task.kind == kind)
            )
            assert found is not None, kind
            return found

    async def notices(self, event: str) -> list[Notification]:
        async with self.sessions() as session:
            query = select(Notification).where(
                Notification.case_id == self.request_id, Notification.event == event
            )
            return list((await session.scalars(query.order_by(Notification.id))).all())

    async def count(self, model: type[TimelineEvent] | type[Task] | type[Notification]) -> int:
        async with self.sessions() as session:
            return await session.scalar(select(func.count()).select_from(model)) or 0

    async def counts(self) -> list[int]:
        """How many timeline entries, tasks and notices there are: a retried recording leaves them as they are."""
        return [await self.count(m) for m in (TimelineEvent, Task, Notification)]


# --- workflow tests: the time-skipping server, activities replaced by fakes of the same names -------------


def no_holidays(year: int) -> dict[date, str]:
    return {}


class _Recording(Protocol):
    @property
    def event(self) -> Any: ...


RecordT = TypeVar("RecordT", bound=_Recording)


@dataclass
class RecordingFakes(Generic[RecordT]):
    """What the fakes of a workflow's recording activity keep (each recording asked for), and the calendar
    they count on with the real pure arithmetic: weekends only, plus the changes the test makes."""

    records: list[RecordT] = field(default_factory=list)
    changes: list[CalendarChange] = field(default_factory=list)

    def calendar(self) -> WorkingCalendar:
        return WorkingCalendar(changes=list(self.changes), base=no_holidays)

    def deadline(self, start: datetime, days: int) -> Deadline:
        return add_working_days(start, days, TZ, self.calendar())

    def of(self, kind: type[Any]) -> list[RecordT]:
        return [r for r in self.records if isinstance(r.event, kind)]

    async def recorded(self, kind: type[Any], count: int = 1) -> list[RecordT]:
        """Waits (real time, no skipping) until the workflow recorded `count` events of this kind."""
        for _ in range(400):
            found = self.of(kind)
            if len(found) >= count:
                return found
            await asyncio.sleep(0.025)
        raise AssertionError(
            f"no {kind.__name__} recorded; got {[type(r.event).__name__ for r in self.records]}"
        )


async def refused(handle: WorkflowHandle[Any, Any], update: Any, *args: Any) -> str:
    """The message of an Update the workflow refuses in its state (a Conflict: the API's 409)."""
    with pytest.raises(WorkflowUpdateFailedError) as failed:
        await handle.execute_update(update, *args)
    cause = failed.value.cause
    assert isinstance(cause, ApplicationError) and cause.type == "Conflict"
    return cause.message
