"""Reading a request with its body and unit in one query (every case event and every case view does)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Body, InfoRequest, Unit


async def load_request(
    session: AsyncSession, request_id: str
) -> tuple[InfoRequest, Body, Unit | None] | None:
    """The request, its body and its unit (None when not assigned); None when there is no such request.
    The rows land in the session's identity map, so a later `session.get` of the same unit costs no query."""
    row = (
        await session.execute(
            select(InfoRequest, Body, Unit)
            .join(Body, Body.id == InfoRequest.body_id)
            .outerjoin(Unit, Unit.id == InfoRequest.unit_id)
            .where(InfoRequest.id == request_id)
        )
    ).first()
    if row is None:
        return None
    request, body, unit = row
    return request, body, unit
