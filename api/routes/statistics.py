"""GET /v1/statistics: the service figures of a body (or unit) and year (db/statistics.py, docs/api.md).

Staff of the body see every figure; anyone else sees the same figures with the small counts suppressed, and
with them the counts that would give them back by difference (db/statistics.py LinkedCells), so that no single
requester can be singled out from a published statistic (Pasal 17 huruf h: the requesters' personal data are
excepted information)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Query, status
from sqlalchemy import select

from api.deps import OptionalStaffDep, SessionDep, Staff, StateDep
from api.errors import bad_query
from db.models import Body, Unit
from db.statistics import Scope, first_request_year, public_figures, service_figures, year_bounds
from domain.calendar import local_date
from domain.enums import Role

router = APIRouter(prefix="/v1", tags=["statistics"])
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
YEAR = re.compile(r"[0-9]{4}")


async def statistics_now(state: StateDep) -> datetime:
    """The product's clock (simulated in training mode): the current year and the breaches are read at it."""
    return await state.now()


NowDep = Annotated[datetime, Depends(statistics_now)]


def sees_everything(staff: Staff | None, body: Body) -> bool:
    """The body's own staff (PPID Utama and Pelaksana, Atasan PPID) and the administrators."""
    if staff is None:
        return False
    return staff.role == Role.ADMIN or (
        staff.role in (Role.PPID, Role.ATASAN_PPID) and staff.body_id == body.id
    )


@router.get(
    "/statistics",
    summary="Service figures of a body and year (staff of the body; anyone else with small counts suppressed)",
)
async def get_statistics(
    session: SessionDep,
    staff: OptionalStaffDep,
    now: NowDep,
    body: Annotated[str, Query(max_length=64, description="the body's slug, e.g. kab-sanggau")],
    year: Annotated[str, Query(max_length=8, description="the year of receipt, e.g. 2027")],
    unit: Annotated[str | None, Query(max_length=64, description="a unit's slug, e.g. dinkes")] = None,
) -> dict[str, Any]:
    found = await session.scalar(select(Body).where(Body.slug == body)) if SLUG.fullmatch(body) else None
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Badan publik tidak ditemukan")
    if not YEAR.fullmatch(year):
        raise bad_query("year", "tahun harus berupa empat angka, misalnya 2027")
    current = local_date(now, found.timezone).year
    first = await first_request_year(session, found.id, found.timezone) or current
    if not first <= int(year) <= current:
        span = f"tahun {first}" if first == current else f"tahun {first} sampai {current}"
        raise bad_query("year", f"data {found.name} tersedia untuk {span}")
    unit_row = None
    unit_slug = (unit or "").strip() or None
    if unit_slug is not None:
        if SLUG.fullmatch(unit_slug):
            unit_row = await session.scalar(
                select(Unit).where(Unit.body_id == found.id, Unit.slug == unit_slug)
            )
        if unit_row is None:
            raise bad_query("unit", f"tidak ada unit dengan kode ini di {found.name}")
    scope = Scope(
        body_id=found.id, timezone=found.timezone, year=int(year), now=now,
        unit_id=unit_row.id if unit_row else None, body_slug=found.slug,
    )  # fmt: skip
    figures = await service_figures(session, scope)
    full = sees_everything(staff, found)
    zone = ZoneInfo(found.timezone)
    start, end = year_bounds(scope.year, found.timezone)
    header = {
        "body": found.slug,
        "unit": unit_row.slug if unit_row else None,
        "year": scope.year,
        "period": {
            "start": start.astimezone(zone).isoformat(),
            "end": end.astimezone(zone).isoformat(),
            "timezone": found.timezone,
        },
        "as_of": now.astimezone(zone).isoformat(),
        "view": "staff" if full else "public",
    }
    return header | (figures | {"suppressed": False} if full else public_figures(figures))
