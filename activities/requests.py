"""Activities of the request workflow: they write the registers (status, timeline, tasks, outbox)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.attachments import MailDocuments, attach_to_requester, mail_documents
from activities.notices import (
    DELIVERY_LABELS,
    GRANTING_OUTCOMES,
    OUTCOME_LABELS,
    Notice,
    deadline_moved,
    fee_text,
    obtain_text,
    render,
)
from activities.records import (
    ReminderLike,
    add_timeline,
    close_tasks,
    delivered_context,
    enqueue,
    follow_objection,
    handover_text,
    open_task,
    record_handover,
    reminder_alarms,
)
from base.settings import Settings
from db.calendar_repo import load_calendar
from db.models import Body, InfoRequest, Task, Unit
from db.requests_repo import load_request
from db.session import write_gate
from domain import law
from domain.calendar import Deadline, WorkingCalendar, add_working_days
from domain.case_change import effective_due
from domain.contracts import Alarm, Recorded, ReminderPlan
from domain.dates_id import ZONE_ABBREVIATIONS, format_datetime
from domain.enums import Role
from domain.notice_tasks import requester_recipients
from domain.request_events import (
    Assigned,
    DeadlineMoved,
    Decided,
    Delivered,
    Extended,
    Overdue,
    RecordRequest,
    Registered,
    Reminded,
    RequestEvent,
)
from domain.tracking import tracking_code

LABELS = {
    "registered": "Permohonan diterima dan didaftarkan",
    "extension_prompt": "PPID diingatkan untuk memutuskan perpanjangan waktu",
    "assigned": "Permohonan diteruskan kepada PPID Pelaksana",
    "extended": f"Jangka waktu diperpanjang {law.T2.days_text()} ({law.T2.article})",
    "decided": f"Pemberitahuan tertulis diberikan ({law.T1.article})",
    "overdue": "Batas waktu terlewati: permohonan tidak ditanggapi, diteruskan kepada Atasan PPID",
    "closed": "Jangka waktu keberatan berakhir; perkara ditutup",
    "objection_window_ended": f"Jangka waktu keberatan berakhir ({law.T3.article}); permohonan belum dijawab: "
    f"PPID tetap wajib memberikan pemberitahuan tertulis ({law.T1.article})",
    "delivered": "Informasi diserahkan kepada pemohon",
}
REMINDER_LABEL = "Pengingat kepada PPID: batas waktu tinggal {days} hari kerja"


class RequestActivities:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession], settings: Settings) -> None:
        self._sessions = session_factory
        self._settings = settings

    @activity.defn(name="plan_reminders")
    async def plan_reminders(self, plan: ReminderPlan) -> list[Alarm]:
        """08:00 local on the working days before the deadline (law.T1.reminders / law.T2.reminders, or the
        plan's own schedule)."""
        if plan.due_at is None:
            raise ApplicationError("a reminder plan needs its due date", non_retryable=True)
        async with self._sessions() as session:
            tz = await session.scalar(select(Body.timezone).where(Body.slug == plan.body))
            if tz is None:
                raise ApplicationError(f"unknown body {plan.body!r}", non_retryable=True)
            calendar = await load_calendar(session, plan.body)
        return plan_alarms(plan, plan.due_at, tz, calendar)

    @activity.defn(name="record_request_event")
    async def record(self, record: RecordRequest) -> Recorded:
        """Writes one event as the workflow decided it: the transition, the event's fields, the timeline, the
        outbox rows; computes the deadline and the reminders it asks for in the same round trip."""
        async with self._sessions() as session, write_gate(session.bind):
            loaded = await load_request(session, record.request_id)
            if loaded is None:
                raise ApplicationError(f"request {record.request_id} not found", non_retryable=True)
            request, body, _unit = loaded
            deadline, due, alarms = None, None, None
            if record.deadline or record.reminders:
                calendar = await load_calendar(session, body.slug)
                if record.deadline:
                    deadline = add_working_days(
                        record.deadline.start, record.deadline.working_days, body.timezone, calendar
                    )
                    due = effective_due(deadline.due_at, record.deadline_floor)
                if record.reminders:
                    reminders_due = record.reminders.due_at or due
                    if reminders_due is None:
                        raise ApplicationError("a reminder plan needs its due date", non_retryable=True)
                    alarms = plan_alarms(record.reminders, reminders_due, body.timezone, calendar)
            ids = await self._apply(session, request, body, record, deadline, due)
            await session.commit()
        return Recorded(notification_ids=ids, deadline=deadline, alarms=alarms)

    async def _apply(
        self, session: AsyncSession, request: InfoRequest, body: Body, record: RecordRequest,
        deadline: Deadline | None, due: datetime | None,
    ) -> list[int]:  # fmt: skip
        event = record.event
        name = event.event
        data: dict[str, Any] = event.timeline_data()
        if deadline is not None and due is not None and event.DEADLINE_FIELD is not None:
            data[event.DEADLINE_FIELD] = due
            data["deadline"] = deadline.model_dump(mode="json")
        key = f"{request.id}:{name}:r{record.round}"
        if isinstance(event, DeadlineMoved):
            key += f":{event.clock}"
        if isinstance(event, Extended) and request.deadline and not request.extended:
            data["deadline_t1"] = request.deadline  # the case keeps explaining T1 after T2 replaced it
        # Reads and rendering first, writes last: on SQLite the write lock is then held only for the final
        # flush and commit, not while notices are rendered (intake in the API waits for that lock).
        with session.no_autoflush:
            first_time = await add_timeline(
                session,
                key=key,
                case_id=request.id,
                at=record.at,
                event=name,
                label=self._label(event, data, body.timezone),
                actor=record.actor,
                internal=event.INTERNAL or (isinstance(event, DeadlineMoved) and event.kept),
                data=_jsonable(data),
            )
            if first_time:
                await self._write_event(session, request, record, deadline, due)
                await self._write_transition(session, request, record, due)
            unit = await session.get(Unit, request.unit_id) if request.unit_id else None
            files = await self._documents(session, request, event)
            notices = self._notices(request, body, unit, record, data, files)
            ids = await enqueue(
                session, case_id=request.id, event=name, key_suffix=f"r{record.round}", notices=notices,
                at=record.at,
            )  # fmt: skip
            await attach_to_requester(session, request, ids, files)
            return ids

    async def _write_transition(
        self, session: AsyncSession, request: InfoRequest, record: RecordRequest, due: datetime | None
    ) -> None:
        """The status and the tasks exactly as the workflow decided them."""
        transition = record.transition
        if transition.status is not None:
            request.status = transition.status
        if transition.close_task_kinds:
            await close_tasks(session, case_id=request.id, at=record.at, kinds=transition.close_task_kinds)
        for spec in transition.open_tasks:
            due_at = due if spec.due_at_deadline else spec.due_at
            task = await open_task(
                session, key=f"{request.id}:{spec.key}", kind=spec.kind, case_type="request", case_id=request.id,
                registration_number=request.registration_number, role=spec.role, body_id=request.body_id,
                # The PPID's tasks go to the unit handling the request; the Atasan's stay the body's.
                unit_id=request.unit_id if spec.role == Role.PPID.value else None,
                due_at=due_at, opened_at=record.at,
            )  # fmt: skip
            if task.status == "open" and due_at is not None:
                task.due_at = due_at  # a task opened before takes its new due date (T2 replaces T1)
        if record.follow_objection:
            await follow_objection(session, request)  # accepted or disputed stays so

    async def _write_event(
        self, session: AsyncSession, request: InfoRequest, record: RecordRequest, deadline: Deadline | None,
        due: datetime | None,
    ) -> None:  # fmt: skip
        """The request's own columns the event carries (no status, no task: the transition has them)."""
        match record.event:
            case Extended(reason=reason):
                assert deadline is not None and due is not None
                request.extended = True
                request.extension_reason = reason
                request.due_at, request.deadline = due, deadline.model_dump(mode="json")
            case Assigned(unit=slug):
                unit = await session.scalar(
                    select(Unit).where(Unit.body_id == request.body_id, Unit.slug == slug)
                )
                if unit is None:
                    raise ApplicationError(f"unknown unit {slug!r}", non_retryable=True)
                request.unit_id = unit.id
                for task in (await session.scalars(_open_tasks(request.id))).all():
                    if task.role == Role.PPID.value:  # the Atasan's and the KI's tasks stay theirs
                        task.unit_id = unit.id
            case Decided(decision=decision, late=late):
                assert due is not None
                request.decision = decision.model_dump(mode="json", exclude={"actor"})
                request.decided_at = record.at
                request.decided_late = late
                request.objection_deadline = due
            case Overdue():
                assert due is not None
                request.objection_deadline = due
            case Delivered(delivery=delivery):
                await record_handover(
                    session, key=f"{request.id}:deliver", at=record.at, actor=record.actor,
                    delivery=delivery.model_dump(mode="json", exclude={"actor"}),
                )  # fmt: skip
            case DeadlineMoved(kept=False, clock=clock, new=new, deadline=moved, task_kinds=kinds):
                if clock in (law.T1.code, law.T2.code):
                    request.due_at, request.deadline = new, moved.model_dump(mode="json")
                else:
                    request.objection_deadline = new
                for task in (await session.scalars(_open_tasks(request.id))).all():
                    if task.kind in kinds:
                        task.due_at = new

    async def _documents(
        self, session: AsyncSession, request: InfoRequest, event: RequestEvent
    ) -> MailDocuments:
        """The documents of a grant or a delivery, for the requester's email (activities/attachments.py)."""
        if isinstance(event, Decided) and event.decision.outcome in GRANTING_OUTCOMES:
            ids = event.decision.document_ids
        elif isinstance(event, Delivered):
            ids = event.delivery.document_ids
        else:
            return MailDocuments()
        return await mail_documents(session, self._settings, request, ids)

    @staticmethod
    def _label(event: RequestEvent, data: dict[str, Any], tz: str) -> str:
        match event:
            case DeadlineMoved():
                return deadline_moved(_jsonable(data), tz)[0]
            case Reminded(kind=kind) if kind in LABELS:
                return LABELS[kind]
            case Reminded(working_days_before=days):
                return REMINDER_LABEL.format(days=days)
            case Decided(late=True):
                return LABELS["decided"] + " — terlambat"
            case Delivered():
                return f"{LABELS['delivered']} {handover_text(data['delivery'])}"
        return LABELS.get(event.event, event.event)

    def _notices(
        self, request: InfoRequest, body: Body, unit: Unit | None, record: RecordRequest, data: dict[str, Any],
        files: MailDocuments | None = None,
    ) -> list[Notice]:  # fmt: skip
        tz = body.timezone

        def when(moment: datetime | str | None) -> str:
            if moment is None:
                return ""
            value = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
            return format_datetime(value, tz)

        public = self._settings.public_url
        context: dict[str, Any] = {
            "reg": request.registration_number,
            "requester_name": request.requester_name,
            "body_name": body.name,
            "unit_name": unit.name if unit else None,
            "zone": ZONE_ABBREVIATIONS.get(tz, tz),
            "received": when(request.received_at),
            "due": when(request.due_at),
            "extended": request.extended,
            "information": request.information,
            "purpose": request.purpose,
            "channel": request.channel,
            "tracking_link": f"{public}/lacak/{request.id}",
            "objection_link": f"{public}/lacak/{request.id}/keberatan",  # where the requester objects
        }
        ppid_email = unit.email if unit else body.ppid_email
        requester = requester_recipients(request.email)  # no email: the PPID sends it by letter or phone
        match record.event:
            case Registered():
                code = tracking_code(request.id, self._settings.tracking_secret())
                ctx = context | {
                    "tracking_code": code,
                    "tracking_link": f"{public}/lacak/{request.id}#kode={code}",
                }
                return [render("registered_requester", r, "requester", ctx) for r in requester] + [
                    render("registered_ppid", ppid_email, "ppid", context)
                ]
            case Reminded(kind=kind, working_days_before=days):
                template = "extension_prompt_ppid" if kind == "extension_prompt" else "reminder_ppid"
                return [render(template, ppid_email, "ppid", context | {"days_left": days})]
            case Extended(reason=reason):
                ctx = context | {"reason": reason}
                return [render("extended_requester", r, "requester", ctx) for r in requester]
            case Assigned():
                return [render("assigned_unit", ppid_email, "ppid", context)] if unit else []
            case Decided(decision=decision, late=late):
                exemption = decision.exemption
                ctx = (
                    context
                    | {
                        "decided": when(record.at),
                        "outcome_label": OUTCOME_LABELS[decision.outcome],
                        "exemption": exemption.model_dump() if exemption else None,
                        "exemption_article": _article(exemption.article) if exemption else "",
                        "redactions": decision.redactions,
                        "holder_body": decision.holder_body,
                        # What is given, how, and at what cost (Pasal 22(7)): the form the requester chose.
                        "granted": decision.outcome in GRANTING_OUTCOMES,
                        "obtain_text": obtain_text(request.obtain_method, request.copy_format),
                        "delivery_text": DELIVERY_LABELS.get(
                            request.delivery_method, request.delivery_method
                        ),
                        "fee_idr": decision.fee_idr,
                        "fee_text": fee_text(decision.fee_idr),
                        "note": decision.note,
                        "late": late,
                        "objection_deadline": when(data["objection_deadline"]),
                    }
                    | (files or MailDocuments()).context()
                )
                return [render("decided_requester", r, "requester", ctx) for r in requester]
            case DeadlineMoved(kept=True):
                return []
            case DeadlineMoved():
                ctx = context | deadline_moved(_jsonable(data), tz)[1]
                return [render("deadline_moved_requester", r, "requester", ctx) for r in requester]
            case Delivered():
                basis = f"sesuai pemberitahuan tertulis PPID ({law.T1.article} UU No. 14 Tahun 2008)"
                ctx = (
                    context
                    | delivered_context(data["delivery"], basis=basis)
                    | (files or MailDocuments()).context()
                )
                return [render("delivered", r, "requester", ctx) for r in requester]
            case Overdue():
                ctx = context | {"objection_deadline": when(data["objection_deadline"])}
                return [render("overdue_requester", r, "requester", ctx) for r in requester] + [
                    render(
                        "overdue_staff", body.atasan_email, "atasan_ppid", ctx | {"addressee": "Atasan PPID"}
                    ),
                    render("overdue_staff", ppid_email, "ppid", ctx | {"addressee": "PPID"}),
                ]
        return []


def plan_alarms(plan: ReminderPlan, due_at: datetime, tz: str, calendar: WorkingCalendar) -> list[Alarm]:
    """The reminders of `plan`: 08:00 local on the working days before `due_at`."""
    schedule: Sequence[ReminderLike] = plan.schedule or (
        law.T1.reminders if plan.round == 1 else law.T2.reminders
    )
    wanted = [s for s in schedule if s.kind != "extension_prompt" or plan.include_extension_prompt]
    return reminder_alarms(wanted, due_at, tz, calendar)


def _article(code: str) -> str:
    """`17h` → `17 huruf h`."""
    return f"{code[:2]} huruf {code[2:]}" if len(code) > 2 else code


def _open_tasks(request_id: str) -> Any:
    return select(Task).where(Task.case_id == request_id, Task.status == "open")


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    def convert(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.isoformat()
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        if isinstance(value, list):
            return [convert(v) for v in value]
        return value

    return {k: convert(v) for k, v in data.items()}
