"""The working-day calendar on real Indonesian dates (docs/domain.md "Working days")."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.calendar import (
    CalendarChange,
    WorkingCalendar,
    add_calendar_days,
    add_working_days,
    national_holidays,
    working_day_before,
    working_days_until,
)
from domain.dates_id import explain_deadline, format_date, format_datetime
from domain.enums import CalendarAction, DeadlineUnit

NATIONAL = WorkingCalendar()
ZONES = ["Asia/Jakarta", "Asia/Pontianak", "Asia/Makassar", "Asia/Jayapura"]


def at(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


# (received, working days, time zone, expected last day, why)
TABLE = [
    ("2026-03-16T09:00:00+07:00", 10, "Asia/Pontianak", date(2026, 4, 7),
     "Nyepi, Idul Fitri with its cuti bersama (18-24 Mar) and Good Friday are skipped"),
    ("2026-03-19T10:00:00+07:00", 10, "Asia/Jakarta", date(2026, 4, 8),
     "received on Nyepi: that day is still day 0"),
    ("2026-03-19T10:00:00+07:00", 1, "Asia/Jakarta", date(2026, 3, 25),
     "the first working day after Idul Fitri's cuti bersama"),
    ("2026-12-23T10:00:00+07:00", 10, "Asia/Pontianak", date(2027, 1, 12),
     "24 Dec cuti bersama, Natal, New Year and Isra Mikraj 2027 are skipped"),
    ("2026-12-30T10:00:00+07:00", 1, "Asia/Jakarta", date(2026, 12, 31), "31 Dec is a working day"),
    ("2026-12-30T10:00:00+07:00", 2, "Asia/Jakarta", date(2027, 1, 4), "New Year then a weekend"),
    ("2026-11-14T11:00:00+07:00", 10, "Asia/Jakarta", date(2026, 11, 27),
     "a Saturday receipt: Monday is day 1"),
    ("2026-11-20T10:00:00+07:00", 10, "Asia/Pontianak", date(2026, 12, 4), "a Friday receipt"),
    ("2026-11-20T10:00:00+07:00", 17, "Asia/Pontianak", date(2026, 12, 15), "T1 plus the 7-day extension"),
    ("2026-11-20T10:00:00+07:00", 0, "Asia/Pontianak", date(2026, 11, 20), "N = 0 is the end of day 0"),
    # The same instant (Thursday 23:30 WIB) is already Friday in WITA and WIT.
    ("2026-11-19T16:30:00+00:00", 10, "Asia/Jakarta", date(2026, 12, 3), "Thursday in WIB"),
    ("2026-11-19T16:30:00+00:00", 10, "Asia/Pontianak", date(2026, 12, 3), "Thursday in WIB (Kalbar)"),
    ("2026-11-19T16:30:00+00:00", 10, "Asia/Makassar", date(2026, 12, 4), "already Friday in WITA"),
    ("2026-11-19T16:30:00+00:00", 10, "Asia/Jayapura", date(2026, 12, 4), "already Friday in WIT"),
]  # fmt: skip


@pytest.mark.parametrize(("received", "n", "tz", "expected", "why"), TABLE)
def test_deadline_on_real_dates(received: str, n: int, tz: str, expected: date, why: str) -> None:
    deadline = add_working_days(at(received), n, tz, NATIONAL)
    local = deadline.due_at.astimezone(ZoneInfo(tz))
    assert local.date() == expected, why
    assert (local.hour, local.minute, local.second) == (23, 59, 59)
    assert deadline.due_at.utcoffset() == datetime(2026, 1, 1, tzinfo=ZoneInfo(tz)).utcoffset()
    assert deadline.working_days == n and deadline.unit == DeadlineUnit.WORKING_DAYS


def test_idul_fitri_2026_is_explained() -> None:
    deadline = add_working_days(at("2026-03-16T09:00:00+07:00"), 10, "Asia/Pontianak", NATIONAL)
    skipped = {s.date: s.reason for s in deadline.skipped}
    assert skipped[date(2026, 3, 20)] == "Cuti Bersama Hari Raya Idul Fitri"
    assert skipped[date(2026, 3, 21)] == "Hari Raya Idul Fitri (Sabtu)"
    assert skipped[date(2026, 3, 23)] == "Cuti Bersama Hari Raya Idul Fitri"
    assert skipped[date(2026, 3, 24)] == "Cuti Bersama Hari Raya Idul Fitri"
    assert skipped[date(2026, 3, 28)] == "Sabtu"
    assert date(2026, 3, 25) not in skipped  # the first working day after the holidays
    text = explain_deadline(deadline)
    assert "Selasa, 7 April 2026 pukul 23.59 WIB" in text
    assert "24 Maret 2026 (Cuti Bersama Hari Raya Idul Fitri)" in text
    assert "Versi kalender 0" in text


def test_national_source_knows_cuti_bersama_2026() -> None:
    days = national_holidays(2026)
    assert days[date(2026, 12, 24)] == "Cuti Bersama Hari Raya Natal"
    assert days[date(2026, 12, 25)] == "Hari Raya Natal"
    assert days[date(2026, 1, 1)] == "Tahun Baru Masehi"
    assert "Idul Fitri" in days[date(2026, 3, 20)]


def _change(version: int, action: CalendarAction, day: date, name: str = "", body: str | None = None):
    return CalendarChange(version=version, action=action, date=day, name=name, body=body)


def test_added_holiday_moves_the_deadline_by_one_working_day() -> None:
    start = at("2026-11-20T10:00:00+07:00")
    extra = _change(1, CalendarAction.ADD, date(2026, 11, 26), "Pilkada")
    calendar = WorkingCalendar(changes=[extra])
    assert add_working_days(start, 10, "Asia/Jakarta", calendar).due_at.date() == date(2026, 12, 7)
    assert calendar.version == 1
    outside = WorkingCalendar(changes=[_change(1, CalendarAction.ADD, date(2026, 12, 10), "Hari Jadi")])
    assert add_working_days(start, 10, "Asia/Jakarta", outside).due_at.date() == date(2026, 12, 4)


def test_cancelled_cuti_bersama_is_a_working_day_again() -> None:
    calendar = WorkingCalendar(changes=[_change(1, CalendarAction.CANCEL, date(2026, 12, 24))])
    assert calendar.is_working_day(date(2026, 12, 24))
    assert not NATIONAL.is_working_day(date(2026, 12, 24))
    deadline = add_working_days(at("2026-12-23T10:00:00+07:00"), 1, "Asia/Jakarta", calendar)
    assert deadline.due_at.date() == date(2026, 12, 24)


def test_regional_holiday_applies_to_its_body_only() -> None:
    regional = _change(
        3, CalendarAction.ADD, date(2026, 11, 23), "Hari Jadi Kabupaten Sanggau", "kab-sanggau"
    )
    sanggau = WorkingCalendar(changes=[regional], body="kab-sanggau")
    other = WorkingCalendar(changes=[regional], body="kab-kutai-timur")
    assert not sanggau.is_working_day(date(2026, 11, 23))
    assert other.is_working_day(date(2026, 11, 23))
    assert (sanggau.version, other.version) == (3, 0)


def test_later_change_wins() -> None:
    day = date(2026, 11, 23)
    calendar = WorkingCalendar(
        changes=[_change(2, CalendarAction.CANCEL, day), _change(1, CalendarAction.ADD, day, "Libur")]
    )
    assert calendar.is_working_day(day)


def test_reminder_days_and_sla_counting() -> None:
    due = date(2026, 12, 4)  # Friday
    assert working_day_before(due, 1, NATIONAL) == date(2026, 12, 3)
    assert working_day_before(due, 3, NATIONAL) == date(2026, 12, 1)
    assert working_day_before(date(2026, 3, 25), 1, NATIONAL) == date(2026, 3, 17)  # across Idul Fitri
    assert working_days_until(date(2026, 12, 2), due, NATIONAL) == 2
    assert working_days_until(date(2026, 12, 4), due, NATIONAL) == 0
    assert working_days_until(date(2026, 12, 5), due, NATIONAL) == 0


def test_calendar_days_unit_is_explicit() -> None:
    deadline = add_calendar_days(at("2026-12-23T10:00:00+07:00"), 14, "Asia/Jakarta")
    assert deadline.unit == DeadlineUnit.CALENDAR_DAYS
    assert deadline.due_at.date() == date(2027, 1, 6)


def test_naive_start_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        add_working_days(datetime(2026, 11, 20, 10), 10, "Asia/Jakarta", NATIONAL)


def test_indonesian_date_writing() -> None:
    assert format_date(date(2026, 12, 4)) == "4 Desember 2026"
    assert format_datetime(datetime(2026, 12, 4, 16, 59, 59, tzinfo=UTC), "Asia/Makassar") == (
        "5 Desember 2026 pukul 00.59 WITA"
    )


# --- Properties -------------------------------------------------------------------------------------

instants = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2027, 6, 30), timezones=st.just(UTC)
)


@settings(max_examples=300, deadline=None)
@given(start=instants, n=st.integers(min_value=1, max_value=40), tz=st.sampled_from(ZONES))
def test_deadline_is_a_working_day_counted_exactly(start: datetime, n: int, tz: str) -> None:
    deadline = add_working_days(start, n, tz, NATIONAL)
    due = deadline.due_at.astimezone(ZoneInfo(tz)).date()
    day0 = start.astimezone(ZoneInfo(tz)).date()
    assert NATIONAL.is_working_day(due)
    days = [day0 + timedelta(days=i) for i in range(1, (due - day0).days + 1)]
    assert sum(NATIONAL.is_working_day(d) for d in days) == n
    assert [s.date for s in deadline.skipped] == [d for d in days if not NATIONAL.is_working_day(d)]


@settings(max_examples=200, deadline=None)
@given(start=instants, n=st.integers(min_value=0, max_value=60), tz=st.sampled_from(ZONES))
def test_deadline_is_monotone_in_n(start: datetime, n: int, tz: str) -> None:
    assert (
        add_working_days(start, n + 1, tz, NATIONAL).due_at > add_working_days(start, n, tz, NATIONAL).due_at
    )
    assert add_working_days(start, n, tz, NATIONAL).due_at > start
