"""Disputes (sengketa, Pasal 37-48): the Komisi Informasi's inbox and actions, and the parties' view."""

from __future__ import annotations

from collections.abc import Coroutine
from datetime import datetime
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Header, HTTPException, Query, status
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client
from temporalio.workflow import UpdateMethodMultiParam

from api.cases import LoadedCase, load_case, local, requester_case_file, require_ppid_of, require_view
from api.deps import OptionalStaffDep, SessionDep, Staff, StaffDep, StateDep, TemporalDep
from api.schemas import CourtObjectionIn, DisputeOut, OutcomeIn, RegistrationIn, StageIn
from api.updates import run_update
from db.models import Dispute, InfoRequest, KomisiInformasi, Objection, TimelineEvent
from domain import law
from domain.contracts import (
    CaseStatus,
    CourtObjectionCommand,
    DisputeRegistration,
    OutcomeCommand,
    StageCommand,
)
from domain.court import ADJUDICATION_OUTCOMES, COURT_KINDS, court_kind, court_text_problem, refusal
from domain.dates_id import format_date, format_datetime
from domain.enums import DisputeStatus, Role
from domain.identity import mask_nik
from workflows.dispute import DisputeWorkflow

router = APIRouter(prefix="/v1/disputes", tags=["disputes"])
TrackingHeader = Annotated[str | None, Header(alias="X-Tracking-Code", max_length=64)]
NOT_FOUND = HTTPException(status.HTTP_404_NOT_FOUND, "Sengketa tidak ditemukan")
C = TypeVar("C")


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
        case_file=case_file, court_objection=await _court_objection(session, dispute, tz),
    )  # fmt: skip


async def _court_objection(session: AsyncSession, dispute: Dispute, tz: str) -> dict[str, Any] | None:
    """The court objection recorded on the dispute (its timeline event holds the filing), if any."""
    if dispute.status != DisputeStatus.COURT_OBJECTION:
        return None
    event = await session.scalar(
        select(TimelineEvent).where(TimelineEvent.key == f"{dispute.id}:court_objection")
    )
    if event is None or not event.data or "court_objection" not in event.data:
        return None
    filing = dict(event.data["court_objection"])
    kind = str(filing["court_kind"])
    return {
        "court": filing["court"], "court_kind": kind, "court_kind_label": COURT_KINDS.get(kind, kind),
        "filed_on": filing["filed_on"], "case_number": filing["case_number"],
        "recorded_by": filing.get("recorded_by"), "recorded_at": event.at.astimezone(ZoneInfo(tz)).isoformat(),
    }  # fmt: skip


@router.get(
    "", response_model=list[DisputeOut], summary="Disputes: a KI's own, or a body's for its PPID/Atasan"
)
async def list_disputes(
    session: SessionDep, staff: StaffDep,
    status_is: Annotated[DisputeStatus | None, Query(alias="status")] = None,
) -> list[DisputeOut]:  # fmt: skip
    return await dispute_list(session, staff, status_is=status_is.value if status_is else None)


async def dispute_list(
    session: AsyncSession, staff: Staff, *, status_is: str | None = None
) -> list[DisputeOut]:
    """The disputes the caller may see, oldest submitted first (GET /v1/disputes and /staf/sengketa)."""
    query = (
        select(Dispute).join(InfoRequest, InfoRequest.id == Dispute.request_id).order_by(Dispute.submitted_at)
    )
    if status_is:
        query = query.where(Dispute.status == status_is)
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
    return await dispute_for(session, dispute_id, staff, x_tracking_code)


async def dispute_for(
    session: AsyncSession, dispute_id: str, staff: Staff | None, tracking_code: str | None = None
) -> DisputeOut:
    """The dispute as the caller may read it: its KI clerk (the NIK complete), the staff of the respondent
    body or an admin (the NIK masked), or the requester with the tracking code; 403/404 otherwise."""
    dispute, case, komisi = await _load(session, dispute_id)
    view = "staff"
    if not _is_clerk(staff, dispute):
        if staff is not None and staff.role == Role.KOMISI:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "Sengketa ini ditangani Komisi Informasi lain")
        view = require_view(staff, tracking_code, case)
    return await dispute_view(
        session, dispute, case, komisi, clerk=_is_clerk(staff, dispute), requester=view == "requester"
    )


def is_clerk_of(staff: Staff | None, dispute: DisputeOut) -> bool:
    """Whether `staff` is the Komisi Informasi handling the dispute (its actions are theirs)."""
    return staff is not None and staff.role == Role.KOMISI and staff.komisi_slug == dispute.komisi_informasi


async def _act(
    dispute_id: str, session: AsyncSession, staff: Staff, temporal: Client,
    update: UpdateMethodMultiParam[[DisputeWorkflow, C], Coroutine[Any, Any, CaseStatus]], command: C,
) -> DisputeOut:  # fmt: skip
    """The KI clerk's action as the workflow's Update (`DisputeWorkflow.register`, ...), then the dispute as
    the registers now hold it."""
    dispute, _, _ = await _load(session, dispute_id)
    _require_clerk(staff, dispute)
    await run_update(temporal, dispute.workflow_id, update, command)
    session.expire_all()
    dispute, case, komisi = await _load(session, dispute_id)
    return await dispute_view(session, dispute, case, komisi, clerk=True)


@router.post("/{dispute_id}/registration", response_model=DisputeOut, summary="KI registers (T6, T7 start)")
async def register(
    dispute_id: str, payload: RegistrationIn, session: SessionDep, staff: StaffDep, temporal: TemporalDep
) -> DisputeOut:
    return await register_dispute(session, temporal, staff, dispute_id, payload)


async def register_dispute(
    session: AsyncSession, temporal: Client, staff: Staff, dispute_id: str, payload: RegistrationIn
) -> DisputeOut:
    command = DisputeRegistration(register_number=payload.register_number, actor=staff.email)
    return await _act(dispute_id, session, staff, temporal, DisputeWorkflow.register, command)


@router.post("/{dispute_id}/stage", response_model=DisputeOut, summary="Mediation or adjudication")
async def stage(
    dispute_id: str, payload: StageIn, session: SessionDep, staff: StaffDep, temporal: TemporalDep
) -> DisputeOut:
    return await set_stage(session, temporal, staff, dispute_id, payload)


async def set_stage(
    session: AsyncSession, temporal: Client, staff: Staff, dispute_id: str, payload: StageIn
) -> DisputeOut:
    command = StageCommand(stage=payload.stage, actor=staff.email)
    return await _act(dispute_id, session, staff, temporal, DisputeWorkflow.stage, command)


@router.post("/{dispute_id}/outcome", response_model=DisputeOut, summary="The KI's outcome")
async def outcome(
    dispute_id: str, payload: OutcomeIn, session: SessionDep, staff: StaffDep, temporal: TemporalDep
) -> DisputeOut:
    return await record_outcome(session, temporal, staff, dispute_id, payload)


async def record_outcome(
    session: AsyncSession, temporal: Client, staff: Staff, dispute_id: str, payload: OutcomeIn
) -> DisputeOut:
    command = OutcomeCommand(
        outcome=payload.outcome, decision_number=payload.decision_number, summary=payload.summary,
        disclosure_due=payload.disclosure_due, actor=staff.email,
    )  # fmt: skip
    return await _act(dispute_id, session, staff, temporal, DisputeWorkflow.decide, command)


def _invalid(field: str, message: str) -> HTTPException:
    return HTTPException(
        422,
        [{"loc": ["body", field], "msg": message, "type": "value_error"}],
    )


@router.post(
    "/{dispute_id}/court-objection", response_model=DisputeOut,
    summary=f"A court objection against the KI's adjudication decision, within T8 ({law.T8.article}, Pasal 47)",
)  # fmt: skip
async def court_objection(
    dispute_id: str, payload: CourtObjectionIn, session: SessionDep, staff: StaffDep, temporal: TemporalDep,
    state: StateDep,
) -> DisputeOut:  # fmt: skip
    """Recorded by the KI clerk of the dispute or the PPID of the respondent body; the decision then does not
    become final. The court is free text, its kind (`ptun` for a state body, else `pengadilan_negeri`) follows
    from the body (Pasal 47); the filing date is neither in the future nor before the KI's decision."""
    return await record_court_objection(session, temporal, staff, dispute_id, payload, now=await state.now())


async def record_court_objection(
    session: AsyncSession, temporal: Client, staff: Staff, dispute_id: str, payload: CourtObjectionIn, *,
    now: datetime,
) -> DisputeOut:  # fmt: skip
    """The court objection (the API's route and the staff desk's form); `now` is the product's clock."""
    dispute, case, komisi = await _load(session, dispute_id)
    clerk = _is_clerk(staff, dispute)
    if not clerk:
        if staff.role != Role.PPID:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                "Hanya Komisi Informasi yang menangani sengketa ini atau PPID badan publik termohon yang dapat "
                "mencatat keberatan ke pengadilan",
            )
        require_ppid_of(staff, case)
    kind = court_kind(case.body.state_body)
    problem = court_text_problem(payload.court, kind)
    if problem:
        raise _invalid("court", problem)
    tz = ZoneInfo(komisi.timezone)
    today = now.astimezone(tz).date()
    if payload.filed_on > today:
        raise _invalid(
            "filed_on",
            f"tanggal pengajuan {format_date(payload.filed_on)} belum tiba (hari ini {format_date(today)})",
        )
    if dispute.decided_at is not None and payload.filed_on < dispute.decided_at.astimezone(tz).date():
        decided_on = format_date(dispute.decided_at.astimezone(tz).date())
        raise _invalid(
            "filed_on", f"tanggal pengajuan tidak boleh sebelum putusan Komisi Informasi ({decided_on})"
        )
    if dispute.status in (DisputeStatus.FINAL, DisputeStatus.COURT_OBJECTION):
        # The workflow has ended (final, or before the court): the register says why, with the date.
        filing = await _court_objection(session, dispute, komisi.timezone)
        final_due = format_datetime(dispute.final_at, komisi.timezone) if dispute.final_at else None
        message = refusal(
            dispute.status, adjudicated=(dispute.outcome or {}).get("outcome") in ADJUDICATION_OUTCOMES,
            t8_over=True, final_due_text=final_due, filing=filing,
        )  # fmt: skip
        raise HTTPException(
            status.HTTP_409_CONFLICT, message or "Keberatan ke pengadilan tidak dapat dicatat"
        )
    command = CourtObjectionCommand(
        court=payload.court, court_kind=kind, filed_on=payload.filed_on, case_number=payload.case_number,
        recorded_by=Role.KOMISI.value if clerk else Role.PPID.value, actor=staff.email,
    )  # fmt: skip
    await run_update(temporal, dispute.workflow_id, DisputeWorkflow.record_court_objection, command)
    session.expire_all()
    dispute, case, komisi = await _load(session, dispute_id)
    return await dispute_view(session, dispute, case, komisi, clerk=clerk)
