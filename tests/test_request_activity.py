"""The request's recording activity alone (Temporal's ActivityEnvironment, a real migrated SQLite database):
it writes exactly the transition the workflow decided, the event's fields, the timeline and the outbox,
computes the deadline and the reminders in the same call, and writes nothing twice when retried."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import ActivityEnvironment

from activities.requests import RequestActivities
from base.settings import Settings
from db.calendar_repo import load_calendar
from db.models import InfoRequest, Notification, Task, TimelineEvent
from domain import law
from domain.calendar import Deadline, add_working_days
from domain.case_change import TaskToOpen, Transition
from domain.contracts import DeadlineQuery, DecisionCommand, ReminderPlan
from domain.request_events import Closed, Decided, Extended, Overdue, RecordRequest, Registered, Reminded
from tests.case_unit_support import BODY, add_request, body_of, database

RECEIVED = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # a Monday morning in Pontianak


class Db:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], settings: Settings) -> None:
        self.sessions = sessions
        self.activities = RequestActivities(sessions, settings)
        self.env = ActivityEnvironment()

    async def record(self, record: RecordRequest) -> Any:
        return await self.env.run(self.activities.record, record)

    async def request(self, request_id: str) -> InfoRequest:
        async with self.sessions() as session:
            row = await session.get(InfoRequest, request_id)
            assert row is not None
            return row

    async def tasks(self, request_id: str) -> dict[str, Task]:
        async with self.sessions() as session:
            rows = (await session.scalars(select(Task).where(Task.case_id == request_id))).all()
            return {t.kind: t for t in rows}

    async def timeline(self, request_id: str) -> list[TimelineEvent]:
        async with self.sessions() as session:
            query = (
                select(TimelineEvent).where(TimelineEvent.case_id == request_id).order_by(TimelineEvent.id)
            )
            return list((await session.scalars(query)).all())

    async def outbox(self, request_id: str) -> list[Notification]:
        async with self.sessions() as session:
            query = select(Notification).where(Notification.case_id == request_id).order_by(Notification.id)
            return list((await session.scalars(query)).all())

    async def deadline(self, start: datetime, days: int) -> Deadline:
        async with self.sessions() as session:
            body = await body_of(session)
            return add_working_days(start, days, body.timezone, await load_calendar(session, BODY))

    async def due(self, start: datetime, days: int) -> datetime:
        return (await self.deadline(start, days)).due_at

    async def new_request(self) -> str:
        """A registered row, as the API's intake leaves it before the workflow records anything."""
        request_id = uuid.uuid4().hex
        t1 = await self.deadline(RECEIVED, law.T1.working_days)
        async with self.sessions() as session:
            await add_request(
                session, request_id, status="received", received_at=RECEIVED, due_at=t1.due_at,
                registration_number=f"TEST/{request_id[:8]}", deadline=t1.model_dump(mode="json"),
            )  # fmt: skip
            await session.commit()
        return request_id


@pytest.fixture
async def db(tmp_path: Path, sqlite_database_url: str) -> AsyncIterator[Db]:
    async with database(sqlite_database_url, tmp_path) as (settings, sessions):
        yield Db(sessions, settings)


def decide_task(due: datetime | None = None, *, at_deadline: bool = False) -> TaskToOpen:
    return TaskToOpen(
        kind="decide_request", role="ppid", key="decide", due_at=due, due_at_deadline=at_deadline
    )


async def test_registration_writes_the_task_timeline_and_notices_once_and_plans_the_reminders(db: Db) -> None:
    request_id = await db.new_request()
    t1 = (await db.request(request_id)).due_at
    record = RecordRequest(
        request_id=request_id, at=RECEIVED, event=Registered(),
        transition=Transition(status="received", open_tasks=[decide_task(t1)]),
        reminders=ReminderPlan(body=BODY, due_at=t1, round=1, include_extension_prompt=True),
    )  # fmt: skip
    recorded = await db.record(record)
    assert [a.kind for a in recorded.alarms] == [r.kind for r in law.T1.reminders]
    assert all(a.at < t1 for a in recorded.alarms)
    again = await db.record(record)  # a retry after a crash before the answer
    assert again.notification_ids == recorded.notification_ids

    [entry] = await db.timeline(request_id)
    assert (entry.event, entry.label, entry.key) == (
        "registered",
        "Permohonan diterima dan didaftarkan",
        f"{request_id}:registered:r1",
    )
    tasks = await db.tasks(request_id)
    assert list(tasks) == ["decide_request"]
    assert tasks["decide_request"].key == f"{request_id}:decide"
    assert tasks["decide_request"].due_at == t1 and tasks["decide_request"].role == "ppid"
    rows = await db.outbox(request_id)
    assert sorted(r.recipient_role for r in rows) == ["ppid", "requester"]
    receipt = next(r for r in rows if r.recipient_role == "requester")
    assert f"{law.T1.days_text()}, {law.T1.article}" in receipt.body_text
    assert law.T2.days_text() in " ".join(receipt.body_text.split())


async def test_a_reminder_renders_its_days_and_opens_only_the_task_it_is_given(db: Db) -> None:
    request_id = await db.new_request()
    prompt = next(r for r in law.T1.reminders if r.kind == "extension_prompt")
    await db.record(
        RecordRequest(
            request_id=request_id, at=RECEIVED + timedelta(days=8),
            event=Reminded(kind=prompt.kind, working_days_before=prompt.working_days_before),
            transition=Transition(
                open_tasks=[TaskToOpen(kind="extension_prompt", role="ppid", key="extension_prompt")]
            ),
        )
    )  # fmt: skip
    [entry] = await db.timeline(request_id)
    assert entry.event == "extension_prompt" and entry.internal
    assert list(await db.tasks(request_id)) == ["extension_prompt"]
    [mail] = await db.outbox(request_id)
    assert f"tinggal {prompt.working_days_before} hari kerja" in mail.body_text
    assert law.T2.article in " ".join(mail.body_text.split())
    assert (await db.request(request_id)).status == "received"


async def test_an_extension_writes_t2_from_the_deadline_it_computes(db: Db) -> None:
    request_id = await db.new_request()
    t1 = (await db.request(request_id)).due_at
    await db.record(RecordRequest(request_id=request_id, at=RECEIVED, event=Registered(),
                                  transition=Transition(open_tasks=[decide_task(t1)])))  # fmt: skip
    recorded = await db.record(
        RecordRequest(
            request_id=request_id, at=RECEIVED + timedelta(days=3), actor="ppid@sanggau.example", round=2,
            event=Extended(reason="Data tersebar di beberapa dinas"),
            deadline=DeadlineQuery(body=BODY, start=t1, working_days=law.T2.working_days),
            reminders=ReminderPlan(body=BODY, round=2, include_extension_prompt=False),
            transition=Transition(status="extended", close_task_kinds=["extension_prompt"],
                                  open_tasks=[decide_task(at_deadline=True)]),
        )
    )  # fmt: skip
    t2 = await db.due(t1, law.T2.working_days)
    assert recorded.deadline is not None and recorded.deadline.due_at == t2
    assert [a.kind for a in recorded.alarms] == [r.kind for r in law.T2.reminders]
    request = await db.request(request_id)
    assert (request.status, request.extended, request.due_at) == ("extended", True, t2)
    assert request.extension_reason == "Data tersebar di beberapa dinas"
    assert (await db.tasks(request_id))["decide_request"].due_at == t2
    entry = (await db.timeline(request_id))[-1]
    assert entry.label == f"Jangka waktu diperpanjang {law.T2.days_text()} ({law.T2.article})"
    assert entry.data is not None and datetime.fromisoformat(entry.data["deadline"]["due_at"]) == t2
    assert entry.data["deadline_t1"]["working_days"] == law.T1.working_days  # the case still explains T1
    assert request.deadline is not None and request.deadline["working_days"] == law.T2.working_days
    [letter] = [r for r in await db.outbox(request_id) if r.event == "extended"]
    assert f"sebanyak {law.T2.days_text()} ({law.T2.article}" in letter.body_text


async def test_a_late_decision_keeps_the_window_already_told_and_opens_the_delivery(db: Db) -> None:
    request_id = await db.new_request()
    t1 = (await db.request(request_id)).due_at
    await db.record(RecordRequest(request_id=request_id, at=RECEIVED, event=Registered(),
                                  transition=Transition(open_tasks=[decide_task(t1)])))  # fmt: skip
    t3 = await db.due(t1, law.T3.working_days)
    await db.record(
        RecordRequest(
            request_id=request_id, at=t1 + timedelta(seconds=1), event=Overdue(),
            deadline=DeadlineQuery(body=BODY, start=t1, working_days=law.T3.working_days),
            transition=Transition(status="overdue", open_tasks=[
                TaskToOpen(kind="escalated_request", role="atasan_ppid", key="escalated", due_at_deadline=True)]),
        )
    )  # fmt: skip
    assert (await db.request(request_id)).objection_deadline == t3
    escalated = (await db.tasks(request_id))["escalated_request"]
    assert (escalated.due_at, escalated.role, escalated.unit_id) == (t3, "atasan_ppid", None)

    # Decided a day late: the T3 it starts ends before the date already told (the floor), so the floor stands.
    decided_at = t1 + timedelta(days=1)
    floor = t3 + timedelta(days=30)
    recorded = await db.record(
        RecordRequest(
            request_id=request_id, at=decided_at, actor="ppid@sanggau.example",
            event=Decided(decision=DecisionCommand(outcome="granted", actor="ppid@sanggau.example"), late=True),
            deadline=DeadlineQuery(body=BODY, start=decided_at, working_days=law.T3.working_days),
            deadline_floor=floor, follow_objection=True,
            transition=Transition(
                status="decided", close_task_kinds=["decide_request", "extension_prompt", "escalated_request"],
                open_tasks=[TaskToOpen(kind="deliver_information", role="ppid", key="deliver", due_at=t1)],
            ),
        )
    )  # fmt: skip
    assert recorded.deadline is not None and recorded.deadline.due_at < floor
    request = await db.request(request_id)
    assert (request.status, request.decided_late, request.objection_deadline) == ("decided", True, floor)
    assert request.decision is not None and request.decision["outcome"] == "granted"
    assert "actor" not in request.decision
    tasks = await db.tasks(request_id)
    assert tasks["decide_request"].status == "done" and tasks["escalated_request"].status == "done"
    assert tasks["deliver_information"].status == "open"
    entry = (await db.timeline(request_id))[-1]
    assert entry.label == f"Pemberitahuan tertulis diberikan ({law.T1.article}) — terlambat"
    [letter] = [r for r in await db.outbox(request_id) if r.event == "decided"]
    assert f"{law.T3.days_text()}, Pasal 35 dan {law.T3.article}" in letter.body_text


async def test_the_activity_writes_the_status_it_is_given_and_derives_none(db: Db) -> None:
    request_id = await db.new_request()
    # `closed` with no status in the transition: the register keeps what it had.
    await db.record(RecordRequest(request_id=request_id, at=RECEIVED, event=Closed()))
    assert (await db.request(request_id)).status == "received"
    [entry] = await db.timeline(request_id)
    assert entry.label == "Jangka waktu keberatan berakhir; perkara ditutup"
    await db.record(
        RecordRequest(request_id=request_id, at=RECEIVED, round=2, event=Closed(),
                      transition=Transition(status="closed"))
    )  # fmt: skip
    assert (await db.request(request_id)).status == "closed"
