"""/docs (Swagger UI) served from the product, with no CDN: it works on an office network without internet,
and under the Content-Security-Policy of api/headers.py.

FastAPI's "self-hosting JavaScript and CSS for docs" pattern. The assets (Swagger UI 5 and FastAPI's
favicon) come from the fastapi-offline package (PyPI, MIT), which ships them in its `static` folder; its
FastAPIOffline factory is not used, so that the pages carry their own policy: Swagger UI's init script and
the OAuth2 redirect page's script, the only inline code, are allowed by their hashes.

No /redoc: ReDoc (also in that package) injects <style> elements at run time (styled-components), which a
policy without style-src 'unsafe-inline' blocks, and the page stays blank. /docs documents the same API.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from api.headers import inline_hashes, policy

ASSETS_URL = "/docs/assets"
ASSETS_DIR = Path(fastapi_offline.__file__).parent / "static"
# No badge image from the public validator (validator.swagger.io): it would leave the office network.
SWAGGER_UI_PARAMETERS = {"validatorUrl": None}


def _with_policy(page: HTMLResponse) -> Callable[[], HTMLResponse]:
    """The page (built once) with a policy that allows its inline elements by their hashes."""
    html = bytes(page.body).decode()
    value = policy(scripts=inline_hashes(html, "script"), styles=inline_hashes(html, "style"))
    return lambda: HTMLResponse(html, headers={"Content-Security-Policy": value, "Cache-Control": "no-cache"})


def install_docs(app: FastAPI) -> None:
    """Routes for an app created with docs_url=None and redoc_url=None."""
    assert app.openapi_url is not None and app.swagger_ui_oauth2_redirect_url is not None
    title, openapi_url = app.title, app.openapi_url
    redirect_url = app.swagger_ui_oauth2_redirect_url
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS_DIR), name="docs-assets")
    swagger = _with_policy(
        get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{title} — Swagger UI",
            oauth2_redirect_url=redirect_url,
            swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_URL}/favicon.png",
            swagger_ui_parameters=SWAGGER_UI_PARAMETERS,
        )
    )
    redirect = _with_policy(get_swagger_ui_oauth2_redirect_html())

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui_html() -> HTMLResponse:
        return swagger()

    @app.get(redirect_url, include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return redirect()
