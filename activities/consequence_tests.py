"""Activities of the consequence test workflow: the test's state and tasks, the DIK entry its approval creates
(numbered per body and year in the `UK` register), the entry's expiry clock (PP 61/2010 Pasal 11), the history
of both on `timeline_events` (subject_type `consequence_test` and `dik`) and their notices.

Every write is keyed, so a retried activity writes nothing twice. `open_cited_entry` is the hook the objection
and dispute activities call when an Atasan's answer or a KI decision orders disclosure (UU Pasal 11 ayat (2))."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from activities.notices import Notice, render
from activities.records import add_timeline, close_task, enqueue, get_or_fail, open_task, reminder_alarms
from base.settings import Settings
from db.calendar_repo import load_calendar
from db.intake import next_registration_number
from db.models import Body, ConsequenceTest, DikEntry, InfoRequest, Task, Unit
from domain import law
from domain.calendar import WorkingCalendar, add_working_days, end_of_day, working_day_before
from domain.case_change import TaskToOpen
from domain.consequence_contracts import (
    APPROVE_TASK,
    DETERMINATION_TASK,
    REVIEW_TASK,
    REVISE_TASK,
    ClocksMoved,
    EntryChange,
    StepClock,
    TestClockQuery,
    TestClocks,
    TestEvent,
    TestRecorded,
)
from domain.contracts import Alarm
from domain.dates_id import ZONE_ABBREVIATIONS, format_date, format_datetime
from domain.exceptions import GROUNDS, determination_due, period_end, period_text
from domain.registration import Register

log = logging.getLogger("ppid.activities.consequence_tests")
DETERMINATION_ARTICLE = law.DIK_DETERMINATION_ARTICLE
APPROVAL_ARTICLE = law.CONSEQUENCE_TEST_APPROVAL_ARTICLE
STEP_TASKS = [REVIEW_TASK, REVISE_TASK, APPROVE_TASK]
DECIDED = ("approved", "refused")
STEP_WORDS = {
    "review": "telaah PPID Utama",
    "approval": "pengesahan Atasan PPID",
    "determination": "penetapan pembukaan informasi",
}
LABELS = {
    "submitted": "Uji konsekuensi diajukan dan menunggu telaah PPID Utama",
    "resubmitted": "Uji konsekuensi diperbaiki dan diajukan kembali kepada PPID Utama",
    "returned": "PPID Utama mengembalikan uji konsekuensi untuk diperbaiki",
    "forwarded": "PPID Utama meneruskan uji konsekuensi kepada Atasan PPID untuk disahkan",
    "approved": f"Atasan PPID mengesahkan uji konsekuensi ({APPROVAL_ARTICLE})",
    "refused": "Atasan PPID tidak mengesahkan uji konsekuensi; informasi tidak dikecualikan",
    "late_warning": "Peringatan: pengesahan uji konsekuensi dapat jatuh setelah batas waktu permohonan",
    "determined_open": f"PPID menetapkan informasi dibuka ({DETERMINATION_ARTICLE})",
    "determined_retest": "PPID memutuskan uji konsekuensi ulang (PP No. 61 Tahun 2010 Pasal 10)",
}
DIK_LABELS = {
    "in_force": "Dicatat dalam Daftar Informasi yang Dikecualikan setelah uji konsekuensi disahkan",
    "renews": "Menggantikan entri sebelumnya setelah uji konsekuensi ulang (PP No. 61 Tahun 2010 Pasal 10)",
    "superseded": "Digantikan oleh entri baru setelah uji konsekuensi ulang (PP No. 61 Tahun 2010 Pasal 10)",
    "determination_due": f"Tugas penetapan pembukaan bagi PPID ({DETERMINATION_ARTICLE})",
    "determination_moved": "Batas penetapan pembukaan dihitung ulang karena perubahan kalender "
    f"({DETERMINATION_ARTICLE})",
    "retest": "PPID memulai uji konsekuensi ulang",
    "opened_determination": f"Dibuka dengan penetapan PPID ({DETERMINATION_ARTICLE} ayat (1))",
    "opened_expired": "Dibuka dengan sendirinya karena jangka waktu pengecualian berakhir "
    f"({DETERMINATION_ARTICLE} ayat (2))",
    "opened_objection": "Dibuka atas tanggapan Atasan PPID yang memerintahkan pemberian informasi "
    "(UU No. 14 Tahun 2008 Pasal 11 ayat (2))",
    "opened_dispute": "Dibuka atas putusan Komisi Informasi yang memerintahkan pemberian informasi "
    "(UU No. 14 Tahun 2008 Pasal 11 ayat (2))",
}
ENTRY_OPENED = {EntryChange.OPEN_DETERMINED: "determination", EntryChange.OPEN_EXPIRED: "expired"}


def step_days(body: Body) -> tuple[int, int]:
    """The working days of the review and of the approval on this body (the directory file may set them; the
    defaults are domain/law.py's)."""
    return (
        body.uk_review_days or law.CONSEQUENCE_TEST_REVIEW_DAYS,
        body.uk_approval_days or law.CONSEQUENCE_TEST_APPROVAL_DAYS,
    )


def step_due(clock: StepClock, start: datetime, body: Body, calendar: WorkingCalendar) -> datetime:
    """The due date of a step that starts at `start`: the step's working days on the body's calendar."""
    review_days, approval_days = step_days(body)
    days = approval_days if clock == StepClock.APPROVAL else review_days
    return add_working_days(start, days, body.timezone, calendar).due_at


def determination_due_at(until: date, tz: str, calendar: WorkingCalendar) -> datetime:
    """The end of the last day of the PPID's determination (PP 61/2010 Pasal 11 ayat (1))."""
    return end_of_day(determination_due(until, calendar), tz)


def entry_clock(entry: DikEntry, tz: str, calendar: WorkingCalendar) -> list[Alarm]:
    """The alarms of an entry in force with a date: the determination task (law.DIK_DETERMINATION_LEAD_WORKING_DAYS
    before its due date), its reminders, the end of the period. The due date is the one recorded (a calendar
    change may have kept it)."""
    if entry.status != "in_force" or entry.exemption_until is None or entry.determination_due_at is None:
        return []
    due = entry.determination_due_at
    due_day = due.astimezone(ZoneInfo(tz)).date()
    opens_day = working_day_before(due_day, law.DIK_DETERMINATION_LEAD_WORKING_DAYS, calendar)
    opens = datetime.combine(opens_day, law.REMINDER_HOUR, tzinfo=ZoneInfo(tz))
    return [
        Alarm(kind="determination_open", at=opens),
        *reminder_alarms(law.DIK_DETERMINATION_REMINDERS, due, tz, calendar),
        Alarm(kind="expiry", at=period_end(entry.exemption_until, tz)),
    ]


async def history(
    session: AsyncSession,
    entry: DikEntry,
    *,
    key: str,
    at: datetime,
    event: str,
    actor: str | None = None,
    data: dict[str, Any] | None = None,
    label: str | None = None,
) -> bool:
    """One line of the entry's history (GET /v1/dik/{id}); public, except the actor."""
    return await add_timeline(
        session,
        key=f"dik:{entry.id}:{key}",
        case_id=entry.id,
        subject_type="dik",
        subject_id=entry.id,
        at=at,
        event=f"dik_{event}",
        label=label or DIK_LABELS[event],
        actor=actor,
        data=data,
    )


async def open_entry(
    session: AsyncSession,
    entry: DikEntry,
    *,
    at: datetime,
    reason: str,
    actor: str | None = None,
    ref: str | None = None,
) -> bool:
    """The entry opened (status `opened`, its determination task ended, its history); False if it was not in
    force."""
    if entry.status != "in_force":
        return False
    entry.status, entry.opened_at, entry.opened_reason = "opened", at, reason
    label = DIK_LABELS[f"opened_{reason}"] + (f": {ref}" if ref else "")
    await history(
        session,
        entry,
        key=f"opened:{reason}",
        at=at,
        event=f"opened_{reason}",
        actor=actor,
        label=label,
        data={"ref": ref} if ref else None,
    )
    task_key = f"{entry.id}:determination"
    if reason == "determination":
        await close_task(session, key=task_key, at=at, completed_by=actor)
    else:
        await close_task(session, key=task_key, at=at, status="cancelled", close_reason=label)
    return True


async def open_cited_entry(
    session: AsyncSession, request: InfoRequest, *, at: datetime, reason: str, ref: str
) -> DikEntry | None:
    """The hook of an Atasan's answer or a KI decision ordering disclosure: the DIK entry the request's refusal
    cited is opened (UU Pasal 11 ayat (2)), and its workflow told (best effort; each of its alarms reads the
    entry anyway). Returns the entry opened, if any.

    Called from the objection and dispute recording activities, local or not: the activity's Temporal client
    is there in both (an `async def` activity), and the signal goes to another workflow than the caller's."""
    exemption = (request.decision or {}).get("exemption") or {}
    entry_id = exemption.get("dik_entry")
    if not entry_id:
        return None
    entry = await session.get(DikEntry, str(entry_id))
    if entry is None or not await open_entry(session, entry, at=at, reason=reason, ref=ref):
        return None
    test = await session.get(ConsequenceTest, entry.test_id)
    if test is not None and activity.in_activity():
        # Imported here: the workflow module imports this one (its activities), not the other way round.
        from workflows.consequence_test import ConsequenceTestWorkflow

        try:
            handle = activity.client().get_workflow_handle(test.workflow_id)
            await handle.signal(ConsequenceTestWorkflow.entry_closed_signal)
        except Exception:  # the clock's workflow has ended or the server is away: its next alarm sees it
            log.info("entry %s opened; its workflow could not be told", entry.id)
    return entry


@dataclass
class _TestRows:
    """A consequence test with what its activities read: its body, the body's calendar, the DIK entry it
    proposes (if any) and, for a recording, the request it serves (if any)."""

    test: ConsequenceTest
    body: Body
    calendar: WorkingCalendar
    entry: DikEntry | None
    request: InfoRequest | None = None


async def _test_rows(session: AsyncSession, test_id: str, *, with_request: bool = False) -> _TestRows:
    test = await get_or_fail(session, ConsequenceTest, test_id, "consequence test")
    body = await session.get(Body, test.body_id)
    assert body is not None
    calendar = await load_calendar(session, body.slug)
    entry = await session.get(DikEntry, test.dik_entry_id) if test.dik_entry_id else None
    request = await session.get(InfoRequest, test.request_id) if with_request and test.request_id else None
    return _TestRows(test, body, calendar, entry, request)


class ConsequenceTestActivities:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession], settings: Settings) -> None:
        self._sessions = session_factory
        self._settings = settings

    @activity.defn(name="record_consequence_test_event")
    async def record_consequence_test_event(self, event: TestEvent) -> TestRecorded:
        async with self._sessions() as session:
            rows = await _test_rows(session, event.test_id, with_request=True)
            test, body, calendar = rows.test, rows.body, rows.calendar
            first = await add_timeline(
                session,
                key=f"uk:{test.id}:{event.event}:r{event.round}",
                case_id=test.request_id or test.id,
                subject_type="consequence_test",
                subject_id=test.id,
                at=event.at,
                event=f"uk_{event.event}",
                label=self._label(event, body.timezone),
                actor=event.actor,
                internal=True,
                data=self._timeline_data(event),
            )
            notices: list[Notice] = []
            if first:
                await self._apply(session, rows, event)
                await session.flush()
                notices = await self._notices(session, test, body, rows.request, rows.entry, event)
            entry = rows.entry
            ids = await enqueue(
                session,
                case_id=test.id,
                event=f"uk_{event.event}"[:40],
                key_suffix=f"r{event.round}",
                notices=notices,
                at=event.at,
            )
            alarms = self._alarms(event, test, entry, body.timezone, calendar)
            await session.commit()
            return TestRecorded(
                notification_ids=ids,
                status=test.status,
                alarms=alarms,
                entry_id=entry.id if entry else None,
                entry_in_force=bool(entry and entry.status == "in_force"),
                number=test.number,
                due_at=test.due_at,
                determination_due_at=entry.determination_due_at if entry else None,
            )

    @activity.defn(name="plan_consequence_test_clocks")
    async def plan_consequence_test_clocks(self, query: TestClockQuery) -> TestClocks:
        """The test's running clocks on the current calendar (nothing written: the workflow decides whether
        they move)."""
        async with self._sessions() as session:
            rows = await _test_rows(session, query.test_id)
        body, calendar, entry = rows.body, rows.calendar, rows.entry
        clocks = TestClocks()
        if query.clock is not None and query.step_started_at is not None:
            clocks.step_due_at = step_due(query.clock, query.step_started_at, body, calendar)
        if entry is not None and entry.status == "in_force" and entry.exemption_until is not None:
            clocks.determination_due_at = determination_due_at(entry.exemption_until, body.timezone, calendar)
        return clocks

    @staticmethod
    def _label(event: TestEvent, tz: str) -> str:
        kind = event.event
        if event.moved is not None:
            return ConsequenceTestActivities._moved_label(event.moved, tz)
        if "_reminder_" in kind:
            step = STEP_WORDS.get(kind.split("_")[0], kind)
            return f"Pengingat {step}: {kind.rsplit('_', 1)[1]} hari kerja lagi"
        if kind == "determination_open":
            return DIK_LABELS["determination_due"]
        if kind == "expiry":
            return f"Jangka waktu pengecualian berakhir ({DETERMINATION_ARTICLE} ayat (2))"
        label = LABELS.get(kind, kind)
        note = event.note
        return f"{label}: {note}" if note and kind in ("returned", "refused") else label

    @staticmethod
    def _moved_label(moved: ClocksMoved, tz: str) -> str:
        change = moved.change
        what = "ditambahkan sebagai hari libur" if change.action == "add" else "tidak lagi hari libur"
        parts = []
        if moved.step_due_at is not None:
            parts.append(f"batas waktu langkah ini {format_datetime(moved.step_due_at, tz)}")
        if moved.determination_due_at is not None:
            parts.append(f"batas penetapan pembukaan {format_datetime(moved.determination_due_at, tz)}")
        if moved.kept:
            parts.append("tanggal yang sudah diberitahukan tidak dimajukan")
        return f"Kalender berubah: {format_date(change.date)} {what}; " + "; ".join(parts)

    @staticmethod
    def _timeline_data(event: TestEvent) -> dict[str, Any] | None:
        if event.moved is not None:
            return event.moved.model_dump(mode="json")
        data: dict[str, Any] = {}
        if event.note:
            data["note"] = event.note
        if event.changes:
            data["changes"] = dict(event.changes)
        return data or None

    def _common(self, test: ConsequenceTest, request: InfoRequest | None) -> dict[str, Any]:
        return {
            "case_type": "consequence_test",
            "case_id": test.id,
            "body_id": test.body_id,
            "registration_number": request.registration_number if request else "uji konsekuensi",
        }

    async def _apply(self, session: AsyncSession, rows: _TestRows, event: TestEvent) -> None:
        """Writes what the workflow decided: the tasks it ends, the corrected fields, the new status and who
        acted, the step's due date, the entry's change (`rows.entry` is then the entry as it stands), the tasks
        it opens, a calendar change's dates."""
        test, body, calendar, entry = rows.test, rows.body, rows.calendar, rows.entry
        change = event.change
        if change.close_task_kinds:
            await self._close_tasks(session, test.id, change.close_task_kinds, event)
        if event.changes:
            self._apply_changes(test, dict(event.changes))
        test.rounds = max(test.rounds or 1, event.round)
        if change.status is not None:
            test.status = change.status
            if change.status in DECIDED:
                test.decided_at, test.decided_by, test.decision_note = event.at, event.actor, event.note
                test.due_at = None
            elif change.status in ("returned", "forwarded"):
                test.reviewed_by = event.actor
                if event.note or change.status == "returned":
                    test.review_note = event.note
        if event.clock is not None:
            test.due_at = step_due(event.clock, event.at, body, calendar)
        match event.entry:
            case EntryChange.CREATE:
                entry = await self._approve(session, test, body, calendar, event)
            case EntryChange.DETERMINATION_DUE if entry is not None and entry.status == "in_force":
                await history(session, entry, key="determination_due", at=event.at, event="determination_due")
            case EntryChange.OPEN_DETERMINED | EntryChange.OPEN_EXPIRED if entry is not None:
                ref = event.note if event.entry == EntryChange.OPEN_DETERMINED else None
                await open_entry(session, entry, at=event.at, reason=ENTRY_OPENED[event.entry], actor=event.actor,
                                 ref=ref)  # fmt: skip
            case EntryChange.RETEST if entry is not None:
                await history(session, entry, key=f"retest:r{event.round}", at=event.at, event="retest",
                              actor=event.actor)  # fmt: skip
        rows.entry = entry
        for task in change.open_tasks:
            await self._open_task(session, task, rows, event)
        if event.moved is not None:
            await self._move(session, test, entry, event.moved, event, body.timezone)

    async def _close_tasks(
        self, session: AsyncSession, case_id: str, kinds: list[str], event: TestEvent
    ) -> None:
        """The open tasks of these kinds of the test (and of its entry, which shares its id) end."""
        found = await session.scalars(
            select(Task).where(Task.case_id == case_id, Task.status == "open", Task.kind.in_(kinds))
        )
        for task in found.all():
            task.status, task.closed_at, task.completed_by = "done", event.at, event.actor

    async def _open_task(
        self, session: AsyncSession, task: TaskToOpen, rows: _TestRows, event: TestEvent
    ) -> None:
        """A task the workflow opened, with what its kind shows: the drafter's unit for a correction, the
        request's deadline for a review or an approval, the entry for a determination."""
        test, body, calendar, request, entry = rows.test, rows.body, rows.calendar, rows.request, rows.entry
        tz = body.timezone
        due = test.due_at if task.due_at_deadline else task.due_at
        if task.kind == DETERMINATION_TASK:
            if entry is None or entry.status != "in_force":
                return  # opened or superseded meanwhile: nothing to determine
            await open_task(
                session, key=task.key, kind=task.kind, case_type="dik", case_id=entry.id,
                registration_number=entry.number, role=task.role, body_id=entry.body_id, unit_id=entry.unit_id,
                due_at=entry.determination_due_at if task.due_at_deadline else task.due_at, opened_at=event.at,
                note=f"Tetapkan pembukaan informasi paling lambat "
                f"{law.DIK_DETERMINATION_WORKING_DAYS} hari kerja sebelum jangka waktu berakhir "
                f"({period_text(entry.exemption_until, None)}; {DETERMINATION_ARTICLE}).",
            )  # fmt: skip
            return
        note: str | None = None
        unit_id: int | None = None
        if task.kind == REVISE_TASK:
            note, unit_id = event.note, test.unit_id
        elif due is not None:
            step = "approval" if task.kind == APPROVE_TASK else "review"
            _, approval_days = step_days(body)
            approval_due = (
                due if step == "approval" else add_working_days(due, approval_days, tz, calendar).due_at
            )
            note = await self._late_warning(session, test, request, approval_due, event.at, tz, step)
        await open_task(
            session, key=task.key, kind=task.kind, role=task.role, unit_id=unit_id, due_at=due,
            opened_at=event.at, note=note, **self._common(test, request),
        )  # fmt: skip

    async def _move(
        self, session: AsyncSession, test: ConsequenceTest, entry: DikEntry | None, moved: ClocksMoved,
        event: TestEvent, tz: str,
    ) -> None:  # fmt: skip
        """A calendar change's dates: the step's due date (and its open task's), the entry's determination date
        (and its task's), each as the workflow decided."""
        if moved.step_due_at is not None and test.due_at is not None:
            test.due_at = moved.step_due_at
            tasks = await session.scalars(
                select(Task).where(Task.case_id == test.id, Task.status == "open", Task.kind.in_(STEP_TASKS))
            )
            for step_task in tasks.all():
                step_task.due_at = moved.step_due_at
        if moved.determination_due_at is not None and entry is not None and entry.status == "in_force":
            entry.determination_due_at = moved.determination_due_at
            task = await session.scalar(select(Task).where(Task.key == f"{entry.id}:determination"))
            if task is not None and task.status == "open":
                task.due_at = moved.determination_due_at
            await history(
                session, entry, key=f"determination_moved:v{moved.change.version}", at=event.at,
                event="determination_moved", data=moved.model_dump(mode="json"),
                label=f"{DIK_LABELS['determination_moved']}: paling lambat "
                f"{format_datetime(moved.determination_due_at, tz)}",
            )  # fmt: skip

    @staticmethod
    def _apply_changes(test: ConsequenceTest, changes: dict[str, Any]) -> None:
        for name in (
            "documents",
            "excepted_part",
            "other_law",
            "harm",
            "public_interest",
            "information",
            "participants",
        ):
            if name in changes and changes[name] is not None:
                setattr(test, name, changes[name])
        if "exemption_until" in changes or "exemption_condition" in changes:
            until = changes.get("exemption_until")
            test.exemption_until = date.fromisoformat(str(until)) if until else None
            test.exemption_condition = changes.get("exemption_condition")

    async def _late_warning(
        self,
        session: AsyncSession,
        test: ConsequenceTest,
        request: InfoRequest | None,
        approval_due: datetime,
        at: datetime,
        tz: str,
        step: str,
    ) -> str | None:
        """The task's note, and an entry on the request's timeline, when the approval's SLA ends after the
        request's response deadline (T1, or T2 once extended: Pasal 22 ayat (7)-(8))."""
        if request is None:
            return None
        clock = "T2" if request.extended else "T1"
        due = format_datetime(request.due_at, tz)
        deadline = f"Permohonan {request.registration_number}: batas waktu {clock} {due}"
        if approval_due <= request.due_at or request.decided_at is not None:
            return deadline + "."
        warning = (
            f"{deadline}; pengesahan uji konsekuensi menurut jangka waktunya baru paling lambat "
            f"{format_datetime(approval_due, tz)}, setelah batas waktu permohonan. Percepat telaah dan "
            "pengesahan, atau perpanjang jangka waktu permohonan (Pasal 22 ayat (8))."
        )
        await add_timeline(
            session,
            key=f"uk:{test.id}:late_warning:{step}:r{test.rounds}",
            case_id=request.id,
            subject_type="consequence_test",
            subject_id=test.id,
            at=at,
            event="uk_late_warning",
            label=f"{LABELS['late_warning']}: {warning}",
            internal=True,
            data={"approval_due": approval_due.isoformat(), "request_due": request.due_at.isoformat()},
        )
        return warning

    async def _approve(
        self,
        session: AsyncSession,
        test: ConsequenceTest,
        body: Body,
        calendar: WorkingCalendar,
        event: TestEvent,
    ) -> DikEntry | None:
        """The approval's record: the test's number in the UK register and, unless the test found the
        information public, its entry in the DIK (superseding the entry it renews, Pasal 10)."""
        test.number = await next_registration_number(session, body, Register.CONSEQUENCE_TEST, event.at)
        if test.conclusion == "open":
            return None  # the test found the information public: nothing enters the DIK
        entry = DikEntry(
            id=test.id,
            body_id=test.body_id,
            unit_id=test.unit_id,
            test_id=test.id,
            number=test.number,
            information=test.information,
            excepted_part=test.excepted_part,
            article=test.article,
            point=test.point,
            other_law=test.other_law,
            consequence=test.harm,
            exemption_until=test.exemption_until,
            exemption_condition=test.exemption_condition,
            decided_at=event.at,
            approved_by=event.actor or "",
            status="in_force",
            determination_due_at=determination_due_at(test.exemption_until, body.timezone, calendar)
            if test.exemption_until
            else None,
        )
        session.add(entry)
        test.dik_entry_id = entry.id
        await session.flush()
        await history(
            session,
            entry,
            key="in_force",
            at=event.at,
            event="in_force",
            actor=event.actor,
            data={"number": entry.number, "test_id": test.id},
        )
        if test.renews_entry_id:
            old = await session.get(DikEntry, test.renews_entry_id)
            if old is not None and old.status == "in_force":
                old.status, old.superseded_by = "superseded", entry.id
                await history(
                    session,
                    old,
                    key=f"superseded:{entry.id}",
                    at=event.at,
                    event="superseded",
                    label=f"{DIK_LABELS['superseded']}: {entry.number}",
                )
                await close_task(
                    session,
                    key=f"{old.id}:determination",
                    at=event.at,
                    status="cancelled",
                    close_reason=DIK_LABELS["superseded"],
                )
                await history(
                    session,
                    entry,
                    key="renews",
                    at=event.at,
                    event="renews",
                    label=f"{DIK_LABELS['renews']}: {old.number}",
                )
        return entry

    @staticmethod
    def _alarms(
        event: TestEvent, test: ConsequenceTest, entry: DikEntry | None, tz: str, calendar: WorkingCalendar
    ) -> list[Alarm]:
        """What the workflow waits for next: the reminders of a step it asked to be reminded of, or the clock of
        the approved test's entry."""
        if event.remind is not None and test.due_at is not None:
            return reminder_alarms(
                law.CONSEQUENCE_TEST_STEP_REMINDERS,
                test.due_at,
                tz,
                calendar,
                prefix=f"{event.remind.value}_",
            )
        if test.status == "approved" and entry is not None:
            return entry_clock(entry, tz, calendar)
        return []

    async def _notices(
        self,
        session: AsyncSession,
        test: ConsequenceTest,
        body: Body,
        request: InfoRequest | None,
        entry: DikEntry | None,
        event: TestEvent,
    ) -> list[Notice]:
        tz = body.timezone
        unit = await session.get(Unit, test.unit_id) if test.unit_id else None
        drafter = unit.email if unit else body.ppid_email
        ground = GROUNDS[test.article]
        link = f"{self._settings.public_url}/v1/consequence-tests/{test.id}"
        about = f"{test.information} ({ground.cite(test.point)})"
        context: dict[str, Any] = {"body_name": body.name, "zone": ZONE_ABBREVIATIONS.get(tz, tz)}
        due = format_datetime(test.due_at, tz) if test.due_at else ""
        kind = event.event

        def notice(to: str, role: str, subject: str, addressee: str, text: str) -> Notice:
            return render(
                "uk_notice", to, role, context | {"subject": subject, "addressee": addressee, "text": text}
            )

        match kind:
            case "submitted" | "resubmitted":
                return [
                    notice(
                        body.ppid_email,
                        "ppid",
                        "Uji konsekuensi menunggu telaah PPID Utama",
                        "PPID Utama",
                        f"Uji konsekuensi atas informasi {about} menunggu telaah Anda paling lambat {due}.\n"
                        f"Rincian: {link}",
                    )
                ]
            case "returned":
                return [
                    notice(
                        drafter,
                        "ppid",
                        "Uji konsekuensi dikembalikan untuk diperbaiki",
                        "PPID",
                        f"PPID Utama mengembalikan uji konsekuensi atas informasi {about} dengan catatan:\n"
                        f"{event.note}\nAjukan perbaikan paling lambat {due}.\nRincian: {link}",
                    )
                ]
            case "forwarded":
                return [
                    notice(
                        body.atasan_email,
                        "atasan_ppid",
                        "Uji konsekuensi menunggu pengesahan Atasan PPID",
                        "Atasan PPID",
                        f"PPID Utama meneruskan uji konsekuensi atas informasi {about} untuk Anda sahkan "
                        f"paling lambat {due} ({APPROVAL_ARTICLE}).\nRincian: {link}",
                    )
                ]
            case "approved":
                where = (
                    f"Informasi ini dicatat dalam Daftar Informasi yang Dikecualikan, dikecualikan "
                    f"{period_text(test.exemption_until, test.exemption_condition)}."
                    if entry
                    else "Kesimpulannya informasi ini terbuka; tidak ada yang dicatat dalam DIK."
                )
                return [
                    notice(
                        drafter,
                        "ppid",
                        f"Uji konsekuensi {test.number} disahkan",
                        "PPID",
                        f"Atasan PPID mengesahkan uji konsekuensi atas informasi {about} dengan berita acara "
                        f"nomor {test.number}. {where}\nRincian: {link}",
                    )
                ]
            case "refused":
                return [
                    notice(
                        drafter,
                        "ppid",
                        "Uji konsekuensi tidak disahkan",
                        "PPID",
                        f"Atasan PPID tidak mengesahkan uji konsekuensi atas informasi {about}: "
                        f"{event.note}\nInformasi ini tidak dikecualikan.\nRincian: {link}",
                    )
                ]
            case k if k.startswith(("review_reminder", "approval_reminder")):
                step_ok = (k.startswith("review") and test.status == "submitted") or (
                    k.startswith("approval") and test.status == "forwarded"
                )
                if not step_ok:
                    return []
                days = k.rsplit("_", 1)[1]
                to, role, who = (
                    (body.ppid_email, "ppid", "PPID Utama")
                    if k.startswith("review")
                    else (body.atasan_email, "atasan_ppid", "Atasan PPID")
                )
                return [
                    notice(
                        to,
                        role,
                        f"Pengingat: uji konsekuensi, tinggal {days} hari kerja",
                        who,
                        f"Uji konsekuensi atas informasi {about} menunggu tindakan Anda paling lambat {due}."
                        f"\nRincian: {link}",
                    )
                ]
        if entry is None:
            return []
        entry_link = f"{self._settings.public_url}/v1/dik/{entry.id}"
        entry_unit = await session.get(Unit, entry.unit_id) if entry.unit_id else None
        ppid = entry_unit.email if entry_unit else body.ppid_email
        due_det = format_datetime(entry.determination_due_at, tz) if entry.determination_due_at else ""
        until = period_text(entry.exemption_until, entry.exemption_condition)
        match kind:
            case "determination_open" if entry.status == "in_force":
                return [
                    notice(
                        ppid,
                        "ppid",
                        f"Penetapan pembukaan informasi DIK {entry.number}",
                        "PPID",
                        f"Jangka waktu pengecualian informasi {entry.information} berakhir ({until}). "
                        f"Tetapkan apakah informasi dibuka, atau mulai uji konsekuensi ulang, paling lambat "
                        f"{due_det} ({DETERMINATION_ARTICLE}). Tanpa penetapan, informasi terbuka dengan "
                        f"sendirinya ketika jangka waktunya berakhir.\nRincian: {entry_link}",
                    )
                ]
            case k if k.startswith("determination_reminder") and entry.status == "in_force":
                task = await session.scalar(select(Task).where(Task.key == f"{entry.id}:determination"))
                if task is None or task.status != "open":
                    return []
                return [
                    notice(
                        ppid,
                        "ppid",
                        f"Pengingat: penetapan DIK {entry.number}, tinggal {k.rsplit('_', 1)[1]} hari kerja",
                        "PPID",
                        f"Penetapan pembukaan informasi {entry.information} paling lambat {due_det} "
                        f"({DETERMINATION_ARTICLE}).\nRincian: {entry_link}",
                    )
                ]
            case "expiry" if entry.opened_reason == "expired" and entry.opened_at == event.at:
                last_day = format_date(entry.exemption_until or event.at.date())
                # The PPID of the body is told (PP 61/2010 Pasal 11 ayat (2)): the DIP must now hold it.
                return [
                    notice(
                        body.ppid_email,
                        "ppid",
                        f"Informasi DIK {entry.number} terbuka dengan sendirinya",
                        "PPID Utama",
                        f"Jangka waktu pengecualian informasi {entry.information} berakhir "
                        f"({until}) tanpa penetapan PPID. Sejak {last_day} "
                        f"berakhir, informasi ini terbuka dengan sendirinya ({DETERMINATION_ARTICLE} ayat (2)) "
                        f"dan dicatat demikian dalam DIK. Muat informasi ini dalam Daftar Informasi Publik."
                        f"\nRincian: {entry_link}",
                    )
                ]
        return []
