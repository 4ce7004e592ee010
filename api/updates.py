"""Staff and requester actions go to the case's workflow as Temporal Updates; a refusal by the workflow's
validator becomes a 409 with its reason (and the date that matters)."""

from __future__ import annotations

from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar, overload

from fastapi import HTTPException, status
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode
from temporalio.workflow import UpdateMethodMultiParam

A = TypeVar("A")
T = TypeVar("T")


@overload
async def run_update(
    temporal: Client,
    workflow_id: str,
    update: UpdateMethodMultiParam[[Any, A], Coroutine[Any, Any, T]],
    argument: A,
) -> T: ...
@overload
async def run_update(
    temporal: Client, workflow_id: str, update: UpdateMethodMultiParam[[Any], Coroutine[Any, Any, T]]
) -> T: ...
async def run_update(temporal: Client, workflow_id: str, update: Any, argument: Any = None) -> Any:
    """The Update by method reference (`RequestWorkflow.extend`): a reader follows the call from the route
    into the workflow's handler; the result type is the handler's."""
    handle = temporal.get_workflow_handle(workflow_id)
    with _conflicts_as_409():
        if argument is None:
            return await handle.execute_update(update)
        return await handle.execute_update(update, argument)


@contextmanager
def _conflicts_as_409() -> Iterator[None]:
    try:
        yield
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
