"""Recorded workflow histories still replay on the current code.

When a workflow change breaks one of these, guard the change with `workflow.patched(...)`."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio import workflow
from temporalio.client import WorkflowHistory

from workflows.registry import ALL_WORKFLOWS, history_replayer

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


def _history(path: Path) -> WorkflowHistory:
    return WorkflowHistory.from_json(path.stem, path.read_text())


def _workflow_type(history: WorkflowHistory) -> str:
    """The workflow type a history ran, as its first event (WorkflowExecutionStarted) names it."""
    started = history.events[0]
    assert started.HasField("workflow_execution_started_event_attributes"), history.workflow_id
    return started.workflow_execution_started_event_attributes.workflow_type.name


def test_histories_are_recorded() -> None:
    """At least one recorded history per workflow the worker runs, so a change to any of them is replayed."""
    recorded = {_workflow_type(_history(path)) for path in HISTORIES}
    defined = {workflow._Definition.must_from_class(cls).name for cls in ALL_WORKFLOWS}
    assert defined - recorded == set(), "workflow types without a recorded history in tests/histories"
    assert recorded - defined == set(), "recorded histories of workflow types the worker no longer runs"


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_recorded_history_replays(path: Path) -> None:
    await history_replayer().replay_workflow(_history(path))
