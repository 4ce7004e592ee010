"""The request side of the staff desk in Chromium, against a real `ppid dev` stack: the case list, the case page
with the actions allowed now (assign, extend, decide with a Pasal 17 ground or with a Lampiran), the desk intake
and its tanda bukti; axe-core and a phone's width on every page type."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from domain.dates_id import format_datetime
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
UTAMA = "ppid@sanggau.example"
DINKES = "ppid.dinkes@sanggau.example"
ATASAN = "atasan.ppid@sanggau.example"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


async def flash(page: Any) -> str:
    text: str = await page.get_by_role("status").inner_text()
    return text


async def test_utama_assigns_then_the_unit_extends_once_and_refuses_on_a_pasal_17_ground(
    dev: DevStack, browser: Any
) -> None:
    """The whole journey with JavaScript off: plain forms, redirects after each post."""
    created = dev.submit(unit=None, requester__name="Rahmat Hidayat")
    number, case_url = created["registration_number"], f"{dev.url}/staf/permohonan/{created['id']}"
    async with new_page(browser, js=False) as page:
        await sign_in(page, dev, UTAMA)  # the inbox
        await page.get_by_role("link", name=number).click()
        assert page.url == case_url
        assert await page.get_by_role("button", name="Teruskan").count() == 1
        await page.get_by_label("Unit PPID Pelaksana").select_option("dinkes")
        await page.get_by_role("button", name="Teruskan").click()
        assert "diteruskan ke unit" in await flash(page)
        assert await page.get_by_text("Unit: Dinas Kesehatan").is_visible()
        await screenshot(page, "staf-permohonan-diteruskan")

    async with new_page(browser, js=False) as page:
        await sign_in(page, dev, DINKES)
        await page.goto(case_url)
        second_tab = await page.context.new_page()  # open before the extension: it still offers the form
        await second_tab.goto(case_url)
        await page.get_by_label("Alasan").fill("Dokumen anggaran masih dihimpun dari tiga puskesmas.")
        await page.get_by_role("button", name="Perpanjang").click()
        assert "diperpanjang 7 hari kerja" in await flash(page)
        assert await page.get_by_role("button", name="Perpanjang").count() == 0  # only what is allowed now
        assert (
            "T2: pemberitahuan tertulis setelah perpanjangan" in await page.locator("#tenggat").inner_text()
        )

        await second_tab.get_by_label("Alasan").fill("Sekali lagi, dokumennya banyak sekali.")
        await second_tab.get_by_role("button", name="Perpanjang").click()
        assert "sudah pernah diperpanjang" in await second_tab.locator("#ditolak-extend").inner_text()
        await screenshot(second_tab, "staf-perpanjangan-ditolak")
        assert (
            await second_tab.get_by_label("Alasan").input_value() == "Sekali lagi, dokumennya banyak sekali."
        )

        # A refusal without its Pasal 17 ground is refused beside the field, with what was typed kept.
        await page.get_by_label("Keputusan").select_option(label="Ditolak")
        await page.get_by_label("Catatan").fill("Dokumen memuat data kesehatan pasien.")
        await page.get_by_role("button", name="Simpan keputusan").click()
        assert "memerlukan dasar Pasal 17" in await page.locator("#e-pasal").inner_text()
        assert await page.get_by_label("Keputusan").input_value() == "rejected"
        await screenshot(page, "staf-keputusan-tanpa-pasal")
        assert await page.get_by_label("Catatan").input_value() == "Dokumen memuat data kesehatan pasien."
        await page.get_by_label("Pasal").select_option("17h")
        await page.get_by_label("Uji konsekuensi").fill(
            "Membuka rekam medis pasien merugikan hak atas rahasia pribadi; kepentingan publik tidak lebih besar."
        )
        await page.get_by_role("button", name="Simpan keputusan").click()
        assert "Keputusan tersimpan" in await flash(page)
        decided = await page.locator("#keputusan-tercatat").inner_text()
        assert "Pasal 17 huruf h: mengungkap rahasia pribadi" in decided
        assert await page.get_by_role("button", name="Simpan keputusan").count() == 0
        await screenshot(page, "staf-permohonan-ditolak")

    case = dev.api("GET", f"/v1/requests/{created['id']}", as_=DINKES).json()
    assert case["status"] == "decided" and case["unit"] == "dinkes"
    assert case["decision"]["exemption"]["article"] == "17h"
    assert {"assigned", "extended", "decided"} <= {e["event"] for e in case["timeline"]}


async def test_a_decision_with_its_lampiran_reaches_the_requester(dev: DevStack, browser: Any) -> None:
    created = dev.submit()
    async with new_page(browser) as page:
        await sign_in(page, dev, DINKES)
        await page.goto(f"{dev.url}/staf/permohonan/{created['id']}")
        await page.get_by_label("Keputusan").select_option(label="Diberikan")
        await page.get_by_label("Biaya").fill("Rp15.000")
        await page.get_by_label("Catatan").fill("Salinan terlampir.")
        lampiran = page.get_by_label("Lampiran")
        await lampiran.set_input_files(
            {"name": "jadwal.exe", "mimeType": "application/pdf", "buffer": b"MZ.."}
        )
        await page.get_by_role("button", name="Simpan keputusan").click()
        assert "Jenis berkas tidak diterima" in await page.locator("#e-lampiran").inner_text()
        assert await page.get_by_label("Catatan").input_value() == "Salinan terlampir."
        await page.get_by_label("Lampiran").set_input_files(
            {"name": "Salinan DPA imunisasi.pdf", "mimeType": "application/pdf", "buffer": PDF}
        )
        await page.get_by_role("button", name="Simpan keputusan").click()
        assert "Keputusan tersimpan" in await flash(page)
        async with page.expect_download() as info:
            await page.get_by_role("link", name="Salinan DPA imunisasi.pdf").click()
        download = await info.value
        assert download.suggested_filename == "Salinan DPA imunisasi.pdf"
        assert Path(await download.path()).read_bytes() == PDF

    mine = {"X-Tracking-Code": created["tracking_code"]}
    case = dev.api("GET", f"/v1/requests/{created['id']}", headers=mine).json()
    assert case["decision"]["fee_idr"] == 15000
    [document] = case["documents"]
    assert (document["filename"], document["kind"], document["size"]) == (
        "Salinan DPA imunisasi.pdf",
        "decision",
        len(PDF),
    )
    got = dev.api("GET", document["url"], headers=mine)
    assert got.status_code == 200 and got.content == PDF
    assert (
        got.headers["content-type"] == "application/pdf"
        and got.headers["x-content-type-options"] == "nosniff"
    )
    assert got.headers["content-disposition"].startswith("attachment;")
    assert dev.api("GET", document["url"], headers={"X-Tracking-Code": "AAAA-BBBB-CCCC"}).status_code == 404


async def test_desk_intake_ends_on_the_printable_tanda_bukti(dev: DevStack, browser: Any) -> None:
    async with new_page(browser, js=False) as page:
        await sign_in(page, dev, UTAMA)
        await page.get_by_role("link", name="Catat permohonan").click()
        await page.get_by_label("Lewat telepon").check()
        await page.get_by_label("Nama", exact=True).fill("Yohanes Apui")
        await page.get_by_label("NIK", exact=True).fill("6103019901900003")  # day of birth 99
        await page.get_by_label("Alamat").fill("Dusun Sungai Mawang RT 02, Kapuas")
        await page.get_by_role("textbox", name="Telepon").fill("+62811000111")
        await page.get_by_label("Rincian informasi").fill("Daftar penerima bantuan beasiswa daerah 2026")
        await page.get_by_label("Tujuan penggunaan informasi").fill("Pengawasan warga")
        await page.get_by_label("Diambil langsung di kantor PPID").check()
        await page.get_by_role("button", name="Catat permohonan").click()
        errors = await page.locator(".error-summary").inner_text() + await page.locator("#e-nik").inner_text()
        assert (
            "tanggal lahir" in errors.lower() and "6103019901900003" not in errors
        )  # the NIK is never echoed
        assert await page.get_by_label("Nama", exact=True).input_value() == "Yohanes Apui"  # the input kept
        assert await page.get_by_label("Lewat telepon").is_checked()
        await screenshot(page, "staf-catat-salah")
        await page.get_by_label("NIK", exact=True).fill("6103014501900003")
        await page.get_by_role("button", name="Catat permohonan").click()

        assert "/tanda-bukti" in page.url
        heading = page.get_by_role("heading", name="Tanda bukti penerimaan permohonan informasi publik")
        assert await heading.is_visible()
        receipt = await page.locator("article.receipt").inner_text()
        [found] = dev.api("GET", "/v1/requests?q=Yohanes", as_=UTAMA).json()
        assert (
            found["registration_number"] in receipt and found["channel"] == "phone" and found["unit"] is None
        )
        assert (
            format_datetime(datetime.fromisoformat(found["due_at"]), "Asia/Pontianak") in receipt
        )  # exact T1
        assert "Lewat telepon" not in receipt and "Telepon" in receipt
        code = (await page.locator(".code").inner_text()).strip()
        assert (
            dev.api("GET", f"/v1/requests/{found['id']}", headers={"X-Tracking-Code": code}).status_code
            == 200
        )
        assert await page.get_by_role("heading", name="Cetak").is_visible()
        assert not await page.get_by_role("button", name="Cetak tanda bukti").is_visible()  # no JS: the words
        await page.emulate_media(media="print")
        assert not await page.get_by_role("navigation", name="Menu petugas").is_visible()
        assert not await page.get_by_role("heading", name="Cetak").is_visible()
        assert await heading.is_visible()
        await page.emulate_media(media="screen")
        await screenshot(page, "staf-tanda-bukti")


async def test_request_pages_pass_axe_fit_a_phone_and_are_read_only_for_the_atasan(
    dev: DevStack, browser: Any
) -> None:
    open_case = dev.submit()
    decided = dev.submit(unit=None)
    refusal = {"outcome": "partially_granted", "redactions": "Nama pasien",
               "exemption": {"article": "17h", "consequence_test": "Data pribadi pasien dihitamkan."}}  # fmt: skip
    assert (
        dev.api("POST", f"/v1/requests/{decided['id']}/decision", as_=UTAMA, json=refusal).status_code == 200
    )
    paths = [
        "/staf/permohonan", "/staf/permohonan?status=received&q=siti", f"/staf/permohonan/{open_case['id']}",
        f"/staf/permohonan/{decided['id']}", "/staf/permohonan/baru", f"/staf/permohonan/{decided['id']}/tanda-bukti",
    ]  # fmt: skip
    async with new_page(browser, bypass_csp=True) as page:
        await sign_in(page, dev, UTAMA)
        for path in paths:
            if path != "/staf/permohonan/baru" and "?" not in path:  # the intake is scanned with its errors
                await page.goto(dev.url + path)
                assert await serious_violations(page) == [], path
        await page.goto(f"{dev.url}/staf/permohonan/baru")
        await page.get_by_role("button", name="Catat permohonan").click()  # every field's error beside it
        assert await page.locator(".field-error").count() >= 4
        assert await serious_violations(page) == []
    async with new_page(browser, viewport=PHONE) as page:
        await sign_in(page, dev, UTAMA)
        for path in paths:
            await page.goto(dev.url + path)
            assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
        await screenshot(page, "staf-permohonan-ponsel")
    async with new_page(browser, js=False, viewport=PHONE) as page:
        await sign_in(page, dev, ATASAN)
        await page.goto(f"{dev.url}/staf/permohonan")
        await page.get_by_role("link", name=open_case["registration_number"]).click()
        await page.get_by_text("Tampilan baca saja").wait_for()  # the case page, once the navigation is done
        assert await page.locator("main form").count() == 0  # no action for the Atasan PPID
    # A form posted without a session or its token changes nothing.
    unsigned = dev.api("POST", f"/staf/permohonan/{open_case['id']}/perpanjangan", data={"alasan": "x" * 20})
    assert unsigned.status_code == 403
    assert dev.api("GET", f"/v1/requests/{open_case['id']}", as_=UTAMA).json()["extended"] is False


async def test_the_ppid_records_a_late_objection_for_the_requester(dev: DevStack, browser: Any) -> None:
    """Last in the module: it moves the simulated clock past the objection window (T3, 30 working days)."""
    created = dev.submit()
    refusal = {
        "outcome": "rejected",
        "exemption": {"article": "17h", "consequence_test": "Data pribadi pasien."},
    }
    assert (
        dev.api("POST", f"/v1/requests/{created['id']}/decision", as_=DINKES, json=refusal).status_code == 200
    )
    dev.advance(days=60)
    async with new_page(browser) as page:
        await sign_in(page, dev, DINKES)
        await page.goto(f"{dev.url}/staf/permohonan/{created['id']}")
        await page.get_by_label("a. penolakan").check()
        await page.get_by_label("Kasus posisi").fill(
            "Surat penolakan baru diterima setelah pemohon pindah alamat."
        )
        await page.get_by_label("Tujuan", exact=True).fill("Informasi dibuka")
        await page.get_by_role("button", name="Catat keberatan").click()  # late, without saying why
        assert "sudah berakhir" in await page.locator("#e-alasan_terlambat").inner_text()
        assert await page.get_by_label("a. penolakan").is_checked()
        await page.get_by_label("Mengapa keberatan yang terlambat").fill(
            "Pemberitahuan tertulis kembali ke kantor karena alamat pemohon berubah."
        )
        await page.get_by_role("button", name="Catat keberatan").click()
        assert "Keberatan dicatat" in await flash(page)
        assert (
            await page.get_by_role("button", name="Catat keberatan").count() == 0
        )  # one objection at a time
        link = page.get_by_role("link", name="/KEB/")
        objection = dev.api("GET", str(await link.get_attribute("href")).replace("/staf/keberatan/", "/v1/objections/"),
                            as_=DINKES).json()  # fmt: skip
    assert objection["reasons"] == ["a"] and "alamat pemohon berubah" in objection["late_override_reason"]


async def test_the_ppid_records_the_delivery_a_grant_demands(dev: DevStack, browser: Any) -> None:
    """A grant opens a delivery task that only a recorded delivery ends (never closed silently)."""
    from zoneinfo import ZoneInfo

    created = dev.submit()
    granted = dev.api(
        "POST", f"/v1/requests/{created['id']}/decision", as_=DINKES,
        json={"outcome": "granted", "note": "Salinan dikirim lewat email."},
    )  # fmt: skip
    assert granted.status_code == 200, granted.text
    today = (
        datetime.fromisoformat(dev.api("GET", "/v1/dev/clock").json()["now"])
        .astimezone(ZoneInfo("Asia/Pontianak"))
        .date()
    )
    async with new_page(browser, js=False) as page:
        await sign_in(page, dev, DINKES)
        await page.goto(f"{dev.url}/staf/permohonan/{created['id']}")
        await page.get_by_role("button", name="Catat penyerahan").click()  # nothing filled in
        assert await page.get_by_label("Tanggal penyerahan").get_attribute("aria-invalid") == "true"
        await page.get_by_label("Catatan penyerahan").fill("Dikirim ke alamat email pemohon")
        await page.get_by_label("Tanggal penyerahan").fill(today.isoformat())
        await page.get_by_label("Cara penyerahan").select_option("email")
        await page.get_by_label("Dokumen yang diserahkan").set_input_files(
            files=[{"name": "salinan.pdf", "mimeType": "application/pdf", "buffer": PDF}]
        )
        await page.get_by_role("button", name="Catat penyerahan").click()
        assert "Penyerahan informasi tercatat" in await flash(page)
        assert await page.get_by_role("button", name="Catat penyerahan").count() == 0
        assert await page.get_by_role("link", name="salinan.pdf").count() == 1
        await screenshot(page, "staf-penyerahan-tercatat")
    tasks = dev.api("GET", "/v1/tasks", as_=DINKES).json()
    assert not [t for t in tasks if t["case_id"] == created["id"] and t["kind"] == "deliver_information"]
