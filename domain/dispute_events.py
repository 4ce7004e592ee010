"""What the dispute workflow records (sengketa, Pasal 37-48): one typed event per thing that happened, and the
record the recording activity writes, with the transition the workflow decided.

The workflow is the only state machine: it names the dispute's new status, the tasks it opens and ends, the
clocks the event starts and whether an order to disclose became final; `activities/disputes.py` writes that,
the event's own facts (its `columns`) and its timeline entry, and renders the notices. Pure models: importable
inside the workflow sandbox."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, Field

from domain.calendar import Deadline
from domain.case_change import ClockMoved, Transition
from domain.contracts import DeadlineQuery

# Where a KI clock's end is kept: the dispute's column, and the key of the timeline data that states it.
CLOCK_COLUMNS = {"T6": "start_due_at", "T7": "settle_due_at", "T8": "final_at"}
CLOCK_DATA_KEYS = {"T6": "start_due_at", "T7": "settle_due_at", "T8": "final_due_at"}


class _Event(BaseModel):
    # Fields that steer the recording but are not part of the timeline entry's data.
    NOT_DATA: ClassVar[frozenset[str]] = frozenset()

    @property
    def name(self) -> str:
        """The timeline event's suffix (`dispute_<name>`) and the idempotency key's."""
        kind: str = getattr(self, "kind")  # noqa: B009 - every event declares its literal `kind`
        return kind

    def data(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude={"kind", *self.NOT_DATA})

    def columns(self, at: datetime) -> dict[str, Any]:
        """The dispute row's columns this event sets (its own facts, not a state the activity decides)."""
        return {}


class Outcome(BaseModel):
    """The KI's outcome as recorded (OutcomeCommand without the actor)."""

    outcome: str
    decision_number: str | None = None
    summary: str | None = None
    disclosure_due: date | None = None


class CourtFiling(BaseModel):
    """The court objection as recorded (CourtObjectionCommand without the actor)."""

    court: str
    court_kind: str
    filed_on: date
    case_number: str
    recorded_by: str


class Delivery(BaseModel):
    """The PPID's handover of what the KI ordered (DeliveryCommand without the actor)."""

    delivered_on: date
    method: str
    note: str | None = None
    document_id: str | None = None
    document_ids: list[str] = Field(default_factory=list)


class Submitted(_Event):
    """The requester filed the dispute; the case file goes to the Komisi Informasi (Pasal 37)."""

    kind: Literal["submitted"] = "submitted"


class Registered(_Event):
    """The KI registered the dispute: T6 and T7 start (Pasal 38)."""

    kind: Literal["registered"] = "registered"
    register_number: str

    def columns(self, at: datetime) -> dict[str, Any]:
        return {"register_number": self.register_number, "registered_at": at}


class StageSet(_Event):
    """The KI started mediation (Pasal 40) or adjudication (Pasal 42)."""

    NOT_DATA = frozenset({"stage"})
    kind: Literal["stage"] = "stage"
    stage: Literal["mediation", "adjudication"]

    @property
    def name(self) -> str:
        return f"stage_{self.stage}"

    def columns(self, at: datetime) -> dict[str, Any]:
        return {"stage": self.stage}


class Decided(_Event):
    """The KI's outcome. For an adjudication decision T8 starts and sets `final_at`; any other outcome is
    final when given."""

    kind: Literal["decided"] = "decided"
    outcome: Outcome

    def columns(self, at: datetime) -> dict[str, Any]:
        return {"outcome": self.outcome.model_dump(mode="json"), "decided_at": at, "final_at": at}


class ClockMissed(_Event):
    """T6 or T7 ended: a service level of the KI, alerted, never stopping the case."""

    kind: Literal["t6_missed", "t7_missed"]


class Final(_Event):
    """T8 ended with no court objection recorded: the decision is final (Pasal 48(1))."""

    kind: Literal["final"] = "final"


class CourtObjectionRecorded(_Event):
    """A court objection recorded within T8 (Pasal 47-48): the decision is not final while the court hears it."""

    NOT_DATA = frozenset({"compliance_suspended"})
    kind: Literal["court_objection"] = "court_objection"
    court_objection: CourtFiling
    final_due_at: datetime | None = None
    # The workflow owed a compliance (an order to disclose): its task ends, cancelled, with the reason.
    compliance_suspended: bool = False

    def columns(self, at: datetime) -> dict[str, Any]:
        return {"final_at": None}


class Delivered(_Event):
    """The PPID recorded that it complied with the KI's order."""

    kind: Literal["delivered"] = "delivered"
    delivery: Delivery


class DeadlineMoved(ClockMoved, _Event):
    """A running KI clock recomputed after a calendar change (domain/case_change.py `ClockMoved`)."""

    NOT_DATA = frozenset({"task_kinds"})
    kind: Literal["deadline_moved"] = "deadline_moved"
    clock: Literal["T6", "T7", "T8"]
    task_kinds: list[str] = Field(default_factory=list)  # the open tasks due at this clock, moved with it

    def columns(self, at: datetime) -> dict[str, Any]:
        return {} if self.kept else {CLOCK_COLUMNS[self.clock]: self.new}


DisputeEvent = Annotated[
    Submitted | Registered | StageSet | Decided | ClockMissed | Final | CourtObjectionRecorded | Delivered
    | DeadlineMoved,
    Field(discriminator="kind"),
]  # fmt: skip


class DisputeRecord(BaseModel):
    """One event of one dispute with what the workflow decided, written in one local activity."""

    request_id: str
    dispute_id: str
    at: datetime
    actor: str | None = None
    event: DisputeEvent
    transition: Transition = Field(default_factory=Transition)
    # The clocks the event starts (T6/T7 at registration, T8 at an adjudication decision), on the KI's
    # calendar: computed by the activity in the same round trip, written to the dispute and returned.
    deadlines: dict[str, DeadlineQuery] = Field(default_factory=dict)
    tasks_due_at_clock: str | None = None  # the clock that tasks opened with `due_at_deadline` are due at
    # Tasks due at the end of a day the KI ordered, in the respondent body's time zone (task key -> day).
    task_due_dates: dict[str, date] = Field(default_factory=dict)
    # The KI's order to disclose became final: the excepted entry it cites opens (PP 61/2010 Pasal 11(2)).
    open_cited_entry: bool = False


class DisputeRecorded(BaseModel):
    """The outbox rows the recording created and the clocks it computed (by code)."""

    notification_ids: list[int] = Field(default_factory=list)
    deadlines: dict[str, Deadline] = Field(default_factory=dict)
