"""The objection workflow alone (workflows/objection.py) on the time-skipping server, its activities replaced by
fakes of the same names: what it decides at each event (the typed event, the Transition, T5 and the reminders
it asks for), its clocks (law.T4 with the Atasan's reminders, law.T5) and the actions it refuses. A failure here
is the workflow's; tests/test_objection_activity.py covers what the recording writes."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from temporalio import activity, workflow
from temporalio.client import WorkflowExecutionStatus, WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.records import reminder_alarms
from domain import law
from domain.calendar import CalendarChange, Deadline
from domain.contracts import (
    CalendarChanged,
    CaseStatus,
    DeadlineQuery,
    DeliveryCommand,
    DisputeCommand,
    DisputeFiled,
    DisputeStart,
    ObjectionStart,
    Recorded,
    RegisterDispute,
    ResponseCommand,
)
from domain.enums import CalendarAction
from domain.objection_events import (
    AtasanReminded,
    ObjectionAccepted,
    ObjectionAnswered,
    ObjectionClosed,
    ObjectionDeadlineMoved,
    ObjectionDelivered,
    ObjectionOverdue,
    ObjectionRecord,
    ObjectionRegistered,
)
from tests.case_unit_support import TZ, RecordingFakes, refused
from workflows.objection import ObjectionWorkflow
from workflows.registry import PASSTHROUGH

KOMISI = "ki-kalbar"


@dataclass
class Fakes(RecordingFakes[ObjectionRecord]):
    """The activities the objection workflow calls, by their names: the recording answers with T5 and the
    reminders computed by the real pure arithmetic on a calendar the test holds (weekends only, plus changes)."""

    @activity.defn(name="record_objection_event")
    async def record(self, record: ObjectionRecord) -> Recorded:
        self.records.append(record)
        window, plan = record.dispute_window, record.reminders
        t5 = self.deadline(window.start, window.working_days) if window else None
        alarms = (
            reminder_alarms(plan.schedule or [], plan.due_at, TZ, self.calendar())
            if plan and plan.due_at
            else None
        )
        return Recorded(deadline=t5, alarms=alarms)

    @activity.defn(name="compute_deadline")
    async def compute_deadline(self, query: DeadlineQuery) -> Deadline:
        return self.deadline(query.start, query.working_days)

    @activity.defn(name="register_dispute")
    async def register_dispute(self, registration: RegisterDispute) -> DisputeStart:
        return DisputeStart(
            dispute_id=registration.dispute_id, objection_id=registration.objection_id, request_id="r1",
            registration_number="0001/KEB/SGU/IV/2026", komisi=KOMISI, komisi_timezone=TZ, reasons=["a"],
        )  # fmt: skip


@workflow.defn(name="DisputeWorkflow")
class FakeDispute:
    """The dispute child by its registered name: ends at once, so the objection's own ending is observable."""

    @workflow.run
    async def run(self, start: DisputeStart) -> str:
        return "decided"


@dataclass
class Case:
    env: WorkflowEnvironment
    fakes: Fakes
    start: ObjectionStart
    handle: WorkflowHandle[ObjectionWorkflow, str]


@pytest.fixture
async def case(timeskip: WorkflowEnvironment) -> AsyncIterator[Case]:
    fakes = Fakes()
    queue = f"objection-unit-{uuid.uuid4().hex[:8]}"
    # The test module (its fake child workflow) is shared with the sandbox; workflows/ is re-imported (strict).
    restrictions = SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH, "tests")
    async with Worker(
        timeskip.client,
        task_queue=queue,
        workflows=[ObjectionWorkflow, FakeDispute],
        activities=[fakes.record, fakes.compute_deadline, fakes.register_dispute],
        workflow_runner=SandboxedWorkflowRunner(restrictions=restrictions),
    ):
        now = await timeskip.get_current_time()
        start = ObjectionStart(
            objection_id="o1", request_id="r1", registration_number="0001/KEB/SGU/IV/2026", body="sanggau",
            timezone=TZ, registered_at=now, due_at=fakes.deadline(now, law.T4.working_days).due_at, reasons=["a"],
        )  # fmt: skip
        handle = await timeskip.client.start_workflow(
            ObjectionWorkflow.run, start, id=f"keberatan-{uuid.uuid4().hex}", task_queue=queue
        )
        yield Case(timeskip, fakes, start, handle)


async def _update(handle: WorkflowHandle[ObjectionWorkflow, str], update: Any, *args: Any) -> Any:
    """An Update's result (the SDK's stubs type an async handler's result as its coroutine)."""
    return await handle.execute_update(update, *args)


async def test_a_silent_atasan_is_reminded_then_the_objection_is_overdue_and_closes_after_t5(
    case: Case,
) -> None:
    assert await case.handle.result() == "closed"  # time skips through T4 and T5
    fakes, start = case.fakes, case.start

    registered = fakes.records[0]
    assert isinstance(registered.event, ObjectionRegistered) and registered.at == start.registered_at
    assert registered.transition.status is None  # the registration wrote the row's status already
    [answer] = registered.transition.open_tasks
    assert (answer.kind, answer.role, answer.key, answer.due_at) == (
        "answer_objection", "atasan_ppid", "o1:answer", start.due_at,
    )  # fmt: skip
    plan = registered.reminders
    assert plan is not None and plan.due_at == start.due_at
    assert [(s.kind, s.working_days_before) for s in plan.schedule or []] == [
        (r.kind, r.working_days_before) for r in law.T4.reminders
    ]

    # The Atasan's reminders, each at its working day before T4 (law.T4.reminders), in that order.
    expected = reminder_alarms(plan.schedule or [], start.due_at, TZ, fakes.calendar())
    reminded = fakes.of(AtasanReminded)
    assert [(r.event.kind, r.event.days_left) for r in reminded] == [  # type: ignore[union-attr]
        (r.kind, r.working_days_before) for r in law.T4.reminders
    ]
    for record, alarm in zip(reminded, expected, strict=True):
        assert alarm.at <= record.at < alarm.at + timedelta(minutes=1)
        assert record.transition.status is None and not record.transition.open_tasks

    # T4 ends without an answer: overdue, and T5 runs from the T4 expiry (Pasal 37(1)).
    [overdue] = fakes.of(ObjectionOverdue)
    assert overdue.at > start.due_at and overdue.transition.status == "overdue"
    assert overdue.dispute_window is not None
    assert overdue.dispute_window.start == start.due_at
    assert overdue.dispute_window.working_days == law.T5.working_days
    t5 = fakes.deadline(start.due_at, law.T5.working_days).due_at

    # T5 ends without a dispute: closed, the Atasan's task ends.
    [closed] = fakes.of(ObjectionClosed)
    assert closed.at > t5 and closed.transition.status == "closed"
    assert closed.transition.close_task_kinds == ["answer_objection"]
    assert [type(r.event) for r in fakes.records][-2:] == [ObjectionOverdue, ObjectionClosed]


async def test_a_grant_opens_the_delivery_and_the_case_ends_only_once_delivered(case: Case) -> None:
    handle, fakes = case.handle, case.fakes
    await fakes.recorded(ObjectionRegistered)
    answer = ResponseCommand(
        outcome="granted", order="Berikan salinan anggaran.", actor="atasan@sanggau.example"
    )
    status: CaseStatus = await _update(handle, ObjectionWorkflow.respond, answer)

    [answered] = fakes.of(ObjectionAnswered)
    event = answered.event
    assert isinstance(event, ObjectionAnswered)
    assert (event.outcome, event.order, event.late, event.grants) == ("granted", answer.order, False, True)
    assert answered.actor == answer.actor
    assert answered.transition.status == "answered"
    assert answered.transition.close_task_kinds == ["answer_objection"]
    [deliver] = answered.transition.open_tasks
    assert (deliver.kind, deliver.role, deliver.key, deliver.due_at_deadline) == (
        "deliver_information", "ppid", "o1:deliver", True,
    )  # fmt: skip
    window = answered.dispute_window
    assert window is not None and window.start == answered.at and window.not_before is None
    assert window.working_days == law.T5.working_days
    assert status.status == "answered"
    assert status.next_deadline == fakes.deadline(answered.at, law.T5.working_days).due_at

    assert "sudah dijawab" in await refused(handle, ObjectionWorkflow.respond, answer)
    await _update(handle, ObjectionWorkflow.accept)
    [accepted] = fakes.of(ObjectionAccepted)
    assert accepted.transition.status == "accepted"
    assert accepted.transition.close_task_kinds == ["answer_objection"]

    # Accepted, but the information is owed: the workflow still runs, long after T5.
    await case.env.sleep(timedelta(days=90))
    assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING
    assert not fakes.of(ObjectionClosed)

    delivery = DeliveryCommand(delivered_on=date(2026, 5, 4), method="email", actor="ppid@sanggau.example")
    await _update(handle, ObjectionWorkflow.record_delivery, delivery)
    assert await handle.result() == "accepted"
    [delivered] = fakes.of(ObjectionDelivered)
    assert isinstance(delivered.event, ObjectionDelivered) and delivered.event.delivery == delivery
    assert delivered.transition.status is None and delivered.actor == delivery.actor


async def test_refused_actions_record_nothing(case: Case) -> None:
    handle, fakes = case.handle, case.fakes
    await fakes.recorded(ObjectionRegistered)
    bare = ResponseCommand(outcome="upheld", reasons=" ", actor="atasan@sanggau.example")
    assert "Pasal 36 ayat (3)" in await refused(handle, ObjectionWorkflow.respond, bare)
    odd = ResponseCommand(outcome="rejected", reasons="-", actor="atasan@sanggau.example")
    assert "granted, partially_granted atau upheld" in await refused(handle, ObjectionWorkflow.respond, odd)
    assert "Hanya jawaban Atasan PPID" in await refused(handle, ObjectionWorkflow.accept)
    dispute = DisputeCommand(statement="Tidak puas", requested_outcome="Dibuka")
    assert "Pasal 37 ayat (1)" in await refused(handle, ObjectionWorkflow.file_dispute, dispute)
    delivery = DeliveryCommand(delivered_on=date(2026, 5, 4), method="email", actor="ppid@sanggau.example")
    assert "tidak memiliki penyerahan" in await refused(handle, ObjectionWorkflow.record_delivery, delivery)
    assert [type(r.event) for r in fakes.records] == [ObjectionRegistered]


async def test_a_late_answer_never_shortens_the_t5_told_at_the_expiry(case: Case) -> None:
    handle, fakes, start = case.handle, case.fakes, case.start
    await case.env.sleep(start.due_at - await case.env.get_current_time() + timedelta(minutes=5))
    [overdue] = await fakes.recorded(ObjectionOverdue)
    assert overdue.dispute_window is not None and overdue.dispute_window.start == start.due_at
    told = fakes.deadline(start.due_at, law.T5.working_days).due_at

    upheld = ResponseCommand(outcome="upheld", reasons="Data pasien (Pasal 17 huruf h).", actor="atasan@x")
    status: CaseStatus = await _update(handle, ObjectionWorkflow.respond, upheld)
    [answered] = fakes.of(ObjectionAnswered)
    assert isinstance(answered.event, ObjectionAnswered)
    assert answered.event.late and not answered.event.grants and not answered.transition.open_tasks
    assert answered.dispute_window is not None and answered.dispute_window.not_before == told
    computed = fakes.deadline(answered.at, law.T5.working_days).due_at
    assert status.next_deadline == max(computed, told)

    dispute = DisputeCommand(statement="Tidak puas", requested_outcome="Dibuka")
    filed: DisputeFiled = await _update(handle, ObjectionWorkflow.file_dispute, dispute)
    assert filed.komisi_informasi == KOMISI and filed.status == "submitted"
    assert await handle.result() == "disputed"  # the dispute (a child) ended, so does the objection
    assert not fakes.of(ObjectionClosed)


async def test_a_holiday_within_t4_moves_it_and_the_reminders_follow(case: Case) -> None:
    handle, fakes, start = case.handle, case.fakes, case.start
    await fakes.recorded(ObjectionRegistered)
    # A working day within T4 becomes a holiday: T4 ends one working day later.
    day = (start.registered_at + timedelta(days=7)).astimezone(start.due_at.tzinfo).date()
    while not fakes.calendar().is_working_day(day):
        day += timedelta(days=1)
    fakes.changes.append(CalendarChange(version=1, action=CalendarAction.ADD, date=day, name="Libur daerah"))
    await handle.signal(
        ObjectionWorkflow.calendar_changed,
        CalendarChanged(version=1, action="add", date=day, name="Libur daerah"),
    )
    [moved] = await fakes.recorded(ObjectionDeadlineMoved)
    new = fakes.deadline(start.registered_at, law.T4.working_days).due_at
    assert new > start.due_at
    event = moved.event
    assert isinstance(event, ObjectionDeadlineMoved)
    assert (event.clock, event.old, event.new, event.kept) == ("T4", start.due_at, new, False)
    assert event.name == "deadline_moved_T4_v1" and event.timezone == TZ
    assert moved.reminders is not None and moved.reminders.due_at == new

    assert await handle.result() == "closed"
    [overdue] = fakes.of(ObjectionOverdue)
    assert overdue.at > new and overdue.dispute_window is not None and overdue.dispute_window.start == new
    reminded = fakes.of(AtasanReminded)
    assert len(reminded) == len(law.T4.reminders)
    last = reminder_alarms(moved.reminders.schedule or [], new, TZ, fakes.calendar())[-1]
    assert last.at <= reminded[-1].at < last.at + timedelta(minutes=1)
