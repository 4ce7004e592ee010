"""The staff desk's entry: sign-in, sign-out and the inbox of open tasks."""

from __future__ import annotations

from typing import Annotated, cast
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from api.deps import SessionDep, StateDep, limit_login
from api.routes.requests import searchable
from api.routes.tasks import SlaState, TaskFilter, open_tasks, task_options
from api.web.casework import page_asked
from api.web.csrf import verify_csrf
from api.web.session import PageStaffDep, safe_back_to, sign_in_session
from api.web.templating import SLA_LABELS, render
from db.models import User
from db.users import verify_password

router = APIRouter(prefix="/staf", include_in_schema=False)

TASK_LABELS = {
    "decide_request": "Putuskan permohonan (pemberitahuan tertulis, Pasal 22 ayat (7))",
    "extension_prompt": "Perlu perpanjangan? (Pasal 22 ayat (8))",
    "escalated_request": "Permohonan tidak ditanggapi: tindak lanjut Atasan PPID",
    "answer_objection": "Jawab keberatan (Pasal 36)",
    "deliver_information": "Sampaikan informasi sesuai tanggapan Atasan PPID",
    "register_dispute": "Registrasi sengketa (Pasal 38)",
    "settle_dispute": "Selesaikan sengketa (Pasal 38 ayat (2))",
    "comply_with_ki_decision": "Laksanakan putusan Komisi Informasi",
    "confirm_cuti_bersama": "Konfirmasi cuti bersama (SKB)",
    "send_notice": "Kirim pemberitahuan lewat surat atau telepon (pemohon tanpa email)",
    "review_consequence_test": "Telaah uji konsekuensi (PPID Utama)",
    "revise_consequence_test": "Perbaiki uji konsekuensi yang dikembalikan",
    "approve_consequence_test": "Sahkan uji konsekuensi (PP 61/2010 Pasal 3 ayat (2))",
    "dik_determination": "Tetapkan pembukaan informasi DIK (PP 61/2010 Pasal 11)",
    "submit_annual_report": "Sampaikan laporan layanan informasi publik tahunan (Pasal 12)",
    "annual_report_overdue": "Laporan tahunan terlambat: tindak lanjut Atasan PPID (Pasal 12)",
}
OBJECT_PATHS = {
    "request": "/staf/permohonan/{}",
    "objection": "/staf/keberatan/{}",
    "dispute": "/staf/sengketa/{}",
    "calendar": "/staf/admin/kalender",
    "consequence_test": "/staf/uji/{}",  # the test's page, with the step the task asks for
    "dik": "/staf/uji/dik/{}",  # the DIK entry's desk page, with its determination form
    "report": "/staf/laporan/{}",  # the yearly report (the task's case id is the year)
}
# A task done on a page of its own (the task's id): the link beside its label; its number still opens the case.
TASK_PATHS = {
    "send_notice": "/staf/pemberitahuan/{}",
}
PAGE_SIZE = 50  # the inbox's rows a page
BAD_PAGE = "Nomor halaman tidak sah; yang ditampilkan halaman pertama."


@router.get("/masuk")
async def sign_in_page(
    request: Request, lanjut: Annotated[str | None, Query(max_length=500)] = None
) -> Response:
    return render(request, "staf/masuk.html", {"values": {}, "errors": {}, "lanjut": safe_back_to(lanjut)})


@router.post("/masuk", dependencies=[Depends(verify_csrf), Depends(limit_login)])
async def sign_in(
    request: Request,
    session: SessionDep,
    state: StateDep,
    email: Annotated[str, Form(max_length=254)] = "",
    kata_sandi: Annotated[str, Form(max_length=500)] = "",
    lanjut: Annotated[str, Form(max_length=500)] = "/staf",
) -> Response:
    account = email.strip().lower()
    errors: dict[str, str] = {}
    if not account:
        errors["email"] = "Isi alamat email akun petugas Anda"
    if not kata_sandi:
        errors["kata_sandi"] = "Isi kata sandi"
    if not errors:
        backoff = state.login_backoff
        try:
            if backoff is not None:
                backoff.check(account)
        except HTTPException as exc:
            errors["kata_sandi"] = str(exc.detail)
        else:
            user = await session.scalar(select(User).where(User.email == account))
            ok = verify_password(user.password_hash if user else None, kata_sandi)
            if user is not None and ok and user.active:
                if backoff is not None:
                    backoff.succeeded(account)
                sign_in_session(request, user.id, user.token_version)
                return RedirectResponse(safe_back_to(lanjut), status_code=303)
            if backoff is not None:
                backoff.failed(account)
            # One message for a wrong email and a wrong password: never say which part was wrong.
            errors["kata_sandi"] = "Email atau kata sandi salah"
    context = {"values": {"email": email}, "errors": errors, "lanjut": safe_back_to(lanjut)}
    return render(request, "staf/masuk.html", context, status_code=400)


@router.post("/keluar", dependencies=[Depends(verify_csrf)])
async def sign_out(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/staf/masuk?keluar=1", status_code=303)


@router.get("")
async def inbox(
    request: Request,
    staff: PageStaffDep,
    session: SessionDep,
    state: StateDep,
    jenis: Annotated[str, Query(max_length=40)] = "",
    unit: Annotated[str, Query(max_length=64)] = "",
    sla: Annotated[str, Query(max_length=16)] = "",
    q: Annotated[str, Query(max_length=120)] = "",
    halaman: Annotated[str, Query(max_length=40)] = "1",
) -> Response:
    kinds, units = await task_options(session, staff)
    values = {
        "jenis": jenis if jenis in kinds else "", "unit": unit if unit in units else "",
        "sla": sla if sla in SLA_LABELS else "", "q": searchable(q).strip(),
    }  # fmt: skip
    chosen = TaskFilter(
        kind=values["jenis"] or None, unit=values["unit"] or None,
        sla=cast(SlaState, values["sla"]) if values["sla"] else None, q=values["q"] or None,
    )  # fmt: skip
    now = await state.now()
    asked = page_asked(halaman)
    page = asked or 1
    found = await open_tasks(session, staff, now, chosen, page=page, per_page=PAGE_SIZE)
    page_note = "" if asked else BAD_PAGE
    if found.total and page > found.pages:
        found = await open_tasks(session, staff, now, chosen, page=found.pages, per_page=PAGE_SIZE)
        page_note = f"Halaman {page} tidak ada; yang ditampilkan halaman terakhir."
    rows = [
        {
            "task": t,
            "label": TASK_LABELS.get(t.kind, t.kind),
            "href": OBJECT_PATHS.get(t.object, "/staf").format(t.object_id),
            "task_href": TASK_PATHS[t.kind].format(t.id) if t.kind in TASK_PATHS else None,
        }
        for t in found.items
    ]
    context = {
        "nav": "inbox", "rows": rows, "found": found, "values": values, "filtered": any(values.values()),
        "filter_query": urlencode({k: v for k, v in values.items() if v}), "page_note": page_note,
        "kind_options": [(k, TASK_LABELS.get(k, k)) for k in kinds], "unit_options": [(u, u) for u in units],
        "sla_options": list(SLA_LABELS.items()),
    }  # fmt: skip
    return render(request, "staf/inbox.html", context)
