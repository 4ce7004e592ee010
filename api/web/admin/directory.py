"""`/staf/admin/direktori`: the Komisi Informasi, the public bodies and their units as the registers hold
them, and the import of a directory file through the same code as `ppid directory import`: a bad file names
the line and the field, and nothing is imported."""

from __future__ import annotations

import re

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from starlette.datastructures import UploadFile

from api.deps import SessionDep
from api.limits import MAX_BODY_BYTES
from api.web.admin.common import put_flash, refuse_non_admin, take_flash
from api.web.csrf import verify_csrf
from api.web.session import PageStaffDep
from api.web.templating import render
from db.directory import DirectoryError, import_directory
from db.models import Body, KomisiInformasi

router = APIRouter()
PAGE = "/staf/admin/direktori"
FIELD = "berkas"
LEVELS = {"pusat": "Pusat", "provinsi": "Provinsi", "kabupaten": "Kabupaten", "kota": "Kota"}
ZONES = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


def _in_indonesian(message: str) -> str:
    """db/directory's `line 9: bodies[0].code: …` as `baris 9: bodies[0].code: …` (the field keeps its name)."""
    return re.sub(r"(?m)^line (\d+)", r"baris \1", message)


async def _page(
    request: Request, session: SessionDep, *, errors: dict[str, str] | None = None, status_code: int = 200
) -> Response:
    komisi = (await session.scalars(select(KomisiInformasi).order_by(KomisiInformasi.name))).all()
    bodies = (
        (
            await session.scalars(
                select(Body).options(joinedload(Body.komisi), selectinload(Body.units)).order_by(Body.name)
            )
        )
        .unique()
        .all()
    )
    flash = take_flash(request)
    context = {
        "nav": "directory",
        "komisi": komisi,
        "bodies": bodies,
        "levels": LEVELS,
        "zones": ZONES,
        "errors": errors or {},
        "flash": flash.get("message") if flash else None,
        "max_kb": MAX_BODY_BYTES // 1024 - 16,
    }
    return render(request, "staf/admin/direktori.html", context, status_code=status_code)


@router.get("/direktori")
async def directory_page(request: Request, staff: PageStaffDep, session: SessionDep) -> Response:
    if (refused := refuse_non_admin(request, staff)) is not None:
        return refused
    return await _page(request, session)


@router.post("/direktori", dependencies=[Depends(verify_csrf)])
async def import_file(request: Request, staff: PageStaffDep, session: SessionDep) -> Response:
    if (refused := refuse_non_admin(request, staff)) is not None:
        return refused
    upload = (await request.form()).get(FIELD)  # the form verify_csrf has read (Starlette keeps it)
    data = await upload.read() if isinstance(upload, UploadFile) else b""
    if not data:
        return await _page(request, session, errors={FIELD: "Pilih berkas direktori (YAML)"}, status_code=422)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        error = "Berkas bukan teks UTF-8; simpan berkas YAML dengan pengodean UTF-8. Tidak ada yang diimpor."
        return await _page(request, session, errors={FIELD: error}, status_code=422)
    try:
        summary = await import_directory(session, text)
    except DirectoryError as exc:
        await session.rollback()
        error = f"Tidak ada yang diimpor. {_in_indonesian(str(exc))}"
        return await _page(request, session, errors={FIELD: error}, status_code=422)
    await session.commit()
    message = (
        f"Impor direktori selesai: {summary.komisi} Komisi Informasi, {summary.bodies} badan publik, "
        f"{summary.units} unit."
    )
    put_flash(request, {"message": message})
    return RedirectResponse(PAGE, status_code=303)
