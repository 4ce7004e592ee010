"""Every workflow the worker runs, and the sandbox they run in (used by worker.py and the tests)."""

from __future__ import annotations

from typing import Any

from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from workflows.calendar_watch import CalendarWatchWorkflow
from workflows.dispute import DisputeWorkflow
from workflows.objection import ObjectionWorkflow
from workflows.request import RequestWorkflow

ALL_WORKFLOWS: list[type[Any]] = [RequestWorkflow, ObjectionWorkflow, DisputeWorkflow, CalendarWatchWorkflow]


def workflow_runner(*, strict: bool = False) -> SandboxedWorkflowRunner:
    """The sandbox of the workflows.

    Strict (the tests and every history replay): our workflow modules are re-imported inside the sandbox for
    each run, so a non-deterministic call in them (`datetime.now()`, `random`, I/O) fails the test.

    Served (the worker): the same sandbox, with our own `workflows` package imported once and shared by the
    runs. Re-importing it for every case cost about 4 ms of CPU per workflow started or replayed and 0.15 MB
    per cached workflow (bench: intake, deadline burst, open cases). The modules hold only constants and
    classes; all state lives on the workflow instance. Everything else stays behind the sandbox."""
    if strict:
        return SandboxedWorkflowRunner()
    return SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules("workflows")
    )
