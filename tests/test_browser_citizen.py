"""The citizen's portal in Chromium on a 390x844 phone, against a real `ppid dev --clock simulated` stack and
its SMTP sink: a citizen submits with JavaScript off, follows the emailed link, sees the PPID's refusal and its
ground, objects, sees the Atasan's answer and takes the case to the Komisi Informasi, then follows the KI's
stages; in another case downloads the information the PPID delivered, which a wrong code or another case's code
never reaches. Every page type passes axe-core and weighs less than ~150 KB."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
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

pytestmark = [pytest.mark.slow, needs_browser]
__all__ = ["browser", "dev"]  # the fixtures

PPID = "ppid@sanggau.example"
DINKES = "ppid.dinkes@sanggau.example"
ATASAN = "atasan.ppid@sanggau.example"
CLERK = "sengketa@ki-kalbar.example"
NIK = "6103014501900003"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
CONSEQUENCE = "Membuka rekam medis pasien merugikan hak atas rahasia pribadi."
REFUSAL = {"outcome": "rejected", "exemption": {"article": "17h", "consequence_test": CONSEQUENCE}}
UPHELD = {"outcome": "upheld", "reasons": "Dokumen memuat data pasien (Pasal 17 huruf h)."}
PAGE_BUDGET = 150 * 1024  # a page and its styles and scripts, before images, on a slow 3G connection
# The page's own bytes and those of its styles and scripts, uncompressed, as the browser measured them.
WEIGHT = """(() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const parts = performance.getEntriesByType("resource")
    .filter(r => ["link", "script", "css"].includes(r.initiatorType));
  return nav.decodedBodySize + parts.reduce((sum, r) => sum + r.decodedBodySize, 0);
})()"""


def _mail_to(dev: DevStack, address: str, subject_part: str) -> dict[str, Any]:
    for summary in dev.mailbox():
        if address in summary["to"] and subject_part in summary["subject"]:
            detail: dict[str, Any] = dev.api(
                "GET", f"/dev/mailbox/{summary['id']}", as_="admin@ppid.example"
            ).json()
            return detail
    raise AssertionError(
        f"no mail to {address} about {subject_part!r}: {[m['subject'] for m in dev.mailbox()]}"
    )


def _wait_mail(dev: DevStack, address: str, subject_part: str) -> dict[str, Any]:
    import time

    deadline = time.monotonic() + 30
    while True:
        try:
            return _mail_to(dev, address, subject_part)
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def _link(text: str, path_part: str) -> str:
    found = re.search(r"https?://\S*" + re.escape(path_part) + r"\S*", text)
    assert found, text
    return found.group(0)


async def _fill_request(page: Any, email: str, name: str = "Siti Aminah") -> None:
    await page.get_by_label("Nama").fill(name)
    await page.get_by_label("NIK").fill(NIK)
    await page.get_by_label("Alamat").fill("Jl. Jenderal Sudirman No. 1, Sanggau")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Telepon").fill("+62812000000")
    await page.get_by_label("Rincian informasi").fill("Salinan DPA program imunisasi Dinas Kesehatan 2026")
    await page.get_by_label("Tujuan").fill("Penelitian anggaran kesehatan")


async def test_a_citizen_submits_objects_and_goes_to_the_komisi_informasi(
    dev: DevStack, browser: Any
) -> None:
    email = "siti.portal@example.org"
    async with new_page(browser, js=False, viewport=PHONE) as page:  # the submit journey without JavaScript
        await page.goto(f"{dev.url}/")
        await screenshot(page, "publik-beranda")
        await page.get_by_role("link", name="Ajukan permohonan").first.click()
        if "body=" not in page.url:  # the home page may list the bodies first
            await page.goto(f"{dev.url}/permohonan/baru?body=kab-sanggau")
        await _fill_request(page, email)
        await screenshot(page, "publik-permohonan-baru")
        await page.get_by_role("button", name="Kirim").click()
        landing = await page.locator("main").inner_text()
        number = re.search(r"\d+/[A-Z0-9./-]+", landing)
        assert number, landing
        assert "Kode lacak" in landing or "kode lacak" in landing
        await screenshot(page, "publik-permohonan-terkirim")

    receipt = _wait_mail(dev, email, "Tanda terima")
    link = _link(receipt["text"], "/lacak/")
    request_id = link.split("/lacak/")[1].split("#")[0]
    assert "#kode=" in link

    assert dev.api("POST", f"/v1/requests/{request_id}/decision", as_=PPID, json=REFUSAL).status_code == 200
    async with new_page(browser, viewport=PHONE) as page:  # the emailed link, with JavaScript: one step
        await page.goto(link)
        await page.wait_for_load_state()
        case = await page.locator("main").inner_text()
        assert "Pasal 17 huruf h" in case and "rahasia pribadi" in case, case
        assert "kode" not in page.url.lower()  # the fragment is gone from the address bar
        await screenshot(page, "publik-perkara-ditolak")

        await page.get_by_role("link", name="Ajukan keberatan").click()
        await page.get_by_role("button", name="Kirim").click()  # nothing chosen: the error beside the reasons
        assert await page.get_by_role("alert").count() >= 1
        await page.get_by_label("penolakan").check()
        await page.get_by_label("Kasus posisi").fill("Saya meminta anggaran, bukan rekam medis pasien.")
        await screenshot(page, "publik-keberatan-baru")
        await page.get_by_role("button", name="Kirim").click()
        await page.wait_for_load_state()
        assert "Keberatan Anda tercatat" in await page.get_by_role("status").inner_text()

    case = dev.api("GET", f"/v1/requests/{request_id}", as_=PPID).json()
    [objection_id] = case["objections"]
    assert (
        dev.api("POST", f"/v1/objections/{objection_id}/response", as_=ATASAN, json=UPHELD).status_code == 200
    )

    async with new_page(browser, viewport=PHONE) as page:
        await page.goto(link)
        await page.wait_for_load_state()
        text = await page.locator("main").inner_text()
        assert "Menguatkan penolakan PPID" in text and "data pasien" in text, text
        await page.get_by_role("link", name="Ajukan sengketa ke Komisi Informasi").click()
        form = await page.locator("main").inner_text()
        assert "Komisi Informasi" in form
        await page.get_by_label("Pernyataan").fill(
            "Atasan menguatkan penolakan tanpa uji konsekuensi yang memadai."
        )
        await page.get_by_label("Tuntutan").fill("Memerintahkan pembukaan dokumen anggaran")
        await screenshot(page, "publik-sengketa-baru")
        await page.get_by_role("button", name="Kirim").click()
        await page.wait_for_load_state()
        assert "diajukan kepada Komisi Informasi" in await page.get_by_role("status").inner_text()

    [dispute] = [d for d in dev.api("GET", "/v1/disputes", as_=CLERK).json() if d["request_id"] == request_id]
    url = f"/v1/disputes/{dispute['id']}"
    assert dev.api("POST", f"{url}/registration", as_=CLERK, json={"register_number": "9/REG/KI"}).is_success
    assert dev.api("POST", f"{url}/stage", as_=CLERK, json={"stage": "adjudication"}).is_success
    async with new_page(browser, viewport=PHONE) as page:
        await page.goto(link)
        await page.wait_for_load_state()
        text = await page.locator("main").inner_text()
        assert "9/REG/KI" in text and "Ajudikasi" in text, text
        await screenshot(page, "publik-perkara-sengketa")


async def test_the_information_reaches_the_citizen_and_no_one_else(dev: DevStack, browser: Any) -> None:
    created = dev.submit(unit="dinkes", requester__email="rahmat.portal@example.org")
    other = dev.submit(unit="dinkes", requester__email="lain.portal@example.org")
    granted = dev.api("POST", f"/v1/requests/{created['id']}/decision", as_=DINKES,
                      json={"outcome": "granted", "note": "Salinan kami kirim."})  # fmt: skip
    assert granted.status_code == 200, granted.text
    today = (
        datetime.fromisoformat(dev.api("GET", "/v1/dev/clock").json()["now"])
        .astimezone(ZoneInfo("Asia/Pontianak"))
        .date()
    )
    async with new_page(browser, js=False) as page:  # the PPID delivers the file from the desk
        await sign_in(page, dev, DINKES)
        await page.goto(f"{dev.url}/staf/permohonan/{created['id']}")
        await page.get_by_label("Tanggal penyerahan").fill(today.isoformat())
        await page.get_by_label("Cara penyerahan").select_option("email")
        await page.get_by_label("Dokumen yang diserahkan").set_input_files(
            files=[{"name": "DPA imunisasi 2026.pdf", "mimeType": "application/pdf", "buffer": PDF}]
        )
        await page.get_by_role("button", name="Catat penyerahan").click()

    code = created["tracking_code"].replace("-", "").lower()  # typed without dashes, in lower case
    async with new_page(browser, js=False, viewport=PHONE) as page:
        await page.goto(f"{dev.url}/lacak")
        await page.get_by_label("Nomor pendaftaran").fill(created["registration_number"])
        await page.get_by_label("Kode").fill("AAAA-BBBB-CCCC")
        await page.get_by_role("button").filter(has_text=re.compile("lihat|lacak", re.I)).first.click()
        assert await page.get_by_role("link", name="DPA imunisasi 2026.pdf").count() == 0
        await page.get_by_label("Kode").fill(code)
        await page.get_by_role("button").filter(has_text=re.compile("lihat|lacak", re.I)).first.click()
        await screenshot(page, "publik-perkara-dokumen")
        async with page.expect_download() as info:
            await page.get_by_role("link", name="DPA imunisasi 2026.pdf").click()
        download = await info.value
        assert Path(await download.path()).read_bytes() == PDF
        href = await page.get_by_role("link", name="DPA imunisasi 2026.pdf").get_attribute("href")

    # Another case's proven session does not open this document, and neither does a fresh browser.
    assert href and href.startswith("/lacak/")
    async with httpx.AsyncClient(base_url=dev.url) as anyone:
        anonymous = await anyone.get(href)
        assert anonymous.status_code in (200, 401, 403, 404) and PDF not in anonymous.content
        form = await anyone.get(f"/lacak/{other['id']}")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token, form.text
        proven = await anyone.post(
            f"/lacak/{other['id']}", data={"csrf_token": token.group(1), "kode": other["tracking_code"]}
        )
        assert proven.status_code in (200, 303)
        stolen = await anyone.get(href)
        assert PDF not in stolen.content


PAGE_TYPES = ["/", "/permohonan/baru?body=kab-sanggau", "/lacak", "/lacak/kirim-ulang"]


def _answered_objection(dev: DevStack) -> tuple[dict[str, Any], str]:
    """A refused request whose objection the Atasan upheld: its requester may now go to the KI."""
    created = dev.submit()
    assert dev.api("POST", f"/v1/requests/{created['id']}/decision", as_=PPID, json=REFUSAL).is_success
    tracking = {"X-Tracking-Code": created["tracking_code"]}
    body = {
        "reasons": ["a"],
        "case_position": "Saya meminta anggaran, bukan rekam medis.",
        "purpose": "Penelitian",
    }
    filed = dev.api("POST", f"/v1/requests/{created['id']}/objections", headers=tracking, json=body)
    assert filed.status_code == 201, filed.text
    objection_id = filed.json()["id"]
    assert dev.api("POST", f"/v1/objections/{objection_id}/response", as_=ATASAN, json=UPHELD).is_success
    return created, objection_id


@pytest.mark.parametrize("viewport", [PHONE, {"width": 360, "height": 740}], ids=["390", "360"])
async def test_public_pages_pass_axe_fit_a_small_phone_and_stay_light(
    dev: DevStack, browser: Any, viewport: dict[str, int]
) -> None:
    refused = dev.submit()
    assert dev.api("POST", f"/v1/requests/{refused['id']}/decision", as_=PPID, json=REFUSAL).is_success
    answered, objection_id = _answered_objection(dev)
    async with new_page(browser, viewport=viewport, bypass_csp=True) as page:

        async def check(url: str | None = None) -> None:
            if url is not None:
                await page.goto(url)
            await page.wait_for_load_state("networkidle")
            where = page.url
            assert await serious_violations(page) == [], where
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"], f"{where} scrolls sideways at {viewport['width']} px ({width})"
            weight = await page.evaluate(WEIGHT)
            assert weight <= PAGE_BUDGET, f"{where}: {weight} bytes"

        for path in PAGE_TYPES:
            await check(f"{dev.url}{path}")
        await check(f"{dev.url}/lacak/{refused['id']}")  # not proven yet: the code form
        await check(f"{dev.url}/lacak/{refused['id']}#kode={refused['tracking_code']}")  # the case page
        await check(f"{dev.url}/lacak/{refused['id']}/keberatan")  # the objection form
        await check(
            f"{dev.url}/lacak/{answered['id']}#kode={answered['tracking_code']}"
        )  # the Atasan's answer
        await check(f"{dev.url}/lacak/{answered['id']}/keberatan/{objection_id}/sengketa")  # the KI form

        await page.goto(f"{dev.url}/permohonan/baru?body=kab-sanggau")  # submitted: the landing page
        await _fill_request(page, "axe.portal@example.org", name="Dewi Lestari")
        await page.get_by_role("button", name="Kirim").click()
        await check()
        assert "/terkirim" in page.url, page.url
        await check(page.url.replace("/terkirim", "/tanda-bukti"))
