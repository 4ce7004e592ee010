from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, File, Form, HTTPException, Query, Request, Response, UploadFile, status
from pydantic import StringConstraints
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from api.deps import SessionDep, Staff, StaffDep, StateDep, TemporalDep
from api.documents import (
    FILES_FIELD,
    PAYLOAD_FIELD,
    MultipartRoute,
    Upload,
    discard_documents,
    multipart_openapi,
    parse_payload,
    read_api_uploads,
    store_documents,
)
from api.errors import bad_query
from api.routes.requests import scoped_units, searchable
from api.schemas import DeliveryIn, SupportedDate, TaskOut, _In
from api.state import AppState
from api.updates import run_update
from db.calendar_repo import load_calendar
from db.filestore import FileStore
from db.models import (
    Body,
    CalendarChangeRow,
    Dispute,
    InfoRequest,
    Notification,
    Objection,
    Task,
    TimelineEvent,
    Unit,
)
from db.session import write_gate
from domain.calendar import WorkingCalendar, add_working_days, working_days_until
from domain.contracts import DeliveryCommand
from domain.dates_id import format_date
from domain.delivery import DELIVERY_TASK_KINDS
from domain.enums import Role
from domain.notice_tasks import METHOD_WORDS, SEND_NOTICE_TASK, SendMethod, notification_of, sent_label
from workflows.common import CaseWorkflow

router = APIRouter(prefix="/v1", tags=["tasks"])
DUE_SOON_WORKING_DAYS = 2
SlaState = Literal["on_track", "due_soon", "overdue"]
MAX_PER_PAGE = 1000  # GET /v1/tasks; the desk's inbox shows 50
KIND = r"^[a-z_]{1,40}$"
SLUG = r"^[a-z0-9][a-z0-9-]{0,62}$"
CASE_ID = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,31}$"
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


@dataclass(frozen=True)
class TaskFilter:
    """What the inbox is narrowed to: a task kind, a unit's slug, an SLA state, a part of the registration
    number or of the requester's name (any case), a case id. None: no filter."""

    kind: str | None = None
    unit: str | None = None
    sla: SlaState | None = None
    q: str | None = None
    case_id: str | None = None


@dataclass
class TaskPage:
    items: list[TaskOut]
    total: int
    page: int
    pages: int


def task_scope(staff: Staff) -> list[Any]:
    """The open tasks a staff member acts on: a PPID its body's (a unit PPID its unit's), the Atasan PPID its
    body's, the Komisi Informasi its own; an admin every task."""
    where: list[Any] = [Task.status == "open"]
    match staff.role:
        case Role.PPID:
            where += [Task.role == Role.PPID.value, Task.body_id == staff.body_id]
            if staff.unit_id is not None:
                where.append(Task.unit_id == staff.unit_id)
        case Role.ATASAN_PPID:
            where += [Task.role == Role.ATASAN_PPID.value, Task.body_id == staff.body_id]
        case Role.KOMISI:
            where += [Task.role == Role.KOMISI.value, Task.komisi_id == staff.komisi_id]
    return where


def due_soon_bound(now: datetime, tz: str, calendar: WorkingCalendar) -> datetime:
    """The first instant that is no longer "due soon" for a body: the start of the local day of the working day
    after the last one `sla()` still counts as due soon. `working_days_until` grows with the due date, so
    `sla()` says due_soon exactly when now <= due_at < this bound."""
    zone = ZoneInfo(tz)
    first_on_track = add_working_days(now, DUE_SOON_WORKING_DAYS + 1, tz, calendar).due_at.date()
    return datetime.combine(first_on_track, time(), tzinfo=zone)


async def _bounds_by_body(
    session: AsyncSession, staff: Staff, now: datetime
) -> dict[datetime, list[int | None]]:
    """The due-soon bound of every body in the caller's scope, the bodies sharing one bound grouped (None: the
    tasks of no body, on the national calendar in WIB as `task_out` counts them)."""
    bodies = select(Body.id, Body.slug, Body.timezone)
    scoped: list[tuple[int | None, str | None, str]] = []
    if staff.role in (Role.PPID, Role.ATASAN_PPID):
        bodies = bodies.where(Body.id == staff.body_id)
    else:
        scoped.append((None, None, "Asia/Jakarta"))
    scoped += [(i, s, tz) for i, s, tz in (await session.execute(bodies)).all()]
    # A body without holidays of its own counts on the national calendar: one calendar for all of them.
    own = select(CalendarChangeRow.body_id).where(CalendarChangeRow.body_id.is_not(None)).distinct()
    with_own = set((await session.scalars(own)).all())
    national = await load_calendar(session, None)
    groups: dict[datetime, list[int | None]] = {}
    for body_id, slug, tz in scoped:
        calendar = await load_calendar(session, slug) if body_id in with_own else national
        groups.setdefault(due_soon_bound(now, tz, calendar), []).append(body_id)
    return groups


def _of_bodies(body_ids: list[int | None]) -> Any:
    known = Task.body_id.in_([i for i in body_ids if i is not None])
    return or_(known, Task.body_id.is_(None)) if None in body_ids else known


async def sla_clause(session: AsyncSession, staff: Staff, state: SlaState, now: datetime) -> Any:
    """The SQL condition equal to `sla(...) == state` for the caller's open tasks."""
    if state == "overdue":
        return Task.due_at < now
    groups = (await _bounds_by_body(session, staff, now)).items()
    if state == "due_soon":
        before_bound = [_of_bodies(ids) & (Task.due_at < bound) for bound, ids in groups]
        return and_(Task.due_at >= now, or_(*before_bound))
    from_bound = [_of_bodies(ids) & (Task.due_at >= bound) for bound, ids in groups]
    return or_(Task.due_at.is_(None), *from_bound)


async def _filtered(session: AsyncSession, staff: Staff, now: datetime, chosen: TaskFilter) -> list[Any]:
    where = task_scope(staff)
    if chosen.kind:
        where.append(Task.kind == chosen.kind)
    if chosen.unit:
        where.append(Task.unit_id.in_(select(Unit.id).where(Unit.slug == chosen.unit)))
    if chosen.case_id:
        where.append(Task.case_id == chosen.case_id)
    if chosen.sla:
        where.append(await sla_clause(session, staff, chosen.sla, now))
    if needle := (chosen.q or "").strip().lower():
        where.append(
            or_(
                func.lower(Task.registration_number).contains(needle, autoescape=True),
                func.lower(InfoRequest.requester_name).contains(needle, autoescape=True),
            )
        )
    return where


async def open_tasks(
    session: AsyncSession, staff: Staff, now: datetime, chosen: TaskFilter | None = None, *, page: int = 1,
    per_page: int = MAX_PER_PAGE,
) -> TaskPage:  # fmt: skip
    """One page of the caller's open tasks, soonest due first, no due date last (the inbox and GET /v1/tasks):
    filtered, counted and cut in SQL; only the page's rows are turned into TaskOut."""
    chosen = chosen or TaskFilter()
    where = await _filtered(session, staff, now, chosen)
    counted = select(func.count()).select_from(Task)
    if chosen.q:  # the requester's name is the request's
        counted = counted.outerjoin(InfoRequest, InfoRequest.id == Task.case_id)
    total = await session.scalar(counted.where(*where)) or 0
    query = (
        _with_context(select(Task, Body.slug, Body.timezone, Unit.slug, InfoRequest.requester_name))
        .where(*where)
        # NULLS LAST (not `due_at IS NULL` first): the (body, status, due) index gives this order, no sort.
        .order_by(Task.due_at.asc().nulls_last(), Task.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    calendars: dict[str | None, WorkingCalendar] = {}
    items = []
    for task, body_slug, tz, unit_slug, requester_name in (await session.execute(query)).all():
        if body_slug not in calendars:
            calendars[body_slug] = await load_calendar(session, body_slug)
        out = task_out(
            task, tz=tz, unit_slug=unit_slug, requester_name=requester_name, now=now,
            calendar=calendars[body_slug],
        )  # fmt: skip
        items.append(out)
    return TaskPage(items, total, page, max(1, -(-total // per_page)))


async def task_options(session: AsyncSession, staff: Staff) -> tuple[list[str], list[str]]:
    """The task kinds and the units' slugs among the caller's open tasks (the inbox's filter choices)."""
    scope = task_scope(staff)
    kinds = select(Task.kind).where(*scope).distinct().order_by(Task.kind)
    units = select(Unit.slug).join(Task, Task.unit_id == Unit.id).where(*scope).distinct().order_by(Unit.slug)
    return list((await session.scalars(kinds)).all()), list((await session.scalars(units)).all())


@router.get(
    "/tasks", response_model=list[TaskOut],
    summary="Open tasks for the caller, soonest due first, filtered and paged; X-Total-Count gives the number",
)  # fmt: skip
async def list_tasks(
    request: Request, response: Response, session: SessionDep, staff: StaffDep, state: StateDep,
    kind: Annotated[str | None, Query(max_length=40, pattern=KIND, description="a task kind")] = None,
    unit: Annotated[str | None, Query(max_length=64, pattern=SLUG, description="a unit's slug")] = None,
    sla_is: Annotated[SlaState | None, Query(alias="sla", description="the SLA state")] = None,
    q: Annotated[str | None, Query(max_length=120, description="part of the number or the name")] = None,
    case_id: Annotated[str | None, Query(max_length=32, pattern=CASE_ID, description="the case's id")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = MAX_PER_PAGE,
) -> list[TaskOut]:  # fmt: skip
    """`Link: <…>; rel="next"` while there is a next page; a page beyond the last is an empty list."""
    if q and searchable(q) != q:
        raise bad_query("q", "berisi karakter yang tidak sah")
    if unit:
        await scoped_units(session, staff, unit)  # 422 for a unit the caller has none of
    chosen = TaskFilter(kind=kind, unit=unit, sla=sla_is, q=q, case_id=case_id)
    found = await open_tasks(session, staff, await state.now(), chosen, page=page, per_page=per_page)
    response.headers["X-Total-Count"] = str(found.total)
    if page < found.pages:
        response.headers["Link"] = f'<{request.url.include_query_params(page=page + 1)}>; rel="next"'
    return found.items


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
    session: AsyncSession, temporal: Client, state: AppState, staff: Staff, task_id: int, payload: DeliveryIn,
    uploads: Sequence[Upload] = (),
) -> tuple[str, str]:  # fmt: skip
    """The delivery recorded through the case's workflow (the API route and the case page); the body's time
    zone and slug. HTTPException 403/404/409/422 as the route answers them. `uploads`: the documents handed
    over, stored with the case (after every check) before the workflow records the delivery with their ids,
    and removed again when it refuses it."""
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
    workflow_id = await _workflow_of(session, task)
    documents = await store_documents(
        session, FileStore.of(state.settings), case_id=task.case_id, kind="delivery", uploads=uploads,
        uploaded_by=staff.email, at=await state.now(),
    )  # fmt: skip
    ids = [d.id for d in documents]
    command = DeliveryCommand(
        delivered_on=payload.delivered_on, method=payload.method.value, note=payload.note or None,
        document_id=payload.document_id or (ids[0] if ids else None), document_ids=ids, actor=staff.email,
    )  # fmt: skip
    try:
        await run_update(temporal, workflow_id, CaseWorkflow.record_delivery, command)
    except Exception:
        await discard_documents(session, ids)
        raise
    return body_tz, body_slug


async def record_delivery_with_documents(
    task_id: int, session: SessionDep, staff: StaffDep, temporal: TemporalDep, state: StateDep,
    payload: Annotated[str, Form(alias=PAYLOAD_FIELD, max_length=20_000)],
    documents: Annotated[list[UploadFile] | None, File(alias=FILES_FIELD)] = None,
) -> TaskOut:  # fmt: skip
    """The delivery as a multipart form: `payload` (the JSON of DeliveryIn) and the `documents` handed over."""
    delivery = parse_payload(DeliveryIn, payload)
    uploads = await read_api_uploads(documents)
    body_tz, body_slug = await deliver(session, temporal, state, staff, task_id, delivery, uploads)
    return await _task_after(session, state, task_id, body_tz, body_slug)


router.add_api_route(
    "/tasks/{task_id}/delivery", record_delivery_with_documents, methods=["POST"], response_model=TaskOut,
    include_in_schema=False, route_class_override=MultipartRoute,
)  # fmt: skip


@router.post(
    "/tasks/{task_id}/delivery", response_model=TaskOut,
    summary="Record the delivery a grant, an Atasan's grant or a KI order demands (the PPID); ends the task",
    openapi_extra=multipart_openapi(DeliveryIn),
)  # fmt: skip
async def record_delivery(
    task_id: int, payload: DeliveryIn, session: SessionDep, staff: StaffDep, temporal: TemporalDep,
    state: StateDep,
) -> TaskOut:  # fmt: skip
    """Only the PPID of the task's body (or of its unit) records it. 409 when the task is not open or is not a
    delivery (`deliver_information`) or compliance (`comply_with_ki_decision`) task; 422 for a date in the
    future or before the task opened. It goes through the Update `record_delivery` of the workflow that owns
    the case, which writes the task, the timeline entry and the requester's notice in one activity. The same
    path takes a multipart form: the JSON as `payload` and the documents handed over as `documents`."""
    body_tz, body_slug = await deliver(session, temporal, state, staff, task_id, payload)
    return await _task_after(session, state, task_id, body_tz, body_slug)


async def _task_after(
    session: AsyncSession, state: AppState, task_id: int, body_tz: str, body_slug: str
) -> TaskOut:
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


# --- Notices to a requester without email, sent by the PPID by letter or phone -------------------------------


class NoticeSentIn(_In):
    """The PPID records that a notice to a requester without email was sent (POST /v1/tasks/{id}/notice-sent)."""

    sent_on: SupportedDate
    method: SendMethod  # letter (surat to the postal address) | phone (read out by telephone)
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None


def is_ppid_of(staff: Staff, task: Task) -> bool:
    return (
        staff.role == Role.PPID and task.body_id is not None and staff.body_id == task.body_id
        and (staff.unit_id is None or staff.unit_id == task.unit_id)
    )  # fmt: skip


async def notice_of_task(session: AsyncSession, task_id: int) -> tuple[Task, Notification | None]:
    """A task and, when it is a `send_notice` task, its outbox row; 404 when there is no such task."""
    task = await session.get(Task, task_id) if 0 < task_id < 2**63 else None
    if task is None:
        raise NOT_FOUND
    number = notification_of(task.key) if task.kind == SEND_NOTICE_TASK else None
    return task, await session.get(Notification, number) if number is not None else None


def already_sent(task: Task) -> str:
    """Why a second recording is refused (409)."""
    how = METHOD_WORDS.get(task.delivery_method or "", task.delivery_method or "")
    when = f" melalui {how} pada {format_date(task.delivered_on)}" if task.delivered_on else ""
    return f"Pemberitahuan ini sudah tercatat disampaikan{when}; pengiriman tidak dicatat dua kali."


def sent_on_problem(sent_on: date, notification: Notification, now: datetime, tz: str) -> str | None:
    """What is wrong with the day a notice was sent: not yet come (the product's clock), or before the notice."""
    today = now.astimezone(ZoneInfo(tz)).date()
    made_on = notification.created_at.astimezone(ZoneInfo(tz)).date()
    if sent_on > today:
        return f"tanggal pengiriman {format_date(sent_on)} belum tiba (hari ini {format_date(today)})"
    if sent_on < made_on:
        return f"tanggal pengiriman tidak boleh sebelum pemberitahuan dibuat ({format_date(made_on)})"
    return None


async def record_notice_sent(
    session: AsyncSession, state: AppState, staff: Staff, task_id: int, payload: NoticeSentIn
) -> tuple[str, str]:
    """The notice sent by letter or phone: the task done (date, method, note, by whom), the outbox row sent,
    and the case's timeline says so to the requester. The API route and the desk page (api/web/notices.py);
    HTTPException 403/404/409/422 as the route answers them. The body's time zone and slug."""
    task, notification = await notice_of_task(session, task_id)
    if not is_ppid_of(staff, task):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "Hanya PPID badan publik atau unit pemilik tugas ini yang dapat mencatat pengirimannya",
        )
    if notification is None:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            "Tugas ini bukan tugas pengiriman pemberitahuan kepada pemohon tanpa email; pengiriman tidak dapat "
            "dicatat padanya.",
        )
    if task.status != "open":
        raise HTTPException(status.HTTP_409_CONFLICT, already_sent(task))
    body = await session.get(Body, task.body_id)
    assert body is not None
    body_tz, body_slug = body.timezone, body.slug
    now = await state.now()
    if (problem := sent_on_problem(payload.sent_on, notification, now, body_tz)) is not None:
        raise _invalid("sent_on", problem)
    object_type, object_id = task_object(task)
    label = sent_label(notification.subject, payload.method.value, payload.sent_on)
    async with write_gate(session.bind):
        # Conditional: of two recordings at once, one ends the task and the other is told it is done.
        ended = await session.execute(
            update(Task).where(Task.id == task.id, Task.status == "open").values(
                status="done", closed_at=now, delivered_on=payload.sent_on, delivery_method=payload.method.value,
                delivery_note=payload.note or None, completed_by=staff.email,
            )
        )  # fmt: skip
        if getattr(ended, "rowcount", 0) != 1:
            await session.rollback()
            await session.refresh(task)
            raise HTTPException(status.HTTP_409_CONFLICT, already_sent(task))
        # Sent outside the outbox: `sent_at` is the moment it was recorded, the task keeps the day it was sent.
        notification.status, notification.sent_at = "sent", now
        notification.message_id = f"{payload.method.value}:{payload.sent_on.isoformat()}"
        session.add(
            TimelineEvent(
                key=f"{task.key}:sent", case_id=task.case_id, subject_type=object_type, subject_id=object_id,
                at=now, event="notice_sent", label=label, actor=staff.email, internal=False,
                data={"notification_id": notification.id, "method": payload.method.value,
                      "sent_on": payload.sent_on.isoformat()},
            )
        )  # fmt: skip
        await session.commit()
    return body_tz, body_slug


@router.post(
    "/tasks/{task_id}/notice-sent", response_model=TaskOut,
    summary="Record that a notice to a requester without email was sent by letter or phone (the PPID)",
)  # fmt: skip
async def notice_sent(
    task_id: int, payload: NoticeSentIn, session: SessionDep, staff: StaffDep, state: StateDep
) -> TaskOut:
    """A requester who gave no email receives every notice by letter to the postal address or by phone: each
    is a `send_notice` task of the PPID who handles the case. Only that PPID (of the body, or of its unit)
    records it; 404 for any other task; 409 once recorded; 422 for a date in the future or before the notice
    was made. Ends the task, marks the notice sent and adds the timeline entry the requester sees."""
    body_tz, body_slug = await record_notice_sent(session, state, staff, task_id, payload)
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
