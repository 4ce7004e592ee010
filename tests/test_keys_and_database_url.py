"""Two secrets with two lives, and a database URL built from parts (issue 19).

PPID_SECRET_KEY signs bearer tokens, page session cookies and CSRF tokens and can rotate (the keys in
PPID_SECRET_KEY_PREVIOUS are still accepted); PPID_TRACKING_SECRET derives the tracking codes and never changes.
A database password with `@`, `:`, `/` and `%` reaches PostgreSQL intact when the URL is built from PPID_DB_*."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.engine import make_url

from api.main import create_app
from api.security import ALGORITHM, read_token
from api.web.session import COOKIE
from base.settings import SECRET_KEY_FILE, TRACKING_SECRET_FILE, MissingSecretKey, Settings
from db.migrate import upgrade_async
from db.session import make_engine
from domain.tracking import tracking_code
from ppid.devstack import run_dev
from tests.conftest import free_port
from tests.pg import PostgresCluster, find_pg_bindir
from tests.requests_support import FORM

OLD = "the-signing-key-before-rotation-0123456789abcdef"
NEW = "the-signing-key-after-rotation-0123456789abcdefg"
OTHER = "a-signing-key-nobody-uses-any-more-0123456789ab"
TRACKING = "the-tracking-secret-that-never-changes-0123456"
PPID = "ppid@sanggau.example"
PASSWORD = "p@ss:w/rd%1"


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    """Keys do not depend on the database: SQLite only."""
    return sqlite_database_url


@asynccontextmanager
async def serving(settings: Settings, task_queue: str, **changes: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The API on the test's database with other secrets, as after a restart with a new environment."""
    app = create_app(settings.model_copy(update={"temporal_task_queue": task_queue, **changes}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://ppid.test") as http:
            yield http


def keys(current: str, previous: str = "") -> dict[str, Any]:
    return {
        "ppid_secret_key": current,
        "ppid_secret_key_previous": previous,
        "ppid_tracking_secret": TRACKING,
    }


async def test_a_token_of_the_previous_key_is_accepted_while_it_is_named(
    settings: Settings, task_queue: str
) -> None:
    async with serving(settings, task_queue, **keys(OLD)) as http:
        response = await http.post("/v1/auth/token", data={"username": PPID, "password": "demo-ppid-2026"})
        assert response.status_code == 200, response.text
        old_token = {"Authorization": f"Bearer {response.json()['access_token']}"}
    async with serving(settings, task_queue, **keys(NEW, f"{OTHER}, {OLD}")) as http:
        assert (await http.get("/v1/auth/me", headers=old_token)).status_code == 200
        response = await http.post("/v1/auth/token", data={"username": PPID, "password": "demo-ppid-2026"})
        new_token = response.json()["access_token"]
    # New tokens are signed with the current key only.
    assert read_token(new_token, secret=NEW).user_id > 0
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(new_token, OLD, algorithms=[ALGORITHM])
    async with serving(settings, task_queue, **keys(NEW)) as http:  # the grace period is over
        assert (await http.get("/v1/auth/me", headers=old_token)).status_code == 401
        assert (
            await http.get("/v1/auth/me", headers={"Authorization": f"Bearer {new_token}"})
        ).status_code == 200


async def test_a_session_cookie_of_the_previous_key_still_signs_in(
    settings: Settings, task_queue: str
) -> None:
    async with serving(settings, task_queue, **keys(OLD)) as http:
        page = await http.get("/staf/masuk")
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        form = {"email": PPID, "kata_sandi": "demo-ppid-2026", "lanjut": "/staf", "csrf_token": token}
        assert (await http.post("/staf/masuk", data=form)).status_code == 303
        assert (await http.get("/staf")).status_code == 200
        cookies = {COOKIE: http.cookies[COOKIE]}  # a copy (httpx.Cookies(jar) would share the jar)
        # The sign-out form of the page rendered before the rotation, with its CSRF token of the old key.
        csrf = (await http.get("/staf")).text.split('name="csrf_token" value="')[1].split('"')[0]
    async with serving(settings, task_queue, **keys(NEW)) as http:
        http.cookies = httpx.Cookies(cookies)
        refused = await http.get("/staf")
        assert refused.status_code == 303 and refused.headers["location"].startswith("/staf/masuk")
        assert (await http.post("/staf/keluar", data={"csrf_token": csrf})).status_code == 403
    async with serving(settings, task_queue, **keys(NEW, OLD)) as http:
        http.cookies = httpx.Cookies(cookies)
        assert (await http.get("/staf")).status_code == 200
        out = await http.post("/staf/keluar", data={"csrf_token": csrf})
        assert out.status_code == 303 and out.headers["location"] == "/staf/masuk?keluar=1"
        # A sign-in after the rotation: its cookie is signed with the current key only.
        http.cookies.clear()
        token = (await http.get("/staf/masuk")).text.split('name="csrf_token" value="')[1].split('"')[0]
        assert (await http.post("/staf/masuk", data=form | {"csrf_token": token})).status_code == 303
        fresh = {COOKIE: http.cookies[COOKIE]}
    async with serving(settings, task_queue, **keys(NEW)) as http:
        http.cookies = httpx.Cookies(fresh)
        assert (await http.get("/staf")).status_code == 200


async def test_the_tracking_code_survives_a_rotation_of_the_signing_key(
    settings: Settings, task_queue: str
) -> None:
    # A retried submission (same Idempotency-Key) gets its code derived again: from the tracking secret alone.
    retry = {"Idempotency-Key": "rotation-retry-1"}
    async with serving(settings, task_queue, **keys(OLD)) as http:
        created = await http.post("/v1/requests", json=FORM, headers=retry)
        assert created.status_code == 201, created.text
        case_id, code = created.json()["id"], created.json()["tracking_code"]
    assert code == tracking_code(case_id, TRACKING) != tracking_code(case_id, OLD)
    async with serving(settings, task_queue, **keys(NEW)) as http:
        again = await http.post("/v1/requests", json=FORM, headers=retry)
        assert again.status_code == 200 and again.json()["id"] == case_id, again.text
        assert again.json()["tracking_code"] == code
        opened = await http.get(f"/v1/requests/{case_id}", headers={"X-Tracking-Code": code})
        assert opened.status_code == 200, opened.text
    # Why it must never change: a code derived with another tracking secret does not match the stored hash.
    changed = keys(NEW) | {"ppid_tracking_secret": "a-tracking-secret-that-was-changed-01234567"}
    async with serving(settings, task_queue, **changed) as http:
        other = (await http.post("/v1/requests", json=FORM, headers=retry)).json()["tracking_code"]
        assert other != code
        refused = await http.get(f"/v1/requests/{case_id}", headers={"X-Tracking-Code": other})
        assert refused.status_code in (403, 404), refused.text


def test_outside_dev_both_secrets_are_required(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, ppid_data_dir=tmp_path, ppid_secret_key=NEW)
    with pytest.raises(MissingSecretKey, match="PPID_TRACKING_SECRET"):
        settings.tracking_secret()
    settings = Settings(_env_file=None, ppid_data_dir=tmp_path, ppid_tracking_secret=TRACKING)
    with pytest.raises(MissingSecretKey, match="PPID_SECRET_KEY"):
        settings.secret_key()
    assert not list(tmp_path.iterdir())  # nothing made outside `ppid dev`
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "PPID_", "TEMPORAL_", "SMTP_"))
    }
    env |= {"PPID_DATA_DIR": str(tmp_path), "PPID_SECRET_KEY": NEW}
    ppid = Path(sys.executable).with_name("ppid")
    result = subprocess.run([ppid, "api"], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 1 and "PPID_TRACKING_SECRET" in result.stderr


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port in use: `ppid dev` makes its keys, then stops at its port check before starting anything."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def _dev_settings(data_dir: Path, port: int) -> Settings:
    return Settings(_env_file=None, ppid_data_dir=data_dir, ppid_port=port, ppid_temporal_port=free_port())


def _private(path: Path) -> str:
    assert stat.S_IMODE(path.stat().st_mode) == 0o600, oct(path.stat().st_mode)
    return path.read_text()


async def test_ppid_dev_keeps_two_private_key_files(tmp_path: Path, taken_port: int) -> None:
    settings = _dev_settings(tmp_path / "var", taken_port)
    assert await run_dev(settings) == 2
    signing, tracking = (
        _private(settings.data_dir / SECRET_KEY_FILE),
        _private(settings.data_dir / TRACKING_SECRET_FILE),
    )
    assert len(signing) >= 32 and len(tracking) >= 32 and signing != tracking
    assert await run_dev(settings) == 2  # a restart keeps both
    assert (settings.secret_key(), settings.tracking_secret()) == (signing, tracking)


async def test_the_single_key_of_an_old_data_dir_becomes_the_tracking_secret(
    tmp_path: Path, taken_port: int
) -> None:
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    (data_dir / SECRET_KEY_FILE).write_text(OLD + "\n")
    settings = _dev_settings(data_dir, taken_port)
    # Beside a `ppid dev` not restarted yet (e.g. `ppid user create`), the old key still makes the codes.
    assert settings.tracking_secret() == OLD
    assert await run_dev(settings) == 2
    assert _private(data_dir / TRACKING_SECRET_FILE) == OLD  # every receipt issued before still matches
    signing = _private(data_dir / SECRET_KEY_FILE)
    assert signing != OLD and len(signing) >= 32
    assert await run_dev(settings) == 2  # split once only
    assert (settings.secret_key(), settings.tracking_secret()) == (signing, OLD)


# --- The database URL from parts ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def password_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresCluster]:
    """A cluster of its own where the role `ppid_app` must give its password (the shared one trusts everyone)."""
    bindir = find_pg_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries not found (pg_config --bindir): PostgreSQL tests skipped")
    cluster = PostgresCluster(bindir, tmp_path_factory.mktemp("pgpw"), free_port())
    cluster.start()
    try:
        psql = ["psql", "-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres", "-v", "ON_ERROR_STOP=1"]
        cluster._run(*psql, "-c", f"CREATE ROLE ppid_app LOGIN PASSWORD '{PASSWORD}'")
        cluster._run(*psql, "-c", "CREATE DATABASE ppid_db OWNER ppid_app")
        hba = cluster.datadir / "pg_hba.conf"
        hba.write_text("host all ppid_app 127.0.0.1/32 scram-sha-256\n" + hba.read_text())
        cluster._run("pg_ctl", "-D", str(cluster.datadir), "reload")
        yield cluster
    finally:
        cluster.stop()


async def _current_user(url: str) -> str:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            return str(await connection.scalar(text("SELECT current_user")))
    finally:
        await engine.dispose()


async def test_a_password_with_url_characters_connects(
    password_cluster: PostgresCluster, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in [k for k in os.environ if k.startswith(("DATABASE_", "PPID_DB_"))]:
        monkeypatch.delenv(name)
    parts = {
        "PPID_DB_HOST": "127.0.0.1",
        "PPID_DB_PORT": str(password_cluster.port),
        "PPID_DB_NAME": "ppid_db",
    }
    for name, value in (parts | {"PPID_DB_USER": "ppid_app", "PPID_DB_PASSWORD": PASSWORD}).items():
        monkeypatch.setenv(name, value)
    url = Settings(_env_file=None).effective_database_url
    assert make_url(url).password == PASSWORD and make_url(url).database == "ppid_db"
    assert await _current_user(url) == "ppid_app"
    await upgrade_async(url)  # alembic's configparser meets the `%` too

    # A Docker secret: the file's trailing newline is not part of the password.
    monkeypatch.delenv("PPID_DB_PASSWORD")
    (secret := tmp_path / "db_password").write_text(PASSWORD + "\n")
    monkeypatch.setenv("PPID_DB_PASSWORD_FILE", str(secret))
    assert await _current_user(Settings(_env_file=None).effective_database_url) == "ppid_app"

    # The password is checked: a wrong one is refused (so the connections above proved it arrived intact).
    secret.write_text("p@ss:w/rd%2")
    with pytest.raises(Exception, match="password authentication failed"):
        await _current_user(Settings(_env_file=None).effective_database_url)


def test_database_settings_that_cannot_mean_one_database_are_refused() -> None:
    parts = {
        "ppid_db_host": "db",
        "ppid_db_name": "ppid",
        "ppid_db_user": "ppid",
        "ppid_db_password": PASSWORD,
    }
    for values, message in [
        (
            parts | {"database_url": "postgresql+asyncpg://ppid@db/ppid"},
            "either DATABASE_URL or PPID_DB_HOST",
        ),
        ({"ppid_db_user": "ppid", "ppid_db_password": PASSWORD}, "PPID_DB_HOST is required"),
        ({"ppid_db_host": "db", "ppid_db_password": PASSWORD}, "PPID_DB_NAME and PPID_DB_USER"),
        (parts | {"ppid_db_password_file": "/run/secrets/db"}, "PPID_DB_PASSWORD or PPID_DB_PASSWORD_FILE"),
    ]:
        with pytest.raises(ValidationError, match=message) as refused:
            Settings(_env_file=None, **values)
        assert PASSWORD not in str(refused.value)  # no secret in the message
    assert Settings(_env_file=None, database_url="sqlite+aiosqlite:///x.db").effective_database_url.endswith(
        "x.db"
    )
