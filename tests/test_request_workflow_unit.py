"""The request workflow alone, on Temporal's time-skipping server: its recording activities are replaced by
fakes of the same names that keep what the workflow asked for and answer with deadlines counted on a plain
Monday-to-Friday calendar. A failure here is the workflow's decision (status, tasks, clocks, refusals), not
the database's or the notices'."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from temporalio import activity
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.requests import plan_alarms
from domain import law
from domain.calendar import Deadline, WorkingCalendar
from domain.contracts import (
    ActionResult,
    Alarm,
    CalendarChanged,
    DeadlineQuery,
    DecisionCommand,
    ExtensionCommand,
    Recorded,
    ReminderPlan,
    RequestStart,
)
from domain.request_events import (
    Closed,
    DeadlineMoved,
    Decided,
    Extended,
    ObjectionWindowEnded,
    Overdue,
    RecordRequest,
    Registered,
    Reminded,
)
from tests.case_unit_support import TZ, RecordingFakes, refused
from workflows.objection import ObjectionWorkflow
from workflows.registry import workflow_runner
from workflows.request import DECISION_ENDS, RequestWorkflow

PPID = "ppid@sanggau.example"


@dataclass
class FakeRegisters(RecordingFakes[RecordRequest]):
    """The request's activities, by name, without a database; the calendar is Monday to Friday plus the
    holidays the test adds."""

    holidays: dict[date, str] = field(default_factory=dict)

    def calendar(self) -> WorkingCalendar:
        return WorkingCalendar(base=lambda year: {d: n for d, n in self.holidays.items() if d.year == year})

    def count(self, query: DeadlineQuery) -> Deadline:
        return self.deadline(query.start, query.working_days)

    @activity.defn(name="record_request_event")
    async def record(self, record: RecordRequest) -> Recorded:
        self.records.append(record)
        deadline = self.count(record.deadline) if record.deadline else None
        alarms = None
        if record.reminders:
            due = record.reminders.due_at or (deadline.due_at if deadline else None)
            assert due is not None
            alarms = plan_alarms(record.reminders, due, TZ, self.calendar())
        return Recorded(deadline=deadline, alarms=alarms)

    @activity.defn(name="plan_reminders")
    async def plan_reminders(self, plan: ReminderPlan) -> list[Alarm]:
        assert plan.due_at is not None
        return plan_alarms(plan, plan.due_at, TZ, self.calendar())

    @activity.defn(name="compute_deadline")
    async def compute_deadline(self, query: DeadlineQuery) -> Deadline:
        return self.count(query)

    def events(self) -> list[str]:
        return [r.event.event for r in self.records]

    def last(self, kind: type) -> RecordRequest:
        return self.of(kind)[-1]


@dataclass
class Case:
    env: WorkflowEnvironment
    fakes: FakeRegisters
    start: RequestStart
    handle: WorkflowHandle[RequestWorkflow, str]

    async def sleep_until(self, moment: datetime) -> None:
        await self.env.sleep(moment - await self.env.get_current_time() + timedelta(minutes=5))

    async def status(self) -> ActionResult:
        return await self.handle.query(RequestWorkflow.query_status)

    async def update(self, method: Any, argument: object) -> ActionResult:
        """An Update of the workflow by method reference (extend, decide: both answer an ActionResult)."""
        result = await self.handle.execute_update(method, argument)
        assert isinstance(result, ActionResult)
        return result

    async def refused(self, method: Any, argument: object) -> str:
        return await refused(self.handle, method, argument)


@pytest.fixture
async def case(timeskip: WorkflowEnvironment) -> AsyncIterator[Case]:
    fakes = FakeRegisters()
    queue = f"unit-{uuid.uuid4().hex[:8]}"
    async with Worker(
        timeskip.client, task_queue=queue, workflows=[RequestWorkflow, ObjectionWorkflow],
        activities=[fakes.record, fakes.plan_reminders, fakes.compute_deadline],
        workflow_runner=workflow_runner(strict=True),
    ):  # fmt: skip
        received = await timeskip.get_current_time()
        t1 = fakes.count(DeadlineQuery(start=received, working_days=law.T1.working_days))
        request_id = uuid.uuid4().hex
        start = RequestStart(
            request_id=request_id, registration_number="001/PPID/TEST", body="kab-sanggau", timezone=TZ,
            received_at=received, due_at=t1.due_at,
        )  # fmt: skip
        handle = await timeskip.client.start_workflow(
            RequestWorkflow.run, start, id=f"permohonan-{request_id}", task_queue=queue
        )
        yield Case(timeskip, fakes, start, handle)


async def test_an_unanswered_request_is_escalated_and_a_late_decision_keeps_the_window(case: Case) -> None:
    await case.sleep_until(case.start.due_at)
    assert (await case.status()).status == "overdue"
    fakes = case.fakes
    assert fakes.events() == ["registered", *(r.kind for r in law.T1.reminders), "overdue"]

    registered = fakes.records[0]
    assert isinstance(registered.event, Registered) and registered.transition.status == "received"
    [decide] = registered.transition.open_tasks
    assert (decide.kind, decide.key, decide.due_at) == ("decide_request", "decide", case.start.due_at)
    for record, reminder in zip(fakes.records[1:4], law.T1.reminders, strict=True):
        assert isinstance(record.event, Reminded)
        assert record.event.working_days_before == reminder.working_days_before
        opened = [t.kind for t in record.transition.open_tasks]
        assert opened == (["extension_prompt"] if reminder.kind == "extension_prompt" else [])
        assert record.transition.status is None and record.at < case.start.due_at

    overdue = fakes.last(Overdue)
    assert overdue.deadline == DeadlineQuery(
        body="kab-sanggau", start=case.start.due_at, working_days=law.T3.working_days
    )
    assert overdue.transition.status == "overdue" and overdue.transition.close_task_kinds == [
        "extension_prompt"
    ]
    [escalated] = overdue.transition.open_tasks
    assert (escalated.kind, escalated.role, escalated.due_at_deadline) == (
        "escalated_request",
        "atasan_ppid",
        True,
    )
    told = (await case.status()).objection_deadline
    assert told == fakes.count(overdue.deadline).due_at

    # An extension once the request is overdue is refused (Pasal 22(8): only before T1 ends).
    assert "tidak dapat dilakukan" in await case.refused(
        RequestWorkflow.extend, ExtensionCommand(reason="x", actor=PPID)
    )

    await case.env.sleep(timedelta(days=1))
    result = await case.update(RequestWorkflow.decide, DecisionCommand(outcome="granted", actor=PPID))
    decided = fakes.last(Decided)
    assert isinstance(decided.event, Decided) and decided.event.late is True
    assert decided.deadline_floor == told and decided.follow_objection
    assert decided.transition.status == "decided" and decided.transition.close_task_kinds == DECISION_ENDS
    assert [(t.kind, t.due_at) for t in decided.transition.open_tasks] == [
        ("deliver_information", case.start.due_at)
    ]
    # The new T3 counts from the decision and ends later than the window told: it replaces it.
    assert decided.deadline is not None
    assert result.objection_deadline == fakes.count(decided.deadline).due_at > told
    assert "sudah diputuskan" in await case.refused(
        RequestWorkflow.decide, DecisionCommand(outcome="granted", actor=PPID)
    )


async def test_a_request_never_answered_waits_for_its_late_decision_after_t3(case: Case) -> None:
    await case.sleep_until(case.start.due_at)
    told = (await case.status()).objection_deadline
    assert told is not None
    await case.sleep_until(told)
    ended = case.fakes.last(ObjectionWindowEnded)
    # The duty to answer stays (Pasal 22(7)): still overdue, not closed; no task is closed by the workflow.
    assert ended.transition.status == "overdue" and ended.transition.close_task_kinds == []
    assert (await case.status()).status == "overdue"
    assert "closed" not in case.fakes.events()


async def test_one_extension_with_the_reminders_of_t2_then_t2_missed(case: Case) -> None:
    await case.env.sleep(timedelta(days=1))
    assert "alasan tertulis" in await case.refused(
        RequestWorkflow.extend, ExtensionCommand(reason=" ", actor=PPID)
    )
    result = await case.update(RequestWorkflow.extend, ExtensionCommand(reason="Data tersebar", actor=PPID))
    extended = case.fakes.last(Extended)
    assert extended.deadline == DeadlineQuery(
        body="kab-sanggau", start=case.start.due_at, working_days=law.T2.working_days
    )
    assert extended.reminders is not None and extended.reminders.due_at is None
    assert extended.reminders.round == 2 and not extended.reminders.include_extension_prompt
    assert extended.transition.status == "extended"
    assert extended.transition.close_task_kinds == ["extension_prompt"]
    assert [(t.key, t.due_at_deadline) for t in extended.transition.open_tasks] == [("decide", True)]
    t2 = case.fakes.count(extended.deadline).due_at
    assert result.due_at == t2 and result.status == "extended"
    assert "sudah pernah diperpanjang" in await case.refused(
        RequestWorkflow.extend, ExtensionCommand(reason="lagi", actor=PPID)
    )

    await case.sleep_until(t2)
    after = case.fakes.records[case.fakes.records.index(extended) + 1 :]
    assert [r.event.event for r in after] == [*(r.kind for r in law.T2.reminders), "overdue"]
    assert all(r.round == 2 for r in after if isinstance(r.event, Reminded))
    assert case.fakes.last(Overdue).deadline == DeadlineQuery(
        body="kab-sanggau", start=t2, working_days=law.T3.working_days
    )


async def test_a_decision_in_time_closes_the_case_after_t3(case: Case) -> None:
    await case.env.sleep(timedelta(days=2))
    assert "Pasal 17" in await case.refused(
        RequestWorkflow.decide, DecisionCommand(outcome="rejected", actor=PPID)
    )
    decided = await case.update(RequestWorkflow.decide, DecisionCommand(outcome="not_held", actor=PPID))
    record = case.fakes.last(Decided)
    assert isinstance(record.event, Decided) and not record.event.late
    assert record.transition.open_tasks == []  # nothing to deliver
    assert record.deadline is not None and record.deadline.working_days == law.T3.working_days
    assert decided.objection_deadline == case.fakes.count(record.deadline).due_at
    await case.sleep_until(decided.objection_deadline)
    closed = case.fakes.last(Closed)
    assert closed.transition.status == "closed" and closed.follow_objection
    assert await case.handle.result() == "closed"  # after the grace for a late objection
    assert case.fakes.events().count("closed") == 1


async def test_a_new_holiday_moves_t1_and_its_tasks(case: Case) -> None:
    await case.env.sleep(timedelta(hours=1))
    holiday = case.start.due_at.astimezone(ZoneInfo(TZ)).date() - timedelta(days=3)
    while holiday.weekday() >= 5:
        holiday -= timedelta(days=1)
    case.fakes.holidays[holiday] = "Hari libur daerah"
    await case.handle.signal(
        RequestWorkflow.calendar_changed, CalendarChanged(version=7, action="add", date=holiday, name="Libur")
    )
    for _ in range(100):
        if "deadline_moved" in case.fakes.events():
            break
        await asyncio.sleep(0.05)
    moved = case.fakes.last(DeadlineMoved)
    assert isinstance(moved.event, DeadlineMoved) and moved.round == 7
    assert moved.event.clock == law.T1.code and not moved.event.kept
    assert moved.event.old == case.start.due_at and moved.event.new > case.start.due_at
    assert moved.event.task_kinds == ["decide_request", "extension_prompt"]
    assert (await case.status()).due_at == moved.event.new
