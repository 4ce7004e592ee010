"""Staff accounts: creation with role checks, password hashing (argon2) and verification."""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Body, KomisiInformasi, Unit, User
from domain.enums import Role

_hasher = PasswordHasher()
# Verified against when the email is unknown, so a wrong email costs the same time as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")
MIN_PASSWORD_LENGTH = 8
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
ROLE_LABELS = {
    Role.ADMIN: "Administrator",
    Role.PPID: "PPID",
    Role.ATASAN_PPID: "Atasan PPID",
    Role.KOMISI: "Komisi Informasi",
}


class UserError(ValueError):
    """A refused account change: the English message for the command line, and for the pages and the API the
    field it is about (`email`, `password`, `role`, `body`, `unit`, `komisi`) with a message in Indonesian."""

    def __init__(self, message: str, *, field: str = "", pesan: str = "") -> None:
        super().__init__(message)
        self.field = field
        self.pesan = pesan or message


def check_email(email: str) -> str:
    """The address as accounts keep it (trimmed, lower case), or UserError."""
    email = email.strip().lower()
    if not EMAIL.fullmatch(email):
        raise UserError(
            f"{email!r} is not an email address",
            field="email",
            pesan="alamat email tidak sah (contoh: nama@instansi.go.id)",
        )
    return email


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(
            f"the password must have at least {MIN_PASSWORD_LENGTH} characters", field="password",
            pesan=f"kata sandi harus berisi sedikitnya {MIN_PASSWORD_LENGTH} karakter",
        )  # fmt: skip


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


async def create_or_update_user(
    session: AsyncSession,
    *,
    email: str,
    password: str,
    role: str,
    body: str | None = None,
    unit: str | None = None,
    komisi: str | None = None,
    name: str | None = None,
) -> User:
    try:
        role_ = Role(role)
    except ValueError:
        raise UserError(
            f"unknown role {role!r}; choose one of: {', '.join(r.value for r in Role)}",
            field="role",
            pesan=f"peran tidak dikenal; pilih salah satu dari: {', '.join(ROLE_LABELS.values())}",
        ) from None
    check_password(password)
    email = check_email(email)
    label = ROLE_LABELS[role_]

    body_row = unit_row = komisi_row = None
    if role_ in (Role.PPID, Role.ATASAN_PPID):
        if not body:
            raise UserError(
                f"role {role_.value!r} needs --body",
                field="body",
                pesan=f"peran {label} memerlukan badan publik",
            )
        body_row = await session.scalar(select(Body).where(Body.slug == body))
        if body_row is None:
            raise UserError(f"unknown body {body!r}", field="body", pesan=f"badan publik {body!r} tidak ada")
    elif body:
        raise UserError(
            f"role {role_.value!r} does not take --body", field="body",
            pesan=f"peran {label} tidak terikat pada satu badan publik; kosongkan badan publik",
        )  # fmt: skip
    if unit:
        if role_ != Role.PPID or body_row is None:
            raise UserError(
                "--unit is only for role 'ppid' with --body", field="unit",
                pesan="unit hanya untuk peran PPID (PPID Pelaksana) beserta badan publiknya",
            )  # fmt: skip
        unit_row = await session.scalar(select(Unit).where(Unit.body_id == body_row.id, Unit.slug == unit))
        if unit_row is None:
            raise UserError(
                f"unknown unit {unit!r} of body {body!r}", field="unit",
                pesan=f"unit {unit!r} tidak ada di badan publik {body!r}",
            )  # fmt: skip
    if role_ == Role.KOMISI:
        if not komisi:
            raise UserError(
                "role 'komisi' needs --komisi", field="komisi",
                pesan="peran Komisi Informasi memerlukan Komisi Informasi",
            )  # fmt: skip
        komisi_row = await session.scalar(select(KomisiInformasi).where(KomisiInformasi.slug == komisi))
        if komisi_row is None:
            raise UserError(
                f"unknown Komisi Informasi {komisi!r}",
                field="komisi",
                pesan=f"Komisi Informasi {komisi!r} tidak ada",
            )
    elif komisi:
        raise UserError(
            f"role {role_.value!r} does not take --komisi", field="komisi",
            pesan=f"peran {label} tidak terikat pada Komisi Informasi; kosongkan Komisi Informasi",
        )  # fmt: skip

    user = await session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(email=email, token_version=0)
        session.add(user)
    elif not verify_password(user.password_hash, password) or not user.active:
        # A new password (or a reactivation) revokes every token issued before it.
        user.token_version = (user.token_version or 0) + 1
    user.password_hash = hash_password(password)
    user.role = role_.value
    user.name = name if name is not None else (user.name or "")
    user.body_id = body_row.id if body_row else None
    user.unit_id = unit_row.id if unit_row else None
    user.komisi_id = komisi_row.id if komisi_row else None
    user.active = True
    await session.flush()
    return user


async def _account(session: AsyncSession, email: str) -> User:
    user = await session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise UserError(f"unknown account {email!r}", field="email", pesan=f"akun {email!r} tidak ada")
    return user


async def deactivate_user(session: AsyncSession, *, email: str) -> User:
    """The account can no longer sign in, and every token it holds is refused from now on."""
    user = await _account(session, email)
    user.active = False
    user.token_version = (user.token_version or 0) + 1
    await session.flush()
    return user


async def reactivate_user(session: AsyncSession, *, email: str) -> User:
    """The account may sign in again with its password; tokens issued before its deactivation stay refused."""
    user = await _account(session, email)
    user.active = True
    await session.flush()
    return user


async def set_password(session: AsyncSession, *, email: str, password: str) -> User:
    """A new password: every token and page session issued before it is refused from now on."""
    check_password(password)
    user = await _account(session, email)
    user.password_hash = hash_password(password)
    user.token_version = (user.token_version or 0) + 1
    await session.flush()
    return user
