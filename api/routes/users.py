from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path

from api.deps import AdminDep, SessionDep
from api.staff_accounts import (
    AccountChanged,
    AccountError,
    AccountIn,
    PasswordIn,
    StaffAccount,
    create_account,
    deactivate_account,
    list_accounts,
    reactivate_account,
    reset_password,
)

router = APIRouter(prefix="/v1", tags=["auth"])
Email = Annotated[str, Path(max_length=254, description="the account's email")]


def _refused(exc: AccountError) -> HTTPException:
    if exc.status_code == 422:
        return HTTPException(422, [{"loc": ["body", exc.field], "msg": exc.message, "type": "value_error"}])
    return HTTPException(exc.status_code, exc.message)


@router.get("/users", response_model=list[StaffAccount], summary="Staff accounts (admin)")
async def list_users(session: SessionDep, _admin: AdminDep) -> list[StaffAccount]:
    return await list_accounts(session)


@router.post(
    "/users", status_code=201, response_model=AccountChanged, summary="Create a staff account (admin)"
)
async def create_user(payload: AccountIn, session: SessionDep, _admin: AdminDep) -> AccountChanged:
    """`ppid`/`atasan_ppid` need `body` (a PPID Pelaksana also `unit`), `komisi` needs `komisi_informasi`.
    Without `password` one is generated and returned once in `generated_password`."""
    try:
        return await create_account(session, payload)
    except AccountError as exc:
        raise _refused(exc) from None


@router.post(
    "/users/{email}/deactivation", response_model=StaffAccount, summary="Disable a staff account (admin)"
)
async def deactivate_user(email: Email, session: SessionDep, admin: AdminDep) -> StaffAccount:
    """The account can no longer sign in; every token and page session it holds is refused from now on."""
    try:
        return await deactivate_account(session, email, admin)
    except AccountError as exc:
        raise _refused(exc) from None


@router.delete(
    "/users/{email}/deactivation", response_model=StaffAccount, summary="Reactivate a staff account (admin)"
)
async def reactivate_user(email: Email, session: SessionDep, _admin: AdminDep) -> StaffAccount:
    """The account may sign in again with its password; tokens issued before the deactivation stay refused."""
    try:
        return await reactivate_account(session, email)
    except AccountError as exc:
        raise _refused(exc) from None


@router.post("/users/{email}/password", response_model=AccountChanged, summary="Set a new password (admin)")
async def set_user_password(
    email: Email, session: SessionDep, _admin: AdminDep, payload: PasswordIn | None = None
) -> AccountChanged:
    """A new password (given, or generated and returned once in `generated_password`); every token and page
    session issued before it is refused from now on."""
    try:
        return await reset_password(session, email, payload.password if payload else None)
    except AccountError as exc:
        raise _refused(exc) from None
