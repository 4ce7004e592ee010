"""Inputs and outputs of workflows and activities (one Pydantic model each; new fields get defaults)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class DeadlineQuery(BaseModel):
    """N working days after `start` on the calendar of `body` (its time zone and its holidays)."""

    body: str
    start: datetime
    working_days: int = Field(ge=0, le=366)
