"""A calendar change reaches every running case even when Temporal is away at the change's commit: the row is
committed with the workflows it must reach, the worker signals them until each has accepted, and a workflow
that receives the same change twice applies it once."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from activities.calendar_delivery import (
    change_of,
    deliver,
    deliver_forever,
    deliver_pending_changes,
    running_workflows,
    signal_change,
)
from api.main import create_app
from db.models import Body, CalendarChangeRow, ConsequenceTest, DikEntry, InfoRequest
from db.session import make_engine, make_session_factory
from domain.calendar import WorkingCalendar, working_day_before
from tests.conftest import Mailbox, free_port, login, make_settings
from tests.requests_support import PPID_SANGGAU, Stack, stack


def _local_day(iso: str, tz: str = "Asia/Pontianak") -> date:
    return datetime.fromisoformat(iso).astimezone(ZoneInfo(tz)).date()


async def _registered(s: Stack, request_id: str, headers: dict[str, str]) -> dict[str, Any]:
    for _ in range(400):
        case = await s.case(request_id, headers)
        if any(e["event"] == "registered" for e in case["timeline"]):
            return case
        await asyncio.sleep(0.05)
    raise AssertionError("the workflow never recorded the registration")


async def _history_counts(handle: WorkflowHandle[Any, Any]) -> tuple[int, int, bool]:
    """(local activities run, signals received, every signal handled by a completed workflow task)."""
    events = (await handle.fetch_history()).events
    markers = sum(e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED for e in events)
    signalled = [
        i for i, e in enumerate(events) if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED
    ]
    handled = not signalled or any(
        e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED for e in events[signalled[-1] :]
    )
    return markers, len(signalled), handled


async def test_a_change_committed_while_temporal_is_away_is_delivered_by_the_worker_once(
    temporal_env: WorkflowEnvironment, mailbox: tuple[Mailbox, int], tmp_path: Path, sqlite_database_url: str,
    task_queue: str,
) -> None:  # fmt: skip
    client = temporal_env.client
    engine = make_engine(sqlite_database_url)
    sessions = make_session_factory(engine)
    try:
        async with stack(client, mailbox, tmp_path, sqlite_database_url, task_queue) as s:
            created = await s.submit()
            ppid = await s.login(PPID_SANGGAU)
            await _registered(s, created["id"], ppid)
            async with sessions() as session:
                workflow_id = await session.scalar(
                    select(InfoRequest.workflow_id).where(InfoRequest.id == created["id"])
                )
            assert workflow_id is not None
            handle = client.get_workflow_handle(workflow_id)
            inside = working_day_before(_local_day(created["due_at"]), 2, WorkingCalendar())

            # The admin's API with its Temporal client pointed at a dead port: the change is committed.
            dead = make_settings(tmp_path, sqlite_database_url, f"127.0.0.1:{free_port()}")
            app = create_app(dead)
            async with app.router.lifespan_context(app):
                transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
                async with httpx.AsyncClient(
                    transport=transport, base_url="http://ppid.test", timeout=30
                ) as http:
                    admin = await login(http, "admin@ppid.example")
                    added = await http.post(
                        "/v1/calendar/holidays", headers=admin,
                        json={"date": inside.isoformat(), "name": "Hari Pemungutan Suara", "reason": "Keppres"},
                    )  # fmt: skip
            assert added.status_code == 201, added.text
            assert added.json()["delivered"] is False and added.json()["affected_cases"] >= 1
            version = added.json()["version"]
            async with sessions() as session:
                row = await session.get(CalendarChangeRow, version)
                assert row is not None and row.delivered_at is None and workflow_id in row.undelivered
            assert (await s.case(created["id"], ppid))["due_at"] == created["due_at"]  # nobody told the case

            # The worker leaves the API its grace period, then signals what is left.
            assert await deliver_pending_changes(sessions, client) == 0
            before, _, _ = await _history_counts(handle)
            loop = asyncio.create_task(deliver_forever(sessions, client, interval_s=0.1, grace=timedelta(0)))
            try:
                for _ in range(400):
                    async with sessions() as session:
                        row = await session.get(CalendarChangeRow, version)
                    assert row is not None
                    if row.delivered_at is not None:
                        break
                    await asyncio.sleep(0.05)
                else:
                    raise AssertionError("the worker never delivered the change")
            finally:
                loop.cancel()
            assert row.undelivered == []

            for _ in range(400):
                case = await s.case(created["id"], ppid)
                if case["due_at"] != created["due_at"]:
                    break
                await asyncio.sleep(0.05)
            else:
                raise AssertionError("the delivered change never moved the deadline")
            old_due = _local_day(created["due_at"])
            assert _local_day(case["due_at"]) > old_due
            moved = [e for e in case["timeline"] if e["event"] == "deadline_moved"]
            assert len(moved) == 1 and f"versi {version}" in moved[0]["label"]

            # The same change once more (an API that died after signalling, a second worker): applied once.
            for _ in range(100):
                markers, signals, handled = await _history_counts(handle)
                if handled:
                    break
                await asyncio.sleep(0.05)
            assert markers > before  # the first delivery recomputed the clocks (compute_deadline ran)
            assert await signal_change(client, change_of(row), [workflow_id]) == {workflow_id}
            assert await signal_change(client, change_of(row), [workflow_id]) == {workflow_id}
            for _ in range(400):
                again, signals_after, handled = await _history_counts(handle)
                if signals_after == signals + 2 and handled:
                    break
                await asyncio.sleep(0.05)
            else:
                raise AssertionError("the repeated signals were never handled")
            assert again == markers  # no clock recomputed for a version already applied
            case = await s.case(created["id"], ppid)
            assert [e for e in case["timeline"] if e["event"] == "deadline_moved"] == moved
    finally:
        await engine.dispose()


async def test_a_workflow_that_no_longer_exists_does_not_hold_the_delivery_up(
    temporal_env: WorkflowEnvironment, sqlite_database_url: str
) -> None:
    engine = make_engine(sqlite_database_url)
    sessions = make_session_factory(engine)
    try:
        async with sessions() as session:
            row = CalendarChangeRow(action="add", date=date(2031, 5, 5), name="Libur", created_by="admin@ppid.example",
                                    undelivered=["permohonan-tidak-pernah-ada", "laporan-tidak-ada-2030"])  # fmt: skip
            session.add(row)
            await session.commit()
            assert await deliver(session, temporal_env.client, row.id) is True
            await session.refresh(row)
            assert row.delivered_at is not None and row.undelivered == []
    finally:
        await engine.dispose()


async def test_the_change_reaches_consequence_tests_and_yearly_reports(sqlite_database_url: str) -> None:
    """Besides the open cases: a consequence test step whose SLA runs past the day, and the yearly reports
    whose dates fall in the year of the day (the report on the year before, not yet submitted)."""
    engine = make_engine(sqlite_database_url)
    now = datetime(2026, 12, 2, 9, tzinfo=UTC)
    try:
        async with make_session_factory(engine)() as session:
            bodies = {b.slug: b for b in (await session.scalars(select(Body))).all()}
            sanggau = bodies["kab-sanggau"]
            session.add(
                ConsequenceTest(
                    id="a" * 32, body_id=sanggau.id, status="submitted", information="Rekam medis",
                    documents="Berkas", article="17h", harm="Privasi", public_interest="Tidak ada",
                    conclusion="closed", submitted_by="ppid@sanggau.example", submitted_at=now,
                    due_at=datetime(2027, 2, 10, tzinfo=UTC), workflow_id="uji-konsekuensi-aaaa",
                )
            )  # fmt: skip
            session.add(
                ConsequenceTest(
                    id="b" * 32, body_id=sanggau.id, status="approved", information="Data penyidikan",
                    documents="Berkas", article="17a", harm="Menghambat penyidikan", public_interest="Tidak ada",
                    conclusion="closed", submitted_by="ppid@sanggau.example", submitted_at=now,
                    workflow_id="uji-konsekuensi-bbbb",
                )
            )  # fmt: skip
            await session.flush()
            session.add(
                DikEntry(
                    id="c" * 32, body_id=sanggau.id, test_id="b" * 32, number="BA-UK/1/2026",
                    information="Data penyidikan", article="17a", consequence="Menghambat penyidikan",
                    exemption_until=date(2029, 1, 1), decided_at=now, approved_by="atasan.ppid@sanggau.example",
                    status="in_force",
                )
            )  # fmt: skip
            await session.commit()
            february = await running_workflows(session, date(2027, 2, 3), None, now)
            assert {f"laporan-{slug}-2026" for slug in bodies} <= set(february)
            assert "uji-konsekuensi-aaaa" in february
            regional = await running_workflows(session, date(2027, 2, 3), sanggau, now)
            assert [w for w in regional if w.startswith("laporan-")] == ["laporan-kab-sanggau-2026"]
            assert "uji-konsekuensi-aaaa" in regional
            # Past the step's due date, and in a year whose report workflow has not started: neither.
            later = await running_workflows(session, date(2028, 3, 1), None, now)
            assert "uji-konsekuensi-aaaa" not in later and not [w for w in later if w.startswith("laporan-")]
            # The approved test's entry is in force until 2029: its determination date may still move.
            assert "uji-konsekuensi-bbbb" in february and "uji-konsekuensi-bbbb" in later
            assert "uji-konsekuensi-bbbb" not in await running_workflows(session, date(2029, 6, 1), None, now)
    finally:
        await engine.dispose()
