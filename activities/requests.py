"""Activities of the request workflow: they write the registers (status, timeline, tasks, outbox)."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

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
    add_timeline,
    close_tasks,
    delivered_context,
    enqueue,
    follow_objection,
    handover_text,
    open_task,
    record_handover,
)
from base.settings import Settings
from db.calendar_repo import load_calendar
from db.models import Body, InfoRequest, Task, Unit
from db.requests_repo import load_request
from db.session import write_gate
from domain.calendar import Deadline, WorkingCalendar, add_working_days, working_day_before
from domain.contracts import Alarm, CaseEvent, Recorded, ReminderPlan
from domain.dates_id import ZONE_ABBREVIATIONS, format_datetime
from domain.delivery import DELIVER_TASK, GRANTING_DECISIONS
from domain.enums import RequestStatus, Role
from domain.notice_tasks import requester_recipients
from domain.tracking import tracking_code

REMINDER_HOUR = time(8, 0)  # reminders go out at the start of the working day, local time
# Reminders before the response deadline (docs/domain.md, configurable later per body): working days before.
PPID_REMINDERS = (("reminder_3", 3), ("extension_prompt", 2), ("reminder_1", 1))

LABELS = {
    "registered": "Permohonan diterima dan didaftarkan",
    "reminder_3": "Pengingat kepada PPID: batas waktu tinggal 3 hari kerja",
    "extension_prompt": "PPID diingatkan untuk memutuskan perpanjangan waktu",
    "reminder_1": "Pengingat kepada PPID: batas waktu tinggal 1 hari kerja",
    "assigned": "Permohonan diteruskan kepada PPID Pelaksana",
    "extended": "Jangka waktu diperpanjang 7 hari kerja (Pasal 22 ayat (8))",
    "decided": "Pemberitahuan tertulis diberikan (Pasal 22 ayat (7))",
    "overdue": "Batas waktu terlewati: permohonan tidak ditanggapi, diteruskan kepada Atasan PPID",
    "closed": "Jangka waktu keberatan berakhir; perkara ditutup",
    "objection_window_ended": "Jangka waktu keberatan berakhir (Pasal 36 ayat (1)); permohonan belum dijawab: "
    "PPID tetap wajib memberikan pemberitahuan tertulis (Pasal 22 ayat (7))",
    "delivered": "Informasi diserahkan kepada pemohon",
}
# The tasks a decision ends: the PPID's, and the Atasan's escalation of a request left unanswered.
DECISION_ENDS = ["decide_request", "extension_prompt", "escalated_request"]
INTERNAL_EVENTS = {"reminder_3", "extension_prompt", "reminder_1"}


class RequestActivities:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession], settings: Settings) -> None:
        self._sessions = session_factory
        self._settings = settings

    @activity.defn(name="plan_reminders")
    async def plan_reminders(self, plan: ReminderPlan) -> list[Alarm]:
        """08:00 local on the working days before the deadline (T1/T2 -3, -2 prompt, -1)."""
        if plan.due_at is None:
            raise ApplicationError("a reminder plan needs its due date", non_retryable=True)
        async with self._sessions() as session:
            tz = await session.scalar(select(Body.timezone).where(Body.slug == plan.body))
            if tz is None:
                raise ApplicationError(f"unknown body {plan.body!r}", non_retryable=True)
            calendar = await load_calendar(session, plan.body)
        return plan_alarms(plan, plan.due_at, tz, calendar)

    @activity.defn(name="record_request_event")
    async def record_request_event(self, event: CaseEvent) -> Recorded:
        async with self._sessions() as session, write_gate(session.bind):
            loaded = await load_request(session, event.request_id)
            if loaded is None:
                raise ApplicationError(f"request {event.request_id} not found", non_retryable=True)
            request, body, _unit = loaded
            deadline, alarms = None, None
            if event.deadline or event.reminders:
                calendar = await load_calendar(session, body.slug)
                if event.deadline:
                    deadline = add_working_days(
                        event.deadline.start, event.deadline.working_days, body.timezone, calendar
                    )
                    event = event.model_copy(update={"data": _with_deadline(event, deadline)})
                if event.reminders:
                    due_at = event.reminders.due_at or (deadline.due_at if deadline else None)
                    if due_at is None:
                        raise ApplicationError("a reminder plan needs its due date", non_retryable=True)
                    alarms = plan_alarms(event.reminders, due_at, body.timezone, calendar)
            ids = await self._apply(session, request, body, event)
            await session.commit()
        return Recorded(notification_ids=ids, deadline=deadline, alarms=alarms)

    async def _apply(
        self, session: AsyncSession, request: InfoRequest, body: Body, event: CaseEvent
    ) -> list[int]:
        data: dict[str, Any] = dict(event.data)
        key = f"{request.id}:{event.event}:r{event.round}"
        if event.event == "deadline_moved":
            key += f":{data['clock']}"
        if event.event == "extended" and request.deadline and not request.extended:
            data["deadline_t1"] = request.deadline  # the case keeps explaining T1 after T2 replaced it
        # Reads and rendering first, writes last: on SQLite the write lock is then held only for the final
        # flush and commit, not while notices are rendered (intake in the API waits for that lock).
        with session.no_autoflush:
            first_time = await add_timeline(
                session,
                key=key,
                case_id=request.id,
                at=event.at,
                event=event.event,
                label=self._label(event, body.timezone),
                actor=event.actor,
                internal=event.event in INTERNAL_EVENTS or bool(data.get("kept")),
                data=_jsonable(data),
            )
            if first_time:
                await self._change_state(session, request, event, data)
            unit = await session.get(Unit, request.unit_id) if request.unit_id else None
            files = await self._documents(session, request, event, data)
            notices = self._notices(request, body, unit, event, data, files)
            ids = await enqueue(
                session, case_id=request.id, event=event.event, key_suffix=f"r{event.round}", notices=notices,
                at=event.at,
            )  # fmt: skip
            await attach_to_requester(session, request, ids, files)
            return ids

    async def _documents(
        self, session: AsyncSession, request: InfoRequest, event: CaseEvent, data: dict[str, Any]
    ) -> MailDocuments:
        """The documents of a grant or a delivery, for the requester's email (activities/attachments.py)."""
        if event.event == "decided" and data["decision"]["outcome"] in GRANTING_OUTCOMES:
            ids = data["decision"].get("document_ids") or []
        elif event.event == "delivered":
            ids = data["delivery"].get("document_ids") or []
        else:
            return MailDocuments()
        return await mail_documents(session, self._settings, request, ids)

    @staticmethod
    def _label(event: CaseEvent, tz: str) -> str:
        if event.event == "deadline_moved":
            return deadline_moved(dict(event.data), tz)[0]
        label = LABELS.get(event.event, event.event)
        if event.event == "decided" and event.data.get("late"):
            label += " — terlambat"
        if event.event == "delivered":
            label += f" {handover_text(dict(event.data['delivery']))}"  # type: ignore[call-overload]
        return label

    async def _change_state(
        self, session: AsyncSession, request: InfoRequest, event: CaseEvent, data: dict[str, Any]
    ) -> None:
        tasks_scope = {"body_id": request.body_id, "unit_id": request.unit_id}
        match event.event:
            case "registered":
                await open_task(
                    session, key=f"{request.id}:decide", kind="decide_request", case_type="request",
                    case_id=request.id, registration_number=request.registration_number, role=Role.PPID.value,
                    due_at=request.due_at, opened_at=event.at, **tasks_scope,
                )  # fmt: skip
            case "extension_prompt":
                await open_task(
                    session, key=f"{request.id}:extension_prompt", kind="extension_prompt", case_type="request",
                    case_id=request.id, registration_number=request.registration_number, role=Role.PPID.value,
                    due_at=request.due_at, opened_at=event.at, **tasks_scope,
                )  # fmt: skip
            case "extended":
                request.status = RequestStatus.EXTENDED.value
                request.extended = True
                request.extension_reason = str(data["reason"])
                request.due_at = datetime.fromisoformat(str(data["due_at"]))
                request.deadline = data.get("deadline")
                await close_tasks(session, case_id=request.id, at=event.at, kinds=["extension_prompt"])
                task = await open_task(session, key=f"{request.id}:decide")
                task.due_at = request.due_at
            case "assigned":
                unit = await session.scalar(
                    select(Unit).where(Unit.body_id == request.body_id, Unit.slug == data["unit"])
                )
                if unit is None:
                    raise ApplicationError(f"unknown unit {data['unit']!r}", non_retryable=True)
                request.unit_id = unit.id
                for task in (await session.scalars(_open_tasks(request.id))).all():
                    if task.role == Role.PPID.value:  # the Atasan's and the KI's tasks stay theirs
                        task.unit_id = unit.id
            case "decided":
                request.status = RequestStatus.DECIDED.value
                request.decision = data["decision"]
                request.decided_at = event.at
                request.decided_late = bool(data.get("late"))
                request.objection_deadline = datetime.fromisoformat(str(data["objection_deadline"]))
                await close_tasks(session, case_id=request.id, at=event.at, kinds=DECISION_ENDS)
                if data["decision"]["outcome"] in GRANTING_DECISIONS:
                    # The written notice grants: the PPID now gives the information (Pasal 22(7)), by the
                    # response deadline; only recording the delivery ends this task.
                    await open_task(
                        session, key=f"{request.id}:deliver", kind=DELIVER_TASK, case_type="request",
                        case_id=request.id, registration_number=request.registration_number,
                        role=Role.PPID.value, due_at=request.due_at, opened_at=event.at, **tasks_scope,
                    )  # fmt: skip
                await follow_objection(session, request)  # a late decision while an objection is under way
            case "overdue":
                request.status = RequestStatus.OVERDUE.value
                request.objection_deadline = datetime.fromisoformat(str(data["objection_deadline"]))
                await close_tasks(session, case_id=request.id, at=event.at, kinds=["extension_prompt"])
                await open_task(
                    session, key=f"{request.id}:escalated", kind="escalated_request", case_type="request",
                    case_id=request.id, registration_number=request.registration_number,
                    role=Role.ATASAN_PPID.value, due_at=request.objection_deadline, body_id=request.body_id,
                    unit_id=None, opened_at=event.at,
                )  # fmt: skip
            case "closed":
                # The objection window has ended; a delivery still owed keeps its task (and the case) open.
                request.status = RequestStatus.CLOSED.value
                await follow_objection(session, request)  # accepted or disputed stays so
            case "objection_window_ended":
                # Never decided: the request is still `overdue` (an objection it had has ended by now).
                request.status = RequestStatus.OVERDUE.value
                await follow_objection(session, request)
            case "delivered":
                await record_handover(
                    session, key=f"{request.id}:deliver", at=event.at, actor=event.actor,
                    delivery=data["delivery"],
                )  # fmt: skip
            case "deadline_moved" if not data.get("kept"):
                new = datetime.fromisoformat(str(data["new"]))
                if data["clock"] in ("T1", "T2"):
                    request.due_at, request.deadline = new, data.get("deadline")
                    for task in (await session.scalars(_open_tasks(request.id))).all():
                        if task.kind in ("decide_request", "extension_prompt"):
                            task.due_at = new
                else:
                    request.objection_deadline = new
                    escalated = await session.scalar(
                        select(Task).where(Task.key == f"{request.id}:escalated")
                    )
                    if escalated is not None:
                        escalated.due_at = new

    def _notices(
        self, request: InfoRequest, body: Body, unit: Unit | None, event: CaseEvent, data: dict[str, Any],
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
        match event.event:
            case "registered":
                code = tracking_code(request.id, self._settings.tracking_secret())
                ctx = context | {
                    "tracking_code": code,
                    "tracking_link": f"{public}/lacak/{request.id}#kode={code}",
                }
                return [render("registered_requester", r, "requester", ctx) for r in requester] + [
                    render("registered_ppid", ppid_email, "ppid", context)
                ]
            case "reminder_3" | "reminder_1":
                days = 3 if event.event == "reminder_3" else 1
                return [render("reminder_ppid", ppid_email, "ppid", context | {"days_left": days})]
            case "extension_prompt":
                return [render("extension_prompt_ppid", ppid_email, "ppid", context)]
            case "extended":
                ctx = context | {"reason": data["reason"]}
                return [render("extended_requester", r, "requester", ctx) for r in requester]
            case "assigned":
                return [render("assigned_unit", ppid_email, "ppid", context)] if unit else []
            case "decided":
                decision = data["decision"]
                exemption = decision.get("exemption")
                ctx = (
                    context
                    | {
                        "decided": when(event.at),
                        "outcome_label": OUTCOME_LABELS[decision["outcome"]],
                        "exemption": exemption,
                        "exemption_article": _article(exemption["article"]) if exemption else "",
                        "redactions": decision.get("redactions"),
                        "holder_body": decision.get("holder_body"),
                        # What is given, how, and at what cost (Pasal 22(7)): the form the requester chose.
                        "granted": decision["outcome"] in GRANTING_OUTCOMES,
                        "obtain_text": obtain_text(request.obtain_method, request.copy_format),
                        "delivery_text": DELIVERY_LABELS.get(
                            request.delivery_method, request.delivery_method
                        ),
                        "fee_idr": decision.get("fee_idr"),
                        "fee_text": fee_text(decision.get("fee_idr")),
                        "note": decision.get("note"),
                        "late": bool(data.get("late")),
                        "objection_deadline": when(data["objection_deadline"]),
                    }
                    | (files or MailDocuments()).context()
                )
                return [render("decided_requester", r, "requester", ctx) for r in requester]
            case "deadline_moved":
                if data.get("kept"):
                    return []
                ctx = context | deadline_moved(data, tz)[1]
                return [render("deadline_moved_requester", r, "requester", ctx) for r in requester]
            case "delivered":
                basis = "sesuai pemberitahuan tertulis PPID (Pasal 22 ayat (7) UU No. 14 Tahun 2008)"
                ctx = (
                    context
                    | delivered_context(data["delivery"], basis=basis)
                    | (files or MailDocuments()).context()
                )
                return [render("delivered", r, "requester", ctx) for r in requester]
            case "overdue":
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
    due_day = due_at.astimezone(ZoneInfo(tz)).date()
    schedule = [(s.kind, s.working_days_before) for s in plan.schedule] if plan.schedule else PPID_REMINDERS
    return [
        Alarm(kind=kind, at=datetime.combine(working_day_before(due_day, days, calendar), REMINDER_HOUR,
                                             tzinfo=ZoneInfo(tz)))
        for kind, days in schedule
        if kind != "extension_prompt" or plan.include_extension_prompt
    ]  # fmt: skip


# The field of the event's data its computed deadline fills (the deadline itself goes under "deadline").
DEADLINE_FIELD = {"overdue": "objection_deadline", "decided": "objection_deadline", "extended": "due_at"}


def _with_deadline(event: CaseEvent, deadline: Deadline) -> dict[str, object]:
    """The event's data with the deadline it computed. A late decision never shortens the objection window
    the requester was already told of (the workflow sends that date as `objection_deadline_floor`)."""
    data = dict(event.data)
    floor = data.pop("objection_deadline_floor", None)  # ISO text, as every datetime in `data`
    due = max(deadline.due_at, datetime.fromisoformat(str(floor))) if floor else deadline.due_at
    data[DEADLINE_FIELD.get(event.event, "due_at")] = due
    data["deadline"] = deadline.model_dump(mode="json")
    return data


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
