"""The DIK register read by everyone: the API (`GET /v1/dik`, `GET /v1/dik/{id}`), the public page and CSV.

- `list_dik_entries(session, body_slug, include_opened=True) -> list[DikEntryOut] | None`: the body's entries
  in force (and opened ones unless `include_opened` is False), in force first, newest decision first; None
  when there is no such body. Superseded entries are left out (the entry that replaced them names them in its
  history). Public data only: the Perki 1/2021 columns, never staff emails or requester data.
- `get_dik_entry(session, entry_id) -> DikEntryDetail | None`: one entry (any status) and its history
  (tested, approved, determination due, renewed, opened), without actors.
- `find_dik_entry(session, entry_id)`: the row (any body), for a decision that cites it.

Dates: `decided_at` and `opened_at` are in the body's time zone; `exemption_until` is the period's last day.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlalchemy import case, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Body, DikEntry, TimelineEvent, Unit
from domain.exceptions import GROUNDS, period_text

PUBLIC_STATUSES = ("in_force", "opened")


class DikEntryOut(BaseModel):
    id: str
    number: str  # the berita acara uji konsekuensi
    body: str
    information: str
    excepted_part: str | None
    article: str  # 17a … 17j
    point: int | None
    legal_basis: str  # `Pasal 17 huruf h angka 2 UU No. 14 Tahun 2008`
    ground: str  # what opening it would do (Pasal 17)
    other_law: str | None
    consequence: str
    exemption_until: date | None
    exemption_condition: str | None
    period: str  # `sampai dengan 30 April 2027` or the condition
    decided_at: datetime
    unit: str | None
    unit_name: str | None
    status: str  # in_force | opened | superseded
    opened_at: datetime | None = None
    opened_reason: str | None = None  # determination | expired | objection | dispute
    superseded_by: str | None = None


class DikHistoryLine(BaseModel):
    at: datetime
    event: str
    label: str


class DikEntryDetail(DikEntryOut):
    history: list[DikHistoryLine]


def _local(moment: datetime | None, tz: str) -> datetime | None:
    return moment.astimezone(ZoneInfo(tz)) if moment is not None else None


def entry_out(entry: DikEntry, body: Body, unit: Unit | None) -> DikEntryOut:
    ground = GROUNDS[entry.article]
    decided = _local(entry.decided_at, body.timezone)
    assert decided is not None
    return DikEntryOut(
        id=entry.id, number=entry.number, body=body.slug, information=entry.information,
        excepted_part=entry.excepted_part, article=entry.article, point=entry.point,
        legal_basis=ground.cite(entry.point), ground=ground.title, other_law=entry.other_law,
        consequence=entry.consequence, exemption_until=entry.exemption_until,
        exemption_condition=entry.exemption_condition,
        period=period_text(entry.exemption_until, entry.exemption_condition), decided_at=decided,
        unit=unit.slug if unit else None, unit_name=unit.name if unit else None, status=entry.status,
        opened_at=_local(entry.opened_at, body.timezone), opened_reason=entry.opened_reason,
        superseded_by=entry.superseded_by,
    )  # fmt: skip


async def list_dik_entries(
    session: AsyncSession, body_slug: str, include_opened: bool = True
) -> list[DikEntryOut] | None:
    body = await session.scalar(select(Body).where(Body.slug == body_slug))
    if body is None:
        return None
    statuses = PUBLIC_STATUSES if include_opened else ("in_force",)
    query = (
        select(DikEntry, Unit)
        .outerjoin(Unit, Unit.id == DikEntry.unit_id)
        .where(DikEntry.body_id == body.id, DikEntry.status.in_(statuses))
        .order_by(case((DikEntry.status == "in_force", 0), else_=1), DikEntry.decided_at.desc(), DikEntry.id)
    )
    return [entry_out(entry, body, unit) for entry, unit in (await session.execute(query)).all()]


async def get_dik_entry(session: AsyncSession, entry_id: str) -> DikEntryDetail | None:
    entry = await session.get(DikEntry, entry_id) if len(entry_id) <= 32 else None
    if entry is None:
        return None
    body = await session.get(Body, entry.body_id)
    assert body is not None
    unit = await session.get(Unit, entry.unit_id) if entry.unit_id else None
    events = (
        await session.scalars(
            select(TimelineEvent)
            .where(TimelineEvent.subject_type == "dik", TimelineEvent.subject_id == entry.id)
            .order_by(TimelineEvent.at, TimelineEvent.id)
        )
    ).all()
    history = [
        DikHistoryLine(at=e.at.astimezone(ZoneInfo(body.timezone)), event=e.event, label=e.label)
        for e in events
    ]
    return DikEntryDetail(**entry_out(entry, body, unit).model_dump(), history=history)


async def find_dik_entry(session: AsyncSession, entry_id: str) -> DikEntry | None:
    return await session.get(DikEntry, entry_id) if len(entry_id) <= 32 else None
