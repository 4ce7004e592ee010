"""Citizen's portal: the objection to the Atasan PPID (`/lacak/{id}/keberatan`, Pasal 35-36), the acceptance of
the Atasan's answer (`…/keberatan/{oid}/terima`) and the dispute at the Komisi Informasi
(`…/keberatan/{oid}/sengketa`, Pasal 37), from the case page of api/web/public/tracking.py.

Each page gets the case through access.citizen_case (CodeRequired propagates: the tracking page's handler shows
the code form). The actions are the API's own (record_objection, accept_answer, take_to_komisi), called as the
requester because this browser's session proved the code; the workflow's refusals (409) are shown as its
sentence. The form offers only the reasons of Pasal 35 ayat (1) that fit the case (domain/objection_reasons.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.cases import LoadedCase
from api.deps import SessionDep, StateDep, get_temporal
from api.routes.objections import accept_answer, objection_view, record_objection, take_to_komisi
from api.schemas import DisputeIn, ObjectionIn
from api.state import AppState
from api.web.casework import clocks
from api.web.csrf import verify_csrf
from api.web.public.access import citizen_case
from api.web.public.tracking import page
from api.web.refusals import field_errors, refusal
from db.models import KomisiInformasi, Objection, TimelineEvent
from domain.objection_reasons import (
    OBJECTION_IN_PROGRESS,
    PLAIN_WORDS,
    RequestFacts,
    fitting_reasons,
    window,
)
from domain.status_labels import VALUE_LABELS

router = APIRouter(include_in_schema=False)

# The form's fields <- the API's (ObjectionIn, DisputeIn).
OBJECTION_FIELDS = {"reasons": "alasan_keberatan", "case_position": "kasus_posisi", "purpose": "tujuan"}
DISPUTE_FIELDS = {"statement": "pernyataan", "requested_outcome": "tuntutan"}
REASON_NEEDED = "Pilih sedikitnya satu alasan keberatan"
REASON_UNFIT = "Pilih alasan dari daftar ini; alasan lain tidak sesuai dengan keadaan permohonan Anda"
CHOICES = {"reasons": REASON_NEEDED}
# Where the objection may go next, by its status (Pasal 36-37): accepting or disputing needs the Atasan's answer,
# or T4 passing without one.
DECIDABLE = frozenset({"answered", "overdue"})
NOT_FOUND = HTTPException(404, "Keberatan ini tidak ditemukan pada permohonan Anda.")


def _section(request_id: str, objection_id: str, what: str) -> RedirectResponse:
    """Back to the case page, at the objection's section, with the flash of what was done."""
    return RedirectResponse(f"/lacak/{request_id}?pesan={what}#keberatan-{objection_id}", status_code=303)


def _message(request: Request, request_id: str, exc: HTTPException, title: str) -> Response:
    text = str(exc.detail) if isinstance(exc.detail, str) else "Tindakan ini tidak dapat dilakukan."
    context = {"title": title, "message": text, "request_id": request_id}
    return page(request, "publik/lacak_pesan.html", context, exc.status_code)


def _mapped(errors: dict[str, str], fields: dict[str, str]) -> dict[str, str]:
    return {fields.get(name, name): message for name, message in errors.items()}


async def komisi_name(session: AsyncSession, case: LoadedCase) -> str:
    """The Komisi Informasi with jurisdiction over the case's body (where a dispute goes, Pasal 37)."""
    komisi = await session.get(KomisiInformasi, case.body.komisi_id)
    return komisi.name if komisi is not None else "Komisi Informasi"


async def _objections(session: AsyncSession, request_id: str) -> list[Objection]:
    query = select(Objection).where(Objection.request_id == request_id).order_by(Objection.created_at)
    return list((await session.scalars(query)).all())


# --- /lacak/{id}/keberatan: the objection form -----------------------------------------------------------------


async def _objection_page(
    request: Request, session: AsyncSession, state: AppState, case: LoadedCase, *,
    values: dict[str, Any] | None = None, errors: dict[str, str] | None = None, refused: str | None = None,
    status_code: int = 200,
) -> Response:  # fmt: skip
    r = case.request
    rows = await _objections(session, r.id)
    now = await state.now()
    state_now = window(r.status, r.objection_deadline, now, [o.status for o in rows])
    facts = RequestFacts.of(r.decision, r.decided_late, r.objection_deadline is not None)
    events = (await session.scalars(select(TimelineEvent).where(TimelineEvent.case_id == r.id))).all()
    context = {
        "r": r, "body": case.body, "request_id": r.id, "window": state_now.value,
        "reason_options": [
            (code, PLAIN_WORDS[code], VALUE_LABELS["objection_reason"][code]) for code in fitting_reasons(facts)
        ],
        "values": values or {"tujuan": r.purpose}, "errors": errors or {}, "refused": refused,
        "t3": clocks(r, rows, list(events), {"T3"}).get("T3"),
        "running": next((o for o in reversed(rows) if o.status in OBJECTION_IN_PROGRESS), None),
        "posted": values is not None,
    }  # fmt: skip
    return page(request, "publik/keberatan_baru.html", context, status_code)


@router.get("/lacak/{request_id}/keberatan")
async def objection_form(request: Request, request_id: str, session: SessionDep, state: StateDep) -> Response:
    case = await citizen_case(request, session, request_id)
    return await _objection_page(request, session, state, case)


@router.post("/lacak/{request_id}/keberatan", dependencies=[Depends(verify_csrf)])
async def file_objection(request: Request, request_id: str, session: SessionDep, state: StateDep) -> Response:
    case = await citizen_case(request, session, request_id)
    form = await request.form()
    chosen = sorted({str(v) for v in form.getlist("alasan_keberatan")})[:7]
    values: dict[str, Any] = {
        "alasan_keberatan": chosen,
        "kasus_posisi": str(form.get("kasus_posisi") or "")[:5000],
        "tujuan": str(form.get("tujuan") or "")[:2000],
    }
    r = case.request
    errors: dict[str, str] = {}
    fitting = fitting_reasons(RequestFacts.of(r.decision, r.decided_late, r.objection_deadline is not None))
    if not chosen:
        errors["alasan_keberatan"] = REASON_NEEDED
    elif not set(chosen) <= set(fitting):
        errors["alasan_keberatan"] = REASON_UNFIT
    # "Tujuan" may be left empty: the objection's purpose is then the request's own.
    purpose = values["tujuan"].strip() or r.purpose[:2000]
    payload = None
    try:
        payload = ObjectionIn(reasons=chosen, case_position=values["kasus_posisi"], purpose=purpose)
    except ValidationError as exc:
        errors = _mapped(field_errors(exc, CHOICES), OBJECTION_FIELDS) | errors
    if errors or payload is None:
        return await _objection_page(
            request, session, state, case, values=values, errors=errors, status_code=422
        )
    try:
        filed = await record_objection(
            session, await get_temporal(state), None, None, request_id, payload, as_requester=True
        )
    except HTTPException as exc:
        fields, message = refusal(exc, CHOICES)
        return await _objection_page(
            request, session, state, case, values=values, errors=_mapped(fields, OBJECTION_FIELDS),
            refused=message, status_code=exc.status_code,
        )  # fmt: skip
    return _section(request_id, filed.id, "keberatan")


# --- the Atasan's answer accepted ------------------------------------------------------------------------------


async def _objection_of(session: AsyncSession, case: LoadedCase, objection_id: str) -> Objection:
    """The objection when it is one of this case's (a proven session opens only its own cases)."""
    objection = await session.get(Objection, objection_id) if len(objection_id) <= 32 else None
    if objection is None or objection.request_id != case.request.id:
        raise NOT_FOUND
    return objection


@router.post("/lacak/{request_id}/keberatan/{objection_id}/terima", dependencies=[Depends(verify_csrf)])
async def accept(
    request: Request, request_id: str, objection_id: str, session: SessionDep, state: StateDep
) -> Response:
    case = await citizen_case(request, session, request_id)
    try:
        await _objection_of(session, case, objection_id)
        await accept_answer(session, await get_temporal(state), None, None, objection_id, as_requester=True)
    except HTTPException as exc:
        return _message(request, request_id, exc, "Tanggapan tidak dapat diterima")
    return _section(request_id, objection_id, "diterima")


# --- /lacak/{id}/keberatan/{oid}/sengketa: the dispute at the Komisi Informasi ------------------------------------


async def _dispute_page(
    request: Request, session: AsyncSession, state: AppState, case: LoadedCase, objection: Objection, *,
    values: dict[str, str] | None = None, errors: dict[str, str] | None = None, refused: str | None = None,
    status_code: int = 200,
) -> Response:  # fmt: skip
    view = await objection_view(session, objection, case, False)
    now = await state.now()
    deadline = objection.dispute_deadline
    if view.dispute:
        standing = "filed"
    elif objection.status in DECIDABLE and deadline is not None and now <= deadline:
        standing = "open"
    elif objection.status == "registered":
        standing = "not_yet"
    else:
        standing = "closed"
    context = {
        "request_id": case.request.id, "body": case.body, "objection": view, "standing": standing,
        "komisi_name": await komisi_name(session, case), "values": values or {}, "errors": errors or {},
        "refused": refused,
    }  # fmt: skip
    return page(request, "publik/sengketa_baru.html", context, status_code)


@router.get("/lacak/{request_id}/keberatan/{objection_id}/sengketa")
async def dispute_form(
    request: Request, request_id: str, objection_id: str, session: SessionDep, state: StateDep
) -> Response:
    case = await citizen_case(request, session, request_id)
    try:
        objection = await _objection_of(session, case, objection_id)
    except HTTPException as exc:
        return _message(request, request_id, exc, "Keberatan tidak ditemukan")
    return await _dispute_page(request, session, state, case, objection)


@router.post("/lacak/{request_id}/keberatan/{objection_id}/sengketa", dependencies=[Depends(verify_csrf)])
async def file_dispute(
    request: Request, request_id: str, objection_id: str, session: SessionDep, state: StateDep,
    pernyataan: Annotated[str, Form(max_length=5000)] = "", tuntutan: Annotated[str, Form(max_length=2000)] = "",
) -> Response:  # fmt: skip
    case = await citizen_case(request, session, request_id)
    try:
        objection = await _objection_of(session, case, objection_id)
    except HTTPException as exc:
        return _message(request, request_id, exc, "Keberatan tidak ditemukan")
    values = {"pernyataan": pernyataan, "tuntutan": tuntutan}
    try:
        payload = DisputeIn(statement=pernyataan, requested_outcome=tuntutan)
    except ValidationError as exc:
        errors = _mapped(field_errors(exc), DISPUTE_FIELDS)
        return await _dispute_page(
            request, session, state, case, objection, values=values, errors=errors, status_code=422
        )
    try:
        await take_to_komisi(
            session, await get_temporal(state), None, None, objection_id, payload, as_requester=True
        )
    except HTTPException as exc:
        fields, message = refusal(exc)
        return await _dispute_page(
            request, session, state, case, objection, values=values, errors=_mapped(fields, DISPUTE_FIELDS),
            refused=message, status_code=exc.status_code,
        )  # fmt: skip
    return _section(request_id, objection_id, "sengketa")
