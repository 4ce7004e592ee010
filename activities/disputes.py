"""Activities of the dispute workflow: the dispute register, the case file, and the notices to the
Komisi Informasi and the parties."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.case_file import build_case_file, render_case_file_html
from activities.consequence_tests import open_cited_entry
from activities.notices import Notice, deadline_moved, render
from activities.objections import reasons_text
from activities.records import (
    add_timeline,
    close_task,
    delivered_context,
    enqueue,
    get_or_fail,
    handover_text,
    objection_rows,
    open_task,
    record_handover,
)
from base.settings import Settings
from db.calendar_repo import load_calendar
from db.models import Body, Dispute, InfoRequest, KomisiInformasi, Notification, Objection, Task, Unit
from domain import law
from domain.calendar import Deadline, add_working_days, end_of_day
from domain.case_change import TaskToOpen
from domain.contracts import DeadlineQuery, DisputeStart, RegisterDispute
from domain.court import COURT_KINDS, court_article, court_kind, filing_text
from domain.dates_id import ZONE_ABBREVIATIONS, format_date, format_datetime
from domain.delivery import DELIVERY_TASK_KINDS
from domain.dispute_events import (
    CLOCK_COLUMNS,
    CLOCK_DATA_KEYS,
    ClockMissed,
    CourtObjectionRecorded,
    DeadlineMoved,
    Decided,
    Delivered,
    DisputeEvent,
    DisputeRecord,
    DisputeRecorded,
    Final,
    Registered,
    StageSet,
    Submitted,
)
from domain.enums import DisputeStatus, ObjectionStatus, RequestStatus, Role
from domain.notice_tasks import requester_recipients

OUTCOME_LABELS = {
    "mediation_agreement": "Kesepakatan mediasi (final dan mengikat, Pasal 39)",
    "adjudication_granted": "Putusan ajudikasi: permohonan informasi dikabulkan",
    "adjudication_partially_granted": "Putusan ajudikasi: permohonan informasi dikabulkan sebagian",
    "adjudication_rejected": "Putusan ajudikasi: penolakan badan publik dikuatkan",
    "dismissed": "Permohonan penyelesaian sengketa tidak dapat diterima",
    "withdrawn": "Permohonan penyelesaian sengketa dicabut",
}
LABELS = {
    "submitted": "Sengketa diajukan kepada Komisi Informasi; berkas perkara dikirim",
    "registered": "Komisi Informasi meregistrasi sengketa",
    "stage_mediation": "Komisi Informasi memulai mediasi",
    "stage_adjudication": "Komisi Informasi memulai ajudikasi",
    "decided": "Komisi Informasi memutus sengketa",
    "t6_missed": f"Komisi Informasi belum memulai penyelesaian dalam {law.T6.days_text()} ({law.T6.article})",
    "t7_missed": f"Sengketa belum selesai dalam {law.T7.days_text()} ({law.T7.article})",
    # What the product knows: no court objection was recorded in it within T8, not that none was filed.
    "final": f"Tidak tercatat keberatan ke pengadilan dalam {law.T8.days_text()} sejak putusan diterima "
    f"({law.T8.article}); menurut catatan sistem, putusan berkekuatan hukum tetap",
    "court_objection": "Keberatan atas putusan Komisi Informasi diajukan ke pengadilan",
    "delivered": "Informasi diserahkan kepada pemohon sesuai putusan Komisi Informasi",
}
# Why the compliance task ends without a delivery when a court objection is recorded (Pasal 47-48).
COMPLIANCE_SUSPENDED = (
    "Keberatan ke pengadilan tercatat: putusan Komisi Informasi belum berkekuatan hukum tetap, sehingga "
    "pelaksanaannya menunggu putusan pengadilan (Pasal 47-48)"
)


class DisputeActivities:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession], settings: Settings) -> None:
        self._sessions = session_factory
        self._settings = settings

    @activity.defn(name="register_dispute")
    async def register_dispute(self, registration: RegisterDispute) -> DisputeStart:
        """The dispute row, routed to the Komisi Informasi of the body in the directory (Pasal 27)."""
        async with self._sessions() as session:
            objection, request, body = await objection_rows(session, registration.objection_id)
            komisi = await session.get(KomisiInformasi, body.komisi_id)
            assert komisi is not None
            if await session.get(Dispute, registration.dispute_id) is None:
                session.add(
                    Dispute(
                        id=registration.dispute_id,
                        objection_id=objection.id,
                        request_id=request.id,
                        komisi_id=komisi.id,
                        status=DisputeStatus.SUBMITTED.value,
                        statement=registration.command.statement,
                        requested_outcome=registration.command.requested_outcome,
                        submitted_at=registration.at,
                        workflow_id=f"sengketa-{registration.dispute_id}",
                    )
                )
                objection.status = ObjectionStatus.DISPUTED.value
                request.status = RequestStatus.DISPUTED.value  # the request follows its objection
                await session.commit()
            return DisputeStart(
                dispute_id=registration.dispute_id,
                objection_id=objection.id,
                request_id=request.id,
                registration_number=request.registration_number,
                komisi=komisi.slug,
                komisi_timezone=komisi.timezone,
                reasons=objection.reasons,
            )

    @activity.defn(name="record_dispute_event")
    async def record(self, record: DisputeRecord) -> DisputeRecorded:
        """Writes what the workflow decided at one event: the clocks it starts (computed here, on the KI's
        calendar, in the same round trip), the dispute's status and the event's own facts, the tasks it opens
        and ends, the timeline entry, and the notices."""
        event = record.event
        async with self._sessions() as session:
            dispute = await get_or_fail(session, Dispute, record.dispute_id, "dispute")
            deadlines = {code: await _compute(session, query) for code, query in record.deadlines.items()}
            data = event.data() | _clock_data(deadlines)
            first_time = await add_timeline(
                session,
                key=f"{dispute.id}:{event.name}",
                case_id=dispute.request_id,
                subject_type="dispute",
                subject_id=dispute.id,
                at=record.at,
                event=f"dispute_{event.name}",
                label=self._label(event),
                actor=record.actor,
                internal=isinstance(event, DeadlineMoved) and event.kept,
                data=data or None,
            )
            if first_time:
                await self._write(session, dispute, record, deadlines)
            await session.flush()
            notices = await self._notices(session, dispute, record, data)
            ids = await enqueue(
                session, case_id=dispute.request_id, event=f"dispute_{event.name}", key_suffix=dispute.id,
                notices=notices, at=record.at,
            )  # fmt: skip
            if isinstance(event, Submitted):
                await self._attach_case_file(session, dispute, ids)
            await session.commit()
        return DisputeRecorded(notification_ids=ids, deadlines=deadlines)

    @staticmethod
    def _label(event: DisputeEvent) -> str:
        match event:
            case DeadlineMoved():
                # The KI's clocks are shown in the KI's time zone.
                return deadline_moved(event.data(), event.timezone)[0]
            case Registered():
                return f"{LABELS['registered']} dengan nomor {event.register_number}"
            case Decided():
                return f"{LABELS['decided']}: {OUTCOME_LABELS.get(event.outcome.outcome, '')}"
            case CourtObjectionRecorded():
                filing = event.court_objection
                return (
                    f"{LABELS['court_objection']}: {filing_text(filing.model_dump(mode='json'))} "
                    f"({COURT_KINDS[filing.court_kind]}, {court_article(filing.court_kind)} dan "
                    f"{law.T8.article}); putusan belum berkekuatan hukum tetap"
                )
            case Delivered():
                return f"{LABELS['delivered']} {handover_text(event.delivery.model_dump(mode='json'))}"
        return LABELS.get(event.name, event.name)

    async def _attach_case_file(self, session: AsyncSession, dispute: Dispute, ids: list[int]) -> None:
        for notification_id in ids:
            row = await session.get(Notification, notification_id)
            if row is None or row.recipient_role != "komisi" or row.attachments:
                continue
            assert dispute.case_file is not None
            stem = "berkas-perkara-" + str(dispute.case_file["request"]["registration_number"]).replace(
                "/", "-"
            )
            row.attachments = [
                {"filename": f"{stem}.json", "content_type": "application/json", "content": dispute.case_file},
                {"filename": f"{stem}.html", "content_type": "text/html",
                 "content": render_case_file_html(dispute.case_file)},
            ]  # fmt: skip

    async def _write(
        self, session: AsyncSession, dispute: Dispute, record: DisputeRecord, deadlines: dict[str, Deadline]
    ) -> None:
        """The transition as decided, the event's facts, the clocks it started; nothing worked out again."""
        request = await session.get(InfoRequest, dispute.request_id)
        assert request is not None
        event, at, transition = record.event, record.at, record.transition
        if transition.status is not None:
            dispute.status = transition.status
        for column, value in event.columns(at).items():
            setattr(dispute, column, value)
        for code, computed in deadlines.items():
            setattr(dispute, CLOCK_COLUMNS[code], computed.due_at)
        if transition.close_task_kinds:
            await self._close_tasks(session, dispute, at=at, kinds=transition.close_task_kinds)
        if transition.open_tasks:
            body = await session.get(Body, request.body_id)
            assert body is not None
            for task in transition.open_tasks:
                await self._open_task(session, dispute, request, body, record, task, deadlines)
        match event:
            case Submitted():
                dispute.case_file = await build_case_file(session, dispute)
            case CourtObjectionRecorded(compliance_suspended=True):
                # Ended explicitly, with its reason on the task and on the timeline, never silently.
                await close_task(
                    session, key=f"{dispute.id}:comply", at=at, status="cancelled",
                    close_reason=COMPLIANCE_SUSPENDED,
                )  # fmt: skip
                await add_timeline(
                    session, key=f"{dispute.id}:compliance_suspended", case_id=dispute.request_id,
                    subject_type="dispute", subject_id=dispute.id, at=at, event="dispute_compliance_suspended",
                    label=COMPLIANCE_SUSPENDED, actor=record.actor,
                )  # fmt: skip
            case Delivered():
                await record_handover(
                    session, key=f"{dispute.id}:comply", at=at, actor=record.actor,
                    delivery=event.delivery.model_dump(mode="json"),
                )  # fmt: skip
            case DeadlineMoved(kept=False) if event.task_kinds:
                await session.execute(
                    update(Task)
                    .where(_dispute_tasks(dispute), Task.status == "open", Task.kind.in_(event.task_kinds))
                    .values(due_at=event.new)
                )
        if record.open_cited_entry:
            await open_cited_entry(session, request, at=at, reason="dispute", ref=_ki_ref(dispute))

    @staticmethod
    async def _open_task(
        session: AsyncSession, dispute: Dispute, request: InfoRequest, body: Body, record: DisputeRecord,
        task: TaskToOpen, deadlines: dict[str, Deadline],
    ) -> None:  # fmt: skip
        due = task.due_at
        if task.due_at_deadline and record.tasks_due_at_clock:
            due = deadlines[record.tasks_due_at_clock].due_at
        if (day := record.task_due_dates.get(task.key)) is not None:
            due = end_of_day(day, body.timezone)
        # The KI's tasks are the KI's inbox; the others the respondent body's PPID (its unit, when assigned).
        where: dict[str, Any] = (
            {"komisi_id": dispute.komisi_id, "body_id": None, "unit_id": None}
            if task.role == Role.KOMISI.value
            else {"body_id": request.body_id, "unit_id": request.unit_id}
        )
        await open_task(
            session, key=f"{dispute.id}:{task.key}", kind=task.kind, role=task.role, due_at=due,
            opened_at=record.at, case_type="dispute", case_id=dispute.request_id,
            registration_number=request.registration_number, **where,
        )  # fmt: skip

    @staticmethod
    async def _close_tasks(
        session: AsyncSession, dispute: Dispute, *, at: datetime, kinds: list[str]
    ) -> None:
        """The dispute's own open tasks of these kinds end (not those of another dispute of the same case)."""
        if set(kinds) & DELIVERY_TASK_KINDS:
            raise ValueError("delivery tasks end only when the delivery is recorded")
        query = update(Task).where(_dispute_tasks(dispute), Task.status == "open", Task.kind.in_(kinds))
        await session.execute(query.values(status="done", closed_at=at))

    async def _notices(
        self, session: AsyncSession, dispute: Dispute, record: DisputeRecord, data: dict[str, Any]
    ) -> list[Notice]:
        request = await session.get(InfoRequest, dispute.request_id)
        objection = await session.get(Objection, dispute.objection_id)
        komisi = await session.get(KomisiInformasi, dispute.komisi_id)
        assert request is not None and objection is not None and komisi is not None
        body = await session.get(Body, request.body_id)
        assert body is not None
        unit = await session.get(Unit, request.unit_id) if request.unit_id else None
        ktz = komisi.timezone
        context: dict[str, Any] = {
            "reg": request.registration_number,
            "obj_reg": objection.registration_number,
            "requester_name": request.requester_name,
            "body_name": body.name,
            "komisi_name": komisi.name,
            "zone": ZONE_ABBREVIATIONS.get(ktz, ktz),
            "reasons_text": reasons_text(objection.reasons),
            "submitted": format_datetime(dispute.submitted_at, ktz),
            "requested_outcome": dispute.requested_outcome,
            "tracking_link": f"{self._settings.public_url}/lacak/{request.id}",
            "when": format_datetime(record.at, ktz),
        }
        requester = requester_recipients(request.email)  # no email: the PPID sends it by letter or phone
        ppid_email = unit.email if unit else body.ppid_email
        parties = [(r, "requester", request.requester_name) for r in requester] + [
            (ppid_email, "ppid", f"PPID {body.name}" + (f" — {unit.name}" if unit else "")),
            (body.atasan_email, "atasan_ppid", f"Atasan PPID {body.name}"),
        ]
        event = record.event
        if isinstance(event, DeadlineMoved):
            if event.kept:
                return []
            # The KI's clocks: the notice is the Komisi Informasi's.
            ctx = context | deadline_moved(data, ktz)[1] | {"komisi_signs": True}
            return [render("deadline_moved_requester", r, "requester", ctx) for r in requester]
        if isinstance(event, Delivered):
            # The PPID complied: the body tells the requester, and the KI whose decision it carries out.
            decision = dict(dispute.outcome or {})
            number = f" nomor {decision['decision_number']}" if decision.get("decision_number") else ""
            register = f" atas sengketa nomor {dispute.register_number}" if dispute.register_number else ""
            basis = f"sesuai putusan {komisi.name}{number}{register}"
            ctx = context | delivered_context(data["delivery"], basis=basis)
            to_komisi = ctx | {"recipient_role": "komisi", "addressee": komisi.name}
            return [render("delivered", r, "requester", ctx) for r in requester] + [
                render("delivered", komisi.email, "komisi", to_komisi)
            ]
        if isinstance(event, Submitted):
            names = "berkas-perkara-*.json dan *.html"
            return (
                [render("dispute_submitted_komisi", komisi.email, "komisi", context | {"case_file_names": names})]
                + [render("dispute_submitted_requester", r, "requester", context) for r in requester]
                + [
                    render("dispute_submitted_respondent", ppid_email, "ppid", context | {"addressee": "PPID"}),
                    render("dispute_submitted_respondent", body.atasan_email, "atasan_ppid",
                           context | {"addressee": "Atasan PPID"}),
                ]
            )  # fmt: skip
        headline, details = self._update_text(record, data, ktz, dispute, state_body=body.state_body)
        if not headline:
            return []
        recipients = list(parties)
        if isinstance(event, ClockMissed | CourtObjectionRecorded):
            recipients.append((komisi.email, "komisi", komisi.name))
        # One greeting as in every notice (Yth. for the requester, Kepada for staff); lines start with a capital.
        lines = {
            "headline": headline,
            "title": _sentence(headline),
            "details": [_sentence(d) for d in details],
        }
        return [
            render("dispute_update", address, role,
                   context | lines | {"addressee": name, "recipient_role": role, "komisi_signs": True})
            for address, role, name in recipients
        ]  # fmt: skip

    @staticmethod
    def _update_text(
        record: DisputeRecord, data: dict[str, Any], tz: str, dispute: Dispute, *, state_body: bool = True
    ) -> tuple[str, list[str]]:
        def when(value: Any) -> str:
            return format_datetime(datetime.fromisoformat(str(value)), tz) if value else "-"

        match record.event:
            case Registered():
                return f"registrasi nomor {data['register_number']}", [
                    f"Komisi Informasi mulai menyelesaikan sengketa paling lambat {when(data['start_due_at'])} "
                    f"({law.T6.days_text()}, {law.T6.article}).",
                    f"Penyelesaian sengketa paling lambat {when(data['settle_due_at'])} ({law.T7.days_text()}, "
                    f"{law.T7.article}).",
                ]
            case StageSet(stage="mediation"):
                return "tahap mediasi dimulai", ["Mediasi sesuai Pasal 40 UU No. 14 Tahun 2008."]
            case StageSet(stage="adjudication"):
                return "tahap ajudikasi dimulai", [
                    "Ajudikasi nonlitigasi sesuai Pasal 42 UU No. 14 Tahun 2008."
                ]
            case Decided():
                outcome = data["outcome"]
                number = f", nomor {outcome['decision_number']}" if outcome.get("decision_number") else ""
                lines = [f"{OUTCOME_LABELS[outcome['outcome']]}{number}."]
                if outcome.get("summary"):
                    lines.append(f"Ringkasan: {outcome['summary']}")
                if outcome.get("disclosure_due"):
                    lines.append(
                        f"Badan publik wajib memberikan informasi paling lambat "
                        f"{format_date(date.fromisoformat(outcome['disclosure_due']))}."
                    )
                if data.get("final_due_at"):
                    kind = court_kind(state_body)
                    lines += [
                        f"Para pihak yang tidak menerima putusan ini dapat mengajukan keberatan ke "
                        f"{COURT_KINDS[kind]} paling lambat {when(data['final_due_at'])} ({law.T8.days_text()} sejak "
                        f"putusan diterima, {court_article(kind)} dan {law.T8.article}).",
                        "Pihak yang mengajukan keberatan menyampaikan bukti pendaftarannya kepada Komisi Informasi "
                        "atau PPID agar dicatat; bila sampai tanggal itu tidak tercatat keberatan, menurut catatan "
                        "sistem putusan berkekuatan hukum tetap.",
                    ]
                return "putusan Komisi Informasi", lines
            case ClockMissed(kind="t6_missed"):
                return f"penyelesaian belum dimulai dalam {law.T6.days_text()}", [
                    f"Batas waktu {when(dispute.start_due_at)} ({law.T6.article}) telah lewat."
                ]
            case ClockMissed(kind="t7_missed"):
                return f"sengketa belum selesai dalam {law.T7.days_text()}", [
                    f"Batas waktu {when(dispute.settle_due_at)} ({law.T7.article}) telah lewat."
                ]
            case Final():
                # What the product knows (issue 12): no objection was recorded here, not that none was filed.
                decision = dict(dispute.outcome or {})
                number = f" nomor {decision['decision_number']}" if decision.get("decision_number") else ""
                return "tidak tercatat keberatan ke pengadilan; putusan berkekuatan hukum tetap", [
                    f"Sampai {when(dispute.final_at)} tidak tercatat keberatan ke pengadilan atas putusan "
                    f"Komisi Informasi{number} ({law.T8.days_text()} sejak putusan diterima, {law.T8.article}).",
                    "Menurut catatan sistem, putusan Komisi Informasi berkekuatan hukum tetap.",
                    "Bila keberatan telah diajukan ke pengadilan dalam jangka waktu itu tetapi belum tercatat, "
                    "sampaikan bukti pendaftarannya kepada Komisi Informasi.",
                ]
            case CourtObjectionRecorded():
                filing = data["court_objection"]
                kind = str(filing["court_kind"])
                decision = dict(dispute.outcome or {})
                number = f" nomor {decision['decision_number']}" if decision.get("decision_number") else ""
                who = "Komisi Informasi" if filing.get("recorded_by") == "komisi" else "PPID badan publik"
                return "keberatan diajukan ke pengadilan", [
                    f"Keberatan atas putusan Komisi Informasi{number} diajukan ke {filing['court']} pada "
                    f"{format_date(date.fromisoformat(str(filing['filed_on'])))}, nomor perkara "
                    f"{filing['case_number']} ({COURT_KINDS[kind]}, {court_article(kind)} dan Pasal 48 UU No. 14 "
                    "Tahun 2008).",
                    f"Dicatat oleh {who} pada {when(record.at.isoformat())}.",
                    f"Keberatan tercatat dalam {law.T8.days_text()} sejak putusan diterima (sampai "
                    f"{when(data.get('final_due_at'))}, {law.T8.article}); karena itu putusan Komisi Informasi "
                    "belum berkekuatan hukum tetap selama perkara diperiksa pengadilan.",
                    "Layanan ini tidak mencatat perkembangan perkara di pengadilan.",
                ]
        return "", []


def _sentence(text: str) -> str:
    """A notice line starts with a capital letter; the rest is kept as written (numbers, names)."""
    return text[:1].upper() + text[1:]


def _ki_ref(dispute: Dispute) -> str:
    """The KI decision that ordered disclosure, as the DIK history names it."""
    number = (dispute.outcome or {}).get("decision_number")
    return (
        f"putusan Komisi Informasi {number}"
        if number
        else f"sengketa {dispute.register_number or dispute.id}"
    )


async def _compute(session: AsyncSession, query: DeadlineQuery) -> Deadline:
    """A KI clock: working days on the national calendar in the KI's time zone (Pasal 38, 48)."""
    if query.timezone is None:
        raise ApplicationError("a Komisi Informasi clock needs its time zone", non_retryable=True)
    return add_working_days(
        query.start, query.working_days, query.timezone, await load_calendar(session, None)
    )


def _clock_data(deadlines: dict[str, Deadline]) -> dict[str, Any]:
    """The computed clocks as the timeline entry states them (`start_due_at`, `deadline_t6`, ...)."""
    data: dict[str, Any] = {}
    for code, computed in deadlines.items():
        dumped = computed.model_dump(mode="json")
        data[CLOCK_DATA_KEYS[code]] = dumped["due_at"]
    for code, computed in deadlines.items():
        data[f"deadline_{code.lower()}"] = computed.model_dump(mode="json")
    return data


def _dispute_tasks(dispute: Dispute) -> ColumnElement[bool]:
    """The dispute's own tasks: its keys start with the dispute's id (a case may have had another dispute)."""
    return (Task.case_id == dispute.request_id) & Task.key.startswith(f"{dispute.id}:")
