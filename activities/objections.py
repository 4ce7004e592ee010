"""Activities of the objection workflow: the objection register (KEB numbers), its state and notices."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.consequence_tests import open_cited_entry
from activities.notices import Notice, deadline_moved, render
from activities.records import (
    add_timeline,
    close_task,
    delivered_context,
    enqueue,
    handover_text,
    open_task,
    record_handover,
)
from base.settings import Settings
from db.calendar_repo import load_calendar
from db.intake import next_registration_number
from db.models import Body, InfoRequest, KomisiInformasi, Objection, Task, Unit
from domain.calendar import add_working_days
from domain.contracts import CaseEvent, ObjectionFiled, Recorded, RegisterObjection
from domain.dates_id import ZONE_ABBREVIATIONS, format_datetime
from domain.delivery import DELIVER_TASK, GRANTING_ANSWERS, REQUEST_STATUS_OF_OBJECTION
from domain.enums import ObjectionStatus, Role
from domain.notice_tasks import requester_recipients
from domain.registration import Register

T4_ANSWER_DAYS = 30  # Pasal 36(2)
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
    "atasan_reminder_10": "Pengingat kepada Atasan PPID: 10 hari kerja lagi",
    "atasan_reminder_5": "Pengingat kepada Atasan PPID: 5 hari kerja lagi",
    "atasan_reminder_1": "Pengingat kepada Atasan PPID: 1 hari kerja lagi",
    "answered": "Atasan PPID memberikan tanggapan tertulis (Pasal 36)",
    "overdue": "Atasan PPID tidak menanggapi dalam batas waktu; diteruskan kepada pimpinan badan publik",
    "accepted": "Pemohon menerima tanggapan Atasan PPID; perkara selesai",
    "closed": "Jangka waktu pengajuan sengketa berakhir tanpa sengketa",
    "delivered": "Informasi diserahkan kepada pemohon sesuai tanggapan Atasan PPID",
}


def reasons_text(reasons: list[str]) -> str:
    return "; ".join(REASON_LABELS[r] for r in reasons)


class ObjectionActivities:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession], settings: Settings) -> None:
        self._sessions = session_factory
        self._settings = settings

    @activity.defn(name="register_objection")
    async def register_objection(self, registration: RegisterObjection) -> ObjectionFiled:
        """The objection row with its KEB number and T4; idempotent on the objection id."""
        async with self._sessions() as session:
            existing = await session.get(Objection, registration.objection_id)
            if existing is None:
                request = await session.get(InfoRequest, registration.request_id)
                if request is None:
                    raise ApplicationError("request not found", non_retryable=True)
                body = await session.get(Body, request.body_id)
                assert body is not None
                calendar = await load_calendar(session, body.slug)
                t4 = add_working_days(registration.at, T4_ANSWER_DAYS, body.timezone, calendar)
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
    async def record_objection_event(self, event: CaseEvent) -> Recorded:
        async with self._sessions() as session:
            objection = await session.get(Objection, event.subject_id)
            if objection is None:
                raise ApplicationError(f"objection {event.subject_id} not found", non_retryable=True)
            request = await session.get(InfoRequest, objection.request_id)
            assert request is not None
            body = await session.get(Body, request.body_id)
            assert body is not None
            data: dict[str, Any] = dict(event.data)
            first_time = await add_timeline(
                session,
                key=f"{objection.id}:{event.event}",
                case_id=request.id,
                subject_type="objection",
                subject_id=objection.id,
                at=event.at,
                event=f"objection_{event.event}",
                label=self._label(event, objection, body.timezone),
                actor=event.actor,
                internal=event.event.startswith("atasan_reminder") or bool(data.get("kept")),
                data=data or None,
            )
            if first_time:
                await self._change_state(session, objection, request, event, data)
            await session.flush()
            notices = await self._notices(session, objection, request, body, event, data)
            ids = await enqueue(
                session,
                case_id=request.id,
                event=f"objection_{event.event}",
                key_suffix=objection.id,
                notices=notices,
                at=event.at,
            )
            await session.commit()
        return Recorded(notification_ids=ids)

    @staticmethod
    def _label(event: CaseEvent, objection: Objection, tz: str) -> str:
        if event.event.startswith("deadline_moved"):
            return f"{deadline_moved(dict(event.data), tz)[0]} ({objection.registration_number})"
        label = f"{LABELS.get(event.event, event.event)} ({objection.registration_number})"
        if event.event == "answered":
            response: dict[str, Any] = dict(event.data.get("response") or {})  # type: ignore[call-overload]
            label += f": {ANSWER_LABELS.get(str(response.get('outcome')), '')}"
            if event.data.get("late"):
                label += " — terlambat"
        if event.event == "delivered":
            label += f" {handover_text(dict(event.data['delivery']))}"  # type: ignore[call-overload]
        return label

    async def _change_state(
        self,
        session: AsyncSession,
        objection: Objection,
        request: InfoRequest,
        event: CaseEvent,
        data: dict[str, Any],
    ) -> None:
        common = {
            "case_type": "objection", "case_id": request.id, "registration_number": objection.registration_number,
            "body_id": request.body_id,
        }  # fmt: skip
        answer_task = f"{objection.id}:answer"
        match event.event:
            case "registered":
                await open_task(
                    session, key=answer_task, kind="answer_objection", role=Role.ATASAN_PPID.value,
                    due_at=objection.due_at, unit_id=None, opened_at=event.at, **common,
                )  # fmt: skip
            case "answered":
                objection.status = ObjectionStatus.ANSWERED.value
                objection.response = {**data["response"], "late": bool(data.get("late"))}
                objection.responded_at = event.at
                objection.dispute_deadline = datetime.fromisoformat(str(data["dispute_deadline"]))
                await close_task(session, key=answer_task, at=event.at)
                if data["response"]["outcome"] in GRANTING_ANSWERS:
                    # The Atasan ordered disclosure: the DIK entry the refusal cited opens (Pasal 11(2)).
                    await open_cited_entry(
                        session, request, at=event.at, reason="objection", ref=objection.registration_number
                    )
                    # The Atasan ordered disclosure: the PPID must now deliver (Pasal 36); only recording the
                    # delivery ends this task.
                    await open_task(
                        session, key=f"{objection.id}:deliver", kind=DELIVER_TASK, role=Role.PPID.value,
                        due_at=objection.dispute_deadline, unit_id=request.unit_id, opened_at=event.at, **common,
                    )  # fmt: skip
            case "overdue":
                objection.status = ObjectionStatus.OVERDUE.value
                objection.dispute_deadline = datetime.fromisoformat(str(data["dispute_deadline"]))
            case "accepted":
                objection.status = ObjectionStatus.ACCEPTED.value
                await close_task(session, key=answer_task, at=event.at)
            case "closed":
                objection.status = ObjectionStatus.CLOSED.value
                await close_task(session, key=answer_task, at=event.at)
            case "delivered":
                await record_handover(
                    session, key=f"{objection.id}:deliver", at=event.at, actor=event.actor,
                    delivery=data["delivery"],
                )  # fmt: skip
            case moved if moved.startswith("deadline_moved") and not data.get("kept"):
                new = datetime.fromisoformat(str(data["new"]))
                if data["clock"] == "T4":
                    objection.due_at, objection.deadline = new, data.get("deadline")
                    task = await session.scalar(select(Task).where(Task.key == f"{objection.id}:answer"))
                    if task is not None:
                        task.due_at = new
                else:
                    objection.dispute_deadline = new
        # The request's status follows its objection in the registers (the lists and every view read it).
        followed = REQUEST_STATUS_OF_OBJECTION.get(objection.status)
        if followed is not None:
            request.status = followed

    async def _notices(
        self, session: AsyncSession, objection: Objection, request: InfoRequest, body: Body, event: CaseEvent,
        data: dict[str, Any],
    ) -> list[Notice]:  # fmt: skip
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
        match event.event:
            case "registered":
                return [
                    render("objection_registered_requester", r, "requester", context) for r in requester
                ] + [render("objection_registered_atasan", body.atasan_email, "atasan_ppid", context)]
            case "atasan_reminder_10" | "atasan_reminder_5" | "atasan_reminder_1":
                days = int(event.event.rsplit("_", 1)[1])
                return [
                    render("atasan_reminder", body.atasan_email, "atasan_ppid", context | {"days_left": days})
                ]
            case "answered":
                response = data["response"]
                ctx = context | {
                    "answered": format_datetime(event.at, tz),
                    "outcome_label": ANSWER_LABELS[response["outcome"]],
                    "reasons": response.get("reasons"),
                    "order": response.get("order"),
                    "late": bool(data.get("late")),
                    "delivers": response["outcome"] in ("granted", "partially_granted"),
                }
                return [render("objection_answered_requester", r, "requester", ctx) for r in requester] + [
                    render("objection_answered_ppid", ppid_email, "ppid", ctx)
                ]
            case moved if moved.startswith("deadline_moved"):
                if data.get("kept"):
                    return []
                ctx = context | deadline_moved(data, tz)[1]
                return [render("deadline_moved_requester", r, "requester", ctx) for r in requester]
            case "delivered":
                basis = (f"sesuai tanggapan Atasan PPID atas keberatan {objection.registration_number} "
                         "(Pasal 36 UU No. 14 Tahun 2008)")  # fmt: skip
                ctx = context | delivered_context(data["delivery"], basis=basis)
                return [render("delivered", r, "requester", ctx) for r in requester]
            case "overdue":
                return [render("objection_overdue_requester", r, "requester", context) for r in requester] + [
                    render("objection_overdue_staff", body.head_email, "head", context | {"addressee": "Pimpinan"}),
                    render("objection_overdue_staff", body.atasan_email, "atasan_ppid",
                           context | {"addressee": "Atasan PPID"}),
                ]  # fmt: skip
        return []
