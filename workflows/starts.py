"""How the API and the intake reconciler start a request's workflow (client side, not workflow code)."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy

from domain.contracts import RequestStart
from workflows.request import RequestWorkflow


async def start_request_workflow(
    client: Client, start: RequestStart, workflow_id: str, task_queue: str
) -> None:
    """Start a request's workflow; starting one that already runs is a no-op (USE_EXISTING), so the API and
    the reconciler may both try."""
    await client.start_workflow(
        RequestWorkflow.run,
        start,
        id=workflow_id,
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )
