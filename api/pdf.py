"""PDFs of the registers and letters, rendered with WeasyPrint from Jinja2 print templates (api/templates/cetak).

A4 with page margins, the body's name in the header of every page and "Halaman X dari Y" in the footer
(api/static/cetak.css). The fonts are the machine's own (fontconfig: DejaVu in the image); nothing is fetched
from the network or the disk while rendering: the URL fetcher refuses every address but inline `data:` ones, so
a template or a value in it can never make the server call out. Rendering is CPU work: async callers run
`render_pdf` in a thread (`render_pdf_async`)."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

from weasyprint import CSS, HTML, URLFetcher

from api.web.templating import templates

STYLESHEET = Path(__file__).parent / "static" / "cetak.css"
# Pango and fontconfig are not documented as safe for concurrent layouts: one document at a time per process.
_RENDERING = threading.Lock()


class OfflineFetcher(URLFetcher):
    """Only inline `data:` resources; any other address is refused (no network, no local files)."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols={"data"}, allow_redirects=False, timeout=1)

    def fetch(self, url: str, headers: Any = None) -> Any:
        if not url.startswith("data:"):
            raise ValueError("PDF rendering fetches nothing but inline data: resources")
        return super().fetch(url, headers)


def render_html(template_name: str, context: dict[str, Any]) -> str:
    """The print template as HTML (the filters of the pages: tanggal, waktu, status)."""
    return templates.get_template(template_name).render(**context)


def render_pdf(template_name: str, context: dict[str, Any]) -> bytes:
    """The template rendered to an A4 PDF. `context` needs `body_name` (the header) and `title`."""
    html = render_html(template_name, context)
    fetcher = OfflineFetcher()
    with _RENDERING:
        stylesheet = CSS(string=STYLESHEET.read_text(encoding="utf-8"), url_fetcher=fetcher)
        document = HTML(string=html, base_url=None, url_fetcher=fetcher)
        pdf: bytes = document.write_pdf(stylesheets=[stylesheet])
    return pdf


async def render_pdf_async(template_name: str, context: dict[str, Any]) -> bytes:
    return await asyncio.to_thread(render_pdf, template_name, context)
