"""Sending the outbox: claim the row, send through SMTP (aiosmtplib), mark it sent.

A permanent rejection (5xx, bad address) is recorded on the row and the case, not retried; a transient
failure (server down, 4xx) raises so Temporal retries with back-off until the server returns."""

from __future__ import annotations

import email.policy
import email.utils
import json
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import aiosmtplib
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

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
    domain = settings.mail_from.rsplit("@", 1)[-1].strip(">") or "ppid.local"
    message["Message-ID"] = row.message_id or make_msgid(f"notice-{row.id}", domain=domain)
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
        """The notices of one event, one after the other; a retry skips those already sent or failed. Every
        notice is tried (and its error noted) before a transient failure makes Temporal retry the batch."""
        results: list[str] = []
        failure: BaseException | None = None
        for notification_id in notification_ids:
            try:
                results.append(await self.send_notification(notification_id))
            except (aiosmtplib.SMTPException, OSError) as exc:
                failure = failure or exc
                results.append("retry")
        if failure is not None:
            raise failure
        return results

    @activity.defn(name="send_notification")
    async def send_notification(self, notification_id: int) -> str:
        async with self._sessions() as session:
            row = await session.get(Notification, notification_id)
            if row is None:
                raise ApplicationError(f"notification {notification_id} not found", non_retryable=True)
            if row.status in ("sent", "failed"):
                return row.status  # already done: a retry or a replay never sends twice
            message = build_message(row, self._settings)
            row.status, row.attempts, row.message_id = "sending", row.attempts + 1, message["Message-ID"]
            await session.commit()
        try:
            await self._send(message)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            return await self._fail(notification_id, f"alamat ditolak: {exc.recipients}")
        except aiosmtplib.SMTPResponseException as exc:
            if 500 <= exc.code < 600:
                return await self._fail(notification_id, f"SMTP {exc.code}: {exc.message}")
            await self._note_error(notification_id, f"SMTP {exc.code}: {exc.message}")
            raise
        except (aiosmtplib.SMTPException, OSError) as exc:
            await self._note_error(notification_id, f"{type(exc).__name__}: {exc}")
            raise
        async with self._sessions() as session:
            await session.execute(
                update(Notification)
                .where(Notification.id == notification_id)
                .values(status="sent", sent_at=datetime.now(UTC), last_error=None)
            )
            await session.commit()
        return "sent"

    async def _note_error(self, notification_id: int, error: str) -> None:
        async with self._sessions() as session:
            await session.execute(
                update(Notification).where(Notification.id == notification_id).values(last_error=error[:2000])
            )
            await session.commit()

    async def _fail(self, notification_id: int, error: str) -> str:
        """Permanent failure: recorded on the notice and, for staff, on the case's timeline."""
        async with self._sessions() as session:
            row = await session.get(Notification, notification_id)
            assert row is not None
            row.status, row.last_error = "failed", error[:2000]
            key = f"{row.case_id}:mail_failed:{row.id}"
            exists = await session.scalar(select(TimelineEvent.id).where(TimelineEvent.key == key))
            if exists is None:
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
            await session.commit()
        return "failed"
