"""Recorded workflow histories still replay on the current code.

When a workflow change breaks one of these, guard the change with `workflow.patched(...)`."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory

from workflows.registry import history_replayer

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


def test_histories_are_recorded() -> None:
    assert HISTORIES, "at least one recorded history per released workflow"


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_recorded_history_replays(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    await history_replayer().replay_workflow(history)
