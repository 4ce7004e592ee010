"""The yearly service report (Laporan Layanan Informasi Publik): its sections, its due date and its workflow id.

UU No. 14 Tahun 2008 Pasal 12 obliges every body to publish a yearly report on its information service; Perki
No. 1 Tahun 2021 Pasal 56 says what it holds and that it is prepared at the latest three months after the
budget year ends (the year is the calendar year: 31 March) with a copy to the Komisi Informasi with
jurisdiction. Pure: no I/O, usable from workflows."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from domain import law
from domain.case_change import Transition
from domain.contracts import Alarm

# The narrative sections the PPID Utama writes (Perki 1/2021 Pasal 56), as (field, heading, what it holds).
# Sections 3 (service figures) and 4 (disputes) are filled in from the registers.
NARRATIVE_SECTIONS: tuple[tuple[str, str, str], ...] = (
    ("policy", "Gambaran umum kebijakan layanan informasi publik",
     "Peraturan, SK PPID, standar layanan dan kebijakan yang berlaku selama tahun laporan."),
    ("facilities", "Sarana dan prasarana layanan",
     "Ruang atau meja layanan, laman PPID, aplikasi, akses bagi penyandang disabilitas."),
    ("staff_budget", "Sumber daya manusia dan anggaran",
     "Jumlah dan kualifikasi petugas PPID, serta anggaran layanan informasi tahun laporan."),
    ("obstacles", "Kendala internal dan eksternal", "Hambatan dalam pelaksanaan layanan informasi publik."),
    ("recommendations", "Rekomendasi dan rencana tindak lanjut",
     "Rencana perbaikan layanan untuk tahun berikutnya."),
)  # fmt: skip
NARRATIVE_FIELDS = tuple(name for name, _, _ in NARRATIVE_SECTIONS)
SECTION_MAX_CHARS = 20_000
# Perki 1/2021 Pasal 56: three months after the year ends (domain/law.py holds the date and its reminders).
DUE_MONTH, DUE_DAY = law.ANNUAL_REPORT_DUE_MONTH, law.ANNUAL_REPORT_DUE_DAY
FIRST_YEAR = 2010  # UU 14/2008 came into force on 30 April 2010 (Pasal 64)
TASK_KIND = "submit_annual_report"
ESCALATION_TASK_KIND = "annual_report_overdue"
STATUS_LABELS = {"draft": "Draf", "submitted": "Disampaikan"}


def workflow_id(body_slug: str, year: int) -> str:
    """`laporan-kab-sanggau-2026`: the body's slug and the year, never personal data."""
    return f"laporan-{body_slug}-{year}"


def due_at(year: int, tz: str) -> datetime:
    """The end (23:59:59 local) of 31 March of the year after `year`, as UTC."""
    local = datetime.combine(date(year + 1, DUE_MONTH, DUE_DAY), time(23, 59, 59), tzinfo=ZoneInfo(tz))
    return local.astimezone(UTC)


def notice_case_id(body_id: int, year: int) -> str:
    """The outbox's case id of the report's notices (32 characters at most)."""
    return f"laporan-{body_id}-{year}"


class ReportStart(BaseModel):
    """What the yearly workflow of one body and year starts with."""

    body: str  # slug
    year: int


class ReportPlan(BaseModel):
    """When the draft is prepared (at law.REMINDER_HOUR local on the first working day of the next year), when
    it is due, and the reminders before it (law.ANNUAL_REPORT_REMINDERS)."""

    prepare_at: datetime
    due_at: datetime
    timezone: str = "Asia/Jakarta"  # the body's: the dates of its refusals are written in it
    reminders: list[Alarm] = Field(default_factory=list)


class ReportEvent(BaseModel):
    """What the report's activity records: `prepared`, a reminder, `overdue`, `submitted`. The workflow decides
    the report's new status and the tasks it opens and ends (`change`); the activity writes them and renders
    the event's notices."""

    body: str
    year: int
    event: str
    at: datetime
    change: Transition = Field(default_factory=Transition)
    late: bool = False  # a submission after the due date (the workflow's own clock says so)
    actor: str | None = None
    pdf_sha256: str | None = None
    pdf_size: int | None = None
    figures: dict[str, object] | None = None


class SubmitReport(BaseModel):
    """The PPID Utama submits the report: the PDF the API rendered and stored, and the figures in it."""

    actor: str
    pdf_sha256: str
    pdf_size: int
    figures: dict[str, object]


class ReportStatus(BaseModel):
    status: str
    submitted_at: datetime | None = None
    late: bool = False


class ReportBodies(BaseModel):
    """The bodies whose report workflow for `year` the calendar watch makes sure of."""

    year: int
    bodies: list[str] = Field(default_factory=list)
