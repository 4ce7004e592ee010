"""Registration numbers (Pasal 22(4)-(5)): `0042/PPID/SGU/XI/2026`, `0007/KEB/SGU/XI/2026`."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

ROMAN_MONTHS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")


class Register(StrEnum):
    REQUEST = "PPID"
    OBJECTION = "KEB"
    CONSEQUENCE_TEST = "UK"  # berita acara uji konsekuensi (PP 61/2010 Pasal 3), the DIK entry's number


def local_year_month(moment: datetime, tz: str) -> tuple[int, int]:
    local = moment.astimezone(ZoneInfo(tz))
    return local.year, local.month


def registration_number(seq: int, register: Register, body_code: str, month: int, year: int) -> str:
    return f"{seq:04d}/{register.value}/{body_code}/{ROMAN_MONTHS[month - 1]}/{year}"
