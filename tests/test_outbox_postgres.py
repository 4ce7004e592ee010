"""Two outbox dispatchers on one PostgreSQL register, as compose runs them side by side (docker-compose.yml):
the lease taken by `claim` (activities/mail.py) is what keeps them from sending a notice twice.

Each dispatcher has its own engine and connection pool, as a process of its own would, and its own sender
address (so the SMTP sink can tell them apart); both drain the same due rows at once into a real aiosmtpd
server. Every notice must arrive exactly once and be recorded sent once; none may stay pending."""

from __future__ import annotations

import asyncio
import email
import email.policy
import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from activities.outbox import OutboxDispatcher
from db.models import Notification
from db.session import make_engine, make_session_factory
from tests.conftest import free_port, make_settings
from tests.pg import PostgresCluster

NOTICES = 300
SENDERS = ("a", "b")
# activities/mail.py: Message-ID <notice-{row id}-{digest of the idempotency key}@{sender's domain}>
MESSAGE_ID = re.compile(r"<notice-(\d+)-([0-9a-f]{12})@outbox-([ab])\.example>")


class Sink:
    """Every message as it arrives; a short pause per message keeps both dispatchers' batches in flight at once."""

    def __init__(self) -> None:
        self.message_ids: list[str] = []

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.message_ids.append(str(message["Message-ID"]))
        await asyncio.sleep(0.002)
        return "250 OK"


@pytest.mark.postgres
async def test_two_dispatchers_send_every_due_notice_exactly_once(
    pg_cluster: PostgresCluster, pg_template: str, tmp_path: Path
) -> None:
    url = pg_cluster.create_database(template=pg_template)
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    engines = [make_engine(url) for _ in SENDERS]
    try:
        async with make_session_factory(engines[0])() as session:
            session.add_all(
                Notification(
                    idempotency_key=f"case-{i}:registered:requester",
                    case_id=f"case-{i}",
                    event="registered",
                    recipient=f"pemohon{i}@example.org",
                    recipient_role="requester",
                    subject=f"Tanda terima {i}",
                    body_text="Permohonan Anda telah kami terima.",
                    status="pending",
                    created_at=datetime.now(UTC),
                )
                for i in range(NOTICES)
            )
            await session.commit()
        dispatchers = [
            OutboxDispatcher(
                make_session_factory(engine),
                make_settings(
                    tmp_path,
                    url,
                    "127.0.0.1:1",
                    smtp_host="127.0.0.1",
                    smtp_port=port,
                    mail_from=f"PPID <noreply@outbox-{sender}.example>",
                ),
            )
            for engine, sender in zip(engines, SENDERS, strict=True)
        ]
        stop = asyncio.Event()
        running = [asyncio.create_task(d.run(stop)) for d in dispatchers]

        async def pending() -> int:
            async with make_session_factory(engines[0])() as session:
                count = await session.scalar(
                    select(func.count()).select_from(Notification).where(Notification.status != "sent")
                )
                return int(count or 0)

        try:
            async with asyncio.timeout(180):  # a bound on a hang, not a speed check
                while await pending():
                    await asyncio.sleep(0.1)
        finally:
            stop.set()
            await asyncio.gather(*running)

        async with make_session_factory(engines[0])() as session:
            rows = (await session.scalars(select(Notification))).all()
    finally:
        for engine in engines:
            await engine.dispose()
        controller.stop()

    assert len(rows) == NOTICES
    assert {row.status for row in rows} == {"sent"}
    assert {row.attempts for row in rows} == {1}  # no row was sent, or even tried, a second time
    parsed = [MESSAGE_ID.fullmatch(m) for m in sink.message_ids]
    assert all(parsed), [m for m, p in zip(sink.message_ids, parsed, strict=True) if p is None][:5]
    per_row = Counter(int(p.group(1)) for p in parsed if p)
    assert per_row == Counter({row.id: 1 for row in rows})  # every notice arrived, each exactly once
    # The message recorded on each row is the one the sink received, from the dispatcher that claimed it.
    assert sorted(str(row.message_id) for row in rows) == sorted(sink.message_ids)
    # Both dispatchers took part: the rows were shared out between them, not drained by one alone.
    by_sender = Counter(p.group(3) for p in parsed if p)
    assert set(by_sender) == set(SENDERS), by_sender
