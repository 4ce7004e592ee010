"""What a case workflow decided at one event, in the shape every recording activity writes.

The workflow is the only state machine: it names the case's new status and the tasks the event opens and
ends; the recording activity writes exactly that (with the timeline entry and the notices of the event) and
never works a transition out again from the event's name."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


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
