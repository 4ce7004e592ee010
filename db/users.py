"""Staff accounts: creation with role checks, password hashing (argon2) and verification."""

from __future__ import annotations

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


class UserError(ValueError):
    pass


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
        raise UserError(f"unknown role {role!r}; choose one of: {', '.join(r.value for r in Role)}") from None
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    email = email.strip().lower()
    if "@" not in email:
        raise UserError(f"{email!r} is not an email address")

    body_row = unit_row = komisi_row = None
    if role_ in (Role.PPID, Role.ATASAN_PPID):
        if not body:
            raise UserError(f"role {role_.value!r} needs --body")
        body_row = await session.scalar(select(Body).where(Body.slug == body))
        if body_row is None:
            raise UserError(f"unknown body {body!r}")
    elif body:
        raise UserError(f"role {role_.value!r} does not take --body")
    if unit:
        if role_ != Role.PPID or body_row is None:
            raise UserError("--unit is only for role 'ppid' with --body")
        unit_row = await session.scalar(select(Unit).where(Unit.body_id == body_row.id, Unit.slug == unit))
        if unit_row is None:
            raise UserError(f"unknown unit {unit!r} of body {body!r}")
    if role_ == Role.KOMISI:
        if not komisi:
            raise UserError("role 'komisi' needs --komisi")
        komisi_row = await session.scalar(select(KomisiInformasi).where(KomisiInformasi.slug == komisi))
        if komisi_row is None:
            raise UserError(f"unknown Komisi Informasi {komisi!r}")
    elif komisi:
        raise UserError(f"role {role_.value!r} does not take --komisi")

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


async def deactivate_user(session: AsyncSession, *, email: str) -> User:
    """The account can no longer sign in, and every token it holds is refused from now on."""
    user = await session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise UserError(f"unknown account {email!r}")
    user.active = False
    user.token_version = (user.token_version or 0) + 1
    await session.flush()
    return user
