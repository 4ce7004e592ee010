"""The documents of a grant or a delivery in the requester's email.

When the requester asked for the information by email (delivery_method `email`) and gave an address, the notice
of the grant (`decided_requester`) or of the delivery (`delivered`) carries the documents as attachments, as long
as together they are at most PPID_MAIL_ATTACHMENT_MB; larger, the email names them and says they are on the
tracking page. The outbox row keeps only a reference to each file (document id, sha256, size): the mailer reads
the bytes from the file store when it sends (activities/mail.py), so the outbox stays small."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from base.settings import Settings
from db.models import Document, InfoRequest, Notification

MB = 1024 * 1024


@dataclass(frozen=True)
class MailDocuments:
    """What the notice says about the documents, and what its row attaches."""

    names: list[str] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)  # empty: not attached
    too_large: bool = False  # asked for by email, but more than the limit together
    limit_text: str = ""

    def context(self) -> dict[str, Any]:
        return {
            "mail_documents": self.names, "mail_attached": bool(self.attachments),
            "mail_too_large": self.too_large, "mail_attachment_limit": self.limit_text,
        }  # fmt: skip


def limit_text(settings: Settings) -> str:
    value = settings.ppid_mail_attachment_mb
    return f"{value:g} MB".replace(".", ",")


async def mail_documents(
    session: AsyncSession, settings: Settings, request: InfoRequest, document_ids: Sequence[object]
) -> MailDocuments:
    """The case's documents among `document_ids` (others are ignored), and their attachments when the email
    may carry them."""
    ids = [str(i) for i in document_ids if i]
    if not ids:
        return MailDocuments()
    query = (
        select(Document)
        .where(Document.case_id == request.id, Document.id.in_(ids))
        .order_by(Document.created_at, Document.id)
    )
    documents = list((await session.scalars(query)).all())
    if not documents:
        return MailDocuments()
    total = sum(d.size for d in documents)
    by_email = request.delivery_method == "email" and bool(request.email)
    attachments = []
    fits = total <= settings.ppid_mail_attachment_mb * MB
    if by_email and fits:
        attachments = [
            {"filename": d.filename, "content_type": d.content_type, "document_id": d.id, "sha256": d.sha256,
             "size": d.size}
            for d in documents
        ]  # fmt: skip
    return MailDocuments(
        [d.filename for d in documents], attachments, by_email and not fits, limit_text(settings)
    )


async def attach_to_requester(
    session: AsyncSession, request: InfoRequest, notification_ids: Sequence[int], files: MailDocuments
) -> None:
    """The attachments on the outbox rows of the requester's email (a row written before keeps its own)."""
    if not files.attachments or not notification_ids or not request.email:
        return
    rows = await session.scalars(select(Notification).where(Notification.id.in_(list(notification_ids))))
    for row in rows.all():
        if row.recipient_role == "requester" and row.recipient == request.email and not row.attachments:
            row.attachments = list(files.attachments)
