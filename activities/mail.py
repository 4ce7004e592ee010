"""Sending the outbox: claim the row, send through SMTP (aiosmtplib), mark it sent.

A permanent rejection (5xx, bad address) is recorded on the row and the case, not retried; a transient
failure (server down, 4xx) raises so Temporal retries with back-off until the server returns."""

from __future__ import annotations

import email.policy
import email.utils
import hashlib
import json
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime

import aiosmtplib
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from db.models import Notification, TimelineEvent
from ppid.settings import Settings

# Long subjects are not folded onto a second line (some clients then show a leading blank).
POLICY = email.policy.default.clone(max_line_length=998)


def build_message(row: Notification, settings: Settings) -> EmailMessage:
    message = EmailMessage(policy=POLICY)
    message["From"] = settings.mail_from
    message["To"] = row.recipient
    message["Subject"] = row.subject
    message["Date"] = format_datetime(datetime.now(UTC))
    # Stable per notice: a resend after a crash carries the same Message-ID, so mail systems can dedupe.
    domain = settings.mail_from.rsplit("@", 1)[-1].strip("> ") or "ppid.local"
    digest = hashlib.sha256(row.idempotency_key.encode()).hexdigest()[:12]
    message["Message-ID"] = f"<notice-{row.id}-{digest}@{domain}>"
    message.set_content(row.body_text)
    for attachment in row.attachments or []:
        content = attachment["content"]
        data = content.encode() if isinstance(content, str) else json.dumps(content, indent=2).encode()
        maintype, _, subtype = attachment.get("content_type", "application/octet-stream").partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=attachment["filename"])
    return message


class MailActivities:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession], settings: Settings) -> None:
        self._sessions = session_factory
        self._settings = settings

    async def _send(self, message: EmailMessage) -> None:
        s = self._settings
        # Serialized here, with our policy, so that long subjects stay on one line.
        await aiosmtplib.send(
            message.as_bytes(policy=POLICY.clone(linesep="\r\n")),
            sender=email.utils.parseaddr(s.mail_from)[1] or s.mail_from,
            recipients=[str(message["To"])],
            hostname=s.smtp_host or "127.0.0.1",
            port=s.smtp_port or (465 if s.smtp_security == "tls" else 25),
            username=s.smtp_username,
            password=s.smtp_password,
            use_tls=s.smtp_security == "tls",
            start_tls=True if s.smtp_security == "starttls" else False,
            timeout=15,
        )

    @activity.defn(name="send_notifications")
    async def send_notifications(self, notification_ids: list[int]) -> list[str]:
        """The notices of one event. Rows already sent (or refused for good) are skipped, so a retry or a
        replay never sends twice; each notice is recorded as soon as the server accepted it. A transient failure
        (server down, 4xx) is noted on the row and raised after every notice was tried, so Temporal retries
        with back-off; a permanent one (5xx, refused address) is recorded and never retried."""
        failure: BaseException | None = None
        async with self._sessions() as session:
            rows = (
                await session.scalars(
                    select(Notification)
                    .where(Notification.id.in_(notification_ids))
                    .order_by(Notification.id)
                )
            ).all()
            for row in rows:
                if row.status in ("sent", "failed"):
                    continue
                message = build_message(row, self._settings)
                row.attempts += 1
                row.message_id = message["Message-ID"]
                try:
                    await self._send(message)
                except aiosmtplib.SMTPRecipientsRefused as exc:
                    await self._fail(session, row, f"alamat ditolak: {exc.recipients}")
                except aiosmtplib.SMTPResponseException as exc:
                    if 500 <= exc.code < 600:
                        await self._fail(session, row, f"SMTP {exc.code}: {exc.message}")
                    else:
                        row.last_error, failure = f"SMTP {exc.code}: {exc.message}"[:2000], failure or exc
                except (aiosmtplib.SMTPException, OSError) as exc:
                    row.last_error, failure = f"{type(exc).__name__}: {exc}"[:2000], failure or exc
                else:
                    row.status, row.sent_at, row.last_error = "sent", datetime.now(UTC), None
                # Recorded notice by notice: a crash repeats at most the one notice in flight.
                await session.commit()
            statuses = {row.id: row.status for row in rows}
        if failure is not None:
            raise failure
        return [statuses.get(notification_id, "missing") for notification_id in notification_ids]

    @activity.defn(name="send_notification")
    async def send_notification(self, notification_id: int) -> str:
        """One notice (histories recorded before batching still schedule this)."""
        return (await self.send_notifications([notification_id]))[0]

    async def _fail(self, session: AsyncSession, row: Notification, error: str) -> None:
        """Permanent failure: recorded on the notice and, for staff, on the case's timeline."""
        row.status, row.last_error = "failed", error[:2000]
        key = f"{row.case_id}:mail_failed:{row.id}"
        if await session.scalar(select(TimelineEvent.id).where(TimelineEvent.key == key)) is None:
            session.add(
                TimelineEvent(
                    key=key,
                    case_id=row.case_id,
                    subject_type="request",
                    subject_id=row.case_id,
                    at=datetime.now(UTC),
                    event="mail_failed",
                    label=f"Email kepada {row.recipient_role} gagal terkirim secara permanen ({error[:200]})",
                    internal=True,
                    data={"notification_id": row.id, "recipient": row.recipient},
                )
            )
