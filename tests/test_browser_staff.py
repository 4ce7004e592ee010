"""The staff desk in Chromium: sign-in, the inbox, sessions and CSRF (against a real `ppid dev` stack)."""

from __future__ import annotations

from typing import Any

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


async def test_sign_in_inbox_and_back_where_the_officer_was(dev: DevStack, browser: Any) -> None:
    created = dev.submit()
    async with new_page(browser) as page:
        await page.goto(f"{dev.url}/staf?sla=on_track")
        assert "/staf/masuk" in page.url  # not signed in: to the sign-in page, and back after it
        await page.get_by_label("Email").fill("ppid@sanggau.example")
        await page.get_by_label("Kata sandi").fill("demo-ppid-2026")
        await page.get_by_role("button", name="Masuk").click()
        assert page.url.endswith("/staf?sla=on_track")
        link = page.get_by_role("link", name=created["registration_number"])
        assert await link.get_attribute("href") == f"/staf/permohonan/{created['id']}"
        assert await page.get_by_role("cell", name="Sesuai jadwal").is_visible()  # in words, not colour alone
        await screenshot(page, "staf-inbox")
        await page.get_by_role("button", name="Keluar").click()
        assert "/staf/masuk" in page.url
        await page.goto(f"{dev.url}/staf")
        assert "/staf/masuk" in page.url


async def test_a_wrong_password_is_said_beside_the_field_and_the_email_kept(
    dev: DevStack, browser: Any
) -> None:
    async with new_page(browser, js=False, viewport=PHONE) as page:
        await page.goto(f"{dev.url}/staf/masuk")
        await page.get_by_label("Email").fill("ppid@sanggau.example")
        await page.get_by_label("Kata sandi").fill("bukan-sandinya")
        await page.get_by_role("button", name="Masuk").click()
        assert await page.get_by_label("Email").input_value() == "ppid@sanggau.example"
        password = page.get_by_label("Kata sandi")
        assert await password.get_attribute("aria-invalid") == "true"
        assert "Email atau kata sandi salah" in await page.locator("#e-kata_sandi").inner_text()
        await screenshot(page, "staf-masuk-salah")


def test_forms_without_the_token_or_from_another_origin_are_refused(dev: DevStack) -> None:
    with httpx.Client(base_url=dev.url) as http:
        page = http.get("/staf/masuk")
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        form = {"email": "ppid@sanggau.example", "kata_sandi": "demo-ppid-2026", "lanjut": "/staf"}
        assert http.post("/staf/masuk", data=form).status_code == 403
        assert http.post("/staf/masuk", data=form | {"csrf_token": "palsu"}).status_code == 403
        other = http.post(
            "/staf/masuk", data=form | {"csrf_token": token}, headers={"Origin": "https://evil.example"}
        )
        assert other.status_code == 403
        assert http.get("/staf").status_code == 303  # nothing signed in by the refused posts
        signed = http.post("/staf/masuk", data=form | {"csrf_token": token})
        assert signed.status_code == 303 and signed.headers["location"] == "/staf"
        cookie = signed.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie
        # An expired session (no cookie at all): back to the sign-in page, then to the page of the form.
        with httpx.Client(base_url=dev.url) as stranger:
            expired = stranger.post(
                "/staf/permohonan/abc/perpanjangan", data={"csrf_token": token, "alasan": "x" * 20},
                headers={"Referer": f"{dev.url}/staf/permohonan?page=2"},
            )  # fmt: skip
        assert expired.status_code == 303
        assert expired.headers["location"] == "/staf/masuk?lanjut=/staf/permohonan%3Fpage%3D2"
        # A sign-in starts a new session: the old page's token is spent.
        assert http.post("/staf/masuk", data=form | {"csrf_token": token}).status_code == 403
        # An open redirect is not possible through the sign-in's return address.
        token = http.get("/staf/masuk").text.split('name="csrf_token" value="')[1].split('"')[0]
        again = http.post("/staf/masuk", data=form | {"csrf_token": token, "lanjut": "//evil.example/x"})
        assert again.headers["location"] == "/staf"


async def test_sign_in_and_inbox_have_no_serious_accessibility_violations(
    dev: DevStack, browser: Any
) -> None:
    async with new_page(browser, bypass_csp=True) as page:
        await page.goto(f"{dev.url}/staf/masuk")
        assert await serious_violations(page) == []
        await sign_in(page, dev, "atasan.ppid@sanggau.example")
        assert await serious_violations(page) == []
