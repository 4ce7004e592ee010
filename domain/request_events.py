"""The events of a request (permohonan informasi, Pasal 22), one typed model each, and what the request
workflow asks its recording activity to write for one of them (`RecordRequest`).

The workflow is the only state machine: it decides the new status and the tasks (domain/case_change.py
`Transition`); the activity writes that, the event's own fields, the timeline entry and the notices. The
timeline keeps each event's name (`event`), which the pages, the case file and the tests read.

Pure data: no I/O, importable inside the Temporal workflow sandbox."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, Field

from domain.case_change import ClockMoved, Handover, Transition
from domain.contracts import DeadlineQuery, DecisionCommand, ReminderPlan


class _Event(BaseModel):
    type: str  # the discriminator; each event narrows it to its own name
    # The request's column the deadline computed in the same recording fills (None: the event computes none).
    DEADLINE_FIELD: ClassVar[str | None] = None
    # Staff-only entries of the timeline (the requester's tracking page does not show them).
    INTERNAL: ClassVar[bool] = False

    @property
    def event(self) -> str:
        """The timeline's name of the event (its `event` column and the outbox keys)."""
        return self.type

    def timeline_data(self) -> dict[str, Any]:
        """What the timeline entry keeps besides the label: the event's own fields."""
        return self.model_dump(mode="json", exclude={"type"})


class Registered(_Event):
    type: Literal["registered"] = "registered"


class Reminded(_Event):
    """A reminder to the PPID before T1 or T2 ends (domain/law.py `Clock.reminders`); the extension prompt
    (Pasal 22(8)) is one of them."""

    type: Literal["reminded"] = "reminded"
    kind: str  # law.Reminder.kind: reminder_3, extension_prompt, reminder_1
    working_days_before: int
    INTERNAL: ClassVar[bool] = True

    @property
    def event(self) -> str:
        return self.kind

    def timeline_data(self) -> dict[str, Any]:
        return {}


class Extended(_Event):
    type: Literal["extended"] = "extended"
    reason: str
    DEADLINE_FIELD: ClassVar[str | None] = "due_at"


class Assigned(_Event):
    type: Literal["assigned"] = "assigned"
    unit: str  # the unit's slug


class Decided(_Event):
    type: Literal["decided"] = "decided"
    decision: DecisionCommand
    late: bool
    DEADLINE_FIELD: ClassVar[str | None] = "objection_deadline"

    def timeline_data(self) -> dict[str, Any]:
        return {"decision": self.decision.model_dump(mode="json", exclude={"actor"}), "late": self.late}


class Overdue(_Event):
    type: Literal["overdue"] = "overdue"
    DEADLINE_FIELD: ClassVar[str | None] = "objection_deadline"


class ObjectionWindowEnded(_Event):
    type: Literal["objection_window_ended"] = "objection_window_ended"


class Closed(_Event):
    type: Literal["closed"] = "closed"


class Delivered(Handover, _Event):
    type: Literal["delivered"] = "delivered"

    def timeline_data(self) -> dict[str, Any]:
        return {"delivery": self.delivery_data()}


class DeadlineMoved(ClockMoved, _Event):
    """T1, T2 or T3 recomputed on a changed calendar (domain/case_change.py `ClockMoved`)."""

    type: Literal["deadline_moved"] = "deadline_moved"
    # The open tasks whose due date follows the clock (the workflow names them).
    task_kinds: list[str] = Field(default_factory=list)

    def timeline_data(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude={"type", "task_kinds"})


RequestEvent = Annotated[
    Registered | Reminded | Extended | Assigned | Decided | Overdue | ObjectionWindowEnded | Closed | Delivered
    | DeadlineMoved,
    Field(discriminator="type"),
]  # fmt: skip


class RecordRequest(BaseModel):
    """One event of a request with what the workflow decided about it, recorded in one local activity with
    the deadline and the reminders it needs computed in the same round trip."""

    request_id: str
    at: datetime
    actor: str | None = None
    round: int = 1  # part of the timeline and outbox keys: the same event of the same round is written once
    event: RequestEvent
    transition: Transition = Field(default_factory=Transition)
    deadline: DeadlineQuery | None = None
    # A deadline never ending before this (law.LATE_DECISION_NEVER_SHORTENS_T3; domain/case_change.py `effective_due`).
    deadline_floor: datetime | None = None
    reminders: ReminderPlan | None = None
    # The register's status then follows the request's objection in progress, accepted or disputed.
    follow_objection: bool = False
