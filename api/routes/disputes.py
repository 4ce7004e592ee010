"""Disputes (sengketa, Pasal 37-48): the Komisi Informasi's inbox and actions, and the parties' view."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, status
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.cases import LoadedCase, load_case, local, requester_case_file, require_view
from api.deps import OptionalStaffDep, SessionDep, Staff, StaffDep, TemporalDep
from api.schemas import DisputeOut, OutcomeIn, RegistrationIn, StageIn
from api.updates import run_update
from db.models import Dispute, InfoRequest, KomisiInformasi, Objection
from domain.contracts import CaseStatus, DisputeRegistration, OutcomeCommand, StageCommand
from domain.enums import Role
from domain.identity import mask_nik

router = APIRouter(prefix="/v1/disputes", tags=["disputes"])
TrackingHeader = Annotated[str | None, Header(alias="X-Tracking-Code", max_length=64)]
NOT_FOUND = HTTPException(status.HTTP_404_NOT_FOUND, "Sengketa tidak ditemukan")


async def _load(session: AsyncSession, dispute_id: str) -> tuple[Dispute, LoadedCase, KomisiInformasi]:
    dispute = await session.get(Dispute, dispute_id) if len(dispute_id) <= 32 else None
    if dispute is None:
        raise NOT_FOUND
    komisi = await session.get(KomisiInformasi, dispute.komisi_id)
    assert komisi is not None
    return dispute, await load_case(session, dispute.request_id), komisi


def _is_clerk(staff: Staff | None, dispute: Dispute) -> bool:
    return staff is not None and staff.role == Role.KOMISI and staff.komisi_id == dispute.komisi_id


def _require_clerk(staff: Staff, dispute: Dispute) -> None:
    if not _is_clerk(staff, dispute):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Hanya Komisi Informasi yang menangani sengketa ini")


async def dispute_view(
    session: AsyncSession, dispute: Dispute, case: LoadedCase, komisi: KomisiInformasi, *, clerk: bool,
    with_case_file: bool = True, requester: bool = False,
) -> DisputeOut:  # fmt: skip
    tz = komisi.timezone
    objection = await session.get(Objection, dispute.objection_id)
    assert objection is not None
    case_file: dict[str, Any] | None = None
    if with_case_file and dispute.case_file and requester:
        case_file = requester_case_file(dispute.case_file)
    elif with_case_file and dispute.case_file:
        case_file = dict(dispute.case_file)
        if not clerk:  # the NIK is shown to the Komisi Informasi only
            case_file["requester"] = {
                **case_file["requester"],
                "nik": mask_nik(case_file["requester"].get("nik")),
            }
    return DisputeOut(
        id=dispute.id, request_id=dispute.request_id, objection_id=dispute.objection_id,
        registration_number=case.request.registration_number,
        objection_registration_number=objection.registration_number, body=case.body.slug,
        komisi_informasi=komisi.slug, status=dispute.status, stage=dispute.stage, statement=dispute.statement,
        requested_outcome=dispute.requested_outcome, submitted_at=local(dispute.submitted_at, tz),
        register_number=dispute.register_number, registered_at=local(dispute.registered_at, tz),
        start_due_at=local(dispute.start_due_at, tz), settle_due_at=local(dispute.settle_due_at, tz),
        outcome=dispute.outcome, decided_at=local(dispute.decided_at, tz), final_at=local(dispute.final_at, tz),
        case_file=case_file,
    )  # fmt: skip


@router.get(
    "", response_model=list[DisputeOut], summary="Disputes: a KI's own, or a body's for its PPID/Atasan"
)
async def list_disputes(session: SessionDep, staff: StaffDep) -> list[DisputeOut]:
    query = (
        select(Dispute).join(InfoRequest, InfoRequest.id == Dispute.request_id).order_by(Dispute.submitted_at)
    )
    match staff.role:
        case Role.KOMISI:
            query = query.where(Dispute.komisi_id == staff.komisi_id)
        case Role.PPID | Role.ATASAN_PPID:
            query = query.where(InfoRequest.body_id == staff.body_id)
            if staff.unit_id is not None:
                query = query.where(InfoRequest.unit_id == staff.unit_id)
        case Role.ADMIN:
            pass
    result = []
    for dispute in (await session.scalars(query)).all():
        loaded, case, komisi = await _load(session, dispute.id)
        result.append(
            await dispute_view(
                session, loaded, case, komisi, clerk=_is_clerk(staff, loaded), with_case_file=False
            )
        )
    return result


@router.get("/{dispute_id}", response_model=DisputeOut, summary="The dispute with its case file")
async def get_dispute(
    dispute_id: str, session: SessionDep, staff: OptionalStaffDep, x_tracking_code: TrackingHeader = None
) -> DisputeOut:
    dispute, case, komisi = await _load(session, dispute_id)
    view = "staff"
    if not _is_clerk(staff, dispute):
        if staff is not None and staff.role == Role.KOMISI:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "Sengketa ini ditangani Komisi Informasi lain")
        view = require_view(staff, x_tracking_code, case)
    return await dispute_view(
        session, dispute, case, komisi, clerk=_is_clerk(staff, dispute), requester=view == "requester"
    )


async def _act(
    dispute_id: str, session: SessionDep, staff: Staff, temporal: TemporalDep, name: str, command: Any
) -> DisputeOut:
    dispute, _, _ = await _load(session, dispute_id)
    _require_clerk(staff, dispute)
    await run_update(temporal, dispute.workflow_id, name, command, CaseStatus)
    session.expire_all()
    dispute, case, komisi = await _load(session, dispute_id)
    return await dispute_view(session, dispute, case, komisi, clerk=True)


@router.post("/{dispute_id}/registration", response_model=DisputeOut, summary="KI registers (T6, T7 start)")
async def register(
    dispute_id: str, payload: RegistrationIn, session: SessionDep, staff: StaffDep, temporal: TemporalDep
) -> DisputeOut:
    command = DisputeRegistration(register_number=payload.register_number, actor=staff.email)
    return await _act(dispute_id, session, staff, temporal, "register", command)


@router.post("/{dispute_id}/stage", response_model=DisputeOut, summary="Mediation or adjudication")
async def stage(
    dispute_id: str, payload: StageIn, session: SessionDep, staff: StaffDep, temporal: TemporalDep
) -> DisputeOut:
    return await _act(
        dispute_id, session, staff, temporal, "stage", StageCommand(stage=payload.stage, actor=staff.email)
    )


@router.post("/{dispute_id}/outcome", response_model=DisputeOut, summary="The KI's outcome")
async def outcome(
    dispute_id: str, payload: OutcomeIn, session: SessionDep, staff: StaffDep, temporal: TemporalDep
) -> DisputeOut:
    command = OutcomeCommand(
        outcome=payload.outcome, decision_number=payload.decision_number, summary=payload.summary,
        disclosure_due=payload.disclosure_due, actor=staff.email,
    )  # fmt: skip
    return await _act(dispute_id, session, staff, temporal, "decide", command)
