"""The staff desk's Daftar Informasi Publik (`/staf/dip`): the body's entries, a form to add and edit one (with
a link or a document), and unpublishing; the same rules as the API (api/routes/dip.py): the PPID of the body,
a PPID Pelaksana for its own unit only. And `/staf/cari-pengecualian`: a PPID deciding a request searches the
body's DIK and DIP ("has this been tested before? is it already public?")."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from starlette.datastructures import UploadFile

from api.deps import SessionDep, SettingsDep, Staff
from api.documents import ACCEPT, DocumentRefused, read_upload
from api.routes.dip import DipIn, entry_to_change, entry_values, require_ppid
from api.web.admin.common import field_errors
from api.web.csrf import verify_csrf
from api.web.forms import posted_values, refused
from api.web.public.dik_view import STATUS_LABELS, dik_rows
from api.web.session import PageStaffDep
from api.web.templating import render
from db.dip_repo import (
    CATEGORIES,
    SHORT_LABELS,
    attach_dip_document,
    create_dip_entry,
    list_dip_entries,
    update_dip_entry,
)
from db.filestore import FileStore
from db.models import Body, Unit
from domain.enums import Role

router = APIRouter(prefix="/staf", include_in_schema=False)

PAGE = "/staf/dip"
FLASH = "dip_flash"
# The API model's fields under the form's names (the form speaks Indonesian, the API English).
FIELDS = {
    "title": "judul", "summary": "ringkasan", "category": "kategori", "unit": "unit",
    "responsible_officer": "penanggung_jawab", "made_when": "waktu_pembuatan", "made_place": "tempat_pembuatan",
    "form": "bentuk", "retention": "retensi", "url": "tautan", "published": "tayang",
}  # fmt: skip
NAMES = [*FIELDS.values(), "berkas"]
CHOICES = {"category": "Pilih kategori informasi (Pasal 9, 10 atau 11)"}
FORM_HINTS = {
    "ringkasan": "Isi informasi secara singkat, dengan kata-kata yang dipahami warga.",
    "waktu_pembuatan": "Misalnya 2025, Januari 2026, atau setiap triwulan.",
    "bentuk": "Misalnya tercetak, elektronik, atau tercetak dan elektronik.",
    "retensi": "Misalnya 5 tahun, atau selama berlaku.",
    "tautan": "Alamat web tempat informasi ini dapat dibuka, diawali https://.",
}
ALL_DIK = ("in_force", "opened", "superseded")
POSTED_LIMIT = 20_000


def _forbidden(request: Request) -> Response:
    context = {
        "title": "Tidak diizinkan",
        "message": "Daftar Informasi Publik dikelola oleh PPID badan publik; akun Anda tidak termasuk.",
    }
    return render(request, "staf/pesan.html", context, status_code=403)


def _ppid_body(staff: Staff) -> int | None:
    try:
        return require_ppid(staff)
    except HTTPException:
        return None


async def _units(session: SessionDep, staff: Staff, body_id: int) -> list[tuple[str, str]]:
    query = select(Unit.slug, Unit.name).where(Unit.body_id == body_id).order_by(Unit.name)
    if staff.unit_id is not None:  # a Pelaksana keeps the entries of its own unit
        query = query.where(Unit.id == staff.unit_id)
    return [(slug, name) for slug, name in (await session.execute(query)).all()]


async def _body(session: SessionDep, body_id: int) -> Body:
    body = await session.scalar(select(Body).where(Body.id == body_id))
    assert body is not None  # a staff member's body: a foreign key
    return body


@router.get("/dip")
async def dip_list(request: Request, staff: PageStaffDep, session: SessionDep) -> Response:
    body_id = _ppid_body(staff)
    if body_id is None:
        return _forbidden(request)
    rows = await list_dip_entries(session, body_id, published_only=False)
    context = {
        "nav": "dip", "body": await _body(session, body_id), "rows": rows, "short": SHORT_LABELS,
        "flash": request.session.pop(FLASH, None), "own_unit": staff.unit_id,
    }  # fmt: skip
    return render(request, "staf/dip.html", context)


async def _form_page(
    request: Request, session: SessionDep, staff: Staff, body_id: int, *, values: dict[str, str],
    errors: dict[str, str], entry_id: int | None = None, form_error: str | None = None, status_code: int = 200,
    document: str | None = None,
) -> Response:  # fmt: skip
    context = {
        "nav": "dip", "body": await _body(session, body_id), "values": values, "errors": errors,
        "entry_id": entry_id, "form_error": form_error, "hints": FORM_HINTS, "accept": ACCEPT,
        "category_options": list(CATEGORIES.items()), "unit_options": await _units(session, staff, body_id),
        "pelaksana": staff.unit_id is not None, "document": document,
    }  # fmt: skip
    return render(request, "staf/dip_form.html", context, status_code=status_code)


@router.get("/dip/baru")
async def new_form(request: Request, staff: PageStaffDep, session: SessionDep) -> Response:
    body_id = _ppid_body(staff)
    if body_id is None:
        return _forbidden(request)
    values = {"tayang": "1", "unit": staff.unit_slug or ""}
    return await _form_page(request, session, staff, body_id, values=values, errors={})


@router.get("/dip/{entry_id}")
async def edit_form(request: Request, entry_id: int, staff: PageStaffDep, session: SessionDep) -> Response:
    try:
        row = await entry_to_change(session, staff, entry_id)
    except HTTPException as exc:
        return _refusal(request, exc)
    e = row.entry
    values = {
        "judul": e.title, "ringkasan": e.summary, "kategori": e.category, "unit": row.unit_slug or "",
        "penanggung_jawab": e.responsible_officer, "waktu_pembuatan": e.made_when, "tempat_pembuatan": e.made_place,
        "bentuk": e.form, "retensi": e.retention, "tautan": e.url or "", "tayang": "1" if e.published else "",
    }  # fmt: skip
    return await _form_page(
        request, session, staff, e.body_id, values=values, errors={}, entry_id=e.id,
        document=e.document_filename,
    )  # fmt: skip


def _refusal(request: Request, exc: HTTPException) -> Response:
    title = "Tidak ditemukan" if exc.status_code == 404 else "Tidak diizinkan"
    context = {"title": title, "message": str(exc.detail)}
    return render(request, "staf/pesan.html", context, status_code=exc.status_code)


def _payload(values: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {api: values[form] for api, form in FIELDS.items() if form != "tayang"}
    data["unit"] = data["unit"] or None
    data["url"] = data["url"] or None
    data["category"] = data["category"] or None
    data["published"] = values.get("tayang") == "1"
    return data


async def _save(
    request: Request, staff: Staff, session: SessionDep, settings: SettingsDep, entry_id: int | None
) -> Response:
    body_id = _ppid_body(staff)
    if body_id is None:
        return _forbidden(request)
    row = None
    if entry_id is not None:
        try:
            row = await entry_to_change(session, staff, entry_id)
        except HTTPException as exc:
            return _refusal(request, exc)
    form = await request.form()
    # Cut well above every field's limit (the summary's 5000 is the longest): an over-long text is then refused
    # beside its field with the limit, and kept in the form, rather than cut to fit without a word.
    values = posted_values(form, FIELDS.values(), limit=POSTED_LIMIT)
    file = form.get("berkas")
    errors: dict[str, str] = {}
    payload = None
    try:
        payload = DipIn.model_validate(_payload(values))
    except ValidationError as exc:
        errors = field_errors(exc, FIELDS, CHOICES)
    upload = None
    try:
        upload = await read_upload(file if isinstance(file, UploadFile) else None)
    except DocumentRefused as exc:
        errors["berkas"] = str(exc)
    entry_values_ = None
    if payload is not None and not errors:
        try:
            entry_values_ = await entry_values(session, staff, body_id, payload)
        except HTTPException as exc:
            field_messages, form_error = refused(exc, {"unit": "unit"})
            errors |= field_messages
            if form_error:
                errors["unit"] = form_error
    if errors or entry_values_ is None:
        order = NAMES
        errors = dict(
            sorted(errors.items(), key=lambda e: order.index(e[0]) if e[0] in order else len(order))
        )
        return await _form_page(
            request, session, staff, body_id, values=values, errors=errors, entry_id=entry_id,
            status_code=422, document=row.entry.document_filename if row else None,
        )  # fmt: skip
    if row is None:
        entry = await create_dip_entry(session, body_id=body_id, values=entry_values_, created_by=staff.email)
        said = f"Entri “{entry.title}” ditambahkan ke Daftar Informasi Publik."
    else:
        entry = await update_dip_entry(session, row.entry, values=entry_values_, updated_by=staff.email)
        said = f"Entri “{entry.title}” disimpan."
    if upload is not None:
        await asyncio.to_thread(FileStore.of(settings).put, upload.content)
        await attach_dip_document(
            session, entry, sha256=upload.sha256, filename=upload.filename, content_type=upload.content_type,
            size=upload.size, updated_by=staff.email,
        )  # fmt: skip
    if not entry.published:
        said += " Entri ini tidak ditampilkan di daftar publik."
    request.session[FLASH] = said
    return RedirectResponse(PAGE, status_code=303)


@router.post("/dip/baru", dependencies=[Depends(verify_csrf)])
async def add(request: Request, staff: PageStaffDep, session: SessionDep, settings: SettingsDep) -> Response:
    return await _save(request, staff, session, settings, None)


@router.post("/dip/{entry_id}", dependencies=[Depends(verify_csrf)])
async def edit(
    request: Request, entry_id: int, staff: PageStaffDep, session: SessionDep, settings: SettingsDep
) -> Response:
    return await _save(request, staff, session, settings, entry_id)


@router.post("/dip/{entry_id}/tayang", dependencies=[Depends(verify_csrf)])
async def toggle(request: Request, entry_id: int, staff: PageStaffDep, session: SessionDep) -> Response:
    """Unpublish (or publish again) an entry: it stays on record either way."""
    try:
        row = await entry_to_change(session, staff, entry_id)
    except HTTPException as exc:
        return _refusal(request, exc)
    form = await request.form()
    published = form.get("tayang") == "1"
    await update_dip_entry(session, row.entry, values={"published": published}, updated_by=staff.email)
    shown = "ditampilkan lagi di" if published else "tidak lagi ditampilkan di"
    request.session[FLASH] = f"Entri “{row.entry.title}” {shown} daftar publik."
    return RedirectResponse(PAGE, status_code=303)


# --- Search across DIK and DIP -----------------------------------------------------------------------------


@router.get("/cari-pengecualian")
async def search(
    request: Request, staff: PageStaffDep, session: SessionDep,
    q: Annotated[str, Query(max_length=120)] = "", permohonan: Annotated[str, Query(max_length=32)] = "",
) -> Response:  # fmt: skip
    if staff.role not in (Role.PPID, Role.ATASAN_PPID) or staff.body_id is None:
        return _forbidden(request)
    body = await _body(session, staff.body_id)
    needle = q.strip()
    dik = await dik_rows(session, body, statuses=ALL_DIK, q=needle) if needle else []
    dip = await list_dip_entries(session, body.id, published_only=False, q=needle, limit=50) if needle else []
    context = {
        "nav": "requests", "body": body, "q": needle, "dik": dik, "dip": dip, "labels": STATUS_LABELS,
        "short": SHORT_LABELS, "permohonan": permohonan if permohonan.isalnum() else "",
    }  # fmt: skip
    return render(request, "staf/cari_pengecualian.html", context)
