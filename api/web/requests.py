"""The staff desk's requests (permohonan): the caller's list, the case page with the actions allowed now (assign,
extend, decide with its attachment, an objection recorded on the requester's behalf), the desk intake for
walk-in, telephone, letter and email requests and its printable tanda bukti penerimaan (Pasal 22 ayat (4)).

Every reading, scope check and action is the API's own (api/routes/requests.py, api/routes/objections.py); a
page only turns a form into the API's input and a refusal (422, 409, 403) into messages beside the form."""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from starlette.datastructures import UploadFile

from api.cases import LoadedCase, case_view, load_case, require_view
from api.deps import SessionDep, Staff, StateDep, get_temporal
from api.documents import (
    ACCEPT,
    MAX_DOCUMENT_MB,
    MAX_DOCUMENTS,
    MAX_TOTAL_MB,
    DocumentRefused,
    Upload,
    read_uploads,
    serve_document,
)
from api.routes.objections import record_objection
from api.routes.requests import (
    assign_request,
    decide_request,
    extend_request,
    register_request,
    request_list,
    request_years,
)
from api.routes.tasks import deliver, sla
from api.schemas import (
    EXEMPTION_ARTICLES,
    AssignIn,
    DecisionIn,
    DeliveryIn,
    ExtensionIn,
    ObjectionIn,
    RequestIn,
)
from api.web.casework import message_page, page_number, sla_state
from api.web.csrf import verify_csrf
from api.web.forms import (
    CHOICES,
    INTAKE_FIELDS,
    REQUEST_FORM_NAMES,
    FormState,
    form_errors,
    form_key,
    posted_values,
    request_data,
)
from api.web.forms import blank_to_none as _blank_to_none
from api.web.forms import refused as _refused
from api.web.session import PageStaffDep
from api.web.templating import render
from db.calendar_repo import load_calendar
from db.filestore import FileStore
from db.models import DikEntry, Notification, Objection, Task, Unit
from domain import law
from domain.calendar import WorkingCalendar
from domain.delivery import COMPLY_TASK, DELIVER_TASK, DELIVERY_TASK_KINDS, HANDOVER_LABELS
from domain.enums import Channel, DecisionOutcome, RequestStatus, Role
from domain.exceptions import GROUNDS
from domain.identity import mask_nik
from domain.status_labels import VALUE_LABELS, status_label
from domain.tracking import tracking_code

router = APIRouter(prefix="/staf/permohonan", include_in_schema=False)

STATUS_OPTIONS = [(s.value, status_label(s.value)) for s in RequestStatus]
# The outcomes as the desk's "Keputusan" names them (CONTRACT §8), in the order of Pasal 22 ayat (7).
OUTCOME_OPTIONS = [
    (DecisionOutcome.GRANTED.value, "Diberikan"),
    (DecisionOutcome.PARTIALLY_GRANTED.value, "Diberikan sebagian"),
    (DecisionOutcome.REJECTED.value, "Ditolak"),
    (DecisionOutcome.NOT_HELD.value, "Tidak dikuasai"),
    (DecisionOutcome.NOT_YET_DOCUMENTED.value, "Belum didokumentasikan"),
]
NEEDS_EXEMPTION = {DecisionOutcome.REJECTED.value, DecisionOutcome.PARTIALLY_GRANTED.value}
# Pasal 17 huruf a-j: what the excepted information would do if opened (UU 14/2008).
ARTICLE_MEANINGS = {
    "17a": "menghambat proses penegakan hukum",
    "17b": "mengganggu perlindungan hak atas kekayaan intelektual dan dari persaingan usaha tidak sehat",
    "17c": "membahayakan pertahanan dan keamanan negara",
    "17d": "mengungkapkan kekayaan alam Indonesia",
    "17e": "merugikan ketahanan ekonomi nasional",
    "17f": "merugikan kepentingan hubungan luar negeri",
    "17g": "mengungkapkan isi akta otentik yang bersifat pribadi dan kemauan terakhir atau wasiat seseorang",
    "17h": "mengungkap rahasia pribadi",
    "17i": "memorandum atau surat antar/intra badan publik yang menurut sifatnya dirahasiakan",
    "17j": "informasi yang tidak boleh diungkapkan berdasarkan undang-undang",
}
ARTICLE_OPTIONS = [(a, f"Pasal 17 huruf {a[-1]}: {ARTICLE_MEANINGS[a]}") for a in EXEMPTION_ARTICLES]
# The objection's grounds (Pasal 35 ayat (1)) as the checkboxes' labels; the article each names is said beside the
# label, so that the decision form's "Pasal" stays the only control named so on the page.
REASON_OPTIONS = [
    (code, re.sub(r"\s*\(Pasal \d+\)$", "", text), (re.search(r"\((Pasal \d+)\)$", text) or [None, None])[1])
    for code, text in VALUE_LABELS["objection_reason"].items()
]
DESK_CHANNELS = [
    (Channel.WALK_IN.value, "Datang langsung ke meja layanan"),
    (Channel.PHONE.value, "Lewat telepon"),
    (Channel.LETTER.value, "Lewat surat"),
    (Channel.EMAIL.value, "Lewat email"),
]
KIND_OPTIONS = list(VALUE_LABELS["requester_kind"].items())
OBTAIN_OPTIONS = list(VALUE_LABELS["obtain_method"].items())
COPY_OPTIONS = list(VALUE_LABELS["copy_format"].items())
DELIVERY_OPTIONS = list(VALUE_LABELS["delivery_method"].items())
FLASH = {
    "penugasan": "Permohonan diteruskan ke unit. PPID unit diberi tahu melalui email.",
    "perpanjangan": f"Jangka waktu diperpanjang {law.T2.days_text()}. Pemohon diberi tahu alasan dan batas waktu "
    "barunya.",
    "keputusan": "Keputusan tersimpan. Pemberitahuan tertulis dikirim kepada pemohon.",
    "keberatan": "Keberatan dicatat atas nama pemohon dan diteruskan kepada Atasan PPID.",
    "penyerahan": "Penyerahan informasi tercatat; tugasnya selesai dan pemohon diberi tahu.",
}
CLOCK_TITLES = {
    "T1": "T1: pemberitahuan tertulis",
    "T2": "T2: pemberitahuan tertulis setelah perpanjangan",
    "T3": "T3: pengajuan keberatan",
    "T4": "T4: tanggapan Atasan PPID",
    "T5": "T5: pengajuan sengketa",
    "T6": "T6: dimulainya penyelesaian sengketa",
    "T7": "T7: penyelesaian sengketa",
    "T8": "T8: keberatan ke pengadilan",
}
OBJECTION_RUNNING = {"registered", "answered", "overdue"}  # the request's workflow takes no other objection
ANCHORS = {
    "assign": "penugasan", "extend": "perpanjangan", "decide": "keputusan", "object": "keberatan",
    "deliver": "penyerahan",
}  # fmt: skip
DELIVERY_FIELDS = {
    "delivered_on": "tanggal_penyerahan", "method": "cara_penyerahan", "note": "catatan_penyerahan",
}  # fmt: skip
HANDOVER_OPTIONS = [(value, text[:1].upper() + text[1:]) for value, text in HANDOVER_LABELS.items()]
DELIVERY_TASK_TITLES = {
    DELIVER_TASK: "Informasi yang diberikan (keputusan PPID atau tanggapan Atasan PPID) belum tercatat diserahkan",
    COMPLY_TASK: "Putusan Komisi Informasi memerintahkan informasi dibuka; pelaksanaannya belum tercatat",
}
RUNNING = {RequestStatus.RECEIVED.value, RequestStatus.EXTENDED.value}
ASSIGNABLE = RUNNING | {RequestStatus.OVERDUE.value}
# After a decision or T1/T2 lapsing, and no objection in progress: an objection may be filed (the workflow says
# whether it is late).
OBJECTABLE = {RequestStatus.DECIDED.value, RequestStatus.OVERDUE.value, RequestStatus.CLOSED.value}

# Form field -> the API's field (dotted path of its 422), per form.
EXTEND_FIELDS = {"reason": "alasan"}
DECIDE_FIELDS = {
    "outcome": "keputusan", "exemption": "pasal", "exemption.article": "pasal",
    "exemption.consequence_test": "uji_konsekuensi", "exemption.dik_entry": "entri_dik",
    "redactions": "dihitamkan", "holder_body": "badan_penguasa",
    "fee_idr": "biaya", "note": "catatan",
}  # fmt: skip
OBJECT_FIELDS = {
    "reasons": "alasan_keberatan", "case_position": "kasus_posisi", "purpose": "tujuan",
    "late_override_reason": "alasan_terlambat",
}  # fmt: skip
ASSIGN_FIELDS = {"unit": "unit"}


# --- The list ---------------------------------------------------------------------------------------------


@router.get("")
async def requests_page(
    request: Request, staff: PageStaffDep, session: SessionDep, state: StateDep,
    status: Annotated[str, Query(max_length=32)] = "", tahun: Annotated[str, Query(max_length=4)] = "",
    unit: Annotated[str, Query(max_length=64)] = "", q: Annotated[str, Query(max_length=120)] = "",
    halaman: Annotated[str, Query(max_length=6)] = "1",
) -> Response:  # fmt: skip
    chosen = status if status in dict(STATUS_OPTIONS) else ""
    year = int(tahun) if tahun.isascii() and tahun.isdecimal() and 1970 <= int(tahun) <= 2200 else None
    unit_options = await _unit_options(session, staff)
    unit_slug = unit if unit in dict(unit_options) else ""
    try:
        found = await request_list(
            session, staff, status_is=chosen or None, year=year, unit=unit_slug or None, q=q,
            page=page_number(halaman),
        )  # fmt: skip
    except HTTPException as exc:  # the Komisi Informasi: its desk is the disputes
        return message_page(request, exc)
    now = await state.now()
    calendars: dict[str, WorkingCalendar] = {}
    rows = []
    for item in found.items:  # T1/T2 runs until the written notice
        state_of = None
        if item.status in RUNNING:
            if item.body not in calendars:
                calendars[item.body] = await load_calendar(session, item.body)
            tz = getattr(item.due_at.tzinfo, "key", "Asia/Jakarta")
            state_of = sla(item.due_at, now, tz, calendars[item.body])
        rows.append({"r": item, "sla": state_of})
    query = {"status": chosen, "tahun": str(year or ""), "unit": unit_slug, "q": q.strip()}
    context = {
        "nav": "requests", "rows": rows, "found": found, "values": query, "status_options": STATUS_OPTIONS,
        "year_options": [(str(y), str(y)) for y in await request_years(session, staff)],
        "unit_options": unit_options, "filter_query": urlencode({k: v for k, v in query.items() if v}),
        "unit_names": dict(unit_options), "filtered": any(query.values()),
    }  # fmt: skip
    return render(request, "staf/permohonan_daftar.html", context)


async def _unit_options(session: SessionDep, staff: Staff) -> list[tuple[str, str]]:
    """The units the caller may filter on: their body's (an admin: every body's, by code), none for a unit PPID."""
    if staff.unit_id is not None or staff.role == Role.KOMISI:
        return []
    query = select(Unit.slug, Unit.name).order_by(Unit.name)
    if staff.body_id is not None:
        query = query.where(Unit.body_id == staff.body_id)
    options: dict[str, str] = {}
    for slug, name in (await session.execute(query)).all():
        options.setdefault(slug, name)
    return sorted(options.items(), key=lambda item: item[1])


# --- Desk intake (before /{request_id}) ---------------------------------------------------------------------

INTAKE_DEFAULTS = {"saluran": Channel.WALK_IN.value, "jenis": "individual", "cara_memperoleh": "copy",
                   "bentuk_salinan": "softcopy", "cara_mendapatkan": "email"}  # fmt: skip
NOT_A_DESK_OFFICER = HTTPException(403, "Hanya petugas PPID yang mencatat permohonan di meja layanan")


@router.get("/baru")
async def intake_page(request: Request, staff: PageStaffDep, session: SessionDep) -> Response:
    if staff.role != Role.PPID:
        return message_page(request, NOT_A_DESK_OFFICER)
    values = INTAKE_DEFAULTS | {"kunci": uuid.uuid4().hex}
    return await _intake(request, session, staff, values, {}, None)


async def _intake(
    request: Request, session: SessionDep, staff: Staff, values: dict[str, Any], errors: dict[str, str],
    message: str | None, status_code: int = 200,
) -> Response:  # fmt: skip
    units = (
        [] if staff.unit_id is not None
        else [(slug, name) for slug, name in (await session.execute(
            select(Unit.slug, Unit.name).where(Unit.body_id == staff.body_id).order_by(Unit.name))).all()]
    )  # fmt: skip
    context = {
        "nav": "intake", "values": values, "errors": errors, "form_error": message, "units": units,
        "channel_options": DESK_CHANNELS, "kind_options": KIND_OPTIONS, "obtain_options": OBTAIN_OPTIONS,
        "copy_options": COPY_OPTIONS, "delivery_options": DELIVERY_OPTIONS,
    }  # fmt: skip
    return render(request, "staf/permohonan_baru.html", context, status_code=status_code)


@router.post("/baru", dependencies=[Depends(verify_csrf)])
async def record_intake(
    request: Request, staff: PageStaffDep, session: SessionDep, state: StateDep
) -> Response:
    if staff.role != Role.PPID:
        return message_page(request, NOT_A_DESK_OFFICER)
    form = await request.form()
    values = posted_values(form, ["saluran", "unit", *REQUEST_FORM_NAMES])
    unit = staff.unit_slug if staff.unit_id is not None else (values["unit"].strip() or None)
    data = request_data(values, body=staff.body_slug, unit=unit, channel=values["saluran"].strip() or None)
    values["kunci"] = form_key(values["kunci"])
    try:
        payload = RequestIn.model_validate(data)
    except ValidationError as exc:
        errors = form_errors(exc.errors(), INTAKE_FIELDS)
        message = errors.pop("form", None)
        return await _intake(request, session, staff, values, errors, message, 422)
    if payload.channel == Channel.WEB:  # the desk records what did not come through the web form
        errors = {"saluran": CHOICES["saluran"]}
        return await _intake(request, session, staff, values, errors, None, 422)
    try:
        created, _ = await register_request(session, state, staff, payload, f"meja-{values['kunci']}")
    except HTTPException as exc:
        errors, message = _refused(exc, INTAKE_FIELDS)
        return await _intake(request, session, staff, values, errors, message, exc.status_code)
    request.session["tanda_bukti"] = created.id  # the tracking code is shown on this officer's receipt page
    return RedirectResponse(f"/staf/permohonan/{created.id}/tanda-bukti", status_code=303)


@router.get("/{request_id}/tanda-bukti")
async def receipt_page(
    request: Request, request_id: str, staff: PageStaffDep, session: SessionDep, state: StateDep
) -> Response:
    try:
        case = await load_case(session, request_id)
        require_view(staff, None, case)
    except HTTPException as exc:
        return message_page(request, exc)
    r = case.request
    fresh = request.session.get("tanda_bukti") == r.id  # printed at intake: with the requester's code
    view = await case_view(session, case, "staff")
    context = {
        "nav": "intake", "case": view, "r": r, "body": case.body, "unit": case.unit,
        "nik": mask_nik(r.nik), "code": tracking_code(r.id, state.tracking_secret) if fresh else None,
        "public_url": state.settings.public_url, "labels": VALUE_LABELS,
        "t1": next((d for d in view.deadlines if d.clock == "T1"), None),
    }  # fmt: skip
    return render(request, "staf/tanda_bukti.html", context)


# --- The case page ------------------------------------------------------------------------------------------


@router.get("/{request_id}")
async def case_page(
    request: Request, request_id: str, staff: PageStaffDep, session: SessionDep, state: StateDep,
    pesan: Annotated[str, Query(max_length=20)] = "",
) -> Response:  # fmt: skip
    return await _show(request, session, state, staff, request_id, flash=FLASH.get(pesan))


async def _show(
    request: Request, session: SessionDep, state: StateDep, staff: Staff, request_id: str, *,
    posted: FormState | None = None, status_code: int = 200, flash: str | None = None,
) -> Response:  # fmt: skip
    try:
        case = await load_case(session, request_id)
        require_view(staff, None, case)
    except HTTPException as exc:
        return message_page(request, exc)
    view = await case_view(session, case, "staff")
    r = case.request
    now = await state.now()
    notices = (
        await session.scalars(
            select(Notification)
            .where(Notification.case_id == r.id)
            .order_by(Notification.created_at, Notification.id)
        )
    ).all()
    objections = (
        await session.scalars(
            select(Objection).where(Objection.request_id == r.id).order_by(Objection.created_at)
        )
    ).all()
    units = (
        await session.scalars(select(Unit).where(Unit.body_id == case.body.id).order_by(Unit.name))
    ).all()
    acting = staff.role == Role.PPID  # require_view passed: the PPID of the body or of the request's unit
    delivery_task = await session.scalar(
        select(Task)
        .where(Task.case_id == r.id, Task.status == "open", Task.kind.in_(DELIVERY_TASK_KINDS))
        .order_by(Task.due_at.is_(None), Task.due_at, Task.id)
    )
    window_over = r.objection_deadline is not None and now > r.objection_deadline
    allowed = {
        "assign": acting and staff.unit_id is None and r.status in ASSIGNABLE,
        "extend": acting and r.status == RequestStatus.RECEIVED.value and not r.extended and now <= r.due_at,
        "decide": acting and r.decision is None and r.status != RequestStatus.CLOSED.value,
        "deliver": acting and delivery_task is not None,
        "object": acting
        and r.status in OBJECTABLE
        and not any(o.status in OBJECTION_RUNNING for o in objections),
    }
    shown = {name: ok or (posted is not None and posted.name == name) for name, ok in allowed.items()}
    forms = {name: FormState(name) for name in allowed}
    if posted is not None:
        forms[posted.name] = posted
    running = r.status in RUNNING
    dik_options = await dik_entry_options(session, case.body.id) if allowed["decide"] else []
    context = {
        "nav": "requests", "case": view, "r": r, "body": case.body, "unit": case.unit, "flash": flash,
        "labels": VALUE_LABELS, "nik": mask_nik(r.nik), "notices": notices, "objections": objections,
        "units": [(u.slug, u.name) for u in units if not case.unit or u.id != case.unit.id],
        "shown": shown, "forms": forms, "acting": acting, "late_objection": window_over or r.status == "closed",
        "due_sla": await sla_state(session, view.due_at, now, case.body.slug) if running else None,
        "clock_titles": CLOCK_TITLES, "outcome_options": OUTCOME_OPTIONS, "outcome_labels": dict(OUTCOME_OPTIONS),
        "article_options": ARTICLE_OPTIONS, "article_meanings": ARTICLE_MEANINGS, "reason_options": REASON_OPTIONS,
        "accept": ACCEPT, "max_mb": MAX_DOCUMENT_MB, "max_files": MAX_DOCUMENTS, "max_total_mb": MAX_TOTAL_MB,
        "tz": case.body.timezone, "dik_options": dik_options,
        "delivery_task": delivery_task, "handover_options": HANDOVER_OPTIONS,
        "delivery_title": DELIVERY_TASK_TITLES.get(delivery_task.kind, "") if delivery_task else "",
        "posted_anchor": ANCHORS[posted.name] if posted and (posted.errors or posted.message) else None,
    }  # fmt: skip
    return render(request, "staf/permohonan.html", context, status_code=status_code)


async def dik_entry_options(session: SessionDep, body_id: int) -> list[tuple[str, str]]:
    """The body's DIK entries in force, as the decision form's choices (a refusal cites tested ground)."""
    query = (
        select(DikEntry)
        .where(DikEntry.body_id == body_id, DikEntry.status == "in_force")
        .order_by(DikEntry.decided_at.desc(), DikEntry.id)
    )
    return [
        (e.id, f"{e.number}: {e.information} ({GROUNDS[e.article].cite(e.point)})")
        for e in (await session.scalars(query)).all()
    ]


async def _after(
    request: Request, session: SessionDep, state: StateDep, staff: Staff, request_id: str, posted: FormState,
    exc: HTTPException, fields: dict[str, str],
) -> Response:  # fmt: skip
    """A refused action: the case page again, with the messages beside the form and what was typed."""
    if exc.status_code == 404:
        return message_page(request, exc)
    posted.errors, posted.message = _refused(exc, fields)
    return await _show(request, session, state, staff, request_id, posted=posted, status_code=exc.status_code)


async def _invalid(
    request: Request, session: SessionDep, state: StateDep, staff: Staff, request_id: str, posted: FormState,
    exc: ValidationError, fields: dict[str, str],
) -> Response:  # fmt: skip
    """A form the API's input model refused: the case page again, with each message beside its field."""
    posted.errors = form_errors(exc.errors(), fields) | posted.errors
    posted.message = posted.errors.pop("form", None)
    return await _show(request, session, state, staff, request_id, posted=posted, status_code=422)


def _done(request_id: str, what: str) -> Response:
    return RedirectResponse(f"/staf/permohonan/{request_id}?pesan={what}#isi", status_code=303)


@router.post("/{request_id}/penugasan", dependencies=[Depends(verify_csrf)])
async def assign(
    request: Request, request_id: str, staff: PageStaffDep, session: SessionDep, state: StateDep,
    unit: Annotated[str, Form(max_length=64)] = "",
) -> Response:  # fmt: skip
    posted = FormState("assign", {"unit": unit})
    try:
        payload = AssignIn(unit=unit)
    except ValidationError as exc:
        return await _invalid(request, session, state, staff, request_id, posted, exc, ASSIGN_FIELDS)
    try:
        await assign_request(session, await get_temporal(state), staff, request_id, payload)
    except HTTPException as exc:
        return await _after(request, session, state, staff, request_id, posted, exc, ASSIGN_FIELDS)
    return _done(request_id, "penugasan")


@router.post("/{request_id}/perpanjangan", dependencies=[Depends(verify_csrf)])
async def extend(
    request: Request, request_id: str, staff: PageStaffDep, session: SessionDep, state: StateDep,
    alasan: Annotated[str, Form(max_length=2000)] = "",
) -> Response:  # fmt: skip
    posted = FormState("extend", {"alasan": alasan})
    try:
        payload = ExtensionIn(reason=alasan)
    except ValidationError as exc:
        return await _invalid(request, session, state, staff, request_id, posted, exc, EXTEND_FIELDS)
    try:
        await extend_request(session, await get_temporal(state), staff, request_id, payload)
    except HTTPException as exc:
        return await _after(request, session, state, staff, request_id, posted, exc, EXTEND_FIELDS)
    return _done(request_id, "perpanjangan")


LATE_REASON_NEEDED = (
    "Jangka waktu keberatan sudah berakhir: tulis mengapa keberatan yang terlambat ini diterima "
    f"({law.T3.article})"
)
AGAIN = "Pilih berkas lampiran sekali lagi: berkas belum disimpan karena isian lain perlu diperbaiki"
FEE = re.compile(r"^(?:rp\.?)?\s*([0-9][0-9.,\s]*)$", re.IGNORECASE)


@router.post("/{request_id}/keputusan", dependencies=[Depends(verify_csrf)])
async def decide(
    request: Request, request_id: str, staff: PageStaffDep, session: SessionDep, state: StateDep
) -> Response:
    form = await request.form()
    names = [
        "keputusan", "pasal", "uji_konsekuensi", "entri_dik", "dihitamkan", "badan_penguasa", "biaya", "catatan",
    ]  # fmt: skip
    values = {n: str(form.get(n) or "")[:5000] for n in names}
    posted = FormState("decide", values)
    v = _blank_to_none(values)
    errors: dict[str, str] = {}
    fee: int | None = None
    if v["biaya"]:
        match = FEE.match(v["biaya"])
        digits = re.sub(r"[.,\s]", "", match.group(1)) if match else ""
        if digits.isdecimal() and len(digits) <= 12:
            fee = int(digits)
        else:
            errors["biaya"] = (
                "Tulis biaya dalam rupiah dengan angka, misalnya 15000; kosongkan bila tanpa biaya"
            )
    data: dict[str, Any] = {
        "outcome": v["keputusan"], "redactions": v["dihitamkan"], "holder_body": v["badan_penguasa"],
        "fee_idr": fee, "note": v["catatan"],
    }  # fmt: skip
    if v["keputusan"] in NEEDS_EXEMPTION and (v["pasal"] or v["uji_konsekuensi"] or v["entri_dik"]):
        # An entry of the DIK in force: its tested ground is copied by the API (UU Pasal 19; PP 61/2010 Pasal 3).
        data["exemption"] = {
            "dik_entry": v["entri_dik"], "article": v["pasal"], "consequence_test": v["uji_konsekuensi"],
        }  # fmt: skip
    payload = None
    try:
        payload = DecisionIn.model_validate(data)
    except ValidationError as exc:
        for name, message in form_errors(exc.errors(), DECIDE_FIELDS).items():
            errors.setdefault(name, message)
    attachments: list[Upload] = []
    try:
        attachments = await read_uploads(form.getlist("lampiran"))
    except DocumentRefused as exc:
        errors["lampiran"] = str(exc)
    if errors or payload is None:
        if attachments:
            errors["lampiran"] = AGAIN
        posted.errors = errors
        return await _show(request, session, state, staff, request_id, posted=posted, status_code=422)
    try:
        await decide_request(
            session, await get_temporal(state), staff, request_id, payload, attachments, await state.now(),
            store=FileStore.of(state.settings),
        )  # fmt: skip
    except HTTPException as exc:
        return await _after(request, session, state, staff, request_id, posted, exc, DECIDE_FIELDS)
    return _done(request_id, "keputusan")


@router.post("/{request_id}/penyerahan", dependencies=[Depends(verify_csrf)])
async def record_delivery(
    request: Request, request_id: str, staff: PageStaffDep, session: SessionDep, state: StateDep
) -> Response:
    """A delivery or compliance task of the case, completed by recording the delivery (and its document)."""
    form = await request.form()
    names = ["tugas", "tanggal_penyerahan", "cara_penyerahan", "catatan_penyerahan"]
    values = {n: str(form.get(n) or "")[:2000] for n in names}
    posted = FormState("deliver", values)
    task_id = int(values["tugas"]) if values["tugas"].isdecimal() and len(values["tugas"]) < 18 else 0
    task = await session.get(Task, task_id) if task_id else None
    if task is None or task.case_id != request_id or task.kind not in DELIVERY_TASK_KINDS:
        exc = HTTPException(404, "Tugas penyerahan ini tidak ada pada permohonan ini")
        return message_page(request, exc)
    errors: dict[str, str] = {}
    attachments: list[Upload] = []
    try:
        attachments = await read_uploads(form.getlist("dokumen_penyerahan"))
    except DocumentRefused as exc:
        errors["dokumen_penyerahan"] = str(exc)
    payload = None
    try:
        payload = DeliveryIn.model_validate({
            "delivered_on": values["tanggal_penyerahan"] or None, "method": values["cara_penyerahan"] or None,
            "note": values["catatan_penyerahan"].strip() or None,
        })  # fmt: skip
    except ValidationError as exc:
        for name, message in form_errors(exc.errors(), DELIVERY_FIELDS).items():
            errors.setdefault(name, message)
    if errors or payload is None:
        if attachments:
            errors["dokumen_penyerahan"] = AGAIN
        posted.errors = errors
        posted.message = errors.pop("form", None)
        return await _show(request, session, state, staff, request_id, posted=posted, status_code=422)
    try:  # the documents are stored by `deliver` after its checks, and removed again when it is refused
        await deliver(session, await get_temporal(state), state, staff, task.id, payload, attachments)
    except HTTPException as exc:
        return await _after(request, session, state, staff, request_id, posted, exc, DELIVERY_FIELDS)
    return _done(request_id, "penyerahan")


def _upload(value: Any) -> UploadFile | None:
    return value if isinstance(value, UploadFile) else None


@router.post("/{request_id}/keberatan", dependencies=[Depends(verify_csrf)])
async def record_late_objection(
    request: Request, request_id: str, staff: PageStaffDep, session: SessionDep, state: StateDep
) -> Response:
    form = await request.form()
    reasons = [str(x) for x in form.getlist("alasan_keberatan")][: len(law.OBJECTION_REASONS)]
    values: dict[str, Any] = {
        n: str(form.get(n) or "")[:5000] for n in ("kasus_posisi", "tujuan", "alasan_terlambat")
    }
    values["alasan_keberatan"] = reasons
    posted = FormState("object", values)
    late_reason = values["alasan_terlambat"].strip()
    if not late_reason:
        try:
            case = await load_case(session, request_id)
        except HTTPException as exc:
            return message_page(request, exc)
        deadline = case.request.objection_deadline
        if case.request.status == RequestStatus.CLOSED.value or (deadline and await state.now() > deadline):
            posted.errors["alasan_terlambat"] = LATE_REASON_NEEDED
    try:
        payload = ObjectionIn(
            reasons=reasons, case_position=values["kasus_posisi"], purpose=values["tujuan"],
            late_override_reason=late_reason or None,
        )  # fmt: skip
    except ValidationError as exc:
        return await _invalid(request, session, state, staff, request_id, posted, exc, OBJECT_FIELDS)
    if posted.errors:
        return await _show(request, session, state, staff, request_id, posted=posted, status_code=422)
    try:
        await record_objection(session, await get_temporal(state), staff, None, request_id, payload)
    except HTTPException as exc:
        return await _after(request, session, state, staff, request_id, posted, exc, OBJECT_FIELDS)
    return _done(request_id, "keberatan")


@router.get("/{request_id}/dokumen/{document_id}")
async def document(
    request: Request, request_id: str, document_id: str, staff: PageStaffDep, session: SessionDep,
    state: StateDep,
) -> Response:  # fmt: skip
    try:
        case: LoadedCase = await load_case(session, request_id)
        require_view(staff, None, case)
        return await serve_document(state.settings, session, case.request.id, document_id)
    except HTTPException as exc:
        return message_page(request, exc)
