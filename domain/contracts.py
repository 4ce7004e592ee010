"""Inputs and outputs of workflows and activities (one Pydantic model each; new fields get defaults)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class DeadlineQuery(BaseModel):
    """N working days after `start` on the calendar of `body` (its time zone and its holidays)."""

    body: str
    start: datetime
    working_days: int = Field(ge=0, le=366)


class Exemption(BaseModel):
    """Pasal 17 ground and the consequence test (uji konsekuensi, Pasal 19) behind a refusal."""

    article: str
    consequence_test: str


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


class ReminderPlan(BaseModel):
    body: str
    due_at: datetime
    round: int  # 1 for T1, 2 for T2
    include_extension_prompt: bool


class CaseEvent(BaseModel):
    """What an activity records on the case: a state change, its timeline entry and its notices."""

    request_id: str
    event: str
    at: datetime
    actor: str | None = None
    round: int = 1
    data: dict[str, object] = Field(default_factory=dict)


class Recorded(BaseModel):
    """The outbox rows the recording created; the workflow sends each (exactly once)."""

    notification_ids: list[int] = Field(default_factory=list)
