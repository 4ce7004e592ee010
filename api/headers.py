"""Security headers on every response: API JSON, pages, docs, static files, errors and 404s.

The Content-Security-Policy names no other host and allows no inline code: the pages load their scripts and
styles from this server. A page that must run an inline script (Swagger UI's init) sets its own policy
naming that script's hash (`policy(scripts=...)`); the middleware never replaces a header a route has set.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

BASE_POLICY = (
    ("default-src", "'self'"),
    ("img-src", "'self' data:"),  # Swagger UI's icons are data: SVGs in its stylesheet
    ("object-src", "'none'"),
    ("frame-ancestors", "'none'"),
    ("base-uri", "'self'"),
    ("form-action", "'self'"),
)


def policy(*, scripts: Iterable[str] = (), styles: Iterable[str] = ()) -> str:
    """The policy, with script-src/style-src 'self' plus the given hash sources when there are any."""
    directives = list(BASE_POLICY)
    for name, sources in (("script-src", list(scripts)), ("style-src", list(styles))):
        if sources:
            directives.append((name, " ".join(["'self'", *sources])))
    return "; ".join(f"{name} {value}" for name, value in directives)


def inline_hashes(html: str, tag: str) -> list[str]:
    """CSP hash sources for the inline <script> (no src) or <style> elements of a page we generate."""
    found = re.findall(rf"<{tag}(?![^>]*\ssrc=)[^>]*>(.*?)</{tag}>", html, flags=re.DOTALL)
    return [f"'sha256-{base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()}'" for text in found]


DEFAULT_HEADERS = (
    (b"content-security-policy", policy().encode()),
    (b"x-content-type-options", b"nosniff"),
    # same-origin: no referrer ever leaves the site, and a form post keeps its Origin (no-referrer would make
    # it "null", which the CSRF check refuses).
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
)


class SecurityHeaders:
    """Pure ASGI: adds each of DEFAULT_HEADERS that the response does not already carry."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in DEFAULT_HEADERS if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class SecureFastAPI(FastAPI):
    """FastAPI with SecurityHeaders outside its whole middleware stack, so that the 500 which Starlette's
    ServerErrorMiddleware (always the outermost) sends for an unhandled error carries the headers too."""

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeaders(super().build_middleware_stack())
