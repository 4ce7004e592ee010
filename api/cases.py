"""Reading a request case from the registers and deciding who may see or act on it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from fastapi import HTTPException, status
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from activities.notices import CLOCK_TEXTS
from api.deps import Staff
from api.documents import case_documents
from api.schemas import CaseOut, DeadlineOut, DocumentOut, TimelineEntry
from db.models import Body, InfoRequest, Objection, TimelineEvent, Unit
from db.requests_repo import load_request
from domain.calendar import Deadline
from domain.dates_id import explain_deadline
from domain.enums import Role
from domain.identity import mask_nik
from domain.tracking import code_matches

View = Literal["staff", "requester"]


# Which clock a recorded deadline belongs to, by the timeline event that recorded it.
CLOCK_OF_EVENT = {
    "extended": [("T2", "deadline"), ("T1", "deadline_t1")],
    "decided": [("T3", "deadline")],
    "overdue": [("T3", "deadline")],
    "objection_answered": [("T5", "deadline")],
    "objection_overdue": [("T5", "deadline")],
    "dispute_registered": [("T6", "deadline_t6"), ("T7", "deadline_t7")],
    "dispute_decided": [("T8", "deadline_t8")],
}


def case_deadlines(
    request: InfoRequest, objections: list[Objection], events: list[TimelineEvent]
) -> list[DeadlineOut]:
    """The latest computation of every clock of the case chain, each with its explanation."""
    found: dict[str, dict[str, Any]] = {}
    if request.deadline:
        found["T2" if request.extended else "T1"] = request.deadline
    for objection in objections:
        if objection.deadline:
            found["T4"] = objection.deadline
    for event in events:
        data = event.data or {}
        if "deadline_moved" in event.event:
            if not data.get("kept") and data.get("deadline"):
                found[str(data["clock"])] = data["deadline"]
            continue
        for clock, key in CLOCK_OF_EVENT.get(event.event, []):
            if data.get(key):
                found[clock] = data[key]
    result = []
    for clock in sorted(found):
        deadline = Deadline.model_validate(found[clock])
        result.append(
            DeadlineOut(
                clock=clock, description=CLOCK_TEXTS.get(clock, clock), start=deadline.start,
                working_days=deadline.working_days, unit=deadline.unit.value, timezone=deadline.timezone,
                due_at=deadline.due_at.astimezone(ZoneInfo(deadline.timezone)),
                skipped=[d.model_dump(mode="json") for d in deadline.skipped],
                calendar_version=deadline.calendar_version, explanation=explain_deadline(deadline),
                # Both versions as recorded when the deadline was computed (timeline data, the request's
                # row), not the ones installed now.
                holidays_version=deadline.holidays_version,
            )
        )  # fmt: skip
    return result


def timeline_entries(events: list[TimelineEvent], tz: str, view: View) -> list[TimelineEntry]:
    """The one rule of the requester's view, for every object (request, objection, dispute): the public
    events only, without the staff who acted or the data behind them."""
    return [
        TimelineEntry(
            at=e.at.astimezone(ZoneInfo(tz)), event=e.event, label=e.label,
            actor=e.actor if view == "staff" else None, data=e.data if view == "staff" else None,
        )
        for e in events
        if view == "staff" or not e.internal
    ]  # fmt: skip


def requester_case_file(case_file: dict[str, Any]) -> dict[str, Any]:
    """The KI's case file as the requester may read it, by the same rule as `timeline_entries`: no internal
    events, no acting staff, only the notices addressed to the requester, the NIK masked."""
    return {
        **_without_actors(case_file),
        "requester": {**case_file["requester"], "nik": mask_nik(case_file["requester"].get("nik"))},
        "notices": [
            {k: v for k, v in n.items() if k != "recipient"}
            for n in case_file.get("notices", [])
            if n.get("recipient_role") == "requester"
        ],
        "timeline": [
            {k: v for k, v in e.items() if k not in ("actor", "internal")}
            for e in case_file.get("timeline", [])
            if not e.get("internal") and not str(e.get("event", "")).startswith(INTERNAL_EVENT_PREFIXES)
        ],
    }


# Case files assembled before the timeline carried its `internal` flag still hide these events.
INTERNAL_EVENT_PREFIXES = ("reminder", "extension_prompt", "atasan_reminder", "mail_failed")


def _without_actors(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_actors(v) for k, v in value.items() if k != "actor"}
    if isinstance(value, list):
        return [_without_actors(v) for v in value]
    return value


def local(moment: datetime | None, tz: str) -> datetime | None:
    """Times are shown with the offset of the body's time zone (a deadline is the end of a local day)."""
    return moment.astimezone(ZoneInfo(tz)) if moment is not None else None


NOT_FOUND = HTTPException(status.HTTP_404_NOT_FOUND, "Permohonan tidak ditemukan")


@dataclass
class LoadedCase:
    request: InfoRequest
    body: Body
    unit: Unit | None


async def load_case(session: AsyncSession, request_id: str) -> LoadedCase:
    if len(request_id) > 32:
        raise NOT_FOUND
    loaded = await load_request(session, request_id)
    if loaded is None:
        raise NOT_FOUND
    return LoadedCase(*loaded)


def staff_may_see(staff: Staff, case: LoadedCase) -> bool:
    if staff.role == Role.ADMIN:
        return True
    if staff.role not in (Role.PPID, Role.ATASAN_PPID) or staff.body_id != case.body.id:
        return False
    # A PPID Pelaksana sees the requests assigned to their unit; the PPID Utama sees the whole body.
    return staff.unit_id is None or staff.unit_id == case.request.unit_id


def require_view(staff: Staff | None, tracking_code: str | None, case: LoadedCase) -> View:
    if staff is not None:
        if staff_may_see(staff, case):
            return "staff"
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "Permohonan ini bukan milik badan publik atau unit Anda"
        )
    if tracking_code is not None:
        if code_matches(tracking_code, case.request.tracking_code_hash):
            return "requester"
        raise NOT_FOUND
    raise HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        "Masuk sebagai petugas atau sertakan kode lacak (header X-Tracking-Code)",
        headers={"WWW-Authenticate": "Bearer"},
    )


def require_ppid_of(staff: Staff, case: LoadedCase) -> None:
    """Only the PPID of the body (or of the unit the request is assigned to) acts on a request."""
    if staff.role != Role.PPID or not staff_may_see(staff, case):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Hanya PPID badan publik ini yang dapat bertindak")


async def case_view(session: AsyncSession, case: LoadedCase, view: View) -> CaseOut:
    request = case.request
    tz = case.body.timezone
    query = (
        select(TimelineEvent)
        .where(TimelineEvent.case_id == request.id)
        .order_by(TimelineEvent.at, TimelineEvent.id)
    )
    if view == "requester":
        query = query.where(TimelineEvent.internal.is_(False))
    events = (await session.scalars(query)).all()
    all_events = (
        (await session.scalars(select(TimelineEvent).where(TimelineEvent.case_id == request.id))).all()
        if view == "requester"
        else events
    )
    by_request = select(Objection).where(Objection.request_id == request.id).order_by(Objection.created_at)
    objection_rows = list((await session.scalars(by_request)).all())
    objections = [o.id for o in objection_rows]
    decision = dict(request.decision) if request.decision else None
    if decision and view == "requester":
        decision.pop("actor", None)
    explanation = None
    if request.deadline:
        explanation = explain_deadline(Deadline.model_validate(request.deadline))
    requester = None
    if view == "staff":
        requester = {
            "kind": request.requester_kind,
            "name": request.requester_name,
            "nik": mask_nik(request.nik),
            "legal_entity_number": request.legal_entity_number,
            "address": request.address,
            "occupation": request.occupation,
            "email": request.email,
            "phone": request.phone,
            "proxy": request.proxy,
            "channel": request.channel,
        }
    documents = [
        DocumentOut(
            id=d.id, kind=d.kind, filename=d.filename, content_type=d.content_type, size=d.size,
            created_at=d.created_at.astimezone(ZoneInfo(tz)), url=f"/v1/requests/{request.id}/documents/{d.id}",
        )
        for d in await case_documents(session, request.id)
    ]  # fmt: skip
    return CaseOut(
        id=request.id,
        registration_number=request.registration_number,
        body=case.body.slug,
        timezone=tz,
        unit=case.unit.slug if case.unit else None,
        status=request.status,
        received_at=local(request.received_at, tz),
        due_at=local(request.due_at, tz),
        deadline_explanation=explanation,
        extended=request.extended,
        extension_reason=request.extension_reason,
        decision=decision,
        decided_late=request.decided_late,
        objection_deadline=local(request.objection_deadline, tz),
        objections=list(objections),
        information=request.information,
        timeline=timeline_entries(list(events), tz, view),
        deadlines=case_deadlines(request, objection_rows, sorted(all_events, key=lambda e: (e.at, e.id))),
        requester=requester,
        documents=documents,
    )
