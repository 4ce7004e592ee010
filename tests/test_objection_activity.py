"""The objection's activities alone (activities/objections.py) in temporalio's ActivityEnvironment, on the real
SQLite database with the demo directory: the registration counts T4 from the law (law.T4), and the recording
writes what the workflow decided (domain/objection_events.py) — the Transition as given, T5 and the Atasan's
reminders computed on the body's calendar, the timeline, the notices with the law's periods — once. A failure
here is the activity's; tests/test_objection_workflow_unit.py covers what the workflow decides."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import ActivityEnvironment

from activities.objections import ObjectionActivities
from db.calendar_repo import load_calendar
from db.models import InfoRequest, Objection
from domain import law
from domain.calendar import Deadline, add_working_days, working_day_before
from domain.case_change import TaskToOpen, Transition
from domain.contracts import (
    CalendarChanged,
    DeliveryCommand,
    ObjectionCommand,
    ObjectionFiled,
    Recorded,
    RegisterObjection,
    ReminderPlan,
    ReminderSpec,
)
from domain.objection_events import (
    AtasanReminded,
    DisputeWindow,
    ObjectionAnswered,
    ObjectionDeadlineMoved,
    ObjectionDelivered,
    ObjectionEvent,
    ObjectionOverdue,
    ObjectionRecord,
    ObjectionRegistered,
)
from tests.case_unit_support import BODY, TZ, CaseRows, add_request, database

AT = datetime(2026, 4, 6, 2, 0, tzinfo=UTC)  # a Monday, 09:00 in Pontianak
ANSWER = "answer_objection"
DELIVER = "deliver_information"


@dataclass
class World(CaseRows):
    sessions: async_sessionmaker[AsyncSession]
    activities: ObjectionActivities
    env: ActivityEnvironment
    request_id: str
    objection_id: str
    filed: ObjectionFiled

    @property
    def subject_id(self) -> str:
        return self.objection_id

    async def record(self, event: ObjectionEvent, at: datetime, **fields: object) -> Recorded:
        record = ObjectionRecord.model_validate(
            {"objection_id": self.objection_id, "at": at, "event": event, **fields}
        )
        recorded: Recorded = await self.env.run(self.activities.record, record)
        return recorded

    async def deadline(self, start: datetime, days: int) -> Deadline:
        async with self.sessions() as session:
            return add_working_days(start, days, TZ, await load_calendar(session, BODY))

    async def objection(self) -> Objection:
        async with self.sessions() as session:
            found = await session.get(Objection, self.objection_id)
            assert found is not None
            return found


def _reminder_plan(due_at: datetime) -> ReminderPlan:
    schedule = [
        ReminderSpec(kind=r.kind, working_days_before=r.working_days_before) for r in law.T4.reminders
    ]
    return ReminderPlan(body=BODY, due_at=due_at, round=1, include_extension_prompt=False, schedule=schedule)


def _answer_task(world: World) -> TaskToOpen:
    return TaskToOpen(
        kind=ANSWER, role="atasan_ppid", key=f"{world.objection_id}:answer", due_at=world.filed.due_at
    )


@pytest.fixture
async def world(sqlite_database_url: str, tmp_path: Path) -> AsyncIterator[World]:
    request_id = uuid.uuid4().hex
    async with database(sqlite_database_url, tmp_path) as (settings, sessions):
        async with sessions() as session:
            await add_request(
                session, request_id, status="decided", received_at=AT - timedelta(days=20),
                due_at=AT - timedelta(days=6),
            )  # fmt: skip
            await session.commit()
        activities = ObjectionActivities(sessions, settings)
        env = ActivityEnvironment()
        objection_id = uuid.uuid4().hex
        command = ObjectionCommand(
            reasons=["a", "d"], case_position="Saya meminta anggaran, bukan rekam medis.", purpose="Penelitian",
            filed_by="requester",
        )  # fmt: skip
        registration = RegisterObjection(
            objection_id=objection_id, request_id=request_id, at=AT, command=command
        )
        filed = await env.run(activities.register_objection, registration)
        yield World(sessions, activities, env, request_id, objection_id, filed)


async def test_registration_counts_t4_from_the_law_and_is_idempotent(world: World) -> None:
    t4 = await world.deadline(AT, law.T4.working_days)
    assert world.filed.due_at == t4.due_at and world.filed.status == "registered"
    row = await world.objection()
    assert (
        row.deadline is not None and Deadline.model_validate(row.deadline).working_days == law.T4.working_days
    )
    registration = RegisterObjection(
        objection_id=world.objection_id, request_id=world.request_id, at=AT + timedelta(hours=1),
        command=ObjectionCommand(reasons=["b"], case_position="lain", purpose="lain", filed_by="requester"),
    )  # fmt: skip
    again = await world.env.run(world.activities.register_objection, registration)
    assert again == world.filed  # the same objection, its number and T4 unchanged


async def test_the_registration_opens_the_answer_task_plans_the_reminders_and_notifies_once(
    world: World,
) -> None:
    due = world.filed.due_at
    recorded = await world.record(
        ObjectionRegistered(),
        AT,
        transition=Transition(open_tasks=[_answer_task(world)]),
        reminders=_reminder_plan(due),
    )
    async with world.sessions() as session:
        calendar = await load_calendar(session, BODY)
    due_day = due.astimezone(ZoneInfo(TZ)).date()
    assert recorded.alarms is not None
    assert [(a.kind, a.at) for a in recorded.alarms] == [
        (r.kind, datetime.combine(working_day_before(due_day, r.working_days_before, calendar), law.REMINDER_HOUR,
                                  tzinfo=ZoneInfo(TZ)))
        for r in law.T4.reminders
    ]  # fmt: skip
    assert recorded.deadline is None  # no T5 asked for

    entry = await world.entry("objection_registered")
    assert entry.key == f"{world.objection_id}:registered" and not entry.internal
    assert world.filed.registration_number in entry.label
    task = await world.task(ANSWER)
    assert (task.status, task.role, task.due_at, task.unit_id) == ("open", "atasan_ppid", due, None)
    async with world.sessions() as session:
        request = await session.get(InfoRequest, world.request_id)
        assert request is not None and request.status == "objected"  # the request follows its objection

    notices = await world.notices("objection_registered")
    assert sorted(n.recipient_role for n in notices) == ["atasan_ppid", "requester"]
    for notice in notices:
        assert f"({law.T4.days_text()}, {law.T4.article})" in notice.body_text

    # A retried recording writes nothing twice.
    counts = await world.counts()
    retried = await world.record(
        ObjectionRegistered(),
        AT,
        transition=Transition(open_tasks=[_answer_task(world)]),
        reminders=_reminder_plan(due),
    )
    assert retried.notification_ids == recorded.notification_ids
    assert await world.counts() == counts


async def test_the_recording_writes_the_transition_it_is_given_and_computes_t5(world: World) -> None:
    await world.record(ObjectionRegistered(), AT, transition=Transition(open_tasks=[_answer_task(world)]))
    first = law.T4.reminders[0]
    reminder = AtasanReminded(kind=first.kind, days_left=first.working_days_before)
    await world.record(reminder, AT + timedelta(days=20))
    assert (await world.objection()).status == "registered"  # no Transition: nothing but the entry and notice
    entry = await world.entry(f"objection_{first.kind}")
    assert entry.internal and f"{first.working_days_before} hari kerja lagi" in entry.label
    [notice] = await world.notices(f"objection_{first.kind}")
    assert (
        notice.recipient_role == "atasan_ppid"
        and f"tinggal {first.working_days_before} hari kerja" in notice.subject
    )

    due = world.filed.due_at
    late = due + timedelta(seconds=1)
    recorded = await world.record(
        ObjectionOverdue(), late, transition=Transition(status="overdue"),
        dispute_window=DisputeWindow(start=due, working_days=law.T5.working_days),
    )  # fmt: skip
    t5 = await world.deadline(due, law.T5.working_days)
    assert recorded.deadline == t5
    row = await world.objection()
    assert row.status == "overdue" and row.dispute_deadline == t5.due_at
    assert (await world.task(ANSWER)).status == "open"  # not closed: the Atasan may still answer, late
    entry = await world.entry("objection_overdue")
    assert entry.data is not None and Deadline.model_validate(entry.data["deadline"]) == t5
    assert datetime.fromisoformat(entry.data["dispute_deadline"]) == t5.due_at
    notices = {n.recipient_role: n for n in await world.notices("objection_overdue")}
    assert set(notices) == {"requester", "head", "atasan_ppid"}
    assert f"({law.T5.days_text()}," in notices["requester"].body_text
    assert f"({law.T4.days_text()}, {law.T4.article}" in notices["head"].body_text


async def test_a_late_grant_keeps_the_told_t5_opens_the_delivery_and_the_delivery_closes_it(
    world: World,
) -> None:
    await world.record(ObjectionRegistered(), AT, transition=Transition(open_tasks=[_answer_task(world)]))
    answered_at = world.filed.due_at + timedelta(days=2)
    told = answered_at + timedelta(days=60)  # later than T5 from the answer: never shortened
    deliver = TaskToOpen(kind=DELIVER, role="ppid", key=f"{world.objection_id}:deliver", due_at_deadline=True)
    event = ObjectionAnswered(outcome="granted", order="Berikan salinan anggaran.", late=True, grants=True)
    recorded = await world.record(
        event, answered_at, actor="atasan.ppid@sanggau.example",
        transition=Transition(status="answered", open_tasks=[deliver], close_task_kinds=[ANSWER]),
        dispute_window=DisputeWindow(start=answered_at, working_days=law.T5.working_days, not_before=told),
    )  # fmt: skip
    computed = await world.deadline(answered_at, law.T5.working_days)
    assert recorded.deadline == computed and computed.due_at < told
    row = await world.objection()
    assert row.status == "answered" and row.dispute_deadline == told and row.responded_at == answered_at
    assert row.response == {"outcome": "granted", "reasons": None, "order": event.order, "late": True}
    assert (await world.task(ANSWER)).status == "done"
    task = await world.task(DELIVER)
    assert (task.status, task.role, task.due_at) == ("open", "ppid", told)
    entry = await world.entry("objection_answered")
    assert entry.label.endswith(" — terlambat") and entry.actor == "atasan.ppid@sanggau.example"
    assert (
        entry.data is not None
        and entry.data["response"]["outcome"] == "granted"
        and entry.data["late"] is True
    )
    notices = {n.recipient_role: n for n in await world.notices("objection_answered")}
    assert set(notices) == {"requester", "ppid"}
    assert f"({law.T5.days_text()}, {law.T5.article})" in notices["requester"].body_text
    assert "Tugas baru" in notices["ppid"].body_text  # a grant: the PPID must deliver

    delivery = DeliveryCommand(delivered_on=date(2026, 6, 1), method="email", actor="ppid@sanggau.example")
    await world.record(
        ObjectionDelivered(delivery=delivery), answered_at + timedelta(days=3), actor=delivery.actor
    )
    task = await world.task(DELIVER)
    assert (task.status, task.delivered_on, task.delivery_method) == ("done", delivery.delivered_on, "email")
    assert "dikirim melalui email" in (await world.entry("objection_delivered")).label
    assert len(await world.notices("objection_delivered")) == 1


async def test_a_moved_t4_moves_the_row_and_the_task_and_a_kept_one_moves_nothing(world: World) -> None:
    await world.record(ObjectionRegistered(), AT, transition=Transition(open_tasks=[_answer_task(world)]))
    old = world.filed.due_at
    longer = await world.deadline(AT, law.T4.working_days + 1)
    change = CalendarChanged(version=7, action="add", date=date(2026, 4, 20), name="Hari jadi kabupaten")
    moved = ObjectionDeadlineMoved(
        clock="T4", old=old, new=longer.due_at, kept=False, deadline=longer, change=change, timezone=TZ
    )
    recorded = await world.record(moved, AT + timedelta(days=1), reminders=_reminder_plan(longer.due_at))
    assert recorded.alarms is not None and [a.kind for a in recorded.alarms] == [
        r.kind for r in law.T4.reminders
    ]
    assert max(a.at for a in recorded.alarms) < longer.due_at
    row = await world.objection()
    assert row.due_at == longer.due_at and row.deadline is not None
    assert Deadline.model_validate(row.deadline) == longer
    assert (await world.task(ANSWER)).due_at == longer.due_at
    entry = await world.entry("objection_deadline_moved_T4_v7")
    assert not entry.internal and entry.data is not None and entry.data["clock"] == "T4"
    assert [n.recipient_role for n in await world.notices("objection_deadline_moved_T4_v7")] == ["requester"]

    shorter = await world.deadline(AT, law.T4.working_days)
    kept = ObjectionDeadlineMoved(
        clock="T4", old=longer.due_at, new=longer.due_at, kept=True, deadline=shorter,
        change=CalendarChanged(version=8, action="cancel", date=date(2026, 4, 20)), timezone=TZ,
    )  # fmt: skip
    await world.record(kept, AT + timedelta(days=2))
    assert (await world.objection()).due_at == longer.due_at
    assert (await world.task(ANSWER)).due_at == longer.due_at
    assert (await world.entry("objection_deadline_moved_T4_v8")).internal
    assert await world.notices("objection_deadline_moved_T4_v8") == []
