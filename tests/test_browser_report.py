"""The yearly report and the unit evaluation in Chromium (against a real `ppid dev` stack): the PPID Utama
writes a narrative section (kept after saving, no JavaScript needed), sees the charts with their tables,
the evaluation names the late PPID Pelaksana in words and colours; the public statistics page; axe at 390 px."""

from __future__ import annotations

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
PPID_SANGGAU = "ppid@sanggau.example"
POLICY = "Peraturan Bupati tentang layanan informasi publik ditetapkan pada Maret."


async def test_the_ppid_utama_writes_the_report_and_sees_the_late_unit(dev: DevStack, browser: Any) -> None:
    answered, _silent = dev.submit(), dev.submit(unit="bpkad")
    decided = dev.api("POST", f"/v1/requests/{answered['id']}/decision", as_="ppid.dinkes@sanggau.example",
                      json={"outcome": "granted"})  # fmt: skip
    assert decided.status_code == 200, decided.text
    dev.advance(days=16)  # past BPKAD's 10 working days
    year = dev.api("GET", "/v1/dev/clock").json()["now"][:4]

    async with new_page(browser, js=False) as page:
        await sign_in(page, dev, PPID_SANGGAU)
        await page.get_by_role("link", name="Laporan").click()
        await page.goto(f"{dev.url}/staf/laporan/{year}")
        await page.get_by_label("Gambaran umum kebijakan layanan informasi publik").fill(POLICY)
        await page.get_by_role("button", name="Simpan uraian").click()
        assert "Uraian laporan tersimpan" in await page.get_by_role("status").inner_text()
        assert (
            await page.get_by_label("Gambaran umum kebijakan layanan informasi publik").input_value()
            == POLICY
        )
        chart = page.get_by_role("img", name="Permohonan informasi per bulan", exact=False)
        assert await chart.is_visible() and await chart.evaluate("i => i.naturalWidth > 0")
        table = page.get_by_role("table", name="Permohonan informasi per bulan (tabel data grafik)")
        assert "Desember" in await table.inner_text()
        await screenshot(page, "staf-laporan-1366")

        await page.goto(f"{dev.url}/staf/evaluasi-unit?year={year}")
        ranking = page.get_by_role("table", name="Peringkat unit")
        rows = await ranking.get_by_role("row").all_inner_texts()
        # Dinas Kesehatan answered in time; BPKAD never did (0%); a unit without requests is not ranked above.
        assert "Dinas Kesehatan" in rows[1] and "Badan Pengelola Keuangan" in rows[2] and "0,0%" in rows[2]
        heat = page.get_by_role("table", name="Keadaan tenggat per unit dan bulan")
        late = heat.get_by_role("row", name="Badan Pengelola Keuangan", exact=False)
        cell = late.get_by_role("cell", name="1 lewat tenggat, belum dijawab")
        assert await cell.get_attribute("class") == "heat-overdue"  # colour and words
        await screenshot(page, "staf-evaluasi-unit-1366")

    async with new_page(browser, viewport=PHONE, bypass_csp=True) as page:
        await sign_in(page, dev, PPID_SANGGAU)
        for path, name in ((f"/staf/laporan/{year}", "staf-laporan-390"),
                           (f"/staf/evaluasi-unit?year={year}", "staf-evaluasi-unit-390")):  # fmt: skip
            await page.goto(f"{dev.url}{path}")
            assert await serious_violations(page) == [], path
            await screenshot(page, name)
        for viewport, name in ((PHONE, "publik-statistik-390"), (DESKTOP, "publik-statistik-1366")):
            await page.set_viewport_size(viewport)
            await page.goto(f"{dev.url}/statistik/kab-sanggau?tahun={year}")
            assert await page.get_by_role("heading", name="Statistik layanan informasi publik").is_visible()
            assert await serious_violations(page) == []
            await screenshot(page, name)
