"""The embedded SMTP sink of `ppid dev`: every message is kept as an .eml file in the data dir.

aiosmtpd is in the dev extra only (the image does not install it): it is imported when the sink starts, so
that reading the stored messages (`/dev/mailbox`) needs nothing beyond the standard library."""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aiosmtpd.smtp import SMTP, Envelope, Session


class MaildirHandler:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        name = f"{stamp}-{uuid.uuid4().hex[:8]}"
        content = envelope.original_content or b""
        recipients = ", ".join(envelope.rcpt_tos)
        data = f"X-Envelope-To: {recipients}\r\n".encode() + content
        tmp = self.folder / f".{name}.tmp"
        tmp.write_bytes(data)
        os.replace(tmp, self.folder / f"{name}.eml")  # atomic: readers never see half a message
        return "250 Message accepted for delivery"


async def start_sink(folder: Path, host: str = "127.0.0.1", port: int = 0) -> tuple[asyncio.Server, int]:
    """Serve SMTP on (host, port); port 0 picks a free one. Returns the server and its port."""
    from aiosmtpd.smtp import SMTP

    handler = MaildirHandler(folder)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(handler, hostname="ppid-dev-sink"), host, port)
    bound = server.sockets[0].getsockname()[1]
    return server, bound


@dataclass
class StoredMessage:
    id: str
    path: Path

    def parse(self) -> EmailMessage:
        with self.path.open("rb") as fh:
            message = email.message_from_binary_file(fh, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        return message

    def summary(self) -> dict[str, Any]:
        message = self.parse()
        return {
            "id": self.id,
            "from": str(message.get("From", "")),
            "to": str(message.get("X-Envelope-To") or message.get("To", "")),
            "subject": str(message.get("Subject", "")),
            "date": str(message.get("Date", "")),
        }

    def detail(self) -> dict[str, Any]:
        message = self.parse()
        text_part = message.get_body(preferencelist=("plain",))
        html_part = message.get_body(preferencelist=("html",))
        attachments = [
            {"filename": part.get_filename(), "content_type": part.get_content_type()}
            for part in message.iter_attachments()
        ]
        return {
            **self.summary(),
            "text": text_part.get_content() if text_part is not None else "",
            "html": html_part.get_content() if html_part is not None else None,
            "attachments": attachments,
        }


def list_messages(folder: Path) -> list[StoredMessage]:
    if not folder.is_dir():
        return []
    return [StoredMessage(id=p.stem, path=p) for p in sorted(folder.glob("*.eml"), reverse=True)]


def find_message(folder: Path, message_id: str) -> StoredMessage | None:
    if not message_id.replace("-", "").isalnum():
        return None
    path = folder / f"{message_id}.eml"
    return StoredMessage(id=message_id, path=path) if path.is_file() else None
