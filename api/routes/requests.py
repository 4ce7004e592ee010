"""Requests: intake (registration + workflow start), the case view, and the PPID's actions as Updates."""

from __future__ import annotations

import hmac
import logging
import uuid
from datetime import timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Header, HTTPException, Response, status
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from api.cases import LoadedCase, case_view, load_case, require_ppid_of, require_view
from api.deps import OptionalStaffDep, SessionDep, StaffDep, StateDep, TemporalDep, limit_intake
from api.schemas import AssignIn, CaseOut, DecisionIn, ExtensionIn, RequestCreated, RequestIn
from api.updates import run_update
from db.calendar_repo import load_calendar
from db.intake import (
    find_by_idempotency_key,
    idempotency_fingerprint,
    insert_request,
    next_registration_number,
    request_start,
    workflow_id_of,
)
from db.models import Body, InfoRequest, Unit
from db.session import write_gate
from domain.calendar import add_working_days
from domain.contracts import (
    ActionResult,
    AssignCommand,
    DecisionCommand,
    Exemption,
    ExtensionCommand,
)
from domain.dates_id import format_datetime
from domain.enums import Channel, RequestStatus, Role
from domain.registration import Register
from domain.tracking import hash_code, tracking_code
from ppid.temporal_client import start_request_workflow

router = APIRouter(prefix="/v1/requests", tags=["requests"])
log = logging.getLogger("ppid.api.requests")
T1_RESPONSE_DAYS = 10  # Pasal 22(7)
TrackingHeader = Annotated[str | None, Header(alias="X-Tracking-Code", max_length=64)]
IdempotencyHeader = Annotated[str | None, Header(alias="Idempotency-Key", max_length=128)]


def _created(request: InfoRequest, body: Body, secret: str) -> RequestCreated:
    return RequestCreated(
        id=request.id,
        registration_number=request.registration_number,
        tracking_code=tracking_code(request.id, secret),
        status=request.status,
        received_at=request.received_at.astimezone(ZoneInfo(body.timezone)),
        due_at=request.due_at.astimezone(ZoneInfo(body.timezone)),
    )


async def _replay(
    session: SessionDep, existing: InfoRequest, fingerprint: str, state: StateDep
) -> RequestCreated | None:
    """A retried submission under the same Idempotency-Key gets its case back (with the tracking code) only
    when it sends the same form from the same caller; another form under a live key is refused (409), and
    an expired key is released so that it can name a new submission (None: register it)."""
    now = await state.now()
    live_until = existing.received_at + timedelta(hours=state.settings.ppid_idempotency_hours)
    if now >= live_until:
        existing.idempotency_key = None
        await session.commit()
        return None
    if existing.idempotency_fingerprint is None or not hmac.compare_digest(
        existing.idempotency_fingerprint, fingerprint
    ):
        body = await session.get(Body, existing.body_id)
        tz = body.timezone if body else "Asia/Jakarta"
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            "Idempotency-Key ini sudah dipakai untuk permohonan dengan isi yang berbeda; gunakan kunci baru "
            f"untuk permohonan baru (kunci ini berlaku sampai {format_datetime(live_until, tz)})",
        )
    body = await session.get(Body, existing.body_id)
    assert body is not None
    return _created(existing, body, state.secret_key)


@router.post(
    "", status_code=201, response_model=RequestCreated, summary="Submit a request (permohonan)",
    dependencies=[Depends(limit_intake)],
)  # fmt: skip
async def submit_request(
    payload: RequestIn,
    response: Response,
    session: SessionDep,
    state: StateDep,
    staff: OptionalStaffDep,
    idempotency_key: IdempotencyHeader = None,
) -> RequestCreated:
    if payload.channel != Channel.WEB and (staff is None or staff.role != Role.PPID):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "Hanya petugas PPID yang mencatat permohonan yang diterima langsung, lewat surat, email atau telepon",
        )
    fingerprint = idempotency_fingerprint(payload.model_dump(mode="json"), staff.id if staff else None)
    if idempotency_key:
        existing = await find_by_idempotency_key(session, idempotency_key)
        if existing is not None:
            replay = await _replay(session, existing, fingerprint, state)
            if replay is not None:
                response.status_code = status.HTTP_200_OK
                return replay

    async with write_gate(session.bind):  # the registration and the row: one short write transaction
        body = await session.scalar(select(Body).where(Body.slug == payload.body))
        if body is None:
            raise HTTPException(422, [{"loc": ["body", "body"], "msg": f"badan publik {payload.body!r} tidak ada",
                                       "type": "value_error"}])  # fmt: skip
        if staff is not None and staff.role == Role.PPID and staff.body_id != body.id:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, "Petugas hanya mencatat permohonan untuk badan publiknya"
            )
        unit_slug = payload.unit
        if staff is not None and staff.role == Role.PPID and staff.unit_id is not None:
            # A PPID Pelaksana records the requests of their own unit only (the PPID Utama forwards others).
            if unit_slug not in (None, staff.unit_slug):
                raise HTTPException(
                    status.HTTP_403_FORBIDDEN,
                    f"PPID Pelaksana hanya mencatat permohonan untuk unitnya sendiri ({staff.unit_slug})",
                )
            unit_slug = staff.unit_slug
        unit = None
        if unit_slug is not None:
            unit = await session.scalar(
                select(Unit).where(Unit.body_id == body.id, Unit.slug == unit_slug)
            )
            if unit is None:
                raise HTTPException(422, [{"loc": ["body", "unit"], "msg": f"unit {unit_slug!r} tidak ada di "
                                           f"{body.slug}", "type": "value_error"}])  # fmt: skip

        received_at = await state.now()
        calendar = await load_calendar(session, body.slug)
        t1 = add_working_days(received_at, T1_RESPONSE_DAYS, body.timezone, calendar)
        request_id = uuid.uuid4().hex
        requester = payload.requester
        try:
            request = await insert_request(
                session,
                id=request_id,
                registration_number=await next_registration_number(
                    session, body, Register.REQUEST, received_at
                ),
                body_id=body.id,
                unit_id=unit.id if unit else None,
                status=RequestStatus.RECEIVED.value,
                channel=payload.channel.value,
                requester_kind=requester.kind.value,
                requester_name=requester.name,
                nik=requester.nik,
                legal_entity_number=requester.legal_entity_number,
                address=requester.address,
                email=str(requester.email) if requester.email else None,
                phone=requester.phone,
                occupation=requester.occupation,
                proxy=requester.proxy.model_dump() if requester.proxy else None,
                information=payload.information,
                purpose=payload.purpose,
                obtain_method=payload.obtain_method.value,
                copy_format=payload.copy_format.value if payload.copy_format else None,
                delivery_method=payload.delivery_method.value,
                tracking_code_hash=hash_code(tracking_code(request_id, state.secret_key)),
                idempotency_key=idempotency_key,
                idempotency_fingerprint=fingerprint if idempotency_key else None,
                received_at=received_at,
                due_at=t1.due_at,
                deadline=t1.model_dump(mode="json"),
                workflow_id=workflow_id_of(request_id),
            )
            await session.commit()
        except IntegrityError:
            # The same Idempotency-Key raced with another call: answer with the case that won.
            await session.rollback()
            existing = await find_by_idempotency_key(session, idempotency_key) if idempotency_key else None
            replay = await _replay(session, existing, fingerprint, state) if existing else None
            if replay is None:
                raise
            response.status_code = status.HTTP_200_OK
            return replay

    try:
        temporal = await state.temporal()
        await start_request_workflow(
            temporal, request_start(request, body), request.workflow_id, state.settings.temporal_task_queue
        )
    except Exception:
        # The request is registered (committed above): the worker's reconciler starts its workflow as soon
        # as Temporal answers again, so the citizen keeps their acknowledgment.
        log.warning(
            "workflow of request %s not started yet; the reconciler will", request.registration_number
        )
    return _created(request, body, state.secret_key)


@router.get("/{request_id}", response_model=CaseOut, summary="The case, for its staff or its requester")
async def get_request(
    request_id: str, session: SessionDep, staff: OptionalStaffDep, x_tracking_code: TrackingHeader = None
) -> CaseOut:
    case = await load_case(session, request_id)
    view = require_view(staff, x_tracking_code, case)
    return await case_view(session, case, view)


@router.post("/{request_id}/extension", response_model=CaseOut, summary="Extend once by 7 working days")
async def extend(request_id: str, payload: ExtensionIn, session: SessionDep, staff: StaffDep,
                 temporal: TemporalDep) -> CaseOut:  # fmt: skip
    case = await load_case(session, request_id)
    require_ppid_of(staff, case)
    command = ExtensionCommand(reason=payload.reason, actor=staff.email)
    await run_update(temporal, case.request.workflow_id, "extend", command, ActionResult)
    return await _fresh_view(session, case)


@router.post("/{request_id}/decision", response_model=CaseOut, summary="The written notice (Pasal 22(7))")
async def decide(request_id: str, payload: DecisionIn, session: SessionDep, staff: StaffDep,
                 temporal: TemporalDep) -> CaseOut:  # fmt: skip
    case = await load_case(session, request_id)
    require_ppid_of(staff, case)
    command = DecisionCommand(
        outcome=payload.outcome.value,
        exemption=Exemption(**payload.exemption.model_dump()) if payload.exemption else None,
        redactions=payload.redactions,
        holder_body=payload.holder_body,
        fee_idr=payload.fee_idr,
        note=payload.note,
        actor=staff.email,
    )
    await run_update(temporal, case.request.workflow_id, "decide", command, ActionResult)
    return await _fresh_view(session, case)


@router.post("/{request_id}/assignment", response_model=CaseOut, summary="Forward to a PPID Pelaksana unit")
async def assign(request_id: str, payload: AssignIn, session: SessionDep, staff: StaffDep,
                 temporal: TemporalDep) -> CaseOut:  # fmt: skip
    case = await load_case(session, request_id)
    require_ppid_of(staff, case)
    unit = await session.scalar(select(Unit).where(Unit.body_id == case.body.id, Unit.slug == payload.unit))
    if unit is None:
        raise HTTPException(422, [{"loc": ["body", "unit"], "msg": f"unit {payload.unit!r} tidak ada",
                                   "type": "value_error"}])  # fmt: skip
    command = AssignCommand(unit=unit.slug, actor=staff.email)
    await run_update(temporal, case.request.workflow_id, "assign", command, ActionResult)
    return await _fresh_view(session, case)


async def _fresh_view(session: SessionDep, case: LoadedCase) -> CaseOut:
    """The case as the workflow's activity just wrote it. The body is unchanged; the unit is re-read only
    when the action moved the request to another one."""
    await session.refresh(case.request)
    unit = case.unit
    if case.request.unit_id != (unit.id if unit else None):
        unit = await session.get(Unit, case.request.unit_id) if case.request.unit_id else None
    return await case_view(session, LoadedCase(case.request, case.body, unit), "staff")
