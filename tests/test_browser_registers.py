"""The public registers and the desk's DIP in Chromium, against a real `ppid dev --clock simulated` stack: a DIK
entry made through the consequence-test chain (Pelaksana drafts, PPID Utama forwards, Atasan approves) and the
body's DIP entries are shown at /dik/{body} and /dip/{body} on a 390 px phone, pass axe-core and never scroll
sideways; the request form points to the DIP; a PPID adds a DIP entry through the desk's form and it is public.
Screenshots (PPID_SCREENSHOTS) at 390x844 and 1366x768."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.browser_support import (
    DESKTOP,
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
INFORMATION = "Rekam medis pasien puskesmas"
DIP = {
    "summary": "Realisasi pendapatan dan belanja daerah tahun anggaran 2025, per organisasi perangkat daerah.",
    "responsible_officer": "Kepala Bidang Anggaran BPKAD", "made_when": "Januari 2026", "made_place": "Sanggau",
    "form": "Tercetak dan elektronik", "retention": "10 tahun",
}  # fmt: skip


def _set_up(dev: DevStack) -> str:
    """Two DIP entries and one DIK entry in force (its id) through the API."""
    for title, category, unit, url in [
        ("Laporan Realisasi Anggaran 2025", "berkala", "bpkad", "https://sanggau.example/lra-2025.pdf"),
        ("Peringatan dini banjir Sungai Kapuas", "serta_merta", None, None),
    ]:
        made = dev.api(
            "POST",
            "/v1/dip",
            as_=UTAMA,
            json=DIP | {"title": title, "category": category, "unit": unit, "url": url},
        )
        assert made.status_code == 201, made.text
    test = dev.api(
        "POST", "/v1/consequence-tests", as_=DINKES,
        json={
            "body": "kab-sanggau", "unit": "dinkes", "information": INFORMATION,
            "documents": "Berkas rekam medis di 19 puskesmas", "article": "17h", "point": 2,
            "harm": "Membuka riwayat dan kondisi kesehatan pasien tanpa persetujuannya.",
            "public_interest": "Tidak ada kepentingan publik yang lebih besar daripada hak atas rahasia pribadi.",
            "conclusion": "closed", "exemption_condition": "Sampai pasien memberi persetujuan tertulis",
        },
    )  # fmt: skip
    assert test.status_code == 201, test.text
    test_id = test.json()["id"]
    forward = {"action": "forward", "note": "Lengkap; diteruskan untuk persetujuan."}
    reviewed = dev.api("POST", f"/v1/consequence-tests/{test_id}/review", as_=UTAMA, json=forward)
    assert reviewed.status_code == 200, reviewed.text
    approval = {"approve": True, "note": "Disetujui."}
    approved = dev.api("POST", f"/v1/consequence-tests/{test_id}/approval", as_=ATASAN, json=approval)
    assert approved.status_code == 200, approved.text
    deadline = time.monotonic() + 30
    while True:  # the workflow writes the entry: wait for it, not for a length of time
        state = dev.api("GET", f"/v1/consequence-tests/{test_id}", as_=UTAMA).json()
        if state.get("dik_entry_id"):
            return str(state["dik_entry_id"])
        assert time.monotonic() < deadline, state
        time.sleep(0.2)


async def test_public_registers_on_a_phone_and_the_desk_adds_a_dip_entry(dev: DevStack, browser: Any) -> None:
    entry_id = _set_up(dev)
    pages = {
        "publik-dip": "/dip/kab-sanggau", "publik-dik": "/dik/kab-sanggau",
        "publik-dik-entri": f"/dik/kab-sanggau/{entry_id}",
        "publik-permohonan-dip": "/permohonan/baru?body=kab-sanggau&cari=banjir",
    }  # fmt: skip
    async with new_page(browser, viewport=PHONE, bypass_csp=True) as page:
        for name, path in pages.items():
            await page.goto(f"{dev.url}{path}")
            assert await serious_violations(page) == [], path
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{path} scrolls sideways ({width} px)"
            if name in ("publik-dip", "publik-dik"):
                await screenshot(page, f"{name}-390")
        main = await page.goto(f"{dev.url}/dik/kab-sanggau")
        assert main is not None and main.status == 200
        assert INFORMATION in await page.locator("main").inner_text()
        await page.get_by_role("link", name=INFORMATION, exact=True).click()
        entry = await page.locator("main").inner_text()
        assert page.url.endswith(f"/dik/kab-sanggau/{entry_id}") and "Riwayat" in entry and "/UK/" in entry
        await page.goto(f"{dev.url}/permohonan/baru?body=kab-sanggau")
        await page.get_by_label("Cari di Daftar Informasi Publik").fill("banjir")
        await page.get_by_role("button", name="Cari informasi").click()
        assert "tidak perlu diminta" in await page.locator("main").inner_text()
        assert await page.get_by_role("link", name="Peringatan dini banjir Sungai Kapuas").count() == 1

    async with new_page(browser, viewport=DESKTOP) as page:  # the desk, JavaScript and CSP on
        await sign_in(page, dev, UTAMA)
        await page.get_by_role("link", name="DIP", exact=True).click()
        await page.get_by_role("link", name="Tambah entri DIP").click()
        await page.get_by_label("Judul informasi").fill("Rencana Kerja Pemerintah Daerah 2027")
        await page.get_by_label("Ringkasan isi informasi").fill(
            "Prioritas pembangunan dan pagu indikatif 2027."
        )
        await page.get_by_label("Kategori").select_option("setiap_saat")
        await page.get_by_label("Unit yang menguasai informasi").select_option("")
        await page.get_by_label("Penanggung jawab informasi").fill("Kepala Bappeda")
        await page.get_by_label("Waktu pembuatan").fill("Mei 2026")
        await page.get_by_label("Tempat pembuatan").fill("Sanggau")
        await page.get_by_label("Bentuk informasi").fill("Elektronik")
        await page.get_by_label("Jangka waktu penyimpanan").fill("5 tahun")
        await page.get_by_role("button", name="Simpan entri").click()
        await page.wait_for_load_state()
        assert page.url.endswith("/staf/dip"), page.url
        assert "ditambahkan ke Daftar Informasi Publik" in await page.locator("main").inner_text()
        await screenshot(page, "staf-dip-1366")
        for name, path in pages.items():
            if name in ("publik-dip", "publik-dik"):
                await page.goto(f"{dev.url}{path}")
                await screenshot(page, f"{name}-1366")
        await page.goto(f"{dev.url}/dip/kab-sanggau")
        assert "Rencana Kerja Pemerintah Daerah 2027" in await page.locator("main").inner_text()

    async with new_page(browser, viewport=PHONE, bypass_csp=True) as page:
        await sign_in(page, dev, UTAMA)
        for path in ("/staf/dip", "/staf/dip/baru", "/staf/cari-pengecualian?q=rekam"):
            await page.goto(f"{dev.url}{path}")
            assert await serious_violations(page) == [], path
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{path} scrolls sideways ({width} px)"
        assert INFORMATION in await page.locator("main").inner_text()
        await page.goto(f"{dev.url}/staf/dip")
        await screenshot(page, "staf-dip-390")
