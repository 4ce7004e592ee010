"""What the API process holds for its lifetime: engine, session factory, Temporal client."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime

from google.protobuf.empty_pb2 import Empty
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from temporalio.client import Client

from api.ratelimit import AddressLimit, LoginBackoff, new_limiter
from base.settings import Settings
from base.temporal_client import connect


@dataclass
class AppState:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    secret_key: str  # PPID_SECRET_KEY: signs tokens and CSRF tokens (may rotate)
    tracking_secret: str  # PPID_TRACKING_SECRET: derives tracking codes (never changes)
    previous_secret_keys: tuple[str, ...] = ()  # PPID_SECRET_KEY_PREVIOUS: still accepted when verifying
    intake_limit: AddressLimit | None = None
    tracking_limit: AddressLimit | None = None
    login_limit: AddressLimit | None = None
    login_backoff: LoginBackoff | None = None
    _client: Client | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def __post_init__(self) -> None:
        s = self.settings
        limiter = new_limiter()
        for name, per_minute in (
            ("intake", s.ppid_rate_limit_intake), ("tracking", s.ppid_rate_limit_tracking),
            ("login", s.ppid_rate_limit_login),
        ):  # fmt: skip
            setattr(self, f"{name}_limit", AddressLimit(name, per_minute, limiter) if per_minute else None)
        if s.ppid_login_failures_per_account:
            self.login_backoff = LoginBackoff(
                s.ppid_login_failures_per_account, s.ppid_login_backoff_minutes, limiter
            )

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
