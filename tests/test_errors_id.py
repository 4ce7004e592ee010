"""Issue 12 through the API: what a person reads is Indonesian and names the field, a 422 never echoes what
was sent, and no client input (NaN, Infinity, a lone surrogate, a date out of range) becomes a 500."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from temporalio.testing import WorkflowEnvironment

from base.settings import Settings
from domain.enums import DisputeStatus, ObjectionStatus, RequestStatus
from domain.status_labels import status_label
from tests.conftest import Mailbox, login, make_settings, run_worker_for
from tests.requests_support import PPID_SANGGAU, form

NIK = "6103014501900003"
BAD_NIK = "9903014501900003"  # no province 99
ENGLISH = ("Field required", "should", "Input", "Value error", "Extra inputs", "not permitted", "valid")
JSON = {"Content-Type": "application/json"}


@pytest.fixture
async def settings(
    tmp_path: Path, database_url: str, temporal_env: WorkflowEnvironment, task_queue: str,
    mailbox: tuple[Mailbox, int],
) -> Settings:  # fmt: skip
    """The app of conftest on a task queue of its own (a worker here never picks up another test's cases)."""
    target = temporal_env.client.service_client.config.target_host
    return make_settings(
        tmp_path,
        database_url,
        target,
        temporal_task_queue=task_queue,
        smtp_host="127.0.0.1",
        smtp_port=mailbox[1],
    )


@pytest.fixture
async def worker(temporal_env: WorkflowEnvironment, settings: Settings) -> AsyncIterator[None]:
    async with run_worker_for(temporal_env.client, settings):
        yield


def errors_of(response: httpx.Response) -> dict[str, dict[str, Any]]:
    """The 422 errors by field path (`requester.name`), checked for FastAPI's shape on the way."""
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, list) and detail
    by_field: dict[str, dict[str, Any]] = {}
    for error in detail:
        assert {"loc", "msg", "type"} <= set(error) <= {"loc", "msg", "type", "ctx"}, error
        assert all(word not in error["msg"] for word in ENGLISH), error
        by_field[".".join(str(part) for part in error["loc"][1:])] = error
    return by_field


async def submit(client: httpx.AsyncClient, **changes: Any) -> dict[str, Any]:
    response = await client.post("/v1/requests", json=form(**changes))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


# --- 1. Indonesian messages that name the field -------------------------------------------------------------


async def test_intake_validation_messages_are_indonesian_and_name_the_field(
    client: httpx.AsyncClient,
) -> None:
    data = form(requester__nik=BAD_NIK, delivery_method="pigeon", information="abc", surprise=1)
    del data["requester"]["name"]
    errors = errors_of(await client.post("/v1/requests", json=data))
    assert errors["requester.name"]["msg"] == "requester.name: wajib diisi"
    assert errors["requester.name"]["type"] == "missing"
    assert (
        errors["requester.nik"]["msg"]
        == "requester.nik: dua digit pertama NIK bukan kode provinsi yang dikenal"
    )
    assert errors["information"]["msg"] == "information: harus berisi sedikitnya 5 karakter"
    assert errors["information"]["ctx"] == {"min_length": 5}
    assert errors["delivery_method"]["msg"] == (
        "delivery_method: harus salah satu dari 'pickup', 'post', 'courier' atau 'email'"
    )
    assert errors["surprise"]["msg"] == "surprise: kolom ini tidak dikenal (kolom tambahan tidak diizinkan)"

    email = errors_of(await client.post("/v1/requests", json=form(requester__email="bukan-email")))
    assert email["requester.email"]["msg"] == "requester.email: alamat email tidak sah"


async def test_staff_action_validation_is_indonesian(client: httpx.AsyncClient) -> None:
    created = await submit(client)
    ppid = await login(client, PPID_SANGGAU)
    short = await client.post(
        f"/v1/requests/{created['id']}/extension", json={"reason": "singkat"}, headers=ppid
    )
    assert errors_of(short)["reason"]["msg"] == "reason: harus berisi sedikitnya 10 karakter"
    decision = await client.post(
        f"/v1/requests/{created['id']}/decision",
        json={"outcome": "granted", "fee_idr": "mahal"},
        headers=ppid,
    )
    assert errors_of(decision)["fee_idr"]["msg"] == "fee_idr: harus berupa bilangan bulat"
    deadline = await client.get(
        "/v1/calendar/deadline",
        params={"body": "kab-sanggau", "start": "2026-11-20T10:00:00", "working_days": 1},
    )
    assert errors_of(deadline)["start"]["msg"] == "start: harus menyertakan zona waktu, mis. +07:00"


async def test_unknown_address_and_wrong_method_are_indonesian(client: httpx.AsyncClient) -> None:
    unknown = await client.get("/v1/tidak-ada")
    assert (unknown.status_code, unknown.json()) == (404, {"detail": "Alamat tidak ditemukan"})
    wrong = await client.delete("/v1/bodies")
    assert (wrong.status_code, wrong.json()) == (405, {"detail": "Metode tidak diizinkan untuk alamat ini"})
    assert wrong.headers["Allow"] == "GET"
    unreadable = await client.post("/v1/requests", content=b'{"body": "\xff\xfe"}', headers=JSON)
    assert unreadable.status_code == 400
    assert unreadable.json() == {"detail": "Isi permintaan tidak dapat dibaca: bukan JSON UTF-8 yang sah"}
    broken = await client.post("/v1/requests", content=b'{"body": ', headers=JSON)
    assert errors_of(broken)["9"]["msg"] == "isi permintaan: bukan JSON yang sah (posisi 9)"


def test_every_case_status_has_an_indonesian_label() -> None:
    for status in (*RequestStatus, *ObjectionStatus, *DisputeStatus):
        assert status_label(status) != status.value, status
    assert status_label(RequestStatus.DECIDED) == "sudah diputuskan"


@pytest.mark.usefixtures("worker")
async def test_refusals_name_the_status_in_indonesian(client: httpx.AsyncClient) -> None:
    created = await submit(client)
    ppid = await login(client, PPID_SANGGAU)
    decided = await client.post(
        f"/v1/requests/{created['id']}/decision", json={"outcome": "granted"}, headers=ppid
    )
    assert decided.status_code == 200, decided.text
    extension = await client.post(
        f"/v1/requests/{created['id']}/extension", json={"reason": "Dokumen masih dihimpun"}, headers=ppid
    )
    assert extension.status_code == 409
    assert extension.json()["detail"] == "Perpanjangan tidak dapat dilakukan pada status 'sudah diputuskan'."
    assign = await client.post(
        f"/v1/requests/{created['id']}/assignment", json={"unit": "dinkes"}, headers=ppid
    )
    assert assign.status_code == 409
    assert assign.json()["detail"] == "Permohonan berstatus 'sudah diputuskan' tidak dapat diteruskan lagi."


# --- 2. A 422 never echoes the input ------------------------------------------------------------------------


async def test_422_does_not_echo_the_nik_or_any_input(client: httpx.AsyncClient) -> None:
    secret_email = "rahasia.sekali@@example.org"
    response = await client.post(
        "/v1/requests", json=form(requester__nik=BAD_NIK, requester__email=secret_email, purpose="P")
    )
    errors = errors_of(response)
    assert {"requester.nik", "requester.email", "purpose"} <= set(errors)
    assert BAD_NIK not in response.text and "rahasia.sekali" not in response.text
    assert all("input" not in e for e in response.json()["detail"])
    legal = form(requester__kind="legal_entity", requester__nik=None, requester__legal_entity_number=None)
    errors = errors_of(await client.post("/v1/requests", json=legal))
    assert "ctx" not in errors["requester.legal_entity_number"]  # a value error's ctx carries the exception


# --- 3. No 500 from client input ---------------------------------------------------------------------------


def raw_form(**replace: str) -> bytes:
    """The intake form as raw JSON text, with some values replaced by JSON text (NaN, "\\ud800", ...)."""
    import json

    text = json.dumps(form())
    for key, value in replace.items():
        old = json.dumps(form()["requester"].get(key, form().get(key)))
        assert text.count(f'"{key}": {old}') == 1, key
        text = text.replace(f'"{key}": {old}', f'"{key}": {value}')
    return text.encode()


@pytest.mark.parametrize(
    ("replace", "field"),
    [
        ({"name": '"Siti \\ud800 Aminah"'}, "requester.name"),
        ({"information": '"Salinan \\udfff dokumen anggaran"'}, "information"),
        ({"nik": '"6103014501900003\\ud800"'}, "requester.nik"),
        ({"name": '"Siti \\u0000 Aminah"'}, "requester.name"),
        ({"information": '"Salinan\\u0000 dokumen anggaran"'}, "information"),
        ({"name": "NaN"}, "requester.name"),
        ({"purpose": "Infinity"}, "purpose"),
        ({"channel": "-Infinity"}, "channel"),
    ],
)
async def test_nan_infinity_lone_surrogates_and_nul_in_intake_are_422(
    client: httpx.AsyncClient, replace: dict[str, str], field: str
) -> None:
    response = await client.post("/v1/requests", content=raw_form(**replace), headers=JSON)
    errors = errors_of(response)
    assert set(errors) == {field}
    if "\\u" in next(iter(replace.values())):
        assert errors[field]["msg"] == f"{field}: teks mengandung karakter yang tidak sah"


async def test_a_value_the_database_refuses_is_a_422_not_the_database_away(
    client: httpx.AsyncClient, database_url: str
) -> None:
    """The login's email reaches the database without an input model: PostgreSQL refuses a NUL in text, and
    that is the client's input, not the database being away (it used to answer 503 and ask for a retry)."""
    response = await client.post(
        "/v1/auth/token", data={"username": "ppid\x00@sanggau.example", "password": "demo-ppid-2026"}
    )
    if database_url.startswith("postgresql"):
        assert errors_of(response)[""]["msg"].startswith(
            "isi permintaan: berisi nilai yang tidak dapat disimpan"
        )
    else:
        assert response.status_code == 401  # SQLite keeps NUL: no such account


async def test_a_lone_surrogate_that_the_type_lets_through_is_still_refused(
    client: httpx.AsyncClient,
) -> None:
    """A legal entity's NIK is not checked as a NIK: a surrogate there used to reach the database."""
    data = (
        b'{"body":"kab-sanggau","requester":{"kind":"legal_entity","name":"Yayasan Kawal","nik":"\\ud800",'
        b'"legal_entity_number":"AHU-0001","address":"Jl. Merdeka 1, Sanggau","email":"kawal@example.org"},'
        b'"information":"Salinan anggaran 2025","purpose":"Penelitian","obtain_method":"view",'
        b'"delivery_method":"email"}'
    )
    errors = errors_of(await client.post("/v1/requests", content=data, headers=JSON))
    assert errors["requester.nik"]["msg"] == "requester.nik: teks mengandung karakter yang tidak sah"
    in_a_key = await client.post("/v1/requests", content=data[:-1] + b',"\\udc00":1}', headers=JSON)
    assert errors_of(in_a_key)[""]["msg"] == "isi permintaan: teks mengandung karakter yang tidak sah"


async def test_nan_and_surrogates_in_a_staff_action_are_422(client: httpx.AsyncClient) -> None:
    created = await submit(client)
    ppid = await login(client, PPID_SANGGAU)
    url = f"/v1/requests/{created['id']}/decision"
    fee = await client.post(url, content=b'{"outcome": "granted", "fee_idr": NaN}', headers={**ppid, **JSON})
    assert errors_of(fee)["fee_idr"]["msg"] == (
        "fee_idr: harus berupa bilangan terhingga (NaN dan Infinity tidak diterima)"
    )
    fee = await client.post(
        url, content=b'{"outcome": "granted", "fee_idr": Infinity}', headers={**ppid, **JSON}
    )
    assert set(errors_of(fee)) == {"fee_idr"}
    note = await client.post(url, content=b'{"outcome": "granted", "note": NaN}', headers={**ppid, **JSON})
    assert errors_of(note)["note"]["msg"] == "note: harus berupa teks"
    reason = await client.post(
        f"/v1/requests/{created['id']}/extension", content=b'{"reason": "Dokumen \\ud800 masih dihimpun"}',
        headers={**ppid, **JSON},
    )  # fmt: skip
    assert errors_of(reason)["reason"]["msg"] == "reason: teks mengandung karakter yang tidak sah"
    holiday = await client.post(
        "/v1/calendar/holidays", content=b'{"date": "2026-08-18", "name": "Libur \\ud800"}',
        headers={**await login(client, "admin@ppid.example"), **JSON},
    )  # fmt: skip
    assert errors_of(holiday)["name"]["msg"] == "name: teks mengandung karakter yang tidak sah"


async def test_dates_out_of_the_supported_range_are_422(client: httpx.AsyncClient) -> None:
    far = await client.get(
        "/v1/calendar/deadline",
        params={"body": "kab-sanggau", "start": "9999-12-31T23:59:59Z", "working_days": 10},
    )
    assert errors_of(far)["start"]["msg"] == "start: tahun harus di antara 1970 dan 2200"
    admin = await login(client, "admin@ppid.example")
    for day in ("0001-01-01", "9999-12-31"):
        holiday = await client.post(
            "/v1/calendar/holidays", json={"date": day, "name": "Libur uji"}, headers=admin
        )
        assert errors_of(holiday)["date"]["msg"] == "date: tahun harus di antara 1970 dan 2200"
    inside = await client.get(
        "/v1/calendar/deadline",
        params={"body": "kab-sanggau", "start": "2200-12-31T10:00:00Z", "working_days": 366},
    )
    assert inside.status_code == 200, inside.text


async def test_an_unexpected_error_is_an_indonesian_500_and_logs_no_body(
    app: FastAPI, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(payload: dict[str, str]) -> None:
        raise RuntimeError(f"gagal untuk {payload['nik']}")

    app.add_api_route("/v1/_rusak", broken, methods=["POST"])
    with caplog.at_level(logging.ERROR, logger="ppid.api"):
        response = await client.post("/v1/_rusak", json={"nik": NIK})
    assert response.status_code == 500
    assert response.json()["detail"].startswith("Terjadi kesalahan pada server; ")
    assert "RuntimeError" in caplog.text and "/v1/_rusak" in caplog.text
    assert NIK not in caplog.text
