"""Inputs and outputs of workflows and activities (one Pydantic model each; new fields get defaults)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from domain.calendar import Deadline


class DeadlineQuery(BaseModel):
    """N working days after `start` on the calendar of `body` (its time zone and its holidays), or, for a
    Komisi Informasi, on the national calendar in `timezone`."""

    body: str | None = None
    start: datetime
    working_days: int = Field(ge=0, le=366)
    timezone: str | None = None


class Exemption(BaseModel):
    """Pasal 17 ground and the consequence test (uji konsekuensi, Pasal 19) behind a refusal."""

    article: str
    consequence_test: str
    # The DIK entry the refusal cites (its article and consequence copied above), and its public summary.
    dik_entry: str | None = None
    dik_number: str | None = None
    dik_summary: str | None = None


class RequestStart(BaseModel):
    """Input of the request workflow: ids and dates only, never personal data."""

    request_id: str
    registration_number: str
    body: str
    timezone: str
    received_at: datetime
    due_at: datetime  # T1, computed at registration


class ExtensionCommand(BaseModel):
    reason: str
    actor: str


class DecisionCommand(BaseModel):
    outcome: str
    exemption: Exemption | None = None
    redactions: str | None = None
    holder_body: str | None = None
    fee_idr: int | None = None
    note: str | None = None
    # The documents given with a grant (the documents register, kind `decision`), stored before the Update.
    document_ids: list[str] = Field(default_factory=list)
    actor: str


class DeliveryCommand(BaseModel):
    """The PPID records that information owed was handed over (a grant, an Atasan's grant, a KI order): the
    Update `record_delivery` of the workflow that owns the case."""

    delivered_on: date
    method: str  # domain/enums.py HandoverMethod
    note: str | None = None
    # A reference to a document given (kept as before: the first uploaded document when there are any).
    document_id: str | None = None
    document_ids: list[str] = Field(default_factory=list)  # the uploaded documents (the documents register)
    actor: str


class AssignCommand(BaseModel):
    unit: str
    actor: str


class ActionResult(BaseModel):
    status: str
    due_at: datetime
    objection_deadline: datetime | None = None


class Alarm(BaseModel):
    """A moment the workflow must act at: a reminder, an expiry, the end of a window."""

    kind: str
    at: datetime


class ReminderSpec(BaseModel):
    kind: str
    working_days_before: int


class ReminderPlan(BaseModel):
    body: str
    due_at: datetime | None = None  # None only inside a record: the deadline that event computes
    round: int  # 1 for T1, 2 for T2
    include_extension_prompt: bool
    schedule: list[ReminderSpec] | None = None  # None: the PPID's T1/T2 reminders


class Recorded(BaseModel):
    """The outbox rows the recording created (the outbox dispatcher sends them), and what it worked out."""

    notification_ids: list[int] = Field(default_factory=list)
    deadline: Deadline | None = None
    alarms: list[Alarm] | None = None


# --- Objection (keberatan) and dispute (sengketa) -------------------------------------------------------


class ObjectionCommand(BaseModel):
    """Filing an objection on the request workflow (Pasal 35)."""

    reasons: list[str]
    case_position: str
    purpose: str
    filed_by: str  # "requester" or the staff member's email
    late_override_reason: str | None = None


class ObjectionFiled(BaseModel):
    id: str
    registration_number: str
    status: str
    due_at: datetime


class ObjectionStart(BaseModel):
    objection_id: str
    request_id: str
    registration_number: str
    body: str
    timezone: str
    registered_at: datetime
    due_at: datetime  # T4
    reasons: list[str]


class ResponseCommand(BaseModel):
    outcome: str  # granted | partially_granted | upheld
    reasons: str | None = None
    order: str | None = None
    actor: str


class DisputeCommand(BaseModel):
    statement: str
    requested_outcome: str


class DisputeFiled(BaseModel):
    id: str
    komisi_informasi: str
    status: str


class DisputeStart(BaseModel):
    dispute_id: str
    objection_id: str
    request_id: str
    registration_number: str
    komisi: str
    komisi_timezone: str
    reasons: list[str]


class DisputeRegistration(BaseModel):
    register_number: str
    actor: str


class StageCommand(BaseModel):
    stage: str  # mediation | adjudication
    actor: str


class OutcomeCommand(BaseModel):
    outcome: str
    decision_number: str | None = None
    summary: str | None = None
    disclosure_due: date | None = None
    actor: str


class CaseStatus(BaseModel):
    status: str
    due_at: datetime | None = None
    next_deadline: datetime | None = None


class RegisterObjection(BaseModel):
    objection_id: str
    request_id: str
    at: datetime
    command: ObjectionCommand


class RegisterDispute(BaseModel):
    dispute_id: str
    objection_id: str
    at: datetime
    command: DisputeCommand


# --- The living calendar -----------------------------------------------------------------------------------


class CalendarChanged(BaseModel):
    """Signal to an open case: a holiday was added or cancelled; recompute the running clocks."""

    version: int
    action: str  # add | cancel
    date: date
    name: str = ""
    confirm_earlier: bool = False  # an admin allows dates already told to move earlier


class CalendarCheck(BaseModel):
    """The yearly calendar check at a moment (workflow time)."""

    at: datetime


# --- The court objection against a KI adjudication decision (Pasal 47-48) ---------------------------------


class CourtObjectionCommand(BaseModel):
    """A party filed an objection before a court against the KI's adjudication decision within T8; the KI
    clerk or the PPID of the respondent body records it, and the decision does not become final."""

    court: str  # as written by the clerk, e.g. "Pengadilan Tata Usaha Negara Pontianak"
    court_kind: str  # ptun | pengadilan_negeri, derived from the body (Pasal 47)
    filed_on: date
    case_number: str
    recorded_by: str  # komisi | ppid
    actor: str
