"""The living calendar through the API: running deadlines follow holidays added or cancelled, regional days
touch only their body, a date told to a citizen never moves earlier without an admin's confirmation."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from temporalio.testing import WorkflowEnvironment

from db.calendar_repo import load_calendar
from db.models import CalendarChangeRow
from db.session import make_engine, make_session_factory
from domain.calendar import WorkingCalendar, working_day_before
from tests.conftest import text_of
from tests.requests_support import PPID_SANGGAU, REQUESTER_EMAIL, Stack
from workflows.registry import history_replayer

REFUSAL = {
    "outcome": "rejected",
    "exemption": {
        "article": "17h",
        "consequence_test": "Membuka rekam medis pasien merugikan hak privasi (UK-3).",
    },
}


def _local_day(iso: str, tz: str = "Asia/Pontianak") -> date:
    return datetime.fromisoformat(iso).astimezone(ZoneInfo(tz)).date()


async def _next_working_day_after(sim: Stack, day: date, body: str | None = None) -> date:
    """A working day after `day` on the product's current calendar (whatever today is)."""
    params: dict[str, Any] = {"year": day.year} | ({"body": body} if body else {})
    holidays = {
        h["date"] for h in (await sim.http.get("/v1/calendar/holidays", params=params)).json()["holidays"]
    }
    candidate = day + timedelta(days=1)
    while candidate.weekday() >= 5 or candidate.isoformat() in holidays:
        candidate += timedelta(days=1)
    return candidate


async def _wait_for(
    sim: Stack, request_id: str, headers: dict[str, str], field: str, old: Any
) -> dict[str, Any]:
    for _ in range(200):
        case = await sim.case(request_id, headers)
        if case[field] != old:
            return case
        await asyncio.sleep(0.05)
    raise AssertionError(f"{field} stayed {old}")


async def test_added_holiday_moves_running_t1_by_one_working_day_and_citizen_is_told(
    sim: Stack, timeskip: WorkflowEnvironment
) -> None:
    created = await sim.submit()
    ppid = await sim.login(PPID_SANGGAU)
    admin = await sim.login("admin@ppid.example")
    inside = working_day_before(_local_day(created["due_at"]), 2, WorkingCalendar())

    added = await sim.http.post(
        "/v1/calendar/holidays", json={"date": inside.isoformat(), "name": "Hari Pemungutan Suara Pilkada",
                                       "reason": "Keppres pemungutan suara"}, headers=admin,
    )  # fmt: skip
    assert added.status_code == 201, added.text
    assert added.json()["affected_cases"] >= 1 and added.json()["delivered"] is True
    case = await _wait_for(sim, created["id"], ppid, "due_at", created["due_at"])
    expected = await _next_working_day_after(sim, _local_day(created["due_at"]), "kab-sanggau")
    assert _local_day(case["due_at"]) == expected
    moved = [e for e in case["timeline"] if e["event"] == "deadline_moved"]
    assert len(moved) == 1 and "Hari Pemungutan Suara Pilkada" in moved[0]["label"]
    assert f"versi {added.json()['version']}" in moved[0]["label"]
    assert "Pilkada" in case["deadline_explanation"]
    t1 = next(d for d in case["deadlines"] if d["clock"] == "T1")
    assert t1["due_at"] == case["due_at"] and t1["working_days"] == 10 and t1["unit"] == "working_days"
    assert t1["calendar_version"] == added.json()["version"]
    assert {"date": inside.isoformat(), "reason": "Hari Pemungutan Suara Pilkada"} in t1["skipped"]
    tasks = (await sim.http.get("/v1/tasks", headers=ppid)).json()
    assert tasks[0]["due_at"] == case["due_at"]
    notice = await sim.mail.wait_for(REQUESTER_EMAIL, "Perubahan tanggal batas waktu")
    assert "Semula" in text_of(notice) and "Pasal 22 ayat (7)" in text_of(notice)

    # The same day again is refused; a day outside the running window changes nothing.
    again = await sim.http.post(
        "/v1/calendar/holidays", json={"date": inside.isoformat(), "name": "Lagi"}, headers=admin
    )
    assert again.status_code == 409
    outside = await _next_working_day_after(sim, expected + timedelta(days=10))
    await sim.http.post(
        "/v1/calendar/holidays", json={"date": outside.isoformat(), "name": "Hari Jadi"}, headers=admin
    )
    await asyncio.sleep(0.5)
    assert (await sim.case(created["id"], ppid))["due_at"] == case["due_at"]

    # The workflow still replays after recomputing its clocks.
    handle = timeskip.client.get_workflow_handle(f"permohonan-{created['id']}")
    await history_replayer().replay_workflow(await handle.fetch_history())


async def test_regional_holiday_moves_only_that_bodys_cases(sim: Stack) -> None:
    sanggau = await sim.submit()
    kutim = await sim.submit(body="kab-kutai-timur", unit="dinkes")
    admin = await sim.login("admin@ppid.example")
    inside = working_day_before(_local_day(sanggau["due_at"]), 2, WorkingCalendar())
    regional = await sim.http.post(
        "/v1/calendar/holidays",
        json={"date": inside.isoformat(), "name": "Hari Jadi Kabupaten Sanggau", "body": "kab-sanggau"},
        headers=admin,
    )
    assert regional.status_code == 201 and regional.json()["body"] == "kab-sanggau"
    ppid = await sim.login(PPID_SANGGAU)
    moved = await _wait_for(sim, sanggau["id"], ppid, "due_at", sanggau["due_at"])
    assert moved["due_at"] > sanggau["due_at"]
    other = await sim.login("ppid@kutaitimur.example")
    await asyncio.sleep(0.5)
    untouched = await sim.case(kutim["id"], other)
    assert untouched["due_at"] == kutim["due_at"]
    assert not any(e["event"] == "deadline_moved" for e in untouched["timeline"])
    bad = await sim.http.post(
        "/v1/calendar/holidays", json={"date": inside.isoformat(), "name": "Hari Jadi", "body": "kab-antah"},
        headers=admin,
    )  # fmt: skip
    assert bad.status_code == 422
    assert (await sim.http.post("/v1/calendar/holidays", json={"date": inside.isoformat(), "name": "X y z"},
                                headers=ppid)).status_code == 403  # fmt: skip


async def test_cancelled_holiday_never_shortens_a_told_date_unless_confirmed(sim: Stack) -> None:
    ppid = await sim.login(PPID_SANGGAU)
    admin = await sim.login("admin@ppid.example")
    first, second = await sim.submit(), await sim.submit()
    for created in (first, second):
        decided = await sim.http.post(f"/v1/requests/{created['id']}/decision", json=REFUSAL, headers=ppid)
        assert decided.status_code == 200
    told = (await sim.case(first["id"], ppid))["objection_deadline"]
    inside = working_day_before(_local_day(told), 3, WorkingCalendar())
    added = await sim.http.post(
        "/v1/calendar/holidays",
        json={"date": inside.isoformat(), "name": "Cuti Bersama Tambahan"},
        headers=admin,
    )
    assert added.status_code == 201
    later = (await _wait_for(sim, first["id"], ppid, "objection_deadline", told))["objection_deadline"]
    await _wait_for(sim, second["id"], ppid, "objection_deadline", told)
    assert later > told

    # The government cancels it again: the dates told stay, unless an admin confirms the earlier date.
    cancelled = await sim.http.delete(f"/v1/calendar/holidays/{inside.isoformat()}", headers=admin)
    assert cancelled.status_code == 200 and cancelled.json()["action"] == "cancel"
    await asyncio.sleep(0.5)
    case = await sim.case(first["id"], ppid)
    assert case["objection_deadline"] == later
    assert any("dipertahankan" in e["label"] for e in case["timeline"])
    mine = await sim.case(first["id"], {"X-Tracking-Code": first["tracking_code"]})
    assert not any("dipertahankan" in e["label"] for e in mine["timeline"])  # a staff note only

    readded = await sim.http.post(
        "/v1/calendar/holidays",
        json={"date": inside.isoformat(), "name": "Cuti Bersama Tambahan"},
        headers=admin,
    )
    assert readded.status_code == 201
    await asyncio.sleep(0.5)  # first: already at `later`; second: recomputed to `later` too
    confirmed = await sim.http.delete(
        f"/v1/calendar/holidays/{inside.isoformat()}", params={"confirm_earlier": "true"}, headers=admin
    )
    assert confirmed.status_code == 200
    earlier = await _wait_for(sim, second["id"], ppid, "objection_deadline", later)
    assert earlier["objection_deadline"] == told
    assert (await sim.http.delete("/v1/calendar/holidays/2026-07-07", headers=admin)).status_code == 404


async def test_a_change_committed_under_a_lower_version_still_reaches_the_shared_calendar(
    sqlite_database_url: str,
) -> None:
    """Built calendars are shared per database until the change rows change. On PostgreSQL a change may
    commit after one with a higher id; it must still be seen, not hidden behind an unchanged highest id."""
    engine = make_engine(sqlite_database_url)
    sessions = make_session_factory(engine)

    async def add(version: int, day: date) -> None:
        async with sessions() as session:
            session.add(CalendarChangeRow(id=version, action="add", date=day, name=f"Libur {version}",
                                          created_by="admin@ppid.example"))  # fmt: skip
            await session.commit()

    async def holidays_in_december() -> set[date]:
        async with sessions() as session:
            calendar = await load_calendar(session, "kab-sanggau")
        return {day for day in calendar.holidays_of(2031) if day.month == 12 and day.day < 20}

    try:
        await add(1000, date(2031, 12, 2))
        assert await holidays_in_december() == {date(2031, 12, 2)}
        assert await holidays_in_december() == {date(2031, 12, 2)}  # the shared calendar
        await add(999, date(2031, 12, 3))  # committed late, under a lower version
        assert await holidays_in_december() == {date(2031, 12, 2), date(2031, 12, 3)}
    finally:
        await engine.dispose()
