"""Staff and requester actions go to the case's workflow as Temporal Updates; a refusal by the workflow's
validator becomes a 409 with its reason (and the date that matters)."""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import HTTPException, status
from pydantic import BaseModel
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

R = TypeVar("R", bound=BaseModel)


async def run_update(temporal: Client, workflow_id: str, name: str, argument: Any, result_type: type[R]) -> R:
    handle = temporal.get_workflow_handle(workflow_id)
    try:
        args = [] if argument is None else [argument]
        result: R = await handle.execute_update(name, args=args, result_type=result_type)
        return result
    except WorkflowUpdateFailedError as exc:
        cause = exc.cause
        if isinstance(cause, ApplicationError) and cause.type == "Conflict":
            raise HTTPException(status.HTTP_409_CONFLICT, cause.message) from None
        raise
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise HTTPException(
                status.HTTP_409_CONFLICT, "Perkara ini sudah ditutup dan diarsipkan"
            ) from None
        raise
