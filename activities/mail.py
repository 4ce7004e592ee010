"""Sending the outbox: claim rows, send them through SMTP (aiosmtplib) on a few connections at once, mark each sent.

A claim sets `next_attempt_at` to a lease in the future in one conditional UPDATE, so two senders (the
dispatcher of another worker, or the send activity of a case started before the dispatcher existed) never
send the same row. A permanent rejection (5xx, bad address) is recorded on the row and the case, never
retried; a transient failure (server down, 4xx) is noted on the row and retried later with back-off."""

from __future__ import annotations

import asyncio
import email.policy
import email.utils
import hashlib
import json
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

import aiosmtplib
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from base.settings import Settings
from db.filestore import FileStore, FileStoreError
from db.models import Notification, TimelineEvent
from db.session import write_gate

# Long subjects are not folded onto a second line (some clients then show a leading blank).
POLICY = email.policy.default.clone(max_line_length=998)
LEASE = timedelta(minutes=2)  # a claimed row is not claimed again before this, unless it was released
BATCH = 60  # rows claimed and recorded together
CONNECTIONS = 4  # SMTP connections a batch is sent on at once
RETRY_FIRST = timedelta(seconds=5)
RETRY_MAX = timedelta(minutes=10)
# The connection itself failed: every row of the batch waits, not only the one being sent.
CONNECTION_ERRORS = (aiosmtplib.SMTPConnectError, aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError,
                     OSError)  # fmt: skip


def retry_delay(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s … at most 10 minutes: mail may be down for hours without hammering it."""
    return min(RETRY_FIRST * 2 ** max(attempts - 1, 0), RETRY_MAX)


def message_date(row: Notification, settings: Settings) -> datetime:
    """The email's Date: the moment it is sent; under the simulated clock, the simulated moment the notice
    was created (its case event's workflow time), so that a training run's mailbox reads in its own time."""
    if settings.ppid_clock == "simulated":
        return row.created_at.astimezone(UTC)
    return datetime.now(UTC)


def build_message(row: Notification, settings: Settings) -> EmailMessage:
    message = EmailMessage(policy=POLICY)
    message["From"] = settings.mail_from
    message["To"] = row.recipient
    message["Subject"] = row.subject
    message["Date"] = format_datetime(message_date(row, settings))
    # Stable per notice: a resend after a crash carries the same Message-ID, so mail systems can dedupe.
    domain = settings.mail_from.rsplit("@", 1)[-1].strip("> ") or "ppid.local"
    digest = hashlib.sha256(row.idempotency_key.encode()).hexdigest()[:12]
    message["Message-ID"] = f"<notice-{row.id}-{digest}@{domain}>"
    message.set_content(row.body_text)
    store = FileStore.of(settings)
    for attachment in row.attachments or []:
        if "sha256" in attachment:  # a document: its bytes from the file store, read now (FileStoreError)
            data = store.get(str(attachment["sha256"]), int(attachment["size"]))
        else:  # written into the row itself (the KI's case file, JSON and HTML)
            content = attachment["content"]
            data = content.encode() if isinstance(content, str) else json.dumps(content, indent=2).encode()
        maintype, _, subtype = attachment.get("content_type", "application/octet-stream").partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=attachment["filename"])
    return message


async def claim(
    session: AsyncSession, *, ids: Sequence[int] | None = None, limit: int = BATCH
) -> list[Notification]:
    """Lease pending rows that are due (the given ones, or the oldest due ones) and return them, committed."""
    now = datetime.now(UTC)
    due = (Notification.status == "pending") & or_(
        Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now
    )
    if ids is None:
        candidates = select(Notification.id).where(due).order_by(Notification.id).limit(limit)
        # Looked at first without writing: an idle outbox then never takes SQLite's write lock.
        if (await session.scalar(candidates.limit(1))) is None:
            return []
    else:
        candidates = select(Notification.id).where(Notification.id.in_(list(ids)))
    claimed = (
        await session.scalars(
            update(Notification)
            .where(Notification.id.in_(candidates.scalar_subquery()), due)
            .values(next_attempt_at=now + LEASE)
            .returning(Notification.id)
        )
    ).all()
    await session.commit()
    if not claimed:
        return []
    rows = await session.scalars(
        select(Notification).where(Notification.id.in_(claimed)).order_by(Notification.id)
    )
    return list(rows.all())


@dataclass
class Sent:
    """What one SMTP connection did with its share of a batch; applied to the session after every share is
    done, since one session takes one statement at a time."""

    sent: int = 0
    failed: list[tuple[Notification, str]] = field(default_factory=list)
    postponed: list[Notification] = field(default_factory=list)
    error: BaseException | None = None


class Mailer:
    """Sends claimed rows on up to CONNECTIONS SMTP connections at once and records each outcome."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def _client(self) -> aiosmtplib.SMTP:
        s = self._settings
        return aiosmtplib.SMTP(
            hostname=s.smtp_host or "127.0.0.1",
            port=s.smtp_port or (465 if s.smtp_security == "tls" else 25),
            # A relay inside the pemda network often takes mail without a login: an empty value means none
            # (compose passes SMTP_USERNAME= through as "", and aiosmtplib would try to log in with it).
            username=s.smtp_username or None,
            password=s.smtp_password or None,
            use_tls=s.smtp_security == "tls",
            start_tls=True if s.smtp_security == "starttls" else False,
            timeout=15,
        )

    async def deliver(self, session: AsyncSession, rows: Sequence[Notification]) -> int:
        """Send the rows; returns how many were accepted. The batch is shared out by case over CONNECTIONS
        connections, since each message waits for the server's answers to MAIL, RCPT and DATA in turn. The
        outcomes are committed together at the end of the batch: one write transaction per batch keeps SQLite's single
        write lock free for intake. A crash (SIGKILL) in the middle resends the batch's notices once, with the
        same Message-IDs; a clean stop finishes the batch first."""
        shares: dict[int, list[Notification]] = {}
        for row in rows:  # one case's notices on one connection, so they arrive in the order made
            shares.setdefault(zlib.crc32(str(row.case_id).encode()) % CONNECTIONS, []).append(row)
        outcomes = await asyncio.gather(*(self._send(share) for share in shares.values()))
        for outcome in outcomes:
            for row, error in outcome.failed:
                await self._fail(session, row, error)
            for row in outcome.postponed:  # the server could not be reached: they wait, none is lost
                row.attempts += 1
                self._retry_later(row, f"{type(outcome.error).__name__}: {outcome.error}")
        async with write_gate(session.bind):
            await session.commit()
        return sum(outcome.sent for outcome in outcomes)

    async def _send(self, rows: Sequence[Notification]) -> Sent:
        """One connection's share, in order. A connection that fails leaves its remaining rows postponed."""
        outcome = Sent()
        sender = email.utils.parseaddr(self._settings.mail_from)[1] or self._settings.mail_from
        smtp = self._client()
        try:
            await smtp.connect()
        except CONNECTION_ERRORS as exc:
            outcome.postponed, outcome.error = list(rows), exc
            return outcome
        try:
            for index, row in enumerate(rows):
                try:
                    message = build_message(row, self._settings)
                except FileStoreError as exc:  # an attachment's file is missing or damaged: retried later
                    row.attempts += 1
                    self._retry_later(row, f"lampiran tidak terbaca: {exc}")
                    continue
                row.attempts += 1
                row.message_id = message["Message-ID"]
                try:
                    # Serialized with our policy, so that long subjects stay on one line.
                    data = message.as_bytes(policy=POLICY.clone(linesep="\r\n"))
                    await smtp.sendmail(sender, [row.recipient], data)
                except aiosmtplib.SMTPRecipientsRefused as exc:
                    outcome.failed.append((row, f"alamat ditolak: {exc.recipients}"))
                except ValueError as exc:  # an address SMTP cannot carry
                    outcome.failed.append((row, f"alamat tidak sah: {exc}"))
                except aiosmtplib.SMTPResponseException as exc:
                    if 500 <= exc.code < 600:
                        outcome.failed.append((row, f"SMTP {exc.code}: {exc.message}"))
                    else:
                        self._retry_later(row, f"SMTP {exc.code}: {exc.message}")
                except CONNECTION_ERRORS as exc:
                    row.attempts -= 1  # counted again with the rest of the share
                    outcome.postponed, outcome.error = list(rows[index:]), exc
                    return outcome
                else:
                    row.status, row.sent_at, row.last_error = "sent", datetime.now(UTC), None
                    outcome.sent += 1
        finally:
            if smtp.is_connected:
                try:
                    await smtp.quit()
                except (aiosmtplib.SMTPException, OSError):
                    smtp.close()
        return outcome

    @staticmethod
    def _retry_later(row: Notification, error: str) -> None:
        row.last_error = error[:2000]
        row.next_attempt_at = datetime.now(UTC) + retry_delay(row.attempts)

    @staticmethod
    async def _fail(session: AsyncSession, row: Notification, error: str) -> None:
        """Permanent failure: recorded on the notice and, for staff, on the case's timeline."""
        row.status, row.last_error, row.next_attempt_at = "failed", error[:2000], None
        key = f"{row.case_id}:mail_failed:{row.id}"
        with session.no_autoflush:  # written at the batch's commit, inside the write gate
            known = await session.scalar(select(TimelineEvent.id).where(TimelineEvent.key == key))
        if known is None:
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
