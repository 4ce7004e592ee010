"""The citizen's objection, acceptance and dispute on the portal's pages (api/web/public/objection.py), without a
browser: a visitor's own client proves the tracking code on the case page, then files an objection with only the
reasons that fit the case, accepts the Atasan's answer or takes it to the Komisi Informasi; the emails that ask
the citizen to act link to those pages. On the time-skipping server with the real worker and database."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import httpx
from temporalio.testing import WorkflowEnvironment

from domain.dates_id import format_datetime
from tests.conftest import text_of
from tests.requests_support import ATASAN_SANGGAU, PPID_SANGGAU, REQUESTER_EMAIL, Stack
from tests.timeskip_support import sleep_until

REFUSAL = {"outcome": "rejected", "exemption": {
    "article": "17h", "consequence_test": "Membuka rekam medis pasien merugikan hak privasi (UK-3)."}}  # fmt: skip
UPHELD = {"outcome": "upheld", "reasons": "Dokumen memuat data pasien (Pasal 17 huruf h)."}
CASE_POSITION = "Saya meminta anggaran program, bukan rekam medis pasien."
KI = "Komisi Informasi Provinsi Kalimantan Barat"
TZ = "Asia/Pontianak"  # Sanggau


def _token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def _beside(html: str, name: str) -> str:
    found = re.search(rf'<p class="field-error" id="e-{name}">(.*?)</p>', html, re.S)
    return re.sub(r"<span class=\"sr\">.*?</span>", "", found.group(1)).strip() if found else ""


def _labels(html: str) -> list[str]:
    return [re.sub(r"\s+", " ", t).strip() for t in re.findall(r"<label[^>]*>(.*?)</label>", html, re.S)]


def _when(moment: str) -> str:
    return format_datetime(datetime.fromisoformat(moment), TZ)


@asynccontextmanager
async def _citizen(
    sim: Stack, created: dict[str, Any], back_to: str = ""
) -> AsyncIterator[httpx.AsyncClient]:
    """A browser of the requester: its own cookies, the code proven once on the case page's code form (its CSRF
    token, valid for the session's forms, kept as `citizen.headers["x-test-csrf"]` for pages without a form)."""
    async with httpx.AsyncClient(
        transport=sim.http._transport, base_url="http://ppid.test", timeout=30
    ) as http:
        home = f"/lacak/{created['id']}"
        form = await http.get(home)
        assert form.status_code == 200 and "Kode lacak" in form.text
        proven = await http.post(
            home,
            data={
                "csrf_token": _token(form.text),
                "kode": created["tracking_code"].lower(),
                "kembali": back_to or home,
            },
        )
        assert proven.status_code == 303, proven.text
        http.headers["x-test-csrf"] = _token(form.text)
        yield http


async def _refused(sim: Stack) -> dict[str, Any]:
    created = await sim.submit()
    refused = await sim.http.post(
        f"/v1/requests/{created['id']}/decision", json=REFUSAL, headers=await sim.login(PPID_SANGGAU)
    )
    assert refused.status_code == 200, refused.text
    created["objection_deadline"] = refused.json()["objection_deadline"]
    return created


async def _objection_by_api(sim: Stack, created: dict[str, Any]) -> str:
    body = {"reasons": ["a"], "case_position": CASE_POSITION, "purpose": "Penelitian anggaran"}
    tracking = {"X-Tracking-Code": created["tracking_code"]}
    filed = await sim.http.post(f"/v1/requests/{created['id']}/objections", json=body, headers=tracking)
    assert filed.status_code == 201, filed.text
    objection_id: str = filed.json()["id"]
    return objection_id


async def test_after_a_refusal_the_citizen_objects_on_the_page(
    sim: Stack, timeskip: WorkflowEnvironment
) -> None:
    created = await _refused(sim)
    url = f"/lacak/{created['id']}/keberatan"
    decided = text_of(await sim.mail.wait_for(REQUESTER_EMAIL, "Pemberitahuan tertulis"))
    assert f"Ajukan keberatan di: {sim.settings.public_url}{url}" in decided

    # A browser that has not proven the code sees the code form, which leads back to the objection form.
    async with httpx.AsyncClient(transport=sim.http._transport, base_url="http://ppid.test") as stranger:
        page = await stranger.get(url)
        assert page.status_code == 200 and "Kirim keberatan" not in page.text
        assert f'value="{url}"' in page.text  # the code form comes back here

    async with _citizen(sim, created, back_to=url) as citizen:
        page = await citizen.get(url)
        assert page.status_code == 200
        labels = _labels(page.text)
        assert [label for label in labels if "penolakan" in label.lower()]  # reason a, in the law's words
        # No reason c or g: the notice came in time.
        assert not [label for label in labels if "tidak ditanggapi" in label.lower()]
        assert not [label for label in labels if "melebihi waktu" in label.lower()]
        assert len([label for label in labels if "kasus posisi" in label.lower()]) == 1
        assert len(re.findall(r"<button[^>]*>[^<]*Kirim", page.text)) == 1  # the only control named "Kirim"
        assert _when(created["objection_deadline"]) in page.text and "Pasal 36 ayat (1)" in page.text  # T3

        # No reason chosen: the message beside the checkboxes, what was typed kept.
        form = {"csrf_token": _token(page.text), "kasus_posisi": CASE_POSITION, "tujuan": ""}
        blank = await citizen.post(url, data=form)
        assert blank.status_code == 422
        assert "sedikitnya satu alasan" in _beside(blank.text, "alasan_keberatan")
        assert f"{CASE_POSITION}</textarea>" in blank.text
        # A reason that does not fit the case (tampered form) is refused the same way.
        unfit = await citizen.post(url, data=form | {"alasan_keberatan": "c"})
        assert unfit.status_code == 422 and "tidak sesuai" in _beside(unfit.text, "alasan_keberatan")
        short = await citizen.post(url, data=form | {"alasan_keberatan": "a", "kasus_posisi": "pendek"})
        assert short.status_code == 422 and _beside(short.text, "kasus_posisi")
        assert 'value="a" checked' in short.text

        done = await citizen.post(url, data=form | {"alasan_keberatan": ["a", "d"]})
        assert done.status_code == 303, done.text
        location = done.headers["location"]
        assert location.startswith(f"/lacak/{created['id']}") and "#keberatan-" in location
        objection_id = location.rsplit("#keberatan-", 1)[1]

        case_page = await citizen.get(location.split("#")[0])
        assert case_page.status_code == 200
        api = await sim.http.get(
            f"/v1/objections/{objection_id}", headers={"X-Tracking-Code": created["tracking_code"]}
        )
        assert api.status_code == 200, api.text
        objection = api.json()
        assert objection["reasons"] == ["a", "d"] and objection["case_position"] == CASE_POSITION
        assert objection["purpose"] == "Penelitian"  # "Tujuan" left empty: the request's own purpose
        assert objection["registration_number"] in case_page.text
        assert _when(objection["due_at"]) in case_page.text  # T4

        # The receipt links to the objection's section, where the next steps will be.
        receipt = text_of(await sim.mail.wait_for(REQUESTER_EMAIL, "Tanda terima keberatan"))
        assert f"{sim.settings.public_url}/lacak/{created['id']}#keberatan-{objection_id}" in receipt

        # One objection at a time: the form gives way to the running one; a second post gets the reason.
        again = await citizen.get(url)
        assert "Kirim keberatan" not in again.text and objection["registration_number"] in again.text
        second = await citizen.post(url, data=form | {"alasan_keberatan": "a"})
        assert second.status_code == 409 and "masih berjalan" in second.text

        # Without the CSRF token nothing is filed.
        unsigned = await citizen.post(url, data={"alasan_keberatan": "a", "kasus_posisi": CASE_POSITION})
        assert unsigned.status_code == 403


async def test_after_t1_lapses_the_form_offers_c_and_g_and_after_t3_it_is_gone(
    sim: Stack, timeskip: WorkflowEnvironment
) -> None:
    created = await sim.submit()
    url = f"/lacak/{created['id']}/keberatan"
    async with _citizen(sim, created) as citizen:
        early = await citizen.get(url)
        assert "Kirim keberatan" not in early.text and "Pasal 35 ayat (1) huruf c" in early.text

        await sleep_until(timeskip, created["due_at"])
        overdue = text_of(await sim.mail.wait_for(REQUESTER_EMAIL, "tidak ditanggapi"))
        assert f"Ajukan keberatan di: {sim.settings.public_url}{url}" in overdue
        case = await sim.case(created["id"], {"X-Tracking-Code": created["tracking_code"]})
        page = await citizen.get(url)
        labels = [label.lower() for label in _labels(page.text)]
        assert any("tidak ditanggapi" in label for label in labels)  # c
        assert any("melebihi waktu" in label for label in labels)  # g
        assert not any("penolakan" in label for label in labels)  # no refusal: no a

        await sleep_until(timeskip, case["objection_deadline"])
        closed = await citizen.get(url)
        assert closed.status_code == 200 and "Kirim keberatan" not in closed.text
        assert "Jangka waktu keberatan sudah berakhir" in closed.text
        assert _when(case["objection_deadline"]) in closed.text and "alasan tertulis" in closed.text
        late = await citizen.post(
            url,
            data={"csrf_token": _token(page.text), "alasan_keberatan": "c", "kasus_posisi": CASE_POSITION},
        )
        assert late.status_code == 409 and "Jangka waktu keberatan sudah berakhir" in late.text
        assert f"{CASE_POSITION}</p>" in late.text  # what was typed is not lost


async def test_the_citizen_accepts_the_answer_and_the_case_closes(
    sim: Stack, timeskip: WorkflowEnvironment
) -> None:
    created = await _refused(sim)
    objection_id = await _objection_by_api(sim, created)
    async with _citizen(sim, created) as citizen:
        home = f"/lacak/{created['id']}"
        waiting = await citizen.get(home)
        assert "Terima tanggapan" not in waiting.text  # nothing to accept before the answer
        token = citizen.headers["x-test-csrf"]
        early = await citizen.post(f"{home}/keberatan/{objection_id}/terima", data={"csrf_token": token})
        assert early.status_code == 409 and "Hanya jawaban Atasan PPID" in early.text

        answered = await sim.http.post(
            f"/v1/objections/{objection_id}/response", json=UPHELD, headers=await sim.login(ATASAN_SANGGAU)
        )
        assert answered.status_code == 200, answered.text
        mail = text_of(await sim.mail.wait_for(REQUESTER_EMAIL, "Tanggapan Atasan PPID"))
        assert f"{sim.settings.public_url}{home}#keberatan-{objection_id}" in mail
        assert "halaman perkara." not in mail  # the dead wording is gone

        page = await citizen.get(home)
        assert "Terima tanggapan" in page.text
        assert f'href="{home}/keberatan/{objection_id}/sengketa"' in page.text
        assert "Ajukan sengketa ke Komisi Informasi" in page.text and KI in page.text
        assert _when(answered.json()["dispute_deadline"]) in page.text and "Pasal 37 ayat (2)" in page.text
        done = await citizen.post(
            f"{home}/keberatan/{objection_id}/terima", data={"csrf_token": _token(page.text)}
        )
        assert done.status_code == 303 and done.headers["location"].endswith(f"#keberatan-{objection_id}")

    tracking = {"X-Tracking-Code": created["tracking_code"]}
    objection = (await sim.http.get(f"/v1/objections/{objection_id}", headers=tracking)).json()
    assert objection["status"] == "accepted"
    assert (await sim.case(created["id"], tracking))["status"] == "accepted"


async def test_the_citizen_takes_the_objection_to_the_komisi(
    sim: Stack, timeskip: WorkflowEnvironment
) -> None:
    created = await _refused(sim)
    objection_id = await _objection_by_api(sim, created)
    url = f"/lacak/{created['id']}/keberatan/{objection_id}/sengketa"
    async with _citizen(sim, created) as citizen:
        early = await citizen.get(url)
        assert early.status_code == 200 and "Kirim ke Komisi Informasi" not in early.text
        assert "Pasal 37 ayat (1)" in early.text

        answered = await sim.http.post(
            f"/v1/objections/{objection_id}/response", json=UPHELD, headers=await sim.login(ATASAN_SANGGAU)
        )
        assert answered.status_code == 200, answered.text
        page = await citizen.get(url)
        assert KI in page.text and _when(answered.json()["dispute_deadline"]) in page.text
        labels = [label.lower() for label in _labels(page.text)]
        assert any("pernyataan" in label for label in labels) and any("tuntutan" in label for label in labels)
        blank = await citizen.post(
            url, data={"csrf_token": _token(page.text), "pernyataan": "", "tuntutan": "Buka"}
        )
        assert blank.status_code == 422 and _beside(blank.text, "pernyataan")
        assert "Buka</textarea>" in blank.text
        statement = "Atasan PPID menguatkan penolakan tanpa uji konsekuensi yang memadai."
        form = {
            "csrf_token": _token(page.text),
            "pernyataan": statement,
            "tuntutan": "Dokumen anggaran dibuka",
        }
        done = await citizen.post(url, data=form)
        assert done.status_code == 303, done.text
        again = await citizen.post(url, data=form)
        assert again.status_code == 409 and "sudah diajukan" in again.text

        case_page = await citizen.get(f"/lacak/{created['id']}")
        assert "Terima tanggapan" not in case_page.text and f"Sengketa di {KI}" in case_page.text
        assert "Menunggu registrasi" in case_page.text

        # Another case's objection is not reachable through this case's pages.
        other = await _refused(sim)
        foreign = await _objection_by_api(sim, other)
        assert (await citizen.get(f"/lacak/{created['id']}/keberatan/{foreign}/sengketa")).status_code == 404

    tracking = {"X-Tracking-Code": created["tracking_code"]}
    objection = (await sim.http.get(f"/v1/objections/{objection_id}", headers=tracking)).json()
    assert objection["status"] == "disputed" and objection["dispute"]
    dispute = await sim.http.get(f"/v1/disputes/{objection['dispute']}", headers=tracking)
    assert dispute.status_code == 200, dispute.text
    assert dispute.json()["statement"] == statement and dispute.json()["komisi_informasi"] == "ki-kalbar"
