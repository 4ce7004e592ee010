"""Each deadline records the `holidays` package version it was counted with, beside the calendar version: an
upgrade of the package can move national holidays and so statutory deadlines, and an old deadline must show
the version it was computed with, not the one installed when it is read."""

from __future__ import annotations

from datetime import UTC, date, datetime
from importlib.metadata import version
from typing import Any

from sqlalchemy import select

from api.schemas import DeadlineOut
from api.web.casework import templates
from db.models import InfoRequest
from db.session import make_engine, make_session_factory
from domain.calendar import WorkingCalendar, add_calendar_days, add_working_days
from tests.requests_support import PPID_SANGGAU, Stack, real

__all__ = ["real"]  # the fixture

INSTALLED = version("holidays")
START = datetime(2026, 8, 14, 3, tzinfo=UTC)  # a Friday; 17 August (Independence Day) falls in the count


def test_a_working_day_deadline_records_the_holidays_version() -> None:
    deadline = add_working_days(START, 10, "Asia/Jakarta", WorkingCalendar())
    assert any(s.reason != "Sabtu" and s.reason != "Minggu" for s in deadline.skipped)  # the package was used
    assert deadline.holidays_version == INSTALLED
    # Kept through the stored form (timeline data, the request's row, workflow payloads).
    assert deadline.model_validate(deadline.model_dump(mode="json")).holidays_version == INSTALLED
    # No national days behind it: nothing to record.
    assert add_calendar_days(START, 14, "Asia/Jakarta").holidays_version is None
    other = WorkingCalendar(base=lambda year: {date(year, 8, 17): "Hari uji"})
    assert add_working_days(START, 10, "Asia/Jakarta", other).holidays_version is None


def _render(deadline: DeadlineOut, *, staff: bool) -> str:
    page = templates.env.from_string(
        '{% from "staf/_tenggat.html" import deadline with context %}{{ deadline(d) }}'
    )
    return page.render(d=deadline, staff=staff)


def _out(**changes: Any) -> DeadlineOut:
    computed = add_working_days(START, 10, "Asia/Jakarta", WorkingCalendar())
    fields: dict[str, Any] = {
        "clock": "T1", "description": "pemberitahuan tertulis", "start": computed.start,
        "working_days": 10, "unit": "working_days", "timezone": "Asia/Jakarta", "due_at": computed.due_at,
        "skipped": [s.model_dump(mode="json") for s in computed.skipped], "calendar_version": 3,
        "holidays_version": "0.99", "explanation": "",
    }  # fmt: skip
    return DeadlineOut(**{**fields, **changes})


def test_the_staff_page_shows_both_versions_and_the_citizen_page_neither() -> None:
    assert "Kalender versi 3, paket holidays 0.99" in _render(_out(), staff=True)
    citizen = _render(_out(), staff=False)
    assert "Kalender versi" not in citizen and "holidays" not in citizen
    # A deadline computed before the version was recorded: the calendar version alone, no empty "paket".
    old = _render(_out(holidays_version=None), staff=True)
    assert "Kalender versi 3<" in old.replace("</li>", "<") and "paket holidays" not in old


async def test_the_case_shows_the_version_each_deadline_was_computed_with(real: Stack) -> None:
    created = await real.submit()
    headers = await real.login(PPID_SANGGAU)
    case = await real.case(created["id"], headers)
    (t1,) = [d for d in case["deadlines"] if d["clock"] == "T1"]
    assert t1["holidays_version"] == INSTALLED and "calendar_version" in t1

    # The version is read from what was recorded, not from the package installed now: a deadline counted
    # under an older package (or before the field existed) keeps saying so.
    engine = make_engine(real.settings.effective_database_url)
    try:
        async with make_session_factory(engine)() as session:
            row = await session.scalar(select(InfoRequest).where(InfoRequest.id == created["id"]))
            assert row is not None and row.deadline is not None
            row.deadline = {**row.deadline, "holidays_version": "0.60"}
            await session.commit()
        case = await real.case(created["id"], headers)
        assert [d["holidays_version"] for d in case["deadlines"] if d["clock"] == "T1"] == ["0.60"]

        async with make_session_factory(engine)() as session:
            row = await session.scalar(select(InfoRequest).where(InfoRequest.id == created["id"]))
            assert row is not None and row.deadline is not None
            row.deadline = {k: v for k, v in row.deadline.items() if k != "holidays_version"}
            await session.commit()
        case = await real.case(created["id"], headers)
        assert [d["holidays_version"] for d in case["deadlines"] if d["clock"] == "T1"] == [None]
    finally:
        await engine.dispose()
