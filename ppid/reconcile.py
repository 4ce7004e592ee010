"""The outbox's second half: start the workflow of every registered request whose registration the
workflow never recorded (Temporal was away, or the API died between its commit and the workflow start).
Starting is idempotent (USE_EXISTING); a workflow that is merely slow is not started twice."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from db.intake import request_start
from db.models import Body, InfoRequest, TimelineEvent
from workflows.starts import start_request_workflow

log = logging.getLogger("ppid.reconcile")
GRACE = timedelta(minutes=2)  # leave the API and a busy worker time to record the registration
INTERVAL_S = 15.0


async def start_missing_workflows(
    sessions: async_sessionmaker[AsyncSession], client: Client, task_queue: str, *, grace: timedelta = GRACE
) -> int:
    async with sessions() as session:
        registered = select(TimelineEvent.id).where(
            TimelineEvent.case_id == InfoRequest.id, TimelineEvent.event == "registered"
        )
        rows = (
            await session.execute(
                select(InfoRequest, Body)
                .join(Body, Body.id == InfoRequest.body_id)
                .where(~registered.exists(), InfoRequest.created_at < datetime.now(UTC) - grace)
                .limit(500)
            )
        ).all()
        started = 0
        for request, body in rows:
            try:
                await client.get_workflow_handle(request.workflow_id).describe()
                continue  # it exists and is merely slow (a busy worker): nothing to do
            except RPCError as exc:
                if exc.status != RPCStatusCode.NOT_FOUND:
                    raise
            await start_request_workflow(
                client, request_start(request, body), request.workflow_id, task_queue
            )
            started += 1
            log.warning("started the missing workflow of request %s", request.registration_number)
        return started


async def reconcile_forever(
    sessions: async_sessionmaker[AsyncSession], client: Client, task_queue: str
) -> None:
    while True:
        try:
            await start_missing_workflows(sessions, client, task_queue)
        except Exception:  # the database or Temporal may be away for a while: try again later
            log.exception("reconciliation failed; retrying")
        await asyncio.sleep(INTERVAL_S)
