"""Building blocks of the request tests: a whole stack (API + worker + SMTP) on a real Temporal."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from api.main import create_app
from base.settings import Settings
from tests.conftest import Mailbox, make_settings, run_worker_for

REQUESTER_EMAIL = "siti@example.org"
FORM: dict[str, Any] = {
    "body": "kab-sanggau",
    "unit": "dinkes",
    "requester": {
        "kind": "individual",
        "name": "Siti Aminah",
        "nik": "6103014501900003",
        "legal_entity_number": None,
        "address": "Jl. Jenderal Sudirman No. 1, Sanggau",
        "email": REQUESTER_EMAIL,
        "phone": "+62812000000",
        "occupation": "Wiraswasta",
        "proxy": None,
    },
    "information": "Salinan dokumen anggaran program imunisasi 2025",
    "purpose": "Penelitian",
    "obtain_method": "copy",
    "copy_format": "softcopy",
    "delivery_method": "email",
    "channel": "web",
}
PPID_SANGGAU = "ppid@sanggau.example"
PPID_DINKES = "ppid.dinkes@sanggau.example"
ATASAN_SANGGAU = "atasan.ppid@sanggau.example"


def form(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(FORM)
    for key, value in changes.items():
        if key.startswith("requester__"):
            data["requester"][key.removeprefix("requester__")] = value
        else:
            data[key] = value
    return data


@dataclass
class Stack:
    http: httpx.AsyncClient
    mail: Mailbox
    settings: Settings

    async def login(self, email: str) -> dict[str, str]:
        response = await self.http.post(
            "/v1/auth/token", data={"username": email, "password": "demo-ppid-2026"}
        )
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    async def submit(self, **changes: Any) -> dict[str, Any]:
        response = await self.http.post("/v1/requests", json=form(**changes))
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    async def case(self, request_id: str, headers: dict[str, str]) -> dict[str, Any]:
        response = await self.http.get(f"/v1/requests/{request_id}", headers=headers)
        assert response.status_code == 200, response.text
        case: dict[str, Any] = response.json()
        return case


@asynccontextmanager
async def stack(
    temporal: Client,
    mailbox: tuple[Mailbox, int],
    tmp_path: Path,
    database_url: str,
    task_queue: str,
    *,
    with_worker: bool = True,
    **extra: Any,
) -> AsyncIterator[Stack]:
    box, port = mailbox
    settings = make_settings(
        tmp_path, database_url, temporal.service_client.config.target_host,
        smtp_host="127.0.0.1", smtp_port=port, temporal_task_queue=task_queue, **extra,
    )  # fmt: skip
    app = create_app(settings)
    async with AsyncExitStack() as running:
        if with_worker:
            await running.enter_async_context(run_worker_for(temporal, settings))
        await running.enter_async_context(app.router.lifespan_context(app))
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://ppid.test", timeout=30) as http:
            yield Stack(http, box, settings)


@pytest.fixture
async def real(
    temporal_env: WorkflowEnvironment, mailbox: tuple[Mailbox, int], tmp_path: Path, database_url: str,
    task_queue: str,
) -> AsyncIterator[Stack]:  # fmt: skip
    """The whole stack on the real Temporal dev server, on each database."""
    async with stack(temporal_env.client, mailbox, tmp_path, database_url, task_queue) as s:
        yield s
