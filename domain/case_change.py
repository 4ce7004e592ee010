"""What a case workflow decided at one event, in the shape every recording activity writes.

The workflow is the only state machine: it names the case's new status and the tasks the event opens and
ends; the recording activity writes exactly that (with the timeline entry and the notices of the event) and
never works a transition out again from the event's name."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Self

from pydantic import BaseModel, Field

from domain.calendar import Deadline
from domain.contracts import CalendarChanged, DeliveryCommand


def effective_due(computed: datetime, floor: datetime | None) -> datetime:
    """The deadline told to the requester: the computed one, never earlier than `floor`, the window already
    told (Pasal 36(1): a late decision never shortens T3; the same holds for T5 after a late answer)."""
    return max(computed, floor) if floor is not None else computed


class TaskToOpen(BaseModel):
    kind: str  # the task kind (the inbox labels in domain/status_labels.py)
    role: str  # domain/enums.py Role: who must act
    key: str  # unique within the case: the same key never opens a second task
    due_at: datetime | None = None
    # Due at the deadline the same recording computes (the T2 of an extension, the T4 of an objection).
    due_at_deadline: bool = False


class Transition(BaseModel):
    status: str | None = None  # the case's new status; None keeps it
    open_tasks: list[TaskToOpen] = Field(default_factory=list)
    close_task_kinds: list[str] = Field(default_factory=list)  # the case's open tasks of these kinds end


class Handover(BaseModel):
    """The PPID's record that it handed over the information a case owes (workflows/common.py
    `record_delivery`): the event of the request and the objection families carry it."""

    delivery: DeliveryCommand

    def delivery_data(self) -> dict[str, Any]:
        """The handover as the timeline and the task keep it (who recorded it is the entry's actor)."""
        return self.delivery.model_dump(mode="json", exclude={"actor"})


class ClockMove(BaseModel):
    """A running clock recomputed on a changed calendar (workflows/common.py `_move_clock`), as each case
    workflow records it: `new` is the date that now holds; `kept` when the recomputed date would be earlier
    than the one already told and no administrator confirmed it, so `new` stays the old date (docs/domain.md
    "Working days")."""

    clock: str  # the clock's code in domain/law.py (T1 ... T8)
    old: datetime
    new: datetime
    kept: bool
    deadline: Deadline  # the recomputation on the current calendar
    change: CalendarChanged


class ClockMoved(ClockMove):
    """The `deadline_moved` event of every case family: the move, written in the case's time zone. Each family
    subclasses it with its own discriminator (and narrows `clock` to its clocks)."""

    timezone: str

    @property
    def name(self) -> str:
        """The objection's and the dispute's timeline suffix and idempotency key: one entry per clock and
        calendar version (the request's keys carry the version as their round)."""
        return f"deadline_moved_{self.clock}_v{self.change.version}"

    @classmethod
    def of(cls, move: ClockMove, timezone: str, **fields: Any) -> Self:
        return cls(**dict(move), timezone=timezone, **fields)
