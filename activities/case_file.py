"""The case file for the Komisi Informasi (docs/domain.md "The dispute"): assembled from the registers, as JSON
and as a readable HTML document (every value in Indonesian words; the staff desk shows the same document as a
page). The NIK is complete here: the case file is addressed to the KI."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from activities.notices import fee_text
from activities.objections import reasons_text
from db.models import Body, Dispute, InfoRequest, KomisiInformasi, Notification, Objection, TimelineEvent
from domain import law
from domain.calendar import Deadline
from domain.dates_id import explain_deadline, format_datetime
from domain.status_labels import reasons_label, value_label

_html = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape(["html", "j2"])
)
_html.globals["law"] = law  # the case file states the clocks' periods and articles from domain/law.py


def exemption_text(article: str | None) -> str:
    """`17h` -> `Pasal 17 huruf h`."""
    if not article:
        return "-"
    return f"Pasal 17 huruf {article[2:]}" if article.startswith("17") and len(article) == 3 else str(article)


_html.filters.update(
    label=lambda value, kind: value_label(kind, value), reasons=reasons_label, exemption=exemption_text,
    fee=fee_text,
)  # fmt: skip


def _text(moment: datetime | None, tz: str) -> str:
    return format_datetime(moment, tz) if moment else "-"


def clock_title(*codes: str) -> str:
    """`T4 — tanggapan tertulis Atasan PPID (30 hari kerja, Pasal 36 ayat (2))`: clocks as domain/law.py
    states them; the request's `T1/T2` is the PPID's notice, its period and the extension's."""
    clocks = [law.CLOCKS[code] for code in codes]
    periods = "; ".join(f"{c.days_text()}, {c.article}" for c in clocks)
    return f"{'/'.join(codes)} — {clocks[0].description} ({periods})"


def _deadline(name: str, stored: dict[str, Any] | None) -> dict[str, Any] | None:
    if not stored:
        return None
    deadline = Deadline.model_validate(stored)
    return {"name": name, **deadline.model_dump(mode="json"), "explanation": explain_deadline(deadline)}


async def build_case_file(session: AsyncSession, dispute: Dispute) -> dict[str, Any]:
    objection = await session.get(Objection, dispute.objection_id)
    request = await session.get(InfoRequest, dispute.request_id)
    assert objection is not None and request is not None
    body = await session.get(Body, request.body_id)
    komisi = await session.get(KomisiInformasi, dispute.komisi_id)
    assert body is not None and komisi is not None
    tz = body.timezone
    notices = (
        await session.scalars(
            select(Notification).where(Notification.case_id == request.id).order_by(Notification.id)
        )
    ).all()
    events = (
        await session.scalars(
            select(TimelineEvent)
            .where(TimelineEvent.case_id == request.id)
            .order_by(TimelineEvent.at, TimelineEvent.id)
        )
    ).all()
    deadlines = [
        d
        for d in (
            _deadline(clock_title("T1", "T2"), request.deadline),
            _deadline(clock_title("T4"), objection.deadline),
            *(
                _deadline(f"{e.label}", (e.data or {}).get("deadline"))
                for e in events
                if (e.data or {}).get("deadline")
            ),
        )
        if d is not None
    ]
    answer = None
    answer_absent = None
    if objection.response:
        answer = {
            **objection.response,
            "at": objection.responded_at.isoformat() if objection.responded_at else None,
            "at_text": _text(objection.responded_at, tz),
        }
    else:
        answer_absent = {
            "t4_started": objection.registered_at.isoformat(),
            "t4_due_at": objection.due_at.isoformat(),
            "statement": (
                f"Tidak ada tanggapan tertulis Atasan PPID sejak keberatan dicatat pada "
                f"{_text(objection.registered_at, tz)} sampai batas waktu {_text(objection.due_at, tz)} "
                f"({law.T4.days_text()}, {law.T4.article}); register tidak mencatat tanggapan apa pun."
            ),
        }
    receipt = next((n for n in notices if n.event == "registered" and n.recipient_role == "requester"), None)
    result = {
        "generated_at": datetime.now(UTC).isoformat(),
        "generated_at_text": _text(datetime.now(UTC), tz),
        "calendar_version": max((d["calendar_version"] for d in deadlines), default=0),
        "komisi_informasi": {"slug": komisi.slug, "name": komisi.name, "email": komisi.email},
        "respondent": {
            "slug": body.slug,
            "name": body.name,
            "level": body.level,
            "ppid_email": body.ppid_email,
            "atasan_email": body.atasan_email,
        },
        "requester": {
            "kind": request.requester_kind,
            "name": request.requester_name,
            "nik": request.nik,
            "legal_entity_number": request.legal_entity_number,
            "address": request.address,
            "email": request.email,
            "phone": request.phone,
            "occupation": request.occupation,
            "proxy": request.proxy,
        },
        "request": {
            "registration_number": request.registration_number,
            "received_at": request.received_at.isoformat(),
            "received_at_text": _text(request.received_at, tz),
            "channel": request.channel,
            "information": request.information,
            "purpose": request.purpose,
            "obtain_method": request.obtain_method,
            "copy_format": request.copy_format,
            "delivery_method": request.delivery_method,
            "due_at": request.due_at.isoformat(),
            "due_at_text": _text(request.due_at, tz),
            "extended": request.extended,
            "extension_reason": request.extension_reason,
            "decision": request.decision,
            "decided_at_text": _text(request.decided_at, tz),
            "decided_late": request.decided_late,
            "objection_deadline": request.objection_deadline.isoformat()
            if request.objection_deadline
            else None,
        },
        "receipt": {
            "registration_number": request.registration_number,
            "sent_at": receipt.sent_at.isoformat() if receipt and receipt.sent_at else None,
            "subject": receipt.subject if receipt else None,
        },
        "objection": {
            "registration_number": objection.registration_number,
            "reasons": objection.reasons,
            "reasons_text": reasons_text(objection.reasons),
            "case_position": objection.case_position,
            "purpose": objection.purpose,
            "registered_at": objection.registered_at.isoformat(),
            "registered_at_text": _text(objection.registered_at, tz),
            "due_at": objection.due_at.isoformat(),
            "due_at_text": _text(objection.due_at, tz),
            "late_override_reason": objection.late_override_reason,
        },
        "answer": answer,
        "answer_absent": answer_absent,
        "dispute": {
            "submitted_at": dispute.submitted_at.isoformat(),
            "submitted_at_text": _text(dispute.submitted_at, tz),
            "dispute_deadline": objection.dispute_deadline.isoformat()
            if objection.dispute_deadline
            else None,
            "dispute_deadline_text": _text(objection.dispute_deadline, tz),
            "statement": dispute.statement,
            "requested_outcome": dispute.requested_outcome,
        },
        "notices": [
            {
                "event": n.event,
                "recipient_role": n.recipient_role,
                "recipient": n.recipient,
                "subject": n.subject,
                "status": n.status,
                "sent_at": n.sent_at.isoformat() if n.sent_at else None,
                "sent_at_text": _text(n.sent_at or n.created_at, tz),
            }
            for n in notices
        ],
        "deadlines": deadlines,
        "timeline": [
            {
                "at": e.at.isoformat(),
                "at_text": _text(e.at, tz),
                "event": e.event,
                "label": e.label,
                "actor": e.actor,
                "internal": e.internal,
            }
            for e in events
        ],
    }
    return result


def render_case_file_html(case_file: dict[str, Any]) -> str:
    """The readable document, a file of its own (the KI's email attachment and the desk's download)."""
    return _html.get_template("case_file.html.j2").render(f=case_file)


def render_case_file_body(case_file: dict[str, Any]) -> str:
    """The same document's content, escaped, for a page of the staff desk to show inside its layout."""
    return _html.get_template("case_file_body.html.j2").render(f=case_file)
