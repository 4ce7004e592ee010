"""Migrations run unchanged on SQLite and PostgreSQL and match the models exactly."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from db.base import Base
from db.migrate import alembic_config, upgrade_async
from db.session import make_engine
from tests.pg import PostgresCluster

TABLES = {
    "komisi_informasi", "bodies", "units", "users", "requests", "objections", "disputes", "tasks",
    "notifications", "timeline_events", "calendar_changes", "registration_counters", "documents", "dip_entries",
    "consequence_tests", "dik_entries",
    "monev_rounds", "monev_indicators", "monev_questions", "monev_answers", "monev_submissions",
    "annual_reports",
}  # fmt: skip


@pytest.fixture(params=["sqlite", "postgres"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}"
    cluster: PostgresCluster = request.getfixturevalue("pg_cluster")
    return cluster.create_database()


async def _inspect(url: str) -> tuple[set[str], list[Any], set[str]]:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:

            def read(sync_connection: Any) -> tuple[set[str], list[Any], set[str]]:
                context = MigrationContext.configure(sync_connection, opts={"compare_type": True})
                inspector = inspect(sync_connection)
                tables = set(inspector.get_table_names())
                if "notifications" not in tables:
                    return tables, [], set()
                uniques = {c["name"] for c in inspector.get_unique_constraints("notifications") if c["name"]}
                return tables, compare_metadata(context, Base.metadata), uniques

            return await connection.run_sync(read)
    finally:
        await engine.dispose()


async def test_upgrade_creates_every_register_matching_the_models(empty_database: str) -> None:
    await upgrade_async(empty_database)
    tables, differences, notification_uniques = await _inspect(empty_database)
    assert tables - {"alembic_version"} == TABLES
    assert differences == []
    assert "uq_notifications_idempotency_key" in notification_uniques  # exactly-once notices
    await upgrade_async(empty_database)  # running again is a no-op


async def test_downgrade_and_upgrade_again(empty_database: str) -> None:
    await upgrade_async(empty_database)
    await asyncio.to_thread(command.downgrade, alembic_config(empty_database), "base")
    tables, _, _ = await _inspect(empty_database)
    assert tables <= {"alembic_version"}
    await upgrade_async(empty_database)
    tables, differences, _ = await _inspect(empty_database)
    assert tables - {"alembic_version"} == TABLES and differences == []
