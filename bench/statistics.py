"""The service figures of one body-year of 50,000 requests (db/statistics.py), on SQLite and on PostgreSQL,
against a plain `SELECT COUNT(*)` over the same table (target: under 2 s on each).

The registers are generated (tests/statistics_support.py: the rows the workflows write) for Sanggau's 2027:
requests received on working days through the year, answered within 0-22 working days (some extended, some
late, some never), 6% objected, a fifth of those disputed. SQLite is a file in a temporary folder; PostgreSQL a
throwaway cluster from the machine's server binaries (tests/pg.py), skipped when there are none.

`python -m bench.statistics` runs it alone and merges the figures into bench/results/latest.json under
"statistics"; `make bench` runs it as its last phase.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import socket
import statistics as stats
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from db.calendar_repo import load_calendar
from db.directory import import_directory
from db.migrate import upgrade_async
from db.models import Body, InfoRequest
from db.session import make_engine, make_session_factory
from db.statistics import Scope, service_figures
from domain.calendar import add_working_days
from ppid.demo import DEMO_DIRECTORY
from tests.pg import PostgresCluster, find_pg_bindir
from tests.statistics_support import CaseSpec, DisputeSpec, ObjectionSpec, RegisterWriter, write_rows

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "latest.json"
BODY, YEAR, TZ = "kab-sanggau", 2027, "Asia/Pontianak"
NOW = datetime(2028, 2, 1, 3, 0, tzinfo=UTC)  # every 2027 deadline has passed
TARGET_S = 2.0
REPEAT = 5
CHANNELS = ["web"] * 6 + ["walk_in", "email", "letter", "phone"]
KINDS = ["individual"] * 8 + ["group", "legal_entity"]
OUTCOMES = ["granted"] * 6 + ["partially_granted", "rejected", "not_held", "not_yet_documented"]
REASONS = ["Informasi tersebar di beberapa unit kerja", "Memerlukan uji konsekuensi",
           "Dokumen dalam arsip inaktif", "Volume dokumen besar"]  # fmt: skip


def case_specs(n: int, calendar: Any, seed: int = 2027) -> list[CaseSpec]:
    """n cases received on the working days of YEAR, answered 0-22 working days later (3% never)."""
    rng = random.Random(seed)
    zone = ZoneInfo(TZ)
    days = [date(YEAR, 1, 1) + timedelta(days=i) for i in range(365)]
    working = [d for d in days if calendar.is_working_day(d)]
    answer_day: dict[tuple[date, int], date] = {}
    specs = []
    for _ in range(n):
        day = rng.choice(working)
        received = datetime(day.year, day.month, day.day, rng.randint(7, 15), rng.randint(0, 59))
        extension = rng.choice(REASONS) if rng.random() < 0.08 else None
        if rng.random() < 0.03:
            specs.append(CaseSpec(received, channel=rng.choice(CHANNELS), kind=rng.choice(KINDS),
                                  unit=rng.choice(["dinkes", "bpkad", "disdikbud", None]), extension=extension))  # fmt: skip
            continue
        k = rng.randint(0, 22 if extension else 13)
        if (day, k) not in answer_day:
            answer_day[(day, k)] = add_working_days(
                datetime(day.year, day.month, day.day, 12, tzinfo=zone), k, TZ, calendar
            ).due_at.date()
        answered = answer_day[(day, k)]
        decided = datetime(answered.year, answered.month, answered.day, 16, rng.randint(0, 59))
        outcome = rng.choice(OUTCOMES)
        article = (
            rng.choice(["17a", "17b", "17c", "17h", "17i"])
            if outcome in ("rejected", "partially_granted")
            else None
        )
        objections: tuple[ObjectionSpec, ...] = ()
        if rng.random() < 0.06:
            registered = decided + timedelta(days=rng.randint(3, 20))
            responded = registered + timedelta(days=rng.randint(5, 50)) if rng.random() < 0.8 else None
            dispute = None
            if rng.random() < 0.2:
                dispute = DisputeSpec(registered + timedelta(days=60), stage=rng.choice(["mediation", "adjudication"]),
                                      outcome=rng.choice(["mediation_agreement", "adjudication_granted", None]),
                                      status="decided")  # fmt: skip
            objections = (ObjectionSpec(
                registered, reasons=tuple(sorted(rng.sample("abcdefg", rng.randint(1, 2)))), responded=responded,
                outcome=rng.choice(["granted", "partially_granted", "upheld"]) if responded else None,
                status="disputed" if dispute else None, dispute=dispute,
            ),)  # fmt: skip
        specs.append(CaseSpec(
            received, channel=rng.choice(CHANNELS), kind=rng.choice(KINDS),
            unit=rng.choice(["dinkes", "bpkad", "disdikbud", None]), extension=extension, decided=decided,
            outcome=outcome, article=article, objections=objections,
        ))  # fmt: skip
    return specs


async def _prepare(url: str, n: int) -> None:
    await upgrade_async(url)
    engine = make_engine(url)
    try:
        async with make_session_factory(engine)() as session:
            await import_directory(session, DEMO_DIRECTORY.read_text(encoding="utf-8"))
            await session.commit()
            writer = await RegisterWriter.load(session, BODY, NOW)
            rows = writer.rows(case_specs(n, await load_calendar(session, BODY)))
            await write_rows(session, rows)
            # The planner's statistics, as a database in service has them (autovacuum, SQLite's optimize).
            await session.execute(text("ANALYZE"))
            await session.commit()
    finally:
        await engine.dispose()


async def _timed(
    session: AsyncSession, scope: Scope
) -> tuple[list[float], list[float], list[float], dict[str, Any]]:
    """REPEAT runs of the figures and of COUNT(*): wall times, and the figures' CPU time of this process
    (SQLite works in this process: its CPU time is what the figures cost on an otherwise idle machine)."""
    figures: dict[str, Any] = {}
    runs, counts, cpu = [], [], []
    for _ in range(REPEAT):
        started, cpu_started = time.perf_counter(), time.process_time()
        figures = await service_figures(session, scope)
        runs.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
        started = time.perf_counter()
        await session.scalar(select(func.count()).select_from(InfoRequest))
        counts.append(time.perf_counter() - started)
    return runs, counts, cpu, figures


async def measure_one(url: str, n: int) -> dict[str, Any]:
    started = time.perf_counter()
    await _prepare(url, n)
    prepared = time.perf_counter() - started
    engine = make_engine(url)
    try:
        async with make_session_factory(engine)() as session:
            body = await session.scalar(select(Body).where(Body.slug == BODY))
            assert body is not None
            scope = Scope(body_id=body.id, timezone=body.timezone, year=YEAR, now=NOW, body_slug=BODY)
            runs, counts, cpu, figures = await _timed(session, scope)
    finally:
        await engine.dispose()
    assert figures["requests"]["total"] == n, figures["requests"]["total"]
    median, count_median = stats.median(runs), stats.median(counts)
    return {
        "n": n, "figures_s": round(median, 3), "figures_first_s": round(runs[0], 3),
        "figures_cpu_s": round(stats.median(cpu), 3), "load_avg_1min": round(os.getloadavg()[0], 1),
        "count_s": round(count_median, 4), "ratio": round(median / count_median, 1), "prepare_s": round(prepared, 1),
        "met": median < TARGET_S, "days_to_answer": figures["days_to_answer"],
    }  # fmt: skip


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def measure(work: Path, n: int = 50_000) -> dict[str, Any]:
    """The figures' time on both databases; the ratio is against COUNT(*) over the whole requests table."""
    # `sqlite_s` and `postgresql_s` (the median of REPEAT runs) are the figures bench/run.py checks.
    results: dict[str, Any] = {"target_s": TARGET_S, "sqlite_s": None, "postgresql_s": None}
    print(f"statistics: {n} requests, SQLite …", flush=True)
    results["sqlite"] = await measure_one(f"sqlite+aiosqlite:///{work / 'statistics.sqlite3'}", n)
    results["sqlite_s"] = results["sqlite"]["figures_s"]
    print(f"  {results['sqlite']}", flush=True)
    bindir = find_pg_bindir()
    if bindir is None:
        results["postgresql"] = {"skipped": "PostgreSQL server binaries not found"}
        return results
    (work / "statistics-pg").mkdir()
    cluster = PostgresCluster(bindir, work / "statistics-pg", _free_port())
    cluster.start()
    try:
        print(f"statistics: {n} requests, PostgreSQL …", flush=True)
        results["postgresql"] = await measure_one(cluster.create_database("statistics"), n)
        results["postgresql_s"] = results["postgresql"]["figures_s"]
        print(f"  {results['postgresql']}", flush=True)
    finally:
        cluster.stop()
    return results


async def measure_safely(work: Path, n: int = 50_000) -> dict[str, Any]:
    """`measure`, reporting a failure instead of raising (the bench's other phases are kept)."""
    try:
        return await measure(work, n)
    except Exception as exc:  # any failure of this phase is reported in the results
        return {"target_s": TARGET_S, "sqlite_s": None, "postgresql_s": None, "error": repr(exc)}


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="ppid-bench-statistics-") as tmp:
        figures = asyncio.run(measure(Path(tmp)))
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results["statistics"] = figures
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, default=str))
    print(json.dumps(figures, indent=2))
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
