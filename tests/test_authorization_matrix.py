"""Every role against every case endpoint, on its own case and on another body's or Komisi Informasi's:
who may read, who may act (an allowed action on a settled case answers 409, never 401/403)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from temporalio.testing import WorkflowEnvironment

from tests.requests_support import Stack

REFUSAL = {"outcome": "rejected",
           "exemption": {"article": "17h", "consequence_test": "Membuka rekam medis merugikan hak privasi pasien."}}  # fmt: skip
OBJECTION = {
    "reasons": ["a"],
    "case_position": "Penolakan tidak tepat untuk dokumen anggaran.",
    "purpose": "Penelitian",
}
DISPUTE = {"statement": "Atasan menguatkan penolakan tanpa dasar.", "requested_outcome": "Buka dokumen"}
COURT_OBJECTION = {"court": "Pengadilan Tata Usaha Negara Pontianak", "filed_on": "2026-01-05",
                   "case_number": "1/G/KI/2026/PTUN.PTK"}  # fmt: skip
ACTORS = {
    "ppid": "ppid@sanggau.example",
    "unit": "ppid.dinkes@sanggau.example",
    "other_unit": "ppid.disdikbud@sanggau.example",
    "atasan": "atasan.ppid@sanggau.example",
    "other_ppid": "ppid@kutaitimur.example",
    "other_atasan": "atasan.ppid@kutaitimur.example",
    "komisi": "sengketa@ki-kalbar.example",
    "other_komisi": "sengketa@ki-kaltim.example",
    "admin": "admin@ppid.example",
}
COLUMNS = ["anonymous", "requester", *ACTORS]
# method, path, body, then the expected status per column (in COLUMNS order).
MATRIX: list[tuple[str, str, Any, list[int]]] = [
    ("GET", "/v1/requests/{R}", None,                 [401, 200, 200, 200, 403, 200, 403, 403, 403, 403, 200]),
    ("POST", "/v1/requests/{R}/decision", {"outcome": "granted"},
                                                      [401, 401, 409, 409, 403, 403, 403, 403, 403, 403, 403]),
    ("POST", "/v1/requests/{R}/extension", {"reason": "Dokumen masih dihimpun"},
                                                      [401, 401, 409, 409, 403, 403, 403, 403, 403, 403, 403]),
    ("POST", "/v1/requests/{R}/assignment", {"unit": "dinkes"},
                                                      [401, 401, 409, 409, 403, 403, 403, 403, 403, 403, 403]),
    ("POST", "/v1/requests/{R}/objections", OBJECTION, [401, 409, 409, 409, 403, 403, 403, 403, 403, 403, 403]),
    ("GET", "/v1/objections/{O}", None,               [401, 200, 200, 200, 403, 200, 403, 403, 403, 403, 200]),
    ("POST", "/v1/objections/{O}/response", {"outcome": "granted"},
                                                      [401, 401, 403, 403, 403, 409, 403, 403, 403, 403, 403]),
    ("POST", "/v1/objections/{O}/acceptance", {},     [401, 409, 403, 403, 403, 403, 403, 403, 403, 403, 403]),
    ("POST", "/v1/objections/{O}/dispute", DISPUTE,   [401, 409, 403, 403, 403, 403, 403, 403, 403, 403, 403]),
    ("GET", "/v1/disputes/{D}", None,                 [401, 200, 200, 200, 403, 200, 403, 403, 200, 403, 200]),
    ("POST", "/v1/disputes/{D}/registration", {"register_number": "REG-999/2026"},
                                                      [401, 401, 403, 403, 403, 403, 403, 403, 409, 403, 403]),
    ("POST", "/v1/disputes/{D}/stage", {"stage": "mediation"},
                                                      [401, 401, 403, 403, 403, 403, 403, 403, 409, 403, 403]),
    ("POST", "/v1/disputes/{D}/outcome", {"outcome": "mediation_agreement"},
                                                      [401, 401, 403, 403, 403, 403, 403, 403, 409, 403, 403]),
    ("POST", "/v1/disputes/{D}/court-objection", COURT_OBJECTION,
                                                      [401, 401, 409, 409, 403, 403, 403, 403, 409, 403, 403]),
    ("GET", "/v1/disputes", None,                     [401, 401, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET", "/v1/objections", None,                   [401, 401, 200, 200, 200, 200, 200, 200, 403, 403, 200]),
    ("GET", "/v1/tasks", None,                        [401, 401, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    # The request's decide task (done): the body's PPID and the unit's are told it is no delivery task.
    ("POST", "/v1/tasks/{T}/delivery", {"delivered_on": "2026-01-05", "method": "email"},
                                                      [401, 401, 409, 409, 403, 403, 403, 403, 403, 403, 403]),
    # The same task: no notice to send by letter or phone either.
    ("POST", "/v1/tasks/{T}/notice-sent", {"sent_on": "2026-01-05", "method": "letter"},
                                                      [401, 401, 409, 409, 403, 403, 403, 403, 403, 403, 403]),
    ("GET", "/v1/users", None,                        [401, 401, 403, 403, 403, 403, 403, 403, 403, 403, 200]),
    ("POST", "/v1/calendar/holidays", {"date": "2026-12-27", "name": "Hari Minggu"},
                                                      [401, 401, 403, 403, 403, 403, 403, 403, 403, 403, 409]),
    ("DELETE", "/v1/calendar/holidays/2026-07-07", None,
                                                      [401, 401, 403, 403, 403, 403, 403, 403, 403, 403, 404]),
]  # fmt: skip


async def _prepared_chain(sim: Stack) -> tuple[dict[str, str], dict[str, str], dict[str, dict[str, str]]]:
    created = await sim.submit()
    requester = {"X-Tracking-Code": created["tracking_code"]}
    headers = {name: await sim.login(email) for name, email in ACTORS.items()}
    decide_task = None
    for _ in range(200):  # the workflow's first activity opens it
        tasks = (await sim.http.get("/v1/tasks", headers=headers["unit"])).json()
        decide_task = next((t["id"] for t in tasks if t["case_id"] == created["id"]), None)
        if decide_task is not None:
            break
        await asyncio.sleep(0.05)
    assert decide_task is not None
    assert (
        await sim.http.post(f"/v1/requests/{created['id']}/decision", json=REFUSAL, headers=headers["unit"])
    ).status_code == 200
    objection = (
        await sim.http.post(f"/v1/requests/{created['id']}/objections", json=OBJECTION, headers=requester)
    ).json()
    answer = {"outcome": "upheld", "reasons": "Pengecualian Pasal 17 huruf h tetap berlaku."}
    assert (
        await sim.http.post(
            f"/v1/objections/{objection['id']}/response", json=answer, headers=headers["atasan"]
        )
    ).status_code == 200
    dispute = (
        await sim.http.post(f"/v1/objections/{objection['id']}/dispute", json=DISPUTE, headers=requester)
    ).json()
    registered = await sim.http.post(f"/v1/disputes/{dispute['id']}/registration", json={"register_number": "REG-1/2026"},
                                     headers=headers["komisi"])  # fmt: skip
    assert registered.status_code == 200
    ids = {"R": created["id"], "O": objection["id"], "D": dispute["id"], "T": str(decide_task)}
    return ids, requester, headers


async def test_every_role_against_every_endpoint(sim: Stack, timeskip: WorkflowEnvironment) -> None:
    ids, requester, staff = await _prepared_chain(sim)
    credentials = {"anonymous": {}, "requester": requester, **staff}
    mismatches = []
    for method, path, body, expected in MATRIX:
        url = path.format(**ids)
        for column, status in zip(COLUMNS, expected, strict=True):
            response = await sim.http.request(method, url, json=body, headers=credentials[column])
            if response.status_code != status:
                mismatches.append(
                    f"{method} {path} as {column}: {response.status_code} (expected {status}) {response.text[:120]}"
                )
    assert not mismatches, "\n".join(mismatches)

    # Lists show only what the caller may see.
    for name, should_see in (
        ("ppid", True),
        ("other_ppid", False),
        ("komisi", True),
        ("other_komisi", False),
    ):
        listed = [d["id"] for d in (await sim.http.get("/v1/disputes", headers=staff[name])).json()]
        assert (ids["D"] in listed) is should_see, name


@pytest.mark.parametrize("column", COLUMNS)
def test_matrix_rows_are_complete(column: str) -> None:
    """Every row has this column's expectation (a row one short would shift the rest onto the wrong
    caller), it is one the matrix can mean, and it fits who the column is: no credentials answer 401
    everywhere, a staff token is never refused as unauthenticated."""
    index = COLUMNS.index(column)
    short = [f"{method} {path}" for method, path, _, expected in MATRIX if len(expected) != len(COLUMNS)]
    assert not short, short
    statuses = {f"{method} {path}": expected[index] for method, path, _, expected in MATRIX}
    assert set(statuses.values()) <= {200, 401, 403, 404, 409}, statuses
    if column == "anonymous":
        assert set(statuses.values()) == {401}
    elif column == "requester":  # a tracking code opens the requester's own case, never the staff lists
        assert statuses["GET /v1/requests/{R}"] == 200 and statuses["GET /v1/tasks"] == 401
    else:
        assert column in ACTORS and 401 not in statuses.values(), statuses
