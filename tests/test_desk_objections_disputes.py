"""The staff desk's objections and disputes without a browser: the list endpoints (GET /v1/objections and the
status filter of GET /v1/disputes), the pages' forms as they answer (a refusal beside the form with the input
kept, never a 500), and the case file in Indonesian with the NIK complete for the KI clerk only. On the
time-skipping server with the real worker, activities and database."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

import api.routes.objections as objection_routes
from domain import law
from tests.requests_support import ATASAN_SANGGAU, FORM, PPID_DINKES, PPID_SANGGAU, Stack

KI_KALBAR = "sengketa@ki-kalbar.example"
REFUSAL = {"outcome": "rejected", "exemption": {
    "article": "17h", "consequence_test": "Membuka rekam medis pasien merugikan hak privasi (UK-3)."}}  # fmt: skip
UPHELD = {"outcome": "upheld", "reasons": "Dokumen memuat data pasien (Pasal 17 huruf h)."}
DISPUTE = {"statement": "Atasan PPID menguatkan penolakan tanpa uji konsekuensi yang memadai.",
           "requested_outcome": "Memerintahkan pembukaan dokumen anggaran"}  # fmt: skip
NIK = FORM["requester"]["nik"]


@dataclass
class Filed:
    request_id: str
    objection_id: str
    registration_number: str
    tracking: dict[str, str]


async def _objection(sim: Stack, reasons: list[str] | None = None, **changes: Any) -> Filed:
    created = await sim.submit(**changes)
    refused = await sim.http.post(
        f"/v1/requests/{created['id']}/decision", json=REFUSAL, headers=await sim.login(PPID_SANGGAU)
    )
    assert refused.status_code == 200, refused.text
    tracking = {"X-Tracking-Code": created["tracking_code"]}
    body = {"reasons": reasons or ["a"], "case_position": "Saya meminta anggaran, bukan rekam medis.",
            "purpose": "Penelitian anggaran kesehatan"}  # fmt: skip
    filed = await sim.http.post(f"/v1/requests/{created['id']}/objections", json=body, headers=tracking)
    assert filed.status_code == 201, filed.text
    return Filed(created["id"], filed.json()["id"], filed.json()["registration_number"], tracking)


async def _dispute(sim: Stack, reasons: list[str] | None = None) -> tuple[Filed, str]:
    filed = await _objection(sim, reasons)
    url = f"/v1/objections/{filed.objection_id}"
    answered = await sim.http.post(f"{url}/response", json=UPHELD, headers=await sim.login(ATASAN_SANGGAU))
    assert answered.status_code == 200, answered.text
    dispute = await sim.http.post(f"{url}/dispute", json=DISPUTE, headers=filed.tracking)
    assert dispute.status_code == 201, dispute.text
    return filed, dispute.json()["id"]


async def _listed(sim: Stack, email: str | None, query: str = "") -> httpx.Response:
    headers = await sim.login(email) if email else {}
    return await sim.http.get(f"/v1/objections{query}", headers=headers)


async def test_objection_list_scope_filters_and_pages(
    sim: Stack, timeskip: WorkflowEnvironment, monkeypatch: pytest.MonkeyPatch
) -> None:
    dinkes = await _objection(sim)
    disdikbud = await _objection(sim, unit="disdikbud")
    answered = await sim.http.post(
        f"/v1/objections/{dinkes.objection_id}/response", json=UPHELD, headers=await sim.login(ATASAN_SANGGAU)
    )
    assert answered.status_code == 200, answered.text

    everything = await _listed(sim, PPID_SANGGAU)
    assert everything.status_code == 200 and everything.headers["x-total-count"] == "2"
    rows = everything.json()
    assert [r["id"] for r in rows] == [disdikbud.objection_id, dinkes.objection_id]  # newest first
    first = rows[1]
    assert (
        first["registration_number"] == dinkes.registration_number
        and first["request_id"] == dinkes.request_id
    )
    assert (
        first["requester_name"] == "Siti Aminah"
        and first["unit"] == "dinkes"
        and first["status"] == "answered"
    )
    assert first["dispute_deadline"] and first["responded_at"] and first["due_at"].endswith("+07:00")

    # Scope: the body's PPID Utama and Atasan, a unit PPID its unit's, an admin all, another body nothing.
    for email, expected in (
        (ATASAN_SANGGAU, {dinkes.objection_id, disdikbud.objection_id}),
        ("admin@ppid.example", {dinkes.objection_id, disdikbud.objection_id}),
        (PPID_DINKES, {dinkes.objection_id}),
        ("ppid.disdikbud@sanggau.example", {disdikbud.objection_id}),
        ("ppid@kutaitimur.example", set()),
        ("atasan.ppid@kutaitimur.example", set()),
    ):
        assert {r["id"] for r in (await _listed(sim, email)).json()} == expected, email
    assert (await _listed(sim, KI_KALBAR)).status_code == 403
    assert (await _listed(sim, None)).status_code == 401

    # Filters: the status, the register year (in the registration number), the page.
    registered = (await _listed(sim, PPID_SANGGAU, "?status=registered")).json()
    assert [r["id"] for r in registered] == [disdikbud.objection_id]
    year = dinkes.registration_number.rsplit("/", 1)[1]
    assert len((await _listed(sim, PPID_SANGGAU, f"?year={year}")).json()) == 2
    none = await _listed(sim, PPID_SANGGAU, f"?year={int(year) - 5}")
    assert none.json() == [] and none.headers["x-total-count"] == "0"
    monkeypatch.setattr(objection_routes, "PAGE_SIZE", 1)
    pages = [(await _listed(sim, PPID_SANGGAU, f"?page={n}")).json() for n in (1, 2, 3)]
    assert [[r["id"] for r in page] for page in pages] == [
        [disdikbud.objection_id],
        [dinkes.objection_id],
        [],
    ]
    for bad in ("?status=dibuka", "?page=0", "?year=abc", "?year=99999"):
        refused = await _listed(sim, PPID_SANGGAU, bad)
        assert refused.status_code == 422, bad
        assert "dibuka" not in refused.text  # the input is not echoed


async def test_dispute_list_filters_on_status(sim: Stack, timeskip: WorkflowEnvironment) -> None:
    _, dispute_id = await _dispute(sim)
    clerk = await sim.login(KI_KALBAR)
    submitted = await sim.http.get("/v1/disputes?status=submitted", headers=clerk)
    assert [d["id"] for d in submitted.json()] == [dispute_id]
    assert (await sim.http.get("/v1/disputes?status=registered", headers=clerk)).json() == []
    assert (await sim.http.get("/v1/disputes?status=ditutup", headers=clerk)).status_code == 422
    respondent = await sim.http.get("/v1/disputes?status=submitted", headers=await sim.login(PPID_SANGGAU))
    assert [d["id"] for d in respondent.json()] == [dispute_id]


# --- the pages ------------------------------------------------------------------------------------------


@asynccontextmanager
async def _signed_in(sim: Stack, email: str) -> AsyncIterator[httpx.AsyncClient]:
    """A browser-like client of the same app: its own cookies, signed in through the sign-in form."""
    async with httpx.AsyncClient(
        transport=sim.http._transport, base_url="http://ppid.test", timeout=30
    ) as http:
        token = _token((await http.get("/staf/masuk")).text)
        form = {"email": email, "kata_sandi": "demo-ppid-2026", "lanjut": "/staf", "csrf_token": token}
        assert (await http.post("/staf/masuk", data=form)).status_code == 303
        yield http


def _token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def _beside(html: str, name: str) -> str:
    found = re.search(rf'<p class="field-error" id="e-{name}">(.*?)</p>', html, re.S)
    return re.sub(r"<span class=\"sr\">.*?</span>", "", found.group(1)).strip() if found else ""


async def test_the_atasan_answers_on_the_page_and_a_refusal_keeps_the_input(
    sim: Stack, timeskip: WorkflowEnvironment
) -> None:
    filed = await _objection(sim)
    page_url = f"/staf/keberatan/{filed.objection_id}"
    async with _signed_in(sim, ATASAN_SANGGAU) as atasan:
        page = await atasan.get(page_url)
        assert page.status_code == 200 and "Kirim tanggapan" in page.text
        assert f'href="/staf/permohonan/{filed.request_id}"' in page.text
        assert (
            "penolakan atas permintaan informasi berdasarkan alasan pengecualian" in page.text
        )  # Pasal 35(1)(a)
        assert law.T4.days_text() in page.text and "Kalender versi" in page.text  # T4 explained
        form = {
            "csrf_token": _token(page.text),
            "outcome": "upheld",
            "reasons": "",
            "order": "Kirim salinannya",
        }
        refused = await atasan.post(f"{page_url}/tanggapan", data=form)
        assert refused.status_code == 422
        assert "Pasal 36 ayat (3)" in _beside(refused.text, "reasons")
        assert 'value="upheld" selected' in refused.text and "Kirim salinannya</textarea>" in refused.text
        done = await atasan.post(f"{page_url}/tanggapan", data=form | {"reasons": UPHELD["reasons"]})
        assert done.status_code == 303 and done.headers["location"].startswith(page_url)
        answered = await atasan.get(done.headers["location"])
        assert "Tanggapan tersimpan" in answered.text and "Menguatkan penolakan PPID" in answered.text
        assert "Kirim tanggapan" not in answered.text  # no form once answered
        again = await atasan.post(f"{page_url}/tanggapan", data=form | {"reasons": UPHELD["reasons"]})
        assert again.status_code == 409 and "sudah dijawab" in again.text
        assert (
            await atasan.post(f"{page_url}/tanggapan", data={"outcome": "granted"})
        ).status_code == 403  # CSRF
        listed = await atasan.get("/staf/keberatan?status=answered")
        assert filed.registration_number in listed.text
    async with _signed_in(sim, PPID_SANGGAU) as ppid:  # the PPID reads it, without the form
        page = await ppid.get(page_url)
        assert page.status_code == 200 and "Kirim tanggapan" not in page.text
    async with _signed_in(sim, "ppid@kutaitimur.example") as stranger:
        assert (await stranger.get(page_url)).status_code == 403
        assert (await stranger.get("/staf/keberatan/tidak-ada")).status_code == 404


async def test_the_clerk_acts_on_the_page_and_the_case_file_speaks_indonesian(
    sim: Stack, timeskip: WorkflowEnvironment
) -> None:
    _, dispute_id = await _dispute(sim)
    url = f"/staf/sengketa/{dispute_id}"
    async with _signed_in(sim, KI_KALBAR) as clerk:
        page = await clerk.get(url)
        token = _token(page.text)
        assert "Registrasi" in page.text and "Tahap penyelesaian" not in page.text
        blank = await clerk.post(f"{url}/registrasi", data={"csrf_token": token, "register_number": ""})
        assert blank.status_code == 422 and _beside(blank.text, "register_number") == "Wajib diisi"
        registered = await clerk.post(
            f"{url}/registrasi", data={"csrf_token": token, "register_number": "7/REG/KI"}
        )
        assert registered.status_code == 303
        page = (await clerk.get(registered.headers["location"])).text
        assert "T6 — Komisi Informasi mulai menyelesaikan" in page and law.T6.days_text() in page
        assert "Mediasi tidak ditawarkan" in page and "Pasal 40 ayat (2)" in page  # reason a only
        mediation = await clerk.post(f"{url}/tahap", data={"csrf_token": token, "stage": "mediation"})
        assert mediation.status_code == 409 and "Pasal 40" in mediation.text
        assert (
            await clerk.post(f"{url}/tahap", data={"csrf_token": token, "stage": "adjudication"})
        ).status_code == 303
        outcome = {
            "csrf_token": token, "outcome": "adjudication_granted", "decision_number": "45/PTS/KI-KB/2026",
            "summary": "Badan publik wajib memberikan salinan anggaran.", "disclosure_due": "31-12-2026",
        }  # fmt: skip
        bad_date = await clerk.post(f"{url}/putusan", data=outcome)
        assert bad_date.status_code == 422 and "tanggal" in _beside(bad_date.text, "disclosure_due")
        assert "45/PTS/KI-KB/2026" in bad_date.text  # the input kept
        decided = await clerk.post(f"{url}/putusan", data=outcome | {"disclosure_due": "2026-12-31"})
        assert decided.status_code == 303
        page = (await clerk.get(decided.headers["location"])).text
        assert "Putusan ajudikasi: permohonan dikabulkan" in page and "Catat keberatan ke pengadilan" in page

        case_file = (await clerk.get(f"{url}/berkas")).text
        assert NIK in case_file  # complete for the Komisi Informasi
        for words in ("Perorangan", "Formulir daring", "Salinan elektronik", "Dikirim melalui email",
                      "Ditolak (informasi yang dikecualikan)", "Pasal 17 huruf h", "Menguatkan penolakan PPID",
                      "Terkirim", "Pemohon"):  # fmt: skip
            assert words in case_file, words
        text = re.sub(r"<[^>]+>", " ", case_file)
        for raw in (
            "partially_granted",
            "softcopy",
            "walk_in",
            "individual",
            "rejected",
            "upheld",
            "requester",
        ):
            assert not re.search(rf"\b{raw}\b", text), raw
        as_json = await clerk.get(f"{url}/berkas.json")
        assert as_json.json()["requester"]["nik"] == NIK
        assert as_json.headers["content-disposition"].startswith('attachment; filename="berkas-perkara-')
        document = await clerk.get(f"{url}/berkas.html")
        assert (
            "attachment" in document.headers["content-disposition"] and "Salinan elektronik" in document.text
        )
    async with _signed_in(sim, PPID_SANGGAU) as ppid:  # the respondent reads, the NIK masked
        page = (await ppid.get(url)).text
        assert "Simpan putusan" not in page and "Catat keberatan ke pengadilan" in page  # Pasal 48: a party
        case_file = (await ppid.get(f"{url}/berkas")).text
        assert NIK not in case_file and NIK[:4] + "*" in case_file
        assert NIK not in (await ppid.get(f"{url}/berkas.json")).text
        court = {"csrf_token": _token(page), "court": "Pengadilan Negeri Sanggau", "filed_on": "2026-01-01",
                 "case_number": "1/G/2026"}  # fmt: skip
        wrong = await ppid.post(f"{url}/pengadilan", data=court)
        assert wrong.status_code == 422 and "Pengadilan Tata Usaha Negara" in _beside(wrong.text, "court")
    async with _signed_in(sim, "sengketa@ki-kaltim.example") as other_ki:
        assert (await other_ki.get(url)).status_code == 403
        assert (await other_ki.get(f"{url}/berkas.json")).status_code == 403


async def test_an_adjudication_outcome_is_refused_in_mediation_beside_the_form(
    sim: Stack, timeskip: WorkflowEnvironment
) -> None:
    _, dispute_id = await _dispute(sim, ["a", "d"])
    clerk_api = await sim.login(KI_KALBAR)
    api_url = f"/v1/disputes/{dispute_id}"
    assert (await sim.http.post(f"{api_url}/registration", json={"register_number": "8/REG/KI"},
                                headers=clerk_api)).status_code == 200  # fmt: skip
    async with _signed_in(sim, KI_KALBAR) as clerk:
        url = f"/staf/sengketa/{dispute_id}"
        page = (await clerk.get(url)).text
        assert 'value="mediation"' in page  # reason d: mediation is offered (Pasal 40 ayat (2))
        assert (
            await clerk.post(f"{url}/tahap", data={"csrf_token": _token(page), "stage": "mediation"})
        ).status_code == 303
        refused = await clerk.post(
            f"{url}/putusan",
            data={"csrf_token": _token(page), "outcome": "adjudication_granted", "summary": "Buka"},
        )
        assert refused.status_code == 409, refused.text
        beside = re.search(r'id="ditolak-putusan">(.*?)</div>', refused.text, re.S)
        assert beside and "mediasi" in beside.group(1)
        assert 'value="adjudication_granted" selected' in refused.text
