from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import select

from api.deps import AdminDep, SessionDep
from db.models import Body, KomisiInformasi, Unit, User

router = APIRouter(prefix="/v1", tags=["auth"])


class StaffAccount(BaseModel):
    email: str
    name: str
    role: str
    body: str | None
    unit: str | None
    komisi_informasi: str | None
    active: bool


@router.get("/users", response_model=list[StaffAccount], summary="Staff accounts (admin)")
async def list_users(session: SessionDep, _admin: AdminDep) -> list[StaffAccount]:
    rows = await session.execute(
        select(User, Body.slug, Unit.slug, KomisiInformasi.slug)
        .outerjoin(Body, Body.id == User.body_id)
        .outerjoin(Unit, Unit.id == User.unit_id)
        .outerjoin(KomisiInformasi, KomisiInformasi.id == User.komisi_id)
        .order_by(User.email)
    )
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
