"""Security headers on every response, and API docs that need nothing from the internet (issue 12/13).

The docs and pages run under a Content-Security-Policy without external hosts and without 'unsafe-inline':
what a page runs inline must be named by its hash in that page's policy."""

from __future__ import annotations

import argparse
import base64
import hashlib
import re
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

EXPECTED = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}
# Paths whose headers are stricter than EXPECTED (none today: the tracking pages keep same-origin, so that their
# forms carry their Origin, and browsers never send an address's fragment, where the receipt's code is).
STRICTER: dict[str, dict[str, str]] = {}
REQUIRED_DIRECTIVES = {
    "default-src": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
}


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    """Headers do not depend on the database: SQLite only."""
    return sqlite_database_url


def policy(response: httpx.Response) -> dict[str, list[str]]:
    value = response.headers.get("content-security-policy")
    assert value, f"no Content-Security-Policy on {response.request.url.path}"
    directives: dict[str, list[str]] = {}
    for part in value.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def assert_secure(response: httpx.Response) -> dict[str, list[str]]:
    path = response.request.url.path
    expected = EXPECTED | next((v for prefix, v in STRICTER.items() if path.startswith(prefix)), {})
    for name, value in expected.items():
        assert response.headers.get(name) == value, (path, name, response.headers)
    assert "server" not in response.headers
    directives = policy(response)
    for name, source in REQUIRED_DIRECTIVES.items():
        assert directives.get(name) == [source], (name, directives)
    sources = [s for values in directives.values() for s in values]
    assert not [s for s in sources if "://" in s or s in ("*", "http:", "https:")], directives
    assert "'unsafe-inline'" not in sources and "'unsafe-eval'" not in sources, directives
    return directives


class Tags(HTMLParser):
    """The script, link and style tags of a page, with the text of inline scripts and styles."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str]] = []  # (tag, url)
        self.inline: list[tuple[str, str]] = []  # (tag, text)
        self.style_attributes = 0
        self._open: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("style") is not None:
            self.style_attributes += 1
        url = values.get("src") if tag == "script" else values.get("href") if tag == "link" else None
        if url is not None:
            self.refs.append((tag, url))
        elif tag in ("script", "style"):
            self._open, self._text = tag, ""

    def handle_data(self, data: str) -> None:
        if self._open:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if self._open == tag:
            self.inline.append((tag, self._text))
            self._open = None


def tags_of(html: str) -> Tags:
    parser = Tags()
    parser.feed(html)
    return parser


def sha256_source(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def assert_inline_allowed(page: httpx.Response) -> Tags:
    """Every inline script or style of the page is named by its hash; no style attributes."""
    tags = tags_of(page.text)
    directives = assert_secure(page)
    assert tags.style_attributes == 0, page.request.url.path
    for tag, text in tags.inline:
        allowed = directives.get(f"{tag}-src", directives["default-src"])
        assert sha256_source(text) in allowed, (page.request.url.path, tag, text[:80], directives)
    return tags


async def assert_assets_served(client: httpx.AsyncClient, tags: Tags) -> None:
    kinds = {".js": "javascript", ".css": "text/css", ".png": "image/png"}
    for tag, url in tags.refs:
        assert re.match(r"/[^/]", url), f"{tag} {url}: not an address on this server"
        asset = await client.get(url)
        assert asset.status_code == 200, url
        kind = next(kind for suffix, kind in kinds.items() if url.endswith(suffix))
        assert kind in asset.headers["content-type"], (url, asset.headers["content-type"])
        assert_secure(asset)


async def test_api_json_and_errors_carry_the_headers(app: FastAPI, client: httpx.AsyncClient) -> None:
    async def boom() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/test-boom", boom)
    responses = [
        await client.get("/v1/bodies"),  # 200 JSON
        await client.get("/tidak-ada"),  # 404 from the router
        await client.get("/v1/calendar/deadline", params={"body": "kab-antah", "start": "x"}),  # 422
        await client.post("/v1/bodies"),  # 405 (or 401)
        await client.get("/v1/requests/00000000-0000-0000-0000-000000000000"),  # 4xx from the route
        await client.get("/test-boom"),  # an unhandled error: ServerErrorMiddleware's 500
        await client.get("/openapi.json"),
    ]
    assert [r.status_code for r in responses][:3] == [200, 404, 422]
    assert responses[5].status_code == 500
    for response in responses:
        assert_secure(response)


async def test_tracking_pages_run_without_inline_code(client: httpx.AsyncClient) -> None:
    # The code form of a case (an unknown id looks the same), the form by number and code, "kirim ulang kode".
    for path in ("/lacak/3f1c9a1e-0000-4000-8000-000000000000", "/lacak", "/lacak/kirim-ulang"):
        page = await client.get(path)
        assert page.status_code == 200
        assert (
            page.headers["referrer-policy"] == "same-origin" and page.headers["cache-control"] == "no-store"
        )
        tags = assert_inline_allowed(page)
        assert tags.inline == [], "the tracking pages' scripts and styles are served files"
        tags.refs = [(tag, url) for tag, url in tags.refs if url != "data:,"]  # the empty icon: no request
        await assert_assets_served(client, tags)
        assert (
            "script",
            "/static/lacak.js",
        ) in tags.refs or path != "/lacak/3f1c9a1e-0000-4000-8000-000000000000"


async def test_docs_are_served_from_the_product(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200
    assert "SwaggerUIBundle" in page.text
    tags = assert_inline_allowed(page)
    assert [tag for tag, _ in tags.inline] == ["script"], "only Swagger UI's init script is inline"
    assert not re.findall(r"(?:src|href)=[\"']?(?:https?:)?//", page.text), "nothing from another host"
    assert {tag for tag, _ in tags.refs} == {"script", "link"}
    await assert_assets_served(client, tags)
    init = tags.inline[0][1]
    assert "'/openapi.json'" in init and "oauth2RedirectUrl" in init
    assert '"validatorUrl": null' in init, "no badge image from the public validator"

    redirect = await client.get("/docs/oauth2-redirect")
    assert redirect.status_code == 200
    assert_inline_allowed(redirect)


async def test_no_redoc_that_would_need_inline_styles(client: httpx.AsyncClient) -> None:
    """ReDoc injects <style> elements at run time: blank under this policy, so it is not offered."""
    page = await client.get("/redoc")
    assert page.status_code == 404
    assert_secure(page)


async def test_authorize_button_logs_in_on_the_same_server(client: httpx.AsyncClient) -> None:
    """Swagger UI's Authorize posts the password form to tokenUrl: on this server, which the CSP allows."""
    schemes: dict[str, Any] = (await client.get("/openapi.json")).json()["components"]["securitySchemes"]
    flows = [s["flows"]["password"] for s in schemes.values() if s["type"] == "oauth2"]
    assert flows and all(f["tokenUrl"] == "/v1/auth/token" for f in flows)
    token = await client.post(
        "/v1/auth/token", data={"username": "ppid@sanggau.example", "password": "demo-ppid-2026"}
    )
    assert token.status_code == 200, token.text
    directives = assert_secure(token)
    assert directives.get("connect-src", directives["default-src"]) == ["'self'"]


def test_api_runs_without_the_server_banner(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    from base.settings import get_settings
    from ppid import cli

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: seen.update(kwargs))
    monkeypatch.setenv("PPID_SECRET_KEY", "test-secret-key-that-is-long-enough-for-hs256")
    monkeypatch.setenv("PPID_TRACKING_SECRET", "test-tracking-secret-that-never-changes")
    get_settings.cache_clear()
    try:
        assert cli._cmd_api(argparse.Namespace()) == 0
    finally:
        get_settings.cache_clear()
    assert seen["server_header"] is False
    assert seen.get("date_header", True) is True
