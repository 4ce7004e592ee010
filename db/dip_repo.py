"""The Daftar Informasi Publik (DIP) register: reads and writes of `dip_entries` (db/models.py DipEntry).

UU 14/2008 Pasal 11 ayat (1) huruf a: the body keeps, available at all times, the list of all the public
information it holds; each entry says which category of Pasal 9-11 it belongs to, its summary, the unit holding
it, the officer responsible, when and where it was made, its form and how long it is kept (the Perki 1/2021
format). An entry taken down is unpublished, never deleted: what was public stays on the record.

Searches use LIKE over lower-cased text with escaped wildcards, the same on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Body, DipEntry, Unit
from db.session import write_gate

# The categories in the order the register shows them, each with its article (UU 14/2008).
CATEGORIES: dict[str, str] = {
    "berkala": "Informasi yang wajib disediakan dan diumumkan secara berkala (Pasal 9)",
    "serta_merta": "Informasi yang wajib diumumkan secara serta merta (Pasal 10)",
    "setiap_saat": "Informasi yang wajib tersedia setiap saat (Pasal 11)",
}
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
MAX_ID = 2**63 - 1  # an integer key: a larger id names nothing (and SQLite could not even bind it)
SHORT_LABELS = {"berkala": "Berkala", "serta_merta": "Serta merta", "setiap_saat": "Setiap saat"}
# The columns a caller may set (the API's DipIn, the desk's form); the rest belong to the register.
EDITABLE = (
    "unit_id", "title", "summary", "category", "responsible_officer", "made_when", "made_place", "form",
    "retention", "url", "published",
)  # fmt: skip


@dataclass(frozen=True)
class DipRow:
    """An entry with the unit holding it (none: the PPID Utama's own)."""

    entry: DipEntry
    unit_slug: str | None
    unit_name: str | None


def searchable(text: str) -> str:
    """`text` lower-cased, without control characters (PostgreSQL refuses NUL), for a LIKE search."""
    return "".join(c for c in text if c.isprintable() or c == " ").strip().lower()


def text_matches(needle: str, *columns: Any) -> Any:
    """A condition: one of the columns contains `needle` (already `searchable`), wildcards escaped."""
    return or_(*(func.lower(column).contains(needle, autoescape=True) for column in columns))


async def body_by_slug(session: AsyncSession, slug: str) -> Body | None:
    if not SLUG.fullmatch(slug):  # never sent to the database: PostgreSQL refuses NUL, for one
        return None
    body: Body | None = await session.scalar(select(Body).where(Body.slug == slug))
    return body


async def list_dip_entries(
    session: AsyncSession, body_id: int, *, published_only: bool = True, unit_id: int | None = None,
    category: str | None = None, q: str | None = None, limit: int | None = None,
) -> list[DipRow]:  # fmt: skip
    """The body's entries by category (in CATEGORIES order), then title; `q` searches title and summary."""
    where: list[Any] = [DipEntry.body_id == body_id]
    if published_only:
        where.append(DipEntry.published.is_(True))
    if unit_id is not None:
        where.append(DipEntry.unit_id == unit_id)
    if category:
        where.append(DipEntry.category == category)
    needle = searchable(q or "")
    if needle:
        where.append(text_matches(needle, DipEntry.title, DipEntry.summary))
    query = (
        select(DipEntry, Unit.slug, Unit.name)
        .outerjoin(Unit, Unit.id == DipEntry.unit_id)
        .where(*where)
        .order_by(DipEntry.title, DipEntry.id)
    )
    if limit is not None:
        query = query.limit(limit)
    rows = [DipRow(entry, slug, name) for entry, slug, name in (await session.execute(query)).all()]
    order = list(CATEGORIES)
    return sorted(rows, key=lambda r: order.index(r.entry.category) if r.entry.category in order else 99)


def by_category(rows: list[DipRow]) -> list[tuple[str, str, list[DipRow]]]:
    """(category, its label, its entries) for every category, empty ones included (the page says so)."""
    return [(key, label, [r for r in rows if r.entry.category == key]) for key, label in CATEGORIES.items()]


async def get_dip_entry(session: AsyncSession, entry_id: int) -> DipRow | None:
    if not 0 < entry_id <= MAX_ID:
        return None
    query = (
        select(DipEntry, Unit.slug, Unit.name)
        .outerjoin(Unit, Unit.id == DipEntry.unit_id)
        .where(DipEntry.id == entry_id)
    )
    found = (await session.execute(query)).first()
    return DipRow(found[0], found[1], found[2]) if found else None


async def create_dip_entry(
    session: AsyncSession, *, body_id: int, values: dict[str, Any], created_by: str
) -> DipEntry:
    """A new entry of the body; `values` holds the EDITABLE columns."""
    entry = DipEntry(
        body_id=body_id, created_by=created_by, **{k: values[k] for k in EDITABLE if k in values}
    )
    async with write_gate(session.bind):
        session.add(entry)
        await session.commit()
    return entry


async def update_dip_entry(
    session: AsyncSession, entry: DipEntry, *, values: dict[str, Any], updated_by: str
) -> DipEntry:
    """The entry with the given EDITABLE columns replaced (a column not in `values` is kept)."""
    async with write_gate(session.bind):
        for key in EDITABLE:
            if key in values:
                setattr(entry, key, values[key])
        entry.updated_by = updated_by
        await session.commit()
    return entry


async def attach_dip_document(
    session: AsyncSession, entry: DipEntry, *, sha256: str, filename: str, content_type: str, size: int,
    updated_by: str,
) -> DipEntry:  # fmt: skip
    """The entry's document (its bytes already in the file store under `sha256`), replacing any earlier one."""
    async with write_gate(session.bind):
        entry.document_sha256, entry.document_filename = sha256, filename
        entry.document_content_type, entry.document_size = content_type, size
        entry.updated_by = updated_by
        await session.commit()
    return entry
