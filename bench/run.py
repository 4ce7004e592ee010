"""`make bench`: the service measured on this machine, as ratios against baselines of the same run.

Starts `ppid dev` (real clock) on fresh data and measures:
- intake: an open-loop rate through POST /v1/requests until every case is fully processed (registered,
  workflow run, receipt and PPID notice sent), against the same API stack inserting one row only;
- staff_update: a staff action (decision, a Temporal Update) through the API, against a direct DB update;
- open_cases: memory of the Temporal dev server and the worker, and disk, with >= 10,000 open cases;
- the Temporal floor (bench/floor.py): no-op cases and no-op Updates on the same dev server, the best any
  Temporal-backed intake or staff action reaches on this machine;
then `ppid dev --clock simulated` for deadline_burst: n T1 clocks due at the same moment, how fast they drain;
then statistics (bench/statistics.py): the service figures of a body-year of 50,000 requests, against COUNT(*).
Figures go to bench/results/latest.json. Targets are reported, not asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench import floor
from bench import statistics as statistics_bench
from bench.figures import percentile

ROOT = Path(__file__).resolve().parent.parent
PPID = str(Path(sys.executable).parent / "ppid")
RESULTS = ROOT / "bench" / "results" / "latest.json"
KEPT_UP_S = 3.0  # a rate is sustained when the last case is fully processed this soon after the last send
FORM: dict[str, Any] = {
    "body": "kab-sanggau", "unit": "dinkes",
    "requester": {"kind": "individual", "name": "Siti Aminah", "nik": "6103014501900003",
                  "address": "Jl. Jenderal Sudirman No. 1, Sanggau", "email": "siti@example.org"},
    "information": "Salinan dokumen anggaran program imunisasi 2025", "purpose": "Penelitian",
    "obtain_method": "copy", "copy_format": "softcopy", "delivery_method": "email",
}  # fmt: skip
TARGETS = {
    "intake.cases_per_s": (">=", 30), "intake.p99_ms": ("<=", 300), "intake.ratio": (">=", 0.2),
    "staff_update.p50_ms": ("<=", 25), "staff_update.p99_ms": ("<=", 100), "deadline_burst.drain_s": ("<=", 30),
    "open_cases.server_rss_mb": ("<=", 700), "open_cases.worker_rss_mb": ("<=", 250),
    "statistics.sqlite_s": ("<=", statistics_bench.TARGET_S),
    "statistics.postgresql_s": ("<=", statistics_bench.TARGET_S),
}  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class DevStack:
    def __init__(self, data_dir: Path, *, clock: str = "real") -> None:
        self.port, self.temporal_port = free_port(), free_port()
        while self.temporal_port + 1000 == self.port:
            self.temporal_port = free_port()
        self.data_dir = data_dir
        self.clock = clock
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DATABASE_", "PPID_", "TEMPORAL_", "SMTP_"))
        }
        self.env = env | {
            "PPID_PORT": str(self.port), "PPID_TEMPORAL_PORT": str(self.temporal_port), "PPID_BENCH": "1",
            "PPID_RATE_LIMIT_INTAKE": "0", "PPID_RATE_LIMIT_LOGIN": "0", "PPID_RATE_LIMIT_TRACKING": "0",
            "PPID_LOG_LEVEL": "WARNING",
        }  # fmt: skip
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def db_path(self) -> Path:
        name = "ppid-simulated.sqlite3" if self.clock == "simulated" else "ppid.sqlite3"
        return self.data_dir / name

    async def start(self) -> None:
        self.process = subprocess.Popen(
            [PPID, "dev", "--data-dir", str(self.data_dir), "--clock", self.clock], env=self.env,
            stdout=(self.data_dir.parent / f"dev-{self.clock}.log").open("wb"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        async with httpx.AsyncClient(timeout=2) as http:
            for _ in range(300):
                if self.process.poll() is not None:
                    raise RuntimeError("ppid dev exited; see the log beside the data dir")
                try:
                    if (await http.get(f"{self.url}/healthz")).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.5)
        raise RuntimeError("ppid dev did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=120)

    def child_status(self, needle: str) -> tuple[float, float]:
        """A child process's resident memory (MB) and CPU time so far (s)."""
        assert self.process is not None
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
                cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except (OSError, IndexError, ValueError):
                continue
            if int(fields[1]) == self.process.pid and needle in cmdline:
                cpu_s = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
                for line in (stat.parent / "status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) / 1024, cpu_s
        raise RuntimeError(f"no child process matching {needle!r}")

    def child_rss_mb(self, needle: str) -> float:
        return self.child_status(needle)[0]

    async def settle(self, needle: str = "server start-dev", idle_share: float = 0.05) -> None:
        """Wait (at most a minute) until the child uses under `idle_share` of a core: the dev server goes on
        working (visibility, closed executions) after the calls that caused the work have returned."""
        for _ in range(60):
            before = self.child_status(needle)[1]
            await asyncio.sleep(1)
            if self.child_status(needle)[1] - before < idle_share:
                return

    async def until_notices_sent(self) -> None:
        while self.query("SELECT count(*) FROM notifications WHERE status != 'sent'") > 0:
            await asyncio.sleep(0.2)

    def query(self, sql: str, *args: Any) -> Any:
        with sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=30) as db:
            return db.execute(sql, args).fetchone()[0]


async def login(http: httpx.AsyncClient, email: str) -> dict[str, str]:
    token = (await http.post("/v1/auth/token", data={"username": email, "password": "demo-ppid-2026"})).json()
    return {"Authorization": f"Bearer {token['access_token']}"}


async def baseline_rps(http: httpx.AsyncClient, seconds: float, concurrency: int = 16) -> float:
    done = 0
    stop_at = time.perf_counter() + seconds

    async def client() -> None:
        nonlocal done
        while time.perf_counter() < stop_at:
            assert (await http.post("/v1/dev/bench/insert")).status_code == 201
            done += 1

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return done / (time.perf_counter() - started)


async def open_loop_intake(
    stack: DevStack, http: httpx.AsyncClient, rate: float, seconds: float
) -> dict[str, Any]:
    """Requests sent on a fixed schedule whatever the answers (open loop); then until all are processed.
    The rate was sustained ("kept_up") when every case was fully processed within KEPT_UP_S of the last send."""
    latencies: list[float] = []
    ids: list[str] = []
    sent_before = stack.query("SELECT count(*) FROM notifications WHERE status = 'sent'")

    async def one() -> None:
        started = time.perf_counter()
        response = await http.post("/v1/requests", json=FORM)
        latencies.append((time.perf_counter() - started) * 1000)
        if response.status_code == 201:
            ids.append(response.json()["id"])

    tasks = []
    began = time.perf_counter()
    total = int(rate * seconds)
    for index in range(total):
        await asyncio.sleep(max(0.0, began + index / rate - time.perf_counter()))
        tasks.append(asyncio.create_task(one()))
    sent = time.perf_counter()
    await asyncio.gather(*tasks)
    # Fully processed: each case's receipt and PPID notice sent.
    while stack.query("SELECT count(*) FROM notifications WHERE status = 'sent'") - sent_before < 2 * len(
        ids
    ):
        await asyncio.sleep(0.2)
    done = time.perf_counter()
    kept_up = done - sent <= KEPT_UP_S
    return {
        "offered_rate": rate, "acknowledged": len(ids), "drain_s": round(done - sent, 2), "kept_up": kept_up,
        # Sustained: the offered rate. Not sustained: what was fully processed per second, drain included.
        "cases_per_s": len(ids) / (sent - began) if kept_up else len(ids) / (done - began),
        "p50_ms": percentile(latencies, 0.5), "p99_ms": percentile(latencies, 0.99),
    }  # fmt: skip


async def intake_steps(
    stack: DevStack, http: httpx.AsyncClient, rates: list[float], seconds: float
) -> dict[str, Any]:
    """Open-loop steps of rising rate; the figure is the highest rate sustained (or the first step's
    throughput when none was), with that step's latencies."""
    steps = []
    for rate in rates:
        print(f"  {rate:.0f}/s for {seconds:.0f}s …", flush=True)
        steps.append(await open_loop_intake(stack, http, rate, seconds))
        print(f"    {steps[-1]}", flush=True)
        if not steps[-1]["kept_up"]:
            break
    sustained = [step for step in steps if step["kept_up"]]
    return dict(sustained[-1] if sustained else steps[0]) | {"steps": steps}


async def fill(http: httpx.AsyncClient, count: int, concurrency: int = 24) -> list[str]:
    ids: list[str] = []
    remaining = count

    async def client() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            response = await http.post("/v1/requests", json=FORM)
            if response.status_code == 201:
                ids.append(response.json()["id"])

    await asyncio.gather(*(client() for _ in range(concurrency)))
    return ids


async def staff_updates(stack: DevStack, http: httpx.AsyncClient, ids: list[str]) -> dict[str, float]:
    headers = await login(http, "ppid@sanggau.example")
    latencies = []
    for request_id in ids:
        started = time.perf_counter()
        response = await http.post(
            f"/v1/requests/{request_id}/decision", json={"outcome": "granted"}, headers=headers
        )
        latencies.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text
    baseline = []
    with sqlite3.connect(stack.db_path, timeout=30) as db:
        for request_id in ids:
            started = time.perf_counter()
            db.execute("UPDATE requests SET occupation = ? WHERE id = ?", ("bench", request_id))
            db.commit()
            baseline.append((time.perf_counter() - started) * 1000)
    return {
        "n": len(ids), "p50_ms": percentile(latencies, 0.5), "p99_ms": percentile(latencies, 0.99),
        "baseline_p50_ms": statistics.median(baseline),
    }  # fmt: skip


async def deadline_burst(work: Path, n: int) -> dict[str, float]:
    stack = DevStack(work / "simulated", clock="simulated")
    stack.data_dir.mkdir(parents=True)
    await stack.start()
    try:
        async with httpx.AsyncClient(base_url=stack.url, timeout=600) as http:
            ids = await fill(http, n)
            admin = await login(http, "admin@ppid.example")
            due = datetime.fromisoformat(
                (await http.get(f"/v1/requests/{ids[0]}", headers=admin)).json()["due_at"]
            )
            # First every reminder before the deadline, so the burst measured is the expiry alone.
            await http.post(
                "/v1/dev/clock/advance",
                json={"until": (due - timedelta(minutes=5)).isoformat()},
                headers=admin,
            )
            wall_start = datetime.now(UTC)
            started = time.perf_counter()
            moved = await http.post("/v1/dev/clock/advance", json={"until": (due + timedelta(minutes=5)).isoformat()},
                                    headers=admin)  # fmt: skip
            while stack.query("SELECT count(*) FROM requests WHERE status = 'overdue'") < len(ids):
                await asyncio.sleep(0.1)
            drain = time.perf_counter() - started
        with sqlite3.connect(f"file:{stack.db_path}?mode=ro", uri=True) as db:
            updated = [
                row[0] for row in db.execute("SELECT updated_at FROM requests WHERE status = 'overdue'")
            ]
        lags = [
            (datetime.fromisoformat(u).replace(tzinfo=UTC) - wall_start).total_seconds() * 1000
            for u in updated
        ]
        return {
            "n": len(ids),
            "drain_s": drain,
            "p99_lag_ms": percentile(lags, 0.99),
            "settled": moved.json()["settled"],
        }
    finally:
        stack.stop()


def db_mb(stack: DevStack) -> float:
    files = [stack.db_path, stack.db_path.with_name(stack.db_path.name + "-wal")]
    files += [stack.data_dir / "temporal.sqlite", stack.data_dir / "temporal.sqlite-wal"]
    return sum(f.stat().st_size for f in files if f.exists()) / 2**20


def save(results: dict[str, Any]) -> None:
    """Written after every phase, so that a phase that fails still leaves the figures measured before it."""
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, default=str))


async def main(args: argparse.Namespace) -> dict[str, Any]:
    results: dict[str, Any] = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
                               "started_at": datetime.now(UTC).isoformat(), "config": vars(args)}  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="ppid-bench-") as tmp:
        work = Path(tmp)
        stack = DevStack(work / "real")
        stack.data_dir.mkdir(parents=True)
        await stack.start()
        try:
            limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
            async with httpx.AsyncClient(base_url=stack.url, timeout=120, limits=limits) as http:
                print("baseline: insert-only endpoint …", flush=True)
                base = await baseline_rps(http, args.baseline_seconds)
                print(f"  {base:.0f} rps", flush=True)
                print("floor: no-op cases and no-op Updates on the same Temporal dev server …", flush=True)
                noop = await floor.measure(
                    f"127.0.0.1:{stack.temporal_port}", work, cases=1000, updates=args.updates
                )
                print(f"  {noop}", flush=True)
                settled = time.perf_counter()
                await stack.settle()
                print(f"  dev server idle again after {time.perf_counter() - settled:.0f} s", flush=True)
                print("intake: open-loop steps …", flush=True)
                intake = await intake_steps(stack, http, args.rates, args.seconds)
                intake |= {"baseline_rps": base, "ratio": intake["cases_per_s"] / base,
                           "floor_cases_per_s": noop["cases_per_s"], "floor_ratio": noop["cases_per_s"] / base}  # fmt: skip
                print(f"  {intake}", flush=True)
                results["intake"] = intake
                save(results)
                print("staff updates …", flush=True)
                fresh = await fill(http, args.updates)
                # Measured on a quiet stack: the receipts of the cases just made are sent first, so the
                # decisions meet only their own notices being sent (the outbox writes the same SQLite file).
                await stack.until_notices_sent()
                await stack.settle()
                results["staff_update"] = await staff_updates(stack, http, fresh) | {
                    "floor_p50_ms": noop["update_p50_ms"],
                    "floor_p99_ms": noop["update_p99_ms"],
                }
                print(f"  {results['staff_update']}", flush=True)
                save(results)
                have = stack.query("SELECT count(*) FROM requests WHERE status IN ('received', 'extended')")
                print(f"open cases: filling from {have} to {args.open_cases} …", flush=True)
                started = time.perf_counter()
                await fill(http, max(0, args.open_cases - have))
                open_count = stack.query(
                    "SELECT count(*) FROM requests WHERE status IN ('received', 'extended')"
                )
                await stack.until_notices_sent()
                await asyncio.sleep(3)
                results["open_cases"] = {
                    "n": open_count, "fill_cases_per_s": (open_count - have) / (time.perf_counter() - started),
                    "server_rss_mb": stack.child_rss_mb("server start-dev"), "worker_rss_mb": stack.child_rss_mb(" worker"),
                    "api_rss_mb": stack.child_rss_mb(" api"), "outbox_rss_mb": stack.child_rss_mb(" outbox"),
                    "db_mb": db_mb(stack),
                }  # fmt: skip
                print(f"  {results['open_cases']}", flush=True)
                save(results)
        finally:
            stack.stop()
        print(f"deadline burst: {args.burst} clocks due at the same moment (simulated clock) …", flush=True)
        try:
            results["deadline_burst"] = await asyncio.wait_for(
                deadline_burst(work, args.burst), args.burst_timeout
            )
        except TimeoutError:
            results["deadline_burst"] = {"n": args.burst, "drain_s": None, "p99_lag_ms": None,
                                         "error": f"not drained within {args.burst_timeout:.0f}s"}  # fmt: skip
        print(f"  {results['deadline_burst']}", flush=True)
        save(results)
        # The service figures of a body-year of 50,000 requests, on SQLite and PostgreSQL (bench/statistics.py).
        results["statistics"] = await statistics_bench.measure_safely(work)
    results["finished_at"] = datetime.now(UTC).isoformat()
    results["targets"] = {}
    for key, (op, bound) in TARGETS.items():
        section, name = key.split(".")
        value = results[section][name]
        met = value is not None and (value >= bound if op == ">=" else value <= bound)
        results["targets"][key] = {"value": None if value is None else round(value, 2), "target": f"{op} {bound}",
                                   "met": met}  # fmt: skip
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", type=float, nargs="+", default=[30.0, 40.0, 50.0],
                        help="offered intake rates, cases/s, tried in turn until one is not sustained")  # fmt: skip
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--baseline-seconds", type=float, default=10.0)
    parser.add_argument("--updates", type=int, default=200)
    parser.add_argument("--open-cases", type=int, default=10_000)
    parser.add_argument("--burst", type=int, default=1000)
    parser.add_argument(
        "--burst-timeout", type=float, default=150.0, help="seconds before the burst phase gives up"
    )
    arguments = parser.parse_args()
    # SIGTERM ends the bench like Ctrl-C: the `ppid dev` stacks it started (in their own sessions) are stopped.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    figures = asyncio.run(main(arguments))
    save(figures)
    print(json.dumps(figures["targets"], indent=2))
    print(f"written to {RESULTS}")
    sys.stdout.flush()
    os._exit(0)
