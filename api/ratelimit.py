"""Per-client rate limits on the public (anonymous) endpoints: a clear 429 with Retry-After.

In-process sliding windows: with several API processes each enforces its own share, which is enough to
stop a script flooding the intake or guessing tracking codes."""

from __future__ import annotations

import time
from collections import defaultdict, deque
from dataclasses import dataclass, field

from fastapi import HTTPException, Request, status


@dataclass
class SlidingWindow:
    limit: int
    seconds: float = 60.0
    hits: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))

    def check(self, key: str) -> None:
        now = time.monotonic()
        window = self.hits[key]
        while window and window[0] <= now - self.seconds:
            window.popleft()
        if len(window) >= self.limit:
            retry = max(1, int(window[0] + self.seconds - now) + 1)
            raise HTTPException(
                status.HTTP_429_TOO_MANY_REQUESTS,
                f"Terlalu banyak permintaan dari alamat ini; coba lagi dalam {retry} detik",
                headers={"Retry-After": str(retry)},
            )
        window.append(now)
        if len(self.hits) > 100_000:  # bound memory under a spray of addresses
            self.hits.clear()


def client_key(request: Request) -> str:
    return request.client.host if request.client else "unknown"
