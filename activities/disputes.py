"""Activities of the dispute workflow: the dispute register, the case file, and the notices to the
Komisi Informasi and the parties."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
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
    handover_text,
    open_task,
    record_handover,
)
from base.settings import Settings
from db.models import Body, Dispute, InfoRequest, KomisiInformasi, Notification, Objection, Task, Unit
from domain.calendar import end_of_day
from domain.contracts import CaseEvent, DisputeStart, Recorded, RegisterDispute
from domain.court import COURT_KINDS, court_article, court_kind, filing_text
from domain.dates_id import ZONE_ABBREVIATIONS, format_date, format_datetime
from domain.delivery import COMPLY_TASK, DISCLOSURE_OUTCOMES
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
    "t6_missed": "Komisi Informasi belum memulai penyelesaian dalam 14 hari kerja (Pasal 38 ayat (1))",
    "t7_missed": "Sengketa belum selesai dalam 100 hari kerja (Pasal 38 ayat (2))",
    # What the product knows: no court objection was recorded in it within T8, not that none was filed.
    "final": "Tidak tercatat keberatan ke pengadilan dalam 14 hari kerja sejak putusan diterima (Pasal 48 ayat "
    "(1)); menurut catatan sistem, putusan berkekuatan hukum tetap",
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
            objection = await session.get(Objection, registration.objection_id)
            if objection is None:
                raise ApplicationError("objection not found", non_retryable=True)
            request = await session.get(InfoRequest, objection.request_id)
            assert request is not None
            body = await session.get(Body, request.body_id)
            assert body is not None
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
    async def record_dispute_event(self, event: CaseEvent) -> Recorded:
        async with self._sessions() as session:
            dispute = await session.get(Dispute, event.subject_id)
            if dispute is None:
                raise ApplicationError(f"dispute {event.subject_id} not found", non_retryable=True)
            data: dict[str, Any] = dict(event.data)
            first_time = await add_timeline(
                session,
                key=f"{dispute.id}:{event.event}",
                case_id=dispute.request_id,
                subject_type="dispute",
                subject_id=dispute.id,
                at=event.at,
                event=f"dispute_{event.event}",
                label=self._label(event),
                actor=event.actor,
                internal=bool(data.get("kept")),
                data=data or None,
            )
            if first_time:
                await self._change_state(session, dispute, event, data)
            await session.flush()
            notices = await self._notices(session, dispute, event, data)
            ids = await enqueue(
                session, case_id=dispute.request_id, event=f"dispute_{event.event}", key_suffix=dispute.id,
                notices=notices, at=event.at,
            )  # fmt: skip
            if event.event == "submitted":
                await self._attach_case_file(session, dispute, ids)
            await session.commit()
        return Recorded(notification_ids=ids)

    @staticmethod
    def _label(event: CaseEvent) -> str:
        if event.event.startswith("deadline_moved"):
            # The KI's clocks are shown in the KI's time zone.
            return deadline_moved(dict(event.data), str(event.data.get("timezone") or "Asia/Jakarta"))[0]
        label = LABELS.get(event.event, event.event)
        if event.event == "registered":
            label += f" dengan nomor {event.data.get('register_number')}"
        if event.event == "decided":
            outcome: dict[str, Any] = dict(event.data.get("outcome") or {})  # type: ignore[call-overload]
            label += f": {OUTCOME_LABELS.get(str(outcome.get('outcome')), '')}"
        if event.event == "court_objection":
            filing: dict[str, Any] = dict(event.data["court_objection"])  # type: ignore[call-overload]
            kind = str(filing["court_kind"])
            label += (
                f": {filing_text(filing)} ({COURT_KINDS[kind]}, {court_article(kind)} dan Pasal 48 ayat (1)); "
                "putusan belum berkekuatan hukum tetap"
            )
        if event.event == "delivered":
            label += f" {handover_text(dict(event.data['delivery']))}"  # type: ignore[call-overload]
        return label

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

    async def _change_state(
        self, session: AsyncSession, dispute: Dispute, event: CaseEvent, data: dict[str, Any]
    ) -> None:
        request = await session.get(InfoRequest, dispute.request_id)
        assert request is not None
        common = {
            "case_type": "dispute", "case_id": dispute.request_id, "registration_number": request.registration_number,
        }  # fmt: skip
        match event.event:
            case "submitted":
                dispute.case_file = await build_case_file(session, dispute)
                await open_task(
                    session, key=f"{dispute.id}:register", kind="register_dispute", role=Role.KOMISI.value,
                    komisi_id=dispute.komisi_id, body_id=None, unit_id=None, due_at=None, opened_at=event.at,
                    **common,
                )  # fmt: skip
            case "registered":
                dispute.status = DisputeStatus.REGISTERED.value
                dispute.register_number = str(data["register_number"])
                dispute.registered_at = event.at
                dispute.start_due_at = datetime.fromisoformat(str(data["start_due_at"]))
                dispute.settle_due_at = datetime.fromisoformat(str(data["settle_due_at"]))
                await close_task(session, key=f"{dispute.id}:register", at=event.at)
                await open_task(
                    session, key=f"{dispute.id}:settle", kind="settle_dispute", role=Role.KOMISI.value,
                    komisi_id=dispute.komisi_id, body_id=None, unit_id=None, due_at=dispute.settle_due_at,
                    opened_at=event.at, **common,
                )  # fmt: skip
            case "stage_mediation" | "stage_adjudication":
                dispute.stage = event.event.removeprefix("stage_")
                dispute.status = dispute.stage
            case "decided":
                outcome = data["outcome"]
                dispute.outcome = outcome
                dispute.decided_at = event.at
                final_due = data.get("final_due_at")
                dispute.final_at = datetime.fromisoformat(str(final_due)) if final_due else event.at
                dispute.status = (DisputeStatus.DECIDED if final_due else DisputeStatus.FINAL).value
                # A withdrawal before registration ends the KI's registration task too.
                await close_task(session, key=f"{dispute.id}:register", at=event.at)
                await close_task(session, key=f"{dispute.id}:settle", at=event.at)
                if outcome["outcome"] in DISCLOSURE_OUTCOMES and not final_due:
                    # Final at once (a mediation agreement, Pasal 39): the cited DIK entry opens (Pasal 11(2)).
                    await open_cited_entry(
                        session, request, at=event.at, reason="dispute", ref=_ki_ref(dispute)
                    )
                if outcome["outcome"] in DISCLOSURE_OUTCOMES:
                    body = await session.get(Body, request.body_id)
                    assert body is not None
                    ordered = outcome.get("disclosure_due")
                    due = end_of_day(date.fromisoformat(ordered), body.timezone) if ordered else None
                    # Only recording the delivery ends this task (or, explicitly, a court objection).
                    await open_task(
                        session, key=f"{dispute.id}:comply", kind=COMPLY_TASK, role=Role.PPID.value,
                        body_id=request.body_id, unit_id=request.unit_id, due_at=due, opened_at=event.at, **common,
                    )  # fmt: skip
            case "final":
                dispute.status = DisputeStatus.FINAL.value
                if (dispute.outcome or {}).get("outcome") in DISCLOSURE_OUTCOMES:
                    # The KI's order to disclose is final (Pasal 48(1)): the cited DIK entry opens (Pasal 11(2)).
                    await open_cited_entry(
                        session, request, at=event.at, reason="dispute", ref=_ki_ref(dispute)
                    )
            case "court_objection":
                dispute.status = DisputeStatus.COURT_OBJECTION.value
                dispute.final_at = None  # not final while the court hears it (Pasal 47-48)
                comply = await session.scalar(select(Task).where(Task.key == f"{dispute.id}:comply"))
                if comply is not None and comply.status == "open":
                    # Ended explicitly, with its reason on the task and on the timeline, never silently.
                    await close_task(
                        session,
                        key=comply.key,
                        at=event.at,
                        status="cancelled",
                        close_reason=COMPLIANCE_SUSPENDED,
                    )
                    await add_timeline(
                        session, key=f"{dispute.id}:compliance_suspended", case_id=dispute.request_id,
                        subject_type="dispute", subject_id=dispute.id, at=event.at,
                        event="dispute_compliance_suspended", label=COMPLIANCE_SUSPENDED, actor=event.actor,
                    )  # fmt: skip
            case "delivered":
                await record_handover(
                    session, key=f"{dispute.id}:comply", at=event.at, actor=event.actor,
                    delivery=data["delivery"],
                )  # fmt: skip
            case moved if moved.startswith("deadline_moved") and not data.get("kept"):
                new = datetime.fromisoformat(str(data["new"]))
                match data["clock"]:
                    case "T6":
                        dispute.start_due_at = new
                    case "T7":
                        dispute.settle_due_at = new
                        task = await session.scalar(select(Task).where(Task.key == f"{dispute.id}:settle"))
                        if task is not None:
                            task.due_at = new
                    case "T8":
                        dispute.final_at = new

    async def _notices(
        self, session: AsyncSession, dispute: Dispute, event: CaseEvent, data: dict[str, Any]
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
            "when": format_datetime(event.at, ktz),
        }
        requester = requester_recipients(request.email)  # no email: the PPID sends it by letter or phone
        ppid_email = unit.email if unit else body.ppid_email
        parties = [(r, "requester", request.requester_name) for r in requester] + [
            (ppid_email, "ppid", f"PPID {body.name}" + (f" — {unit.name}" if unit else "")),
            (body.atasan_email, "atasan_ppid", f"Atasan PPID {body.name}"),
        ]
        if event.event.startswith("deadline_moved"):
            if data.get("kept"):
                return []
            # The KI's clocks: the notice is the Komisi Informasi's.
            ctx = context | deadline_moved(data, ktz)[1] | {"komisi_signs": True}
            return [render("deadline_moved_requester", r, "requester", ctx) for r in requester]
        if event.event == "delivered":
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
        if event.event == "submitted":
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
        headline, details = self._update_text(event, data, ktz, dispute, state_body=body.state_body)
        if not headline:
            return []
        recipients = list(parties)
        if event.event in ("t6_missed", "t7_missed", "court_objection"):
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
        event: CaseEvent, data: dict[str, Any], tz: str, dispute: Dispute, *, state_body: bool = True
    ) -> tuple[str, list[str]]:
        def when(value: Any) -> str:
            return format_datetime(datetime.fromisoformat(str(value)), tz) if value else "-"

        match event.event:
            case "registered":
                return f"registrasi nomor {data['register_number']}", [
                    f"Komisi Informasi mulai menyelesaikan sengketa paling lambat {when(data['start_due_at'])} "
                    "(14 hari kerja, Pasal 38 ayat (1)).",
                    f"Penyelesaian sengketa paling lambat {when(data['settle_due_at'])} (100 hari kerja, "
                    "Pasal 38 ayat (2)).",
                ]
            case "stage_mediation":
                return "tahap mediasi dimulai", ["Mediasi sesuai Pasal 40 UU No. 14 Tahun 2008."]
            case "stage_adjudication":
                return "tahap ajudikasi dimulai", [
                    "Ajudikasi nonlitigasi sesuai Pasal 42 UU No. 14 Tahun 2008."
                ]
            case "decided":
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
                        f"{COURT_KINDS[kind]} paling lambat {when(data['final_due_at'])} (14 hari kerja sejak "
                        f"putusan diterima, {court_article(kind)} dan Pasal 48 ayat (1)).",
                        "Pihak yang mengajukan keberatan menyampaikan bukti pendaftarannya kepada Komisi Informasi "
                        "atau PPID agar dicatat; bila sampai tanggal itu tidak tercatat keberatan, menurut catatan "
                        "sistem putusan berkekuatan hukum tetap.",
                    ]
                return "putusan Komisi Informasi", lines
            case "t6_missed":
                return "penyelesaian belum dimulai dalam 14 hari kerja", [
                    f"Batas waktu {when(dispute.start_due_at)} (Pasal 38 ayat (1)) telah lewat."
                ]
            case "t7_missed":
                return "sengketa belum selesai dalam 100 hari kerja", [
                    f"Batas waktu {when(dispute.settle_due_at)} (Pasal 38 ayat (2)) telah lewat."
                ]
            case "final":
                # What the product knows (issue 12): no objection was recorded here, not that none was filed.
                decision = dict(dispute.outcome or {})
                number = f" nomor {decision['decision_number']}" if decision.get("decision_number") else ""
                return "tidak tercatat keberatan ke pengadilan; putusan berkekuatan hukum tetap", [
                    f"Sampai {when(dispute.final_at)} tidak tercatat keberatan ke pengadilan atas putusan "
                    f"Komisi Informasi{number} (14 hari kerja sejak putusan diterima, Pasal 48 ayat (1)).",
                    "Menurut catatan sistem, putusan Komisi Informasi berkekuatan hukum tetap.",
                    "Bila keberatan telah diajukan ke pengadilan dalam jangka waktu itu tetapi belum tercatat, "
                    "sampaikan bukti pendaftarannya kepada Komisi Informasi.",
                ]
            case "court_objection":
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
                    f"Dicatat oleh {who} pada {when(event.at.isoformat())}.",
                    f"Keberatan tercatat dalam 14 hari kerja sejak putusan diterima (sampai "
                    f"{when(data.get('final_due_at'))}, Pasal 48 ayat (1)); karena itu putusan Komisi Informasi "
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
