"""The objection and dispute desk in Chromium, against a real `ppid dev` stack: the Atasan PPID answers an
objection from her inbox (a refused answer keeps what she typed); with JavaScript off the Komisi Informasi
clerk registers a dispute, sets the stage, is refused an adjudication outcome while it is in mediation, moves
it to adjudication and orders disclosure; the case file reads in Indonesian; axe-core and a 390 px phone on
every page type. (The forms' other refusals are tests/test_desk_objections_disputes.py, without a browser.)"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest

from tests.browser_support import (
    PHONE,
    DevStack,
    browser,
    dev,
    needs_browser,
    new_page,
    screenshot,
    serious_violations,
    sign_in,
)
from tests.requests_support import FORM

pytestmark = [pytest.mark.slow, needs_browser]
__all__ = ["browser", "dev"]  # the fixtures

ATASAN = "atasan.ppid@sanggau.example"
PPID = "ppid@sanggau.example"
CLERK = "sengketa@ki-kalbar.example"
NIK = FORM["requester"]["nik"]
REFUSAL = {"outcome": "rejected", "exemption": {
    "article": "17h", "consequence_test": "Membuka rekam medis pasien merugikan hak privasi (UK-3)."}}  # fmt: skip
UPHELD = {"outcome": "upheld", "reasons": "Dokumen memuat data pasien (Pasal 17 huruf h)."}
DISPUTE = {"statement": "Atasan PPID menguatkan penolakan tanpa uji konsekuensi yang memadai.",
           "requested_outcome": "Memerintahkan pembukaan dokumen anggaran"}  # fmt: skip


@dataclass
class Objection:
    id: str
    registration_number: str
    request_id: str
    request_number: str
    tracking: dict[str, str]


@dataclass
class Cases:
    objection: Objection  # waiting for the Atasan's answer
    dispute: str  # submitted to the KI; reasons a and d, so mediation may be tried (Pasal 40 ayat (2))
    dispute_number: str  # the request's registration number the KI's list shows


def _objection(dev: DevStack, reasons: list[str]) -> Objection:
    """A request refused by the PPID, then an objection filed by its requester with the tracking code."""
    created = dev.submit()
    assert (
        dev.api("POST", f"/v1/requests/{created['id']}/decision", as_=PPID, json=REFUSAL).status_code == 200
    )
    tracking = {"X-Tracking-Code": created["tracking_code"]}
    body = {"reasons": reasons, "case_position": "Saya meminta anggaran, bukan rekam medis pasien.",
            "purpose": "Penelitian anggaran kesehatan"}  # fmt: skip
    filed = dev.api("POST", f"/v1/requests/{created['id']}/objections", headers=tracking, json=body)
    assert filed.status_code == 201, filed.text
    number = filed.json()["registration_number"]
    return Objection(filed.json()["id"], number, created["id"], created["registration_number"], tracking)


def _dispute(dev: DevStack, reasons: list[str]) -> tuple[str, str]:
    objection = _objection(dev, reasons)
    url = f"/v1/objections/{objection.id}"
    assert dev.api("POST", f"{url}/response", as_=ATASAN, json=UPHELD).status_code == 200
    filed = dev.api("POST", f"{url}/dispute", headers=objection.tracking, json=DISPUTE)
    assert filed.status_code == 201, filed.text
    return filed.json()["id"], objection.request_number


@pytest.fixture(scope="module")
def cases(dev: DevStack) -> Cases:
    dispute, number = _dispute(dev, ["a", "d"])
    return Cases(_objection(dev, ["a"]), dispute, number)


async def test_the_atasan_answers_an_objection_from_her_inbox(
    dev: DevStack, browser: Any, cases: Cases
) -> None:
    objection = cases.objection
    async with new_page(browser) as page:
        await sign_in(page, dev, ATASAN)
        await page.get_by_role("link", name=objection.registration_number).click()
        assert page.url.endswith(f"/staf/keberatan/{objection.id}")
        request_link = page.get_by_role("link", name=objection.request_number)
        assert await request_link.get_attribute("href") == f"/staf/permohonan/{objection.request_id}"
        assert await page.get_by_text("penolakan atas permintaan informasi berdasarkan alasan").is_visible()
        # Upholding the refusal without written reasons (Pasal 36 ayat (3)): said beside the field, input kept.
        await page.get_by_label("Tanggapan").select_option(label="Menguatkan penolakan")
        await page.get_by_label("Perintah").fill("Tidak ada perintah.")
        await page.get_by_role("button", name="Kirim tanggapan").click()
        reasons = page.get_by_label("Alasan")
        assert await reasons.get_attribute("aria-invalid") == "true"
        assert "Pasal 36 ayat (3)" in await page.locator("#e-reasons").inner_text()
        assert await page.get_by_label("Perintah").input_value() == "Tidak ada perintah."
        assert await page.get_by_label("Tanggapan").input_value() == "upheld"
        await screenshot(page, "staf-keberatan-alasan-wajib")
        await reasons.fill(UPHELD["reasons"])
        await page.get_by_role("button", name="Kirim tanggapan").click()
        await page.get_by_role("status").filter(has_text="Tanggapan tersimpan").wait_for()
        assert await page.get_by_text("Menguatkan penolakan PPID").is_visible()
        assert await page.get_by_role("button", name="Kirim tanggapan").count() == 0
        await screenshot(page, "staf-keberatan-dijawab")


async def test_the_ki_clerk_registers_stages_and_orders_disclosure_without_javascript(
    dev: DevStack, browser: Any, cases: Cases
) -> None:
    async with new_page(browser, js=False, viewport=PHONE) as page:
        await sign_in(page, dev, CLERK)
        await page.get_by_role("link", name="Sengketa", exact=True).click()
        assert await page.get_by_role("cell", name="belum diregistrasi").first.is_visible()
        await page.get_by_role("link", name=cases.dispute_number).click()
        assert page.url.endswith(f"/staf/sengketa/{cases.dispute}")
        await page.get_by_label("Nomor register").fill("031/REG-PSI/KI-KB/2026")
        await page.get_by_role("button", name="Registrasi").click()
        await page.get_by_role("status").filter(has_text="teregistrasi").wait_for()
        assert await page.get_by_role(
            "heading", name="T6 — Komisi Informasi mulai menyelesaikan"
        ).is_visible()
        await page.get_by_label("Tahap").select_option(label="Mediasi")  # reason d (Pasal 40 ayat (2))
        await page.get_by_role("button", name="Tetapkan tahap").click()
        assert await page.get_by_text("Status: mediasi").is_visible()
        # An adjudication outcome while in mediation: the workflow's refusal beside the form, the input kept.
        await page.get_by_label("Putusan", exact=True).select_option("adjudication_granted")
        await page.get_by_label("Nomor putusan").fill("045/PTS/KI-KB/2026")
        await page.get_by_role("button", name="Simpan putusan").click()
        assert "tahap mediasi" in await page.locator("#putusan").get_by_role("alert").inner_text()
        assert await page.get_by_label("Nomor putusan").input_value() == "045/PTS/KI-KB/2026"
        await screenshot(page, "staf-sengketa-mediasi-ditolak")
        await page.get_by_label("Tahap").select_option(label="Ajudikasi")
        await page.get_by_role("button", name="Tetapkan tahap").click()
        assert await page.get_by_text("Status: ajudikasi").is_visible()
        outcome = page.get_by_label("Putusan", exact=True)
        await outcome.select_option(label="Putusan ajudikasi: permohonan dikabulkan")
        await page.get_by_label("Nomor putusan").fill("045/PTS/KI-KB/2026")
        await page.get_by_label("Ringkasan").fill("Badan publik wajib memberikan salinan dokumen anggaran.")
        await page.get_by_label("Batas waktu pelaksanaan").fill("2027-01-29")
        await page.get_by_role("button", name="Simpan putusan").click()
        await page.get_by_role("status").filter(has_text="Putusan tersimpan").wait_for()
        assert await page.get_by_text("29 Januari 2027").is_visible()
        assert await page.get_by_role("button", name="Simpan putusan").count() == 0
        assert await page.get_by_role(
            "button", name="Catat keberatan ke pengadilan"
        ).is_visible()  # within T8
        await screenshot(page, "staf-sengketa-diputus-ponsel")


async def test_the_case_file_reads_in_indonesian(dev: DevStack, browser: Any, cases: Cases) -> None:
    async with new_page(browser) as page:
        await sign_in(page, dev, CLERK)
        await page.goto(f"{dev.url}/staf/sengketa/{cases.dispute}")
        await page.get_by_role("link", name="Berkas perkara").click()
        text = await page.locator("main").inner_text()
        assert NIK in text  # complete for the Komisi Informasi
        for words in ("Perorangan", "Formulir daring", "Salinan elektronik", "Ditolak (informasi yang dikecualikan)",
                      "Menguatkan penolakan PPID", "Terkirim"):  # fmt: skip
            assert words in text, words
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
        href = await page.get_by_role("link", name="dokumen (HTML)").get_attribute("href")
        download = await page.request.get(f"{dev.url}{href}")
        assert "attachment" in download.headers["content-disposition"] and NIK in await download.text()
        await screenshot(page, "staf-berkas-perkara")
    async with new_page(browser) as page:  # the respondent's PPID: the NIK masked
        await sign_in(page, dev, PPID)
        await page.goto(f"{dev.url}/staf/sengketa/{cases.dispute}/berkas")
        text = await page.locator("main").inner_text()
        assert NIK not in text and NIK[:4] + "**" in text


async def test_every_page_type_passes_axe_and_fits_a_phone(dev: DevStack, browser: Any, cases: Cases) -> None:
    visits = {
        ATASAN: ["/staf/keberatan", f"/staf/keberatan/{cases.objection.id}"],
        CLERK: [
            "/staf/sengketa",
            f"/staf/sengketa/{cases.dispute}",
            f"/staf/sengketa/{cases.dispute}/berkas",
        ],
    }
    problems = {}
    for email, paths in visits.items():
        async with new_page(browser, viewport=PHONE, bypass_csp=True) as page:
            await sign_in(page, dev, email)
            for path in paths:
                await page.goto(f"{dev.url}{path}")
                violations = await serious_violations(page)
                width = await page.evaluate("document.documentElement.scrollWidth")  # no sideways scrolling
                if violations or width > PHONE["width"]:
                    problems[path] = (violations, width)
    assert problems == {}
