"""Replaying a finished workflow's history on the current code, and recording it for tests/test_replay.py.

`PPID_RECORD_HISTORY_DIR=tests/histories pytest <the tests that call this>` writes the histories that
tests/test_replay.py then replays on every run (README "Changing a running workflow safely")."""

from __future__ import annotations

import os
from pathlib import Path

from temporalio.client import WorkflowHistory

from workflows.registry import history_replayer

RECORDED_VERSION = "v6"  # the release the recorded histories come from


async def replay_and_record(history: WorkflowHistory, name: str) -> None:
    """Replays `history` in the strict sandbox; writes it as `<name>.json` when recording is asked for."""
    if os.environ.get("PPID_RECORD_HISTORY_DIR"):
        Path(os.environ["PPID_RECORD_HISTORY_DIR"], f"{name}.json").write_text(history.to_json())
    await history_replayer().replay_workflow(history)
