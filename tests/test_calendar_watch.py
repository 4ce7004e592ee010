"""The yearly calendar check: admins are told (email and a task) to confirm the year's SKB days; a Temporal
Schedule runs it (and starts the yearly report workflows) on the 1st of every month."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from temporalio.client import Client, ScheduleActionExecutionStartWorkflow, WorkflowExecutionStatus
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from activities.calendar_watch import CalendarWatchActivities, years_to_confirm
from db.models import Body, KomisiInformasi
from db.session import make_engine, make_session_factory
from domain.contracts import CalendarCheck
from tests.conftest import Mailbox, login
from tests.history_support import RECORDED_VERSION, replay_and_record
from tests.requests_support import stack
from worker import ensure_calendar_schedule


def test_which_years_need_confirmation() -> None:
    assert years_to_confirm(datetime(2026, 6, 15, tzinfo=UTC)) == []  # 2027's cuti bersama is known
    january = years_to_confirm(datetime(2027, 1, 2, 3, tzinfo=UTC))
    assert [y for y, _ in january] == [2027]
    # The package knows no cuti bersama for 2028 yet: from September 2027 the admins are asked.
    assert [y for y, _ in years_to_confirm(datetime(2027, 9, 1, 3, tzinfo=UTC))] == [2028]
    assert [y for y, _ in years_to_confirm(datetime(2027, 8, 31, 3, tzinfo=UTC))] == []


def _next_first_of_month(now: datetime) -> datetime:
    """01:00 UTC on the next 1st of a month strictly after `now`."""
    candidate = now.replace(day=1, hour=1, minute=0, second=0, microsecond=0)
    if candidate <= now:
        year, month = (now.year + 1, 1) if now.month == 12 else (now.year, now.month + 1)
        candidate = candidate.replace(year=year, month=month)
    return candidate


async def add_body(database_url: str, slug: str) -> None:
    """A body just imported into the directory (no report workflow yet)."""
    engine = make_engine(database_url)
    async with make_session_factory(engine)() as session:
        komisi = await session.scalar(select(KomisiInformasi.id).where(KomisiInformasi.slug == "ki-kalbar"))
        session.add(Body(slug=slug, code=slug[-8:].upper(), name="Badan Uji", level="kabupaten", state_body=True,
                         timezone="Asia/Pontianak", komisi_id=komisi, ppid_email="ppid@uji.example",
                         atasan_email="atasan@uji.example", head_email="kepala@uji.example"))  # fmt: skip
        await session.commit()
    await engine.dispose()


async def _described(client: Client, workflow_id: str, tries: int = 400) -> Any:
    for _ in range(tries):
        try:
            return await client.get_workflow_handle(workflow_id).describe()
        except RPCError:
            await asyncio.sleep(0.05)
    raise AssertionError(f"{workflow_id} was never started")


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
        tasks = await _confirm_tasks(s.http, admin)
        assert [t["registration_number"] for t in tasks] == ["SKB 2028"]
        # Recording a 2028 cuti bersama day closes the task.
        added = await s.http.post(
            "/v1/calendar/holidays", json={"date": "2028-03-27", "name": "Cuti Bersama Hari Raya Idul Fitri"},
            headers=admin,
        )  # fmt: skip
        assert added.status_code == 201, added.text
        assert await _confirm_tasks(s.http, admin) == []


async def test_the_schedule_runs_the_check_and_starts_the_yearly_reports(
    temporal_env: WorkflowEnvironment, mailbox: tuple[Mailbox, int], tmp_path: Path, sqlite_database_url: str,
    task_queue: str,
) -> None:  # fmt: skip
    """On the dev server (the time-skipping server has no schedules): the worker's schedule fires on the 1st
    of each month at 01:00 UTC; creating it again is a no-op; a triggered run checks the calendar and starts
    the report workflow of a body just imported, which outlives the short run (abandoned)."""
    client = temporal_env.client
    slug = f"uji-{task_queue[-8:]}"
    await add_body(sqlite_database_url, slug)
    schedule_id = f"kalender-{task_queue}"
    async with stack(client, mailbox, tmp_path, sqlite_database_url, task_queue):
        schedule = await ensure_calendar_schedule(client, task_queue, schedule_id)
        assert schedule is not None
        try:
            again = await ensure_calendar_schedule(client, task_queue, schedule_id)  # a second worker's start
            assert again is not None and again.id == schedule_id
            described = await schedule.describe()
            now = datetime.now(UTC)
            assert described.info.next_action_times[0] == _next_first_of_month(now)
            assert described.info.next_action_times[1] == _next_first_of_month(
                described.info.next_action_times[0]
            )
            assert described.info.num_actions == 0

            await schedule.trigger()
            for _ in range(400):
                recent = (await schedule.describe()).info.recent_actions
                if recent:
                    break
                await asyncio.sleep(0.05)
            else:
                raise AssertionError("the triggered schedule never started its workflow")
            started = recent[0].action
            assert isinstance(started, ScheduleActionExecutionStartWorkflow)
            run = client.get_workflow_handle(started.workflow_id, run_id=started.first_execution_run_id)
            await asyncio.wait_for(run.result(), timeout=30)
            run_described = await run.describe()
            assert run_described.workflow_type == "CalendarWatchWorkflow"
            assert run_described.task_queue == task_queue

            year = run_described.start_time.year
            child = await _described(client, f"laporan-{slug}-{year}")
            assert child.workflow_type == "AnnualReportWorkflow" and child.parent_id == run.id
            assert child.status == WorkflowExecutionStatus.RUNNING  # abandoned: it outlives the run
            await client.get_workflow_handle(child.id).terminate()
            # The scheduled workflow runs in the strict sandbox and replays.
            history = await run.fetch_history()
            await replay_and_record(history, f"calendar_watch_{RECORDED_VERSION}_scheduled")
        finally:
            await schedule.delete()


async def test_without_schedules_the_check_runs_as_a_cron_workflow(
    timeskip: WorkflowEnvironment, mailbox: tuple[Mailbox, int], tmp_path: Path, sqlite_database_url: str,
    task_queue: str,
) -> None:  # fmt: skip
    """`ppid dev --clock simulated` runs on the time-skipping server, which has no schedules: the worker
    starts the same workflow with the same cron instead, and it runs on the 1st as the simulated time passes."""
    client = timeskip.client
    async with stack(client, mailbox, tmp_path, sqlite_database_url, task_queue):
        assert await ensure_calendar_schedule(client, task_queue, "kalender-tahunan") is None
        assert await ensure_calendar_schedule(client, task_queue, "kalender-tahunan") is None  # no-op
        watch = client.get_workflow_handle("kalender-tahunan")
        first_run = (await watch.describe()).run_id
        now = await timeskip.get_current_time()
        first_of_month = _next_first_of_month(now)
        await timeskip.sleep(first_of_month - now + timedelta(hours=1))
        for _ in range(400):
            described = await watch.describe()
            if described.run_id != first_run:
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the cron workflow never ran on the 1st")
        # The run of the 1st started the year's report workflow of the demo bodies.
        report = await _described(client, f"laporan-kab-sanggau-{first_of_month.year}")
        assert report.workflow_type == "AnnualReportWorkflow"
        await watch.terminate()


async def _confirm_tasks(http: Any, headers: dict[str, str]) -> list[dict[str, Any]]:
    tasks: list[dict[str, Any]] = (await http.get("/v1/tasks", headers=headers)).json()
    return [t for t in tasks if t["kind"] == "confirm_cuti_bersama"]
