"""Staff accounts (admin): the list, creation, deactivation, reactivation and a new password. The API
(api/routes/users.py) and the admin page (api/web/admin/users.py) both go through these functions; a refusal
names the field and says why in Indonesian (db/users.UserError carries both)."""

from __future__ import annotations

import secrets

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import Staff
from api.schemas import _In
from db.models import Body, KomisiInformasi, Unit, User
from db.users import (
    ROLE_LABELS,
    UserError,
    create_or_update_user,
    deactivate_user,
    reactivate_user,
    set_password,
)
from domain.enums import Role

GENERATED_PASSWORD_BYTES = 12  # 16 characters of the URL-safe alphabet


class AccountError(Exception):
    """A refused account change: the HTTP status, the API's field name and the message in Indonesian."""

    def __init__(self, status_code: int, field: str, message: str) -> None:
        super().__init__(message)
        self.status_code, self.field, self.message = status_code, field, message


# db/users.UserError's fields as the API names them.
API_FIELDS = {"komisi": "komisi_informasi"}


class StaffAccount(BaseModel):
    email: str
    name: str
    role: str
    body: str | None
    unit: str | None
    komisi_informasi: str | None
    active: bool


class AccountIn(_In):
    email: str = Field(min_length=3, max_length=254)
    name: str = Field(min_length=1, max_length=200)
    role: Role
    body: str | None = Field(default=None, max_length=64, description="ppid and atasan_ppid: the body's slug")
    unit: str | None = Field(default=None, max_length=64, description="a PPID Pelaksana: the unit's slug")
    komisi_informasi: str | None = Field(default=None, max_length=64, description="komisi: the KI's slug")
    password: str | None = Field(
        default=None,
        max_length=200,
        description="at least 8 characters; left out, one is generated and returned",
    )


class PasswordIn(_In):
    password: str | None = Field(
        default=None,
        max_length=200,
        description="at least 8 characters; left out, one is generated and returned",
    )


class AccountChanged(StaffAccount):
    generated_password: str | None = Field(
        default=None,
        description="only when the product chose the password: shown once, never stored in clear",
    )


def generated_password() -> str:
    return secrets.token_urlsafe(GENERATED_PASSWORD_BYTES)


def role_label(role: str, unit: str | None = None) -> str:
    if role == Role.PPID:
        return "PPID Pelaksana" if unit else "PPID Utama"
    try:
        return ROLE_LABELS[Role(role)]
    except ValueError:
        return role


def _refused(exc: UserError, status_code: int = 422) -> AccountError:
    return AccountError(status_code, API_FIELDS.get(exc.field, exc.field or "email"), exc.pesan)


async def _account(session: AsyncSession, email: str) -> StaffAccount:
    accounts = await list_accounts(session, email=email.strip().lower())
    if not accounts:
        raise AccountError(404, "email", f"akun {email!r} tidak ada")
    return accounts[0]


async def list_accounts(session: AsyncSession, *, email: str | None = None) -> list[StaffAccount]:
    query = (
        select(User, Body.slug, Unit.slug, KomisiInformasi.slug)
        .outerjoin(Body, Body.id == User.body_id)
        .outerjoin(Unit, Unit.id == User.unit_id)
        .outerjoin(KomisiInformasi, KomisiInformasi.id == User.komisi_id)
        .order_by(User.email)
    )
    if email is not None:
        query = query.where(User.email == email)
    rows = await session.execute(query)
    return [
        StaffAccount(
            email=user.email,
            name=user.name,
            role=user.role,
            body=body,
            unit=unit,
            komisi_informasi=komisi,
            active=user.active,
        )
        for user, body, unit, komisi in rows
    ]


async def create_account(session: AsyncSession, payload: AccountIn) -> AccountChanged:
    """A new account (409 when the email has one: a new password is POST /v1/users/{email}/password)."""
    email = payload.email.strip().lower()
    if await session.scalar(select(User.id).where(User.email == email)) is not None:
        raise AccountError(
            409, "email", f"akun {email} sudah ada; untuk kata sandi baru gunakan atur ulang kata sandi"
        )
    chosen = payload.password or None
    password = chosen or generated_password()
    try:
        await create_or_update_user(
            session, email=email, password=password, role=payload.role.value, body=payload.body or None,
            unit=payload.unit or None, komisi=payload.komisi_informasi or None, name=payload.name,
        )  # fmt: skip
    except UserError as exc:
        await session.rollback()
        raise _refused(exc) from None
    await session.commit()
    account = await _account(session, email)
    return AccountChanged(**account.model_dump(), generated_password=None if chosen else password)


async def deactivate_account(session: AsyncSession, email: str, admin: Staff) -> StaffAccount:
    """The account can no longer sign in; its tokens and page sessions end now."""
    if email.strip().lower() == admin.email:
        raise AccountError(409, "email", "Anda tidak dapat menonaktifkan akun Anda sendiri")
    try:
        await deactivate_user(session, email=email)
    except UserError as exc:
        raise _refused(exc, 404) from None
    await session.commit()
    return await _account(session, email)


async def reactivate_account(session: AsyncSession, email: str) -> StaffAccount:
    """The account may sign in again with its password (tokens issued before stay refused)."""
    try:
        await reactivate_user(session, email=email)
    except UserError as exc:
        raise _refused(exc, 404) from None
    await session.commit()
    return await _account(session, email)


async def reset_password(session: AsyncSession, email: str, password: str | None) -> AccountChanged:
    """A new password (given, or generated and returned once): every older token and session ends."""
    new = password or generated_password()
    if await session.scalar(select(User.id).where(User.email == email.strip().lower())) is None:
        raise AccountError(404, "email", f"akun {email!r} tidak ada")
    try:
        await set_password(session, email=email, password=new)
    except UserError as exc:
        raise _refused(exc) from None
    await session.commit()
    account = await _account(session, email)
    return AccountChanged(**account.model_dump(), generated_password=None if password else new)
