"""Dates written the Indonesian way ("4 Desember 2026") and deadlines explained in Bahasa Indonesia."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from domain.calendar import WEEKDAY_NAMES, Deadline
from domain.enums import DeadlineUnit

MONTHS = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)  # fmt: skip
ZONE_ABBREVIATIONS = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}


def format_date(day: date) -> str:
    """`4 Desember 2026`."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def format_date_long(day: date) -> str:
    """`Jumat, 4 Desember 2026`."""
    return f"{WEEKDAY_NAMES[day.weekday()]}, {format_date(day)}"


def format_datetime(moment: datetime, tz: str) -> str:
    """`4 Desember 2026 pukul 23.59 WIB`."""
    local = moment.astimezone(ZoneInfo(tz))
    zone = ZONE_ABBREVIATIONS.get(tz, tz)
    return f"{format_date(local.date())} pukul {local:%H.%M} {zone}"


def explain_deadline(deadline: Deadline) -> str:
    """One sentence a PPID officer or a citizen can check by hand."""
    start = deadline.start.astimezone(ZoneInfo(deadline.timezone)).date()
    due = deadline.due_at.astimezone(ZoneInfo(deadline.timezone))
    unit = "hari kerja" if deadline.unit == DeadlineUnit.WORKING_DAYS else "hari kalender"
    text = (
        f"{deadline.working_days} {unit} sejak {format_date(start)} (hari ke-0) berakhir pada "
        f"{format_date_long(due.date())} pukul 23.59 {ZONE_ABBREVIATIONS.get(deadline.timezone, '')}".rstrip()
    )
    holidays = [s for s in deadline.skipped if s.reason not in ("Sabtu", "Minggu")]
    if holidays:
        listed = "; ".join(f"{format_date(s.date)} ({s.reason})" for s in holidays)
        text += f"; hari libur yang tidak dihitung: {listed}"
    versions = f"Versi kalender {deadline.calendar_version}"
    if deadline.holidays_version:
        versions += f", data hari libur nasional (paket holidays) {deadline.holidays_version}"
    return f"{text}. {versions}."
