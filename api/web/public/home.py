"""Citizen's portal: the home page. What UU 14/2008 gives a citizen, in plain words, with the lengths of the
statutory clocks taken from domain/law.py (the template reads `law`), and the public bodies of the registers with their
units, each a way into the request form."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from api.deps import SessionDep
from api.web.templating import render
from db.models import Body

router = APIRouter(include_in_schema=False)

LEVELS = {"pusat": "Pusat", "provinsi": "Provinsi", "kabupaten": "Kabupaten", "kota": "Kota"}


@dataclass
class PublicUnit:
    slug: str
    name: str


@dataclass
class PublicBody:
    slug: str
    name: str
    level: str
    komisi: str
    units: list[PublicUnit]


async def public_bodies(session: AsyncSession) -> list[PublicBody]:
    """The bodies of the registers (tables bodies/units), by name, each with its units by name."""
    query = select(Body).options(joinedload(Body.komisi), selectinload(Body.units)).order_by(Body.name)
    bodies = (await session.scalars(query)).unique().all()
    return [
        PublicBody(
            slug=b.slug,
            name=b.name,
            level=LEVELS.get(b.level, b.level),
            komisi=b.komisi.name,
            units=sorted((PublicUnit(u.slug, u.name) for u in b.units), key=lambda u: u.name),
        )
        for b in bodies
    ]


@router.get("/")
async def home(request: Request, session: SessionDep) -> Response:
    context = {"nav": "home", "bodies": await public_bodies(session)}
    return render(request, "publik/beranda.html", context)
