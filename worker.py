"""The Temporal worker: `ppid worker` (or `python worker.py`)."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleHandle,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
)
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode
from temporalio.worker import Worker

from base.settings import Settings, get_settings
from base.temporal_client import connect_with_retry
from db.session import make_engine, make_session_factory
from ppid.reconcile import reconcile_forever

log = logging.getLogger("ppid.worker")
OUTBOX_STOP_TIMEOUT_S = 20.0
GIL_SWITCH_INTERVAL_S = 0.0005


async def run_worker(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Run until `stop` is set or SIGTERM/SIGINT arrives; then shut down gracefully (worker.shutdown())."""
    # Imported here, after the `ppid` entry point enabled the bytecode cache (see base/bytecode.py).
    from activities.calendar_delivery import deliver_forever
    from activities.outbox import OutboxDispatcher
    from activities.registry import build_activities
    from workflows.registry import ALL_WORKFLOWS, workflow_runner

    # Sandboxed workflow code runs in the workflow-task threads and holds the GIL for long stretches; the
    # event loop runs the activities, whose SQLite write transactions hold the database's single write lock
    # between statements. Handing the GIL back every 0.5 ms (not 5) keeps those transactions short, so the
    # API's intake does not queue behind them (bench: intake p99).
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    settings.tracking_secret()  # receipts carry the tracking code derived with it: fail early without one
    engine = make_engine(settings.effective_database_url)
    sessions = make_session_factory(engine)
    client = await connect_with_retry(settings)
    worker = Worker(
        client,
        task_queue=settings.temporal_task_queue,
        workflows=ALL_WORKFLOWS,
        workflow_runner=workflow_runner(data_converter=client.data_converter),
        # Without external storage there is nothing to store concurrently; above 1, the SDK makes an asyncio
        # task for every payload field of every activation all the same (bench/sdk_cost.py).
        max_workflow_task_external_storage_concurrency=1,
        activities=build_activities(sessions, settings),
        graceful_shutdown_timeout=timedelta(seconds=10),
        # Every cached workflow costs about 0.05 MB (its sandbox and state); an evicted one is replayed from
        # its history when it wakes, which costs CPU in a burst of deadlines (PPID_WORKER_CACHE).
        max_cached_workflows=settings.ppid_worker_cache,
    )
    await ensure_calendar_schedule(client, settings.temporal_task_queue)
    reconciler = asyncio.create_task(reconcile_forever(sessions, client, settings.temporal_task_queue))
    # Calendar changes whose signals the API could not deliver (Temporal away, the API stopped) are
    # signalled again until every running case has accepted them.
    calendar = asyncio.create_task(deliver_forever(sessions, client))
    outbox = None
    if settings.ppid_outbox_in_worker:
        outbox = asyncio.create_task(OutboxDispatcher(sessions, settings).run(stop))
    log.info(
        "worker started on task queue %s at %s",
        settings.temporal_task_queue,
        settings.effective_temporal_address,
    )
    try:
        async with worker:
            await stop.wait()
            log.info("worker stopping")
    finally:
        stop.set()
        reconciler.cancel()
        calendar.cancel()
        if outbox is not None:
            await finish_outbox(outbox)
        await engine.dispose()


async def finish_outbox(outbox: asyncio.Task[None]) -> None:
    """The batch being sent is recorded before the process exits (stop was set)."""
    try:
        await asyncio.wait_for(outbox, OUTBOX_STOP_TIMEOUT_S)
    except TimeoutError:
        log.warning("outbox: the batch in flight did not finish; it is retried after the lease")


async def run_outbox(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """`ppid outbox`: the outbox dispatcher alone, until SIGTERM/SIGINT (the worker then runs with
    PPID_OUTBOX_IN_WORKER=0). Several dispatchers may run: a claimed row is leased to one of them."""
    from activities.outbox import OutboxDispatcher

    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    engine = make_engine(settings.effective_database_url)
    outbox = asyncio.create_task(OutboxDispatcher(make_session_factory(engine), settings).run(stop))
    log.info("outbox dispatcher started")
    try:
        await stop.wait()
    finally:
        stop.set()
        await finish_outbox(outbox)
        await engine.dispose()


async def ensure_calendar_schedule(
    client: Client, task_queue: str, schedule_id: str | None = None
) -> ScheduleHandle | None:
    """The monthly calendar check as a Temporal Schedule, created at the worker's start if absent (a schedule
    that exists is left as it is). The time-skipping test server behind `ppid dev --clock simulated` has no
    schedules: there the same workflow runs as a cron workflow instead, on the same beat. None then."""
    from workflows.calendar_watch import CATCHUP_WINDOW, CHECK_CRON, SCHEDULE_ID, CalendarWatchWorkflow

    schedule_id = schedule_id or SCHEDULE_ID
    action = ScheduleActionStartWorkflow(CalendarWatchWorkflow.run, id=schedule_id, task_queue=task_queue)
    try:
        return await client.create_schedule(
            schedule_id,
            Schedule(
                action=action,
                spec=ScheduleSpec(cron_expressions=[CHECK_CRON]),
                policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=CATCHUP_WINDOW),
            ),
        )
    except ScheduleAlreadyRunningError:
        return client.get_schedule_handle(schedule_id)
    except RPCError as exc:
        if exc.status != RPCStatusCode.UNIMPLEMENTED:
            raise
    try:
        await client.start_workflow(
            CalendarWatchWorkflow.run, id=schedule_id, task_queue=task_queue, cron_schedule=CHECK_CRON,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        )  # fmt: skip
    except WorkflowAlreadyStartedError:
        pass
    return None


def main() -> None:
    from base.bytecode import enable_bytecode_cache
    from base.process import run_and_exit

    enable_bytecode_cache()
    run_and_exit(lambda: asyncio.run(run_worker(get_settings())))


if __name__ == "__main__":
    main()
