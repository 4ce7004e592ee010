"""What the API process holds for its lifetime: engine, session factory, Temporal client."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime

from google.protobuf.empty_pb2 import Empty
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from temporalio.client import Client

from api.ratelimit import SlidingWindow
from ppid.settings import Settings
from ppid.temporal_client import connect


@dataclass
class AppState:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    secret_key: str
    intake_limit: SlidingWindow | None = None
    tracking_limit: SlidingWindow | None = None
    login_limit: SlidingWindow | None = None
    _client: Client | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def __post_init__(self) -> None:
        s = self.settings
        self.intake_limit = SlidingWindow(s.ppid_rate_limit_intake) if s.ppid_rate_limit_intake else None
        self.tracking_limit = (
            SlidingWindow(s.ppid_rate_limit_tracking) if s.ppid_rate_limit_tracking else None
        )
        self.login_limit = SlidingWindow(s.ppid_rate_limit_login) if s.ppid_rate_limit_login else None

    async def now(self) -> datetime:
        """The product's clock: the wall clock, or the time-skipping server's in simulated mode."""
        if self.settings.ppid_clock == "simulated":
            client = await self.temporal()
            response = await client.test_service.get_current_time(Empty())
            return response.time.ToDatetime(tzinfo=UTC)
        return datetime.now(UTC)

    async def temporal(self) -> Client:
        """The Temporal client, connected on first use (the server may start after the API)."""
        if self._client is None:
            async with self._lock:
                if self._client is None:
                    self._client = await asyncio.wait_for(connect(self.settings), timeout=5)
        return self._client
