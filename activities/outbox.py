"""The outbox dispatcher: the worker sends every notice the case activities committed to the outbox.

Cases write their notices in the same transaction as the event that causes them; this loop claims the due
rows, sends them and records the outcome. A notice therefore survives any crash between the event and the
email, and a failing mail server delays notices without holding up any case."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.mail import Mailer, claim
from base.settings import Settings
from db.session import write_gate

log = logging.getLogger("ppid.outbox")
IDLE_POLL_S = 0.2  # an empty outbox is looked at five times a second: one indexed query each
DATABASE_RETRY_S = 2.0


class OutboxDispatcher:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession], settings: Settings) -> None:
        self._sessions = session_factory
        self._mailer = Mailer(settings)

    async def drain_once(self) -> int:
        """One batch: claimed, sent, recorded. Returns how many rows were claimed (0: nothing was due)."""
        async with self._sessions() as session:
            async with write_gate(session.bind):
                rows = await claim(session)
            if rows:
                await self._mailer.deliver(session, rows)
            return len(rows)

    async def run(self, stop: asyncio.Event) -> None:
        """Until `stop` is set; a batch being sent is finished first, so a clean stop repeats no notice."""
        while not stop.is_set():
            try:
                claimed = await self.drain_once()
            except SQLAlchemyError as exc:  # the database is away: the rows wait in it, nothing is lost
                log.warning("outbox: database unavailable (%s); retrying", type(exc).__name__)
                await asyncio.sleep(DATABASE_RETRY_S)
                continue
            except Exception:
                log.exception("outbox: unexpected error; retrying")
                await asyncio.sleep(DATABASE_RETRY_S)
                continue
            if not claimed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), IDLE_POLL_S)
