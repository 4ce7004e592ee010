"""The yearly report on the time-skipping server, through the API with real activities, database and SMTP:
the calendar watch starts the report workflow of each body; on the first working day of 2027 the draft of
2026 is prepared and the PPID Utama of Sanggau gets a task due 31 March 2027; reminders come before it, the
Atasan PPID is alerted when it passes; the submission mails the PDF to the Atasan PPID and the KI and
publishes the report; a second submission and later edits are refused (409); bad years and fields get 422.
The PDF, the XLSX and the CSV hold the figures; the PPID Pelaksana evaluation shows the late unit."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from openpyxl import load_workbook
from pypdf import PdfReader
from temporalio.client import WorkflowExecutionStatus, WorkflowHandle
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from db.models import CalendarChangeRow
from db.session import make_engine, make_session_factory
from domain.annual_report import ReportPlan, ReportStart
from domain.contracts import CalendarChanged
from tests.conftest import Mailbox, text_of
from tests.history_support import RECORDED_VERSION, replay_and_record
from tests.requests_support import ATASAN_SANGGAU, PPID_DINKES, PPID_SANGGAU, Stack, stack
from tests.test_calendar_watch import add_body
from tests.timeskip_support import sleep_until
from workflows.annual_report import AnnualReportWorkflow

KI_KALBAR = "sengketa@ki-kalbar.example"
WIB = ZoneInfo("Asia/Pontianak")
REPORT = "/v1/reports/kab-sanggau/2026"
WEEK = timedelta(days=7)
POLICY = "SK Bupati Sanggau tentang PPID dan standar layanan informasi publik berlaku sepanjang 2026."


def _pdf_of(message: EmailMessage) -> bytes:
    [part] = [p for p in message.iter_attachments() if p.get_content_type() == "application/pdf"]
    data = part.get_content()
    assert isinstance(data, bytes)
    return data


def _pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


async def _page_sign_in(http: httpx.AsyncClient, email: str) -> None:
    page = await http.get("/staf/masuk")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    signed = await http.post(
        "/staf/masuk",
        data={"email": email, "kata_sandi": "demo-ppid-2026", "lanjut": "/staf", "csrf_token": token},
    )
    assert signed.status_code == 303, signed.text


async def _skip_to(env: WorkflowEnvironment, moment: str) -> None:
    """Simulated time to just after `moment`, a week at a time: each skip fires few timers, so the test
    server answers each call well within its deadline on a busy machine."""
    target = datetime.fromisoformat(moment)
    while target - await env.get_current_time() > WEEK:
        await env.sleep(WEEK)
    await sleep_until(env, target)


async def _wait_task(sim: Stack, headers: dict[str, str], kind: str) -> dict[str, object]:
    for _ in range(200):
        found = [t for t in (await sim.http.get("/v1/tasks", headers=headers)).json() if t["kind"] == kind]
        if found:
            return dict(found[0])
        await asyncio.sleep(0.05)
    raise AssertionError(f"no open {kind} task")


async def test_the_yearly_report_is_prepared_reminded_escalated_and_submitted(
    sim: Stack, timeskip: WorkflowEnvironment
) -> None:
    utama, unit = await sim.login(PPID_SANGGAU), await sim.login(PPID_DINKES)
    atasan = await sim.login(ATASAN_SANGGAU)
    # Two requests of 2026: Dinas Kesehatan answers in time; BPKAD never does (it becomes the late unit).
    answered, silent = await sim.submit(), await sim.submit(unit="bpkad")
    decided = await sim.http.post(
        f"/v1/requests/{answered['id']}/decision", json={"outcome": "granted"}, headers=unit
    )
    assert decided.status_code == 200, decided.text

    # The report workflow of 2026 (the calendar watch starts it for every body: test_report_workflows_start).
    await timeskip.client.start_workflow(
        AnnualReportWorkflow.run,
        ReportStart(body="kab-sanggau", year=2026),
        id="laporan-kab-sanggau-2026",
        task_queue=sim.settings.temporal_task_queue,
    )

    # Before the year ends: a draft with its due date; the narrative can be written, not submitted.
    draft = (await sim.http.get(REPORT, headers=unit)).json()
    assert draft["status"] == "draft" and draft["due_at"] == "2027-03-31T23:59:59+07:00"
    assert draft["figures"]["requests"]["total"] == 2
    put = await sim.http.put(REPORT, json={"policy": POLICY}, headers=utama)
    assert put.status_code == 200 and put.json()["sections"]["policy"] == POLICY
    assert (await sim.http.put(REPORT, json={"policy": "x"}, headers=unit)).status_code == 403  # a Pelaksana
    early = await sim.http.post(f"{REPORT}/submission", json={}, headers=utama)
    assert early.status_code == 409 and "setelah tahun itu berakhir" in early.json()["detail"]

    # Bad input: a malformed or future year, an unknown or too long section: 422 naming the field.
    for path, field in (("/v1/reports/kab-sanggau/20x6", "year"), ("/v1/reports/kab-sanggau/2031", "year")):
        answer = await sim.http.get(path, headers=utama)
        assert answer.status_code == 422 and answer.json()["detail"][0]["loc"][-1] == field, answer.text
    for payload, field in (({"kebijakan": "x"}, "kebijakan"), ({"obstacles": "x" * 20_001}, "obstacles")):
        answer = await sim.http.put(REPORT, json=payload, headers=utama)
        assert answer.status_code == 422 and field in answer.text, answer.text
    assert (await sim.http.get("/v1/reports/tidak-ada/2026", headers=utama)).status_code == 404

    # 4 January 2027 (1 January a holiday, then a weekend): the draft is prepared, the task is due 31 March.
    await _skip_to(timeskip, "2027-01-04T08:00:00+07:00")
    prepared = await sim.mail.wait_for(PPID_SANGGAU, "Draf laporan layanan informasi publik")
    assert "31 Maret 2027" in text_of(prepared) and "Pasal 56" in text_of(prepared)
    task = await _wait_task(sim, utama, "submit_annual_report")
    assert str(task["due_at"]).startswith("2027-03-31T23:59:59")

    # The reminders before it, then the escalation to the Atasan PPID once 31 March has passed.
    await _skip_to(timeskip, "2027-04-01T00:00:00+07:00")
    reminder = await sim.mail.wait_for(PPID_SANGGAU, "jatuh tempo dalam 1 hari kerja")
    assert "31 Maret 2027" in text_of(reminder)
    assert await sim.mail.wait_for(PPID_SANGGAU, "jatuh tempo dalam 10 hari kerja")
    escalated = await sim.mail.wait_for(ATASAN_SANGGAU, "Eskalasi: laporan layanan informasi publik")
    assert "Pasal 12" in text_of(escalated)
    await _wait_task(sim, atasan, "annual_report_overdue")

    # Submitted (late): the Atasan PPID and the KI receive the PDF; the report is public.
    submitted = await sim.http.post(f"{REPORT}/submission", json={}, headers=utama)
    assert submitted.status_code == 200, submitted.text
    body = submitted.json()
    assert body["status"] == "submitted" and body["submitted_late"] is True
    for recipient in (KI_KALBAR, ATASAN_SANGGAU):
        mail = await sim.mail.wait_for(
            recipient, "Laporan Layanan Informasi Publik Pemerintah Kabupaten Sanggau"
        )
        text = _pdf_text(_pdf_of(mail))
        assert "Laporan Layanan Informasi Publik Tahun 2026" in text and POLICY[:40] in text
        assert "Permohonan informasi diterima" in text
    again = await sim.http.post(f"{REPORT}/submission", json={}, headers=utama)
    assert again.status_code == 409 and "sudah disampaikan" in again.json()["detail"]
    assert (await sim.http.put(REPORT, json={"policy": "ubah"}, headers=utama)).status_code == 409
    tasks = (await sim.http.get("/v1/tasks", headers=utama)).json()
    assert not [t for t in tasks if t["kind"] == "submit_annual_report"]  # done with the submission

    public = await sim.http.get("/laporan/kab-sanggau/2026")
    assert public.status_code == 200 and POLICY in public.text and "data:image/svg+xml" in public.text
    pdf = await sim.http.get("/laporan/kab-sanggau/2026.pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert (await sim.http.get("/laporan/kab-sanggau/2027")).status_code == 404
    stats = await sim.http.get("/statistik/kab-sanggau?tahun=2026")
    assert stats.status_code == 200 and "/laporan/kab-sanggau/2026" in stats.text
    assert (await sim.http.get("/statistik/kab-sanggau?tahun=1999")).status_code == 422
    assert (await sim.http.get("/statistik/ki/ki-kalbar?tahun=2026")).status_code == 200

    # The PPID Pelaksana evaluation: BPKAD never answered, Dinas Kesehatan did in time.
    units = (await sim.http.get("/v1/statistics/units?body=kab-sanggau&year=2026", headers=utama)).json()[
        "units"
    ]
    by_slug = {u["unit"]: u for u in units}
    assert by_slug["dinkes"]["on_time"] == 1 and by_slug["dinkes"]["on_time_share"] == 1.0
    assert by_slug["bpkad"]["overdue"] == 1 and by_slug["bpkad"]["on_time_share"] == 0.0
    assert units[0]["unit"] == "dinkes" and [u["unit"] for u in units].index("bpkad") > 0
    assert by_slug["bpkad"]["months"][11]["overdue"] == 1  # received in December
    bad_year = await sim.http.get("/v1/statistics/units?body=kab-sanggau&year=abcd", headers=utama)
    assert bad_year.status_code == 422 and bad_year.json()["detail"][0]["loc"] == ["query", "year"]
    # A year before the first request: nothing to rank, said as a 422 naming the field (not an empty list).
    no_data = await sim.http.get("/v1/statistics/units?body=kab-sanggau&year=2015", headers=utama)
    assert no_data.status_code == 422 and no_data.json()["detail"][0]["loc"] == ["query", "year"]
    assert "tersedia untuk tahun 2026" in no_data.json()["detail"][0]["msg"]
    assert (
        await sim.http.get("/v1/statistics/units?body=kab-sanggau&year=2026", headers=unit)
    ).status_code == 403
    assert silent["id"]

    # The downloads of the staff page hold the figures.
    await _page_sign_in(sim.http, PPID_SANGGAU)
    xlsx = await sim.http.get("/staf/laporan/2026.xlsx")
    assert xlsx.status_code == 200, xlsx.text
    book = load_workbook(io.BytesIO(xlsx.content))
    rows = {r[0]: r[1] for r in book["Ringkasan layanan permohonan"].iter_rows(values_only=True)}
    assert rows["Permohonan informasi diterima"] == 2 and rows["Tidak ditanggapi sampai tenggat"] == 1
    monthly = {r[0]: r[1] for r in book["Permohonan per bulan"].iter_rows(values_only=True)}
    assert monthly["Desember"] == 2 and monthly["Januari"] == 0
    csv_text = (await sim.http.get("/staf/laporan/2026.csv")).content.decode("utf-8-sig")
    assert "Permohonan informasi diterima,2" in csv_text
    evaluation = await sim.http.get("/staf/evaluasi-unit.csv?year=2026")
    assert "bpkad" in evaluation.text and "overdue:1" in evaluation.text
    assert datetime.fromisoformat(body["submitted_at"]).astimezone(WIB).date().isoformat() == "2027-04-01"

    # Submitted, the report's workflow ends, and its history replays.
    handle = timeskip.client.get_workflow_handle("laporan-kab-sanggau-2026")
    assert await handle.result() == "submitted"
    history = await handle.fetch_history()
    await replay_and_record(history, f"annual_report_{RECORDED_VERSION}_submitted")


async def test_the_calendar_watch_starts_the_report_workflow_of_every_body(
    temporal_env: WorkflowEnvironment, mailbox: tuple[Mailbox, int], tmp_path: Path, sqlite_database_url: str,
    task_queue: str,
) -> None:  # fmt: skip
    """On the real dev server: the watch starts `laporan-<body>-<year>` for a body just imported, as an
    abandoned child (it outlives the watch), and starting it again next month is a no-op."""
    slug = f"uji-{task_queue[-8:]}"
    await add_body(sqlite_database_url, slug)
    async with stack(temporal_env.client, mailbox, tmp_path, sqlite_database_url, task_queue):
        watch = await temporal_env.client.start_workflow(
            "CalendarWatchWorkflow", id=f"kalender-{task_queue}", task_queue=task_queue
        )
        year = (await temporal_env.client.get_workflow_handle(watch.id).describe()).start_time.year
        child = temporal_env.client.get_workflow_handle(f"laporan-{slug}-{year}")
        for _ in range(200):
            try:
                described = await child.describe()
                break
            except RPCError:
                await asyncio.sleep(0.05)
        else:
            raise AssertionError("the calendar watch never started the report workflow")
        assert described.parent_id == watch.id and described.workflow_type == "AnnualReportWorkflow"
        await watch.result()  # the watch run ends once it has started the reports
        assert (await child.describe()).status == WorkflowExecutionStatus.RUNNING  # abandoned, not ended
        await child.terminate()


async def _calendar_change(database_url: str, action: str, day: date, **flags: bool) -> CalendarChanged:
    """A national holiday added or cancelled in the registers (as the administrator's change writes it, already
    delivered: the test signals the workflow itself), and the signal that tells a running workflow."""
    engine = make_engine(database_url)
    async with make_session_factory(engine)() as session:
        row = CalendarChangeRow(action=action, date=day, name="Hari libur uji", created_by="admin@uji.example",
                                undelivered=[], delivered_at=datetime.now(WIB), **flags)  # fmt: skip
        session.add(row)
        await session.commit()
        version = row.id
    await engine.dispose()
    return CalendarChanged(version=version, action=action, date=day, name="Hari libur uji", **flags)


async def _plan_after(handle: WorkflowHandle[AnnualReportWorkflow, str], version: int) -> ReportPlan:
    for _ in range(200):
        if await handle.query(AnnualReportWorkflow.applied_calendar_version) >= version:
            plan = await handle.query(AnnualReportWorkflow.report_plan)
            assert plan is not None
            return plan
        await asyncio.sleep(0.05)
    raise AssertionError(f"calendar change v{version} never applied")


def _local(plan: ReportPlan) -> Callable[[str], str]:
    moments = {"prepare": plan.prepare_at} | {a.kind: a.at for a in plan.reminders}
    return lambda kind: moments[kind].astimezone(WIB).isoformat()


async def test_a_calendar_change_moves_the_report_clocks_still_ahead(
    sim: Stack, timeskip: WorkflowEnvironment, sqlite_database_url: str
) -> None:
    """A holiday added on the draft's day (4 January 2027) moves the preparation to the next working day (6
    January: the 5th is already a holiday of the body's calendar), one on a reminder's day moves the reminder;
    cancelling the holiday would bring the draft's day back earlier: kept, because the day was told, unless
    the administrator confirmed it (the next test)."""
    utama = await sim.login(PPID_SANGGAU)
    handle = await timeskip.client.start_workflow(
        AnnualReportWorkflow.run, ReportStart(body="kab-sanggau", year=2026), id="laporan-kab-sanggau-2026",
        task_queue=sim.settings.temporal_task_queue,
    )  # fmt: skip
    planned = _local(await _plan_after(handle, 0))
    assert planned("prepare") == "2027-01-04T08:00:00+07:00"  # 1 January a holiday, then a weekend
    assert planned("report_reminder_1") == "2027-03-30T08:00:00+07:00"  # 1 working day before 31 March

    # Monday 4 January and Tuesday 30 March 2027 become holidays.
    for day in (date(2027, 1, 4), date(2027, 3, 30)):
        change = await _calendar_change(sqlite_database_url, "add", day)
        await handle.signal(AnnualReportWorkflow.calendar_changed, change)
    moved = await _plan_after(handle, change.version)
    planned = _local(moved)
    assert planned("prepare") == "2027-01-06T08:00:00+07:00"
    assert planned("report_reminder_1") == "2027-03-29T08:00:00+07:00"
    assert moved.due_at.astimezone(WIB).isoformat() == "2027-03-31T23:59:59+07:00"  # a date of the law
    await handle.signal(AnnualReportWorkflow.calendar_changed, change)  # re-sent: applied once
    assert _local(await _plan_after(handle, change.version))("prepare") == "2027-01-06T08:00:00+07:00"

    # The 4 January holiday cancelled: the draft's day would move earlier; it is kept.
    cancelled = await _calendar_change(sqlite_database_url, "cancel", date(2027, 1, 4))
    await handle.signal(AnnualReportWorkflow.calendar_changed, cancelled)
    assert _local(await _plan_after(handle, cancelled.version))("prepare") == "2027-01-06T08:00:00+07:00"

    # The timer moved with it: nothing on 4 January, the draft on 6 January.
    await _skip_to(timeskip, "2027-01-04T09:00:00+07:00")
    assert (await sim.http.get(REPORT, headers=utama)).json()["prepared_at"] is None
    await _skip_to(timeskip, "2027-01-06T08:00:00+07:00")
    await sim.mail.wait_for(PPID_SANGGAU, "Draf laporan layanan informasi publik")
    prepared = (await sim.http.get(REPORT, headers=utama)).json()["prepared_at"]
    assert datetime.fromisoformat(prepared).astimezone(WIB).date() == date(2027, 1, 6)


async def test_a_confirmed_earlier_day_moves_the_draft_back(
    sim: Stack, timeskip: WorkflowEnvironment, sqlite_database_url: str
) -> None:
    handle = await timeskip.client.start_workflow(
        AnnualReportWorkflow.run, ReportStart(body="kab-sanggau", year=2026), id="laporan-kab-sanggau-2026",
        task_queue=sim.settings.temporal_task_queue,
    )  # fmt: skip
    added = await _calendar_change(sqlite_database_url, "add", date(2027, 1, 4))
    await handle.signal(AnnualReportWorkflow.calendar_changed, added)
    assert _local(await _plan_after(handle, added.version))("prepare") == "2027-01-06T08:00:00+07:00"
    confirmed = await _calendar_change(sqlite_database_url, "cancel", date(2027, 1, 4), confirm_earlier=True)
    await handle.signal(AnnualReportWorkflow.calendar_changed, confirmed)
    assert _local(await _plan_after(handle, confirmed.version))("prepare") == "2027-01-04T08:00:00+07:00"
    await handle.terminate()
