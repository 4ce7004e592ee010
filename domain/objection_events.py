"""What the objection workflow (keberatan, Pasal 35-37) records at each event: one model per event, carried
with the Transition the workflow decided and the clock the recording computes on the body's calendar.

The recording activity (activities/objections.py) writes exactly this: the timeline entry `objection_<name>`,
the event's own facts (the Atasan's answer, a delivery, a moved clock), the status and tasks of the
Transition, and the notices of the event. It never works a state out from the event."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from domain.case_change import ClockMoved, Handover, Transition
from domain.contracts import ReminderPlan, ResponseCommand


class _Event(BaseModel):
    event: str  # the discriminator; each event narrows it to its own literal

    @property
    def name(self) -> str:
        """The timeline event's suffix (`objection_<name>`) and the idempotency key's."""
        return self.event


class ObjectionRegistered(_Event):
    """The objection was recorded (Pasal 35): the requester's receipt, the Atasan's notice, T4 runs."""

    event: Literal["registered"] = "registered"


class AtasanReminded(_Event):
    """A reminder to the Atasan PPID `days_left` working days before T4 ends (law.T4.reminders)."""

    event: Literal["atasan_reminder"] = "atasan_reminder"
    kind: str  # the reminder's kind in law.T4.reminders, e.g. `atasan_reminder_10`
    days_left: int

    @property
    def name(self) -> str:
        return self.kind


class ObjectionAnswered(_Event):
    """The Atasan PPID's written answer (Pasal 36(2)); `late` after T4 ended. A grant orders disclosure: the
    DIK entry the refusal cited opens (PP 61/2010 Pasal 11(2)) and the PPID must deliver."""

    event: Literal["answered"] = "answered"
    outcome: str  # granted | partially_granted | upheld
    reasons: str | None = None
    order: str | None = None
    late: bool = False
    grants: bool = False

    def response(self) -> dict[str, object]:
        """The answer as the objection's row and the timeline keep it."""
        return {"outcome": self.outcome, "reasons": self.reasons, "order": self.order}

    @classmethod
    def of(cls, command: ResponseCommand, *, late: bool, grants: bool) -> ObjectionAnswered:
        return cls(
            outcome=command.outcome, reasons=command.reasons, order=command.order, late=late, grants=grants
        )


class ObjectionOverdue(_Event):
    """T4 ended without an answer (Pasal 36(2)): escalated to the head of the body; T5 runs from the expiry."""

    event: Literal["overdue"] = "overdue"


class ObjectionAccepted(_Event):
    """The requester accepts the answer (or its absence after T4): the case ends."""

    event: Literal["accepted"] = "accepted"


class ObjectionClosed(_Event):
    """T5 ended without a dispute (Pasal 37(2))."""

    event: Literal["closed"] = "closed"


class ObjectionDelivered(Handover, _Event):
    """The PPID handed over what the Atasan's grant ordered (Pasal 36)."""

    event: Literal["delivered"] = "delivered"


class ObjectionDeadlineMoved(ClockMoved, _Event):
    """T4 or T5 recomputed after a calendar change (domain/case_change.py `ClockMoved`)."""

    event: Literal["deadline_moved"] = "deadline_moved"

    def data(self) -> dict[str, object]:
        """The timeline's data, as the case pages and the calendar preview read it (clock, deadline, kept)."""
        return self.model_dump(mode="json", exclude={"event"})


ObjectionEvent = Annotated[
    ObjectionRegistered
    | AtasanReminded
    | ObjectionAnswered
    | ObjectionOverdue
    | ObjectionAccepted
    | ObjectionClosed
    | ObjectionDelivered
    | ObjectionDeadlineMoved,
    Field(discriminator="event"),
]


class DisputeWindow(BaseModel):
    """T5 to compute on the body's calendar in the same recording: `working_days` after `start`, never before
    `not_before` (a late answer never shortens the window the requester was already told of)."""

    start: datetime
    working_days: int
    not_before: datetime | None = None


class ObjectionRecord(BaseModel):
    """One recording of the objection workflow: the event, what the workflow decided, and what the activity
    computes on the calendar it reads anyway (T5, the Atasan's reminders before T4)."""

    objection_id: str
    at: datetime
    actor: str | None = None
    event: ObjectionEvent
    transition: Transition = Field(default_factory=Transition)
    dispute_window: DisputeWindow | None = None
    reminders: ReminderPlan | None = None
