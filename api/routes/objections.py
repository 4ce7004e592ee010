"""Objections (keberatan, Pasal 35-36): filed on the request's workflow, answered by the Atasan PPID,
accepted or taken to the Komisi Informasi by the requester."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Header, HTTPException, status
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.cases import LoadedCase, load_case, local, require_view, staff_may_see, timeline_entries
from api.deps import OptionalStaffDep, SessionDep, Staff, StaffDep, TemporalDep
from api.schemas import (
    DisputeCreated,
    DisputeIn,
    ObjectionCreated,
    ObjectionIn,
    ObjectionOut,
    ResponseIn,
)
from api.updates import run_update
from db.models import Dispute, Objection, TimelineEvent
from domain.calendar import Deadline
from domain.contracts import (
    CaseStatus,
    DisputeCommand,
    DisputeFiled,
    ObjectionCommand,
    ObjectionFiled,
    ResponseCommand,
)
from domain.dates_id import explain_deadline
from domain.enums import Role

router = APIRouter(tags=["objections"])
TrackingHeader = Annotated[str | None, Header(alias="X-Tracking-Code", max_length=64)]
NOT_FOUND = HTTPException(status.HTTP_404_NOT_FOUND, "Keberatan tidak ditemukan")


@router.post(
    "/v1/requests/{request_id}/objections", status_code=201, response_model=ObjectionCreated,
    summary="File an objection to the Atasan PPID (requester, or PPID on their behalf)",
)  # fmt: skip
async def file_objection(
    request_id: str, payload: ObjectionIn, session: SessionDep, temporal: TemporalDep, staff: OptionalStaffDep,
    x_tracking_code: TrackingHeader = None,
) -> ObjectionCreated:  # fmt: skip
    case = await load_case(session, request_id)
    view = require_view(staff, x_tracking_code, case)
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
    filed = await run_update(temporal, case.request.workflow_id, "file_objection", command, ObjectionFiled)
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
    objection, case = await _load(session, objection_id)
    _require_atasan(staff, case)
    command = ResponseCommand(
        outcome=payload.outcome, reasons=payload.reasons, order=payload.order, actor=staff.email
    )
    await run_update(temporal, objection.workflow_id, "respond", command, CaseStatus)
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
    objection, case = await _load(session, objection_id)
    _require_requester(staff, x_tracking_code, case)
    await run_update(temporal, objection.workflow_id, "accept", None, CaseStatus)
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
    objection, case = await _load(session, objection_id)
    _require_requester(staff, x_tracking_code, case)
    command = DisputeCommand(statement=payload.statement, requested_outcome=payload.requested_outcome)
    filed = await run_update(temporal, objection.workflow_id, "file_dispute", command, DisputeFiled)
    return DisputeCreated(id=filed.id, komisi_informasi=filed.komisi_informasi, status=filed.status)
