"""Working-day arithmetic (docs/domain.md "Working days"): pure functions of (start, N, calendar).

Counting convention (the law is silent; docs/domain.md): the day of the triggering event is day 0, whether or
not it is a working day; the deadline is the end (23:59:59) of the N-th working day after it, in the body's
local time zone. A working day is Monday to Friday that is neither a national holiday, nor cuti bersama, nor
an extra holiday configured for the body.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from types import MappingProxyType
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

from domain.enums import CalendarAction, DeadlineUnit

WEEKDAY_NAMES = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
END_OF_DAY = time(23, 59, 59)
# Deadlines never span more than a few years (T7 is 100 working days); a guard against runaway loops.
MAX_SCAN_DAYS = 366 * 5
COUNTED_MAX = 4096  # the (today, due) pairs a calendar remembers for working_days_until


class SkippedDay(BaseModel):
    model_config = ConfigDict(frozen=True)

    date: date
    reason: str


class Deadline(BaseModel):
    """A computed deadline with everything needed to explain it."""

    model_config = ConfigDict(frozen=True)

    start: datetime
    working_days: int
    unit: DeadlineUnit = DeadlineUnit.WORKING_DAYS
    timezone: str
    due_at: datetime
    skipped: list[SkippedDay]
    calendar_version: int
    # The `holidays` package that supplied the national days, recorded when the deadline is computed (an
    # upgrade can move holidays, and so deadlines; an old deadline keeps the version it was counted with).
    # None: no national days were used (calendar days), or the deadline predates this field.
    holidays_version: str | None = None


class CalendarChange(BaseModel):
    """One administrator change to the calendar: a holiday added or cancelled, for all bodies or one."""

    model_config = ConfigDict(frozen=True)

    version: int
    action: CalendarAction
    date: date
    name: str = ""
    body: str | None = None  # body slug; None means every body


@lru_cache(maxsize=64)
def national_holidays(year: int) -> Mapping[date, str]:
    """National holidays and cuti bersama of one year (holidays package: ID, public + government, id)."""
    import holidays  # imported here: the package is large and only needed when a year is first used

    found = holidays.country_holidays("ID", years=year, categories=("public", "government"), language="id")
    return MappingProxyType({day: name for day, name in sorted(found.items())})


@lru_cache(maxsize=1)
def holidays_package_version() -> str:
    """The installed `holidays` package's version (deploy/requirements.lock pins it in the image)."""
    from importlib.metadata import version

    return version("holidays")


@dataclass
class WorkingCalendar:
    """The non-working days seen by one body: the national calendar plus the administrators' changes."""

    changes: Iterable[CalendarChange] = ()
    body: str | None = None
    base: Callable[[int], Mapping[date, str]] = national_holidays
    _years: dict[int, dict[date, str]] = field(default_factory=dict, init=False, repr=False)
    # working_days_until's answers: an inbox page counts the same (today, due) pair for many tasks.
    _counted: dict[tuple[date, date], int] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self.changes = sorted(
            (c for c in self.changes if c.body is None or c.body == self.body), key=lambda c: c.version
        )

    @property
    def version(self) -> int:
        changes = list(self.changes)
        return max((c.version for c in changes), default=0)

    @property
    def holidays_version(self) -> str | None:
        """The `holidays` package version behind the national days; None for another base (a test's)."""
        return holidays_package_version() if self.base is national_holidays else None

    def holidays_of(self, year: int) -> dict[date, str]:
        if year not in self._years:
            days = dict(self.base(year))
            for change in self.changes:
                if change.date.year != year:
                    continue
                if change.action == CalendarAction.ADD:
                    days[change.date] = change.name
                else:
                    days.pop(change.date, None)
            self._years[year] = dict(sorted(days.items()))
        return self._years[year]

    def non_working_reason(self, day: date) -> str | None:
        """Why `day` is not a working day, in Indonesian, or None when it is one."""
        holiday = self.holidays_of(day.year).get(day)
        if day.weekday() >= 5:
            weekday = WEEKDAY_NAMES[day.weekday()]
            return f"{holiday} ({weekday})" if holiday else weekday
        return holiday

    def is_working_day(self, day: date) -> bool:
        return self.non_working_reason(day) is None


def local_date(moment: datetime, tz: str) -> date:
    if moment.tzinfo is None:
        raise ValueError("moment must be timezone-aware")
    return moment.astimezone(ZoneInfo(tz)).date()


def end_of_day(day: date, tz: str) -> datetime:
    return datetime.combine(day, END_OF_DAY, tzinfo=ZoneInfo(tz))


def add_working_days(start: datetime, n: int, tz: str, calendar: WorkingCalendar) -> Deadline:
    """The end of the n-th working day after the local date of `start` (day 0), with the days skipped."""
    if n < 0:
        raise ValueError("n must be zero or more")
    day = local_date(start, tz)
    skipped: list[SkippedDay] = []
    counted = 0
    for _ in range(MAX_SCAN_DAYS):
        if counted == n:
            break
        day += timedelta(days=1)
        reason = calendar.non_working_reason(day)
        if reason is None:
            counted += 1
        else:
            skipped.append(SkippedDay(date=day, reason=reason))
    else:  # pragma: no cover - only a calendar with no working days at all gets here
        raise ValueError("no working days found in the calendar")
    return Deadline(
        start=start,
        working_days=n,
        timezone=tz,
        due_at=end_of_day(day, tz),
        skipped=skipped,
        calendar_version=calendar.version,
        holidays_version=calendar.holidays_version,
    )


def add_calendar_days(start: datetime, n: int, tz: str) -> Deadline:
    """Calendar-day deadline (Pasal 50 kasasi): end of the n-th day after the local date of `start`."""
    day = local_date(start, tz) + timedelta(days=n)
    return Deadline(
        start=start,
        working_days=n,
        unit=DeadlineUnit.CALENDAR_DAYS,
        timezone=tz,
        due_at=end_of_day(day, tz),
        skipped=[],
        calendar_version=0,
    )


def working_day_before(day: date, k: int, calendar: WorkingCalendar) -> date:
    """The k-th working day before `day` (k >= 1); used for reminders such as T1 -3 HK."""
    if k < 1:
        raise ValueError("k must be at least 1")
    counted = 0
    for _ in range(MAX_SCAN_DAYS):
        day -= timedelta(days=1)
        if calendar.is_working_day(day):
            counted += 1
            if counted == k:
                return day
    raise ValueError("no working days found in the calendar")  # pragma: no cover


def working_days_until(today: date, due: date, calendar: WorkingCalendar) -> int:
    """Working days in (today, due]: 0 when the due date is today or past, 1 when it is the next one."""
    counted = calendar._counted.get((today, due))
    if counted is not None:
        return counted
    count = 0
    day = today
    while day < due:
        day += timedelta(days=1)
        if calendar.is_working_day(day):
            count += 1
    if len(calendar._counted) >= COUNTED_MAX:
        calendar._counted.clear()
    calendar._counted[(today, due)] = count
    return count


def non_working_days(year: int, calendar: WorkingCalendar) -> list[SkippedDay]:
    """The holidays and cuti bersama of a year (weekends left out), with their names."""
    return [SkippedDay(date=d, reason=name) for d, name in calendar.holidays_of(year).items()]
