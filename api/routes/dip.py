"""The Daftar Informasi Publik (UU 14/2008 Pasal 11 ayat (1) huruf a) through the API: anyone reads a body's
published entries; the PPID of the body adds, edits and unpublishes them, a PPID Pelaksana those of its unit
only. An entry is never deleted: `DELETE` unpublishes it and `PUT` with `"published": true` puts it back."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from fastapi import APIRouter, File, HTTPException, Query, UploadFile, status
from pydantic import BaseModel, StringConstraints, field_validator
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import OptionalStaffDep, SessionDep, SettingsDep, Staff, StaffDep
from api.documents import DocumentRefused, read_upload, refused
from api.schemas import _In
from db.dip_repo import (
    CATEGORIES,
    DipRow,
    attach_dip_document,
    body_by_slug,
    create_dip_entry,
    get_dip_entry,
    list_dip_entries,
    update_dip_entry,
)
from db.filestore import FileStore
from db.models import Body, Unit
from domain.enums import Role

router = APIRouter(prefix="/v1", tags=["dip"])

Category = Literal["berkala", "serta_merta", "setiap_saat"]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=120)]
NOT_FOUND = HTTPException(status.HTTP_404_NOT_FOUND, "Entri DIP tidak ditemukan")
NOT_PPID = HTTPException(
    status.HTTP_403_FORBIDDEN, "Hanya PPID badan publik yang mengelola Daftar Informasi Publik-nya"
)
OTHER_UNIT = HTTPException(
    status.HTTP_403_FORBIDDEN, "PPID Pelaksana hanya mengelola entri DIP unitnya sendiri"
)


class DipIn(_In):
    """An entry of the DIP in the Perki 1/2021 columns."""

    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=300)]
    summary: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=5000)]
    category: Category
    unit: str | None = None  # a unit's slug; none: the PPID Utama's own (a Pelaksana: its unit)
    responsible_officer: Line
    made_when: Short
    made_place: Line
    form: Short
    retention: Short
    url: str | None = None
    published: bool = True

    @field_validator("*")
    @classmethod
    def _no_control_characters(cls, value: Any) -> Any:
        # Text is stored as typed; a control character is a typo (NUL, which PostgreSQL refuses, is already
        # refused by every input model's own check: api/schemas.py).
        if isinstance(value, str) and any(ord(c) < 32 and c not in "\n\r\t" for c in value):
            raise ValueError("teks mengandung karakter kendali yang tidak sah")
        return value

    @field_validator("url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or len(value) > 1000 or " " in value:
            raise ValueError("harus berupa alamat web lengkap yang diawali http:// atau https://")
        return value


class DipDocumentOut(BaseModel):
    filename: str
    content_type: str
    size: int
    href: str


class DipOut(BaseModel):
    id: int
    body: str
    unit: str | None
    unit_name: str | None
    title: str
    summary: str
    category: Category
    category_label: str
    responsible_officer: str
    made_when: str
    made_place: str
    form: str
    retention: str
    url: str | None
    document: DipDocumentOut | None
    published: bool
    created_at: datetime
    updated_at: datetime


def dip_out(row: DipRow, body_slug: str) -> DipOut:
    e = row.entry
    document = None
    if e.document_sha256 and e.document_filename and e.document_content_type and e.document_size is not None:
        document = DipDocumentOut(
            filename=e.document_filename, content_type=e.document_content_type, size=e.document_size,
            href=f"/dip/{body_slug}/{e.id}/berkas",
        )  # fmt: skip
    return DipOut(
        id=e.id, body=body_slug, unit=row.unit_slug, unit_name=row.unit_name, title=e.title, summary=e.summary,
        category=e.category,  # the column holds one of Category (DipIn); pydantic checks it again
        category_label=CATEGORIES.get(e.category, e.category), responsible_officer=e.responsible_officer,
        made_when=e.made_when, made_place=e.made_place, form=e.form, retention=e.retention, url=e.url,
        document=document, published=e.published, created_at=e.created_at, updated_at=e.updated_at,
    )  # fmt: skip


def bad_field(loc: list[str], message: str) -> HTTPException:
    return HTTPException(422, [{"loc": loc, "msg": message, "type": "value_error"}])


async def body_of_query(session: AsyncSession, slug: str) -> Body:
    body = await body_by_slug(session, slug)
    if body is None:
        raise bad_field(["query", "body"], "tidak ada badan publik dengan kode ini")
    return body


def require_ppid(staff: Staff) -> int:
    """The body the staff member keeps the DIP of: a PPID (Utama or Pelaksana) of a body; 403 for the others."""
    if staff.role != Role.PPID or staff.body_id is None:
        raise NOT_PPID
    return staff.body_id


async def unit_for(session: AsyncSession, staff: Staff, body_id: int, slug: str | None) -> int | None:
    """The unit an entry is kept under: a Pelaksana's own (another is 403), the Utama's choice (422 naming
    `unit` for a slug the body has none of)."""
    if not slug:
        return staff.unit_id
    unit_id = await session.scalar(select(Unit.id).where(Unit.body_id == body_id, Unit.slug == slug))
    if unit_id is None:
        raise bad_field(["body", "unit"], "tidak ada unit dengan kode ini di badan publik Anda")
    if staff.unit_id is not None and unit_id != staff.unit_id:
        raise OTHER_UNIT
    return unit_id


async def entry_to_change(session: AsyncSession, staff: Staff, entry_id: int) -> DipRow:
    """The entry the staff member may change: of their body (404 otherwise), of their unit for a Pelaksana."""
    body_id = require_ppid(staff)
    row = await get_dip_entry(session, entry_id)
    if row is None or row.entry.body_id != body_id:
        raise NOT_FOUND
    if staff.unit_id is not None and row.entry.unit_id != staff.unit_id:
        raise OTHER_UNIT
    return row


async def entry_values(session: AsyncSession, staff: Staff, body_id: int, payload: DipIn) -> dict[str, Any]:
    values = payload.model_dump(exclude={"unit"})
    values["unit_id"] = await unit_for(session, staff, body_id, payload.unit)
    return values


async def _slug(session: AsyncSession, body_id: int) -> str:
    slug = await session.scalar(select(Body.slug).where(Body.id == body_id))
    assert slug is not None  # body_id is an entry's or a staff member's: a foreign key
    return slug


@router.get("/dip", response_model=list[DipOut], summary="The body's published DIP entries (public)")
async def list_dip(
    session: SessionDep, staff: OptionalStaffDep, body: Annotated[str, Query(max_length=64)],
    category: Annotated[Category | None, Query()] = None, q: Annotated[str, Query(max_length=120)] = "",
    include_unpublished: Annotated[
        bool, Query(alias="all", description="unpublished too: the body's PPID only")
    ] = False,
) -> list[DipOut]:  # fmt: skip
    found = await body_of_query(session, body)
    if include_unpublished and (staff is None or staff.role != Role.PPID or staff.body_id != found.id):
        raise NOT_PPID
    rows = await list_dip_entries(
        session, found.id, published_only=not include_unpublished, category=category, q=q
    )
    return [dip_out(r, found.slug) for r in rows]


@router.get("/dip/{entry_id}", response_model=DipOut, summary="One published DIP entry (public)")
async def read_dip(entry_id: int, session: SessionDep, staff: OptionalStaffDep) -> DipOut:
    row = await get_dip_entry(session, entry_id)
    if row is None:
        raise NOT_FOUND
    own = staff is not None and staff.role == Role.PPID and staff.body_id == row.entry.body_id
    if not row.entry.published and not own:
        raise NOT_FOUND
    return dip_out(row, await _slug(session, row.entry.body_id))


@router.post("/dip", response_model=DipOut, status_code=201, summary="Add an entry to the body's DIP")
async def add_dip(payload: DipIn, session: SessionDep, staff: StaffDep) -> DipOut:
    body_id = require_ppid(staff)
    values = await entry_values(session, staff, body_id, payload)
    entry = await create_dip_entry(session, body_id=body_id, values=values, created_by=staff.email)
    row = await get_dip_entry(session, entry.id)
    assert row is not None
    return dip_out(row, await _slug(session, body_id))


@router.put(
    "/dip/{entry_id}", response_model=DipOut, summary="Replace a DIP entry (published: false hides it)"
)
async def edit_dip(entry_id: int, payload: DipIn, session: SessionDep, staff: StaffDep) -> DipOut:
    row = await entry_to_change(session, staff, entry_id)
    values = await entry_values(session, staff, row.entry.body_id, payload)
    await update_dip_entry(session, row.entry, values=values, updated_by=staff.email)
    fresh = await get_dip_entry(session, entry_id)
    assert fresh is not None
    return dip_out(fresh, await _slug(session, row.entry.body_id))


@router.delete("/dip/{entry_id}", response_model=DipOut, summary="Unpublish a DIP entry (it stays on record)")
async def unpublish_dip(entry_id: int, session: SessionDep, staff: StaffDep) -> DipOut:
    row = await entry_to_change(session, staff, entry_id)
    await update_dip_entry(session, row.entry, values={"published": False}, updated_by=staff.email)
    return dip_out(row, await _slug(session, row.entry.body_id))


@router.post("/dip/{entry_id}/document", response_model=DipOut, summary="Attach the entry's document")
async def attach_document(
    entry_id: int, session: SessionDep, staff: StaffDep, settings: SettingsDep,
    document: Annotated[UploadFile, File(description="PDF, gambar, dokumen kantor, ZIP atau teks")],
) -> DipOut:  # fmt: skip
    row = await entry_to_change(session, staff, entry_id)
    try:
        upload = await read_upload(document)
    except DocumentRefused as exc:
        raise refused("document", str(exc)) from None
    if upload is None:
        raise refused("document", "Pilih berkas yang akan dilampirkan")
    await asyncio.to_thread(FileStore.of(settings).put, upload.content)
    await attach_dip_document(
        session, row.entry, sha256=upload.sha256, filename=upload.filename, content_type=upload.content_type,
        size=upload.size, updated_by=staff.email,
    )  # fmt: skip
    return dip_out(row, await _slug(session, row.entry.body_id))
