"""Run by tests/test_worker_sandbox.py in a fresh interpreter: a worker with the project's registry runs the
first calendar check of CalendarWatchWorkflow on the given Temporal server, then prints, as JSON, the
warnings logged meanwhile and how many local activities the workflow ran.

A fresh process because what the sandbox warns about happens once per process: pydantic_core's Rust code
imports `pydantic_core` the first time it serializes, and keeps it; any earlier test in the same process
would have done it outside the sandbox already.

    python -m tests.worker_probe <temporal address> <task queue> <database url> <data dir> strict|served
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import warnings
from pathlib import Path

from temporalio.api.enums.v1 import EventType
from temporalio.worker import Worker

from activities.registry import build_activities
from base.settings import Settings
from base.temporal_client import connect
from db.session import make_engine, make_session_factory
from workflows.calendar_watch import CalendarWatchWorkflow
from workflows.registry import ALL_WORKFLOWS, workflow_runner


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"{record.name}: {record.getMessage()}")


async def probe(
    address: str, task_queue: str, database_url: str, data_dir: str, strict: bool
) -> dict[str, object]:
    settings = Settings(
        _env_file=None, database_url=database_url, temporal_address=address, temporal_task_queue=task_queue,
        ppid_data_dir=Path(data_dir), ppid_secret_key="test-secret-key-that-is-long-enough-for-hs256",
        ppid_tracking_secret="test-tracking-secret-that-never-changes",
    )  # fmt: skip
    client = await connect(settings)
    engine = make_engine(settings.effective_database_url)
    try:
        async with Worker(
            client,
            task_queue=task_queue,
            workflows=ALL_WORKFLOWS,
            workflow_runner=workflow_runner(strict=strict),
            activities=build_activities(make_session_factory(engine), settings),
        ):
            handle = await client.start_workflow(
                CalendarWatchWorkflow.run, id=f"kalender-{task_queue}", task_queue=task_queue
            )
            markers = 0
            for _ in range(200):  # the first check runs at once, without waiting for any timer
                history = await handle.fetch_history()
                markers = sum(e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED for e in history.events)
                if markers:
                    break
                await asyncio.sleep(0.1)
            await handle.result()  # one check, then the watch run ends
    finally:
        await engine.dispose()
    return {"markers": markers}


def main() -> None:
    address, task_queue, database_url, data_dir, mode = sys.argv[1:6]
    collect = Collect()
    logging.basicConfig(level=logging.WARNING, handlers=[collect])
    logging.captureWarnings(True)  # warnings.warn(...) becomes a record of `py.warnings`, as in a log file
    warnings.simplefilter("always")
    result = asyncio.run(probe(address, task_queue, database_url, data_dir, mode == "strict"))
    print(json.dumps(result | {"warnings": collect.messages}))
    sys.stdout.flush()
    os._exit(0)  # temporalio sdk-python issue #300


if __name__ == "__main__":
    main()
