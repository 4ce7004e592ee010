"""`ppid dev` as a developer runs it: a real process tree, real ports, stopped by Ctrl-C and SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port

PPID = str(Path(sys.executable).parent / "ppid")
pytestmark = pytest.mark.slow


def _children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def _commands(pid: int) -> list[str]:
    """The command lines of a process's children, their arguments joined by spaces."""
    commands = []
    for child in _children(pid):
        try:
            commands.append(Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode())
        except OSError:
            continue
    return [" ".join(command.split()) for command in commands]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_healthy(url: str, process: subprocess.Popen[str], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, (
            f"ppid dev exited early: {process.stdout.read() if process.stdout else ''}"
        )
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError("ppid dev did not become healthy")


def _start(env: dict[str, str], *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [PPID, "dev", *extra],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, like a terminal's foreground job
    )


def _stop(process: subprocess.Popen[str], sig: signal.Signals) -> tuple[int, str]:
    children = _children(process.pid)
    assert len(children) >= 3, "temporal, worker and api run as children"
    os.killpg(process.pid, sig) if sig == signal.SIGINT else process.send_signal(sig)
    output, _ = process.communicate(timeout=60)
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_alive(pid) for pid in children), "every child stops with the supervisor"
    return process.returncode, output


def _listening_addresses(port: int) -> set[str]:
    """The local addresses (hex, as the kernel lists them) of the sockets listening on `port`."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, _remote, state = line.split()[1:4]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


LOOPBACK = {"0100007F", "0000000000000000FFFF00000100007F", "00000000000000000000000001000000"}


def test_ports_are_checked_before_anything_starts(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "PPID_", "TEMPORAL_"))}
    clash = subprocess.run(
        [PPID, "dev", "--port", str(port), "--temporal-port", str(port - 1000), "--data-dir", str(tmp_path)],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert clash.returncode == 2
    assert f"port {port}" in clash.stderr and "--temporal-ui-port" in clash.stderr
    assert "berjalan" not in clash.stdout and not (tmp_path / "temporal.sqlite").exists()


def _login(url: str, email: str, password: str) -> dict[str, str]:
    token = httpx.post(f"{url}/v1/auth/token", data={"username": email, "password": password})
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def test_dev_stack_serves_stops_cleanly_and_keeps_its_data(tmp_path: Path) -> None:
    port, temporal_port = free_port(), free_port()
    while temporal_port + 1000 == port or not 1024 < temporal_port < 64000:
        temporal_port = free_port()
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "PPID_", "TEMPORAL_", "SMTP_"))
    }
    env |= {"PPID_PORT": str(port), "PPID_TEMPORAL_PORT": str(temporal_port), "PPID_DEV_WORKERS": "2"}
    url = f"http://127.0.0.1:{port}"
    data_dir = str(tmp_path / "var")

    process = _start(env, "--data-dir", data_dir)
    try:
        _wait_healthy(url, process)
        assert httpx.get(f"{url}/healthz").json()["temporal"] == "ok"
        assert httpx.get(f"{url}/docs").status_code == 200
        assert sum(c.endswith(" -m ppid.cli worker") for c in _commands(process.pid)) == 2, (
            "PPID_DEV_WORKERS worker processes"
        )
        assert len(httpx.get(f"{url}/v1/bodies").json()) == 5
        deadline = httpx.get(
            f"{url}/v1/calendar/deadline",
            params={"body": "kab-sanggau", "start": "2026-03-16T09:00:00+07:00", "working_days": 10},
        ).json()
        assert deadline["due_at"] == "2026-04-07T23:59:59+07:00"
        assert "Idul Fitri" in deadline["explanation"]
        assert httpx.get(f"http://127.0.0.1:{temporal_port + 1000}/", timeout=10).status_code == 200
        # The mailbox holds tracking codes and NIKs: an admin's token and a loopback Host, nothing less.
        assert httpx.get(f"{url}/dev/mailbox").status_code == 401
        admin = _login(url, "admin@ppid.example", "demo-ppid-2026")
        assert httpx.get(f"{url}/dev/mailbox", headers=admin).json() == []
        rebound = httpx.get(f"{url}/dev/mailbox", headers=admin | {"Host": "evil.example"})
        assert rebound.status_code == 403
        ppid = _login(url, "ppid@sanggau.example", "demo-ppid-2026")
        assert httpx.get(f"{url}/dev/mailbox", headers=ppid).status_code == 401

        # Another `ppid` command beside it, with the same environment, writes to the same database.
        created = subprocess.run(
            [PPID, "user", "create", "--email", "operator@sanggau.example", "--password", "sandi-operator",
             "--role", "ppid", "--body", "kab-sanggau"],
            env=env | {"PPID_DATA_DIR": data_dir}, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert created.returncode == 0, created.stderr
        token = httpx.post(
            f"{url}/v1/auth/token",
            data={"username": "operator@sanggau.example", "password": "sandi-operator"},
        )
        assert token.status_code == 200
    finally:
        if process.poll() is None:
            code, output = _stop(process, signal.SIGINT)  # Ctrl-C
    assert code == 0, output
    assert "demo-ppid-2026" in output and f"{url}/docs" in output
    assert f"http://127.0.0.1:{temporal_port + 1000}" in output

    # Restarted on the same data dir: the directory and the new account are still there.
    process = _start(env, "--data-dir", data_dir, "--no-demo")
    try:
        _wait_healthy(url, process)
        assert len(httpx.get(f"{url}/v1/bodies").json()) == 5
        token = httpx.post(
            f"{url}/v1/auth/token",
            data={"username": "operator@sanggau.example", "password": "sandi-operator"},
        )
        assert token.status_code == 200
    finally:
        if process.poll() is None:
            code, output = _stop(process, signal.SIGTERM)
    assert code == 0, output
    assert "demo-ppid-2026" not in output


def test_dev_stack_in_simulated_clock_mode(tmp_path: Path) -> None:
    """A trainer's session: submit, move the clock 20 days, see the escalation in the mailbox."""
    from tests.requests_support import form

    port, temporal_port = free_port(), free_port()
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "PPID_", "TEMPORAL_", "SMTP_"))
    }
    env |= {"PPID_PORT": str(port), "PPID_TEMPORAL_PORT": str(temporal_port)}
    url = f"http://127.0.0.1:{port}"
    process = _start(env, "--data-dir", str(tmp_path / "var"), "--clock", "simulated")
    try:
        _wait_healthy(url, process)
        with httpx.Client(base_url=url, timeout=120) as http:
            created = http.post("/v1/requests", json=form()).json()
            token = http.post(
                "/v1/auth/token", data={"username": "admin@ppid.example", "password": "demo-ppid-2026"}
            )
            admin = {"Authorization": f"Bearer {token.json()['access_token']}"}
            before = http.get("/v1/dev/clock").json()["now"]
            moved = http.post("/v1/dev/clock/advance", json={"days": 20}, headers=admin).json()
            assert moved["settled"] is True and moved["now"] > before
            subjects = [m["subject"] for m in http.get("/dev/mailbox", headers=admin).json()]
            assert any("tidak ditanggapi" in s and created["registration_number"] in s for s in subjects)
            assert any("Eskalasi" in s for s in subjects)
        # The unauthenticated test server answers on the loopback interface only.
        assert _listening_addresses(temporal_port) and _listening_addresses(temporal_port) <= LOOPBACK
        # A trainer creates a trainee's account beside the simulated stack, in the same environment.
        created_user = subprocess.run(
            [PPID, "user", "create", "--email", "peserta@sanggau.example", "--password", "sandi-peserta",
             "--role", "ppid", "--body", "kab-sanggau"],
            env=env | {"PPID_DATA_DIR": str(tmp_path / "var"), "PPID_CLOCK": "simulated"},
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert created_user.returncode == 0, created_user.stderr
        _login(url, "peserta@sanggau.example", "sandi-peserta")
    finally:
        if process.poll() is None:
            code, output = _stop(process, signal.SIGTERM)
    assert code == 0, output
