"""The registers: directory, staff, cases (request, objection, dispute), tasks, notices, timeline, calendar.

The database is the read model and the register; the Temporal workflows own the legal state machine and
write here through activities. Primary keys of cases are opaque random ids, never personal data.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base, Timestamped, utcnow
from db.types import UTCDateTime


class KomisiInformasi(Timestamped, Base):
    __tablename__ = "komisi_informasi"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(16))
    timezone: Mapped[str] = mapped_column(String(40))
    email: Mapped[str] = mapped_column(String(254))


class Body(Timestamped, Base):
    """A badan publik: the tenant."""

    __tablename__ = "bodies"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(16))
    state_body: Mapped[bool] = mapped_column(Boolean, default=True)
    timezone: Mapped[str] = mapped_column(String(40))
    komisi_id: Mapped[int] = mapped_column(ForeignKey("komisi_informasi.id"))
    ppid_email: Mapped[str] = mapped_column(String(254))
    atasan_email: Mapped[str] = mapped_column(String(254))
    head_email: Mapped[str] = mapped_column(String(254))

    # Loaded only where asked for (selectinload/joinedload): a case's activity reads its body on every event
    # and must not load every unit of a kabupaten with it.
    komisi: Mapped[KomisiInformasi] = relationship(lazy="raise")
    units: Mapped[list[Unit]] = relationship(
        back_populates="body", lazy="raise", order_by="Unit.slug", cascade="all, delete-orphan"
    )


class Unit(Timestamped, Base):
    """A PPID Pelaksana/Pembantu unit of a body (OPD, kecamatan, ...)."""

    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("body_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))

    body: Mapped[Body] = relationship(back_populates="units")


class User(Timestamped, Base):
    """A staff account. Requesters have no account (they use their tracking code)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    body_id: Mapped[int | None] = mapped_column(ForeignKey("bodies.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    komisi_id: Mapped[int | None] = mapped_column(ForeignKey("komisi_informasi.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Carried in every token: a password change or a deactivation increments it, revoking older tokens.
    token_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class RegistrationCounter(Base):
    """Per-body, per-year, per-register sequence (22(4)-(5)): `0042/PPID/SGU/XI/2026`."""

    __tablename__ = "registration_counters"

    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    register: Mapped[str] = mapped_column(String(8), primary_key=True)  # PPID | KEB
    last_seq: Mapped[int] = mapped_column(Integer, default=0)


class InfoRequest(Timestamped, Base):
    """A permohonan informasi (Pasal 22)."""

    __tablename__ = "requests"
    __table_args__ = (
        Index("ix_requests_body_status", "body_id", "status"),
        Index("ix_requests_body_received", "body_id", "received_at"),  # the case list, newest first
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    registration_number: Mapped[str] = mapped_column(String(64), unique=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    status: Mapped[str] = mapped_column(String(32))  # RequestStatus; follows its objection
    channel: Mapped[str] = mapped_column(String(16))
    requester_kind: Mapped[str] = mapped_column(String(16))
    requester_name: Mapped[str] = mapped_column(String(200))
    nik: Mapped[str | None] = mapped_column(String(16))
    legal_entity_number: Mapped[str | None] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    occupation: Mapped[str | None] = mapped_column(String(120))
    proxy: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    information: Mapped[str] = mapped_column(Text)
    purpose: Mapped[str] = mapped_column(Text)
    obtain_method: Mapped[str] = mapped_column(String(16))
    copy_format: Mapped[str | None] = mapped_column(String(16))
    delivery_method: Mapped[str] = mapped_column(String(16))
    tracking_code_hash: Mapped[str] = mapped_column(String(128))
    idempotency_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    # sha256 of the submitted form and the caller: a replay must send the same form to get the case back.
    idempotency_fingerprint: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # explanation of the current T1/T2
    extended: Mapped[bool] = mapped_column(Boolean, default=False)
    extension_reason: Mapped[str | None] = mapped_column(Text)
    decision: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_late: Mapped[bool] = mapped_column(Boolean, default=False)
    objection_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)  # T3
    workflow_id: Mapped[str] = mapped_column(String(80))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Objection(Timestamped, Base):
    """A keberatan to the Atasan PPID (Pasal 35-36)."""

    __tablename__ = "objections"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("requests.id"), index=True)
    registration_number: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[list[str]] = mapped_column(JSON)
    case_position: Mapped[str] = mapped_column(Text)
    purpose: Mapped[str] = mapped_column(Text)
    filed_by_staff: Mapped[bool] = mapped_column(Boolean, default=False)
    late_override_reason: Mapped[str | None] = mapped_column(Text)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)  # T4
    deadline: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    response: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dispute_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)  # T5
    workflow_id: Mapped[str] = mapped_column(String(80))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Dispute(Timestamped, Base):
    """A sengketa before the Komisi Informasi (Pasal 37-48)."""

    __tablename__ = "disputes"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    objection_id: Mapped[str] = mapped_column(ForeignKey("objections.id"), unique=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("requests.id"), index=True)
    komisi_id: Mapped[int] = mapped_column(ForeignKey("komisi_informasi.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    statement: Mapped[str] = mapped_column(Text)
    requested_outcome: Mapped[str] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    register_number: Mapped[str | None] = mapped_column(String(120))
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    start_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # T6
    settle_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # T7
    stage: Mapped[str | None] = mapped_column(String(16))
    outcome: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    final_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # T8
    case_file: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    workflow_id: Mapped[str] = mapped_column(String(80))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Task(Timestamped, Base):
    """Something a person must do (decide a request, answer an objection, deliver, comply)."""

    __tablename__ = "tasks"
    __table_args__ = (Index("ix_tasks_body_status_due", "body_id", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(160), unique=True)  # idempotency: case + kind (+ round)
    kind: Mapped[str] = mapped_column(String(40))
    case_type: Mapped[str] = mapped_column(String(16))  # request | objection | dispute
    case_id: Mapped[str] = mapped_column(String(32), index=True)
    registration_number: Mapped[str] = mapped_column(String(64))
    body_id: Mapped[int | None] = mapped_column(ForeignKey("bodies.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    komisi_id: Mapped[int | None] = mapped_column(ForeignKey("komisi_informasi.id"))
    role: Mapped[str] = mapped_column(String(16))  # who must act
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="open")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the event's (workflow) time
    # A delivery or compliance task is done only with the delivery recorded (POST /v1/tasks/{id}/delivery).
    delivered_on: Mapped[date | None] = mapped_column(Date)
    delivery_method: Mapped[str | None] = mapped_column(String(16))  # domain/enums.py HandoverMethod
    delivery_note: Mapped[str | None] = mapped_column(Text)
    document_id: Mapped[str | None] = mapped_column(String(64))  # an uploaded document, if any
    completed_by: Mapped[str | None] = mapped_column(String(254))
    close_reason: Mapped[str | None] = mapped_column(Text)  # why it ended without its action (cancelled)


class Notification(Timestamped, Base):
    """The outbox: one row per notice, claimed (leased) before sending and marked sent after."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_status", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)  # case + event + recipient
    case_id: Mapped[str] = mapped_column(String(32), index=True)
    event: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(254))
    recipient_role: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    attachments: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Not before this moment: the lease of a claimed row, or the next attempt after a transient failure.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Document(Base):
    """A file the PPID gives the requester: an attachment of the decision (`decision`, the staff desk's
    "Lampiran") or a delivered document (`delivery`); several per action. The register keeps what the file is;
    its bytes are in the file store under its sha256 (db/filestore.py), so a backup takes the database and
    `<data dir>/files` together."""

    __tablename__ = "documents"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # opaque random hex
    case_id: Mapped[str] = mapped_column(ForeignKey("requests.id"), index=True)  # the request: one case chain
    kind: Mapped[str] = mapped_column(String(16))  # decision | delivery
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))  # from the allow-list (api/documents.py)
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))  # names the file in the store
    uploaded_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TimelineEvent(Base):
    """The case's timeline and audit trail; `key` makes activity retries idempotent."""

    __tablename__ = "timeline_events"
    __table_args__ = (Index("ix_timeline_case_at", "case_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    case_id: Mapped[str] = mapped_column(String(32))  # the request id: one timeline per case chain
    subject_type: Mapped[str] = mapped_column(String(16))  # request | objection | dispute
    subject_id: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    event: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(Text)
    actor: Mapped[str | None] = mapped_column(String(254))  # staff email; never shown to the requester
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class CalendarChangeRow(Base):
    """A holiday added or cancelled by an administrator; the id is the calendar version."""

    __tablename__ = "calendar_changes"
    __table_args__ = (Index("ix_calendar_changes_date", "date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    action: Mapped[str] = mapped_column(String(8))  # add | cancel
    date: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(200), default="")
    body_id: Mapped[int | None] = mapped_column(ForeignKey("bodies.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
