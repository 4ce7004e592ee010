from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from api.deps import SessionDep
from db.models import Body

router = APIRouter(prefix="/v1", tags=["directory"])


class UnitOut(BaseModel):
    slug: str
    name: str


class BodyOut(BaseModel):
    slug: str
    name: str
    code: str
    level: str
    timezone: str
    state_body: bool
    komisi_informasi: str
    units: list[UnitOut]


@router.get("/bodies", response_model=list[BodyOut], summary="The public bodies and their PPID units")
async def list_bodies(session: SessionDep) -> list[BodyOut]:
    query = select(Body).options(joinedload(Body.komisi), selectinload(Body.units)).order_by(Body.name)
    bodies = (await session.scalars(query)).unique().all()
    return [
        BodyOut(
            slug=b.slug,
            name=b.name,
            code=b.code,
            level=b.level,
            timezone=b.timezone,
            state_body=b.state_body,
            komisi_informasi=b.komisi.slug,
            units=[UnitOut(slug=u.slug, name=u.name) for u in b.units],
        )
        for b in bodies
    ]
