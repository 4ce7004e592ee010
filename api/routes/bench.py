"""The benchmark's baseline: the same API stack inserting one row and nothing else (only with PPID_BENCH=1)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fastapi import APIRouter

from api.deps import SessionDep
from db.models import TimelineEvent

router = APIRouter(prefix="/v1/dev/bench", tags=["dev"], include_in_schema=False)


@router.post("/insert", status_code=201)
async def insert_only(session: SessionDep) -> dict[str, str]:
    key = uuid.uuid4().hex
    session.add(
        TimelineEvent(
            key=f"bench:{key}", case_id="bench", subject_type="bench", subject_id=key, at=datetime.now(UTC),
            event="bench", label="bench", internal=True,
        )
    )  # fmt: skip
    await session.commit()
    return {"id": key}
