"""Activities of the consequence test workflow: the test's state and tasks, the DIK entry its approval creates
(numbered per body and year in the `UK` register), the entry's expiry clock (PP 61/2010 Pasal 11), the history
of both on `timeline_events` (subject_type `consequence_test` and `dik`) and their notices.

Every write is keyed, so a retried activity writes nothing twice. `open_cited_entry` is the hook the objection
and dispute activities call when an Atasan's answer or a KI decision orders disclosure (UU Pasal 11 ayat (2))."""

from __future__ import annotations

import logging
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.notices import Notice, render
from activities.records import add_timeline, close_task, enqueue, open_task
from base.settings import Settings
from db.calendar_repo import load_calendar
from db.intake import next_registration_number
from db.models import Body, ConsequenceTest, DikEntry, InfoRequest, Task, Unit
from domain.calendar import WorkingCalendar, add_working_days, end_of_day, working_day_before
from domain.consequence_contracts import TestEvent, TestRecorded
from domain.contracts import Alarm
from domain.dates_id import ZONE_ABBREVIATIONS, format_date, format_datetime
from domain.enums import Role
from domain.exceptions import (
    DETERMINATION_ARTICLE,
    DETERMINATION_REMINDERS,
    GROUNDS,
    determination_due,
    determination_opens,
    period_end,
    period_text,
)
from domain.registration import Register

log = logging.getLogger("ppid.activities.consequence_tests")
REVIEW_DAYS = 5  # default working days for the PPID Utama's review (a body may set uk_review_days)
APPROVAL_DAYS = 5  # default working days for the Atasan PPID's approval (uk_approval_days)
STEP_REMINDERS = (2, 1)  # working days before a step's due date, 08:00 local
REMINDER_HOUR = time(8, 0)
REVIEW_TASK, REVISE_TASK, APPROVE_TASK = (
    "review_consequence_test",
    "revise_consequence_test",
    "approve_consequence_test",
)
DETERMINATION_TASK = "dik_determination"
STEP_WORDS = {
    "review": "telaah PPID Utama",
    "approval": "pengesahan Atasan PPID",
    "determination": "penetapan pembukaan informasi",
}
EXPIRED_REASON = (
    "Jangka waktu pengecualian berakhir tanpa penetapan PPID: informasi menjadi terbuka dengan sendirinya "
    f"({DETERMINATION_ARTICLE} ayat (2))"
)
LABELS = {
    "submitted": "Uji konsekuensi diajukan dan menunggu telaah PPID Utama",
    "resubmitted": "Uji konsekuensi diperbaiki dan diajukan kembali kepada PPID Utama",
    "returned": "PPID Utama mengembalikan uji konsekuensi untuk diperbaiki",
    "forwarded": "PPID Utama meneruskan uji konsekuensi kepada Atasan PPID untuk disahkan",
    "approved": "Atasan PPID mengesahkan uji konsekuensi (PP No. 61 Tahun 2010 Pasal 3 ayat (2))",
    "refused": "Atasan PPID tidak mengesahkan uji konsekuensi; informasi tidak dikecualikan",
    "late_warning": "Peringatan: pengesahan uji konsekuensi dapat jatuh setelah batas waktu permohonan",
    "determined_open": "PPID menetapkan informasi dibuka (PP No. 61 Tahun 2010 Pasal 11)",
    "determined_retest": "PPID memutuskan uji konsekuensi ulang (PP No. 61 Tahun 2010 Pasal 10)",
}
DIK_LABELS = {
    "in_force": "Dicatat dalam Daftar Informasi yang Dikecualikan setelah uji konsekuensi disahkan",
    "renews": "Menggantikan entri sebelumnya setelah uji konsekuensi ulang (PP No. 61 Tahun 2010 Pasal 10)",
    "superseded": "Digantikan oleh entri baru setelah uji konsekuensi ulang (PP No. 61 Tahun 2010 Pasal 10)",
    "determination_due": "Tugas penetapan pembukaan bagi PPID (PP No. 61 Tahun 2010 Pasal 11)",
    "retest": "PPID memulai uji konsekuensi ulang",
    "opened_determination": "Dibuka dengan penetapan PPID (PP No. 61 Tahun 2010 Pasal 11 ayat (1))",
    "opened_expired": "Dibuka dengan sendirinya karena jangka waktu pengecualian berakhir "
    "(PP No. 61 Tahun 2010 Pasal 11 ayat (2))",
    "opened_objection": "Dibuka atas tanggapan Atasan PPID yang memerintahkan pemberian informasi "
    "(UU No. 14 Tahun 2008 Pasal 11 ayat (2))",
    "opened_dispute": "Dibuka atas putusan Komisi Informasi yang memerintahkan pemberian informasi "
    "(UU No. 14 Tahun 2008 Pasal 11 ayat (2))",
}


def step_days(body: Body) -> tuple[int, int]:
    """The working days of the review and of the approval on this body (the directory file may set them)."""
    return body.uk_review_days or REVIEW_DAYS, body.uk_approval_days or APPROVAL_DAYS


def reminder_alarms(
    prefix: str, due_at: datetime, tz: str, calendar: WorkingCalendar, schedule: tuple[tuple[int, str], ...]
) -> list[Alarm]:
    due_day = due_at.astimezone(ZoneInfo(tz)).date()
    return [
        Alarm(
            kind=f"{prefix}{kind}",
            at=datetime.combine(
                working_day_before(due_day, days, calendar), REMINDER_HOUR, tzinfo=ZoneInfo(tz)
            ),
        )
        for days, kind in schedule
    ]


def entry_clock(entry: DikEntry, tz: str, calendar: WorkingCalendar) -> list[Alarm]:
    """The alarms of an entry in force with a date: the determination task, its reminders, the end."""
    if entry.status != "in_force" or entry.exemption_until is None:
        return []
    until = entry.exemption_until
    due = end_of_day(determination_due(until, calendar), tz)
    opens = datetime.combine(determination_opens(until, calendar), REMINDER_HOUR, tzinfo=ZoneInfo(tz))
    return [
        Alarm(kind="determination_open", at=opens),
        *reminder_alarms("", due, tz, calendar, tuple((d, k) for d, k in DETERMINATION_REMINDERS)),
        Alarm(kind="expiry", at=period_end(until, tz)),
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
    entry anyway). Returns the entry opened, if any."""
    exemption = (request.decision or {}).get("exemption") or {}
    entry_id = exemption.get("dik_entry")
    if not entry_id:
        return None
    entry = await session.get(DikEntry, str(entry_id))
    if entry is None or not await open_entry(session, entry, at=at, reason=reason, ref=ref):
        return None
    test = await session.get(ConsequenceTest, entry.test_id)
    if test is not None and activity.in_activity():
        try:
            await activity.client().get_workflow_handle(test.workflow_id).signal("entry_closed")
        except Exception:  # the clock's workflow has ended or the server is away: its next alarm sees it
            log.info("entry %s opened; its workflow could not be told", entry.id)
    return entry


class ConsequenceTestActivities:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession], settings: Settings) -> None:
        self._sessions = session_factory
        self._settings = settings

    @activity.defn(name="record_consequence_test_event")
    async def record_consequence_test_event(self, event: TestEvent) -> TestRecorded:
        async with self._sessions() as session:
            test = await session.get(ConsequenceTest, event.test_id)
            if test is None:
                raise ApplicationError(f"consequence test {event.test_id} not found", non_retryable=True)
            body = await session.get(Body, test.body_id)
            assert body is not None
            calendar = await load_calendar(session, body.slug)
            request = await session.get(InfoRequest, test.request_id) if test.request_id else None
            entry = await session.get(DikEntry, test.dik_entry_id) if test.dik_entry_id else None
            data: dict[str, Any] = dict(event.data)
            first = await add_timeline(
                session,
                key=f"uk:{test.id}:{event.event}:r{event.round}",
                case_id=test.request_id or test.id,
                subject_type="consequence_test",
                subject_id=test.id,
                at=event.at,
                event=f"uk_{event.event}",
                label=self._label(event, test, entry, body.timezone),
                actor=event.actor,
                internal=True,
                data=data or None,
            )
            notices: list[Notice] = []
            if first:
                entry = await self._change_state(session, test, body, calendar, request, entry, event, data)
                await session.flush()
                notices = await self._notices(session, test, body, request, entry, event, data)
            ids = await enqueue(
                session,
                case_id=test.id,
                event=f"uk_{event.event}"[:40],
                key_suffix=f"r{event.round}",
                notices=notices,
                at=event.at,
            )
            alarms = self._alarms(test, entry, body.timezone, calendar)
            await session.commit()
            return TestRecorded(
                notification_ids=ids,
                status=test.status,
                alarms=alarms,
                entry_id=entry.id if entry else None,
                entry_in_force=bool(entry and entry.status == "in_force"),
                number=test.number,
            )

    @staticmethod
    def _label(event: TestEvent, test: ConsequenceTest, entry: DikEntry | None, tz: str) -> str:
        kind = event.event
        if "_reminder_" in kind:
            step = STEP_WORDS.get(kind.split("_")[0], kind)
            return f"Pengingat {step}: {kind.rsplit('_', 1)[1]} hari kerja lagi"
        if kind == "determination_open":
            return DIK_LABELS["determination_due"]
        if kind == "expiry":
            return "Jangka waktu pengecualian berakhir (PP No. 61 Tahun 2010 Pasal 11 ayat (2))"
        label = LABELS.get(kind, kind)
        note = event.data.get("note")
        return f"{label}: {note}" if note and kind in ("returned", "refused") else label

    def _common(self, test: ConsequenceTest, request: InfoRequest | None) -> dict[str, Any]:
        return {
            "case_type": "consequence_test",
            "case_id": test.id,
            "body_id": test.body_id,
            "registration_number": request.registration_number if request else "uji konsekuensi",
        }

    async def _change_state(
        self,
        session: AsyncSession,
        test: ConsequenceTest,
        body: Body,
        calendar: WorkingCalendar,
        request: InfoRequest | None,
        entry: DikEntry | None,
        event: TestEvent,
        data: dict[str, Any],
    ) -> DikEntry | None:
        tz = body.timezone
        review_days, approval_days = step_days(body)
        common = self._common(test, request)
        review_key, revise_key = f"{test.id}:review:r{event.round}", f"{test.id}:revise:r{event.round - 1}"
        match event.event:
            case "submitted" | "resubmitted":
                if event.event == "resubmitted":
                    self._apply_changes(test, data.get("changes") or {})
                    await close_task(session, key=revise_key, at=event.at, completed_by=event.actor)
                    test.rounds = event.round
                test.status = "submitted"
                test.due_at = add_working_days(event.at, review_days, tz, calendar).due_at
                approval_due = add_working_days(test.due_at, approval_days, tz, calendar).due_at
                note = await self._late_warning(session, test, request, approval_due, event.at, tz, "review")
                await open_task(
                    session,
                    key=review_key,
                    kind=REVIEW_TASK,
                    role=Role.PPID.value,
                    unit_id=None,
                    due_at=test.due_at,
                    opened_at=event.at,
                    note=note,
                    **common,
                )
            case "returned":
                test.status, test.review_note, test.reviewed_by = "returned", data.get("note"), event.actor
                await close_task(session, key=review_key, at=event.at, completed_by=event.actor)
                test.due_at = add_working_days(event.at, review_days, tz, calendar).due_at
                await open_task(
                    session,
                    key=f"{test.id}:revise:r{event.round}",
                    kind=REVISE_TASK,
                    role=Role.PPID.value,
                    unit_id=test.unit_id,
                    due_at=test.due_at,
                    opened_at=event.at,
                    note=data.get("note"),
                    **common,
                )
            case "forwarded":
                test.status, test.reviewed_by = "forwarded", event.actor
                if data.get("note"):
                    test.review_note = str(data["note"])
                await close_task(session, key=review_key, at=event.at, completed_by=event.actor)
                test.due_at = add_working_days(event.at, approval_days, tz, calendar).due_at
                note = await self._late_warning(session, test, request, test.due_at, event.at, tz, "approval")
                await open_task(
                    session,
                    key=f"{test.id}:approve",
                    kind=APPROVE_TASK,
                    role=Role.ATASAN_PPID.value,
                    unit_id=None,
                    due_at=test.due_at,
                    opened_at=event.at,
                    note=note,
                    **common,
                )
            case "approved":
                entry = await self._approve(session, test, body, calendar, event, data)
            case "refused":
                test.status, test.decided_at, test.decided_by = "refused", event.at, event.actor
                test.decision_note, test.due_at = data.get("note"), None
                await close_task(session, key=f"{test.id}:approve", at=event.at, completed_by=event.actor)
            case "determination_open" if entry is not None and entry.status == "in_force":
                await history(session, entry, key="determination_due", at=event.at, event="determination_due")
                await open_task(
                    session,
                    key=f"{entry.id}:determination",
                    kind=DETERMINATION_TASK,
                    case_type="dik",
                    case_id=entry.id,
                    registration_number=entry.number,
                    role=Role.PPID.value,
                    body_id=entry.body_id,
                    unit_id=entry.unit_id,
                    due_at=entry.determination_due_at,
                    opened_at=event.at,
                    note=f"Tetapkan pembukaan informasi paling lambat 30 hari kerja sebelum jangka waktu berakhir "
                    f"({period_text(entry.exemption_until, None)}; {DETERMINATION_ARTICLE}).",
                )
            case "determined_open" if entry is not None:
                await open_entry(
                    session,
                    entry,
                    at=event.at,
                    reason="determination",
                    actor=event.actor,
                    ref=data.get("note"),
                )
            case "determined_retest" if entry is not None:
                await history(
                    session,
                    entry,
                    key=f"retest:r{event.round}",
                    at=event.at,
                    event="retest",
                    actor=event.actor,
                )
                await close_task(
                    session, key=f"{entry.id}:determination", at=event.at, completed_by=event.actor
                )
            case "expiry" if entry is not None:
                await open_entry(session, entry, at=event.at, reason="expired")
        return entry

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
        data: dict[str, Any],
    ) -> DikEntry | None:
        test.status, test.decided_at, test.decided_by = "approved", event.at, event.actor
        test.decision_note, test.due_at = data.get("note"), None
        await close_task(session, key=f"{test.id}:approve", at=event.at, completed_by=event.actor)
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
            determination_due_at=end_of_day(determination_due(test.exemption_until, calendar), body.timezone)
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

    def _alarms(
        self, test: ConsequenceTest, entry: DikEntry | None, tz: str, calendar: WorkingCalendar
    ) -> list[Alarm]:
        if test.status == "submitted" and test.due_at:
            return reminder_alarms(
                "review_", test.due_at, tz, calendar, tuple((d, f"reminder_{d}") for d in STEP_REMINDERS)
            )
        if test.status == "forwarded" and test.due_at:
            return reminder_alarms(
                "approval_", test.due_at, tz, calendar, tuple((d, f"reminder_{d}") for d in STEP_REMINDERS)
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
        data: dict[str, Any],
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
                        f"{data.get('note')}\nAjukan perbaikan paling lambat {due}.\nRincian: {link}",
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
                        f"paling lambat {due} (PP No. 61 Tahun 2010 Pasal 3 ayat (2)).\nRincian: {link}",
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
                        f"{data.get('note')}\nInformasi ini tidak dikecualikan.\nRincian: {link}",
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
