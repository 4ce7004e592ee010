"""The dispute's activities alone (activities/disputes.py) in temporalio's ActivityEnvironment, on the real SQLite
database with the demo directory: the dispute is routed to the body's Komisi Informasi, and the recording writes
what the workflow decided (domain/dispute_events.py) — the Transition as given, the KI clocks computed on the
national calendar in the KI's time zone (law.T6, law.T7, law.T8), the timeline, the notices with the law's
periods, the case file — once. A failure here is the activity's; tests/test_dispute_workflow_unit.py covers what
the workflow decides."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import ActivityEnvironment

from activities.disputes import COMPLIANCE_SUSPENDED, DisputeActivities
from db.calendar_repo import load_calendar
from db.models import Body, Dispute, InfoRequest, Objection, Task
from domain import law
from domain.calendar import Deadline, add_working_days, end_of_day
from domain.case_change import TaskToOpen, Transition
from domain.contracts import CalendarChanged, DeadlineQuery, DisputeCommand, DisputeStart, RegisterDispute
from domain.dates_id import format_datetime
from domain.delivery import COMPLY_TASK
from domain.dispute_events import (
    CourtFiling,
    CourtObjectionRecorded,
    DeadlineMoved,
    Decided,
    DisputeEvent,
    DisputeRecord,
    DisputeRecorded,
    Outcome,
    Registered,
    Submitted,
)
from tests.case_unit_support import BODY, TZ, CaseRows, add_request, database

KI_TZ = TZ  # the Komisi Informasi Kalimantan Barat's, where the dispute of a body in Sanggau goes
KI_EMAIL = "sengketa@ki-kalbar.example"
AT = datetime(2026, 4, 6, 2, 0, tzinfo=UTC)  # a Monday, 09:00 in Pontianak
CLERK = "panitera@ki-kalbar.example"
REGISTER, SETTLE = "register_dispute", "settle_dispute"


@dataclass
class World(CaseRows):
    sessions: async_sessionmaker[AsyncSession]
    activities: DisputeActivities
    env: ActivityEnvironment
    request_id: str
    start: DisputeStart

    @property
    def subject_id(self) -> str:
        return self.start.dispute_id

    async def record(self, event: DisputeEvent, at: datetime, **fields: object) -> DisputeRecorded:
        record = DisputeRecord.model_validate(
            {"request_id": self.request_id, "dispute_id": self.start.dispute_id, "at": at, "event": event,
             **fields}
        )  # fmt: skip
        recorded: DisputeRecorded = await self.env.run(self.activities.record, record)
        return recorded

    async def ki_deadline(self, start: datetime, days: int) -> Deadline:
        async with self.sessions() as session:
            return add_working_days(start, days, KI_TZ, await load_calendar(session, None))

    async def dispute(self) -> Dispute:
        async with self.sessions() as session:
            found = await session.get(Dispute, self.start.dispute_id)
            assert found is not None
            return found


def _ki_task(kind: str, key: str, *, due_at_deadline: bool = False) -> TaskToOpen:
    return TaskToOpen(kind=kind, role="komisi", key=key, due_at_deadline=due_at_deadline)


def _ki_queries(at: datetime, *clocks: law.Clock) -> dict[str, DeadlineQuery]:
    return {c.code: DeadlineQuery(start=at, working_days=c.working_days, timezone=KI_TZ) for c in clocks}


@pytest.fixture
async def world(sqlite_database_url: str, tmp_path: Path) -> AsyncIterator[World]:
    request_id, objection_id = uuid.uuid4().hex, uuid.uuid4().hex
    async with database(sqlite_database_url, tmp_path) as (settings, sessions):
        async with sessions() as session:
            await add_request(
                session, request_id, status="objected", received_at=AT - timedelta(days=80),
                due_at=AT - timedelta(days=66),
            )  # fmt: skip
            session.add(
                Objection(
                    id=objection_id, request_id=request_id, registration_number="0001/KEB/SGU/III/2026",
                    status="answered", reasons=["a"], case_position="Saya meminta anggaran, bukan rekam medis.",
                    purpose="Penelitian", registered_at=AT - timedelta(days=50), due_at=AT - timedelta(days=8),
                    dispute_deadline=AT + timedelta(days=10), workflow_id=f"keberatan-{objection_id}",
                )
            )  # fmt: skip
            await session.commit()
        activities = DisputeActivities(sessions, settings)
        env = ActivityEnvironment()
        registration = RegisterDispute(
            dispute_id=uuid.uuid4().hex, objection_id=objection_id, at=AT,
            command=DisputeCommand(statement="Penolakan tanpa uji konsekuensi.", requested_outcome="Membuka dokumen"),
        )  # fmt: skip
        start = await env.run(activities.register_dispute, registration)
        yield World(sessions, activities, env, request_id, start)


async def test_the_dispute_goes_to_the_bodys_komisi_and_its_registration_is_idempotent(world: World) -> None:
    start = world.start
    assert (start.komisi, start.komisi_timezone, start.reasons) == ("ki-kalbar", KI_TZ, ["a"])
    assert start.request_id == world.request_id and start.registration_number == "0001/PMH/SGU/III/2026"
    row = await world.dispute()
    assert row.status == "submitted" and row.workflow_id == f"sengketa-{start.dispute_id}"
    async with world.sessions() as session:
        request = await session.get(InfoRequest, world.request_id)
        objection = await session.get(Objection, start.objection_id)
        assert request is not None and objection is not None
        assert (request.status, objection.status) == ("disputed", "disputed")
    again = RegisterDispute(
        dispute_id=start.dispute_id, objection_id=start.objection_id, at=AT + timedelta(hours=1),
        command=DisputeCommand(statement="lain", requested_outcome="lain"),
    )  # fmt: skip
    assert await world.env.run(world.activities.register_dispute, again) == start
    assert (await world.dispute()).statement == "Penolakan tanpa uji konsekuensi."


async def test_the_submission_opens_the_kis_task_and_sends_the_case_file_once(world: World) -> None:
    transition = Transition(open_tasks=[_ki_task(REGISTER, "register")])
    recorded = await world.record(Submitted(), AT, transition=transition)
    assert not recorded.deadlines and len(recorded.notification_ids) == 4
    task = await world.task(REGISTER)
    assert task.key == f"{world.start.dispute_id}:register" and task.status == "open" and task.due_at is None
    assert task.role == "komisi" and task.komisi_id is not None and task.body_id is None
    assert (await world.dispute()).status == "submitted"  # no status in the transition: kept

    notices = await world.notices("dispute_submitted")
    assert sorted(n.recipient_role for n in notices) == ["atasan_ppid", "komisi", "ppid", "requester"]
    [to_ki] = [n for n in notices if n.recipient_role == "komisi"]
    assert to_ki.recipient == KI_EMAIL
    assert {a["filename"].rsplit(".", 1)[1] for a in to_ki.attachments or []} == {"json", "html"}
    assert f"paling lambat {law.T6.days_text()}\n({law.T6.article})" in to_ki.body_text
    assert f"dalam {law.T7.days_text()} ({law.T7.article})" in to_ki.body_text
    case_file = (await world.dispute()).case_file
    assert case_file is not None and case_file["objection"]["registration_number"] == "0001/KEB/SGU/III/2026"
    names = [d["name"] for d in case_file["deadlines"]]
    assert not any(n.startswith("T1/T2") for n in names)  # the request row holds no computed T1/T2 here
    answer_absent = case_file["answer_absent"]["statement"]
    assert f"({law.T4.days_text()}, {law.T4.article})" in answer_absent

    counts = await world.counts()
    assert await world.record(Submitted(), AT, transition=transition) == recorded  # retried: nothing twice
    assert await world.counts() == counts


async def test_registration_computes_t6_and_t7_on_the_kis_calendar_and_writes_the_transition(
    world: World,
) -> None:
    await world.record(Submitted(), AT, transition=Transition(open_tasks=[_ki_task(REGISTER, "register")]))
    at = AT + timedelta(days=2)
    recorded = await world.record(
        Registered(register_number="012/REG-PSI/IV/2026"), at, actor=CLERK,
        transition=Transition(
            status="registered", close_task_kinds=[REGISTER],
            open_tasks=[_ki_task(SETTLE, "settle", due_at_deadline=True)],
        ),
        deadlines=_ki_queries(at, law.T6, law.T7), tasks_due_at_clock="T7",
    )  # fmt: skip
    t6, t7 = (
        await world.ki_deadline(at, law.T6.working_days),
        await world.ki_deadline(at, law.T7.working_days),
    )
    assert recorded.deadlines == {"T6": t6, "T7": t7}
    assert t6.timezone == KI_TZ and t7.working_days == law.T7.working_days
    row = await world.dispute()
    assert (row.status, row.register_number, row.registered_at) == ("registered", "012/REG-PSI/IV/2026", at)
    assert (row.start_due_at, row.settle_due_at) == (t6.due_at, t7.due_at)
    assert (await world.task(REGISTER)).status == "done"
    settle = await world.task(SETTLE)
    assert settle.status == "open" and settle.due_at == t7.due_at and settle.komisi_id is not None

    entry = await world.entry("dispute_registered")
    assert entry.label == "Komisi Informasi meregistrasi sengketa dengan nomor 012/REG-PSI/IV/2026"
    assert entry.actor == CLERK and entry.data is not None
    assert Deadline.model_validate(entry.data["deadline_t7"]) == t7
    assert datetime.fromisoformat(entry.data["start_due_at"]) == t6.due_at
    [to_requester] = [n for n in await world.notices("dispute_registered") if n.recipient_role == "requester"]
    text = to_requester.body_text
    assert f"{format_datetime(t6.due_at, KI_TZ)} ({law.T6.days_text()}, {law.T6.article})" in text
    assert f"{format_datetime(t7.due_at, KI_TZ)} ({law.T7.days_text()}," in text and law.T7.article in text


async def test_the_recording_writes_the_status_and_tasks_it_is_given_not_its_own(world: World) -> None:
    """A disclosure outcome without a compliance task in the transition opens none, and the status is the one
    the workflow named: the activity does not work the transition out of the outcome."""
    outcome = Outcome(outcome="adjudication_granted", decision_number="045/PTS/KI-KB/2026")
    await world.record(Decided(outcome=outcome), AT, transition=Transition(status="adjudication"))
    row = await world.dispute()
    assert row.status == "adjudication" and row.outcome == outcome.model_dump(mode="json")
    assert row.final_at == AT and row.decided_at == AT  # no T8 asked for
    async with world.sessions() as session:
        assert await session.scalar(select(Task).where(Task.kind == COMPLY_TASK)) is None
    entry = await world.entry("dispute_decided")
    assert entry.label == (
        "Komisi Informasi memutus sengketa: Putusan ajudikasi: permohonan informasi dikabulkan"
    )


async def test_a_decision_starts_t8_opens_the_compliance_due_on_the_ordered_day_and_a_court_objection_cancels_it(
    world: World,
) -> None:
    ordered = date(2026, 5, 29)
    outcome = Outcome(
        outcome="adjudication_granted", decision_number="045/PTS/KI-KB/2026", disclosure_due=ordered
    )
    recorded = await world.record(
        Decided(outcome=outcome), AT, actor=CLERK,
        transition=Transition(
            status="decided", close_task_kinds=[REGISTER, SETTLE],
            open_tasks=[TaskToOpen(kind=COMPLY_TASK, role="ppid", key="comply")],
        ),
        deadlines=_ki_queries(AT, law.T8), task_due_dates={"comply": ordered},
    )  # fmt: skip
    t8 = await world.ki_deadline(AT, law.T8.working_days)
    assert recorded.deadlines == {"T8": t8}
    row = await world.dispute()
    assert (row.status, row.final_at) == ("decided", t8.due_at)
    comply = await world.task(COMPLY_TASK)
    assert comply.status == "open" and comply.role == "ppid" and comply.komisi_id is None
    async with world.sessions() as session:
        body = await session.scalar(select(Body).where(Body.slug == BODY))
        assert body is not None
    assert comply.due_at == end_of_day(ordered, body.timezone)
    [to_requester] = [n for n in await world.notices("dispute_decided") if n.recipient_role == "requester"]
    assert f"({law.T8.days_text()} sejak putusan diterima" in to_requester.body_text
    assert law.T8.article in to_requester.body_text

    filing = CourtFiling(
        court="Pengadilan Tata Usaha Negara Pontianak", court_kind="ptun", filed_on=date(2026, 4, 8),
        case_number="12/G/KI/2026/PTUN.PTK", recorded_by="komisi",
    )  # fmt: skip
    event = CourtObjectionRecorded(court_objection=filing, final_due_at=t8.due_at, compliance_suspended=True)
    later = AT + timedelta(days=2)
    await world.record(event, later, actor=CLERK, transition=Transition(status="court_objection"))
    row = await world.dispute()
    assert (row.status, row.final_at) == ("court_objection", None)
    comply = await world.task(COMPLY_TASK)
    assert (comply.status, comply.close_reason, comply.closed_at) == (
        "cancelled",
        COMPLIANCE_SUSPENDED,
        later,
    )
    suspended = await world.entry("dispute_compliance_suspended")
    assert suspended.label == COMPLIANCE_SUSPENDED
    entry = await world.entry("dispute_court_objection")
    assert entry.data is not None and entry.data["court_objection"]["case_number"] == "12/G/KI/2026/PTUN.PTK"
    assert "compliance_suspended" not in entry.data
    assert f"dan {law.T8.article}); putusan belum berkekuatan hukum tetap" in entry.label
    roles = sorted(n.recipient_role for n in await world.notices("dispute_court_objection"))
    assert roles == ["atasan_ppid", "komisi", "ppid", "requester"]


async def test_a_moved_t7_moves_the_dispute_and_its_settle_task_and_a_kept_one_changes_nothing(
    world: World,
) -> None:
    at = AT
    await world.record(
        Registered(register_number="012/REG-PSI/IV/2026"), at,
        transition=Transition(status="registered", open_tasks=[_ki_task(SETTLE, "settle", due_at_deadline=True)]),
        deadlines=_ki_queries(at, law.T6, law.T7), tasks_due_at_clock="T7",
    )  # fmt: skip
    before = await world.dispute()
    assert before.settle_due_at is not None and before.start_due_at is not None
    later = before.settle_due_at + timedelta(days=1)
    recomputed = (await world.ki_deadline(at, law.T7.working_days + 1)).model_copy(update={"due_at": later})
    change = CalendarChanged(version=3, action="add", date=date(2026, 5, 4), name="Libur")
    moved = DeadlineMoved(
        clock="T7", old=before.settle_due_at, new=later, kept=False, deadline=recomputed, change=change,
        timezone=KI_TZ, task_kinds=[SETTLE],
    )  # fmt: skip
    await world.record(moved, at + timedelta(days=1))
    row = await world.dispute()
    assert row.settle_due_at == later and row.start_due_at == before.start_due_at
    assert (await world.task(SETTLE)).due_at == later
    entry = await world.entry("dispute_deadline_moved_T7_v3")
    assert not entry.internal and entry.label.startswith("Tenggat T7 berubah dari")
    [notice] = await world.notices("dispute_deadline_moved_T7_v3")
    assert notice.recipient_role == "requester"

    earlier = before.start_due_at - timedelta(days=1)
    kept = DeadlineMoved(
        clock="T6", old=before.start_due_at, new=earlier, kept=True, deadline=recomputed,
        change=change.model_copy(update={"version": 4}), timezone=KI_TZ,
    )  # fmt: skip
    await world.record(kept, at + timedelta(days=1))
    assert (await world.dispute()).start_due_at == before.start_due_at
    assert (await world.entry("dispute_deadline_moved_T6_v4")).internal
    assert await world.notices("dispute_deadline_moved_T6_v4") == []
