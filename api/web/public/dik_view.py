"""The public DIK register as its pages, CSV, JSON and PDF show it: each entry in the Perki 1/2021 columns
(information, legal basis, consequence, period, decision date, responsible unit) plus its status, and the
entry's public history. Nothing here names a person: the approving officer's account and the staff who acted
stay in the register, out of these views."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.dik_repo import DikEntryOut, entry_out, get_dik_entry, list_dik_entries
from db.dip_repo import searchable, text_matches
from db.models import Body, DikEntry, Unit
from domain.dates_id import format_date

# The statuses the public register lists (a superseded entry is replaced by the new test's entry, PP 61/2010
# Pasal 10; its own page still opens).
LISTED = ("in_force", "opened")
STATUS_LABELS = {
    "in_force": "Berlaku (dikecualikan)",
    "opened": "Sudah dibuka (informasi publik)",
    "superseded": "Diganti oleh uji konsekuensi baru",
}
OPENED_REASONS = {
    "determination": "ditetapkan terbuka oleh PPID (PP No. 61 Tahun 2010 Pasal 11 ayat (1))",
    "expired": "jangka waktu pengecualian berakhir (PP No. 61 Tahun 2010 Pasal 11 ayat (2))",
    "objection": "tanggapan Atasan PPID atas keberatan (Pasal 36 UU No. 14 Tahun 2008)",
    "dispute": "putusan Komisi Informasi (Pasal 46 UU No. 14 Tahun 2008)",
}
DIK_COLUMNS = [
    "No", "Informasi yang dikecualikan", "Dasar hukum", "Konsekuensi bila dibuka", "Jangka waktu pengecualian",
    "Tanggal penetapan", "Unit yang bertanggung jawab", "Status", "Nomor berita acara", "Tautan",
]  # fmt: skip


@dataclass(frozen=True)
class DikRow:
    """An entry as the public views show it: db/dik_repo.py's DikEntryOut with its dates as days and its link."""

    id: str
    number: str
    information: str
    excepted_part: str | None
    article: str
    legal_basis: str
    consequence: str
    period: str
    exemption_until: date | None
    exemption_condition: str | None
    decided_on: date
    unit_slug: str | None
    unit_name: str
    status: str
    opened_on: date | None
    opened_reason: str | None
    href: str

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    def public(self) -> dict[str, Any]:
        """The JSON of the public register (no personal data)."""
        return {
            "id": self.id, "number": self.number, "information": self.information,
            "excepted_part": self.excepted_part, "article": self.article, "legal_basis": self.legal_basis,
            "consequence": self.consequence, "period": self.period,
            "exemption_until": self.exemption_until.isoformat() if self.exemption_until else None,
            "exemption_condition": self.exemption_condition, "decided_on": self.decided_on.isoformat(),
            "unit": self.unit_slug, "unit_name": self.unit_name, "status": self.status,
            "opened_on": self.opened_on.isoformat() if self.opened_on else None,
            "opened_reason": self.opened_reason, "href": self.href,
        }  # fmt: skip


def dik_row(entry: DikEntryOut, body: Body) -> DikRow:
    basis = f"{entry.legal_basis}; {entry.other_law}" if entry.other_law else entry.legal_basis
    return DikRow(
        id=entry.id, number=entry.number, information=entry.information, excepted_part=entry.excepted_part,
        article=entry.article, legal_basis=basis, consequence=entry.consequence, period=entry.period,
        exemption_until=entry.exemption_until, exemption_condition=entry.exemption_condition,
        decided_on=entry.decided_at.date(), unit_slug=entry.unit,
        unit_name=entry.unit_name or f"PPID Utama {body.name}", status=entry.status,
        opened_on=entry.opened_at.date() if entry.opened_at else None,
        opened_reason=OPENED_REASONS.get(entry.opened_reason or "", entry.opened_reason),
        href=f"/dik/{body.slug}/{entry.id}",
    )  # fmt: skip


async def dik_rows(
    session: AsyncSession, body: Body, *, statuses: tuple[str, ...] = LISTED, q: str | None = None
) -> list[DikRow]:
    """The body's entries in force, then those opened, each newest decision first (db/dik_repo.py); with `q`
    or other statuses (the desk's search, superseded entries too) the matches of `q` in the information, the
    consequence or the excepted part."""
    needle = searchable(q or "")
    if not needle and statuses == LISTED:
        listed = await list_dik_entries(session, body.slug)
        return [dik_row(e, body) for e in listed or []]
    where: list[Any] = [DikEntry.body_id == body.id, DikEntry.status.in_(statuses)]
    if needle:
        where.append(text_matches(needle, DikEntry.information, DikEntry.consequence, DikEntry.excepted_part))
    query = (
        select(DikEntry, Unit)
        .outerjoin(Unit, Unit.id == DikEntry.unit_id)
        .where(*where)
        .order_by(DikEntry.decided_at.desc(), DikEntry.id)
    )
    rows = [dik_row(entry_out(e, body, u), body) for e, u in (await session.execute(query)).all()]
    return sorted(rows, key=lambda r: r.status != "in_force")  # stable: in force first


@dataclass(frozen=True)
class HistoryItem:
    on: date
    label: str


async def dik_entry(
    session: AsyncSession, body: Body, entry_id: str
) -> tuple[DikRow, list[HistoryItem]] | None:
    """One entry of the body (any status) and its history, oldest first (db/dik_repo.py: without actors)."""
    detail = await get_dik_entry(session, entry_id)
    if detail is None or detail.body != body.slug:
        return None
    row = dik_row(detail, body)
    history = [HistoryItem(h.at.date(), h.label) for h in detail.history]
    if not history:  # an entry recorded without its events still says when it was decided
        history = [HistoryItem(row.decided_on, "Ditetapkan sebagai informasi yang dikecualikan")]
    return row, history


def dik_table(rows: list[DikRow], base_url: str = "") -> tuple[list[str], list[list[Any]]]:
    """The CSV's columns and lines (dates written out, as the register prints them)."""
    lines = [
        [
            number, r.information + (f" (bagian yang dikecualikan: {r.excepted_part})" if r.excepted_part else ""),
            r.legal_basis, r.consequence, r.period, format_date(r.decided_on), r.unit_name, r.status_label,
            r.number, base_url + r.href,
        ]
        for number, r in enumerate(rows, start=1)
    ]  # fmt: skip
    return DIK_COLUMNS, lines
