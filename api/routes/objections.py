"""Objections (keberatan, Pasal 35-36): filed on the request's workflow, answered by the Atasan PPID,
accepted or taken to the Komisi Informasi by the requester."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Header, HTTPException, Query, Response, status
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from api.cases import LoadedCase, load_case, local, require_view, staff_may_see, timeline_entries
from api.deps import OptionalStaffDep, SessionDep, Staff, StaffDep, TemporalDep
from api.schemas import (
    DisputeCreated,
    DisputeIn,
    ObjectionCreated,
    ObjectionIn,
    ObjectionOut,
    ObjectionSummary,
    ResponseIn,
)
from api.updates import run_update
from db.models import Body, Dispute, InfoRequest, Objection, TimelineEvent, Unit
from domain.calendar import Deadline
from domain.contracts import DisputeCommand, DisputeFiled, ObjectionCommand, ObjectionFiled, ResponseCommand
from domain.dates_id import explain_deadline
from domain.enums import ObjectionStatus, Role
from workflows.objection import ObjectionWorkflow
from workflows.request import RequestWorkflow

router = APIRouter(tags=["objections"])
TrackingHeader = Annotated[str | None, Header(alias="X-Tracking-Code", max_length=64)]
NOT_FOUND = HTTPException(status.HTTP_404_NOT_FOUND, "Keberatan tidak ditemukan")
PAGE_SIZE = 25


@router.post(
    "/v1/requests/{request_id}/objections", status_code=201, response_model=ObjectionCreated,
    summary="File an objection to the Atasan PPID (requester, or PPID on their behalf)",
)  # fmt: skip
async def file_objection(
    request_id: str, payload: ObjectionIn, session: SessionDep, temporal: TemporalDep, staff: OptionalStaffDep,
    x_tracking_code: TrackingHeader = None,
) -> ObjectionCreated:  # fmt: skip
    return await record_objection(session, temporal, staff, x_tracking_code, request_id, payload)


async def record_objection(
    session: AsyncSession, temporal: Client, staff: Staff | None, tracking_code: str | None, request_id: str,
    payload: ObjectionIn, *, as_requester: bool = False,
) -> ObjectionCreated:  # fmt: skip
    """An objection to the Atasan PPID (the API's route, the staff desk's form, where the PPID records it on
    the requester's behalf, late with `late_override_reason`, and the citizen's page): 403 for staff other than
    the case's PPID, 409 with the workflow's reason (outside the window without an override, another objection
    open). `as_requester`: the caller is the requester, proven otherwise than by `tracking_code` (the citizen's
    page, whose session proved the code: api/web/public/access.py)."""
    case = await load_case(session, request_id)
    view = "requester" if as_requester else require_view(staff, tracking_code, case)
    if view == "staff" and (staff is None or staff.role != Role.PPID):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Hanya pemohon atau PPID atas nama pemohon")
    if payload.late_override_reason and view != "staff":
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "Keberatan yang terlambat hanya dapat dicatat petugas PPID dengan alasan",
        )
    command = ObjectionCommand(
        reasons=payload.reasons,
        case_position=payload.case_position,
        purpose=payload.purpose,
        filed_by=staff.email if view == "staff" and staff else "requester",
        late_override_reason=payload.late_override_reason,
    )
    filed = await run_update(temporal, case.request.workflow_id, RequestWorkflow.file_objection, command)
    assert isinstance(
        filed, ObjectionFiled
    )  # the Update's result type (the SDK reads the handler's annotation)
    return ObjectionCreated(
        id=filed.id, registration_number=filed.registration_number, status=filed.status,
        due_at=filed.due_at.astimezone(ZoneInfo(case.body.timezone)),
    )  # fmt: skip


async def _load(session: AsyncSession, objection_id: str) -> tuple[Objection, LoadedCase]:
    objection = await session.get(Objection, objection_id) if len(objection_id) <= 32 else None
    if objection is None:
        raise NOT_FOUND
    return objection, await load_case(session, objection.request_id)


def _require_atasan(staff: Staff, case: LoadedCase) -> None:
    if staff.role != Role.ATASAN_PPID or not staff_may_see(staff, case):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "Hanya Atasan PPID badan publik ini yang menjawab keberatan"
        )


def _require_requester(staff: Staff | None, code: str | None, case: LoadedCase) -> None:
    if require_view(None if code else staff, code, case) != "requester":
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "Hanya pemohon (dengan kode lacak) yang dapat melakukan ini"
        )


async def objection_view(
    session: AsyncSession, objection: Objection, case: LoadedCase, staff_view: bool
) -> ObjectionOut:
    tz = case.body.timezone
    query = select(TimelineEvent).where(TimelineEvent.subject_id == objection.id)
    events = (await session.scalars(query.order_by(TimelineEvent.at, TimelineEvent.id))).all()
    dispute = await session.scalar(select(Dispute.id).where(Dispute.objection_id == objection.id))
    explanation = (
        explain_deadline(Deadline.model_validate(objection.deadline)) if objection.deadline else None
    )
    response = dict(objection.response) if objection.response else None
    return ObjectionOut(
        id=objection.id,
        request_id=objection.request_id,
        registration_number=objection.registration_number,
        request_registration_number=case.request.registration_number,
        status=objection.status,
        reasons=objection.reasons,
        case_position=objection.case_position,
        purpose=objection.purpose,
        registered_at=_at(objection.registered_at, tz),
        due_at=_at(objection.due_at, tz),
        deadline_explanation=explanation,
        late_override_reason=objection.late_override_reason,
        response=response,
        responded_at=local(objection.responded_at, tz),
        dispute_deadline=local(objection.dispute_deadline, tz),
        dispute=dispute,
        timeline=timeline_entries(list(events), tz, "staff" if staff_view else "requester"),
    )  # fmt: skip


def _at(moment: datetime, tz: str) -> datetime:
    return moment.astimezone(ZoneInfo(tz))


async def staff_objection(
    session: AsyncSession, staff: Staff, objection_id: str
) -> tuple[Objection, LoadedCase]:
    """The objection for a staff member of its body (or of the unit its request is assigned to), else 403."""
    objection, case = await _load(session, objection_id)
    require_view(staff, None, case)
    return objection, case


@dataclass
class ObjectionPage:
    items: list[ObjectionSummary]
    total: int
    page: int
    pages: int


def _scope(staff: Staff) -> list[Any]:
    """The objections a staff member may list: their body's (a PPID Pelaksana: their unit's), an admin all."""
    match staff.role:
        case Role.ADMIN:
            return []
        case Role.PPID | Role.ATASAN_PPID:
            scope = [InfoRequest.body_id == staff.body_id]
            if staff.unit_id is not None:
                scope.append(InfoRequest.unit_id == staff.unit_id)
            return scope
    raise HTTPException(
        status.HTTP_403_FORBIDDEN,
        "Keberatan ditangani badan publik; Komisi Informasi melihat sengketanya di /v1/disputes",
    )


async def objection_list(
    session: AsyncSession, staff: Staff, *, status_is: str | None = None, year: int | None = None, page: int = 1,
) -> ObjectionPage:  # fmt: skip
    """The caller's objections, newest first, PAGE_SIZE a page (GET /v1/objections and /staf/keberatan). The
    year is the register's: the year in the objection's registration number (`0007/KEB/SGU/XI/2026`)."""
    where = _scope(staff)
    if status_is:
        where.append(Objection.status == status_is)
    if year is not None:
        where.append(Objection.registration_number.like(f"%/{int(year)}"))
    joined = select(Objection.id).join(InfoRequest, InfoRequest.id == Objection.request_id).where(*where)
    total = await session.scalar(select(func.count()).select_from(joined.subquery())) or 0
    query = (
        select(Objection, InfoRequest.registration_number, InfoRequest.requester_name, Body.slug, Body.timezone,
               Unit.slug)
        .join(InfoRequest, InfoRequest.id == Objection.request_id)
        .join(Body, Body.id == InfoRequest.body_id)
        .outerjoin(Unit, Unit.id == InfoRequest.unit_id)
        .where(*where)
        .order_by(Objection.registered_at.desc(), Objection.registration_number.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )  # fmt: skip
    items = []
    for o, request_number, name, body, tz, unit in (await session.execute(query)).all():
        items.append(
            ObjectionSummary(
                id=o.id, registration_number=o.registration_number, request_id=o.request_id,
                request_registration_number=request_number, body=body, unit=unit, requester_name=name,
                status=o.status, reasons=o.reasons, registered_at=_at(o.registered_at, tz),
                due_at=_at(o.due_at, tz), responded_at=local(o.responded_at, tz),
                dispute_deadline=local(o.dispute_deadline, tz),
            )
        )  # fmt: skip
    return ObjectionPage(items, total, page, max(1, -(-total // PAGE_SIZE)))


async def objection_years(session: AsyncSession, staff: Staff) -> list[int]:
    """The register years the caller has objections in, newest first (the year filter's choices)."""
    query = (
        select(Objection.registration_number)
        .join(InfoRequest, InfoRequest.id == Objection.request_id)
        .where(*_scope(staff))
    )
    years = {n.rsplit("/", 1)[-1] for n in (await session.scalars(query)).all()}
    return sorted((int(y) for y in years if y.isdecimal()), reverse=True)


@router.get(
    "/v1/objections", response_model=list[ObjectionSummary],
    summary="Objections of the caller's scope, newest first (staff); X-Total-Count gives the number of all pages",
)  # fmt: skip
async def list_objections(
    session: SessionDep, staff: StaffDep, response: Response,
    status_is: Annotated[ObjectionStatus | None, Query(alias="status")] = None,
    year: Annotated[int | None, Query(ge=1970, le=2200)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> list[ObjectionSummary]:  # fmt: skip
    found = await objection_list(
        session, staff, status_is=status_is.value if status_is else None, year=year, page=page
    )
    response.headers["X-Total-Count"] = str(found.total)
    return found.items


@router.get("/v1/objections/{objection_id}", response_model=ObjectionOut, summary="The objection")
async def get_objection(
    objection_id: str, session: SessionDep, staff: OptionalStaffDep, x_tracking_code: TrackingHeader = None
) -> ObjectionOut:
    objection, case = await _load(session, objection_id)
    view = require_view(staff, x_tracking_code, case)
    return await objection_view(session, objection, case, view == "staff")


@router.post(
    "/v1/objections/{objection_id}/response", response_model=ObjectionOut, summary="The Atasan's answer"
)
async def respond(
    objection_id: str, payload: ResponseIn, session: SessionDep, staff: StaffDep, temporal: TemporalDep
) -> ObjectionOut:
    return await answer_objection(session, temporal, staff, objection_id, payload)


async def answer_objection(
    session: AsyncSession, temporal: Client, staff: Staff, objection_id: str, payload: ResponseIn
) -> ObjectionOut:
    """The Atasan PPID's answer (the API's route and the staff desk's form): 403 for anyone else, 409 with
    the workflow's reason when the objection cannot be answered now."""
    objection, case = await _load(session, objection_id)
    _require_atasan(staff, case)
    command = ResponseCommand(
        outcome=payload.outcome, reasons=payload.reasons, order=payload.order, actor=staff.email
    )
    await run_update(temporal, objection.workflow_id, ObjectionWorkflow.respond, command)
    session.expire_all()
    objection, case = await _load(session, objection_id)
    return await objection_view(session, objection, case, True)


@router.post(
    "/v1/objections/{objection_id}/acceptance", response_model=ObjectionOut, summary="The requester accepts"
)
async def accept(
    objection_id: str, session: SessionDep, temporal: TemporalDep, staff: OptionalStaffDep,
    x_tracking_code: TrackingHeader = None,
) -> ObjectionOut:  # fmt: skip
    return await accept_answer(session, temporal, staff, x_tracking_code, objection_id)


async def accept_answer(
    session: AsyncSession, temporal: Client, staff: Staff | None, tracking_code: str | None, objection_id: str,
    *, as_requester: bool = False,
) -> ObjectionOut:  # fmt: skip
    """The requester accepts the Atasan's answer (or its absence after T4): the API's route and the citizen's
    page (`as_requester`, as in `record_objection`); 409 with the workflow's reason otherwise."""
    objection, case = await _load(session, objection_id)
    if not as_requester:
        _require_requester(staff, tracking_code, case)
    await run_update(temporal, objection.workflow_id, ObjectionWorkflow.accept)
    session.expire_all()
    objection, case = await _load(session, objection_id)
    return await objection_view(session, objection, case, False)


@router.post(
    "/v1/objections/{objection_id}/dispute", status_code=201, response_model=DisputeCreated,
    summary="Take the case to the Komisi Informasi (requester)",
)  # fmt: skip
async def file_dispute(
    objection_id: str, payload: DisputeIn, session: SessionDep, temporal: TemporalDep, staff: OptionalStaffDep,
    x_tracking_code: TrackingHeader = None,
) -> DisputeCreated:  # fmt: skip
    return await take_to_komisi(session, temporal, staff, x_tracking_code, objection_id, payload)


async def take_to_komisi(
    session: AsyncSession, temporal: Client, staff: Staff | None, tracking_code: str | None, objection_id: str,
    payload: DisputeIn, *, as_requester: bool = False,
) -> DisputeCreated:  # fmt: skip
    """The requester takes the objection to the Komisi Informasi (Pasal 37): the API's route and the citizen's
    page (`as_requester`, as in `record_objection`); 409 with the workflow's reason outside T5."""
    objection, case = await _load(session, objection_id)
    if not as_requester:
        _require_requester(staff, tracking_code, case)
    command = DisputeCommand(statement=payload.statement, requested_outcome=payload.requested_outcome)
    filed = await run_update(temporal, objection.workflow_id, ObjectionWorkflow.file_dispute, command)
    assert isinstance(filed, DisputeFiled)
    return DisputeCreated(id=filed.id, komisi_informasi=filed.komisi_informasi, status=filed.status)
