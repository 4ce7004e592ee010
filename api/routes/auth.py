from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel
from sqlalchemy import select

from api.deps import SessionDep, StaffDep, StateDep, limit_login
from api.security import issue_token
from db.models import User
from db.users import verify_password

router = APIRouter(prefix="/v1/auth", tags=["auth"])


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"


class Me(BaseModel):
    email: str
    name: str
    role: str
    body: str | None
    unit: str | None
    komisi_informasi: str | None


@router.post(
    "/token", response_model=Token, summary="Staff login (OAuth2 password form)",
    dependencies=[Depends(limit_login)],
)  # fmt: skip
async def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()], session: SessionDep, state: StateDep
) -> Token:
    account = form.username.strip().lower()[:254]
    backoff = state.login_backoff
    if backoff is not None:
        backoff.check(account)
    user = await session.scalar(select(User).where(User.email == account))
    ok = verify_password(user.password_hash if user else None, form.password)
    if user is None or not ok or not user.active:
        if backoff is not None:
            backoff.failed(account)
        # One message for a wrong email and a wrong password: never say which part was wrong.
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "Email atau kata sandi salah",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if backoff is not None:
        backoff.succeeded(account)
    token = issue_token(
        user_id=user.id,
        role=user.role,
        secret=state.secret_key,
        minutes=state.settings.ppid_token_minutes,
        version=user.token_version,
    )
    return Token(access_token=token)


@router.get("/me", response_model=Me, summary="The signed-in staff member")
async def me(staff: StaffDep) -> Me:
    return Me(
        email=staff.email,
        name=staff.name,
        role=staff.role.value,
        body=staff.body_slug,
        unit=staff.unit_slug,
        komisi_informasi=staff.komisi_slug,
    )
