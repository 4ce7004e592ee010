"""The bench's own look into the registers of a `ppid dev` stack: SQLite (a file in its data dir) or PostgreSQL
(a throwaway cluster from the machine's server binaries, as the tests start one: tests/pg.py).

The bench reads counts while the stack works (how many notices are sent, how many cases are overdue) and times
a direct one-row UPDATE as the database's own baseline for a staff action. Statements are written with `?`
placeholders for both databases."""

from __future__ import annotations

import re
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

from tests.pg import PostgresCluster

PLACEHOLDER = re.compile(r"\?")


class BenchCluster(PostgresCluster):
    """A throwaway cluster set up as compose runs PostgreSQL (max_connections=200, and fsync on: a commit waits
    for the disk as it does in production), unless `durable=False` asks for the tests' fsync=off."""

    def __init__(self, bindir: Path, workdir: Path, port: int, *, durable: bool = True,
                 synchronous_commit: str = "on") -> None:  # fmt: skip
        super().__init__(bindir, workdir, port)
        self.durable = durable
        self.synchronous_commit = synchronous_commit

    def _pg_ctl_start(self) -> None:
        options = (
            f"-p {self.port} -k {self.workdir} -c listen_addresses=127.0.0.1 -c max_connections=200 "
            f"-c fsync={'on' if self.durable else 'off'} -c synchronous_commit={self.synchronous_commit}"
        )
        self._run("pg_ctl", "-D", str(self.datadir), "-o", options, "-l", str(self.workdir / "log"),
                  "-w", "start")  # fmt: skip


def moment(value: Any) -> datetime:
    """A timestamp as either database returns it: SQLite's naive UTC text, PostgreSQL's aware datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Registers:
    """Counts and rows of one stack's registers, and the direct-update baseline."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.kind = "postgres" if url.startswith("postgresql") else "sqlite"
        self._connection: asyncpg.Connection | None = None

    @property
    def sqlite_path(self) -> str:
        return self.url.split(":///", 1)[1]

    async def _pg(self) -> asyncpg.Connection:
        if self._connection is None:
            self._connection = await asyncpg.connect(self.url.replace("postgresql+asyncpg", "postgresql", 1))
        return self._connection

    @staticmethod
    def _numbered(sql: str) -> str:
        counter = iter(range(1, 10_000))
        return PLACEHOLDER.sub(lambda _: f"${next(counter)}", sql)

    async def rows(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        if self.kind == "sqlite":
            with sqlite3.connect(f"file:{self.sqlite_path}?mode=ro", uri=True, timeout=30) as db:
                return [tuple(row) for row in db.execute(sql, args).fetchall()]
        connection = await self._pg()
        return [tuple(row) for row in await connection.fetch(self._numbered(sql), *args)]

    async def scalar(self, sql: str, *args: Any) -> Any:
        found = await self.rows(sql, *args)
        return found[0][0] if found else None

    async def timed_updates(self, ids: list[str]) -> list[float]:
        """One committed one-row UPDATE per id, in milliseconds: what the database alone takes for a write."""
        latencies = []
        if self.kind == "sqlite":
            with sqlite3.connect(self.sqlite_path, timeout=30) as db:
                for request_id in ids:
                    started = time.perf_counter()
                    db.execute("UPDATE requests SET occupation = ? WHERE id = ?", ("bench", request_id))
                    db.commit()
                    latencies.append((time.perf_counter() - started) * 1000)
            return latencies
        connection = await self._pg()
        for request_id in ids:
            started = time.perf_counter()
            await connection.execute("UPDATE requests SET occupation = $1 WHERE id = $2", "bench", request_id)
            latencies.append((time.perf_counter() - started) * 1000)
        return latencies

    async def size_mb(self, data_dir: Path) -> float:
        """The registers' and Temporal's files on disk (PostgreSQL: the database's size as it reports it)."""
        files = [data_dir / "temporal.sqlite", data_dir / "temporal.sqlite-wal"]
        if self.kind == "sqlite":
            files += [Path(self.sqlite_path), Path(self.sqlite_path + "-wal")]
        size = sum(f.stat().st_size for f in files if f.exists())
        if self.kind == "postgres":
            size += int(await self.scalar("SELECT pg_database_size(current_database())"))
        return size / 2**20

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()
            self._connection = None
