"""Inputs and outputs of the consequence test workflow and its activity (one Pydantic model each)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from domain.case_change import Transition
from domain.contracts import Alarm, CalendarChanged

# The tasks of the chain (the inbox labels in domain/status_labels.py).
REVIEW_TASK, REVISE_TASK, APPROVE_TASK = (
    "review_consequence_test",
    "revise_consequence_test",
    "approve_consequence_test",
)
DETERMINATION_TASK = "dik_determination"


class StepClock(StrEnum):
    """Whose working days a step's due date counts (the body's uk_review_days / uk_approval_days, or the
    defaults of domain/law.py CONSEQUENCE_TEST_REVIEW_DAYS / APPROVAL_DAYS)."""

    REVIEW = "review"  # the PPID Utama's review, and the drafter's correction after a return
    APPROVAL = "approval"  # the Atasan PPID's approval (PP 61/2010 Pasal 3 ayat (2))


class EntryChange(StrEnum):
    """What the event does to the DIK entry of the test, as the workflow decided it."""

    CREATE = "create"  # the approval: an entry in force (unless the test concluded the information is open)
    DETERMINATION_DUE = "determination_due"  # the PPID's determination task (PP 61/2010 Pasal 11 ayat (1))
    OPEN_DETERMINED = "open_determined"  # the PPID determined the opening (Pasal 11 ayat (1))
    OPEN_EXPIRED = "open_expired"  # the period ended without a determination (Pasal 11 ayat (2))
    RETEST = "retest"  # a new test runs; its approval supersedes the entry (Pasal 10)


class ClocksMoved(BaseModel):
    """A calendar change as the workflow applied it: the due dates now in force (None: not moved) and the
    clocks whose recomputed date was earlier and kept (a date already told never moves earlier unless an
    administrator confirmed it)."""

    change: CalendarChanged
    step_due_at: datetime | None = None
    determination_due_at: datetime | None = None
    kept: list[str] = Field(default_factory=list)  # "step" | "determination"
    recomputed: dict[str, datetime] = Field(default_factory=dict)  # the dates on the new calendar


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
    """One event of the test, with what the workflow decided at it: the test's status and tasks (`change`),
    the step whose due date starts now (`clock`; its tasks marked `due_at_deadline` are due then), whether
    that step is reminded, and what happens to the DIK entry. The activity writes that, the timeline and the
    notices; it never works a transition out of the event's name."""

    test_id: str
    event: str
    at: datetime
    actor: str | None = None
    round: int = 1
    note: str | None = None
    changes: dict[str, object] = Field(default_factory=dict)  # a resubmission's corrected fields
    change: Transition = Field(default_factory=Transition)
    clock: StepClock | None = None
    remind: StepClock | None = (
        None  # the step reminded (law.CONSEQUENCE_TEST_STEP_REMINDERS) before its due date
    )
    entry: EntryChange | None = None
    moved: ClocksMoved | None = None  # a calendar change (event `deadline_moved_v<version>`)


class TestClockQuery(BaseModel):
    """The test's running clocks recomputed on the current calendar: the step's from its start, the entry's
    determination from the end of its period."""

    test_id: str
    clock: StepClock | None = None
    step_started_at: datetime | None = None


class TestClocks(BaseModel):
    step_due_at: datetime | None = None
    determination_due_at: datetime | None = None


class TestRecorded(BaseModel):
    """What the recording wrote and what the workflow waits for next."""

    notification_ids: list[int] = Field(default_factory=list)
    status: str
    alarms: list[Alarm] = Field(default_factory=list)  # the current step's reminders, or the entry's clock
    entry_id: str | None = None
    entry_in_force: bool = False
    number: str | None = None
    due_at: datetime | None = None  # the current step's due date
    determination_due_at: datetime | None = None  # the entry's determination date (PP 61/2010 Pasal 11)


class StepResult(BaseModel):
    status: str
    due_at: datetime | None = None
    dik_entry_id: str | None = None
    number: str | None = None
