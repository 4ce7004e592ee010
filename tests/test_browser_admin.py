"""The admin's desk in Chromium (against a real `ppid dev` stack): a regional holiday declared after a review of
the cases it moves, then cancelled with JavaScript off; accounts; the directory; the 403 page for other roles;
axe-core and a phone's width on every admin page."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from domain.dates_id import format_date
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

ADMIN = "admin@ppid.example"
PPID = "ppid@sanggau.example"
SANGGAU = ZoneInfo("Asia/Pontianak")
PAGES = ["/staf/admin/kalender", "/staf/admin/pengguna", "/staf/admin/direktori"]


def _next_working_day(dev: DevStack, after: date) -> date:
    holidays: set[str] = set()
    for year in (after.year, after.year + 1):
        answer = dev.api("GET", "/v1/calendar/holidays", params={"year": year, "body": "kab-sanggau"}).json()
        holidays |= {h["date"] for h in answer["holidays"]}
    day = after + timedelta(days=1)
    while day.weekday() >= 5 or day.isoformat() in holidays:
        day += timedelta(days=1)
    return day


def _local_day(iso: str) -> date:
    return datetime.fromisoformat(iso).astimezone(SANGGAU).date()


async def _due_after_change(dev: DevStack, request_id: str, old: str) -> str:
    """The request's T1 once its workflow has recomputed it (asynchronously, after the signal)."""
    for _ in range(300):
        due: str = dev.api("GET", f"/v1/requests/{request_id}", as_=PPID).json()["due_at"]
        if due != old:
            return due
        await asyncio.sleep(0.1)
    raise AssertionError(f"T1 stayed {old}")


async def test_a_regional_holiday_is_reviewed_saved_and_moves_the_open_request(
    dev: DevStack, browser: Any
) -> None:
    created = dev.submit()
    number = created["registration_number"]
    today = _local_day(dev.api("GET", "/v1/dev/clock", as_=ADMIN).json()["now"])
    holiday = _next_working_day(dev, today)  # inside the request's T1 (10 working days from today)
    old_day = _local_day(created["due_at"])

    async with new_page(browser, bypass_csp=True) as page:
        await sign_in(page, dev, ADMIN)
        await page.goto(f"{dev.url}/staf/admin/kalender?tahun={holiday.year}&badan=kab-sanggau")
        await page.get_by_label("Tanggal").fill(holiday.isoformat())
        await page.get_by_label("Nama", exact=True).fill("Hari Jadi Kabupaten Sanggau")
        await page.get_by_label("Badan publik").select_option("kab-sanggau")
        await page.get_by_label("Alasan").fill("Perda Kabupaten Sanggau tentang Hari Jadi")
        await page.get_by_role("button", name="Tinjau").click()

        # The review: which open cases move, old date -> new date; nothing saved yet.
        assert "Tinjau perubahan kalender" in await page.title()
        row = page.get_by_role("row").filter(has=page.get_by_role("link", name=number))
        text = await row.inner_text()
        assert format_date(old_day) in text and format_date(_next_working_day(dev, old_day)) in text, text
        assert await page.get_by_label("Konfirmasi tanggal lebih awal").count() == 0  # a later date only
        assert dev.api("GET", f"/v1/requests/{created['id']}", as_=PPID).json()["due_at"] == created["due_at"]
        assert await serious_violations(page) == []
        await screenshot(page, "admin-kalender-tinjau")
        await page.get_by_role("button", name="Simpan perubahan kalender").click()

        assert "/staf/admin/kalender" in page.url
        assert await page.get_by_role("heading", name="Perubahan kalender disimpan").is_visible()
        link = page.get_by_role("link", name=number)
        assert await link.get_attribute("href") == f"/staf/permohonan/{created['id']}"
        assert await page.get_by_role("cell", name="Hari Jadi Kabupaten Sanggau").first.is_visible()
        await screenshot(page, "admin-kalender-disimpan")

    moved = await _due_after_change(dev, created["id"], created["due_at"])
    assert _local_day(moved) == _next_working_day(dev, old_day)  # one working day later, on the new calendar

    # The same day cancelled again, with JavaScript off: the told date would move earlier, so it is confirmed.
    async with new_page(browser, js=False, viewport=PHONE) as page:
        await sign_in(page, dev, ADMIN)
        await page.goto(f"{dev.url}/staf/admin/kalender?tahun={holiday.year}&badan=kab-sanggau")
        await page.get_by_role("button", name=f"Batalkan {format_date(holiday)}").click()
        row = page.get_by_role("row").filter(has=page.get_by_role("link", name=number))
        assert "lebih awal" in await row.inner_text()
        await page.get_by_label("Alasan").fill("Perda dicabut")
        await page.get_by_label("Konfirmasi tanggal lebih awal").check()
        await page.get_by_role("button", name="Simpan perubahan kalender").click()
        assert await page.get_by_role("heading", name="Perubahan kalender disimpan").is_visible()
    back = await _due_after_change(dev, created["id"], moved)
    assert _local_day(back) == old_day


async def test_a_bad_email_is_said_beside_the_field_with_the_input_kept(dev: DevStack, browser: Any) -> None:
    async with new_page(browser, js=False, viewport=PHONE) as page:
        await sign_in(page, dev, ADMIN)
        await page.goto(f"{dev.url}/staf/admin/pengguna")
        await page.get_by_label("Email").fill("rina-sanggau")
        await page.get_by_label("Nama", exact=True).fill("Rina Marlina")
        await page.get_by_label("Peran").select_option("ppid")
        await page.get_by_label("Unit").select_option("kab-sanggau/dinkes")
        await page.get_by_role("button", name="Buat akun").click()
        email = page.get_by_label("Email")
        assert await email.input_value() == "rina-sanggau"
        assert await email.get_attribute("aria-invalid") == "true"
        assert "Alamat email tidak sah" in await page.locator("#e-email").inner_text()
        assert await page.get_by_label("Nama", exact=True).input_value() == "Rina Marlina"
        assert await page.get_by_label("Unit").input_value() == "kab-sanggau/dinkes"
        await screenshot(page, "admin-pengguna-salah")

        # Corrected: the account is made with a password generated and shown once; it can sign in.
        await email.fill("rina@sanggau.example")
        await page.get_by_role("button", name="Buat akun").click()
        password = (await page.locator(".secret code").inner_text()).strip()
        await screenshot(page, "admin-pengguna-sandi-baru")
        assert len(password) >= 16
    token = dev.api("POST", "/v1/auth/token", data={"username": "rina@sanggau.example", "password": password})
    assert token.status_code == 200
    accounts = {a["email"]: a for a in dev.api("GET", "/v1/users", as_=ADMIN).json()}
    assert accounts["rina@sanggau.example"]["unit"] == "dinkes"


async def test_admin_pages_pass_axe_and_fit_a_phone_and_others_get_403(dev: DevStack, browser: Any) -> None:
    async with new_page(browser, viewport=PHONE, bypass_csp=True) as page:
        await sign_in(page, dev, ADMIN)
        for name, path in [*zip(("kalender", "pengguna", "direktori"), PAGES, strict=True),
                           ("kata-sandi", f"/staf/admin/pengguna/{PPID}/kata-sandi")]:  # fmt: skip
            answer = await page.goto(f"{dev.url}{path}")
            assert answer is not None and answer.status == 200, path
            assert await serious_violations(page) == [], path
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, (path, width)
            await screenshot(page, f"admin-{name}-hp")
    async with new_page(browser) as page:
        await sign_in(page, dev, PPID)
        for path in PAGES:
            answer = await page.goto(f"{dev.url}{path}")
            assert answer is not None and answer.status == 403, path
            assert await page.get_by_role("heading", name="Tidak diizinkan").is_visible()
        assert await page.get_by_role("link", name="Kalender").count() == 0  # not in the menu either
