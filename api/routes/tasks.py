from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, status
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from api.deps import SessionDep, Staff, StaffDep, StateDep, TemporalDep
from api.schemas import DeliveryIn, TaskOut
from api.state import AppState
from api.updates import run_update
from db.calendar_repo import load_calendar
from db.models import Body, Dispute, InfoRequest, Objection, Task, Unit
from domain.calendar import WorkingCalendar, working_days_until
from domain.contracts import CaseStatus, DeliveryCommand
from domain.dates_id import format_date
from domain.delivery import DELIVERY_TASK_KINDS
from domain.enums import Role

router = APIRouter(prefix="/v1", tags=["tasks"])
DUE_SOON_WORKING_DAYS = 2
# Tasks about an objection or a dispute carry its id first in their key (`<objection id>:answer`,
# `<objection id>:deliver`, `<dispute id>:comply`); a request's task carries the request id (its case id).
OBJECT_IN_KEY = {"objection", "dispute"}
NOT_FOUND = HTTPException(status.HTTP_404_NOT_FOUND, "Tugas tidak ditemukan")


def sla(due_at: datetime | None, now: datetime, tz: str, calendar: WorkingCalendar) -> str:
    if due_at is None:
        return "on_track"
    if now > due_at:
        return "overdue"
    return "due_soon" if _days_left(due_at, now, tz, calendar) <= DUE_SOON_WORKING_DAYS else "on_track"


def _days_left(due_at: datetime, now: datetime, tz: str, calendar: WorkingCalendar) -> int:
    today = now.astimezone(ZoneInfo(tz)).date()
    return working_days_until(today, due_at.astimezone(ZoneInfo(tz)).date(), calendar)


def task_object(task: Task) -> tuple[str, str]:
    """What the task is about and the id its own GET accepts: an objection task opens the objection, a KI task
    the dispute, a request task the request."""
    object_id = task.key.split(":")[0] if task.case_type in OBJECT_IN_KEY else task.case_id
    return task.case_type, object_id


def _local(moment: datetime | None, tz: str | None) -> datetime | None:
    return moment.astimezone(ZoneInfo(tz)) if moment is not None and tz else moment


def _delivery(task: Task) -> dict[str, Any] | None:
    if task.delivered_on is None:
        return None
    return {
        "delivered_on": task.delivered_on.isoformat(), "method": task.delivery_method, "note": task.delivery_note,
        "document_id": task.document_id, "by": task.completed_by,
    }  # fmt: skip


def task_out(
    task: Task, *, tz: str | None, unit_slug: str | None, requester_name: str | None, now: datetime,
    calendar: WorkingCalendar,
) -> TaskOut:  # fmt: skip
    zone = tz or "Asia/Jakarta"
    kind, object_id = task_object(task)
    open_ = task.status == "open"
    return TaskOut(
        id=task.id, kind=task.kind, case_id=task.case_id, registration_number=task.registration_number,
        due_at=_local(task.due_at, tz), sla=sla(task.due_at, now, zone, calendar) if open_ else "on_track",
        unit=unit_slug, object=kind, object_id=object_id, requester_name=requester_name,
        working_days_left=_days_left(task.due_at, now, zone, calendar) if task.due_at and open_ else None,
        status=task.status, opened_at=_local(task.opened_at, tz), closed_at=_local(task.closed_at, tz),
        delivery=_delivery(task), close_reason=task.close_reason,
    )  # fmt: skip


def _with_context(query: Any) -> Any:
    return (
        query.join(Body, Body.id == Task.body_id, isouter=True)
        .join(Unit, Unit.id == Task.unit_id, isouter=True)
        .join(InfoRequest, InfoRequest.id == Task.case_id, isouter=True)
    )


async def open_tasks(session: AsyncSession, staff: Staff, now: datetime) -> list[TaskOut]:
    """The caller's open tasks, soonest due first (the inbox and GET /v1/tasks)."""
    query = _with_context(
        select(Task, Body.slug, Body.timezone, Unit.slug, InfoRequest.requester_name)
    ).where(Task.status == "open")
    match staff.role:
        case Role.PPID:
            query = query.where(Task.role == Role.PPID.value, Task.body_id == staff.body_id)
            if staff.unit_id is not None:
                query = query.where(Task.unit_id == staff.unit_id)
        case Role.ATASAN_PPID:
            query = query.where(Task.role == Role.ATASAN_PPID.value, Task.body_id == staff.body_id)
        case Role.KOMISI:
            query = query.where(Task.role == Role.KOMISI.value, Task.komisi_id == staff.komisi_id)
        case Role.ADMIN:
            pass
    rows = (await session.execute(query.order_by(Task.due_at.is_(None), Task.due_at, Task.id))).all()
    calendars: dict[str, WorkingCalendar] = {}
    result = []
    for task, body_slug, tz, unit_slug, requester_name in rows:
        if body_slug not in calendars:
            calendars[body_slug] = await load_calendar(session, body_slug)
        out = task_out(
            task, tz=tz, unit_slug=unit_slug, requester_name=requester_name, now=now,
            calendar=calendars[body_slug],
        )  # fmt: skip
        result.append(out)
    return result


@router.get("/tasks", response_model=list[TaskOut], summary="Open tasks for the caller, soonest due first")
async def list_tasks(session: SessionDep, staff: StaffDep, state: StateDep) -> list[TaskOut]:
    return await open_tasks(session, staff, await state.now())


def _invalid(field: str, message: str) -> HTTPException:
    return HTTPException(422, [{"loc": ["body", field], "msg": message, "type": "value_error"}])


async def _workflow_of(session: AsyncSession, task: Task) -> str:
    """The workflow that owns the task's case: the request's, the objection's or the dispute's."""
    object_kind, object_id = task_object(task)
    match object_kind:
        case "objection":
            query = select(Objection.workflow_id).where(Objection.id == object_id)
        case "dispute":
            query = select(Dispute.workflow_id).where(Dispute.id == object_id)
        case _:
            query = select(InfoRequest.workflow_id).where(InfoRequest.id == object_id)
    workflow_id = await session.scalar(query)
    if workflow_id is None:
        raise NOT_FOUND
    return str(workflow_id)


async def deliver(
    session: AsyncSession, temporal: Client, state: AppState, staff: Staff, task_id: int, payload: DeliveryIn
) -> tuple[str, str]:
    """The delivery recorded through the case's workflow (the API route and the case page); the body's time
    zone and slug. HTTPException 403/404/409/422 as the route answers them."""
    task = await session.get(Task, task_id) if 0 < task_id < 2**63 else None
    if task is None:
        raise NOT_FOUND
    ppid_of_task = (
        staff.role == Role.PPID and task.body_id is not None and staff.body_id == task.body_id
        and (staff.unit_id is None or staff.unit_id == task.unit_id)
    )  # fmt: skip
    if not ppid_of_task:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "Hanya PPID badan publik atau unit pemilik tugas ini yang dapat mencatatnya",
        )
    if task.kind not in DELIVERY_TASK_KINDS:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            "Tugas ini bukan tugas penyerahan informasi atau pelaksanaan putusan Komisi Informasi; "
            "penyerahan tidak dapat dicatat padanya.",
        )
    if task.status != "open" and task.close_reason:
        raise HTTPException(status.HTTP_409_CONFLICT, f"Tugas ini sudah diakhiri: {task.close_reason}.")
    if task.status != "open":
        done = f" pada {format_date(task.delivered_on)}" if task.delivered_on else ""
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"Tugas ini sudah selesai{done}; tidak ada yang dicatat."
        )
    body = await session.get(Body, task.body_id)
    assert body is not None
    body_tz, body_slug = body.timezone, body.slug  # read before the session is expired below
    tz = ZoneInfo(body_tz)
    today = (await state.now()).astimezone(tz).date()
    opened_on = (task.opened_at or task.created_at).astimezone(tz).date()
    if payload.delivered_on > today:
        raise _invalid(
            "delivered_on",
            f"tanggal penyerahan {format_date(payload.delivered_on)} belum tiba (hari ini {format_date(today)})",
        )
    if payload.delivered_on < opened_on:
        raise _invalid(
            "delivered_on",
            f"tanggal penyerahan tidak boleh sebelum tugas ini dibuka ({format_date(opened_on)})",
        )
    command = DeliveryCommand(
        delivered_on=payload.delivered_on, method=payload.method.value, note=payload.note or None,
        document_id=payload.document_id, actor=staff.email,
    )  # fmt: skip
    await run_update(temporal, await _workflow_of(session, task), "record_delivery", command, CaseStatus)
    return body_tz, body_slug


@router.post(
    "/tasks/{task_id}/delivery", response_model=TaskOut,
    summary="Record the delivery a grant, an Atasan's grant or a KI order demands (the PPID); ends the task",
)  # fmt: skip
async def record_delivery(
    task_id: int, payload: DeliveryIn, session: SessionDep, staff: StaffDep, temporal: TemporalDep,
    state: StateDep,
) -> TaskOut:  # fmt: skip
    """Only the PPID of the task's body (or of its unit) records it. 409 when the task is not open or is not a
    delivery (`deliver_information`) or compliance (`comply_with_ki_decision`) task; 422 for a date in the
    future or before the task opened. It goes through the Update `record_delivery` of the workflow that owns
    the case, which writes the task, the timeline entry and the requester's notice in one activity."""
    body_tz, body_slug = await deliver(session, temporal, state, staff, task_id, payload)
    session.expire_all()
    task = await session.get(Task, task_id)
    assert task is not None
    unit_slug = (
        await session.scalar(select(Unit.slug).where(Unit.id == task.unit_id)) if task.unit_id else None
    )
    requester_name = await session.scalar(
        select(InfoRequest.requester_name).where(InfoRequest.id == task.case_id)
    )
    return task_out(
        task, tz=body_tz, unit_slug=unit_slug, requester_name=requester_name, now=await state.now(),
        calendar=await load_calendar(session, body_slug),
    )  # fmt: skip
