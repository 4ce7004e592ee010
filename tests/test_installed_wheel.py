"""The images' commands, proved without Docker (issue 19).

The wheel is built from the image's build context (the source tree minus .dockerignore), installed the way
the Dockerfile installs it (deploy/requirements.lock, then the project with --no-deps, then `pip check`) into
a fresh venv outside the source tree, and `ppid migrate`, `ppid directory import`, `ppid api`, `ppid worker`
and `ppid outbox` run from that venv, each with the environment docker-compose.yml gives its service (read
from the file itself, `${VAR}` interpolated from a test .env), against a throwaway PostgreSQL that checks the
password (scram) and a Temporal dev server. One request is submitted and its receipt must arrive.

What this catches that the other tests cannot: a template, static file, migration or data file missing from
the wheel; a module imported from the source tree by accident; a dependency missing from the lock; an
environment variable compose sets that the code reads differently (the database password with `@:/%`)."""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Mapping
from email.message import EmailMessage
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import httpx
import pytest
import yaml
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from temporalio.testing import WorkflowEnvironment

from tests.conftest import Mailbox, free_port, text_of
from tests.pg import PostgresCluster, find_pg_bindir
from tests.requests_support import REQUESTER_EMAIL, form

ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")
pytestmark = [pytest.mark.slow, pytest.mark.postgres]

# The operator's .env for this run. The database password holds every character that broke a URL or the
# init script before (issue 19); SMTP_SECURITY=none and any credentials as deploy/.env.example says for a
# catcher (the sink below stands for Mailpit: plain SMTP with AUTH).
DB_PASSWORD = "p@ss:w/rd%40-x"
SMTP_USERNAME = "relay-ppid"
SMTP_PASSWORD = "relay:p@ss"
MAIL_FROM = "PPID Kabupaten Sanggau <ppid@sanggau.example>"
DOMAIN = "ppid.sanggau.test"
SERVICES = ("migrate", "api", "worker", "outbox")
STOP_TIMEOUT = 45.0  # the longest stop_grace_period of the app services in docker-compose.yml


# --- The build context, the wheel and the venv ---------------------------------------------------------------


def _dockerignore_patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    # Negations (`!pattern`) would need Docker's full rules; the file has none, and a new one fails here.
    assert not any(p.startswith("!") for p in patterns), "teach _build_context about `!` patterns"
    return [p.rstrip("/") for p in patterns]


def _build_context(destination: Path) -> Path:
    """What `COPY . .` puts in the image's build stage. Copied, so the build writes no build/ or egg-info
    into the source tree (and no stale build/lib of an earlier build can hide a missing file)."""
    patterns = _dockerignore_patterns()

    def ignored(folder: str, names: list[str]) -> set[str]:
        relative = Path(folder).relative_to(ROOT)
        skip = set()
        for name in names:
            path = (relative / name).as_posix()
            for pattern in patterns:
                if pattern.startswith("**/"):
                    hit = fnmatch.fnmatch(name, pattern.removeprefix("**/"))
                else:
                    hit = fnmatch.fnmatch(path, pattern)
                if hit:
                    skip.add(name)
                    break
        return skip

    return Path(shutil.copytree(ROOT, destination, ignore=ignored, symlinks=True))


async def _run(
    *argv: str | Path, cwd: Path, env: Mapping[str, str] | None = None, timeout: float = 300
) -> str:
    process = await asyncio.create_subprocess_exec(
        *map(str, argv), cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise AssertionError(f"{argv} did not finish within {timeout:.0f}s") from None
    text = output.decode(errors="replace")
    assert process.returncode == 0, (
        f"{' '.join(map(str, argv))} failed ({process.returncode}):\n{text[-4000:]}"
    )
    return text


async def _build_wheel(work: Path) -> Path:
    context = await asyncio.to_thread(_build_context, work / "context")
    dist = work / "dist"
    await _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", dist, context, cwd=work)
    (wheel,) = dist.glob("ppid_layanan-*.whl")
    return wheel


async def _venv_with_lock(work: Path) -> Path:
    """A fresh venv holding exactly the lock file's packages, as the Dockerfile's first layer. This test's
    pip installs into it (--python): the same pip and its cache, without bootstrapping one into the venv."""
    venv = work / "venv"
    await _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=work)
    python = venv / "bin" / "python"
    lock = ROOT / "deploy" / "requirements.lock"
    # --no-compile: about 9 of this test's seconds. The image's .pyc files differ in nothing but speed (and
    # with PYTHONDONTWRITEBYTECODE=1 `ppid` reads its bytecode from a cache of its own, base/bytecode.py).
    await _run(sys.executable, "-m", "pip", "--python", python, "install", "-q", "--disable-pip-version-check",
               "--no-compile", "-r", lock, cwd=work)  # fmt: skip
    return python


# --- PostgreSQL with a password that is checked ---------------------------------------------------------------


def _start_postgres(bindir: Path, workdir: Path) -> PostgresCluster:
    """The cluster of tests/pg.py, with the role and database compose's init script creates, and scram
    authentication for that role: a password mangled on its way into the URL is refused."""
    cluster = PostgresCluster(bindir, workdir, free_port())
    cluster.start()
    psql = ("psql", "-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres", "-d", "postgres",
            "-v", "ON_ERROR_STOP=1")  # fmt: skip
    assert "'" not in DB_PASSWORD
    cluster._run(*psql, "-c", f"CREATE ROLE ppid LOGIN PASSWORD '{DB_PASSWORD}'")
    cluster._run(
        "createdb", "-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres", "-O", "ppid", "ppid"
    )
    hba = cluster.datadir / "pg_hba.conf"
    hba.write_text("host all ppid 127.0.0.1/32 scram-sha-256\n" + hba.read_text())
    cluster._run("pg_ctl", "-D", str(cluster.datadir), "reload")
    return cluster


async def _password_is_checked(port: int) -> None:
    # pg_ctl reload returns before the postmaster has re-read pg_hba.conf: retry briefly.
    deadline = time.monotonic() + 10
    while True:
        try:
            connection = await asyncpg.connect(
                host="127.0.0.1", port=port, user="ppid", password="not-the-password", database="ppid"
            )
        except asyncpg.InvalidPasswordError:
            return
        await connection.close()
        assert time.monotonic() < deadline, "PostgreSQL accepted a wrong password: the test proves nothing"
        await asyncio.sleep(0.1)


# --- The mail relay --------------------------------------------------------------------------------------------


class Relay(Mailbox):
    """The SMTP sink with AUTH over plain SMTP (like Mailpit with MP_SMTP_AUTH_ALLOW_INSECURE): only the
    credentials of the .env are accepted, so they must reach the mail sender intact."""

    def __init__(self) -> None:
        super().__init__()
        self.logins: list[tuple[str, bool]] = []

    def __call__(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            SMTP_USERNAME.encode(),
            SMTP_PASSWORD.encode(),
        )
        self.logins.append((auth_data.login.decode() if isinstance(auth_data, LoginPassword) else "?", ok))
        return AuthResult(success=ok, handled=False)


@pytest.fixture
async def relay() -> AsyncIterator[tuple[Relay, int]]:
    box = Relay()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port, authenticator=box, auth_require_tls=False)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


# --- The environment compose gives each service ---------------------------------------------------------------

_VARIABLE = re.compile(
    r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}|\$(?P<bare>[A-Za-z_]\w*)"
)


def interpolate(value: str, dotenv: Mapping[str, str]) -> str:
    """Compose's `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `${VAR?error}` and `$$`."""

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group("name") or match.group("bare")
        op, arg, given = match.group("op"), match.group("arg"), dotenv.get(name)
        missing = given is None or (given == "" and op is not None and op.startswith(":"))
        if op in (":-", "-") and missing:
            return arg
        if op in (":?", "?") and missing:
            raise AssertionError(f"docker-compose.yml requires {name} ({arg}): give it in this test's .env")
        return given or ""

    return _VARIABLE.sub(substitute, value)


def compose_services(dotenv: Mapping[str, str]) -> dict[str, tuple[list[str], dict[str, str]]]:
    """Each app service's command and environment, as `docker compose config` would render them."""
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    rendered = {}
    for name in SERVICES:
        environment = services[name]["environment"]
        assert isinstance(environment, dict), f"{name}: environment as a mapping"
        env = {key: interpolate(str(value), dotenv) for key, value in environment.items()}
        rendered[name] = ([str(part) for part in services[name]["command"]], env)
    return rendered


def image_env(venv: Path) -> dict[str, str]:
    """The final stage's ENV of the Dockerfile (PATH with this venv in place of /opt/venv)."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    final = text.split("\nFROM ")[-1]
    env: dict[str, str] = {}
    for line in final.splitlines():
        if line.startswith("ENV "):
            for key, value in re.findall(r"(\w+)=(\S+)", line):
                env[key] = value
    env["PATH"] = env["PATH"].replace("/opt/venv", str(venv)).replace("$PATH", os.environ["PATH"])
    return env


# --- The processes ---------------------------------------------------------------------------------------------


def _log_tail(path: Path, chars: int = 3000) -> str:
    return path.read_text(errors="replace")[-chars:] if path.exists() else ""


async def _stop(processes: dict[str, subprocess.Popen[bytes]]) -> dict[str, int]:
    """SIGTERM to all (as `docker compose stop`), then each gets the grace period before SIGKILL."""
    for process in processes.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    codes = {}
    deadline = time.monotonic() + STOP_TIMEOUT
    for name, process in processes.items():
        while process.poll() is None and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        if process.poll() is None:
            process.kill()
            process.wait()
            codes[name] = -9
        else:
            codes[name] = process.returncode
    return codes


async def _wait_healthy(url: str, processes: dict[str, subprocess.Popen[bytes]], logs: Path) -> None:
    deadline = time.monotonic() + 60
    async with httpx.AsyncClient(timeout=2) as http:
        while time.monotonic() < deadline:
            for name, process in processes.items():
                assert process.poll() is None, f"ppid {name} exited ({process.returncode}):\n" + _log_tail(
                    logs / f"{name}.log"
                )
            with contextlib.suppress(httpx.HTTPError):
                if (await http.get(f"{url}/healthz")).status_code == 200:
                    return
            await asyncio.sleep(0.2)
    raise AssertionError("ppid api did not become healthy:\n" + _log_tail(logs / "api.log"))


class Laps:
    """Where the run time goes (printed at the end: `pytest -s` or -rP)."""

    def __init__(self) -> None:
        self.start = self.last = time.monotonic()
        self.items: list[str] = []

    def __call__(self, name: str) -> None:
        now = time.monotonic()
        self.items.append(f"{name} {now - self.last:.1f}s")
        self.last = now

    async def timed(self, name: str, work: Awaitable[T]) -> T:
        started = time.monotonic()
        result = await work
        self.items.append(f"{name} {time.monotonic() - started:.1f}s")
        return result

    def __str__(self) -> str:
        return f"{time.monotonic() - self.start:.1f}s: " + ", ".join(self.items)


async def test_installed_wheel_runs_the_compose_commands(
    tmp_path: Path, temporal_env: WorkflowEnvironment, relay: tuple[Relay, int]
) -> None:
    laps = Laps()
    bindir = find_pg_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries not found (pg_config --bindir): PostgreSQL tests skipped")
    assert not tmp_path.is_relative_to(ROOT), "the venv and the working directory lie outside the source tree"
    (tmp_path / "pg").mkdir()
    wheel, python, cluster = await asyncio.gather(
        laps.timed("wheel", _build_wheel(tmp_path)),
        laps.timed("venv+lock", _venv_with_lock(tmp_path)),
        laps.timed("postgres", asyncio.to_thread(_start_postgres, bindir, tmp_path / "pg")),
    )
    laps("(in parallel)")
    try:
        await _password_is_checked(cluster.port)
        # The Dockerfile's second step: the project without resolving again, then `pip check`.
        pip = (sys.executable, "-m", "pip", "--python", python)
        await _run(*pip, "install", "-q", "--no-deps", "--disable-pip-version-check", wheel, cwd=tmp_path)
        await _run(*pip, "check", cwd=tmp_path)
        laps("install")
        await _run_stack(tmp_path, python.parent.parent, cluster, temporal_env, relay, laps)
    finally:
        await asyncio.to_thread(cluster.stop)
    print(f"installed-wheel proof, {laps}")


async def _run_stack(
    work: Path,
    venv: Path,
    cluster: PostgresCluster,
    temporal_env: WorkflowEnvironment,
    relay: tuple[Relay, int],
    laps: Laps,
) -> None:
    mail, smtp_port = relay
    api_port = free_port()
    dotenv = {
        "PPID_DOMAIN": DOMAIN, "PPID_TLS": "internal",
        "PPID_SECRET_KEY": secrets.token_hex(32), "PPID_TRACKING_SECRET": secrets.token_hex(32),
        "POSTGRES_PASSWORD": secrets.token_hex(16), "PPID_DB_PASSWORD": DB_PASSWORD,
        "TEMPORAL_DB_PASSWORD": secrets.token_hex(16),
        "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_port), "SMTP_SECURITY": "none",
        "SMTP_USERNAME": SMTP_USERNAME, "SMTP_PASSWORD": SMTP_PASSWORD, "MAIL_FROM": MAIL_FROM,
        # Its own task queue on the session's shared dev server.
        "TEMPORAL_TASK_QUEUE": f"ppid-wheel-{uuid.uuid4().hex[:8]}",
    }  # fmt: skip
    # Only what differs between compose's networks and this machine is replaced: the service names become
    # 127.0.0.1 and free ports, and the API binds the loopback interface (0.0.0.0 in the container).
    machine = {
        "PPID_DB_HOST": "127.0.0.1", "PPID_DB_PORT": str(cluster.port),
        "TEMPORAL_ADDRESS": temporal_env.client.service_client.config.target_host,
        "PPID_API_HOST": "127.0.0.1", "PPID_PORT": str(api_port),
    }  # fmt: skip
    data_dir = work / "var"  # the image's /app/var (the ppid-data volume)
    data_dir.mkdir()
    run_dir = work / "run"  # the working directory: no .env, no source tree, nothing to import by accident
    run_dir.mkdir()
    logs = work / "logs"
    logs.mkdir()
    base = {key: os.environ[key] for key in ("HOME", "LANG", "TMPDIR") if key in os.environ}
    base |= image_env(venv) | {"PPID_DATA_DIR": str(data_dir)}

    services = compose_services(dotenv)
    environments = {}
    for name, (_command, env) in services.items():
        missing = [key for key in machine if key not in env]
        assert not missing, f"compose no longer sets {missing} for {name}: update this test"
        assert env["PPID_DB_PASSWORD"] == DB_PASSWORD and "DATABASE_URL" not in env
        environments[name] = base | env | machine
    api_env = environments["api"]
    assert api_env["PPID_PUBLIC_URL"] == f"https://{DOMAIN}"
    assert environments["worker"].get("PPID_OUTBOX_IN_WORKER") == "0", (
        "compose: the outbox service sends mail"
    )

    # Every module and data file comes from the venv, not from the source tree.
    where = await _run(
        venv / "bin" / "python", "-c",
        "import activities, api, db, domain, ppid, workflows, worker; from ppid.demo import DEMO_DIRECTORY;"
        "print(*[m.__file__ for m in (activities, api, db, domain, ppid, workflows, worker)], DEMO_DIRECTORY,"
        " sep='\\n')",
        cwd=run_dir, env=api_env,
    )  # fmt: skip
    paths = [Path(line) for line in where.split()]
    site = venv / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
    assert all(path.is_relative_to(site) for path in paths), paths
    directory_file = paths[-1]
    assert directory_file.is_file(), "the demo directory is in the wheel"
    ppid = shutil.which("ppid", path=api_env["PATH"])
    assert ppid is not None and Path(ppid).is_relative_to(venv), ppid

    migrate_command, _ = services["migrate"]
    assert migrate_command == ["ppid", "migrate"]
    await _run(*migrate_command, cwd=run_dir, env=environments["migrate"], timeout=120)
    # README's admin command, in the migrate service's container.
    imported = await _run(
        "ppid", "directory", "import", directory_file, cwd=run_dir, env=environments["migrate"]
    )
    assert "Impor direktori selesai" in imported, imported
    laps("migrate+import")

    processes: dict[str, subprocess.Popen[bytes]] = {}
    codes: dict[str, int] = {}
    try:
        for name in ("worker", "outbox", "api"):
            command, _ = services[name]
            assert command == ["ppid", name]
            with (logs / f"{name}.log").open("wb") as log:
                processes[name] = subprocess.Popen(
                    command, cwd=run_dir, env=environments[name], stdout=log, stderr=subprocess.STDOUT
                )
        url = f"http://127.0.0.1:{api_port}"
        await _wait_healthy(url, processes, logs)
        laps("api healthy")
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            response = await http.post("/v1/requests", json=form())
        assert response.status_code == 201, response.text
        created = response.json()
        try:
            receipt: EmailMessage = await mail.wait_for(REQUESTER_EMAIL, "Tanda terima", timeout=60)
        except AssertionError as exc:
            tails = "\n".join(f"--- {n}\n{_log_tail(logs / f'{n}.log')}" for n in processes)
            raise AssertionError(f"{exc}\n{tails}") from None
        assert created["registration_number"] in str(receipt["Subject"])
        assert MAIL_FROM.split("<")[1].rstrip(">") in str(receipt["From"])
        body = text_of(receipt)
        assert created["tracking_code"] in body
        assert f"https://{DOMAIN}/lacak/{created['id']}" in body
        assert mail.logins and all(ok for _, ok in mail.logins), mail.logins
        laps("request+receipt")
    finally:
        codes = await _stop(processes)
        laps("stop")
    outputs = {name: (logs / f"{name}.log").read_text(errors="replace") for name in processes}
    # A clean stop is status 0 for all three (uvicorn's re-raised SIGTERM ends in ppid/cli.py's handler).
    assert codes == {"worker": 0, "outbox": 0, "api": 0}, (
        codes, {n: o[-2000:] for n, o in outputs.items()},
    )  # fmt: skip
    assert "Application shutdown complete" in outputs["api"], outputs["api"][-2000:]
    for name, output in outputs.items():
        assert "Traceback" not in output, f"ppid {name}:\n{output[-4000:]}"
