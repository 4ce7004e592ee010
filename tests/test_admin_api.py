"""The admin's API: the preview of a calendar change (which open cases move, old and new date, nothing changed),
staff accounts (create, disable, reactivate, new password) and, through the page, the directory import."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from tests.conftest import login
from tests.requests_support import PPID_SANGGAU, form

ADMIN = "admin@ppid.example"
SANGGAU_TZ = ZoneInfo("Asia/Pontianak")


async def _submit(client: httpx.AsyncClient, **changes: Any) -> dict[str, Any]:
    response = await client.post("/v1/requests", json=form(**changes))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def _next_working_day(client: httpx.AsyncClient, after: date, body: str = "kab-sanggau") -> date:
    holidays: set[str] = set()
    for year in (after.year, after.year + 1):
        answer = await client.get("/v1/calendar/holidays", params={"year": year, "body": body})
        holidays |= {h["date"] for h in answer.json()["holidays"]}
    day = after + timedelta(days=1)
    while day.weekday() >= 5 or day.isoformat() in holidays:
        day += timedelta(days=1)
    return day


def _local_day(iso: str) -> date:
    return datetime.fromisoformat(iso).astimezone(SANGGAU_TZ).date()


async def test_preview_lists_the_open_request_old_and_new_date_and_changes_nothing(
    client: httpx.AsyncClient,
) -> None:
    admin = await login(client, ADMIN)
    created = await _submit(client)
    inside = await _next_working_day(client, datetime.now(SANGGAU_TZ).date())
    version = (await client.get("/v1/calendar/holidays", params={"year": inside.year})).json()[
        "calendar_version"
    ]
    params = {"date": inside.isoformat(), "action": "add", "body": "kab-sanggau", "name": "Hari Jadi Sanggau"}

    preview = await client.get("/v1/calendar/preview", params=params, headers=admin)
    assert preview.status_code == 200, preview.text
    answer = preview.json()
    assert answer["calendar_version"] == version and answer["moves_earlier"] is False
    moved = [m for m in answer["moved"] if m["request_id"] == created["id"]]
    assert len(moved) == 1, answer
    t1 = moved[0]
    assert t1["clock"] == "T1" and t1["case_type"] == "request" and t1["timezone"] == "Asia/Pontianak"
    assert t1["registration_number"] == created["registration_number"]
    assert datetime.fromisoformat(t1["old_due_at"]) == datetime.fromisoformat(created["due_at"])
    old_day = _local_day(created["due_at"])
    assert _local_day(t1["new_due_at"]) == await _next_working_day(client, old_day)
    assert t1["earlier"] is False

    # Nothing changed: the same version, the same due date; another body's day touches nothing here.
    after = (await client.get("/v1/calendar/holidays", params={"year": inside.year})).json()
    assert after["calendar_version"] == version
    ppid = await login(client, PPID_SANGGAU)
    assert (await client.get(f"/v1/requests/{created['id']}", headers=ppid)).json()["due_at"] == created[
        "due_at"
    ]
    elsewhere = await client.get(
        "/v1/calendar/preview", params=params | {"body": "kab-kutai-timur"}, headers=admin
    )
    assert created["id"] not in {m["request_id"] for m in elsewhere.json()["moved"]}

    # Saving goes through POST /v1/calendar/holidays; the same day again is refused, by the preview too.
    saved = await client.post(
        "/v1/calendar/holidays",
        json={
            "date": inside.isoformat(),
            "name": "Hari Jadi Sanggau",
            "body": "kab-sanggau",
            "reason": "Perda",
        },
        headers=admin,
    )
    assert saved.status_code == 201 and saved.json()["affected_cases"] >= 1
    again = await client.get("/v1/calendar/preview", params=params, headers=admin)
    assert again.status_code == 409 and "sudah bukan hari kerja" in again.json()["detail"]


async def test_preview_of_a_cancellation_says_a_told_date_would_move_earlier(
    client: httpx.AsyncClient,
) -> None:
    admin = await login(client, ADMIN)
    inside = await _next_working_day(client, datetime.now(SANGGAU_TZ).date())
    declared = await client.post(
        "/v1/calendar/holidays",
        json={"date": inside.isoformat(), "name": "Hari Jadi Sanggau", "body": "kab-sanggau"},
        headers=admin,
    )
    assert declared.status_code == 201
    created = await _submit(client)  # its T1 already skips the regional day
    params = {"date": inside.isoformat(), "action": "cancel", "body": "kab-sanggau"}
    preview = await client.get("/v1/calendar/preview", params=params, headers=admin)
    assert preview.status_code == 200, preview.text
    answer = preview.json()
    assert answer["name"] == "Hari Jadi Sanggau" and answer["moves_earlier"] is True
    t1 = next(m for m in answer["moved"] if m["request_id"] == created["id"])
    assert t1["earlier"] is True and t1["new_due_at"] < t1["old_due_at"]
    # The national calendar does not have that day: nothing to cancel there.
    national = await client.get("/v1/calendar/preview", params=params | {"body": ""}, headers=admin)
    assert national.status_code == 404 and "bukan hari libur" in national.json()["detail"]


async def test_preview_refusals_name_the_field_and_only_admins_may_ask(client: httpx.AsyncClient) -> None:
    admin = await login(client, ADMIN)
    unknown = await client.get(
        "/v1/calendar/preview", params={"date": "2026-06-10", "body": "kab-antah"}, headers=admin
    )
    assert unknown.status_code == 422
    assert unknown.json()["detail"][0]["msg"].startswith("body: badan publik")
    bad_date = await client.get("/v1/calendar/preview", params={"date": "10-06-2026"}, headers=admin)
    assert bad_date.status_code == 422 and "date" in bad_date.json()["detail"][0]["msg"]
    ppid = await login(client, PPID_SANGGAU)
    assert (
        await client.get("/v1/calendar/preview", params={"date": "2026-06-10"}, headers=ppid)
    ).status_code == 403
    assert (await client.get("/v1/calendar/preview", params={"date": "2026-06-10"})).status_code == 401


async def test_create_account_with_a_generated_password_and_refusals_in_indonesian(
    client: httpx.AsyncClient,
) -> None:
    admin = await login(client, ADMIN)
    account = {"email": "Rina@Sanggau.example", "name": "Rina", "role": "ppid", "body": "kab-sanggau",
               "unit": "dinkes"}  # fmt: skip
    created = await client.post("/v1/users", json=account, headers=admin)
    assert created.status_code == 201, created.text
    answer = created.json()
    assert answer["email"] == "rina@sanggau.example" and answer["unit"] == "dinkes" and answer["active"]
    password = answer["generated_password"]
    assert isinstance(password, str) and len(password) >= 16
    await login(client, "rina@sanggau.example", password)
    listed = (await client.get("/v1/users", headers=admin)).json()
    assert "generated_password" not in next(u for u in listed if u["email"] == "rina@sanggau.example")

    again = await client.post("/v1/users", json=account, headers=admin)
    assert again.status_code == 409 and "sudah ada" in again.json()["detail"]
    for changes, field, words in [
        ({"email": "bukan-email"}, "email", "alamat email tidak sah"),
        ({"email": "baru@sanggau.example", "body": None, "unit": None}, "body", "memerlukan badan publik"),
        ({"email": "baru@sanggau.example", "unit": "dishub"}, "unit", "tidak ada"),
        ({"email": "baru@sanggau.example", "password": "pendek"}, "password", "sedikitnya 8 karakter"),
        ({"email": "baru@sanggau.example", "role": "komisi", "body": None, "unit": None}, "komisi_informasi",
         "memerlukan Komisi Informasi"),
        ({"email": "baru@sanggau.example", "role": "bupati"}, "role", "harus salah satu dari"),
    ]:  # fmt: skip
        refused = await client.post("/v1/users", json=account | changes, headers=admin)
        assert refused.status_code == 422, (changes, refused.text)
        error = refused.json()["detail"][0]
        assert error["loc"][-1] == field and error["msg"].startswith(f"{field}: ") and words in error["msg"]
    ppid = await login(client, PPID_SANGGAU)
    assert (await client.post("/v1/users", json=account, headers=ppid)).status_code == 403


async def test_disable_reactivate_and_a_new_password_revoke_old_tokens(client: httpx.AsyncClient) -> None:
    admin = await login(client, ADMIN)
    email = "atasan.ppid@sanggau.example"
    old = await login(client, email)
    disabled = await client.post(f"/v1/users/{email}/deactivation", headers=admin)
    assert disabled.status_code == 200 and disabled.json()["active"] is False
    assert (await client.get("/v1/tasks", headers=old)).status_code == 401
    refused = await client.post("/v1/auth/token", data={"username": email, "password": "demo-ppid-2026"})
    assert refused.status_code == 401

    reactivated = await client.delete(f"/v1/users/{email}/deactivation", headers=admin)
    assert reactivated.status_code == 200 and reactivated.json()["active"] is True
    assert (await client.get("/v1/tasks", headers=old)).status_code == 401  # tokens from before stay refused
    current = await login(client, email)

    short = await client.post(f"/v1/users/{email}/password", json={"password": "pendek"}, headers=admin)
    assert short.status_code == 422 and short.json()["detail"][0]["msg"].startswith("password: kata sandi")
    changed = await client.post(
        f"/v1/users/{email}/password", json={"password": "sandi-baru-2026"}, headers=admin
    )
    assert changed.status_code == 200 and changed.json()["generated_password"] is None
    assert (await client.get("/v1/tasks", headers=current)).status_code == 401
    await login(client, email, "sandi-baru-2026")
    generated = await client.post(f"/v1/users/{email}/password", headers=admin)
    assert generated.status_code == 200
    await login(client, email, generated.json()["generated_password"])

    myself = await client.post(f"/v1/users/{ADMIN}/deactivation", headers=admin)
    assert myself.status_code == 409 and "sendiri" in myself.json()["detail"]
    unknown = await client.post("/v1/users/tidak.ada@sanggau.example/deactivation", headers=admin)
    assert unknown.status_code == 404
    assert (
        await client.post("/v1/users/tidak.ada@sanggau.example/password", headers=admin)
    ).status_code == 404
    ppid = await login(client, PPID_SANGGAU)
    assert (await client.post(f"/v1/users/{email}/deactivation", headers=ppid)).status_code == 403


def _token(page: httpx.Response) -> str:
    return page.text.split('name="csrf_token" value="')[1].split('"')[0]


async def _page_sign_in(client: httpx.AsyncClient, email: str) -> None:
    token = _token(await client.get("/staf/masuk"))
    signed = await client.post(
        "/staf/masuk",
        data={"email": email, "kata_sandi": "demo-ppid-2026", "lanjut": "/staf", "csrf_token": token},
    )
    assert signed.status_code == 303, signed.text


async def test_directory_page_import_names_line_and_field_and_imports_nothing(
    client: httpx.AsyncClient,
) -> None:
    await _page_sign_in(client, ADMIN)
    page = await client.get("/staf/admin/direktori")
    assert (
        page.status_code == 200
        and "Pemerintah Kabupaten Sanggau" in page.text
        and "Dinas Kesehatan" in page.text
    )
    broken = "komisi_informasi: []\nbodies:\n  - slug: kab-baru\n    code: 1\n"
    refused = await client.post(
        "/staf/admin/direktori", data={"csrf_token": _token(page)},
        files={"berkas": ("direktori.yaml", broken.encode(), "application/x-yaml")},
    )  # fmt: skip
    assert refused.status_code == 422
    assert "Tidak ada yang diimpor" in refused.text and "baris 4: bodies[0].code" in refused.text
    assert 'id="e-berkas"' in refused.text
    bodies = (await client.get("/v1/bodies")).json()
    assert "kab-baru" not in {b["slug"] for b in bodies}
    without_token = await client.post(
        "/staf/admin/direktori", files={"berkas": ("d.yaml", broken.encode(), "application/x-yaml")}
    )
    assert without_token.status_code == 403


async def test_admin_pages_are_refused_to_other_roles_with_a_page(client: httpx.AsyncClient) -> None:
    await _page_sign_in(client, PPID_SANGGAU)
    for path in ("/staf/admin/kalender", "/staf/admin/pengguna", "/staf/admin/direktori"):
        page = await client.get(path)
        assert page.status_code == 403 and "hanya untuk administrator" in page.text
        assert page.headers["content-type"].startswith("text/html")


async def test_calendar_page_review_then_save_keeps_the_session_cookie_small(
    client: httpx.AsyncClient,
) -> None:
    """Through the page without a browser: a refused day beside its field, then many cases reviewed and saved;
    the confirmation carried to the next page is bounded (the session is a cookie)."""
    created = [await _submit(client) for _ in range(14)]
    inside = await _next_working_day(client, datetime.now(SANGGAU_TZ).date())
    await _page_sign_in(client, ADMIN)
    page = await client.get("/staf/admin/kalender", params={"tahun": inside.year, "badan": "kab-sanggau"})
    assert page.status_code == 200 and "Kalender hari kerja" in page.text
    fields = {"aksi": "tambah", "nama": "Hari Jadi Sanggau", "badan": "kab-sanggau", "alasan": "Perda",
              "tahun": str(inside.year), "csrf_token": _token(page)}  # fmt: skip
    sunday = inside + timedelta(days=6 - inside.weekday())
    refused = await client.post("/staf/admin/kalender/tinjau", data=fields | {"tanggal": sunday.isoformat()})
    assert (
        refused.status_code == 409
        and 'id="e-tanggal"' in refused.text
        and "sudah bukan hari kerja" in refused.text
    )
    assert 'value="Hari Jadi Sanggau"' in refused.text  # the input kept

    review = await client.post("/staf/admin/kalender/tinjau", data=fields | {"tanggal": inside.isoformat()})
    assert review.status_code == 200 and "Tinjau perubahan kalender" in review.text
    assert all(c["registration_number"] in review.text for c in created)
    saved = await client.post(
        "/staf/admin/kalender/simpan",
        data=fields | {"tanggal": inside.isoformat(), "csrf_token": _token(review)},
    )
    assert saved.status_code == 303 and saved.headers["location"].endswith("#perubahan")
    assert len(saved.headers["set-cookie"]) < 4000
    shown = await client.get(saved.headers["location"].split("#")[0])
    assert "Perubahan kalender disimpan" in shown.text and "Dan 2 perkara lainnya" in shown.text
    assert f'href="/staf/permohonan/{created[0]["id"]}"' in shown.text
    assert "Perubahan kalender disimpan" not in (await client.get("/staf/admin/kalender")).text  # shown once
