"""Rate limits on the anonymous endpoints and the per-account login back-off: a clear 429 with Retry-After.

Counted by the `limits` library (moving windows in memory, expired entries cleaned by the library): with
several API processes each enforces its own share, enough to stop a script flooding the intake, guessing
tracking codes or passwords. The client address is the peer's, or the forwarded one only when the peer is a
configured proxy (`PPID_TRUSTED_PROXIES`, applied by uvicorn), so a rotated X-Forwarded-For defeats nothing."""

from __future__ import annotations

import math
import time

from fastapi import HTTPException, Request, status
from limits import RateLimitItem, RateLimitItemPerMinute, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter


def _too_many(
    limiter: MovingWindowRateLimiter, item: RateLimitItem, *keys: str, message: str
) -> HTTPException:
    reset_at = limiter.get_window_stats(item, *keys).reset_time
    retry = max(1, math.ceil(reset_at - time.time()))
    return HTTPException(
        status.HTTP_429_TOO_MANY_REQUESTS, message.format(retry=retry), headers={"Retry-After": str(retry)}
    )


class AddressLimit:
    """At most `per_minute` calls of one kind from one client address in any minute."""

    def __init__(self, name: str, per_minute: int, limiter: MovingWindowRateLimiter) -> None:
        self._name = name
        self._item = RateLimitItemPerMinute(per_minute)
        self._limiter = limiter

    def check(self, address: str) -> None:
        if not self._limiter.hit(self._item, self._name, address):
            raise _too_many(
                self._limiter, self._item, self._name, address,
                message="Terlalu banyak permintaan dari alamat ini; coba lagi dalam {retry} detik",
            )  # fmt: skip


class LoginBackoff:
    """After `failures` wrong passwords for one account in the window, that account's sign-in waits until the
    window has passed, from any address (a password cannot be sprayed from many addresses)."""

    def __init__(self, failures: int, window_minutes: int, limiter: MovingWindowRateLimiter) -> None:
        self._item = parse(f"{failures} per {window_minutes} minutes")
        self._limiter = limiter

    def check(self, account: str) -> None:
        if not self._limiter.test(self._item, "login-account", account):
            raise _too_many(
                self._limiter, self._item, "login-account", account,
                message="Terlalu banyak percobaan masuk yang gagal untuk akun ini; coba lagi dalam {retry} detik",
            )  # fmt: skip

    def failed(self, account: str) -> None:
        self._limiter.hit(self._item, "login-account", account)

    def succeeded(self, account: str) -> None:
        self._limiter.clear(self._item, "login-account", account)


def new_limiter() -> MovingWindowRateLimiter:
    return MovingWindowRateLimiter(MemoryStorage())


def client_key(request: Request) -> str:
    return request.client.host if request.client else "unknown"
