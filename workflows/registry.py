"""Every workflow the worker runs, and the sandbox they run in (used by worker.py and the tests)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import temporalio.bridge.proto.workflow_activation
import temporalio.bridge.proto.workflow_completion
import temporalio.workflow
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, SerializationContext, StorageDriverStoreContext
from temporalio.worker import Replayer, WorkflowInstance, WorkflowInstanceDetails
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


class _CodecFreeInstance(WorkflowInstance):
    """A sandboxed workflow whose payloads need no per-command context outside it (see
    CodecFreeSandboxedRunner); everything else is the sandboxed instance's."""

    def __init__(self, sandboxed: WorkflowInstance) -> None:
        self._sandboxed = sandboxed

    def activate(
        self, act: temporalio.bridge.proto.workflow_activation.WorkflowActivation
    ) -> temporalio.bridge.proto.workflow_completion.WorkflowActivationCompletion:
        return self._sandboxed.activate(act)

    def get_serialization_context(self, command_info: Any) -> SerializationContext | None:
        return None

    def get_external_store_context(self, command_info: Any) -> StorageDriverStoreContext:
        return StorageDriverStoreContext(target=None)

    def get_info(self) -> temporalio.workflow.Info:
        return self._sandboxed.get_info()

    def get_thread_id(self) -> int | None:
        return self._sandboxed.get_thread_id()


@dataclass(frozen=True)
class CodecFreeSandboxedRunner(SandboxedWorkflowRunner):
    """The SDK's sandbox, for a data converter with no payload codec and no external storage (ours).

    From temporalio 1.25 on, the worker asks the workflow instance for a serialization and a store context
    for every payload sequence of every activation and completion, in six passes, whether or not a codec or
    external storage would use them; for a sandboxed workflow each question is an `exec` in its sandbox.
    Worker CPU per case (bench/sdk_cost.py): 1.24 4.0 ms, 1.35 6.6-7.3 ms, 1.35 with this runner 5.6-6.0.
    The contexts only reach the codec and the external storage, so with neither there is nothing to ask: the
    workflow's own payload conversion, inside the sandbox, keeps its contexts. `workflow_runner` refuses a
    converter with either."""

    def create_instance(self, det: WorkflowInstanceDetails) -> WorkflowInstance:
        return _CodecFreeInstance(super().create_instance(det))


def workflow_runner(
    *, strict: bool = False, data_converter: DataConverter = pydantic_data_converter
) -> SandboxedWorkflowRunner:
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
    after initial workflow load" for each (three warnings at every start; tests/test_worker_sandbox.py).

    Both answer the payload contexts outside the sandbox (CodecFreeSandboxedRunner), so `data_converter`
    must have no payload codec and no external storage."""
    if data_converter.payload_codec is not None or data_converter.external_storage is not None:
        raise ValueError("CodecFreeSandboxedRunner needs a data converter without codec or external storage")
    restrictions = SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH)
    if not strict:
        restrictions = restrictions.with_passthrough_modules("workflows")
    return CodecFreeSandboxedRunner(restrictions=restrictions)


def history_replayer() -> Replayer:
    """Replays recorded histories on the current code, in the strict sandbox the tests use."""
    return Replayer(
        workflows=ALL_WORKFLOWS,
        data_converter=pydantic_data_converter,
        workflow_runner=workflow_runner(strict=True),
    )
