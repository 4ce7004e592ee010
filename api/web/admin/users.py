"""`/staf/admin/pengguna`: the staff accounts; create, disable, reactivate and set a new password, through
the same functions as POST /v1/users and its sub-resources (api/staff_accounts.py)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from api.deps import SessionDep
from api.staff_accounts import (
    AccountChanged,
    AccountError,
    AccountIn,
    create_account,
    deactivate_account,
    list_accounts,
    reactivate_account,
    reset_password,
    role_label,
)
from api.web.admin.common import field_errors, put_flash, refuse_non_admin, sentence, take_flash
from api.web.csrf import verify_csrf
from api.web.session import PageStaffDep
from api.web.templating import render
from db.models import Body, KomisiInformasi
from db.users import MIN_PASSWORD_LENGTH, UserError, check_email
from domain.enums import Role

router = APIRouter()
PAGE = "/staf/admin/pengguna"
# The API's field names (api/staff_accounts.AccountIn) as the form names them.
FIELDS = {
    "email": "email", "name": "nama", "role": "peran", "body": "badan", "unit": "unit",
    "komisi_informasi": "komisi", "password": "kata_sandi",
}  # fmt: skip
ROLE_OPTIONS = [
    (Role.PPID.value, "PPID (Utama: tanpa unit; Pelaksana: dengan unit)"),
    (Role.ATASAN_PPID.value, "Atasan PPID"),
    (Role.KOMISI.value, "Komisi Informasi (panitera/petugas)"),
    (Role.ADMIN.value, "Administrator"),
]
CHOICES = {"role": "Pilih salah satu peran dari daftar"}
Short = Annotated[str, Form(max_length=254)]


async def _directory(session: SessionDep) -> tuple[list[Body], list[KomisiInformasi]]:
    bodies = (await session.scalars(select(Body).options(selectinload(Body.units)).order_by(Body.name))).all()
    komisi = (await session.scalars(select(KomisiInformasi).order_by(KomisiInformasi.name))).all()
    return list(bodies), list(komisi)


async def _page(
    request: Request,
    session: SessionDep,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    refusal: str | None = None,
    status_code: int = 200,
) -> Response:
    bodies, komisi = await _directory(session)
    body_names = {b.slug: b.name for b in bodies}
    unit_names = {(b.slug, u.slug): u.name for b in bodies for u in b.units}
    komisi_names = {k.slug: k.name for k in komisi}
    accounts = []
    for account in await list_accounts(session):
        scope = []
        if account.body:
            scope.append(body_names.get(account.body, account.body))
        if account.body and account.unit:
            scope.append(unit_names.get((account.body, account.unit), account.unit))
        if account.komisi_informasi:
            scope.append(komisi_names.get(account.komisi_informasi, account.komisi_informasi))
        accounts.append(
            {
                "account": account,
                "role": role_label(account.role, account.unit),
                "scope": " — ".join(scope) or "Semua badan publik",
                "path": f"{PAGE}/{quote(account.email, safe='@')}",
            }
        )
    flash = take_flash(request)
    context: dict[str, Any] = {
        "nav": "users",
        "accounts": accounts,
        "role_options": ROLE_OPTIONS,
        "body_options": [(b.slug, b.name) for b in bodies],
        "unit_groups": [
            (b.name, [(f"{b.slug}/{u.slug}", u.name) for u in b.units]) for b in bodies if b.units
        ],
        "komisi_options": [(k.slug, k.name) for k in komisi],
        "values": values or {},
        "errors": errors or {},
        "refusal": refusal,
        "flash": flash.get("message") if flash else None,
        "min_password": MIN_PASSWORD_LENGTH,
    }
    return render(request, "staf/admin/pengguna.html", context, status_code=status_code)


@router.get("/pengguna")
async def users_page(request: Request, staff: PageStaffDep, session: SessionDep) -> Response:
    if (refused := refuse_non_admin(request, staff)) is not None:
        return refused
    return await _page(request, session)


def _shown_once(request: Request, account: AccountChanged, created: bool) -> Response:
    """A password the product chose, shown on this page once (never in a cookie, a link or a log)."""
    context = {
        "nav": "users",
        "account": account,
        "created": created,
        "role": role_label(account.role, account.unit),
    }
    return render(request, "staf/admin/kata_sandi_baru.html", context)


@router.post("/pengguna", dependencies=[Depends(verify_csrf)])
async def create_user(
    request: Request,
    staff: PageStaffDep,
    session: SessionDep,
    email: Short = "",
    nama: Annotated[str, Form(max_length=300)] = "",
    peran: Annotated[str, Form(max_length=32)] = "",
    badan: Annotated[str, Form(max_length=64)] = "",
    unit: Annotated[str, Form(max_length=130)] = "",
    komisi: Annotated[str, Form(max_length=64)] = "",
    kata_sandi: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    if (refused := refuse_non_admin(request, staff)) is not None:
        return refused
    values = {"email": email, "nama": nama, "peran": peran, "badan": badan, "unit": unit, "komisi": komisi}
    errors: dict[str, str] = {}
    unit_body, _, unit_slug = unit.partition("/")
    if unit and badan and unit_body != badan:
        errors["unit"] = "Unit ini bukan bagian dari badan publik yang dipilih"
    if not email.strip():
        errors["email"] = "Isi alamat email akun"
    else:
        try:
            check_email(email)
        except UserError as exc:
            errors["email"] = sentence(exc.pesan)
    if not nama.strip():
        errors["nama"] = "Isi nama petugas"
    if not peran:
        errors["peran"] = "Pilih peran"
    if errors:
        return await _page(request, session, values=values, errors=errors, status_code=422)
    try:
        payload = AccountIn(
            email=email, name=nama, role=peran, body=badan or (unit_body if unit else None),
            unit=unit_slug or None, komisi_informasi=komisi or None, password=kata_sandi or None,
        )  # fmt: skip
        created = await create_account(session, payload)
    except ValidationError as exc:
        return await _page(
            request, session, values=values, errors=field_errors(exc, FIELDS, CHOICES), status_code=422
        )
    except AccountError as exc:
        errors = {FIELDS.get(exc.field, exc.field): sentence(exc.message)}
        return await _page(request, session, values=values, errors=errors, status_code=exc.status_code)
    if created.generated_password:
        return _shown_once(request, created, created=True)
    put_flash(
        request, {"message": f"Akun {created.email} ({role_label(created.role, created.unit)}) dibuat."}
    )
    return RedirectResponse(PAGE, status_code=303)


@router.post("/pengguna/{email}/nonaktifkan", dependencies=[Depends(verify_csrf)])
async def deactivate(request: Request, email: str, staff: PageStaffDep, session: SessionDep) -> Response:
    if (refused := refuse_non_admin(request, staff)) is not None:
        return refused
    try:
        account = await deactivate_account(session, email, staff)
    except AccountError as exc:
        return await _page(request, session, refusal=sentence(exc.message), status_code=exc.status_code)
    message = (
        f"Akun {account.email} dinonaktifkan: tidak dapat masuk lagi, dan semua sesi serta tokennya berakhir."
    )
    put_flash(request, {"message": message})
    return RedirectResponse(PAGE, status_code=303)


@router.post("/pengguna/{email}/aktifkan", dependencies=[Depends(verify_csrf)])
async def reactivate(request: Request, email: str, staff: PageStaffDep, session: SessionDep) -> Response:
    if (refused := refuse_non_admin(request, staff)) is not None:
        return refused
    try:
        account = await reactivate_account(session, email)
    except AccountError as exc:
        return await _page(request, session, refusal=sentence(exc.message), status_code=exc.status_code)
    put_flash(request, {"message": f"Akun {account.email} aktif kembali; masuk dengan kata sandinya."})
    return RedirectResponse(PAGE, status_code=303)


async def _password_page(
    request: Request,
    session: SessionDep,
    email: str,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    accounts = await list_accounts(session, email=email.strip().lower())
    if not accounts:
        return await _page(request, session, refusal=f"Akun {email} tidak ada.", status_code=404)
    account = accounts[0]
    context = {
        "nav": "users",
        "account": account,
        "role": role_label(account.role, account.unit),
        "path": f"{PAGE}/{quote(account.email, safe='@')}/kata-sandi",
        "values": {},
        "errors": errors or {},
        "min_password": MIN_PASSWORD_LENGTH,
    }
    return render(request, "staf/admin/kata_sandi.html", context, status_code=status_code)


@router.get("/pengguna/{email}/kata-sandi")
async def password_page(request: Request, email: str, staff: PageStaffDep, session: SessionDep) -> Response:
    if (refused := refuse_non_admin(request, staff)) is not None:
        return refused
    return await _password_page(request, session, email)


@router.post("/pengguna/{email}/kata-sandi", dependencies=[Depends(verify_csrf)])
async def set_password(
    request: Request,
    email: str,
    staff: PageStaffDep,
    session: SessionDep,
    kata_sandi_baru: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    if (refused := refuse_non_admin(request, staff)) is not None:
        return refused
    try:
        account = await reset_password(session, email, kata_sandi_baru or None)
    except AccountError as exc:
        if exc.status_code == 404:
            return await _page(request, session, refusal=sentence(exc.message), status_code=404)
        errors = {"kata_sandi_baru": sentence(exc.message)}
        return await _password_page(request, session, email, errors=errors, status_code=exc.status_code)
    if account.generated_password:
        return _shown_once(request, account, created=False)
    message = f"Kata sandi {account.email} diatur ulang; semua sesi dan token lamanya berakhir."
    put_flash(request, {"message": message})
    return RedirectResponse(PAGE, status_code=303)
