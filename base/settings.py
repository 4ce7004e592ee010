"""Configuration from the environment (and `.env`), exactly as docs/api.md "Configuration".

The defaults are the same for every `ppid` command, so `ppid user create` beside a running `ppid dev`
writes to the same database.
"""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal, Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL

# `ppid dev` keeps both secrets in its data dir (mode 0600). Before the two were separated, SECRET_KEY_FILE held
# the one key that did both jobs; `ppid dev` turns such a data dir into the new layout (`_split_single_key`).
SECRET_KEY_FILE = "secret_key"
TRACKING_SECRET_FILE = "tracking_secret"


class MissingSecretKey(RuntimeError):
    pass


def _write_private(path: Path, text: str) -> None:
    """Write a secret file readable by its owner only, from its first byte (no window with the umask's mode),
    and atomically (a crash leaves the old file or the new one, never half of one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)
    os.replace(temporary, path)


class Settings(BaseSettings):
    # hide_input_in_errors: a refused setting must not print the passwords and keys beside it in the message.
    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", case_sensitive=False, hide_input_in_errors=True
    )

    database_url: str | None = None
    # Or the PostgreSQL URL from parts (built with sqlalchemy's URL.create, so any character of the password
    # works; a password inside DATABASE_URL must be URL-encoded by hand). PPID_DB_PASSWORD_FILE names a file
    # holding the password (a Docker secret), read once at start.
    ppid_db_host: str | None = None
    ppid_db_port: int | None = Field(default=None, ge=1, le=65535)
    ppid_db_name: str | None = None
    ppid_db_user: str | None = None
    ppid_db_password: str | None = None
    ppid_db_password_file: Path | None = None
    temporal_address: str | None = None
    temporal_namespace: str = "default"
    temporal_task_queue: str = "ppid"

    smtp_host: str | None = None
    smtp_port: int | None = None
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_security: Literal["none", "starttls", "tls"] = "none"
    mail_from: str = "PPID <noreply@ppid.example>"

    # Two secrets with two lives. PPID_SECRET_KEY signs staff bearer tokens, page session cookies and CSRF
    # tokens and may rotate: the keys in PPID_SECRET_KEY_PREVIOUS (comma-separated) are still accepted when
    # verifying, never used to sign; tokens and sessions live PPID_TOKEN_MINUTES, so after that long the old key
    # can be dropped. PPID_TRACKING_SECRET derives every tracking code, whose hash is stored with its case: it
    # must never change, or no receipt issued before would match again.
    ppid_secret_key: str | None = None
    ppid_secret_key_previous: str = ""
    ppid_tracking_secret: str | None = None
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
    # Worker processes `ppid dev` starts on the one task queue (compose runs its own replicas). A worker is one
    # Python process and works on one core at a time, so by default there is one per core, at most two: on a
    # 2-core machine a burst of 3,000 deadlines drains in 53 s instead of 73 (bench). Each has its own cache.
    ppid_dev_workers: int = Field(default_factory=lambda: min(2, os.cpu_count() or 1), ge=1, le=8)
    # The documents of a grant or a delivery go with its email to a requester who asked for email delivery when
    # together they are at most this many MB; larger, the email points to the tracking page (0: never attach).
    ppid_mail_attachment_mb: float = Field(default=5, ge=0, le=50)
    ppid_bench: bool = False  # mounts the benchmark's insert-only baseline endpoint

    @model_validator(mode="after")
    def _database_from_parts(self) -> Self:
        """DATABASE_URL, or the URL built from PPID_DB_*: one of the two, never both (which one would win is
        not something to guess), and no part of the second without its host (it would silently fall back to
        the SQLite file in the data dir)."""
        parts = {
            "PPID_DB_PORT": self.ppid_db_port, "PPID_DB_NAME": self.ppid_db_name, "PPID_DB_USER": self.ppid_db_user,
            "PPID_DB_PASSWORD": self.ppid_db_password, "PPID_DB_PASSWORD_FILE": self.ppid_db_password_file,
        }  # fmt: skip
        given = [name for name, value in parts.items() if value is not None]
        if self.ppid_db_host is None:
            if given:
                raise ValueError(f"PPID_DB_HOST is required with {', '.join(given)}")
            return self
        if self.database_url is not None:
            raise ValueError(
                "set either DATABASE_URL or PPID_DB_HOST (with PPID_DB_NAME, PPID_DB_USER, …), not both"
            )
        missing = [name for name in ("PPID_DB_NAME", "PPID_DB_USER") if parts[name] is None]
        if missing:
            raise ValueError(f"PPID_DB_HOST is set: {' and '.join(missing)} required too")
        password = self.ppid_db_password
        if self.ppid_db_password_file is not None:
            if password is not None:
                raise ValueError("set either PPID_DB_PASSWORD or PPID_DB_PASSWORD_FILE, not both")
            try:
                # A secret file usually ends with a newline that is not part of the password.
                password = self.ppid_db_password_file.read_text().rstrip("\r\n")
            except OSError as exc:
                raise ValueError(f"PPID_DB_PASSWORD_FILE cannot be read: {exc}") from exc
        url = URL.create(
            "postgresql+asyncpg", username=self.ppid_db_user, password=password, host=self.ppid_db_host,
            port=self.ppid_db_port, database=self.ppid_db_name,
        )  # fmt: skip
        # Every consumer of the settings (effective_database_url, `ppid dev`'s children, the CLI) sees one URL.
        self.database_url = url.render_as_string(hide_password=False)
        return self

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
        """The token signing key: PPID_SECRET_KEY, else the key kept in the data dir (created by `ppid dev`)."""
        if self.ppid_secret_key:
            return self.ppid_secret_key
        if create:
            self._split_single_key()
        return self._kept(SECRET_KEY_FILE, "PPID_SECRET_KEY", create=create)

    def previous_secret_keys(self) -> tuple[str, ...]:
        """Former signing keys still accepted for verifying (PPID_SECRET_KEY_PREVIOUS), newest first."""
        current = self.ppid_secret_key
        keys = (k.strip() for k in self.ppid_secret_key_previous.split(","))
        return tuple(dict.fromkeys(k for k in keys if k and k != current))

    def tracking_secret(self, *, create: bool = False) -> str:
        """PPID_TRACKING_SECRET, else the secret kept in the data dir (created by `ppid dev`)."""
        if self.ppid_tracking_secret:
            return self.ppid_tracking_secret
        if create:
            self._split_single_key()
        elif (
            not (self.data_dir / TRACKING_SECRET_FILE).exists() and (self.data_dir / SECRET_KEY_FILE).exists()
        ):
            # A data dir of before the split that `ppid dev` has not turned yet: its one key made the codes.
            return (self.data_dir / SECRET_KEY_FILE).read_text().strip()
        return self._kept(TRACKING_SECRET_FILE, "PPID_TRACKING_SECRET", create=create)

    def _split_single_key(self) -> None:
        """Migration of a data dir made when one key did both jobs: that key derived the tracking codes of
        every case in it, so it becomes the tracking secret (existing receipts keep matching) and a new signing
        key is made (signed-in staff sign in again, once). The tracking file is written first: a crash between
        the two writes leaves both files holding the old key, which still works and is not split again."""
        old, tracking = self.data_dir / SECRET_KEY_FILE, self.data_dir / TRACKING_SECRET_FILE
        if old.exists() and not tracking.exists():
            _write_private(tracking, old.read_text().strip())
            _write_private(old, secrets.token_urlsafe(48))

    def _kept(self, name: str, variable: str, *, create: bool) -> str:
        path = self.data_dir / name
        if path.exists():
            return path.read_text().strip()
        if not create:
            raise MissingSecretKey(
                f"{variable} is not set (required outside `ppid dev`, which keeps one in the data dir)"
            )
        key = secrets.token_urlsafe(48)
        _write_private(path, key)
        return key


@lru_cache
def get_settings() -> Settings:
    return Settings()
