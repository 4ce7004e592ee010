"""Citizen's portal: the public registers of each body. The Daftar Informasi Publik (UU 14/2008 Pasal 11 ayat (1)
huruf a) at `/dip/{body}` and as CSV; the Daftar Informasi yang Dikecualikan (PP 61/2010 Pasal 3-4, the Perki
1/2021 columns) at `/dik/{body}`, as CSV, JSON and PDF, with each entry's page and history at
`/dik/{body}/{entry_id}`. No personal data in any of them: no staff email, no requester."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import SessionDep, SettingsDep, StateDep
from api.documents import document_content, download
from api.pdf import render_pdf_async
from api.web.public.dik_view import LISTED, STATUS_LABELS, dik_entry, dik_rows, dik_table
from api.web.templating import render
from db.dip_repo import SHORT_LABELS, body_by_slug, by_category, get_dip_entry, list_dip_entries
from db.filestore import FileStore
from db.models import Body, Document
from domain.dates_id import format_datetime

router = APIRouter(include_in_schema=False)

NO_BODY = HTTPException(404, "Badan publik ini tidak terdaftar di layanan ini")
NO_ENTRY = HTTPException(404, "Entri ini tidak ada di daftar badan publik ini")
DIP_COLUMNS = [
    "No", "Kategori", "Judul informasi", "Ringkasan isi informasi", "Unit yang menguasai informasi",
    "Penanggung jawab", "Waktu pembuatan", "Tempat pembuatan", "Bentuk informasi", "Jangka waktu penyimpanan",
    "Tautan",
]  # fmt: skip


def message(request: Request, exc: HTTPException) -> Response:
    context = {"title": "Tidak ditemukan", "message": str(exc.detail)}
    return render(request, "publik/permohonan_pesan.html", context, status_code=exc.status_code)


def as_csv(columns: Sequence[str], rows: Iterable[Sequence[Any]], filename: str) -> Response:
    """A CSV download (UTF-8 with a byte-order mark, so spreadsheet programs read the Indonesian text right)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return Response(
        "\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )  # fmt: skip


def _absolute(request: Request, url: str) -> str:
    return url if "://" in url else str(request.base_url).rstrip("/") + url


# --- DIP ---------------------------------------------------------------------------------------------------


@router.get("/dip/{body}.csv")
async def dip_csv(request: Request, body: str, session: SessionDep) -> Response:
    found = await body_by_slug(session, body)
    if found is None:
        return message(request, NO_BODY)
    rows = await list_dip_entries(session, found.id)
    lines = []
    for number, r in enumerate(rows, start=1):
        e = r.entry
        link = e.url or (_absolute(request, f"/dip/{found.slug}/{e.id}/berkas") if e.document_sha256 else "")
        lines.append([
            number, SHORT_LABELS.get(e.category, e.category), e.title, e.summary,
            r.unit_name or f"PPID Utama {found.name}", e.responsible_officer, e.made_when, e.made_place, e.form,
            e.retention, link,
        ])  # fmt: skip
    return as_csv(DIP_COLUMNS, lines, f"dip-{found.slug}.csv")


@router.get("/dip/{body}")
async def dip_page(
    request: Request, body: str, session: SessionDep, cari: Annotated[str, Query(max_length=120)] = ""
) -> Response:
    found = await body_by_slug(session, body)
    if found is None:
        return message(request, NO_BODY)
    rows = await list_dip_entries(session, found.id, q=cari)
    context = {
        "body": found, "groups": by_category(rows), "short": SHORT_LABELS, "cari": cari.strip(),
        "total": len(rows),
    }  # fmt: skip
    return render(request, "publik/dip.html", context)


@router.get("/dip/{body}/{entry_id}/berkas")
async def dip_document(
    request: Request, body: str, entry_id: int, session: SessionDep, settings: SettingsDep
) -> Response:
    found = await body_by_slug(session, body)
    row = await get_dip_entry(session, entry_id)
    if found is None or row is None or row.entry.body_id != found.id or not row.entry.published:
        return message(request, NO_ENTRY)
    e = row.entry
    if not (e.document_sha256 and e.document_filename and e.document_content_type and e.document_size):
        return message(request, NO_ENTRY)
    # The register's document shape, so the download is served as the case documents are (type, nosniff).
    document = Document(
        id=f"dip-{e.id}", case_id="", kind="dip", filename=e.document_filename,
        content_type=e.document_content_type, size=e.document_size, sha256=e.document_sha256, uploaded_by="",
    )  # fmt: skip
    return download(document, await document_content(FileStore.of(settings), document))


# --- DIK ---------------------------------------------------------------------------------------------------


async def _dik_context(session: AsyncSession, body: Body) -> dict[str, Any]:
    rows = await dik_rows(session, body, statuses=LISTED)
    return {
        "body": body, "in_force": [r for r in rows if r.status == "in_force"],
        "opened": [r for r in rows if r.status == "opened"], "labels": STATUS_LABELS,
    }  # fmt: skip


@router.get("/dik/{body}.csv")
async def dik_csv(request: Request, body: str, session: SessionDep) -> Response:
    found = await body_by_slug(session, body)
    if found is None:
        return message(request, NO_BODY)
    columns, lines = dik_table(await dik_rows(session, found), str(request.base_url).rstrip("/"))
    return as_csv(columns, lines, f"dik-{found.slug}.csv")


@router.get("/dik/{body}.json")
async def dik_json(request: Request, body: str, session: SessionDep) -> Response:
    found = await body_by_slug(session, body)
    if found is None:
        return JSONResponse({"detail": NO_BODY.detail}, status_code=404)
    rows = await dik_rows(session, found)
    return JSONResponse({"body": found.slug, "name": found.name, "entries": [r.public() for r in rows]})


@router.get("/dik/{body}.pdf")
async def dik_pdf(request: Request, body: str, session: SessionDep, state: StateDep) -> Response:
    found = await body_by_slug(session, body)
    if found is None:
        return message(request, NO_BODY)
    now = await state.now()
    context = await _dik_context(session, found) | {
        "title": "Daftar Informasi yang Dikecualikan", "body_name": found.name,
        "printed": f"Keadaan per {format_datetime(now, found.timezone)}",
    }  # fmt: skip
    pdf = await render_pdf_async("cetak/dik.html", context)
    return Response(
        pdf, media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="dik-{found.slug}.pdf"'},
    )  # fmt: skip


@router.get("/dik/{body}")
async def dik_page(request: Request, body: str, session: SessionDep) -> Response:
    found = await body_by_slug(session, body)
    if found is None:
        return message(request, NO_BODY)
    return render(request, "publik/dik.html", await _dik_context(session, found))


@router.get("/dik/{body}/{entry_id}")
async def dik_entry_page(request: Request, body: str, entry_id: str, session: SessionDep) -> Response:
    found = await body_by_slug(session, body)
    if found is None:
        return message(request, NO_BODY)
    found_entry = await dik_entry(session, found, entry_id)
    if found_entry is None:
        return message(request, NO_ENTRY)
    row, history = found_entry
    context = {"body": found, "row": row, "history": history}
    return render(request, "publik/dik_entri.html", context)
