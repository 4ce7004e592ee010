"""The yearly calendar check: at the start of each year, and while the holidays package does not know the
coming year's cuti bersama, tell the administrators (email and a task) to confirm the year's SKB days."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from activities.notices import Notice
from activities.records import enqueue, open_task
from db.models import User
from domain.calendar import national_holidays
from domain.contracts import CalendarCheck, Recorded
from domain.enums import Role

NATIONAL_TZ = "Asia/Jakarta"
ANNOUNCEMENT_MONTH = 9  # the SKB for the coming year usually appears in the last months of a year


def years_to_confirm(at: datetime) -> list[tuple[int, str]]:
    """(year, why) pairs the administrators must confirm at this moment."""
    today = at.astimezone(ZoneInfo(NATIONAL_TZ)).date()
    years = []
    if today.month == 1:
        years.append((today.year, "awal tahun: pastikan hari libur nasional dan cuti bersama tahun ini"))
    coming = today.year + 1
    knows_cuti = any("cuti bersama" in name.lower() for name in national_holidays(coming).values())
    if today.month >= ANNOUNCEMENT_MONTH and not knows_cuti:
        years.append((coming, "daftar cuti bersama tahun depan belum tersedia pada sumber kalender"))
    return years


class CalendarWatchActivities:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = session_factory

    @activity.defn(name="check_calendar_year")
    async def check_calendar_year(self, check: CalendarCheck) -> Recorded:
        ids: list[int] = []
        async with self._sessions() as session:
            admins = (
                await session.scalars(
                    select(User.email).where(User.role == Role.ADMIN.value, User.active.is_(True))
                )
            ).all()
            for year, why in years_to_confirm(check.at):
                case_id = f"kalender-{year}"
                await open_task(
                    session, key=f"calendar:confirm:{year}", kind="confirm_cuti_bersama", case_type="calendar",
                    case_id=case_id, registration_number=f"SKB {year}", role=Role.ADMIN.value, due_at=None,
                    body_id=None, unit_id=None, opened_at=check.at,
                )  # fmt: skip
                text = (
                    f"Kalender hari kerja tahun {year} perlu dikonfirmasi ({why}).\n\n"
                    "Tenggat layanan informasi (UU No. 14 Tahun 2008) dihitung dalam hari kerja. Periksa SKB "
                    f"Menteri Agama, Menteri Ketenagakerjaan dan Menteri PANRB tentang hari libur nasional dan cuti "
                    f"bersama tahun {year}, lalu catat setiap hari yang belum ada melalui POST /v1/calendar/holidays "
                    "(nama diawali 'Cuti Bersama'). Tenggat perkara yang berjalan akan dihitung ulang otomatis.\n"
                )
                notices = [
                    Notice(a, "admin", f"[SKB {year}] Konfirmasi hari libur dan cuti bersama", text)
                    for a in admins
                ]
                ids += await enqueue(session, case_id=case_id, event="calendar_confirm", key_suffix=str(year),
                                     notices=notices, at=check.at)  # fmt: skip
            await session.commit()
        return Recorded(notification_ids=ids)
