"""Request size limit: a body over the limit gets a clear 413 before anything is parsed or stored."""

from __future__ import annotations

import json
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.documents import MAX_DOCUMENT_BYTES, MAX_TOTAL_BYTES

MAX_BODY_BYTES = 256 * 1024  # a request form is a few KB; documents only on the upload paths below
# The forms that carry documents (a decision's "Lampiran", a delivery's documents): a multipart post to a desk
# path ending in /keputusan or /penyerahan, or to the API's decision or delivery, may carry the documents of one
# action and more (up to one more document), so that a total over the limit is answered beside its field (422).
UPLOAD_PATH = re.compile(
    r"^(/staf/[A-Za-z0-9/_-]+/(keputusan|penyerahan)|/v1/requests/[A-Za-z0-9_-]+/decision|/v1/tasks/\d+/delivery)$"
)
MAX_UPLOAD_BODY_BYTES = MAX_TOTAL_BYTES + MAX_DOCUMENT_BYTES + MAX_BODY_BYTES


class BodyTooLarge(Exception):
    pass


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        limit = self.limit_of(scope, headers)
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, send, limit)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except BodyTooLarge:
            await self._refuse(scope, send, limit)

    def limit_of(self, scope: Scope, headers: dict[bytes, bytes]) -> int:
        content_type = headers.get(b"content-type", b"").split(b";", 1)[0].strip().lower()
        if (
            scope.get("method") == "POST" and content_type == b"multipart/form-data"
            and UPLOAD_PATH.match(scope.get("path", ""))
        ):  # fmt: skip
            return max(self.max_bytes, MAX_UPLOAD_BODY_BYTES)
        return self.max_bytes

    async def _refuse(self, scope: Scope, send: Send, limit: int) -> None:
        said = f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"
        if str(scope.get("path", "")).startswith("/staf"):  # a page of the desk: a page, with the way back
            text = (
                '<!doctype html><html lang="id"><head><meta charset="utf-8"><title>Terlalu besar</title>'
                '<link rel="stylesheet" href="/static/app.css"></head><body><main class="wrap">'
                f"<h1>Isian terlalu besar</h1><p>Isian atau berkas yang dikirim melebihi batas {said}. "
                "Kembali ke halaman sebelumnya dan pilih berkas yang lebih kecil "
                f"(dokumen paling besar {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB).</p>"
                '<p><a href="/staf">Kembali ke daftar tugas</a></p></main></body></html>'
            )
            body, kind = text.encode(), b"text/html; charset=utf-8"
        else:
            body = json.dumps({"detail": f"Isi permintaan terlalu besar (batas {said})"}).encode()
            kind = b"application/json"
        headers = [(b"content-type", kind), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})
