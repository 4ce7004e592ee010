"""The documents the PPID gives the requester: the decision's attachments ("Lampiran") and delivered documents.

A file is accepted only from an allow-list of kinds (PDF, images, office documents, ZIP, text), named by its
extension and checked by its first bytes, up to MAX_DOCUMENT_BYTES; one action (a decision, a delivery) takes at
most MAX_DOCUMENTS files of at most MAX_TOTAL_BYTES together. The type the browser declared is not trusted: a
document is stored and served with the type of its kind, always as an attachment with nosniff, so a file never
runs as a page of this site. The register (table `documents`) keeps what each file is; the bytes are in the
file store under their sha256 (db/filestore.py), the same content once."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import quote

from fastapi import HTTPException, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import UploadFile
from starlette.routing import Match
from starlette.types import Scope

from base.settings import Settings
from db.filestore import FileStore, FileStoreError
from db.models import Document
from db.session import write_gate

log = logging.getLogger("ppid.api.documents")

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
MAX_DOCUMENT_MB = MAX_DOCUMENT_BYTES // (1024 * 1024)
MAX_DOCUMENTS = 10  # files of one action (a decision, a delivery)
MAX_TOTAL_BYTES = 25 * 1024 * 1024  # of one action's files together
MAX_TOTAL_MB = MAX_TOTAL_BYTES // (1024 * 1024)
KINDS = ("decision", "delivery")
ZIP = (b"PK\x03\x04", b"PK\x05\x06")
OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)  # Word/Excel/PowerPoint 97-2003


@dataclass(frozen=True)
class FileKind:
    content_type: str
    magic: tuple[bytes, ...]  # the file starts with one of these; () for text


KINDS_BY_EXTENSION: dict[str, FileKind] = {
    "pdf": FileKind("application/pdf", (b"%PDF-",)),
    "png": FileKind("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": FileKind("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": FileKind("image/jpeg", (b"\xff\xd8\xff",)),
    "gif": FileKind("image/gif", (b"GIF87a", b"GIF89a")),
    "tif": FileKind("image/tiff", (b"II*\x00", b"MM\x00*")),
    "tiff": FileKind("image/tiff", (b"II*\x00", b"MM\x00*")),
    "doc": FileKind("application/msword", OLE),
    "xls": FileKind("application/vnd.ms-excel", OLE),
    "ppt": FileKind("application/vnd.ms-powerpoint", OLE),
    "docx": FileKind("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ZIP),
    "xlsx": FileKind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ZIP),
    "pptx": FileKind("application/vnd.openxmlformats-officedocument.presentationml.presentation", ZIP),
    "odt": FileKind("application/vnd.oasis.opendocument.text", ZIP),
    "ods": FileKind("application/vnd.oasis.opendocument.spreadsheet", ZIP),
    "odp": FileKind("application/vnd.oasis.opendocument.presentation", ZIP),
    "rtf": FileKind("application/rtf", (b"{\\rtf",)),
    "zip": FileKind("application/zip", ZIP),
    "txt": FileKind("text/plain", ()),
    "csv": FileKind("text/csv", ()),
}
ALLOWED_TEXT = (
    "PDF, gambar (PNG, JPG, GIF, TIFF), dokumen Word/Excel/PowerPoint atau OpenDocument, RTF, ZIP, "
    "TXT atau CSV"
)
ACCEPT = ",".join(f".{ext}" for ext in KINDS_BY_EXTENSION)  # the file field's `accept` attribute


class DocumentRefused(ValueError):
    """A file that cannot be accepted; the message (Indonesian) says why and what would be."""


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    content: bytes
    sha256: str

    @property
    def size(self) -> int:
        return len(self.content)


def clean_filename(name: str) -> str:
    """The file's own name without any folder, control or reserved characters, at most 200 characters."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable() and c not in '"<>:|?*;').strip(" .")
    if len(name) > 200:
        stem, _, ext = name.rpartition(".")
        name = f"{stem[: 199 - len(ext)]}.{ext}" if stem and len(ext) <= 10 else name[:200]
    return name


def check_upload(filename: str, content: bytes) -> Upload:
    """The upload as it will be stored, or DocumentRefused (kind not allowed, content not of its kind, empty,
    larger than MAX_DOCUMENT_BYTES)."""
    name = clean_filename(filename)
    ext = name.rpartition(".")[2].lower() if "." in name else ""
    kind = KINDS_BY_EXTENSION.get(ext)
    if kind is None:
        raise DocumentRefused(f"Jenis berkas tidak diterima; kirim {ALLOWED_TEXT}")
    if not content:
        raise DocumentRefused("Berkas yang dipilih kosong")
    if len(content) > MAX_DOCUMENT_BYTES:
        raise DocumentRefused(f"Berkas terlalu besar; paling besar {MAX_DOCUMENT_MB} MB")
    if kind.magic and not content.startswith(kind.magic):
        raise DocumentRefused(f"Isi berkas bukan berkas .{ext} yang sah; periksa berkasnya atau simpan ulang")
    if not kind.magic and b"\x00" in content[:8192]:
        raise DocumentRefused(f"Berkas .{ext} harus berisi teks")
    return Upload(name, kind.content_type, content, hashlib.sha256(content).hexdigest())


async def read_upload(file: UploadFile | str | None) -> Upload | None:
    """The file of a form's file field (None when none was chosen), read up to just over the limit."""
    if file is None or isinstance(file, str) or not file.filename:
        return None
    content = await file.read(MAX_DOCUMENT_BYTES + 1)
    return check_upload(file.filename, content)


async def read_uploads(files: Sequence[UploadFile | str | None]) -> list[Upload]:
    """The files of a form's file field (`multiple`), checked one by one and together: at most MAX_DOCUMENTS,
    at most MAX_TOTAL_BYTES in all. DocumentRefused names the file it refuses when there are several."""
    chosen = [f for f in files if isinstance(f, UploadFile) and f.filename]
    if len(chosen) > MAX_DOCUMENTS:
        raise DocumentRefused(f"Terlalu banyak berkas ({len(chosen)}); paling banyak {MAX_DOCUMENTS} berkas")
    uploads: list[Upload] = []
    total = 0
    for file in chosen:
        try:
            upload = await read_upload(file)
        except DocumentRefused as exc:
            named = f"{clean_filename(file.filename or '')}: {exc}" if len(chosen) > 1 else str(exc)
            raise DocumentRefused(named) from None
        assert upload is not None
        total += upload.size
        if total > MAX_TOTAL_BYTES:
            raise DocumentRefused(
                f"Berkas-berkas ini terlalu besar bersama-sama; paling besar {MAX_TOTAL_MB} MB seluruhnya"
            )
        uploads.append(upload)
    return uploads


def refused(field: str, message: str) -> HTTPException:
    """A DocumentRefused as the API's 422, naming the field."""
    return HTTPException(422, [{"loc": ["body", field], "msg": message, "type": "value_error"}])


async def store_documents(
    session: AsyncSession, store: FileStore, *, case_id: str, kind: str, uploads: Sequence[Upload],
    uploaded_by: str, at: datetime | None = None,
) -> list[Document]:  # fmt: skip
    """The files in the store and their documents committed in one transaction (their ids can then go to the
    workflow with the action they belong to). `at`: the product's clock (simulated in training mode); the
    wall clock by default."""
    assert kind in KINDS
    moment = at or datetime.now(UTC)
    documents = []
    for index, upload in enumerate(uploads):
        await asyncio.to_thread(store.put, upload.content)
        document = Document(
            id=uuid.uuid4().hex, case_id=case_id, kind=kind, filename=upload.filename,
            content_type=upload.content_type, size=upload.size, sha256=upload.sha256,
            uploaded_by=uploaded_by, created_at=moment + timedelta(microseconds=index),  # listed in this order
        )  # fmt: skip
        documents.append(document)
    if documents:
        async with write_gate(session.bind):
            session.add_all(documents)
            await session.commit()
    return documents


async def store_document(
    session: AsyncSession, store: FileStore, *, case_id: str, kind: str, upload: Upload, uploaded_by: str,
    at: datetime | None = None,
) -> Document:  # fmt: skip
    """One file: store_documents of a single upload."""
    [document] = await store_documents(
        session, store, case_id=case_id, kind=kind, uploads=[upload], uploaded_by=uploaded_by, at=at
    )
    return document


async def discard_documents(session: AsyncSession, document_ids: Sequence[str]) -> None:
    """Documents stored for an action the workflow then refused: they belong to nothing, so their rows go.
    Their files stay in the store: another document may name the same content (a file no row names is
    harmless, and deleting it could race an upload of the same bytes)."""
    if not document_ids:
        return
    await session.rollback()
    async with write_gate(session.bind):
        await session.execute(delete(Document).where(Document.id.in_(list(document_ids))))
        await session.commit()


async def discard_document(session: AsyncSession, document_id: str) -> None:
    await discard_documents(session, [document_id])


async def case_documents(session: AsyncSession, case_id: str) -> list[Document]:
    """The case's documents, oldest first."""
    query = select(Document).where(Document.case_id == case_id).order_by(Document.created_at, Document.id)
    return list((await session.scalars(query)).all())


NOT_FOUND = HTTPException(status.HTTP_404_NOT_FOUND, "Dokumen tidak ditemukan")
UNREADABLE = HTTPException(
    status.HTTP_503_SERVICE_UNAVAILABLE, "Berkas dokumen ini sedang tidak dapat dibaca; coba lagi nanti"
)


async def case_document(session: AsyncSession, case_id: str, document_id: str) -> Document:
    """One document of the case; 404 for any other id (also one of another case)."""
    if len(document_id) > 32:
        raise NOT_FOUND
    query = select(Document).where(Document.id == document_id, Document.case_id == case_id)
    document = await session.scalar(query)
    if document is None:
        raise NOT_FOUND
    return document


async def document_content(store: FileStore, document: Document) -> bytes:
    """The document's bytes from the store, verified by size; 503 (logged) when the file is missing or
    damaged, never a 500 and never another file."""
    try:
        return await asyncio.to_thread(store.get, document.sha256, document.size)
    except FileStoreError:
        log.exception(
            "document %s of case %s cannot be read from the file store", document.id, document.case_id
        )
        raise UNREADABLE from None


async def serve_document(
    settings: Settings, session: AsyncSession, case_id: str, document_id: str
) -> Response:
    """GET of one document of the case (the API, the desk, the portal): the check of case_document, then the
    download of its bytes from the store. The caller has checked who may see the case."""
    document = await case_document(session, case_id, document_id)
    return download(document, await document_content(FileStore.of(settings), document))


def download(document: Document, content: bytes) -> Response:
    """The document as a download: its kind's type, attachment, nosniff, never cached by a shared cache."""
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in document.filename
    )
    disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(document.filename, safe='')}"
    return Response(
        content, media_type=document.content_type,
        headers={
            "Content-Disposition": disposition, "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store", "Content-Security-Policy": "sandbox; default-src 'none'",
        },
    )  # fmt: skip


# --- The API's multipart form of an action with its files -----------------------------------------------------
# POST /v1/requests/{id}/decision and /v1/tasks/{id}/delivery take their JSON as before; the same path also takes
# multipart/form-data: the JSON as the text part `payload` and the files as one or more parts `documents`. The
# multipart route answers only multipart posts (MultipartRoute), so the JSON route and its schema stay as they
# were; its OpenAPI operation lists the multipart form beside the JSON (multipart_openapi).

M = TypeVar("M", bound=BaseModel)
FILES_FIELD = "documents"
PAYLOAD_FIELD = "payload"


class MultipartRoute(APIRoute):
    """A route that matches only multipart/form-data posts; any other post goes on to the next route."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child = super().matches(scope)
        if match == Match.NONE:
            return match, child
        headers = dict(scope.get("headers") or [])
        kind = headers.get(b"content-type", b"").split(b";", 1)[0].strip().lower()
        return (match, child) if kind == b"multipart/form-data" else (Match.NONE, {})


def multipart_openapi(model: type[BaseModel]) -> dict[str, Any]:
    """`openapi_extra` of the JSON route: its request body may also be the multipart form."""
    text = f"the JSON body ({model.__name__}) as text"
    files = f"one part per file, at most {MAX_DOCUMENTS}, each at most {MAX_DOCUMENT_MB} MB, {MAX_TOTAL_MB} MB in all"
    schema = {
        "type": "object", "required": [PAYLOAD_FIELD],
        "properties": {
            PAYLOAD_FIELD: {"type": "string", "description": text},
            FILES_FIELD: {"type": "array", "items": {"type": "string", "format": "binary"}, "description": files},
        },
    }  # fmt: skip
    return {"requestBody": {"content": {"multipart/form-data": {"schema": schema}}}}


def parse_payload(model: type[M], text: str) -> M:
    """The multipart form's `payload` as the model; a 422 naming body.payload.<field> otherwise."""
    try:
        return model.model_validate_json(text)
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", PAYLOAD_FIELD, *e["loc"])} for e in exc.errors(include_url=False)]
        raise RequestValidationError(errors) from None


async def read_api_uploads(files: Sequence[UploadFile | str] | None) -> list[Upload]:
    """The multipart form's `documents`, or the API's 422 naming the field."""
    try:
        return await read_uploads(list(files or []))
    except DocumentRefused as exc:
        raise refused(FILES_FIELD, str(exc)) from None
