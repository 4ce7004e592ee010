"""The monev desk in Chromium, against a real `ppid dev --clock simulated` stack: the Komisi Informasi creates the
year's round, is refused weights that do not sum to 100 (said beside the weights, the input kept), opens it; the
PPID Utama of a body fills in its self-assessment with evidence without JavaScript on a phone and submits it; the
window closes; the KI scores every answer and publishes the ranking, public with its CSV; axe-core and a 390 px
phone on the verification page and the public ranking."""

from __future__ import annotations

from datetime import datetime, timedelta
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

KI = "sengketa@ki-kalteng.example"
PPID = "ppid@kaltengprov.example"
BODY_NAME = "Pemerintah Provinsi Kalimantan Tengah"


async def test_a_monev_round_from_opening_to_the_published_ranking(dev: DevStack, browser: Any) -> None:
    now = datetime.fromisoformat(dev.api("GET", "/v1/dev/clock").json()["now"])
    year, today = now.year, now.date()
    closes = today + timedelta(days=14)
    async with new_page(browser) as page:
        await sign_in(page, dev, KI)
        await page.get_by_role("link", name="Monev", exact=True).click()
        await page.get_by_label("Tahun monev").fill(str(year))
        await page.get_by_label("Pengisian dibuka").fill(today.isoformat())
        await page.get_by_label("Pengisian ditutup").fill(closes.isoformat())
        await page.get_by_label("Batas verifikasi").fill((closes + timedelta(days=14)).isoformat())
        await page.get_by_role("button", name="Buat monev").click()
        await page.get_by_role("status").filter(has_text="enam indikator").wait_for()
        await page.get_by_label("Bobot JI (%)").fill("30")
        await page.get_by_role("button", name="Simpan kuesioner").click()
        assert "sekarang 90" in await page.locator("#e-weights").inner_text()
        assert await page.get_by_label("Bobot JI (%)").input_value() == "30"
        # A name too long (one word of 440 letters) is refused and kept; it wraps, the page stays as wide.
        sp = page.get_by_label("Nama indikator SP")
        original = await sp.input_value()
        long_name = "Keterbukaan" * 40
        await sp.fill(long_name)
        await page.get_by_label("Bobot JI (%)").fill("40")
        await page.get_by_role("button", name="Simpan kuesioner").click()
        assert "200" in await page.locator("#e-n-SP").inner_text()
        assert await sp.input_value() == long_name
        await page.set_viewport_size(PHONE)
        assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        await sp.fill(original)
        await page.get_by_role("button", name="Simpan kuesioner").click()
        await page.get_by_role("status").filter(has_text="Kuesioner tersimpan").wait_for()
        await page.get_by_role("button", name="Buka pengisian kuesioner").click()
        await page.get_by_role("status").filter(has_text="Pengisian kuesioner dibuka").wait_for()
        assert await page.get_by_role("button", name="Simpan kuesioner").count() == 0

    async with new_page(browser, js=False, viewport=PHONE) as page:
        await sign_in(page, dev, PPID)
        await page.get_by_role("link", name="Monev", exact=True).click()
        await page.get_by_role("link", name=f"Monev {year}").click()
        await page.wait_for_url(f"**/staf/monev/ki-kalteng/{year}")
        await page.get_by_text(
            "Isian otomatis dari register"
        ).first.wait_for()  # the figures of the registers
        answers = page.locator("textarea[name^='answer-']")
        for n in range(await answers.count()):
            await answers.nth(n).fill("Ya; data dukung terlampir.")
        await page.get_by_label("Tautan data dukung SP.1").fill("https://ppid.kaltengprov.example/layanan")
        await page.get_by_label("Berkas data dukung SP.1").set_input_files(
            {"name": "foto-meja-layanan.png", "mimeType": "image/png", "buffer": b"\x89PNG\r\n\x1a\n0000"}
        )
        await page.get_by_role("button", name="Simpan jawaban").click()
        await page.get_by_role("status").filter(has_text="Jawaban tersimpan").wait_for()
        assert await page.get_by_role("link", name="foto-meja-layanan.png").is_visible()
        await page.get_by_role("button", name="Kirim kuesioner").click()
        await page.get_by_role("status").filter(has_text="Kuesioner terkirim").wait_for()
        assert await page.get_by_role("button", name="Simpan jawaban").count() == 0

    closes_at = datetime.combine(closes, datetime.max.time()).isoformat() + "+07:00"
    dev.advance(until=(datetime.fromisoformat(closes_at) + timedelta(minutes=5)).isoformat())

    async with new_page(browser) as page:
        await sign_in(page, dev, KI)
        await page.goto(f"{dev.url}/ki/monev/{year}")
        await page.get_by_role("link", name=BODY_NAME).click()
        await page.wait_for_url("**/badan/prov-kalteng")
        assert await page.get_by_role("link", name="foto-meja-layanan.png").is_visible()
        scores = page.locator("input[name^='score-']")
        for n in range(await scores.count()):
            await scores.nth(n).fill("90")
        await page.get_by_label("Nilai SP.1", exact=True).fill("nilai")
        await page.get_by_role("button", name="Simpan nilai").click()
        assert "0 sampai 100" in await page.locator("#e-score-" + await _first_id(page)).inner_text()
        await page.get_by_label("Nilai SP.1", exact=True).fill("70")
        await page.get_by_role("button", name="Simpan nilai").click()
        await page.get_by_role("status").filter(has_text="Nilai tersimpan").wait_for()
        await screenshot(page, "monev-ki-verifikasi")
        await page.set_viewport_size(PHONE)
        await screenshot(page, "monev-ki-verifikasi-ponsel")
        await page.set_viewport_size(DESKTOP)
        await page.get_by_role("link", name=f"Monev {year}").click()
        await page.get_by_role("button", name="Umumkan hasil monev").click()
        await page.get_by_role("status").filter(has_text="Hasil monev diumumkan").wait_for()
        verification_path = f"/ki/monev/{year}/badan/prov-kalteng"

    async with new_page(browser) as page:  # the public, without signing in
        await page.goto(f"{dev.url}/monev/ki-kalteng/{year}")
        row = page.get_by_role("row").filter(has_text=BODY_NAME)
        # SP.1 scored 70, every other question 90: SP = (70 + 90 + 90) / 3, weight 10.
        assert "89,33" in await row.inner_text() and "Menuju Informatif" in await row.inner_text()
        assert (
            "Tidak Informatif" in await page.get_by_role("row").filter(has_text="Barito Utara").inner_text()
        )
        csv = await page.request.get(f"{dev.url}/monev/ki-kalteng/{year}.csv")
        assert BODY_NAME in await csv.text()
        await screenshot(page, "monev-peringkat")
        await page.set_viewport_size(PHONE)
        await screenshot(page, "monev-peringkat-ponsel")

    problems = {}
    for email, path in ((KI, verification_path), (None, f"/monev/ki-kalteng/{year}")):
        async with new_page(browser, viewport=PHONE, bypass_csp=True) as page:
            if email:
                await sign_in(page, dev, email)
            await page.goto(f"{dev.url}{path}")
            violations = await serious_violations(page)
            width = await page.evaluate("document.documentElement.scrollWidth")
            if violations or width > PHONE["width"]:
                problems[path] = (violations, width)
    assert problems == {}


async def _first_id(page: Any) -> str:
    name = await page.get_by_label("Nilai SP.1", exact=True).get_attribute("name")
    return str(name).removeprefix("score-")
