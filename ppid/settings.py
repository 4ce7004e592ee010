"""Configuration from the environment (and `.env`), exactly as docs/api.md "Configuration".

The defaults are the same for every `ppid` command, so `ppid user create` beside a running `ppid dev`
writes to the same database.
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

SECRET_KEY_FILE = "secret_key"


class MissingSecretKey(RuntimeError):
    pass


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    database_url: str | None = None
    temporal_address: str | None = None
    temporal_namespace: str = "default"
    temporal_task_queue: str = "ppid"

    smtp_host: str | None = None
    smtp_port: int | None = None
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_security: Literal["none", "starttls", "tls"] = "none"
    mail_from: str = "PPID <noreply@ppid.example>"

    ppid_secret_key: str | None = None
    ppid_public_url: str | None = None
    ppid_clock: Literal["real", "simulated"] = "real"
    ppid_data_dir: Path = Path("./var")
    ppid_port: int = Field(default=8000, ge=1, le=65535)
    ppid_temporal_port: int = Field(default=7233, ge=1, le=65534)
    ppid_temporal_ui_port: int | None = Field(default=None, ge=1, le=65535)  # default: temporal port + 1000

    # Not in the contract: where `ppid api` binds (0.0.0.0 in containers) and the dev mail sink's folder.
    ppid_api_host: str = "127.0.0.1"
    ppid_mailbox_dir: Path | None = None
    ppid_mailbox_key: str | None = None  # `ppid dev` makes one per start and prints it
    ppid_token_minutes: int = 8 * 60
    # Anonymous calls per client address and minute (0 switches a limit off, e.g. for benchmarks).
    ppid_rate_limit_intake: int = 30
    ppid_rate_limit_tracking: int = 60
    ppid_rate_limit_login: int = 20
    # Per-account login back-off: this many wrong passwords within the window lock that account's sign-in
    # until the window has passed (0 = off).
    ppid_login_failures_per_account: int = Field(default=5, ge=0)
    ppid_login_backoff_minutes: int = Field(default=15, ge=1, le=24 * 60)
    # Addresses of reverse proxies whose X-Forwarded-For/-Proto is believed (comma-separated IPs or
    # networks, "*" for any); empty: the peer's own address is the client's, whatever the headers say.
    ppid_trusted_proxies: str = ""
    # How long an Idempotency-Key names its submission; after that the key may name a new one.
    ppid_idempotency_hours: int = Field(default=24, ge=1, le=24 * 30)
    # Workflows kept in the worker's memory (about 0.05 MB each); the others are replayed from history when
    # they wake up. 1,000 (Temporal's default) drains a burst of 1,000 deadlines in 21-23 s with the worker
    # near 200 MB for 10,000 open cases; 250 makes that burst replay most of its cases (bench, README).
    ppid_worker_cache: int = Field(default=1000, ge=0, le=10_000)
    # The worker sends the outbox itself unless a separate `ppid outbox` process does (`ppid dev` runs one, so
    # mail goes out on another core while the worker handles a burst of deadlines).
    ppid_outbox_in_worker: bool = True
    # The documents of a grant or a delivery go with its email to a requester who asked for email delivery when
    # together they are at most this many MB; larger, the email points to the tracking page (0: never attach).
    ppid_mail_attachment_mb: float = Field(default=5, ge=0, le=50)
    ppid_bench: bool = False  # mounts the benchmark's insert-only baseline endpoint

    @property
    def data_dir(self) -> Path:
        return self.ppid_data_dir.expanduser().resolve()

    @property
    def effective_database_url(self) -> str:
        """The same for every `ppid` command of one environment: the simulated clock keeps its own file,
        so `PPID_CLOCK=simulated ppid user create …` writes where `ppid dev --clock simulated` reads."""
        name = "ppid-simulated.sqlite3" if self.ppid_clock == "simulated" else "ppid.sqlite3"
        return self.database_url or f"sqlite+aiosqlite:///{self.data_dir / name}"

    @property
    def effective_temporal_address(self) -> str:
        return self.temporal_address or f"127.0.0.1:{self.ppid_temporal_port}"

    @property
    def public_url(self) -> str:
        return (self.ppid_public_url or f"http://127.0.0.1:{self.ppid_port}").rstrip("/")

    @property
    def temporal_ui_port(self) -> int:
        if self.ppid_temporal_ui_port is not None:
            return self.ppid_temporal_ui_port
        return (self.ppid_temporal_port + 1000 - 1) % 65535 + 1

    def secret_key(self, *, create: bool = False) -> str:
        """PPID_SECRET_KEY, else the key kept in the data dir (created by `ppid dev`)."""
        if self.ppid_secret_key:
            return self.ppid_secret_key
        path = self.data_dir / SECRET_KEY_FILE
        if path.exists():
            return path.read_text().strip()
        if not create:
            raise MissingSecretKey(
                "PPID_SECRET_KEY is not set (required outside `ppid dev`, which keeps one in the data dir)"
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key


@lru_cache
def get_settings() -> Settings:
    return Settings()
