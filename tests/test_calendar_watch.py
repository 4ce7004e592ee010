"""The yearly calendar check: admins are told (email and a task) to confirm the year's SKB days."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from temporalio.testing import WorkflowEnvironment

from activities.calendar_watch import CalendarWatchActivities, years_to_confirm
from db.session import make_engine, make_session_factory
from domain.contracts import CalendarCheck
from tests.conftest import Mailbox, login
from tests.requests_support import stack
from workflows.calendar_watch import first_of_next_month
from workflows.registry import history_replayer


def test_which_years_need_confirmation() -> None:
    assert years_to_confirm(datetime(2026, 6, 15, tzinfo=UTC)) == []  # 2027's cuti bersama is known
    january = years_to_confirm(datetime(2027, 1, 2, 3, tzinfo=UTC))
    assert [y for y, _ in january] == [2027]
    # The package knows no cuti bersama for 2028 yet: from September 2027 the admins are asked.
    assert [y for y, _ in years_to_confirm(datetime(2027, 9, 1, 3, tzinfo=UTC))] == [2028]
    assert [y for y, _ in years_to_confirm(datetime(2027, 8, 31, 3, tzinfo=UTC))] == []
    assert first_of_next_month(datetime(2026, 12, 5, tzinfo=UTC)) == datetime(2027, 1, 1, 1, tzinfo=UTC)


async def test_admins_get_one_task_and_one_email_per_year(
    temporal_env: WorkflowEnvironment, mailbox: tuple[Mailbox, int], tmp_path: Path, sqlite_database_url: str,
    task_queue: str,
) -> None:  # fmt: skip
    async with stack(temporal_env.client, mailbox, tmp_path, sqlite_database_url, task_queue) as s:
        engine = make_engine(sqlite_database_url)
        watch = CalendarWatchActivities(make_session_factory(engine))
        first = await watch.check_calendar_year(CalendarCheck(at=datetime(2027, 9, 1, 3, tzinfo=UTC)))
        again = await watch.check_calendar_year(CalendarCheck(at=datetime(2027, 10, 1, 3, tzinfo=UTC)))
        await engine.dispose()
        assert len(first.notification_ids) == 1 and again.notification_ids == first.notification_ids
        admin = await login(s.http, "admin@ppid.example")
        tasks = [
            t
            for t in (await s.http.get("/v1/tasks", headers=admin)).json()
            if t["kind"] == "confirm_cuti_bersama"
        ]
        assert [t["registration_number"] for t in tasks] == ["SKB 2028"]
        # Recording a 2028 cuti bersama day closes the task.
        added = await s.http.post(
            "/v1/calendar/holidays", json={"date": "2028-03-27", "name": "Cuti Bersama Hari Raya Idul Fitri"},
            headers=admin,
        )  # fmt: skip
        assert added.status_code == 201, added.text
        tasks = [
            t
            for t in (await s.http.get("/v1/tasks", headers=admin)).json()
            if t["kind"] == "confirm_cuti_bersama"
        ]
        assert tasks == []

        # The watch workflow runs in the sandbox and replays (it starts with a check, then sleeps a month).
        handle = await temporal_env.client.start_workflow(
            "CalendarWatchWorkflow", id=f"kalender-{task_queue}", task_queue=task_queue
        )
        for _ in range(100):
            history = await handle.fetch_history()
            if any(e.HasField("timer_started_event_attributes") for e in history.events):
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the watch workflow never reached its monthly timer")
        await history_replayer().replay_workflow(history)
        await handle.terminate()


async def _confirm_tasks(http: Any, headers: dict[str, str]) -> list[dict[str, Any]]:
    tasks: list[dict[str, Any]] = (await http.get("/v1/tasks", headers=headers)).json()
    return [t for t in tasks if t["kind"] == "confirm_cuti_bersama"]
