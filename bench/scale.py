"""The staff's pages at the size of the registers: the API's case list (GET /v1/requests, first page, filtered,
searched, a later page) and the inbox (GET /v1/tasks), timed one call after another, and the query plans of
the statements behind them (EXPLAIN QUERY PLAN on SQLite, EXPLAIN on PostgreSQL) to show the indexes used.

The statements are the API's own: `request_list` and `open_tasks` are run once in the bench process against
the same database, their SQL captured as it goes to the driver and explained with the same parameters."""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import load_staff
from api.routes.requests import request_list
from api.routes.tasks import open_tasks
from bench.figures import percentile
from db.models import User
from db.session import make_engine, make_session_factory

STAFF = "ppid@sanggau.example"


def pages(year: int) -> dict[str, str]:
    """What a PPID opens: the list, filtered to this year's open requests of a unit, searched by name, a later
    page, and the inbox."""
    return {
        "list": "/v1/requests",
        "list_filtered": f"/v1/requests?status=received&year={year}&unit=dinkes",
        "list_search": "/v1/requests?q=aminah",
        "list_page_20": "/v1/requests?page=20",
        "inbox": "/v1/tasks",
    }


async def page_latencies(
    http: httpx.AsyncClient, headers: dict[str, str], paths: dict[str, str], *, samples: int,
    budget_s: float = 60.0,
) -> dict[str, dict[str, Any]]:  # fmt: skip
    """Each page `samples` times in turn (fewer when one page has used up `budget_s`), after one warm-up call:
    p50 and p99 in milliseconds, the answer's size and X-Total-Count."""
    figures: dict[str, dict[str, Any]] = {}
    for name, path in paths.items():
        warm = await http.get(path, headers=headers)
        assert warm.status_code == 200, (path, warm.status_code, warm.text[:300])
        latencies: list[float] = []
        began = time.perf_counter()
        while len(latencies) < samples and time.perf_counter() - began < budget_s:
            started = time.perf_counter()
            response = await http.get(path, headers=headers)
            latencies.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        figures[name] = {
            "path": path, "n": len(latencies), "p50_ms": percentile(latencies, 0.5),
            "p99_ms": percentile(latencies, 0.99), "items": len(warm.json()),
            "total": int(warm.headers.get("X-Total-Count", len(warm.json()))), "bytes": len(warm.content),
        }  # fmt: skip
        print(f"    {name}: {figures[name]}", flush=True)
    return figures


COLUMNS = re.compile(r"^SELECT (.+?) FROM ", re.DOTALL)


def _readable(statement: str) -> str:
    """The statement on one line, a long column list shortened to its first columns."""
    flat = " ".join(statement.split())
    found = COLUMNS.match(flat)
    if found and len(found.group(1)) > 120:
        columns = found.group(1).split(", ")
        flat = f"SELECT {', '.join(columns[:3])}, … ({len(columns)} columns) FROM " + flat[found.end() :]
    return flat


def _plan_rows(dialect: str, rows: list[Any]) -> list[str]:
    if dialect == "sqlite":  # (id, parent, notused, detail)
        return [str(row[3]) for row in rows]
    return [str(row[0]) for row in rows]


async def explain(url: str, year: int, email: str = STAFF) -> dict[str, list[dict[str, Any]]]:
    """The plans of the list's and the inbox's statements on the requests and tasks tables."""
    engine = make_engine(url)
    dialect = engine.dialect.name
    captured: list[tuple[str, Any]] = []

    def capture(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool
    ) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            captured.append((statement, parameters))

    calls: dict[str, Callable[[AsyncSession, Any], Awaitable[Any]]] = {
        "list": lambda session, staff: request_list(session, staff),
        "list_filtered": lambda session, staff: request_list(
            session, staff, status_is="received", year=year, unit="dinkes"
        ),
        "list_search": lambda session, staff: request_list(session, staff, q="aminah"),
        "list_page_20": lambda session, staff: request_list(session, staff, page=20),
        "inbox": lambda session, staff: open_tasks(session, staff, datetime.now(UTC)),
    }
    plans: dict[str, list[dict[str, Any]]] = {}
    try:
        async with make_session_factory(engine)() as session:
            user = await session.scalar(select(User).where(User.email == email))
            assert user is not None, email
            staff = await load_staff(session, user.id, user.token_version)
            assert staff is not None
            for name, call in calls.items():
                captured.clear()
                event.listen(engine.sync_engine, "before_cursor_execute", capture)
                try:
                    await call(session, staff)
                finally:
                    event.remove(engine.sync_engine, "before_cursor_execute", capture)
                statements = [(s, p) for s, p in captured if " requests" in s or " tasks" in s]
                plans[name] = []
                prefix = "EXPLAIN QUERY PLAN " if dialect == "sqlite" else "EXPLAIN "
                connection = await session.connection()
                for statement, parameters in statements:
                    arguments = tuple(parameters) if isinstance(parameters, list | tuple) else parameters
                    result = await connection.exec_driver_sql(prefix + statement, arguments)
                    plans[name].append(
                        {"sql": _readable(statement), "plan": _plan_rows(dialect, list(result.all()))}
                    )
    finally:
        await engine.dispose()
    return plans
