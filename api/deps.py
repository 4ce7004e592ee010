"""Typed dependencies: the session, the settings, the Temporal client and the signed-in staff member."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from api.ratelimit import client_key
from api.security import InvalidToken, read_token
from api.state import AppState
from base.settings import Settings
from db.models import Body, KomisiInformasi, Unit, User
from domain.enums import Role

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/v1/auth/token", auto_error=False)


# Dependencies are coroutines: FastAPI would run plain functions in a thread pool, a hop per request.
async def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.ppid
    return state


StateDep = Annotated[AppState, Depends(get_state)]


async def get_settings_dep(state: StateDep) -> Settings:
    return state.settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


async def get_session(state: StateDep) -> AsyncIterator[AsyncSession]:
    async with state.sessions() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


async def get_temporal(state: StateDep) -> Client:
    try:
        return await state.temporal()
    except Exception as exc:  # the server is down: say so instead of a 500
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "Temporal tidak dapat dihubungi") from exc


TemporalDep = Annotated[Client, Depends(get_temporal)]


@dataclass(frozen=True)
class Staff:
    """The signed-in staff member and the scope they act in."""

    id: int
    email: str
    name: str
    role: Role
    body_id: int | None
    body_slug: str | None
    unit_id: int | None
    unit_slug: str | None
    komisi_id: int | None
    komisi_slug: str | None


UNAUTHORIZED = HTTPException(
    status.HTTP_401_UNAUTHORIZED, "Tidak masuk atau sesi berakhir", headers={"WWW-Authenticate": "Bearer"}
)


async def load_staff(session: AsyncSession, user_id: int, version: int) -> Staff | None:
    """The active account with its scope, when `version` is still its token version (None otherwise): a
    password change or a deactivation revokes every bearer token and every page session issued before it."""
    row = (
        await session.execute(
            select(User, Body.slug, Unit.slug, KomisiInformasi.slug)
            .outerjoin(Body, Body.id == User.body_id)
            .outerjoin(Unit, Unit.id == User.unit_id)
            .outerjoin(KomisiInformasi, KomisiInformasi.id == User.komisi_id)
            .where(User.id == user_id)
        )
    ).first()
    if row is None or not row[0].active or row[0].token_version != version:
        return None
    user, body_slug, unit_slug, komisi_slug = row
    return Staff(
        id=user.id,
        email=user.email,
        name=user.name,
        role=Role(user.role),
        body_id=user.body_id,
        body_slug=body_slug,
        unit_id=user.unit_id,
        unit_slug=unit_slug,
        komisi_id=user.komisi_id,
        komisi_slug=komisi_slug,
    )


async def get_optional_staff(
    state: StateDep, session: SessionDep, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> Staff | None:
    if not token:
        return None
    try:
        claims = read_token(token, secret=state.secret_key, previous=state.previous_secret_keys)
    except InvalidToken:
        raise UNAUTHORIZED from None
    staff = await load_staff(session, claims.user_id, claims.version)
    if staff is None:
        raise UNAUTHORIZED
    return staff


OptionalStaffDep = Annotated[Staff | None, Depends(get_optional_staff)]


async def get_staff(staff: OptionalStaffDep) -> Staff:
    if staff is None:
        raise UNAUTHORIZED
    return staff


StaffDep = Annotated[Staff, Depends(get_staff)]


def require_roles(*roles: Role) -> Callable[[Staff], Coroutine[Any, Any, Staff]]:
    """A dependency that lets only the given roles through (403 for the others)."""

    async def check(staff: StaffDep) -> Staff:
        if staff.role not in roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "Peran Anda tidak berwenang untuk tindakan ini")
        return staff

    return check


AdminDep = Annotated[Staff, Depends(require_roles(Role.ADMIN))]


async def limit_intake(request: Request, state: StateDep, staff: OptionalStaffDep) -> None:
    """Anonymous intake is limited per address; staff recording walk-in requests are not."""
    if staff is None and state.intake_limit is not None:
        state.intake_limit.check(client_key(request))


async def limit_tracking(request: Request, state: StateDep) -> None:
    """Calls with a tracking code are limited per address, so codes cannot be guessed by brute force."""
    if request.headers.get("x-tracking-code") and state.tracking_limit is not None:
        state.tracking_limit.check(client_key(request))


async def limit_login(request: Request, state: StateDep) -> None:
    if state.login_limit is not None:
        state.login_limit.check(client_key(request))
