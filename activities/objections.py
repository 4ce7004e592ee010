"""Activities of the objection workflow: the objection register (KEB numbers), and the recording of what the
workflow decided at each event (domain/objection_events.py): the row, the tasks, the timeline, the notices."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.consequence_tests import open_cited_entry
from activities.notices import Notice, deadline_moved, render
from activities.records import (
    add_timeline,
    delivered_context,
    enqueue,
    get_or_fail,
    handover_text,
    objection_rows,
    open_task,
    record_handover,
    reminder_alarms,
)
from base.settings import Settings
from db.calendar_repo import load_calendar
from db.intake import next_registration_number
from db.models import Body, InfoRequest, KomisiInformasi, Objection, Task, Unit
from domain import law
from domain.calendar import Deadline, add_working_days
from domain.case_change import effective_due
from domain.contracts import ObjectionFiled, Recorded, RegisterObjection
from domain.dates_id import ZONE_ABBREVIATIONS, format_datetime
from domain.delivery import REQUEST_STATUS_OF_OBJECTION
from domain.enums import ObjectionStatus, Role
from domain.notice_tasks import requester_recipients
from domain.objection_events import (
    AtasanReminded,
    ObjectionAnswered,
    ObjectionDeadlineMoved,
    ObjectionDelivered,
    ObjectionOverdue,
    ObjectionRecord,
    ObjectionRegistered,
)
from domain.registration import Register

# The reasons of Pasal 35(1) (law.OBJECTION_REASONS) as notices and the case file list them.
REASON_LABELS = {
    "a": "a. permohonan ditolak berdasarkan alasan pengecualian (Pasal 17)",
    "b": "b. informasi berkala (Pasal 9) tidak disediakan",
    "c": "c. permohonan tidak ditanggapi",
    "d": "d. permohonan ditanggapi tidak sebagaimana yang diminta",
    "e": "e. permohonan tidak dipenuhi",
    "f": "f. pengenaan biaya yang tidak wajar",
    "g": "g. penyampaian informasi melebihi waktu yang diatur",
}
ANSWER_LABELS = {
    "granted": "Keberatan diterima: informasi diberikan seluruhnya",
    "partially_granted": "Keberatan diterima sebagian: informasi diberikan sebagian",
    "upheld": "Keberatan ditolak: keputusan PPID dikuatkan",
}
LABELS = {
    "registered": "Keberatan diajukan kepada Atasan PPID dan dicatat",
    # The Atasan's reminders before T4 (law.T4.reminders): `Pengingat kepada Atasan PPID: 10 hari kerja lagi`.
    **{
        r.kind: f"Pengingat kepada Atasan PPID: {r.working_days_before} hari kerja lagi"
        for r in law.T4.reminders
    },
    "answered": "Atasan PPID memberikan tanggapan tertulis (Pasal 36)",
    "overdue": "Atasan PPID tidak menanggapi dalam batas waktu; diteruskan kepada pimpinan badan publik",
    "accepted": "Pemohon menerima tanggapan Atasan PPID; perkara selesai",
    "closed": "Jangka waktu pengajuan sengketa berakhir tanpa sengketa",
    "delivered": "Informasi diserahkan kepada pemohon sesuai tanggapan Atasan PPID",
}


assert tuple(REASON_LABELS) == law.OBJECTION_REASONS


def reasons_text(reasons: list[str]) -> str:
    return "; ".join(REASON_LABELS[r] for r in reasons)


class ObjectionActivities:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession], settings: Settings) -> None:
        self._sessions = session_factory
        self._settings = settings

    @activity.defn(name="register_objection")
    async def register_objection(self, registration: RegisterObjection) -> ObjectionFiled:
        """The objection row with its KEB number and T4 (law.T4); idempotent on the objection id."""
        async with self._sessions() as session:
            existing = await session.get(Objection, registration.objection_id)
            if existing is None:
                request = await get_or_fail(session, InfoRequest, registration.request_id, "request")
                body = await session.get(Body, request.body_id)
                assert body is not None
                calendar = await load_calendar(session, body.slug)
                t4 = add_working_days(registration.at, law.T4.working_days, body.timezone, calendar)
                command = registration.command
                existing = Objection(
                    id=registration.objection_id,
                    request_id=request.id,
                    registration_number=await next_registration_number(
                        session, body, Register.OBJECTION, registration.at
                    ),
                    status=ObjectionStatus.REGISTERED.value,
                    reasons=command.reasons,
                    case_position=command.case_position,
                    purpose=command.purpose,
                    filed_by_staff=command.filed_by != "requester",
                    late_override_reason=command.late_override_reason,
                    registered_at=registration.at,
                    due_at=t4.due_at,
                    deadline=t4.model_dump(mode="json"),
                    workflow_id=f"keberatan-{registration.objection_id}",
                )
                session.add(existing)
                await session.commit()
            return ObjectionFiled(
                id=existing.id,
                registration_number=existing.registration_number,
                status=existing.status,
                due_at=existing.due_at,
            )

    @activity.defn(name="record_objection_event")
    async def record(self, record: ObjectionRecord) -> Recorded:
        """Writes what the workflow decided at one event: the timeline entry, the event's own facts, the
        Transition (status, tasks), T5 and the Atasan's reminders computed on the body's calendar, and the
        notices. Idempotent on the objection and the event: a retried recording writes nothing twice."""
        event = record.event
        async with self._sessions() as session:
            objection, request, body = await objection_rows(session, record.objection_id)
            t5, alarms = None, None
            if record.dispute_window or record.reminders:
                calendar = await load_calendar(session, body.slug)
                if (window := record.dispute_window) is not None:
                    t5 = add_working_days(window.start, window.working_days, body.timezone, calendar)
                if (plan := record.reminders) is not None:
                    if plan.due_at is None:
                        raise ApplicationError("a reminder plan needs its due date", non_retryable=True)
                    alarms = reminder_alarms(plan.schedule or [], plan.due_at, body.timezone, calendar)
            dispute_due = _dispute_due(record, t5)
            first_time = await add_timeline(
                session,
                key=f"{objection.id}:{event.name}",
                case_id=request.id,
                subject_type="objection",
                subject_id=objection.id,
                at=record.at,
                event=f"objection_{event.name}",
                label=self._label(record, objection, body.timezone),
                actor=record.actor,
                internal=isinstance(event, AtasanReminded)
                or (isinstance(event, ObjectionDeadlineMoved) and event.kept),
                data=_timeline_data(record, t5, dispute_due),
            )
            if first_time:
                await self._write(session, objection, request, record, dispute_due)
            await session.flush()
            notices = await self._notices(session, objection, request, body, record)
            ids = await enqueue(
                session,
                case_id=request.id,
                event=f"objection_{event.name}",
                key_suffix=objection.id,
                notices=notices,
                at=record.at,
            )
            await session.commit()
        return Recorded(notification_ids=ids, deadline=t5, alarms=alarms)

    @staticmethod
    def _label(record: ObjectionRecord, objection: Objection, tz: str) -> str:
        event = record.event
        if isinstance(event, ObjectionDeadlineMoved):
            return f"{deadline_moved(event.data(), tz)[0]} ({objection.registration_number})"
        label = f"{LABELS.get(event.name, event.name)} ({objection.registration_number})"
        if isinstance(event, ObjectionAnswered):
            label += f": {ANSWER_LABELS.get(event.outcome, '')}"
            if event.late:
                label += " — terlambat"
        if isinstance(event, ObjectionDelivered):
            label += f" {handover_text(event.delivery_data())}"
        return label

    async def _write(
        self,
        session: AsyncSession,
        objection: Objection,
        request: InfoRequest,
        record: ObjectionRecord,
        dispute_due: datetime | None,
    ) -> None:
        """The event's own facts, then the Transition the workflow decided, as it decided it."""
        event, at, transition = record.event, record.at, record.transition
        if dispute_due is not None:
            objection.dispute_deadline = dispute_due
        match event:
            case ObjectionAnswered():
                objection.response = {**event.response(), "late": event.late}
                objection.responded_at = at
                if event.grants:
                    # The Atasan ordered disclosure: the DIK entry the refusal cited opens (Pasal 11(2)).
                    await open_cited_entry(
                        session, request, at=at, reason="objection", ref=objection.registration_number
                    )
            case ObjectionDelivered():
                await record_handover(
                    session, key=f"{objection.id}:deliver", at=at, actor=record.actor,
                    delivery=event.delivery_data(),
                )  # fmt: skip
            case ObjectionDeadlineMoved(kept=False, clock="T4"):
                objection.due_at, objection.deadline = event.new, event.deadline.model_dump(mode="json")
                task = await session.scalar(select(Task).where(Task.key == f"{objection.id}:answer"))
                if task is not None:
                    task.due_at = event.new
            case ObjectionDeadlineMoved(kept=False):
                objection.dispute_deadline = event.new
        if transition.status is not None:
            objection.status = transition.status
        if transition.close_task_kinds:
            # Only this objection's tasks (their keys start with its id): the case chain shares `case_id`.
            await session.execute(
                update(Task)
                .where(
                    Task.case_id == request.id, Task.key.startswith(f"{objection.id}:"), Task.status == "open",
                    Task.kind.in_(transition.close_task_kinds),
                )
                .values(status="done", closed_at=at)
            )  # fmt: skip
        for to_open in transition.open_tasks:
            await open_task(
                session, key=to_open.key, kind=to_open.kind, role=to_open.role,
                due_at=objection.dispute_deadline if to_open.due_at_deadline else to_open.due_at,
                case_type="objection", case_id=request.id, registration_number=objection.registration_number,
                body_id=request.body_id, unit_id=None if to_open.role == Role.ATASAN_PPID.value else request.unit_id,
                opened_at=at,
            )  # fmt: skip
        # The request's status follows its objection in the registers (the lists and every view read it).
        followed = REQUEST_STATUS_OF_OBJECTION.get(objection.status)
        if followed is not None:
            request.status = followed

    async def _notices(
        self, session: AsyncSession, objection: Objection, request: InfoRequest, body: Body,
        record: ObjectionRecord,
    ) -> list[Notice]:  # fmt: skip
        event = record.event
        tz = body.timezone
        komisi = await session.get(KomisiInformasi, body.komisi_id)
        unit = await session.get(Unit, request.unit_id) if request.unit_id else None
        context: dict[str, Any] = {
            "reg": request.registration_number,
            "obj_reg": objection.registration_number,
            "requester_name": request.requester_name,
            "body_name": body.name,
            "komisi_name": komisi.name if komisi else "Komisi Informasi",
            "zone": ZONE_ABBREVIATIONS.get(tz, tz),
            "registered": format_datetime(objection.registered_at, tz),
            "objection_due": format_datetime(objection.due_at, tz),
            "dispute_due": format_datetime(objection.dispute_deadline, tz)
            if objection.dispute_deadline
            else "",
            "reasons_text": reasons_text(objection.reasons),
            "case_position": objection.case_position,
            "late_override_reason": objection.late_override_reason,
            "tracking_link": f"{self._settings.public_url}/lacak/{request.id}",
            # Where the requester accepts the answer or goes to the KI: the objection's section of the case page.
            "action_link": f"{self._settings.public_url}/lacak/{request.id}#keberatan-{objection.id}",
        }
        requester = requester_recipients(request.email)  # no email: the PPID sends it by letter or phone
        ppid_email = unit.email if unit else body.ppid_email
        match event:
            case ObjectionRegistered():
                return [
                    render("objection_registered_requester", r, "requester", context) for r in requester
                ] + [render("objection_registered_atasan", body.atasan_email, "atasan_ppid", context)]
            case AtasanReminded():
                ctx = context | {"days_left": event.days_left}
                return [render("atasan_reminder", body.atasan_email, "atasan_ppid", ctx)]
            case ObjectionAnswered():
                ctx = context | {
                    "answered": format_datetime(record.at, tz),
                    "outcome_label": ANSWER_LABELS[event.outcome],
                    "reasons": event.reasons,
                    "order": event.order,
                    "late": event.late,
                    "delivers": event.grants,
                }
                return [render("objection_answered_requester", r, "requester", ctx) for r in requester] + [
                    render("objection_answered_ppid", ppid_email, "ppid", ctx)
                ]
            case ObjectionDeadlineMoved(kept=False):
                ctx = context | deadline_moved(event.data(), tz)[1]
                return [render("deadline_moved_requester", r, "requester", ctx) for r in requester]
            case ObjectionDelivered():
                basis = (f"sesuai tanggapan Atasan PPID atas keberatan {objection.registration_number} "
                         "(Pasal 36 UU No. 14 Tahun 2008)")  # fmt: skip
                ctx = context | delivered_context(event.delivery_data(), basis=basis)
                return [render("delivered", r, "requester", ctx) for r in requester]
            case ObjectionOverdue():
                return [render("objection_overdue_requester", r, "requester", context) for r in requester] + [
                    render("objection_overdue_staff", body.head_email, "head", context | {"addressee": "Pimpinan"}),
                    render("objection_overdue_staff", body.atasan_email, "atasan_ppid",
                           context | {"addressee": "Atasan PPID"}),
                ]  # fmt: skip
        return []


_MOMENT = TypeAdapter(datetime)  # moments in timeline data: ISO text, as every model's JSON writes them


def _dispute_due(record: ObjectionRecord, t5: Deadline | None) -> datetime | None:
    """T5 as the workflow asked for it: the computed date, never before the date already told."""
    window = record.dispute_window
    if t5 is None or window is None:
        return None
    return effective_due(t5.due_at, window.not_before)


def _timeline_data(
    record: ObjectionRecord, t5: Deadline | None, dispute_due: datetime | None
) -> dict[str, Any] | None:
    """The entry's data, as the case pages, the case file and the calendar preview read it (api/cases.py)."""
    event = record.event
    data: dict[str, Any] = {}
    match event:
        case ObjectionAnswered():
            data = {"response": event.response(), "late": event.late}
        case ObjectionDelivered():
            data = {"delivery": event.delivery_data()}
        case ObjectionDeadlineMoved():
            data = event.data()
    if dispute_due is not None and t5 is not None:
        data |= {
            "dispute_deadline": _MOMENT.dump_python(dispute_due, mode="json"),
            "deadline": t5.model_dump(mode="json"),
        }
    return data or None
