"""The staff desk's consequence tests (uji konsekuensi, UU 14/2008 Pasal 19; PP 61/2010 Pasal 3-4) and the DIK
entries they produce: the body's list, the form, the test's page with the step the viewer's place in the chain
allows (the PPID Utama's review, the Atasan PPID's approval, the drafter's corrections after a return), the
entry's desk page with the determination before its period ends (PP 61/2010 Pasal 11), and the printable berita
acara uji konsekuensi and surat penetapan klasifikasi (HTML and PDF, with a public version of the berita acara
without staff names).

Every reading, scope check and step is the API's own (api/routes/consequence_tests.py: the same functions, the
same Temporal Updates); a page only turns a form into the API's input and a refusal (422, 409, 403) into
messages beside the form, keeping what was typed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.cases import load_case, require_view
from api.deps import SessionDep, Staff, StateDep, get_temporal
from api.pdf import render_pdf_async
from api.routes.consequence_tests import (
    ApprovalIn,
    ConsequenceTestIn,
    ConsequenceTestOut,
    DeterminationIn,
    ResubmissionIn,
    ReviewIn,
    approve_consequence_test,
    chain_role,
    consequence_test_list,
    consequence_test_view,
    create_consequence_test,
    determine_dik_entry,
    resubmit_consequence_test,
    review_consequence_test,
)
from api.web.casework import message_page
from api.web.csrf import verify_csrf
from api.web.forms import FormState, form_errors, posted_values, refused
from api.web.session import PageStaffDep
from api.web.templating import render
from db.dik_repo import get_dik_entry
from db.models import Body, ConsequenceTest, DikEntry, InfoRequest, Task, Unit, User
from domain.dates_id import format_date
from domain.enums import Role
from domain.exceptions import GROUNDS, NEVER_EXCEPTED, InformationKind, period_text

router = APIRouter(include_in_schema=False)
PREFIX = "/staf/uji"
# A posted text is cut just above the API's longest limit (10 000 characters), so that an over-long one is
# refused with the field's limit instead of being cut without a word.
POSTED_LIMIT = 10_001

STATUS_LABELS = {
    "submitted": "Menunggu telaah PPID Utama",
    "returned": "Dikembalikan untuk diperbaiki",
    "forwarded": "Menunggu pengesahan Atasan PPID",
    "approved": "Disahkan Atasan PPID",
    "refused": "Tidak disahkan Atasan PPID",
}
DIK_STATUS = {
    "in_force": "Berlaku (dikecualikan)",
    "opened": "Sudah dibuka",
    "superseded": "Digantikan uji konsekuensi baru",
}
OPENED_REASONS = {
    "determination": "ditetapkan PPID (PP No. 61 Tahun 2010 Pasal 11 ayat (1))",
    "expired": "jangka waktu berakhir tanpa penetapan (PP No. 61 Tahun 2010 Pasal 11 ayat (2))",
    "objection": "tanggapan Atasan PPID atas keberatan (Pasal 11 ayat (2) UU No. 14 Tahun 2008)",
    "dispute": "putusan Komisi Informasi (Pasal 11 ayat (2) UU No. 14 Tahun 2008)",
}
CONCLUSIONS = [
    ("closed", "Ditutup: informasi dikecualikan seluruhnya"),
    ("partly_closed", "Ditutup sebagian: bagian tertentu dihitamkan, selebihnya dibuka"),
    ("open", "Dibuka: informasi tidak dikecualikan"),
]
CLASSIFICATION = {
    "closed": "Informasi yang dikecualikan",
    "partly_closed": "Informasi yang dikecualikan sebagian (bagian yang dihitamkan)",
    "open": "Informasi publik (tidak dikecualikan)",
}
ORIGINS = {
    "pre_request": "Sebelum ada permohonan",
    "at_request": "Ketika permohonan informasi diterima",
    "renewal": "Uji konsekuensi ulang atas entri DIK (PP No. 61 Tahun 2010 Pasal 10)",
}
# The Pasal 17 grounds as one choice each for the letter and for each of its points, with their meaning.
GROUND_GROUPS = [
    (
        f"Pasal 17 huruf {g.letter}: {g.title}",
        [(g.code, f"Huruf {g.letter} (tanpa angka): {g.title}")]
        + [(f"{g.code}.{n}", f"Huruf {g.letter} angka {n}: {p}") for n, p in enumerate(g.points, start=1)],
    )
    for g in GROUNDS.values()
]
KIND_OPTIONS = [(InformationKind.OTHER.value, "Bukan salah satu jenis dalam Pasal 18 ayat (1)")] + [
    (kind.value, f"{what[:1].upper()}{what[1:]} (Pasal 18 ayat (1) huruf {letter})")
    for kind, (letter, what) in NEVER_EXCEPTED.items()
]
# The API's field -> the form's (each form's).
TEST_FIELDS = {
    "unit": "unit", "information": "informasi", "documents": "dokumen", "excepted_part": "bagian_dikecualikan",
    "article": "dasar", "point": "dasar", "other_law": "undang_undang_lain", "information_kind": "jenis_informasi",
    "harm": "konsekuensi", "public_interest": "kepentingan_publik", "conclusion": "kesimpulan",
    "exemption_until": "berlaku_sampai", "exemption_condition": "kondisi", "request_id": "permohonan",
    "participants": "peserta",
}  # fmt: skip
TEST_NAMES = [*dict.fromkeys(TEST_FIELDS.values())]
REQUIRED = {
    "informasi": "Tulis informasi yang diuji",
    "dokumen": "Sebutkan dokumen yang memuat informasi ini",
    "dasar": "Pilih dasar pengecualian (Pasal 17 UU No. 14 Tahun 2008)",
    "konsekuensi": "Uraikan konsekuensi (bahaya) bila informasi dibuka",
    "kepentingan_publik": "Uraikan pertimbangan kepentingan publik (Pasal 2 ayat (4))",
    "kesimpulan": "Pilih kesimpulan uji konsekuensi",
}
REVIEW_FIELDS = {"action": "tindakan", "note": "catatan_telaah"}
APPROVAL_FIELDS = {"approve": "keputusan", "note": "catatan_pengesahan"}
RESUBMIT_FIELDS = {
    "documents": "dokumen", "excepted_part": "bagian_dikecualikan", "other_law": "undang_undang_lain",
    "harm": "konsekuensi", "public_interest": "kepentingan_publik", "exemption_until": "berlaku_sampai",
    "exemption_condition": "kondisi", "note": "catatan_perbaikan", "participants": "peserta",
}  # fmt: skip
DETERMINE_FIELDS = {
    "action": "tindakan", "note": "catatan_penetapan", "exemption_until": "berlaku_sampai",
    "exemption_condition": "kondisi", "harm": "konsekuensi", "public_interest": "kepentingan_publik",
}  # fmt: skip
FLASH = {
    "diajukan": "Uji konsekuensi diajukan. PPID Utama diberi tahu dan menelaahnya.",
    "diteruskan": "Uji konsekuensi diteruskan kepada Atasan PPID untuk disahkan.",
    "dikembalikan": "Uji konsekuensi dikembalikan kepada penyusunnya dengan catatan perbaikan.",
    "diperbaiki": "Perbaikan diajukan kembali kepada PPID Utama.",
    "disahkan": "Uji konsekuensi disahkan. Berita acara dan surat penetapan klasifikasi dapat dicetak.",
    "ditolak": "Uji konsekuensi tidak disahkan; informasi ini tidak dikecualikan.",
    "dibuka": "Informasi ditetapkan terbuka dan dicatat demikian dalam DIK.",
    "diuji-ulang": "Uji konsekuensi ulang dimulai; entri lama berlaku sampai uji yang baru disahkan.",
}
STEP_NAMES = {
    "review_consequence_test": "Telaah PPID Utama",
    "revise_consequence_test": "Perbaikan oleh penyusun",
    "approve_consequence_test": "Pengesahan Atasan PPID",
    "dik_determination": "Penetapan pembukaan (PP No. 61 Tahun 2010 Pasal 11)",
}
TEST_NOT_APPROVED = HTTPException(
    404, "Berita acara dan surat penetapan dibuat setelah uji konsekuensi disahkan Atasan PPID"
)
NOT_A_DRAFTER = HTTPException(403, "Uji konsekuensi disusun oleh PPID badan publik atau unitnya")
PLACE_PREFIXES = ("Pemerintah Kabupaten ", "Pemerintah Kota ", "Pemerintah Provinsi ")


def place_of(body: Body) -> str:
    """Where a body's letters are made: the kabupaten, kota or provinsi its name says, else the name itself."""
    for prefix in PLACE_PREFIXES:
        if body.name.startswith(prefix):
            return body.name.removeprefix(prefix)
    return body.name


def penetapan_number(number: str) -> str:
    """The surat penetapan klasifikasi shares the berita acara's sequence (one letter per approved test, per body
    and year): `0001/UK/SGU/XII/2026` -> `0001/SPK/SGU/XII/2026`."""
    return number.replace("/UK/", "/SPK/", 1)


def ground_value(article: str, point: int | None) -> str:
    return f"{article}.{point}" if point else article


def parse_ground(value: str) -> tuple[str | None, int | None]:
    article, _, point = value.strip().partition(".")
    if not article:
        return None, None
    if point and not (point.isdecimal() and len(point) < 3):
        return value.strip(), None  # not one of the choices offered: the API's article check refuses it
    return article, int(point) if point else None


def _none(value: str) -> str | None:
    return value.strip() or None


def _forbidden_unless_chain(staff: Staff) -> HTTPException | None:
    if staff.role not in (Role.PPID, Role.ATASAN_PPID) or staff.body_id is None:
        return HTTPException(403, "Uji konsekuensi ditangani PPID dan Atasan PPID badan publik")
    return None


async def _body(session: AsyncSession, body_id: int | None) -> Body:
    body = await session.get(Body, body_id) if body_id is not None else None
    assert body is not None  # a staff member's body, or a test's: a foreign key
    return body


async def _names(session: AsyncSession, emails: list[str | None]) -> dict[str, str]:
    wanted = {e for e in emails if e}
    if not wanted:
        return {}
    rows = (await session.execute(select(User.email, User.name).where(User.email.in_(wanted)))).all()
    return {email: name or email for email, name in rows}


# --- the DIK entries of the desk -----------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryLine:
    """A DIK entry as the desk lists it, with where its expiry clock stands (PP 61/2010 Pasal 11)."""

    id: str
    number: str
    information: str
    legal_basis: str
    unit_name: str
    status: str
    status_label: str
    period: str
    clock: str
    task_open: bool
    test_id: str


def _clock(entry: DikEntry, tz: str, task_open: bool, today: date) -> str:
    if entry.status == "opened":
        when = format_date(entry.opened_at.astimezone(ZoneInfo(tz)).date()) if entry.opened_at else "-"
        return f"Dibuka {when}: {OPENED_REASONS.get(entry.opened_reason or '', entry.opened_reason or '-')}"
    if entry.status == "superseded":
        return "Digantikan entri baru setelah uji konsekuensi ulang (PP No. 61 Tahun 2010 Pasal 10)"
    if entry.exemption_until is None:
        return (
            "Jangka waktu berupa kondisi: tidak ada tanggal berakhir; PPID menetapkan pembukaannya bila "
            "kondisi terpenuhi"
        )
    due = entry.determination_due_at
    due_text = format_date(due.astimezone(ZoneInfo(tz)).date()) if due else "-"
    if task_open:
        return f"Tugas penetapan menunggu tindakan: tetapkan paling lambat {due_text} (PP No. 61 Tahun 2010 Pasal 11)"
    days = (entry.exemption_until - today).days
    return (
        f"Penetapan pembukaan paling lambat {due_text}; tanpa penetapan terbuka dengan sendirinya setelah "
        f"{format_date(entry.exemption_until)} ({days} hari lagi)"
    )


async def desk_entries(session: AsyncSession, staff: Staff, now: datetime) -> list[EntryLine]:
    """The body's DIK entries (a PPID Pelaksana: its unit's), in force first, newest decision first."""
    body = await _body(session, staff.body_id)
    query = (
        select(DikEntry, Unit)
        .outerjoin(Unit, Unit.id == DikEntry.unit_id)
        .where(DikEntry.body_id == body.id)
        .order_by(DikEntry.decided_at.desc(), DikEntry.id)
    )
    if staff.unit_id is not None:
        query = query.where(DikEntry.unit_id == staff.unit_id)
    rows = (await session.execute(query)).all()
    keys = [f"{e.id}:determination" for e, _ in rows]
    open_keys = set(
        (await session.scalars(select(Task.key).where(Task.key.in_(keys), Task.status == "open"))).all()
    )
    today = now.astimezone(ZoneInfo(body.timezone)).date()
    lines = [
        EntryLine(
            id=e.id, number=e.number, information=e.information, legal_basis=GROUNDS[e.article].cite(e.point),
            unit_name=u.name if u else f"PPID Utama {body.name}", status=e.status,
            status_label=DIK_STATUS.get(e.status, e.status),
            period=period_text(e.exemption_until, e.exemption_condition),
            clock=_clock(e, body.timezone, f"{e.id}:determination" in open_keys, today),
            task_open=f"{e.id}:determination" in open_keys, test_id=e.test_id,
        )
        for e, u in rows
    ]  # fmt: skip
    return sorted(lines, key=lambda line: line.status != "in_force")


# --- the list ------------------------------------------------------------------------------------------------


@router.get(PREFIX)
async def tests_page(request: Request, staff: PageStaffDep, session: SessionDep, state: StateDep) -> Response:
    if (exc := _forbidden_unless_chain(staff)) is not None:
        return message_page(request, exc)
    tests = await consequence_test_list(session, staff)
    context = {
        "nav": "uji", "tests": tests, "entries": await desk_entries(session, staff, await state.now()),
        "labels": STATUS_LABELS, "grounds": GROUNDS, "can_draft": staff.role == Role.PPID,
        "body": await _body(session, staff.body_id),
    }  # fmt: skip
    return render(request, "staf/uji_daftar.html", context)


# --- the form ------------------------------------------------------------------------------------------------


async def _linked_request(
    session: AsyncSession, staff: Staff, request_id: str
) -> tuple[InfoRequest | None, HTTPException | None]:
    if not request_id:
        return None, None
    try:
        case = await load_case(session, request_id)
        require_view(staff, None, case)
    except HTTPException as exc:
        return None, exc
    return case.request, None


async def _form(
    request: Request, session: AsyncSession, staff: Staff, posted: FormState, linked: InfoRequest | None,
    status_code: int = 200,
) -> Response:  # fmt: skip
    body = await _body(session, staff.body_id)
    units = []
    if staff.unit_id is None:
        query = select(Unit.slug, Unit.name).where(Unit.body_id == body.id).order_by(Unit.name)
        units = [(slug, name) for slug, name in (await session.execute(query)).all()]
    unit_name = None
    if staff.unit_id is not None:
        unit = await session.get(Unit, staff.unit_id)
        unit_name = unit.name if unit else None
    context = {
        "nav": "uji", "f": posted, "body": body, "units": units, "unit_name": unit_name, "linked": linked,
        "ground_groups": GROUND_GROUPS, "kind_options": KIND_OPTIONS, "conclusions": CONCLUSIONS,
        "tz": body.timezone,
    }  # fmt: skip
    return render(request, "staf/uji_baru.html", context, status_code=status_code)


@router.get(f"{PREFIX}/baru")
async def new_test_page(
    request: Request, staff: PageStaffDep, session: SessionDep,
    permohonan: Annotated[str, Query(alias="request", max_length=40)] = "",
) -> Response:  # fmt: skip
    if staff.role != Role.PPID:
        return message_page(request, NOT_A_DRAFTER)
    linked, exc = await _linked_request(session, staff, permohonan)
    if exc is not None:
        return message_page(request, exc)
    values = dict.fromkeys(TEST_NAMES, "") | {"jenis_informasi": InformationKind.OTHER.value}
    if linked is not None:
        values |= {"permohonan": linked.id, "informasi": linked.information[:2000]}
    return await _form(request, session, staff, FormState("test", values), linked)


def test_data(values: dict[str, str], staff: Staff) -> dict[str, Any]:
    """The form as the data of the API's ConsequenceTestIn."""
    article, point = parse_ground(values["dasar"])
    unit = staff.unit_slug if staff.unit_id is not None else _none(values["unit"])
    return {
        "body": staff.body_slug, "unit": unit, "information": _none(values["informasi"]),
        "documents": _none(values["dokumen"]), "excepted_part": _none(values["bagian_dikecualikan"]),
        "article": article, "point": point, "other_law": _none(values["undang_undang_lain"]),
        "information_kind": _none(values["jenis_informasi"]) or InformationKind.OTHER.value,
        "harm": _none(values["konsekuensi"]), "public_interest": _none(values["kepentingan_publik"]),
        "conclusion": _none(values["kesimpulan"]), "exemption_until": _none(values["berlaku_sampai"]),
        "exemption_condition": _none(values["kondisi"]), "request_id": _none(values["permohonan"]),
        "participants": _none(values["peserta"]),
    }  # fmt: skip


def _required(values: dict[str, str], names: dict[str, str]) -> dict[str, str]:
    return {name: message for name, message in names.items() if name in values and not values[name].strip()}


@router.post(f"{PREFIX}/baru", dependencies=[Depends(verify_csrf)])
async def create_test(
    request: Request, staff: PageStaffDep, session: SessionDep, state: StateDep
) -> Response:
    if staff.role != Role.PPID:
        return message_page(request, NOT_A_DRAFTER)
    values = posted_values(await request.form(), TEST_NAMES, limit=POSTED_LIMIT)
    posted = FormState("test", values)
    linked, exc = await _linked_request(session, staff, values["permohonan"].strip())
    if exc is not None:
        return message_page(request, exc)
    payload = None
    try:
        payload = ConsequenceTestIn.model_validate(test_data(values, staff))
    except ValidationError as invalid:
        posted.errors = form_errors(invalid.errors(), TEST_FIELDS)
    posted.errors |= _required(values, REQUIRED)
    if posted.errors or payload is None:
        posted.message = posted.errors.pop("form", None)
        return await _form(request, session, staff, posted, linked, 422)
    try:
        created = await create_consequence_test(
            session, await get_temporal(state), staff, payload, await state.now(),
            state.settings.temporal_task_queue,
        )  # fmt: skip
    except HTTPException as refusal:
        posted.errors, posted.message = refused(refusal, TEST_FIELDS)
        return await _form(request, session, staff, posted, linked, refusal.status_code)
    return RedirectResponse(f"{PREFIX}/{created.id}?pesan=diajukan#isi", status_code=303)


# --- the DIK entry's desk page (before /{test_id}: both are one segment deeper than the list) ----------------


async def _entry_page(
    request: Request, session: AsyncSession, staff: Staff, entry_id: str, *, posted: FormState | None = None,
    status_code: int = 200, flash: str | None = None,
) -> Response:  # fmt: skip
    if (exc := _forbidden_unless_chain(staff)) is not None:
        return message_page(request, exc)
    entry = await session.get(DikEntry, entry_id) if len(entry_id) <= 32 else None
    if entry is None or entry.body_id != staff.body_id:
        return message_page(request, HTTPException(404, "Entri DIK tidak ditemukan pada badan publik Anda"))
    detail = await get_dik_entry(session, entry_id)
    assert detail is not None
    task = await session.scalar(select(Task).where(Task.key == f"{entry.id}:determination"))
    may_determine = (
        staff.role == Role.PPID and (staff.unit_id is None or staff.unit_id == entry.unit_id)
        and task is not None and task.status == "open" and entry.status == "in_force"
    )  # fmt: skip
    body = await _body(session, entry.body_id)
    context = {
        "nav": "uji", "e": detail, "entry": entry, "body": body, "task": task, "may_determine": may_determine,
        "f": posted or FormState("determine", {}), "status_label": DIK_STATUS.get(entry.status, entry.status),
        "flash": flash, "tz": body.timezone,
    }  # fmt: skip
    return render(request, "staf/uji_dik.html", context, status_code=status_code)


@router.get(f"{PREFIX}/dik/{{entry_id}}")
async def entry_page(
    request: Request, entry_id: str, staff: PageStaffDep, session: SessionDep,
    pesan: Annotated[str, Query(max_length=20)] = "",
) -> Response:  # fmt: skip
    return await _entry_page(request, session, staff, entry_id, flash=FLASH.get(pesan))


@router.post(f"{PREFIX}/dik/{{entry_id}}/penetapan", dependencies=[Depends(verify_csrf)])
async def determine(
    request: Request, entry_id: str, staff: PageStaffDep, session: SessionDep, state: StateDep
) -> Response:
    names = list(dict.fromkeys(DETERMINE_FIELDS.values()))
    values = posted_values(await request.form(), names, limit=POSTED_LIMIT)
    posted = FormState("determine", values)
    data = {api: _none(values[form]) for api, form in DETERMINE_FIELDS.items()}
    try:
        payload = DeterminationIn.model_validate(data)
    except ValidationError as invalid:
        posted.errors = form_errors(invalid.errors(), DETERMINE_FIELDS)
        posted.message = posted.errors.pop("form", None)
        return await _entry_page(request, session, staff, entry_id, posted=posted, status_code=422)
    try:
        done = await determine_dik_entry(
            session, await get_temporal(state), staff, entry_id, payload, await state.now(),
            state.settings.temporal_task_queue,
        )  # fmt: skip
    except HTTPException as refusal:
        if refusal.status_code == 404:
            return message_page(request, refusal)
        posted.errors, posted.message = refused(refusal, DETERMINE_FIELDS)
        return await _entry_page(
            request, session, staff, entry_id, posted=posted, status_code=refusal.status_code
        )
    if done.consequence_test_id:
        return RedirectResponse(f"{PREFIX}/{done.consequence_test_id}?pesan=diajukan#isi", status_code=303)
    return RedirectResponse(f"{PREFIX}/dik/{entry_id}?pesan=dibuka#isi", status_code=303)


# --- the test's page -----------------------------------------------------------------------------------------


def _steps(staff: Staff, view: ConsequenceTestOut) -> dict[str, bool]:
    """The forms the viewer's place in the chain allows now (the workflow decides; this only hides the rest)."""
    role = chain_role(staff)
    return {
        "review": role == "utama" and view.status == "submitted",
        "approval": role == "atasan" and view.status == "forwarded",
        "resubmit": role in ("utama", "pelaksana") and view.status == "returned",
    }


def resubmit_values(view: ConsequenceTestOut) -> dict[str, str]:
    return {
        "dokumen": view.documents, "bagian_dikecualikan": view.excepted_part or "",
        "undang_undang_lain": view.other_law or "", "konsekuensi": view.harm,
        "kepentingan_publik": view.public_interest,
        "berlaku_sampai": view.exemption_until.isoformat() if view.exemption_until else "",
        "kondisi": view.exemption_condition or "", "catatan_perbaikan": "",
        "peserta": view.participants or "",
    }  # fmt: skip


async def _test_page(
    request: Request, session: AsyncSession, staff: Staff, test_id: str, *, posted: FormState | None = None,
    status_code: int = 200, flash: str | None = None,
) -> Response:  # fmt: skip
    try:
        view = await consequence_test_view(session, staff, test_id)
    except HTTPException as exc:
        return message_page(request, exc)
    test = await session.get(ConsequenceTest, test_id)
    assert test is not None
    body = await _body(session, test.body_id)
    unit = await session.get(Unit, test.unit_id) if test.unit_id else None
    linked = await session.get(InfoRequest, test.request_id) if test.request_id else None
    shown = _steps(staff, view)
    forms = {
        "review": FormState("review", {}), "approval": FormState("approval", {}),
        "resubmit": FormState("resubmit", resubmit_values(view)),
    }  # fmt: skip
    if posted is not None:
        forms[posted.name] = posted
        shown[posted.name] = True
    entry = await session.get(DikEntry, view.dik_entry_id) if view.dik_entry_id else None
    context = {
        "nav": "uji", "t": view, "body": body, "unit": unit, "linked": linked, "shown": shown, "forms": forms,
        "labels": STATUS_LABELS, "ground": GROUNDS[view.article], "conclusions": dict(CONCLUSIONS),
        "origins": ORIGINS, "entry": entry, "dik_status": DIK_STATUS, "flash": flash, "tz": body.timezone,
        "kind_label": dict(KIND_OPTIONS).get(view.information_kind, view.information_kind),
        "step_names": STEP_NAMES,
    }  # fmt: skip
    return render(request, "staf/uji.html", context, status_code=status_code)


@router.get(f"{PREFIX}/{{test_id}}")
async def test_page(
    request: Request, test_id: str, staff: PageStaffDep, session: SessionDep,
    pesan: Annotated[str, Query(max_length=20)] = "",
) -> Response:  # fmt: skip
    return await _test_page(request, session, staff, test_id, flash=FLASH.get(pesan))


async def _refused_step(
    request: Request, session: AsyncSession, staff: Staff, test_id: str, posted: FormState,
    exc: HTTPException, fields: dict[str, str],
) -> Response:  # fmt: skip
    if exc.status_code == 404:
        return message_page(request, exc)
    posted.errors, posted.message = refused(exc, fields)
    return await _test_page(request, session, staff, test_id, posted=posted, status_code=exc.status_code)


async def _invalid_step(
    request: Request, session: AsyncSession, staff: Staff, test_id: str, posted: FormState,
    exc: ValidationError, fields: dict[str, str],
) -> Response:  # fmt: skip
    posted.errors = form_errors(exc.errors(), fields)
    posted.message = posted.errors.pop("form", None)
    return await _test_page(request, session, staff, test_id, posted=posted, status_code=422)


@router.post(f"{PREFIX}/{{test_id}}/telaah", dependencies=[Depends(verify_csrf)])
async def review(
    request: Request, test_id: str, staff: PageStaffDep, session: SessionDep, state: StateDep
) -> Response:
    values = posted_values(await request.form(), ["tindakan", "catatan_telaah"], limit=POSTED_LIMIT)
    posted = FormState("review", values)
    try:
        payload = ReviewIn(action=values["tindakan"], note=_none(values["catatan_telaah"]))
    except ValidationError as exc:
        return await _invalid_step(request, session, staff, test_id, posted, exc, REVIEW_FIELDS)
    try:
        await review_consequence_test(session, await get_temporal(state), staff, test_id, payload)
    except HTTPException as exc:
        return await _refused_step(request, session, staff, test_id, posted, exc, REVIEW_FIELDS)
    done = "diteruskan" if payload.action == "forward" else "dikembalikan"
    return RedirectResponse(f"{PREFIX}/{test_id}?pesan={done}#isi", status_code=303)


@router.post(f"{PREFIX}/{{test_id}}/pengesahan", dependencies=[Depends(verify_csrf)])
async def approve(
    request: Request, test_id: str, staff: PageStaffDep, session: SessionDep, state: StateDep
) -> Response:
    values = posted_values(await request.form(), ["keputusan", "catatan_pengesahan"], limit=POSTED_LIMIT)
    posted = FormState("approval", values)
    choice = {"sahkan": True, "tolak": False}.get(values["keputusan"])
    if choice is None:
        posted.errors = {"keputusan": "Pilih: sahkan atau tidak sahkan"}
        return await _test_page(request, session, staff, test_id, posted=posted, status_code=422)
    try:
        payload = ApprovalIn(approve=choice, note=_none(values["catatan_pengesahan"]))
    except ValidationError as exc:
        return await _invalid_step(request, session, staff, test_id, posted, exc, APPROVAL_FIELDS)
    try:
        await approve_consequence_test(session, await get_temporal(state), staff, test_id, payload)
    except HTTPException as exc:
        return await _refused_step(request, session, staff, test_id, posted, exc, APPROVAL_FIELDS)
    return RedirectResponse(
        f"{PREFIX}/{test_id}?pesan={'disahkan' if choice else 'ditolak'}#isi", status_code=303
    )


@router.post(f"{PREFIX}/{{test_id}}/perbaikan", dependencies=[Depends(verify_csrf)])
async def resubmit(
    request: Request, test_id: str, staff: PageStaffDep, session: SessionDep, state: StateDep
) -> Response:
    names = list(RESUBMIT_FIELDS.values())
    values = posted_values(await request.form(), names, limit=POSTED_LIMIT)
    posted = FormState("resubmit", values)
    data = {api: _none(values[form]) for api, form in RESUBMIT_FIELDS.items()}
    try:
        payload = ResubmissionIn.model_validate(data)
    except ValidationError as exc:
        return await _invalid_step(request, session, staff, test_id, posted, exc, RESUBMIT_FIELDS)
    try:
        await resubmit_consequence_test(
            session, await get_temporal(state), staff, test_id, payload, await state.now()
        )
    except HTTPException as exc:
        return await _refused_step(request, session, staff, test_id, posted, exc, RESUBMIT_FIELDS)
    return RedirectResponse(f"{PREFIX}/{test_id}?pesan=diperbaiki#isi", status_code=303)


# --- the printable documents ---------------------------------------------------------------------------------


async def document_context(session: AsyncSession, test: ConsequenceTest, *, public: bool) -> dict[str, Any]:
    """What the berita acara and the surat penetapan say. `public`: the portal's version, with the places in
    the chain but without the names of the staff (no personal data in the public register)."""
    assert test.number is not None and test.decided_at is not None
    body = await _body(session, test.body_id)
    unit = await session.get(Unit, test.unit_id) if test.unit_id else None
    ground = GROUNDS[test.article]
    names = {} if public else await _names(session, [test.submitted_by, test.reviewed_by, test.decided_by])
    drafter_role = "PPID Pelaksana" if unit else "PPID Utama"
    holder = f"{unit.name}, {body.name}" if unit else body.name
    participants = [
        (f"{drafter_role} {unit.name if unit else body.name}", "penyusun uji konsekuensi", test.submitted_by),
        (f"PPID Utama {body.name}", "penelaah", test.reviewed_by),
        (
            f"Atasan PPID {body.name}",
            "yang mengesahkan (PP No. 61 Tahun 2010 Pasal 3 ayat (2))",
            test.decided_by,
        ),
    ]
    entry = await session.get(DikEntry, test.dik_entry_id) if test.dik_entry_id else None
    decided = test.decided_at.astimezone(ZoneInfo(body.timezone))
    return {
        "body": body, "body_name": body.name, "unit": unit, "holder": holder, "test": test, "ground": ground,
        "legal_basis": ground.cite(test.point), "point_text": ground.points[test.point - 1] if test.point else None,
        "period": period_text(test.exemption_until, test.exemption_condition), "period_rule": ground.period_rule,
        "conclusion": dict(CONCLUSIONS)[test.conclusion], "classification": CLASSIFICATION[test.conclusion],
        "participants": [
            {"role": role, "part": part, "name": None if public else names.get(email or "", email)}
            for role, part, email in participants
        ],
        "place": place_of(body), "decided_on": format_date(decided.date()), "decided_at": decided,
        "number": test.number, "penetapan_number": penetapan_number(test.number), "public": public,
        "entry": entry, "drafter_role": drafter_role,
    }  # fmt: skip


async def _approved_test(
    request: Request, session: AsyncSession, staff: Staff, test_id: str
) -> ConsequenceTest | Response:
    try:
        await consequence_test_view(session, staff, test_id)  # the API's scope check
    except HTTPException as exc:
        return message_page(request, exc)
    test = await session.get(ConsequenceTest, test_id)
    if test is None or test.status != "approved" or test.number is None:
        return message_page(request, TEST_NOT_APPROVED)
    return test


# The two documents of an approved test (the page's path -> its title and the PDF's file name); one page
# template and one print template show either (staf/uji_dokumen.html, cetak/uji_dokumen.html).
DOCUMENTS = {
    "berita-acara": ("Berita Acara Uji Konsekuensi", "berita-acara"),
    "penetapan": ("Surat Penetapan Klasifikasi Informasi", "penetapan-klasifikasi"),
}


def _pdf(pdf: bytes, filename: str) -> Response:
    return Response(
        pdf, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{filename}"'}
    )


def _filename(kind: str, number: str) -> str:
    return f"{DOCUMENTS[kind][1]}-{number.replace('/', '-')}.pdf"


async def _document(
    request: Request, session: AsyncSession, staff: Staff, test_id: str, kind: str, *, pdf: bool
) -> Response:
    found = await _approved_test(request, session, staff, test_id)
    if isinstance(found, Response):
        return found
    title, _ = DOCUMENTS[kind]
    context = await document_context(session, found, public=False) | {
        "title": title,
        "nav": "uji",
        "kind": kind,
    }
    if pdf:
        context["printed"] = (
            f"Nomor {context['number'] if kind == 'berita-acara' else context['penetapan_number']}"
        )
        return _pdf(
            await render_pdf_async("cetak/uji_dokumen.html", context), _filename(kind, found.number or "")
        )
    return render(request, "staf/uji_dokumen.html", context)


@router.get(f"{PREFIX}/{{test_id}}/berita-acara")
async def minutes_page(request: Request, test_id: str, staff: PageStaffDep, session: SessionDep) -> Response:
    return await _document(request, session, staff, test_id, "berita-acara", pdf=False)


@router.get(f"{PREFIX}/{{test_id}}/berita-acara.pdf")
async def minutes_pdf(request: Request, test_id: str, staff: PageStaffDep, session: SessionDep) -> Response:
    return await _document(request, session, staff, test_id, "berita-acara", pdf=True)


@router.get(f"{PREFIX}/{{test_id}}/penetapan")
async def classification_page(
    request: Request, test_id: str, staff: PageStaffDep, session: SessionDep
) -> Response:
    return await _document(request, session, staff, test_id, "penetapan", pdf=False)


@router.get(f"{PREFIX}/{{test_id}}/penetapan.pdf")
async def classification_pdf(
    request: Request, test_id: str, staff: PageStaffDep, session: SessionDep
) -> Response:
    return await _document(request, session, staff, test_id, "penetapan", pdf=True)


# --- the public berita acara of a DIK entry ------------------------------------------------------------------

NO_PUBLIC_MINUTES = HTTPException(404, "Berita acara ini tidak ada di daftar badan publik ini")


async def _public_test(session: AsyncSession, body_slug: str, entry_id: str) -> ConsequenceTest | None:
    entry = await session.get(DikEntry, entry_id) if len(entry_id) <= 32 else None
    body = await session.scalar(select(Body).where(Body.slug == body_slug)) if entry else None
    if entry is None or body is None or entry.body_id != body.id:
        return None
    test = await session.get(ConsequenceTest, entry.test_id)
    return test if test is not None and test.status == "approved" and test.number else None


def _public_missing(request: Request) -> Response:
    context = {"title": "Tidak ditemukan", "message": str(NO_PUBLIC_MINUTES.detail)}
    return render(request, "publik/permohonan_pesan.html", context, status_code=404)


@router.get("/dik/{body}/{entry_id}/berita-acara")
async def public_minutes(request: Request, body: str, entry_id: str, session: SessionDep) -> Response:
    test = await _public_test(session, body, entry_id)
    if test is None:
        return _public_missing(request)
    context = await document_context(session, test, public=True) | {"title": "Berita Acara Uji Konsekuensi"}
    return render(request, "publik/uji_berita_acara.html", context)


@router.get("/dik/{body}/{entry_id}/berita-acara.pdf")
async def public_minutes_pdf(request: Request, body: str, entry_id: str, session: SessionDep) -> Response:
    test = await _public_test(session, body, entry_id)
    if test is None:
        return _public_missing(request)
    context = await document_context(session, test, public=True) | {
        "title": DOCUMENTS["berita-acara"][0], "printed": f"Nomor {test.number}", "kind": "berita-acara",
    }  # fmt: skip
    pdf = await render_pdf_async("cetak/uji_dokumen.html", context)
    return _pdf(pdf, _filename("berita-acara", test.number or ""))
