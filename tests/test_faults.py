"""Faults, with real components on loopback and bounded in time: the mail server down then back, a
permanent rejection, 200 concurrent intakes, the worker killed mid-activity while the database is away,
and the whole `ppid dev` stack stopped (SIGTERM and SIGKILL) and restarted with cases in flight."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from db.intake import workflow_id_of
from db.models import InfoRequest, Notification, TimelineEvent
from db.session import make_engine, make_session_factory
from tests.conftest import Mailbox, free_port, temporal_cli
from tests.pg import PostgresCluster
from tests.requests_support import PPID_SANGGAU, REQUESTER_EMAIL, form, stack

PPID = str(Path(sys.executable).parent / "ppid")
pytestmark = pytest.mark.slow
UNKNOWN_ADDRESS = "tidak.ada@example.org"


class FlakySmtp(Mailbox):
    """A real SMTP server that can go down and come back on the same port, and refuses one address."""

    def __init__(self, port: int) -> None:
        super().__init__()
        self.port = port
        self.controller: Controller | None = None

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address == UNKNOWN_ADDRESS:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    def up(self) -> None:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def down(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp() -> Iterator[FlakySmtp]:
    """A FlakySmtp that is up for the test and down after it."""
    server = FlakySmtp(free_port())
    server.up()
    try:
        yield server
    finally:
        server.down()


def _by_message_id(messages: list[EmailMessage]) -> Counter[str]:
    return Counter(str(m["Message-ID"]) for m in messages)


async def _wait_messages(box: Mailbox, count: int, timeout: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while len(_by_message_id(box.messages)) < count and loop.time() < deadline:
        await asyncio.sleep(0.2)
    assert len(_by_message_id(box.messages)) >= count, [str(m["Subject"]) for m in box.messages]


async def _notification_rows(url: str) -> list[Notification]:
    engine = make_engine(url)
    try:
        async with make_session_factory(engine)() as session:
            return list((await session.scalars(select(Notification).order_by(Notification.id))).all())
    finally:
        await engine.dispose()


async def _until(what: str, condition: Callable[[], Awaitable[bool]], timeout: float) -> None:
    """Wait until `condition()` holds, polling; fail naming `what` after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.1)


def _outbox_idle(url: str, count: int) -> Callable[[], Awaitable[bool]]:
    """The outbox has the `count` notices and none of them is still pending (each sent or failed): nothing
    more will be sent, so a count of the messages received is final."""

    async def idle() -> bool:
        rows = await _notification_rows(url)
        return len(rows) >= count and all(r.status != "pending" for r in rows)

    return idle


def _polled_by(client: Client, task_queue: str, pid: int) -> Callable[[], Awaitable[bool]]:
    """The worker process `pid` polls the task queue (a client's default identity is `pid@host`)."""

    async def polling() -> bool:
        answer = await client.workflow_service.describe_task_queue(
            DescribeTaskQueueRequest(
                namespace=client.namespace, task_queue=TaskQueue(name=task_queue),
                task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
            )
        )  # fmt: skip
        return any(p.identity.startswith(f"{pid}@") for p in answer.pollers)

    return polling


def _workflows_idle(client: Client, request_ids: list[str]) -> Callable[[], Awaitable[bool]]:
    """Every request's workflow waits (no workflow task, no activity pending): the worker has nothing left
    to do for them."""

    async def idle() -> bool:
        for request_id in request_ids:
            raw = (await client.get_workflow_handle(workflow_id_of(request_id)).describe()).raw_description
            if raw.pending_activities or raw.HasField("pending_workflow_task"):
                return False
        return True

    return idle


async def test_mail_outage_intake_goes_on_and_every_notice_is_sent_once_when_it_returns(
    temporal_env: WorkflowEnvironment, tmp_path: Path, sqlite_database_url: str, task_queue: str
) -> None:
    smtp = FlakySmtp(free_port())  # down from the start
    try:
        async with stack(
            temporal_env.client, (smtp, smtp.port), tmp_path, sqlite_database_url, task_queue
        ) as s:
            created = [await s.submit() for _ in range(5)]
            assert all(c["status"] == "received" for c in created)

            async def all_tried() -> (
                bool
            ):  # each of the 10 notices recorded and tried once against the outage
                rows = await _notification_rows(sqlite_database_url)
                return len(rows) == 10 and all(r.last_error for r in rows)

            await _until("every notice tried during the outage", all_tried, timeout=60)
            rows = await _notification_rows(sqlite_database_url)
            assert len(rows) == 10 and all(r.status == "pending" for r in rows)
            assert all(r.last_error for r in rows)  # the outage is visible on each waiting notice
            smtp.up()
            await _wait_messages(smtp, 10, timeout=60)
            await _until("the outbox idle", _outbox_idle(sqlite_database_url, 10), timeout=60)
            counts = _by_message_id(smtp.messages)
            assert len(counts) == 10 and set(counts.values()) == {1}, counts
            assert len(smtp.to(REQUESTER_EMAIL)) == 5
            assert all(r.status == "sent" for r in await _notification_rows(sqlite_database_url))
    finally:
        smtp.down()


async def test_permanent_rejection_is_recorded_for_staff_and_not_retried(
    temporal_env: WorkflowEnvironment,
    tmp_path: Path,
    sqlite_database_url: str,
    task_queue: str,
    smtp: FlakySmtp,
) -> None:
    async with stack(temporal_env.client, (smtp, smtp.port), tmp_path, sqlite_database_url, task_queue) as s:
        created = await s.submit(requester__email=UNKNOWN_ADDRESS)
        await s.mail.wait_for("ppid.dinkes@sanggau.example", "Permohonan informasi baru")
        # Idle: the receipt to the refused address is settled (failed), not pending a retry; a retried row
        # would stay pending and this wait would time out.
        await _until("the outbox idle", _outbox_idle(sqlite_database_url, 2), timeout=60)
        rows = {r.recipient: r for r in await _notification_rows(sqlite_database_url)}
        refused = rows[UNKNOWN_ADDRESS]
        assert (refused.status, refused.attempts) == ("failed", 1)
        assert "ditolak" in (refused.last_error or "")
        staff = await s.case(created["id"], await s.login(PPID_SANGGAU))
        assert any(e["event"] == "mail_failed" for e in staff["timeline"])
        mine = await s.case(created["id"], {"X-Tracking-Code": created["tracking_code"]})
        assert not any(e["event"] == "mail_failed" for e in mine["timeline"])


async def test_two_hundred_concurrent_intakes(
    temporal_env: WorkflowEnvironment, mailbox: tuple[Mailbox, int], tmp_path: Path, database_url: str,
    task_queue: str,
) -> None:  # fmt: skip
    async with stack(temporal_env.client, mailbox, tmp_path, database_url, task_queue) as s:
        responses = await asyncio.gather(*(s.http.post("/v1/requests", json=form()) for _ in range(200)))
        assert Counter(r.status_code for r in responses) == {201: 200}
        numbers = sorted(int(r.json()["registration_number"].split("/")[0]) for r in responses)
        assert numbers == list(range(1, 201))  # unique and without gaps
        await _wait_messages(s.mail, 400, timeout=120)  # every workflow ran: a receipt and a PPID notice each
        engine = make_engine(database_url)
        async with make_session_factory(engine)() as session:
            rows = await session.scalar(select(func.count()).select_from(InfoRequest))
            registered = await session.scalar(
                select(func.count()).select_from(TimelineEvent).where(TimelineEvent.event == "registered")
            )
        await engine.dispose()
        assert (rows, registered) == (200, 200)


@pytest.fixture
def processes_on_pg(
    temporal_env: WorkflowEnvironment, mailbox: tuple[Mailbox, int], tmp_path: Path, pg_cluster: PostgresCluster,
    pg_template: str, task_queue: str,
) -> tuple[str, dict[str, str]]:  # fmt: skip
    """A fresh PostgreSQL database, and the environment of a `ppid worker` or `ppid outbox` the test starts on
    it and on the test's Temporal and SMTP server."""
    url = pg_cluster.create_database(template=pg_template)
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "PPID_", "TEMPORAL_", "SMTP_"))
    }
    return url, env | {
        "DATABASE_URL": url, "TEMPORAL_ADDRESS": temporal_env.client.service_client.config.target_host,
        "TEMPORAL_TASK_QUEUE": task_queue, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(mailbox[1]),
        "PPID_SECRET_KEY": "test-secret-key-that-is-long-enough-for-hs256", "PPID_DATA_DIR": str(tmp_path),
        "PPID_TRACKING_SECRET": "test-tracking-secret-that-never-changes",
    }  # fmt: skip


def _worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([PPID, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def test_worker_killed_and_database_away_cases_resume(
    temporal_env: WorkflowEnvironment, mailbox: tuple[Mailbox, int], tmp_path: Path, pg_cluster: PostgresCluster,
    task_queue: str, processes_on_pg: tuple[str, dict[str, str]],
) -> None:  # fmt: skip
    url, env = processes_on_pg
    box, _port = mailbox
    async with stack(temporal_env.client, mailbox, tmp_path, url, task_queue, with_worker=False) as s:
        worker = _worker(env)
        created = [await s.submit() for _ in range(6)]
        # The kill comes while the first cases are being recorded, a moment after the last submission: a fixed
        # instant, not a condition. Waiting for the first notice rows would let the killed worker's dispatcher
        # hold some rows under its lease (activities/mail.py LEASE, 2 minutes) longer than the wait below.
        await asyncio.sleep(0.3)
        worker.kill()  # mid-activity: some cases are being recorded right now
        worker.wait()
        pg_cluster.stop()
        try:
            away = await s.http.post("/v1/requests", json=form())
            assert away.status_code == 503 and "Basis data" in away.json()["detail"]
            worker = _worker(env)  # the new worker finds the database away; its activities retry
            await _until(
                "the new worker polling", _polled_by(temporal_env.client, task_queue, worker.pid), 60
            )
        finally:
            pg_cluster.start(initialise=False)
        try:
            await _wait_messages(box, 12, timeout=90)
            await _until("the outbox idle", _outbox_idle(url, 12), timeout=60)
            counts = _by_message_id(box.messages)
            assert len(counts) == 12 and max(counts.values()) == 1, counts
            for case in created:
                assert (await s.case(case["id"], {"X-Tracking-Code": case["tracking_code"]}))[
                    "status"
                ] == "received"
        finally:
            worker.terminate()
            worker.wait(timeout=30)


async def test_outbox_as_its_own_process_beside_a_worker_that_does_not_send(
    temporal_env: WorkflowEnvironment, mailbox: tuple[Mailbox, int], tmp_path: Path, task_queue: str,
    processes_on_pg: tuple[str, dict[str, str]],
) -> None:  # fmt: skip
    """Compose's shape: `ppid worker` with PPID_OUTBOX_IN_WORKER=0 and `ppid outbox` beside it."""
    url, env = processes_on_pg
    box = mailbox[0]
    async with stack(temporal_env.client, mailbox, tmp_path, url, task_queue, with_worker=False) as s:
        worker = _worker(env | {"PPID_OUTBOX_IN_WORKER": "0"})
        outbox: subprocess.Popen[bytes] | None = None
        try:
            created = [await s.submit() for _ in range(6)]

            async def recorded() -> bool:
                return len(await _notification_rows(url)) >= 12

            await _until("the 12 notices recorded", recorded, timeout=60)
            # The worker has nothing left to do for the cases: had it sent, it would have by now.
            await _until(
                "the workflows idle", _workflows_idle(temporal_env.client, [c["id"] for c in created]), 60
            )
            rows = await _notification_rows(url)
            assert len(rows) == 12 and all(r.status == "pending" for r in rows)  # the worker sent nothing
            assert box.messages == []
            outbox = subprocess.Popen(
                [PPID, "outbox"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            await _wait_messages(box, 12, timeout=60)
            await _until("the outbox idle", _outbox_idle(url, 12), timeout=60)
            assert max(_by_message_id(box.messages).values()) == 1
            assert all(r.status == "sent" for r in await _notification_rows(url))
            outbox.send_signal(signal.SIGTERM)
            assert outbox.wait(timeout=30) == 0
        finally:
            for process in (outbox, worker):
                if process is not None and process.poll() is None:
                    process.terminate()
                    process.wait(timeout=30)


def _alive(pid: int) -> bool:
    """Not yet reaped and not a zombie (a killed child of `ppid dev` lingers as one until reaped)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


async def _start_dev(env: dict[str, str], data_dir: Path) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(  # seeds the demo directory on the first start
        [PPID, "dev", "--data-dir", str(data_dir)], env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{env['PPID_PORT']}"
    async with httpx.AsyncClient(timeout=2) as http:
        for _ in range(240):
            assert process.poll() is None, "ppid dev exited during start-up"
            try:
                if (await http.get(f"{url}/healthz")).status_code == 200:
                    return process
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.5)
    raise AssertionError("ppid dev did not start")


@pytest.mark.parametrize("how", ["sigterm", "sigkill"])
async def test_whole_stack_stopped_and_restarted_with_cases_in_flight(tmp_path: Path, how: str) -> None:
    box = FlakySmtp(free_port())
    box.up()
    port, temporal_port = free_port(), free_port()
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "PPID_", "TEMPORAL_", "SMTP_"))
    }
    env |= {
        "PPID_PORT": str(port), "PPID_TEMPORAL_PORT": str(temporal_port), "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(box.port), "PPID_RATE_LIMIT_INTAKE": "0",
    }  # fmt: skip
    data_dir = tmp_path / "var"
    assert temporal_cli()
    process = await _start_dev(env, data_dir)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            responses = await asyncio.gather(*(http.post("/v1/requests", json=form()) for _ in range(30)))
            acknowledged = [r.json() for r in responses if r.status_code == 201]
            assert len(acknowledged) == 30
            # Stop everything while the receipts are being recorded and sent.
            if how == "sigterm":
                process.send_signal(signal.SIGTERM)
                assert process.wait(timeout=60) == 0
            else:
                killed = [process.pid, *_children(process.pid)]
                for pid in killed:
                    os.kill(pid, signal.SIGKILL)
                process.wait(timeout=10)

                async def all_gone() -> bool:  # the ports and files are free for the restart
                    return not any(Path(f"/proc/{pid}").exists() and _alive(pid) for pid in killed)

                await _until("the killed processes gone", all_gone, timeout=30)
            process = await _start_dev(env, data_dir)
            await _wait_messages(box, 60, timeout=120)  # a receipt and a PPID notice per request
            await _until(
                "the outbox idle", _outbox_idle(f"sqlite+aiosqlite:///{data_dir / 'ppid.sqlite3'}", 60), 60
            )
            counts = _by_message_id(box.messages)
            assert len(counts) == 60, len(counts)
            if how == "sigterm":
                assert max(counts.values()) == 1, counts  # a graceful stop finishes what it started
            else:
                # A send cut by SIGKILL between the SMTP answer and the register update is repeated once, with
                # the same Message-ID (receivers deduplicate on it); every notice arrives.
                assert max(counts.values()) <= 2, counts
            for case in acknowledged:
                seen = await http.get(
                    f"/v1/requests/{case['id']}", headers={"X-Tracking-Code": case["tracking_code"]}
                )
                assert seen.status_code == 200 and seen.json()["status"] == "received"
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)
        box.down()
