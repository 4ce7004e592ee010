"""The staff desk's disputes (sengketa, Pasal 37-48): the Komisi Informasi clerk's list with the T6/T7 state, the
dispute page with the clerk's actions allowed now (registration, stage, outcome) and the court objection, the
case file as a page and as downloads. Reading, scope and actions are the API's own (api/routes/disputes.py);
the respondent body's PPID and Atasan read theirs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from markupsafe import Markup
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from activities.case_file import render_case_file_body, render_case_file_html
from api.cases import load_case, staff_may_see, timeline_entries
from api.deps import SessionDep, Staff, StateDep, get_temporal
from api.routes.disputes import (
    dispute_for,
    dispute_list,
    is_clerk_of,
    record_court_objection,
    record_outcome,
    register_dispute,
    set_stage,
)
from api.schemas import CourtObjectionIn, DisputeOut, OutcomeIn, RegistrationIn, StageIn
from api.web.casework import clocks, message_page, page_number, sla_state, subject_events
from api.web.csrf import verify_csrf
from api.web.refusals import field_errors, refusal
from api.web.session import PageStaffDep
from api.web.templating import render
from db.models import Body, KomisiInformasi, Objection
from domain import law
from domain.court import ADJUDICATION_OUTCOMES, COURT_KINDS, court_article, court_kind
from domain.enums import DisputeStatus, Role
from domain.status_labels import VALUE_LABELS, status_label

router = APIRouter(prefix="/staf/sengketa", include_in_schema=False)

PAGE_SIZE = 25
STATUS_OPTIONS = [(s.value, status_label(s.value)) for s in DisputeStatus]
IN_PROGRESS = {
    DisputeStatus.REGISTERED.value,
    DisputeStatus.MEDIATION.value,
    DisputeStatus.ADJUDICATION.value,
}
OUTCOME_LABELS = VALUE_LABELS["dispute_outcome"]
CHOICES = {
    "stage": "Pilih tahap: mediasi atau ajudikasi",
    "outcome": "Pilih putusan Komisi Informasi",
}
FLASH = {
    "registrasi": "Sengketa teregistrasi: T6 dan T7 mulai berjalan. Para pihak diberi tahu melalui email.",
    "tahap": "Tahap penyelesaian tersimpan. Para pihak diberi tahu melalui email.",
    "putusan": "Putusan tersimpan. Para pihak diberi tahu melalui email.",
    "pengadilan": "Keberatan ke pengadilan tercatat; putusan belum berkekuatan hukum tetap.",
}


async def _body_names(session: AsyncSession) -> dict[str, str]:
    return dict((await session.execute(select(Body.slug, Body.name))).tuples().all())


@router.get("")
async def disputes_page(
    request: Request, staff: PageStaffDep, session: SessionDep, state: StateDep,
    status: Annotated[str, Query(max_length=16)] = "", halaman: Annotated[str, Query(max_length=6)] = "1",
) -> Response:  # fmt: skip
    chosen = status if status in dict(STATUS_OPTIONS) else ""
    disputes = await dispute_list(session, staff, status_is=chosen or None)
    pages = max(1, -(-len(disputes) // PAGE_SIZE))
    page = min(page_number(halaman), pages)
    now = await state.now()
    rows = []
    for d in disputes[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]:
        # T6 runs until the KI starts (sets a stage), T7 until its outcome (Pasal 38): their SLA while they run.
        t6 = await sla_state(session, d.start_due_at, now, None) if d.status == "registered" else None
        t7 = await sla_state(session, d.settle_due_at, now, None) if d.status in IN_PROGRESS else None
        rows.append({"d": d, "t6": t6, "t7": t7})
    context = {
        "nav": "disputes", "rows": rows, "total": len(disputes), "page": page, "pages": pages,
        "values": {"status": chosen}, "status_options": STATUS_OPTIONS, "bodies": await _body_names(session),
        "filter_query": f"status={chosen}" if chosen else "", "komisi": staff.role == Role.KOMISI,
    }  # fmt: skip
    return render(request, "staf/sengketa_daftar.html", context)


@router.get("/{dispute_id}")
async def dispute_page(
    request: Request, dispute_id: str, staff: PageStaffDep, session: SessionDep, state: StateDep,
    pesan: Annotated[str, Query(max_length=20)] = "",
) -> Response:  # fmt: skip
    return await _show(request, session, state, staff, dispute_id, flash=FLASH.get(pesan))


def _stage_choices(d: DisputeOut, reasons: list[str]) -> tuple[list[tuple[str, str]], str | None]:
    """The stages the clerk may choose now, and why mediation is not among them (Pasal 40 ayat (2))."""
    if d.status == DisputeStatus.MEDIATION.value:
        note = "Mediasi sedang berjalan; bila tidak tercapai kesepakatan, lanjutkan ke ajudikasi."
        return [("adjudication", "Ajudikasi")], note
    if d.status != DisputeStatus.REGISTERED.value:
        return [], None
    if set(reasons) & law.MEDIATION_REASONS:
        return [("mediation", "Mediasi"), ("adjudication", "Ajudikasi")], None
    listed = ", ".join(reasons)
    letters = f"{min(law.MEDIATION_REASONS)}–{max(law.MEDIATION_REASONS)}"
    why = (
        f"Mediasi tidak ditawarkan: mediasi hanya untuk keberatan beralasan huruf {letters} (Pasal 40 ayat (2)), "
        f"sedangkan keberatan ini beralasan huruf {listed} (penolakan berdasarkan pengecualian Pasal 17). "
        "Sengketa ini diselesaikan melalui ajudikasi."
    )
    return [("adjudication", "Ajudikasi")], why


def _outcome_choices(d: DisputeOut) -> list[tuple[str, str]]:
    """The outcomes the workflow may accept now: before registration only a withdrawal; a mediation agreement
    only in mediation. Whatever else the workflow refuses (its 409) is said beside the form."""
    if d.status == DisputeStatus.SUBMITTED.value:
        return [("withdrawn", OUTCOME_LABELS["withdrawn"])]
    if d.status not in IN_PROGRESS:
        return []
    mediation = d.status == DisputeStatus.MEDIATION.value
    return [(k, v) for k, v in OUTCOME_LABELS.items() if k != "mediation_agreement" or mediation]


OUTCOME_HINTS = {
    DisputeStatus.SUBMITTED.value: "Sebelum registrasi, permohonan hanya dapat dicabut.",
    DisputeStatus.MEDIATION.value: "Dalam tahap mediasi hanya kesepakatan mediasi atau pencabutan permohonan; untuk "
    "putusan ajudikasi tetapkan dahulu tahap Ajudikasi (Pasal 42).",
}
OUTCOME_HINT = (
    "Putusan ajudikasi mengabulkan atau menolak permohonan informasi; kesepakatan mediasi hanya dari tahap "
    "mediasi (Pasal 39)."
)


async def _show(
    request: Request, session: AsyncSession, state: StateDep, staff: Staff, dispute_id: str, *,
    failed: str | None = None, values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
    form_error: str | None = None, status_code: int = 200, flash: str | None = None,
) -> Response:  # fmt: skip
    try:
        d = await dispute_for(session, dispute_id, staff)
    except HTTPException as exc:
        return message_page(request, exc)
    case = await load_case(session, d.request_id)
    objection = await session.get(Objection, d.objection_id)
    komisi = await session.scalar(select(KomisiInformasi).where(KomisiInformasi.slug == d.komisi_informasi))
    assert objection is not None and komisi is not None
    events = await subject_events(session, d.id)
    now = await state.now()
    clerk = is_clerk_of(staff, d)
    body_staff = staff.role != Role.KOMISI and staff_may_see(staff, case)
    respondent_ppid = staff.role == Role.PPID and staff_may_see(staff, case)
    adjudicated = (d.outcome or {}).get("outcome") in ADJUDICATION_OUTCOMES
    stages, no_mediation = _stage_choices(d, objection.reasons) if clerk else ([], None)
    kind = court_kind(case.body.state_body)
    context: dict[str, Any] = {
        "nav": "disputes", "d": d, "body": case.body, "komisi": komisi, "reasons": objection.reasons,
        "requester_name": case.request.requester_name, "clerk": clerk, "body_staff": body_staff, "flash": flash,
        "timeline": timeline_entries(events, komisi.timezone, "staff"),
        "deadlines": clocks(case.request, [], events, {"T6", "T7", "T8"}),
        "t6_sla": await sla_state(session, d.start_due_at, now, None) if d.status == "registered" else None,
        "t7_sla": await sla_state(session, d.settle_due_at, now, None) if d.status in IN_PROGRESS else None,
        "t8_sla": await sla_state(session, d.final_at, now, None) if d.status == "decided" else None,
        "can_register": clerk and d.status == DisputeStatus.SUBMITTED.value,
        "stage_options": stages, "no_mediation": no_mediation,
        "outcome_options": _outcome_choices(d) if clerk else [],
        "outcome_hint": OUTCOME_HINTS.get(d.status, OUTCOME_HINT),
        "can_court": (clerk or respondent_ppid) and d.status == DisputeStatus.DECIDED.value and adjudicated
        and d.final_at is not None and now <= d.final_at,
        "court_kind": COURT_KINDS[kind], "court_article": court_article(kind),
        "failed": failed, "values": values or {}, "errors": errors or {}, "form_error": form_error,
        "today": now.astimezone(d.submitted_at.tzinfo).date().isoformat(),
    }  # fmt: skip
    return render(request, "staf/sengketa.html", context, status_code=status_code)


Action = Callable[[AsyncSession, Client, Staff, str, Any], Awaitable[DisputeOut]]


async def _act(
    request: Request, session: AsyncSession, state: StateDep, staff: Staff, dispute_id: str, *, form: str,
    values: dict[str, str], model: type[BaseModel], action: Action,
) -> Response:  # fmt: skip
    """One of the dispute page's forms: validated as the API validates it, done by the API's own function;
    a refusal re-renders the page with the message beside that form and what was typed."""
    again: dict[str, Any] = {"failed": form, "values": values}
    try:
        payload = model(**{k: v for k, v in values.items() if v.strip()})
    except ValidationError as exc:
        errors = field_errors(exc, CHOICES)
        return await _show(
            request, session, state, staff, dispute_id, errors=errors, status_code=422, **again
        )
    try:
        await action(session, await get_temporal(state), staff, dispute_id, payload)
    except HTTPException as exc:
        if exc.status_code == 404:
            return message_page(request, exc)
        errors, message = refusal(exc, CHOICES)
        return await _show(
            request, session, state, staff, dispute_id, errors=errors, form_error=message,
            status_code=exc.status_code, **again,
        )  # fmt: skip
    return RedirectResponse(f"/staf/sengketa/{dispute_id}?pesan={form}#isi", status_code=303)


@router.post("/{dispute_id}/registrasi", dependencies=[Depends(verify_csrf)])
async def register(
    request: Request, dispute_id: str, staff: PageStaffDep, session: SessionDep, state: StateDep,
    register_number: Annotated[str, Form(max_length=120)] = "",
) -> Response:  # fmt: skip
    values = {"register_number": register_number}
    return await _act(
        request, session, state, staff, dispute_id, form="registrasi", values=values, model=RegistrationIn,
        action=register_dispute,
    )  # fmt: skip


@router.post("/{dispute_id}/tahap", dependencies=[Depends(verify_csrf)])
async def stage(
    request: Request, dispute_id: str, staff: PageStaffDep, session: SessionDep, state: StateDep,
    stage: Annotated[str, Form(max_length=16)] = "",
) -> Response:  # fmt: skip
    return await _act(
        request, session, state, staff, dispute_id, form="tahap", values={"stage": stage}, model=StageIn,
        action=set_stage,
    )  # fmt: skip


@router.post("/{dispute_id}/putusan", dependencies=[Depends(verify_csrf)])
async def outcome(
    request: Request, dispute_id: str, staff: PageStaffDep, session: SessionDep, state: StateDep,
    outcome: Annotated[str, Form(max_length=40)] = "", decision_number: Annotated[str, Form(max_length=120)] = "",
    summary: Annotated[str, Form(max_length=5000)] = "", disclosure_due: Annotated[str, Form(max_length=10)] = "",
) -> Response:  # fmt: skip
    values = {"outcome": outcome, "decision_number": decision_number, "summary": summary,
              "disclosure_due": disclosure_due}  # fmt: skip
    return await _act(
        request, session, state, staff, dispute_id, form="putusan", values=values, model=OutcomeIn,
        action=record_outcome,
    )  # fmt: skip


@router.post("/{dispute_id}/pengadilan", dependencies=[Depends(verify_csrf)])
async def court(
    request: Request, dispute_id: str, staff: PageStaffDep, session: SessionDep, state: StateDep,
    court: Annotated[str, Form(max_length=200)] = "", filed_on: Annotated[str, Form(max_length=10)] = "",
    case_number: Annotated[str, Form(max_length=120)] = "",
) -> Response:  # fmt: skip
    now = await state.now()

    async def record(
        session: AsyncSession, temporal: Client, staff: Staff, dispute_id: str, payload: Any
    ) -> DisputeOut:
        return await record_court_objection(session, temporal, staff, dispute_id, payload, now=now)

    values = {"court": court, "filed_on": filed_on, "case_number": case_number}
    return await _act(
        request, session, state, staff, dispute_id, form="pengadilan", values=values, model=CourtObjectionIn,
        action=record,
    )  # fmt: skip


# --- the case file -----------------------------------------------------------------------------------------


async def _case_file(
    session: AsyncSession, staff: Staff, dispute_id: str
) -> tuple[DisputeOut, dict[str, Any]]:
    """The case file as the caller may read it (the NIK complete for the KI clerk only), or 403/404."""
    d = await dispute_for(session, dispute_id, staff)
    if not d.case_file:
        raise HTTPException(404, "Berkas perkara sengketa ini belum tersusun.")
    return d, d.case_file


def _filename(d: DisputeOut, extension: str) -> dict[str, str]:
    stem = "berkas-perkara-" + d.registration_number.replace("/", "-")
    return {"Content-Disposition": f'attachment; filename="{stem}.{extension}"', "Cache-Control": "no-store"}


@router.get("/{dispute_id}/berkas")
async def case_file_page(
    request: Request, dispute_id: str, staff: PageStaffDep, session: SessionDep
) -> Response:
    try:
        d, case_file = await _case_file(session, staff, dispute_id)
    except HTTPException as exc:
        return message_page(request, exc)
    document = Markup(render_case_file_body(case_file))  # rendered by an autoescaping template
    context = {"nav": "disputes", "d": d, "document": document, "clerk": is_clerk_of(staff, d)}
    return render(request, "staf/berkas.html", context)


@router.get("/{dispute_id}/berkas.json")
async def case_file_json(
    request: Request, dispute_id: str, staff: PageStaffDep, session: SessionDep
) -> Response:
    try:
        d, case_file = await _case_file(session, staff, dispute_id)
    except HTTPException as exc:
        return message_page(request, exc)
    return JSONResponse(case_file, headers=_filename(d, "json"))


@router.get("/{dispute_id}/berkas.html")
async def case_file_html(
    request: Request, dispute_id: str, staff: PageStaffDep, session: SessionDep
) -> Response:
    try:
        d, case_file = await _case_file(session, staff, dispute_id)
    except HTTPException as exc:
        return message_page(request, exc)
    return HTMLResponse(render_case_file_html(case_file), headers=_filename(d, "html"))
