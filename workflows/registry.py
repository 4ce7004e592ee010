"""Every workflow the worker runs (used by worker.py and the replay tests)."""

from __future__ import annotations

from typing import Any

from workflows.calendar_watch import CalendarWatchWorkflow
from workflows.dispute import DisputeWorkflow
from workflows.objection import ObjectionWorkflow
from workflows.request import RequestWorkflow

ALL_WORKFLOWS: list[type[Any]] = [RequestWorkflow, ObjectionWorkflow, DisputeWorkflow, CalendarWatchWorkflow]
