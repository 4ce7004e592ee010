"""Browser tests: a real `ppid dev --clock simulated` stack and Debian's Chromium driven by Playwright.

Playwright cannot download its browsers here, so it drives /usr/bin/chromium (installed by `make test`'s
set-up when missing). Controls are found by role and accessible name, as people and screen readers find them.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import free_port

PPID = str(Path(sys.executable).parent / "ppid")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip
PASSWORD = "demo-ppid-2026"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}
SCREENSHOTS = Path(os.environ.get("PPID_SCREENSHOTS", "")) if os.environ.get("PPID_SCREENSHOTS") else None

needs_browser = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no Chromium on this machine (make test installs Debian's chromium when run as root)",
)


@dataclass
class DevStack:
    """`ppid dev --clock simulated` on free ports, with an API client for setting up cases."""

    url: str
    process: subprocess.Popen[bytes]
    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, email: str) -> dict[str, str]:
        if email not in self.tokens:
            response = httpx.post(f"{self.url}/v1/auth/token", data={"username": email, "password": PASSWORD})
            assert response.status_code == 200, response.text
            self.tokens[email] = response.json()["access_token"]
        return {"Authorization": f"Bearer {self.tokens[email]}"}

    def api(self, method: str, path: str, *, as_: str | None = None, **kwargs: Any) -> httpx.Response:
        headers = kwargs.pop("headers", {}) | (self.headers(as_) if as_ else {})
        return httpx.request(method, f"{self.url}{path}", headers=headers, timeout=120, **kwargs)

    def submit(self, **changes: Any) -> dict[str, Any]:
        from tests.requests_support import form

        response = self.api("POST", "/v1/requests", json=form(**changes))
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    def advance(self, **delta: Any) -> None:
        response = self.api("POST", "/v1/dev/clock/advance", as_="admin@ppid.example", json=delta)
        assert response.status_code == 200, response.text

    def mailbox(self) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = self.api("GET", "/dev/mailbox", as_="admin@ppid.example").json()
        return messages


def start_dev_stack(data_dir: Path) -> DevStack:
    port, temporal_port = free_port(), free_port()
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "PPID_", "TEMPORAL_", "SMTP_"))
    }
    env |= {"PPID_RATE_LIMIT_INTAKE": "0", "PPID_RATE_LIMIT_LOGIN": "0", "PPID_RATE_LIMIT_TRACKING": "0"}
    process = subprocess.Popen(
        [PPID, "dev", "--clock", "simulated", "--port", str(port), "--temporal-port", str(temporal_port),
         "--data-dir", str(data_dir)],
        env=env, stdout=(data_dir.parent / "ppid-dev.log").open("wb"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, (data_dir.parent / "ppid-dev.log").read_text()
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return DevStack(url, process)
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    process.kill()
    raise AssertionError("ppid dev did not become healthy")


def stop_dev_stack(stack: DevStack) -> None:
    if stack.process.poll() is None:
        stack.process.send_signal(signal.SIGTERM)
        try:
            stack.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(stack.process.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevStack]:
    stack = start_dev_stack(tmp_path_factory.mktemp("browser") / "var")
    try:
        yield stack
    finally:
        stop_dev_stack(stack)


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


@asynccontextmanager
async def new_page(
    browser: Any, *, js: bool = True, viewport: dict[str, int] = DESKTOP, bypass_csp: bool = False
) -> AsyncIterator[Any]:
    """One fresh context (no cookies) per journey. Console errors (a CSP violation, a missing file) fail it."""
    context = await browser.new_context(viewport=viewport, java_script_enabled=js, bypass_csp=bypass_csp)
    page = await context.new_page()
    errors: list[str] = []

    def console(message: Any) -> None:
        # A page answered 4xx on purpose (a form error is 422, a refusal 403) logs "Failed to load resource"
        # too: the subresources are checked by their responses instead.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(message.text)

    def response(answer: Any) -> None:
        if answer.request.resource_type != "document" and answer.status >= 400:
            errors.append(f"{answer.status} {answer.url}")

    page.on("console", console)
    page.on("response", response)
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield page
    finally:
        await context.close()
    assert errors == [], errors


async def sign_in(page: Any, dev: DevStack, email: str, password: str = PASSWORD) -> None:
    await page.goto(f"{dev.url}/staf/masuk")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Kata sandi").fill(password)
    await page.get_by_role("button", name="Masuk").click()
    await page.wait_for_load_state()
    assert "/staf/masuk" not in page.url, await page.content()


async def serious_violations(page: Any) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now (run in a bypass_csp context)."""
    from axe_playwright_python.async_playwright import Axe

    results = await Axe().run(page)
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])}x: {v['nodes'][0]['target']})"
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]


async def screenshot(page: Any, name: str) -> None:
    """Saved when PPID_SCREENSHOTS names a folder (the README's tour is made this way)."""
    if SCREENSHOTS is not None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
