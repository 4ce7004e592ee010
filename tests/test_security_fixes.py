"""The security findings, each called as an attacker would call it: through the API, on the real stack."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlalchemy import func, select
from temporalio.testing import WorkflowEnvironment

from api.cases import requester_case_file
from api.main import create_app
from api.security import issue_token
from db.models import InfoRequest
from db.session import make_engine, make_session_factory
from db.users import create_or_update_user, deactivate_user
from ppid.cli import uvicorn_options
from tests.conftest import free_port, make_settings
from tests.requests_support import PPID_DINKES, PPID_SANGGAU, Stack, form, real

SECRET = "test-secret-key-that-is-long-enough-for-hs256"


async def _count_requests(database_url: str) -> int:
    engine = make_engine(database_url)
    try:
        async with make_session_factory(engine)() as session:
            return int(await session.scalar(select(func.count()).select_from(InfoRequest)) or 0)
    finally:
        await engine.dispose()


__all__ = ["real"]  # the fixture


async def test_idempotency_key_returns_a_case_only_to_the_same_form(real: Stack, database_url: str) -> None:
    key = {"Idempotency-Key": "kunci-bersama-123"}
    first = await real.http.post("/v1/requests", json=form(), headers=key)
    assert first.status_code == 201
    # Another citizen (another form) under the same key: refused, nothing of the first case, nothing stored.
    stranger = form(requester__name="Budi Santoso", requester__nik="6103015501900004")
    hijack = await real.http.post("/v1/requests", json=stranger, headers=key)
    assert hijack.status_code == 409
    assert first.json()["tracking_code"] not in hijack.text and first.json()["id"] not in hijack.text
    assert "kunci baru" in hijack.json()["detail"]
    assert await _count_requests(database_url) == 1
    # The same form again (a retried submit): the same case, with its code.
    again = await real.http.post("/v1/requests", json=form(), headers=key)
    assert (again.status_code, again.json()) == (200, first.json())
    # Staff sending the same form under that key are another caller.
    desk = await real.login(PPID_SANGGAU)
    assert (await real.http.post("/v1/requests", json=form(), headers=key | desk)).status_code == 409

    # An expired key names a new submission.
    engine = make_engine(database_url)
    async with make_session_factory(engine)() as session:
        for row in (await session.scalars(select(InfoRequest))).all():
            row.received_at -= timedelta(hours=25)
        await session.commit()
    await engine.dispose()
    fresh = await real.http.post("/v1/requests", json=stranger, headers=key)
    assert fresh.status_code == 201 and fresh.json()["id"] != first.json()["id"]


async def test_password_change_and_deactivation_revoke_tokens(real: Stack, database_url: str) -> None:
    old = await real.login(PPID_SANGGAU)
    assert (await real.http.get("/v1/auth/me", headers=old)).status_code == 200
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    try:
        async with sessions() as session:  # the same password again changes nothing
            await create_or_update_user(session, email=PPID_SANGGAU, password="demo-ppid-2026", role="ppid",
                                        body="kab-sanggau")  # fmt: skip
            await session.commit()
        assert (await real.http.get("/v1/auth/me", headers=old)).status_code == 200
        async with sessions() as session:
            await create_or_update_user(session, email=PPID_SANGGAU, password="sandi-baru-2026", role="ppid",
                                        body="kab-sanggau")  # fmt: skip
            await session.commit()
        assert (await real.http.get("/v1/auth/me", headers=old)).status_code == 401
        login = await real.http.post(
            "/v1/auth/token", data={"username": PPID_SANGGAU, "password": "sandi-baru-2026"}
        )
        new = {"Authorization": f"Bearer {login.json()['access_token']}"}
        assert (await real.http.get("/v1/auth/me", headers=new)).status_code == 200
        async with sessions() as session:
            await deactivate_user(session, email=PPID_SANGGAU)
            await session.commit()
        assert (await real.http.get("/v1/auth/me", headers=new)).status_code == 401
    finally:
        await engine.dispose()


@pytest.mark.parametrize("sub", [10**39, 2**63])
async def test_a_signed_token_with_an_impossible_user_id_is_401(real: Stack, sub: int) -> None:
    token = issue_token(user_id=sub, role="admin", secret=SECRET, minutes=5)
    response = await real.http.get("/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


async def test_login_back_off_per_account_from_any_address(real: Stack) -> None:
    wrong = [
        (
            await real.http.post(
                "/v1/auth/token", data={"username": PPID_DINKES, "password": f"tebakan-{i}"},
                headers={"X-Forwarded-For": f"203.0.113.{i}"},
            )
        ).status_code
        for i in range(5)
    ]  # fmt: skip
    assert wrong == [401] * 5
    locked = await real.http.post(
        "/v1/auth/token", data={"username": PPID_DINKES, "password": "demo-ppid-2026"}
    )
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 60
    assert "akun ini" in locked.json()["detail"]
    await real.login(PPID_SANGGAU)  # another account signs in as usual


async def test_forwarded_for_is_believed_only_from_configured_proxies(
    temporal_env: WorkflowEnvironment, tmp_path: Path, sqlite_template: Path
) -> None:
    """A real uvicorn as `ppid api` runs it: rotating X-Forwarded-For does not reset the per-address limit."""
    database = tmp_path / "ppid.sqlite3"
    database.write_bytes(sqlite_template.read_bytes())
    settings = make_settings(
        tmp_path, f"sqlite+aiosqlite:///{database}", temporal_env.client.service_client.config.target_host,
        ppid_rate_limit_login=3, ppid_login_failures_per_account=0, ppid_port=free_port(),
    )  # fmt: skip
    options = uvicorn_options(settings)
    assert options["proxy_headers"] is False and options["server_header"] is False
    server = uvicorn.Server(uvicorn.Config(create_app(settings), **options | {"log_level": "warning"}))
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:
            await asyncio.sleep(0.05)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{settings.ppid_port}") as http:
            codes = [
                (
                    await http.post(
                        "/v1/auth/token", data={"username": f"x{i}@y.example", "password": "salah-salah"},
                        headers={"X-Forwarded-For": f"198.51.100.{i}"},
                    )
                ).status_code
                for i in range(4)
            ]  # fmt: skip
            assert codes == [401, 401, 401, 429]
            assert "server" not in (await http.get("/healthz")).headers
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await serving


async def test_a_unit_ppid_records_walk_ins_for_its_own_unit_only(real: Stack) -> None:
    unit = await real.login(PPID_DINKES)
    sibling = await real.http.post("/v1/requests", json=form(channel="walk_in", unit="bpkad"), headers=unit)
    assert sibling.status_code == 403 and "dinkes" in sibling.json()["detail"]
    own = await real.http.post("/v1/requests", json=form(channel="walk_in", unit=None), headers=unit)
    assert own.status_code == 201
    assert (await real.case(own.json()["id"], unit))["unit"] == "dinkes"


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"requester__nik": "６１０３０１４５０１９０００３"}, "nik", "angka 0-9"),  # fullwidth
        ({"requester__nik": "٦١٠٣٠١٤٥٠١٩٠٠٠٠٣"}, "nik", "angka 0-9"),  # Arabic-Indic
        ({"requester__email": "siti@bücher.example"}, "email", "huruf Latin"),
    ],
)
async def test_identity_fields_take_what_the_notices_can_use(
    real: Stack, changes: dict[str, str], field: str, words: str
) -> None:
    refused = await real.http.post("/v1/requests", json=form(**changes))
    assert refused.status_code == 422
    errors = refused.json()["detail"]
    assert any(e["loc"][-1] == field and words in e["msg"] for e in errors), errors


async def test_a_nik_typed_in_groups_is_stored_as_its_digits(real: Stack) -> None:
    created = await real.submit(requester__nik="6103 0145 0190 0003")
    staff = await real.case(created["id"], await real.login(PPID_SANGGAU))
    assert staff["requester"]["nik"] == "6103**********03"


async def test_mailbox_needs_an_admin_or_the_printed_key_on_a_loopback_host(
    temporal_env: WorkflowEnvironment, tmp_path: Path, sqlite_template: Path
) -> None:
    database = tmp_path / "ppid.sqlite3"
    database.write_bytes(sqlite_template.read_bytes())
    (tmp_path / "mailbox").mkdir()
    settings = make_settings(
        tmp_path, f"sqlite+aiosqlite:///{database}", temporal_env.client.service_client.config.target_host,
        ppid_mailbox_dir=tmp_path / "mailbox", ppid_mailbox_key="kunci-kotak-surat-uji",
    )  # fmt: skip
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as http:
            assert (await http.get("/dev/mailbox")).status_code == 401
            assert (await http.get("/dev/mailbox", params={"kunci": "tebakan"})).status_code == 401
            opened = await http.get("/dev/mailbox", params={"kunci": "kunci-kotak-surat-uji"})
            assert opened.status_code == 200 and opened.json() == []
            assert (await http.get("/dev/mailbox/raw-does-not-exist")).status_code == 404  # the cookie
            rebound = await http.get("/dev/mailbox", params={"kunci": "kunci-kotak-surat-uji"},
                                     headers={"Host": "ppid.attacker.example"})  # fmt: skip
            assert rebound.status_code == 403


def test_the_requester_reads_the_case_file_without_staff_data() -> None:
    case_file = {
        "requester": {"name": "Siti", "nik": "6103014501900003"},
        "request": {"decision": {"outcome": "rejected", "actor": "ppid@sanggau.example"}},
        "notices": [
            {"event": "registered", "recipient_role": "requester", "recipient": "siti@example.org"},
            {"event": "reminder_3", "recipient_role": "ppid", "recipient": "ppid@sanggau.example"},
        ],
        "timeline": [
            {"event": "registered", "label": "Diterima", "actor": None, "internal": False},
            {"event": "reminder_3", "label": "Pengingat", "actor": None, "internal": True},
            {"event": "decided", "label": "Diputus", "actor": "ppid@sanggau.example", "internal": False},
        ],
    }
    theirs = requester_case_file(case_file)
    assert theirs["requester"]["nik"] == "6103**********03"
    assert "actor" not in theirs["request"]["decision"]
    assert theirs["notices"] == [{"event": "registered", "recipient_role": "requester"}]
    assert [e["event"] for e in theirs["timeline"]] == ["registered", "decided"]
    assert all(set(e) == {"event", "label"} for e in theirs["timeline"])
