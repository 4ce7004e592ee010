"""The request lifecycle through the API on the real Temporal dev server, real database and real SMTP."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from domain import law
from tests.conftest import Mailbox, text_of
from tests.requests_support import (
    ATASAN_SANGGAU,
    PPID_DINKES,
    PPID_SANGGAU,
    REQUESTER_EMAIL,
    Stack,
    form,
    real,
    stack,
)

__all__ = ["real"]  # the fixture


async def test_intake_receipt_task_extension_decision(real: Stack) -> None:
    created = await real.submit()
    assert created["status"] == "received"
    assert created["registration_number"].startswith("0001/PPID/SGU/")
    deadline = (
        await real.http.get(
            "/v1/calendar/deadline",
            params={
                "body": "kab-sanggau",
                "start": created["received_at"],
                "working_days": law.T1.working_days,
            },
        )
    ).json()
    assert created["due_at"] == deadline["due_at"]

    receipt = await real.mail.wait_for(REQUESTER_EMAIL, "Tanda terima")
    assert created["registration_number"] in receipt["Subject"]
    assert "Siti" not in receipt["Subject"] and "6103014501900003" not in receipt["Subject"]
    body = text_of(receipt)
    assert created["tracking_code"] in body
    assert f"/lacak/{created['id']}" in body
    assert law.T1.article in body
    await real.mail.wait_for(PPID_DINKES, "Permohonan informasi baru")

    ppid = await real.login(PPID_SANGGAU)
    unit = await real.login(PPID_DINKES)
    for headers in (ppid, unit):
        tasks = (await real.http.get("/v1/tasks", headers=headers)).json()
        assert [(t["kind"], t["case_id"], t["sla"]) for t in tasks] == [
            ("decide_request", created["id"], "on_track")
        ]
    atasan = await real.login(ATASAN_SANGGAU)
    assert (await real.http.get("/v1/tasks", headers=atasan)).json() == []

    extended = await real.http.post(
        f"/v1/requests/{created['id']}/extension", json={"reason": "Dokumen masih dihimpun dari puskesmas"},
        headers=unit,
    )  # fmt: skip
    assert extended.status_code == 200, extended.text
    t2 = (
        await real.http.get(
            "/v1/calendar/deadline",
            params={"body": "kab-sanggau", "start": created["due_at"], "working_days": 7},
        )
    ).json()
    assert extended.json()["due_at"] == t2["due_at"]
    assert extended.json()["status"] == "extended"
    clocks = {d["clock"]: d["due_at"] for d in extended.json()["deadlines"]}
    assert clocks == {"T1": created["due_at"], "T2": t2["due_at"]}  # T1 is still explained after T2
    notice = await real.mail.wait_for(REQUESTER_EMAIL, "Perpanjangan")
    assert "Dokumen masih dihimpun dari puskesmas" in text_of(notice)

    again = await real.http.post(
        f"/v1/requests/{created['id']}/extension",
        json={"reason": "Sekali lagi karena banyak dokumen"},
        headers=ppid,
    )
    assert again.status_code == 409
    assert "sudah pernah diperpanjang" in again.json()["detail"]

    decided = await real.http.post(
        f"/v1/requests/{created['id']}/decision",
        json={"outcome": "granted", "note": "Salinan dikirim melalui email dalam 3 hari kerja."},
        headers=unit,
    )
    assert decided.status_code == 200, decided.text
    case = decided.json()
    assert case["status"] == "decided" and case["objection_deadline"]
    letter = await real.mail.wait_for(REQUESTER_EMAIL, "Pemberitahuan tertulis")
    assert "Salinan dikirim melalui email" in text_of(letter)
    assert "keberatan" in text_of(letter)
    second = await real.http.post(
        f"/v1/requests/{created['id']}/decision", json={"outcome": "granted"}, headers=ppid
    )
    assert second.status_code == 409
    # The decide and extension tasks are done; the grant opened the delivery (docs/domain.md, Pasal 22(7)).
    tasks = (await real.http.get("/v1/tasks", headers=ppid)).json()
    assert [(t["kind"], t["case_id"]) for t in tasks] == [("deliver_information", created["id"])]

    # The requester's view: with the tracking code, no internal events, no staff names.
    mine = await real.case(created["id"], {"X-Tracking-Code": created["tracking_code"]})
    assert {e["event"] for e in mine["timeline"]} >= {"registered", "extended", "decided"}
    assert all(e["actor"] is None and e["data"] is None for e in mine["timeline"])
    assert mine["requester"] is None
    staff_view = await real.case(created["id"], ppid)
    assert any(e["actor"] == PPID_DINKES for e in staff_view["timeline"])
    assert staff_view["requester"]["nik"] == "6103**********03"


async def test_idempotent_intake_and_unique_numbers(real: Stack) -> None:
    key = {"Idempotency-Key": "form-submit-7f3a"}
    first = await real.http.post("/v1/requests", json=form(), headers=key)
    repeat = await real.http.post("/v1/requests", json=form(), headers=key)
    assert (first.status_code, repeat.status_code) == (201, 200)
    assert repeat.json() == first.json()
    other = await real.submit()
    numbers = [first.json()["registration_number"], other["registration_number"]]
    assert [n.split("/")[0] for n in numbers] == ["0001", "0002"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"requester__nik": "12345"}, "nik"),
        ({"requester__nik": "9903014501900003"}, "nik"),  # no province 99
        ({"requester__nik": "6103019901900003"}, "nik"),  # day of birth 99
        ({"requester__nik": None}, "nik"),
        ({"requester__kind": "legal_entity", "requester__nik": None}, "legal_entity_number"),
        ({"requester__kind": "alien"}, "kind"),
        ({"requester__email": "bukan-email"}, "email"),
        ({"requester__email": None, "requester__phone": None}, "phone"),
        ({"obtain_method": "copy", "copy_format": None}, "copy_format"),
        ({"delivery_method": "pigeon"}, "delivery_method"),
        ({"information": ""}, "information"),
        ({"body": "kab-antah"}, "body"),
        ({"unit": "dishub"}, "unit"),
        ({"information": "x" * 6000}, "information"),
        ({"surprise": 1}, "surprise"),
    ],
)
async def test_bad_intake_names_the_field_and_stores_nothing(
    real: Stack, changes: dict[str, object], field: str
) -> None:
    response = await real.http.post("/v1/requests", json=form(**changes))
    assert response.status_code == 422, response.text
    assert field in {str(err["loc"][-1]) for err in response.json()["detail"]}
    admin = await real.login("admin@ppid.example")
    assert (await real.http.get("/v1/tasks", headers=admin)).json() == []


async def test_oversized_body_is_413_and_walk_in_needs_staff(real: Stack) -> None:
    huge = await real.http.post("/v1/requests", json=form(information="x" * (3 * 1024 * 1024)))
    assert huge.status_code == 413
    walk_in = await real.http.post("/v1/requests", json=form(channel="walk_in"))
    assert walk_in.status_code == 403
    desk = await real.login(PPID_SANGGAU)
    recorded = await real.http.post("/v1/requests", json=form(channel="walk_in"), headers=desk)
    assert recorded.status_code == 201


async def test_access_to_a_case(real: Stack) -> None:
    created = await real.submit(unit=None)
    url = f"/v1/requests/{created['id']}"
    assert (await real.http.get(url)).status_code == 401
    assert (await real.http.get(url, headers={"X-Tracking-Code": "AAAA-BBBB-CCCC"})).status_code == 404
    assert (
        await real.http.get("/v1/requests/" + "f" * 32, headers={"X-Tracking-Code": "x"})
    ).status_code == 404
    other_body = await real.login("ppid@kutaitimur.example")
    assert (await real.http.get(url, headers=other_body)).status_code == 403
    unit = await real.login(PPID_DINKES)  # not assigned to dinkes yet
    assert (await real.http.get(url, headers=unit)).status_code == 403
    decision = await real.http.post(f"{url}/decision", json={"outcome": "granted"}, headers=other_body)
    assert decision.status_code == 403
    requester = {"X-Tracking-Code": created["tracking_code"]}
    assert (
        await real.http.post(f"{url}/decision", json={"outcome": "granted"}, headers=requester)
    ).status_code == 401

    ppid = await real.login(PPID_SANGGAU)
    assigned = await real.http.post(f"{url}/assignment", json={"unit": "dinkes"}, headers=ppid)
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["unit"] == "dinkes"
    await real.mail.wait_for(PPID_DINKES, "diteruskan")
    assert (await real.http.get(url, headers=unit)).status_code == 200
    assert len((await real.http.get("/v1/tasks", headers=unit)).json()) == 1


async def test_refusal_needs_a_pasal_17_ground(real: Stack) -> None:
    created = await real.submit()
    ppid = await real.login(PPID_SANGGAU)
    url = f"/v1/requests/{created['id']}/decision"
    missing = await real.http.post(url, json={"outcome": "rejected"}, headers=ppid)
    assert missing.status_code == 422 and "exemption" in missing.text
    wrong = await real.http.post(
        url, json={"outcome": "rejected", "exemption": {"article": "18z", "consequence_test": "Uji konsekuensi"}},
        headers=ppid,
    )  # fmt: skip
    assert wrong.status_code == 422
    ok = await real.http.post(
        url,
        json={"outcome": "rejected", "exemption": {"article": "17h", "consequence_test": "Membuka data pribadi "
              "pasien dapat merugikan hak privasi (uji konsekuensi 2026/3)."}},
        headers=ppid,
    )  # fmt: skip
    assert ok.status_code == 200, ok.text
    letter = await real.mail.wait_for(REQUESTER_EMAIL, "Pemberitahuan tertulis")
    assert "Pasal 17 huruf h" in text_of(letter)


async def test_simulated_clock_is_absent_in_real_mode(real: Stack) -> None:
    assert (await real.http.get("/v1/dev/clock")).status_code == 404
    admin = await real.login("admin@ppid.example")
    assert (await real.http.post("/v1/dev/clock/advance", json={"days": 1}, headers=admin)).status_code == 404


async def test_concurrent_intakes_get_unique_gapless_numbers(real: Stack) -> None:
    import asyncio

    responses = await asyncio.gather(*(real.http.post("/v1/requests", json=form()) for _ in range(40)))
    assert [r.status_code for r in responses] == [201] * 40
    numbers = sorted(int(r.json()["registration_number"].split("/")[0]) for r in responses)
    assert numbers == list(range(1, 41))


async def test_intake_survives_temporal_outage_and_reconciler_starts_the_workflow(
    temporal_env: WorkflowEnvironment, mailbox: tuple[Mailbox, int], tmp_path: Path, database_url: str,
    task_queue: str,
) -> None:  # fmt: skip
    from datetime import timedelta

    from db.session import make_engine, make_session_factory
    from ppid.reconcile import start_missing_workflows
    from tests.conftest import free_port

    # The API sees a Temporal that is down; the worker runs on the real one.
    async with stack(temporal_env.client, mailbox, tmp_path, database_url, task_queue) as s:
        s.settings.temporal_address = f"127.0.0.1:{free_port()}"
        created = await s.submit()
        assert created["status"] == "received"
        assert s.mail.to(REQUESTER_EMAIL) == []
        engine = make_engine(database_url)
        started = await start_missing_workflows(
            make_session_factory(engine), temporal_env.client, task_queue, grace=timedelta(0)
        )
        assert started == 1
        receipt = await s.mail.wait_for(REQUESTER_EMAIL, "Tanda terima")
        again = await start_missing_workflows(
            make_session_factory(engine), temporal_env.client, task_queue, grace=timedelta(0)
        )
        await engine.dispose()
        assert again == 0  # its registration is recorded now
        assert created["tracking_code"] in text_of(receipt)


async def test_tracking_page_keeps_the_code_out_of_the_server(real: Stack) -> None:
    created = await real.submit()
    page = await real.http.get(f"/lacak/{created['id']}")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    # The receipt's link carries the code in the fragment, which no browser sends: the served script reads it,
    # takes it out of the address and posts it in the body of the page's code form (never in a URL).
    assert (
        '<script src="/static/lacak.js"></script>' in page.text
    )  # a served file: the CSP allows no inline script
    assert f'<form method="post" action="/lacak/{created["id"]}"' in page.text
    script = (await real.http.get("/static/lacak.js")).text
    assert "location.hash" in script and "history.replaceState" in script
    assert page.headers["referrer-policy"] == "same-origin" and page.headers["cache-control"] == "no-store"
    case = await real.case(created["id"], {"X-Tracking-Code": created["tracking_code"].lower()})
    assert case["timezone"] == "Asia/Pontianak"


async def test_rate_limits_answer_429_with_retry_after(
    temporal_env: WorkflowEnvironment, mailbox: tuple[Mailbox, int], tmp_path: Path, database_url: str,
    task_queue: str,
) -> None:  # fmt: skip
    limits = {"ppid_rate_limit_intake": 3, "ppid_rate_limit_tracking": 4, "ppid_rate_limit_login": 5}
    async with stack(temporal_env.client, mailbox, tmp_path, database_url, task_queue, **limits) as s:
        codes = [(await s.http.post("/v1/requests", json=form())).status_code for _ in range(4)]
        assert codes == [201, 201, 201, 429]
        refused = await s.http.post("/v1/requests", json=form())
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
        desk = await s.login(PPID_SANGGAU)  # staff recording walk-ins are not limited
        assert (
            await s.http.post("/v1/requests", json=form(channel="walk_in"), headers=desk)
        ).status_code == 201
        guesses = [
            (
                await s.http.get(
                    "/v1/requests/" + "a" * 32, headers={"X-Tracking-Code": f"GUES-SCOD-E{i:03d}"}
                )
            ).status_code
            for i in range(5)
        ]
        assert guesses == [404, 404, 404, 404, 429]
        logins = [
            (
                await s.http.post(
                    "/v1/auth/token", data={"username": "x@y.example", "password": "salah-salah"}
                )
            ).status_code
            for _ in range(5)
        ]
        assert logins[-1] == 429 and set(logins[:-1]) == {401}
