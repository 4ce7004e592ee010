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
    # The consequence test's steps, in working days (the directory file's optional keys; None: the defaults
    # of activities/consequence_tests.py).
    uk_review_days: Mapped[int | None] = mapped_column(Integer)
    uk_approval_days: Mapped[int | None] = mapped_column(Integer)

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
    __table_args__ = (Index("ix_tasks_body_status_role_due", "body_id", "status", "role", "due_at"),)

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
    note: Mapped[str | None] = mapped_column(Text)  # what the assignee must know (a test's warning)


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
    confirm_earlier: Mapped[bool] = mapped_column(Boolean, default=False)  # told dates may move earlier
    # The running workflows the change has still to reach: written in the change's own transaction, emptied as
    # each accepts the signal (activities/calendar_delivery.py); `delivered_at` is set once none is left, and
    # until then the worker signals the rest again.
    undelivered: Mapped[list[str]] = mapped_column(JSON, default=list)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DipEntry(Timestamped, Base):
    """An entry of the Daftar Informasi Publik (UU Pasal 11(1)(a); Perki 1/2021 format): information the body
    holds and publishes, by category (berkala Pasal 9, serta merta Pasal 10, setiap saat Pasal 11). The
    information itself is a link or a document in the file store (db/filestore.py, by sha256); an entry taken
    down is unpublished, not deleted, so the register keeps what was public and when."""

    __tablename__ = "dip_entries"
    __table_args__ = (Index("ix_dip_entries_body_published", "body_id", "published"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id", ondelete="CASCADE"))
    unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("units.id")
    )  # the unit holding it; none: PPID Utama
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text)  # ringkasan isi informasi
    category: Mapped[str] = mapped_column(String(16))  # berkala | serta_merta | setiap_saat
    responsible_officer: Mapped[str] = mapped_column(String(200))  # pejabat yang menguasai informasi
    made_when: Mapped[str] = mapped_column(
        String(120)
    )  # waktu pembuatan, as written ("2025", "setiap bulan")
    made_place: Mapped[str] = mapped_column(String(200))  # tempat pembuatan
    form: Mapped[str] = mapped_column(String(120))  # bentuk informasi: tercetak / elektronik / ...
    retention: Mapped[str] = mapped_column(String(120))  # jangka waktu penyimpanan, as written
    url: Mapped[str | None] = mapped_column(String(1000))
    document_sha256: Mapped[str | None] = mapped_column(String(64))
    document_filename: Mapped[str | None] = mapped_column(String(255))
    document_content_type: Mapped[str | None] = mapped_column(String(100))
    document_size: Mapped[int | None] = mapped_column(Integer)
    published: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(254))
    updated_by: Mapped[str | None] = mapped_column(String(254))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ConsequenceTest(Timestamped, Base):
    """An uji konsekuensi (UU Pasal 19; PP 61/2010 Pasal 3; Perki 1/2021 Pasal 49): drafted by a PPID, reviewed
    by the PPID Utama, approved by the Atasan PPID; its approval puts the information in the DIK."""

    __tablename__ = "consequence_tests"
    __table_args__ = (Index("ix_consequence_tests_body_status", "body_id", "status"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # opaque random hex
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))  # the unit holding the information
    request_id: Mapped[str | None] = mapped_column(ForeignKey("requests.id"), index=True)
    renews_entry_id: Mapped[str | None] = mapped_column(String(32))  # a retest of this DIK entry (Pasal 10)
    status: Mapped[str] = mapped_column(String(16))  # submitted | returned | forwarded | approved | refused
    information: Mapped[str] = mapped_column(Text)
    documents: Mapped[str] = mapped_column(Text)
    excepted_part: Mapped[str | None] = mapped_column(Text)
    article: Mapped[str] = mapped_column(String(4))  # 17a … 17j
    point: Mapped[int | None] = mapped_column(Integer)  # angka of the ground, if any
    other_law: Mapped[str | None] = mapped_column(Text)
    information_kind: Mapped[str] = mapped_column(String(40), default="other")  # Pasal 18(1)
    harm: Mapped[str] = mapped_column(Text)  # konsekuensi bila dibuka
    public_interest: Mapped[str] = mapped_column(Text)  # Pasal 2(4)
    # Who took part besides the chain (e.g. the unit's head, a records officer, an expert), one per line.
    participants: Mapped[str | None] = mapped_column(Text)
    conclusion: Mapped[str] = mapped_column(String(16))  # closed | open | partly_closed
    exemption_until: Mapped[date | None] = mapped_column(Date)
    exemption_condition: Mapped[str | None] = mapped_column(Text)
    submitted_by: Mapped[str] = mapped_column(String(254))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    rounds: Mapped[int] = mapped_column(Integer, default=1)  # review rounds (a return starts another)
    review_note: Mapped[str | None] = mapped_column(Text)
    reviewed_by: Mapped[str | None] = mapped_column(String(254))
    decision_note: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(254))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the current step's SLA
    number: Mapped[str | None] = mapped_column(String(64), unique=True)  # the berita acara's, on approval
    dik_entry_id: Mapped[str | None] = mapped_column(String(32))
    workflow_id: Mapped[str] = mapped_column(String(80))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class DikEntry(Timestamped, Base):
    """An entry of the Daftar Informasi yang Dikecualikan (Perki 1/2021 columns): information excepted by an
    approved consequence test, in force until its period ends, a determination opens it (PP 61/2010 Pasal
    11), an Atasan's answer or a KI decision orders it opened, or a new test supersedes it (Pasal 10). Its
    history is in `timeline_events` (subject_type `dik`)."""

    __tablename__ = "dik_entries"
    __table_args__ = (Index("ix_dik_entries_body_status", "body_id", "status"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # opaque random hex
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))  # the responsible unit
    test_id: Mapped[str] = mapped_column(ForeignKey("consequence_tests.id"), unique=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)  # berita acara uji konsekuensi
    information: Mapped[str] = mapped_column(Text)
    excepted_part: Mapped[str | None] = mapped_column(Text)
    article: Mapped[str] = mapped_column(String(4))
    point: Mapped[int | None] = mapped_column(Integer)
    other_law: Mapped[str | None] = mapped_column(Text)
    consequence: Mapped[str] = mapped_column(Text)
    exemption_until: Mapped[date | None] = mapped_column(Date)
    exemption_condition: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
    approved_by: Mapped[str] = mapped_column(String(254))  # the Atasan PPID (staff only, never public)
    status: Mapped[str] = mapped_column(String(16))  # in_force | opened | superseded
    determination_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # PP 61/2010 Pasal 11
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_reason: Mapped[str | None] = mapped_column(String(16))  # determination|expired|objection|dispute
    superseded_by: Mapped[str | None] = mapped_column(String(32))  # the entry that replaced it
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class MonevRound(Timestamped, Base):
    """A Komisi Informasi's yearly monev (Perki 1/2022): its questionnaire, the bodies' self-assessment window
    and the verification deadline, on the KI's calendar; `status` draft → open → closed → published."""

    __tablename__ = "monev_rounds"
    __table_args__ = (UniqueConstraint("komisi_id", "year"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # opaque random hex
    komisi_id: Mapped[int] = mapped_column(ForeignKey("komisi_informasi.id"))
    year: Mapped[int] = mapped_column(Integer)
    opens_on: Mapped[date] = mapped_column(Date)  # the bodies may answer from 00:00 (KI's zone)
    closes_on: Mapped[date] = mapped_column(Date)  # ... until 23:59:59 of this day
    verification_due: Mapped[date] = mapped_column(Date)  # the KI verifies and scores by the end of this day
    status: Mapped[str] = mapped_column(String(16))
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    workflow_id: Mapped[str | None] = mapped_column(String(80))
    created_by: Mapped[str] = mapped_column(String(254))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class MonevIndicator(Base):
    """An indicator of a round's questionnaire with its weight (whole percent; a round's weights sum to 100)."""

    __tablename__ = "monev_indicators"
    __table_args__ = (UniqueConstraint("round_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[str] = mapped_column(ForeignKey("monev_rounds.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(200))
    weight: Mapped[int] = mapped_column(Integer)


class MonevQuestion(Base):
    """A question of an indicator, the evidence (data dukung) it needs, and the register that can pre-fill it
    (domain/monev.py Prefill), if any."""

    __tablename__ = "monev_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(
        ForeignKey("monev_indicators.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(Text)
    prefill: Mapped[str | None] = mapped_column(String(32))


class MonevAnswer(Timestamped, Base):
    """A body's answer to a question: its text, evidence links and files (bytes in the file store by sha256,
    db/filestore.py), the figures the registers pre-filled, and the KI's verified score (0-100) and note."""

    __tablename__ = "monev_answers"
    __table_args__ = (UniqueConstraint("round_id", "body_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[str] = mapped_column(ForeignKey("monev_rounds.id", ondelete="CASCADE"), index=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id"))
    question_id: Mapped[int] = mapped_column(ForeignKey("monev_questions.id", ondelete="CASCADE"))
    answer: Mapped[str] = mapped_column(Text, default="")
    links: Mapped[list[str] | None] = mapped_column(JSON)
    files: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)  # {sha256, filename, content_type, size}
    prefilled: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    score: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    verified_by: Mapped[str | None] = mapped_column(String(254))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_by: Mapped[str | None] = mapped_column(String(254))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class MonevSubmission(Base):
    """A body's submitted self-assessment: its answers are then the KI's to verify."""

    __tablename__ = "monev_submissions"
    __table_args__ = (UniqueConstraint("round_id", "body_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[str] = mapped_column(ForeignKey("monev_rounds.id", ondelete="CASCADE"), index=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_by: Mapped[str] = mapped_column(String(254))


class AnnualReport(Timestamped, Base):
    """The yearly Laporan Layanan Informasi Publik of a body (UU Pasal 12; Perki 1/2021 Pasal 56): the narrative
    sections the PPID Utama writes, and from its submission on the figures of the registers as they stood then
    (`figures`) with the PDF sent to the Atasan PPID and the Komisi Informasi (in the file store by sha256).
    Until then the figures are read live from the registers (db/reports.py)."""

    __tablename__ = "annual_reports"
    __table_args__ = (UniqueConstraint("body_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer)  # the year reported on; due 31 March of the next
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft | submitted
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    prepared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the workflow opened the PPID's task
    policy: Mapped[str] = mapped_column(Text, default="")  # 1. kebijakan layanan
    facilities: Mapped[str] = mapped_column(Text, default="")  # 2. sarana dan prasarana
    staff_budget: Mapped[str] = mapped_column(Text, default="")  # 2. sumber daya manusia dan anggaran
    obstacles: Mapped[str] = mapped_column(Text, default="")  # 5. kendala internal dan eksternal
    recommendations: Mapped[str] = mapped_column(Text, default="")  # 6. rekomendasi dan rencana tindak lanjut
    updated_by: Mapped[str | None] = mapped_column(String(254))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by: Mapped[str | None] = mapped_column(String(254))
    submitted_late: Mapped[bool] = mapped_column(Boolean, default=False)
    figures: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the snapshot at submission
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    pdf_size: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
