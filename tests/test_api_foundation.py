"""The foundation through the HTTP API, on a real database (SQLite and PostgreSQL) and a real Temporal."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import login

SANGGAU_PPID = "ppid@sanggau.example"


async def test_healthz_checks_database_and_temporal(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "temporal": "ok"}


async def test_bodies_list_the_demo_directory(client: httpx.AsyncClient) -> None:
    bodies = {b["slug"]: b for b in (await client.get("/v1/bodies")).json()}
    assert set(bodies) == {
        "kab-sanggau", "kab-serdang-bedagai", "kab-kutai-timur", "kab-barito-utara", "prov-kalteng"
    }  # fmt: skip
    sanggau = bodies["kab-sanggau"]
    assert sanggau["timezone"] == "Asia/Pontianak"
    assert sanggau["komisi_informasi"] == "ki-kalbar"
    assert "dinkes" in {u["slug"] for u in sanggau["units"]}
    assert bodies["kab-kutai-timur"]["timezone"] == "Asia/Makassar"
    assert all(2 <= len(b["units"]) <= 3 for b in bodies.values())


async def test_deadline_explains_idul_fitri(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/v1/calendar/deadline",
        params={"body": "kab-sanggau", "start": "2026-03-16T09:00:00+07:00", "working_days": 10},
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["due_at"] == "2026-04-07T23:59:59+07:00"
    assert answer["calendar_version"] == 0
    reasons = {s["date"]: s["reason"] for s in answer["skipped"]}
    assert reasons["2026-03-20"] == "Cuti Bersama Hari Raya Idul Fitri"
    assert reasons["2026-03-24"] == "Cuti Bersama Hari Raya Idul Fitri"
    assert "Idul Fitri" in answer["explanation"]


async def test_deadline_uses_the_body_time_zone(client: httpx.AsyncClient) -> None:
    params = {"start": "2026-11-19T16:30:00Z", "working_days": 10}
    wib = (await client.get("/v1/calendar/deadline", params={**params, "body": "kab-sanggau"})).json()
    wita = (await client.get("/v1/calendar/deadline", params={**params, "body": "kab-kutai-timur"})).json()
    assert wib["due_at"] == "2026-12-03T23:59:59+07:00"
    assert wita["due_at"] == "2026-12-04T23:59:59+08:00"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"body": "kab-sanggau", "start": "2026-11-20T10:00:00", "working_days": 10}, "start"),
        ({"body": "kab-sanggau", "start": "kemarin", "working_days": 10}, "start"),
        ({"body": "kab-sanggau", "start": "2026-11-20T10:00:00Z", "working_days": -1}, "working_days"),
        ({"body": "kab-sanggau", "start": "2026-11-20T10:00:00Z", "working_days": "x"}, "working_days"),
        ({"start": "2026-11-20T10:00:00Z", "working_days": 3}, "body"),
    ],
)
async def test_deadline_bad_input_names_the_field(
    client: httpx.AsyncClient, params: dict[str, object], field: str
) -> None:
    response = await client.get("/v1/calendar/deadline", params=params)
    assert response.status_code == 422
    assert field in {err["loc"][-1] for err in response.json()["detail"]}


async def test_deadline_unknown_body_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/v1/calendar/deadline",
        params={"body": "kab-antah", "start": "2026-11-20T10:00:00Z", "working_days": 1},
    )
    assert response.status_code == 404
    assert "kab-antah" in response.json()["detail"]


async def test_holidays_of_a_year(client: httpx.AsyncClient) -> None:
    answer = (await client.get("/v1/calendar/holidays", params={"year": 2026, "body": "kab-sanggau"})).json()
    names = {h["date"]: h["reason"] for h in answer["holidays"]}
    assert names["2026-12-24"] == "Cuti Bersama Hari Raya Natal"
    assert names["2026-03-21"] == "Hari Raya Idul Fitri"
    assert (await client.get("/v1/calendar/holidays", params={"year": 1800})).status_code == 422


async def test_login_and_profile(client: httpx.AsyncClient) -> None:
    headers = await login(client, SANGGAU_PPID)
    me = (await client.get("/v1/auth/me", headers=headers)).json()
    assert me == {
        # The demo directory's accounts are named by role and scope (ppid/demo.py).
        "email": SANGGAU_PPID, "name": "Demo ppid kab-sanggau", "role": "ppid", "body": "kab-sanggau", "unit": None,
        "komisi_informasi": None,
    }  # fmt: skip
    unit = await login(client, "ppid.dinkes@sanggau.example")
    assert (await client.get("/v1/auth/me", headers=unit)).json()["unit"] == "dinkes"
    clerk = await login(client, "sengketa@ki-kalbar.example")
    assert (await client.get("/v1/auth/me", headers=clerk)).json()["komisi_informasi"] == "ki-kalbar"


async def test_wrong_password_and_unknown_email_get_the_same_401(client: httpx.AsyncClient) -> None:
    wrong_password = await client.post(
        "/v1/auth/token", data={"username": SANGGAU_PPID, "password": "bukan-sandinya"}
    )
    unknown_email = await client.post(
        "/v1/auth/token", data={"username": "siapa@sanggau.example", "password": "demo-ppid-2026"}
    )
    assert wrong_password.status_code == unknown_email.status_code == 401
    assert wrong_password.json() == unknown_email.json() == {"detail": "Email atau kata sandi salah"}
    missing = await client.post("/v1/auth/token", data={"username": SANGGAU_PPID})
    assert missing.status_code == 422


async def test_roles_guard_admin_endpoints(client: httpx.AsyncClient) -> None:
    assert (await client.get("/v1/users")).status_code == 401
    bad_token = {"Authorization": "Bearer not-a-token"}
    assert (await client.get("/v1/users", headers=bad_token)).status_code == 401
    for email in (SANGGAU_PPID, "atasan.ppid@sanggau.example", "sengketa@ki-kalbar.example"):
        response = await client.get("/v1/users", headers=await login(client, email))
        assert response.status_code == 403, email
    admin = await login(client, "admin@ppid.example")
    accounts = {a["email"]: a for a in (await client.get("/v1/users", headers=admin)).json()}
    assert accounts["atasan.ppid@sanggau.example"]["role"] == "atasan_ppid"
    assert accounts["ppid.dinkes@sanggau.example"]["unit"] == "dinkes"
    assert "password_hash" not in accounts[SANGGAU_PPID]


async def test_token_signed_with_another_key_is_refused(client: httpx.AsyncClient) -> None:
    from api.security import issue_token

    forged = issue_token(user_id=1, role="admin", secret="another-key-of-sufficient-length-xx", minutes=5)
    response = await client.get("/v1/users", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401


async def test_openapi_and_docs_are_served(client: httpx.AsyncClient) -> None:
    assert (await client.get("/docs")).status_code == 200
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert {"/v1/bodies", "/v1/calendar/deadline", "/v1/auth/token", "/healthz"} <= set(paths)
    assert "/dev/mailbox" not in paths  # only under `ppid dev` with its SMTP sink
