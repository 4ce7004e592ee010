"""The dispute workflow alone (workflows/dispute.py) on the time-skipping server, its activities replaced by fakes
of the same names: what it decides at each event (the typed event, the Transition, the KI clocks it asks the
recording to compute), its clocks (law.T6, law.T7, law.T8 on the KI's calendar), mediation only for the reasons
of law.MEDIATION_REASONS, and the actions it refuses. A failure here is the workflow's;
tests/test_dispute_activity.py covers what the recording writes."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from temporalio import activity
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain import law
from domain.calendar import CalendarChange, Deadline
from domain.case_change import Transition
from domain.contracts import (
    CalendarChanged,
    CaseStatus,
    CourtObjectionCommand,
    DeadlineQuery,
    DeliveryCommand,
    DisputeRegistration,
    DisputeStart,
    OutcomeCommand,
    StageCommand,
)
from domain.delivery import COMPLY_TASK
from domain.dispute_events import (
    ClockMissed,
    CourtObjectionRecorded,
    DeadlineMoved,
    Decided,
    Delivered,
    DisputeRecord,
    DisputeRecorded,
    Final,
    Registered,
    StageSet,
    Submitted,
)
from domain.enums import CalendarAction
from tests.case_unit_support import TZ, RecordingFakes, refused
from workflows.dispute import DisputeWorkflow
from workflows.registry import workflow_runner

CLERK = "panitera@ki-kalbar.example"


@dataclass
class Fakes(RecordingFakes[DisputeRecord]):
    """The activities the dispute workflow calls, by their names: the recording answers with the clocks it was
    asked for, computed by the real pure arithmetic on a calendar the test holds (weekends, plus changes)."""

    @activity.defn(name="record_dispute_event")
    async def record(self, record: DisputeRecord) -> DisputeRecorded:
        self.records.append(record)
        computed = {code: self.deadline(q.start, q.working_days) for code, q in record.deadlines.items()}
        return DisputeRecorded(notification_ids=[len(self.records)], deadlines=computed)

    @activity.defn(name="compute_deadline")
    async def compute_deadline(self, query: DeadlineQuery) -> Deadline:
        assert query.timezone == TZ and query.body is None  # the KI's clocks: national calendar, KI zone
        return self.deadline(query.start, query.working_days)


@dataclass
class Case:
    env: WorkflowEnvironment
    fakes: Fakes
    handle: WorkflowHandle[DisputeWorkflow, str]


async def _case(timeskip: WorkflowEnvironment, reasons: list[str]) -> AsyncIterator[Case]:
    fakes = Fakes()
    queue = f"dispute-unit-{uuid.uuid4().hex[:8]}"
    async with Worker(
        timeskip.client, task_queue=queue, workflows=[DisputeWorkflow],
        activities=[fakes.record, fakes.compute_deadline], workflow_runner=workflow_runner(strict=True),
    ):  # fmt: skip
        start = DisputeStart(
            dispute_id="d1", objection_id="o1", request_id="r1", registration_number="0001/PMH/SGU/IV/2026",
            komisi="ki-kalbar", komisi_timezone=TZ, reasons=reasons,
        )  # fmt: skip
        handle = await timeskip.client.start_workflow(
            DisputeWorkflow.run, start, id=f"sengketa-{uuid.uuid4().hex}", task_queue=queue
        )
        yield Case(timeskip, fakes, handle)


@pytest.fixture
async def refused_reasons(timeskip: WorkflowEnvironment) -> AsyncIterator[Case]:
    """A dispute over a refusal on a Pasal 17 ground only (reason a): adjudication alone (Pasal 40(2))."""
    async for case in _case(timeskip, ["a"]):
        yield case


@pytest.fixture
async def mediable(timeskip: WorkflowEnvironment) -> AsyncIterator[Case]:
    async for case in _case(timeskip, ["a", "c"]):
        yield case


async def _update(handle: WorkflowHandle[DisputeWorkflow, str], update: Any, argument: Any) -> CaseStatus:
    """The Update by method reference; its answer is the handler's CaseStatus."""
    result = await handle.execute_update(update, argument)
    assert isinstance(result, CaseStatus)
    return result


async def _register(case: Case) -> DisputeRecord:
    await case.fakes.recorded(Submitted)
    await _update(
        case.handle,
        DisputeWorkflow.register,
        DisputeRegistration(register_number="012/REG-PSI/IV/2026", actor=CLERK),
    )
    [registered] = case.fakes.of(Registered)
    return registered


async def test_registration_asks_for_t6_and_t7_from_the_law_and_moves_the_kis_tasks(
    refused_reasons: Case,
) -> None:
    case = refused_reasons
    [submitted] = await case.fakes.recorded(Submitted)
    assert submitted.transition.status is None  # the dispute row was written `submitted` at its filing
    [register_task] = submitted.transition.open_tasks
    assert (register_task.kind, register_task.role, register_task.key) == (
        "register_dispute",
        "komisi",
        "register",
    )
    assert not submitted.deadlines

    stage = StageCommand(stage="adjudication", actor=CLERK)
    assert "diregistrasi lebih dahulu" in await refused(case.handle, DisputeWorkflow.stage, stage)
    registered = await _register(case)
    event = registered.event
    assert isinstance(event, Registered) and event.register_number == "012/REG-PSI/IV/2026"
    assert registered.actor == CLERK
    assert registered.transition.status == "registered"
    assert registered.transition.close_task_kinds == ["register_dispute"]
    [settle] = registered.transition.open_tasks
    assert (settle.kind, settle.role, settle.due_at_deadline) == ("settle_dispute", "komisi", True)
    assert registered.tasks_due_at_clock == "T7"
    queries = registered.deadlines
    assert {code: (q.start, q.working_days, q.timezone) for code, q in queries.items()} == {
        "T6": (registered.at, law.T6.working_days, TZ),
        "T7": (registered.at, law.T7.working_days, TZ),
    }
    again = DisputeRegistration(register_number="013/REG-PSI/IV/2026", actor=CLERK)
    assert "sudah diregistrasi" in await refused(case.handle, DisputeWorkflow.register, again)
    assert len(case.fakes.of(Registered)) == 1

    # Nobody starts within T6, nobody settles within T7: alerts, the case goes on (service levels of the KI).
    t7 = case.fakes.deadline(registered.at, law.T7.working_days).due_at
    await case.env.sleep(t7 - registered.at + timedelta(days=1))
    missed = await case.fakes.recorded(ClockMissed, 2)
    t6 = case.fakes.deadline(registered.at, law.T6.working_days).due_at
    assert [(m.event.kind, m.at > due) for m, due in zip(missed, (t6, t7), strict=True)] == [
        ("t6_missed", True),
        ("t7_missed", True),
    ]
    assert all(m.transition == Transition() for m in missed)  # no state changes

    # Reason a alone: mediation is refused (Pasal 40(2)); adjudication is the way.
    mediation = StageCommand(stage="mediation", actor=CLERK)
    letters = f"{min(law.MEDIATION_REASONS)}-{max(law.MEDIATION_REASONS)}"
    assert f"huruf {letters}" in await refused(case.handle, DisputeWorkflow.stage, mediation)
    status = await _update(case.handle, DisputeWorkflow.stage, stage)
    assert status.status == "adjudication"
    [staged] = case.fakes.of(StageSet)
    assert staged.event.name == "stage_adjudication" and staged.transition.status == "adjudication"


async def test_an_adjudication_grant_waits_t8_then_is_final_and_the_case_waits_for_the_compliance(
    refused_reasons: Case,
) -> None:
    case = refused_reasons
    await _register(case)
    await _update(case.handle, DisputeWorkflow.stage, StageCommand(stage="adjudication", actor=CLERK))
    ordered = date(2026, 12, 31)
    outcome = OutcomeCommand(
        outcome="adjudication_granted",
        decision_number="045/PTS/KI-KB/2026",
        disclosure_due=ordered,
        actor=CLERK,
    )
    status = await _update(case.handle, DisputeWorkflow.decide, outcome)
    assert status.status == "decided"
    [decided] = case.fakes.of(Decided)
    assert isinstance(decided.event, Decided) and decided.event.outcome.disclosure_due == ordered
    assert decided.transition.status == "decided"
    assert decided.transition.close_task_kinds == ["register_dispute", "settle_dispute"]
    [comply] = decided.transition.open_tasks
    assert (comply.kind, comply.role, comply.key) == (COMPLY_TASK, "ppid", "comply")
    assert decided.task_due_dates == {"comply": ordered}
    assert {c: (q.start, q.working_days) for c, q in decided.deadlines.items()} == {
        "T8": (decided.at, law.T8.working_days)
    }
    assert not decided.open_cited_entry  # not final before T8 ends
    late = OutcomeCommand(outcome="withdrawn", actor=CLERK)
    assert "sudah diputus" in await refused(case.handle, DisputeWorkflow.decide, late)

    t8 = case.fakes.deadline(decided.at, law.T8.working_days).due_at
    await case.env.sleep(t8 - decided.at + timedelta(days=1))
    [final] = await case.fakes.recorded(Final)
    assert final.at > t8 and final.transition.status == "final"
    assert final.open_cited_entry  # the order to disclose is final: the cited DIK entry opens
    filing = CourtObjectionCommand(
        court="Pengadilan Tata Usaha Negara Pontianak", court_kind="ptun", filed_on=ordered,
        case_number="12/G/KI/2026/PTUN.PTK", recorded_by="komisi", actor=CLERK,
    )  # fmt: skip
    assert law.T8.article in await refused(case.handle, DisputeWorkflow.record_court_objection, filing)

    # Final, but open until the PPID complies: only the recorded delivery ends it.
    delivery = DeliveryCommand(delivered_on=ordered, method="email", actor="ppid@sanggau.example")
    await _update(case.handle, DisputeWorkflow.record_delivery, delivery)
    assert await case.handle.result() == "final"
    [delivered] = case.fakes.of(Delivered)
    assert isinstance(delivered.event, Delivered) and delivered.event.delivery.delivered_on == ordered
    assert delivered.transition.status is None and delivered.actor == "ppid@sanggau.example"


async def test_a_court_objection_within_t8_suspends_the_compliance_and_ends_the_kis_case(
    refused_reasons: Case,
) -> None:
    case = refused_reasons
    await _register(case)
    await _update(case.handle, DisputeWorkflow.stage, StageCommand(stage="adjudication", actor=CLERK))
    outcome = OutcomeCommand(outcome="adjudication_partially_granted", actor=CLERK)
    await _update(case.handle, DisputeWorkflow.decide, outcome)
    [decided] = case.fakes.of(Decided)
    assert not decided.task_due_dates  # no date ordered: the compliance task has none
    t8 = case.fakes.deadline(decided.at, law.T8.working_days).due_at
    await case.env.sleep(timedelta(days=3))
    filing = CourtObjectionCommand(
        court="Pengadilan Tata Usaha Negara Pontianak", court_kind="ptun", filed_on=date(2026, 4, 7),
        case_number="12/G/KI/2026/PTUN.PTK", recorded_by="ppid", actor="ppid@sanggau.example",
    )  # fmt: skip
    status = await _update(case.handle, DisputeWorkflow.record_court_objection, filing)
    assert status.status == "court_objection"
    assert await case.handle.result() == "court_objection"
    [recorded] = case.fakes.of(CourtObjectionRecorded)
    event = recorded.event
    assert isinstance(event, CourtObjectionRecorded)
    assert event.compliance_suspended and event.final_due_at == t8
    assert event.court_objection.case_number == "12/G/KI/2026/PTUN.PTK"
    assert recorded.transition.status == "court_objection" and not case.fakes.of(Final)


async def test_a_mediation_agreement_is_final_at_once(mediable: Case) -> None:
    case = mediable
    await _register(case)
    adjudication = OutcomeCommand(outcome="adjudication_granted", actor=CLERK)
    await _update(case.handle, DisputeWorkflow.stage, StageCommand(stage="mediation", actor=CLERK))
    assert "tahap mediasi" in await refused(case.handle, DisputeWorkflow.decide, adjudication)
    agreement = OutcomeCommand(outcome="mediation_agreement", actor=CLERK)
    status = await _update(case.handle, DisputeWorkflow.decide, agreement)
    assert status.status == "final"
    [decided] = case.fakes.of(Decided)
    assert decided.transition.status == "final" and not decided.deadlines  # no T8 (Pasal 39)
    assert decided.open_cited_entry and [t.kind for t in decided.transition.open_tasks] == [COMPLY_TASK]


async def test_a_withdrawal_before_registration_ends_the_dispute_without_clocks(mediable: Case) -> None:
    case = mediable
    await case.fakes.recorded(Submitted)
    await _update(case.handle, DisputeWorkflow.decide, OutcomeCommand(outcome="withdrawn", actor=CLERK))
    assert await case.handle.result() == "final"
    [decided] = case.fakes.of(Decided)
    assert (
        decided.transition.status == "final" and not decided.deadlines and not decided.transition.open_tasks
    )
    assert not decided.open_cited_entry
    assert decided.transition.close_task_kinds == ["register_dispute", "settle_dispute"]


async def test_a_holiday_within_t6_and_t7_moves_both_and_the_settle_task_follows(mediable: Case) -> None:
    case = mediable
    registered = await _register(case)
    t6 = case.fakes.deadline(registered.at, law.T6.working_days).due_at
    t7 = case.fakes.deadline(registered.at, law.T7.working_days).due_at
    day = (registered.at + timedelta(days=3)).astimezone(t6.tzinfo).date()
    while not case.fakes.calendar().is_working_day(day):
        day += timedelta(days=1)
    case.fakes.changes.append(CalendarChange(version=1, action=CalendarAction.ADD, date=day, name="Libur"))
    await case.handle.signal(
        DisputeWorkflow.calendar_changed, CalendarChanged(version=1, action="add", date=day, name="Libur")
    )
    moved = await case.fakes.recorded(DeadlineMoved, 2)
    events = [m.event for m in moved]
    assert all(isinstance(e, DeadlineMoved) for e in events)
    new6 = case.fakes.deadline(registered.at, law.T6.working_days).due_at
    new7 = case.fakes.deadline(registered.at, law.T7.working_days).due_at
    assert new6 > t6 and new7 > t7
    assert [(e.name, e.old, e.new, e.kept, e.task_kinds) for e in events] == [  # type: ignore[union-attr]
        ("deadline_moved_T6_v1", t6, new6, False, []),
        ("deadline_moved_T7_v1", t7, new7, False, ["settle_dispute"]),
    ]
    assert all(m.transition.status is None for m in moved)
