"""One outbox batch sent on several SMTP connections at once (activities/mail.py `Mailer.deliver`), against a real
aiosmtpd server: every notice is sent once, a case's notices arrive in the order they were made, a refused
address is recorded as failed on its row and the case's timeline while the rest of the batch goes out."""

from __future__ import annotations

import asyncio
import email
import email.policy
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import select

from activities.mail import BATCH, CONNECTIONS
from activities.outbox import OutboxDispatcher
from db.models import Notification, TimelineEvent
from db.session import make_engine, make_session_factory
from tests.conftest import free_port, make_settings

CASES = 20
NOTICES_PER_CASE = 3
REFUSED = "ditolak@example.org"


class Sink:
    """Records each message and how many sessions were open at once; a short pause per message keeps the
    connections of one batch in flight together."""

    def __init__(self) -> None:
        self.subjects: list[str] = []
        self.open_sessions = 0
        self.most_open = 0

    async def handle_HELO(self, server: Any, session: Any, envelope: Any, hostname: str) -> str:
        return await self.handle_EHLO(server, session, envelope, hostname, [])

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> Any:
        self.open_sessions += 1
        self.most_open = max(self.most_open, self.open_sessions)
        session.host_name = hostname
        return responses or "250 HELP"

    async def handle_QUIT(self, server: Any, session: Any, envelope: Any) -> str:
        self.open_sessions -= 1
        return "221 Bye"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address == REFUSED:
            return "550 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.subjects.append(str(message["Subject"]))
        await asyncio.sleep(0.01)
        return "250 OK"


def notices(now: datetime) -> list[Notification]:
    made = []
    for case in range(CASES):
        for step in range(NOTICES_PER_CASE):
            recipient = REFUSED if (case, step) == (7, 1) else f"pemohon{case}@example.org"
            made.append(
                Notification(
                    idempotency_key=f"case-{case}:step-{step}:requester", case_id=f"case-{case}",
                    event=f"step-{step}", recipient=recipient, recipient_role="requester",
                    subject=f"Kasus {case} langkah {step}", body_text="Pemberitahuan.", status="pending",
                    created_at=now + timedelta(milliseconds=step),
                )
            )  # fmt: skip
    return made


async def test_a_batch_goes_out_on_several_connections_in_each_case_s_order(
    sqlite_database_url: str, tmp_path: Path
) -> None:
    assert CASES * NOTICES_PER_CASE <= BATCH  # one batch holds them all
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    engine = make_engine(sqlite_database_url)
    sessions = make_session_factory(engine)
    try:
        async with sessions() as session:
            session.add_all(notices(datetime.now(UTC)))
            await session.commit()
        settings = make_settings(tmp_path, sqlite_database_url, "127.0.0.1:1", smtp_host="127.0.0.1",
                                 smtp_port=port)  # fmt: skip
        claimed = await OutboxDispatcher(sessions, settings).drain_once()
        async with sessions() as session:
            rows = (await session.scalars(select(Notification).order_by(Notification.id))).all()
            failures = (
                await session.scalars(select(TimelineEvent).where(TimelineEvent.event == "mail_failed"))
            ).all()
    finally:
        await engine.dispose()
        controller.stop()

    assert claimed == CASES * NOTICES_PER_CASE
    assert 1 < sink.most_open <= CONNECTIONS, sink.most_open
    refused = [row for row in rows if row.recipient == REFUSED]
    assert [row.status for row in refused] == ["failed"]
    assert "550" in str(refused[0].last_error)
    assert [event.case_id for event in failures] == ["case-7"]
    assert {row.status for row in rows if row.recipient != REFUSED} == {"sent"}
    assert len(sink.subjects) == len(set(sink.subjects)) == CASES * NOTICES_PER_CASE - 1
    for case in range(CASES):
        arrived = [s for s in sink.subjects if s.startswith(f"Kasus {case} ")]
        assert arrived == sorted(arrived), arrived  # langkah 0, 1, 2 in the order they were made
