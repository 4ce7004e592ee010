"""The documents the PPID gives the requester: the decision's attachment ("Lampiran") and a delivered document.

A file is accepted only from an allow-list of kinds (PDF, images, office documents, ZIP, text), named by its
extension and checked by its first bytes, up to MAX_DOCUMENT_BYTES. The type the browser declared is not
trusted: a document is stored and served with the type of its kind, always as an attachment with nosniff,
so a file never runs as a page of this site. The bytes live in the register (table `documents`)."""

from __future__ import annotations

import hashlib
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

from fastapi import HTTPException, status
from fastapi.responses import Response
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer
from starlette.datastructures import UploadFile

from db.models import Document
from db.session import write_gate

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
MAX_DOCUMENT_MB = MAX_DOCUMENT_BYTES // (1024 * 1024)
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


def refused(field: str, message: str) -> HTTPException:
    """A DocumentRefused as the API's 422, naming the field."""
    return HTTPException(422, [{"loc": ["body", field], "msg": message, "type": "value_error"}])


async def store_document(
    session: AsyncSession, *, case_id: str, kind: str, upload: Upload, uploaded_by: str,
    at: datetime | None = None,
) -> Document:  # fmt: skip
    """The document, committed (its id can then go to the workflow with the action it belongs to). `at`: the
    product's clock (simulated in training mode); the wall clock by default."""
    assert kind in KINDS
    document = Document(
        id=uuid.uuid4().hex, case_id=case_id, kind=kind, filename=upload.filename,
        content_type=upload.content_type, size=upload.size, sha256=upload.sha256, content=upload.content,
        uploaded_by=uploaded_by, created_at=at or datetime.now(UTC),
    )  # fmt: skip
    async with write_gate(session.bind):
        session.add(document)
        await session.commit()
    return document


async def discard_document(session: AsyncSession, document_id: str) -> None:
    """A document stored for an action the workflow then refused: it belongs to nothing, so it goes."""
    await session.rollback()
    async with write_gate(session.bind):
        await session.execute(delete(Document).where(Document.id == document_id))
        await session.commit()


async def case_documents(session: AsyncSession, case_id: str) -> list[Document]:
    """The case's documents, oldest first, without their bytes."""
    query = select(Document).where(Document.case_id == case_id).order_by(Document.created_at, Document.id)
    return list((await session.scalars(query)).all())


NOT_FOUND = HTTPException(status.HTTP_404_NOT_FOUND, "Dokumen tidak ditemukan")


async def case_document(session: AsyncSession, case_id: str, document_id: str) -> Document:
    """One document of the case with its bytes; 404 for any other id (also one of another case)."""
    if len(document_id) > 32:
        raise NOT_FOUND
    query = (
        select(Document)
        .options(undefer(Document.content))
        .where(Document.id == document_id, Document.case_id == case_id)
    )
    document = await session.scalar(query)
    if document is None:
        raise NOT_FOUND
    return document


def download(document: Document) -> Response:
    """The document as a download: its kind's type, attachment, nosniff, never cached by a shared cache."""
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in document.filename
    )
    disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(document.filename, safe='')}"
    return Response(
        document.content, media_type=document.content_type,
        headers={
            "Content-Disposition": disposition, "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store", "Content-Security-Policy": "sandbox; default-src 'none'",
        },
    )  # fmt: skip
