"""Inputs and outputs of the consequence test workflow and its activity (one Pydantic model each)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from domain.contracts import Alarm


class ConsequenceTestStart(BaseModel):
    """Ids only: the test's content is in the register (db/models.py ConsequenceTest)."""

    test_id: str
    body: str
    timezone: str
    request_id: str | None = None
    renews_entry_id: str | None = None  # a retest of this DIK entry (PP 61/2010 Pasal 10)
    renews_workflow_id: str | None = None  # the workflow running that entry's clock


class StepCommand(BaseModel):
    """A step of the chain: review (forward | return), resubmission, approval (approve | refuse), the expiry
    determination (open | retest). `actor_role` is the actor's place in the chain, worked out by the API:
    `utama` (PPID of the body), `pelaksana` (PPID of a unit), `atasan` (Atasan PPID)."""

    action: str
    note: str | None = None
    actor: str
    actor_role: str
    changes: dict[str, object] = Field(default_factory=dict)  # a resubmission's corrected fields


class TestEvent(BaseModel):
    test_id: str
    event: str
    at: datetime
    actor: str | None = None
    round: int = 1
    data: dict[str, object] = Field(default_factory=dict)


class TestRecorded(BaseModel):
    """What the recording wrote and what the workflow waits for next."""

    notification_ids: list[int] = Field(default_factory=list)
    status: str
    alarms: list[Alarm] = Field(default_factory=list)  # the current step's reminders, or the entry's clock
    entry_id: str | None = None
    entry_in_force: bool = False
    number: str | None = None


class StepResult(BaseModel):
    status: str
    due_at: datetime | None = None
    dik_entry_id: str | None = None
    number: str | None = None
