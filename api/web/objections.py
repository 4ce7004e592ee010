"""The staff desk's objections (keberatan, Pasal 35-36): the caller's list and the objection page with the Atasan
PPID's answer form. The reading, the scope and the answer are the API's own (api/routes/objections.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from api.deps import SessionDep, Staff, StateDep, get_temporal
from api.routes.objections import (
    answer_objection,
    objection_list,
    objection_view,
    objection_years,
    staff_objection,
)
from api.schemas import ResponseIn
from api.web.casework import clocks, message_page, page_number, sla_state, subject_events
from api.web.csrf import verify_csrf
from api.web.refusals import field_errors, refusal
from api.web.session import PageStaffDep
from api.web.templating import render
from domain.enums import ObjectionStatus, Role
from domain.status_labels import status_label

router = APIRouter(prefix="/staf/keberatan", include_in_schema=False)

STATUS_OPTIONS = [(s.value, status_label(s.value)) for s in ObjectionStatus]
ANSWER_OPTIONS = [
    ("granted", "Mengabulkan"),
    ("partially_granted", "Mengabulkan sebagian"),
    ("upheld", "Menguatkan penolakan"),
]
CHOICES = {"outcome": "Pilih tanggapan: mengabulkan, mengabulkan sebagian, atau menguatkan penolakan"}
ANSWERABLE = (ObjectionStatus.REGISTERED.value, ObjectionStatus.OVERDUE.value)
FLASH = {"tanggapan": "Tanggapan tersimpan. Pemohon dan PPID diberi tahu melalui email."}


@router.get("")
async def objections_page(
    request: Request, staff: PageStaffDep, session: SessionDep, state: StateDep,
    status: Annotated[str, Query(max_length=16)] = "", tahun: Annotated[str, Query(max_length=4)] = "",
    halaman: Annotated[str, Query(max_length=6)] = "1",
) -> Response:  # fmt: skip
    chosen = status if status in dict(STATUS_OPTIONS) else ""
    year = int(tahun) if tahun.isdecimal() else None
    try:
        found = await objection_list(
            session, staff, status_is=chosen or None, year=year, page=page_number(halaman)
        )
    except HTTPException:  # the Komisi Informasi: its desk is the disputes
        refused = HTTPException(403, "Keberatan ditangani badan publik. Sengketa Anda ada di menu Sengketa.")
        return message_page(request, refused)
    now = await state.now()
    rows = []
    for item in found.items:  # T4 runs while the objection waits for its answer
        running = item.status == ObjectionStatus.REGISTERED.value
        rows.append(
            {"o": item, "sla": await sla_state(session, item.due_at, now, item.body) if running else None}
        )
    query = {"status": chosen, "tahun": str(year or "")}
    years = [(str(y), str(y)) for y in await objection_years(session, staff)]
    context = {
        "nav": "objections", "rows": rows, "found": found, "values": query, "status_options": STATUS_OPTIONS,
        "year_options": years, "filter_query": "&".join(f"{k}={v}" for k, v in query.items() if v),
    }  # fmt: skip
    return render(request, "staf/keberatan_daftar.html", context)


@router.get("/{objection_id}")
async def objection_page(
    request: Request, objection_id: str, staff: PageStaffDep, session: SessionDep, state: StateDep,
    pesan: Annotated[str, Query(max_length=20)] = "",
) -> Response:  # fmt: skip
    return await _show(request, session, state, staff, objection_id, flash=FLASH.get(pesan))


async def _show(
    request: Request, session: SessionDep, state: StateDep, staff: Staff, objection_id: str, *,
    values: dict[str, str] | None = None, errors: dict[str, str] | None = None, form_error: str | None = None,
    status_code: int = 200, flash: str | None = None,
) -> Response:  # fmt: skip
    try:
        objection, case = await staff_objection(session, staff, objection_id)
    except HTTPException as exc:
        return message_page(request, exc)
    view = await objection_view(session, objection, case, True)
    deadlines = clocks(case.request, [objection], await subject_events(session, objection.id), {"T4", "T5"})
    now = await state.now()
    open_t4 = objection.status == ObjectionStatus.REGISTERED.value
    context: dict[str, Any] = {
        "nav": "objections", "o": view, "requester_name": case.request.requester_name, "body": case.body,
        "unit": case.unit, "deadlines": deadlines, "flash": flash,
        "t4_sla": await sla_state(session, view.due_at, now, case.body.slug) if open_t4 else None,
        "can_answer": staff.role == Role.ATASAN_PPID and objection.status in ANSWERABLE,
        "answer_options": ANSWER_OPTIONS, "values": values or {}, "errors": errors or {}, "form_error": form_error,
        "filed_by_staff": objection.filed_by_staff,
    }  # fmt: skip
    return render(request, "staf/keberatan.html", context, status_code=status_code)


@router.post("/{objection_id}/tanggapan", dependencies=[Depends(verify_csrf)])
async def answer(
    request: Request, objection_id: str, staff: PageStaffDep, session: SessionDep, state: StateDep,
    outcome: Annotated[str, Form(max_length=32)] = "", reasons: Annotated[str, Form(max_length=5000)] = "",
    order: Annotated[str, Form(max_length=5000)] = "",
) -> Response:  # fmt: skip
    values = {"outcome": outcome, "reasons": reasons, "order": order}
    given = {k: v for k, v in values.items() if v.strip()}
    try:
        payload = ResponseIn(**given)
    except ValidationError as exc:
        errors = field_errors(exc, CHOICES)
        return await _show(
            request, session, state, staff, objection_id, values=values, errors=errors, status_code=422
        )
    try:
        await answer_objection(session, await get_temporal(state), staff, objection_id, payload)
    except HTTPException as exc:
        if exc.status_code == 404:
            return message_page(request, exc)
        errors, message = refusal(exc, CHOICES)
        return await _show(
            request, session, state, staff, objection_id, values=values, errors=errors, form_error=message,
            status_code=exc.status_code,
        )  # fmt: skip
    return RedirectResponse(f"/staf/keberatan/{objection_id}?pesan=tanggapan#isi", status_code=303)
