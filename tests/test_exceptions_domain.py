"""The rules of excepted information (domain/exceptions.py): Pasal 17 grounds, PP 61/2010 periods, Pasal 18 and
the expiry clock of PP 61/2010 Pasal 11, on the real 2027 calendar."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.calendar import WorkingCalendar
from domain.exceptions import (
    ARTICLES,
    GROUNDS,
    InformationKind,
    determination_due,
    determination_opens,
    never_excepted_problem,
    period_end,
    period_problem,
    point_problem,
    years_after,
)


def test_every_ground_of_pasal_17_with_its_points() -> None:
    assert ARTICLES == [f"17{letter}" for letter in "abcdefghij"]
    assert [len(GROUNDS[a].points) for a in ARTICLES] == [5, 0, 7, 0, 7, 4, 0, 5, 0, 0]
    assert GROUNDS["17h"].cite(2) == "Pasal 17 huruf h angka 2 UU No. 14 Tahun 2008"
    assert point_problem("17h", 5) is None and point_problem("17h", None) is None
    assert "angka 1 sampai 5" in str(point_problem("17h", 6))
    assert "tidak memiliki angka" in str(point_problem("17b", 1))


def test_law_enforcement_is_excepted_at_most_30_years_and_the_others_have_no_number() -> None:
    today = date(2026, 12, 2)
    assert period_problem("17a", today, date(2056, 12, 2)) is None
    problem = period_problem("17a", today, date(2056, 12, 3))
    assert problem and "PP No. 61 Tahun 2010 Pasal 5" in problem and "Pasal 17 huruf a" in problem
    assert "paling lambat sampai 2 Desember 2056" in problem  # the date as the notices write it
    assert period_problem("17h", today, date(2126, 1, 1)) is None  # no number of years for huruf h
    assert "setelah hari ini" in str(period_problem("17h", today, today))
    assert period_problem("17a", today, None) is None  # a condition stated in words
    assert years_after(date(2024, 2, 29), 30) == date(2054, 2, 28)


@pytest.mark.parametrize("kind", [k for k in InformationKind if k != InformationKind.OTHER])
def test_what_pasal_18_says_can_never_be_excepted(kind: InformationKind) -> None:
    problem = never_excepted_problem(kind)
    assert problem and "Pasal 18 ayat (1) huruf" in problem


def test_ordinary_information_may_be_tested() -> None:
    assert never_excepted_problem(InformationKind.OTHER) is None


def test_the_determination_falls_30_working_days_before_the_end_across_idul_fitri_2027() -> None:
    calendar = WorkingCalendar()
    until = date(2027, 4, 30)  # a Friday
    due = determination_due(until, calendar)
    # Counted back by hand from Friday 30 April: 22 working days in April, 29-31 March (3), 22-24 March (3;
    # 25-26 March are Good Friday and its cuti bersama), 18-19 March (2): the 30th is Wednesday 17 March.
    assert due == date(2027, 3, 17)
    days, day = 0, due  # and the calendar agrees: 30 working days in (due, until]
    while day < until:
        day += timedelta(days=1)
        days += calendar.is_working_day(day)
    assert days == 30
    assert determination_opens(until, calendar) < due
    assert period_end(until, "Asia/Pontianak") == datetime(2027, 5, 1, tzinfo=ZoneInfo("Asia/Pontianak"))
