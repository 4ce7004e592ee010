"""Every workflow the worker runs, and the sandbox they run in (used by worker.py and the tests)."""

from __future__ import annotations

from typing import Any

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from workflows.annual_report import AnnualReportWorkflow
from workflows.calendar_watch import CalendarWatchWorkflow
from workflows.consequence_test import ConsequenceTestWorkflow
from workflows.dispute import DisputeWorkflow
from workflows.monev import MonevRoundWorkflow
from workflows.objection import ObjectionWorkflow
from workflows.request import RequestWorkflow

ALL_WORKFLOWS: list[type[Any]] = [
    RequestWorkflow, ObjectionWorkflow, DisputeWorkflow, CalendarWatchWorkflow, ConsequenceTestWorkflow,
    AnnualReportWorkflow, MonevRoundWorkflow,
]  # fmt: skip
# Third-party modules the workflows use without importing them (see workflow_runner).
PASSTHROUGH = ("pydantic_core",)


def workflow_runner(*, strict: bool = False) -> SandboxedWorkflowRunner:
    """The sandbox of the workflows.

    Strict (the tests and every history replay): our workflow modules are re-imported inside the sandbox for
    each run, so a non-deterministic call in them (`datetime.now()`, `random`, I/O) fails the test.

    Served (the worker): the same sandbox, with our own `workflows` package imported once and shared by the
    runs. Re-importing it for every case cost about 4 ms of CPU per workflow started or replayed and 0.15 MB
    per cached workflow (bench: intake, deadline burst, open cases). The modules hold only constants and
    classes; all state lives on the workflow instance. Everything else stays behind the sandbox.

    Both pass `pydantic_core` through, as temporalio already does `pydantic`: the pydantic data converter's
    `to_json` (Rust code) imports `pydantic_core` the first time a process serializes, which in a worker is a
    workflow's first activity input, inside the sandbox: the sandbox then imported `pydantic_core`,
    `pydantic_core._pydantic_core` and `pydantic_core.core_schema` a second time and warned "… was imported
    after initial workflow load" for each (three warnings at every start; tests/test_worker_sandbox.py)."""
    restrictions = SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH)
    if strict:
        return SandboxedWorkflowRunner(restrictions=restrictions)
    return SandboxedWorkflowRunner(restrictions=restrictions.with_passthrough_modules("workflows"))


def history_replayer() -> Replayer:
    """Replays recorded histories on the current code, in the strict sandbox the tests use."""
    return Replayer(
        workflows=ALL_WORKFLOWS,
        data_converter=pydantic_data_converter,
        workflow_runner=workflow_runner(strict=True),
    )
