"""Activities of the monev round (workflows/monev.py): its alarms on the KI's calendar, and each event recorded
in the round's register with its notices through the outbox (to the bodies' PPID Utama and to the KI)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.notices import Notice, render
from activities.records import add_timeline, enqueue, reminder_alarms
from base.settings import Settings
from db import monev as registers
from db.calendar_repo import load_calendar
from db.models import Body, KomisiInformasi, MonevRound
from db.session import write_gate
from domain import law
from domain.contracts import Alarm
from domain.dates_id import ZONE_ABBREVIATIONS, format_date, format_datetime
from domain.monev import BAND_TEXT, MonevEvent, MonevStart, format_number

BODY_REMINDER_DAYS = {r.kind: r.working_days_before for r in law.MONEV_BODY_REMINDERS}
ONE_SECOND = timedelta(seconds=1)  # a window ends at 23:59:59; it has passed one second later
LABELS = {
    "opened": "Komisi Informasi membuka pengisian kuesioner monev",
    **{
        r.kind: f"Pengingat kepada badan publik yang belum mengirim kuesioner: {r.working_days_before} hari kerja lagi"
        for r in law.MONEV_BODY_REMINDERS
    },
    "window_closed": "Masa pengisian kuesioner berakhir",
    "verification_reminder": "Pengingat verifikasi kepada Komisi Informasi",
    "verification_overdue": "Batas waktu verifikasi terlewati",
    "published": "Komisi Informasi mengumumkan hasil monev",
}


def plan_alarms(start: MonevStart, calendar: Any) -> list[Alarm]:
    """law.REMINDER_HOUR local on the working days before the window closes (law.MONEV_BODY_REMINDERS, to the
    bodies) and before the verification deadline (law.MONEV_VERIFICATION_REMINDER, to the KI); the window's
    end and the deadline's, one second after their last moment."""
    zone = start.komisi_timezone
    alarms = [
        a
        for a in reminder_alarms(law.MONEV_BODY_REMINDERS, start.closes_at, zone, calendar)
        if a.at >= start.opens_at
    ]
    alarms.append(Alarm(kind="window_closed", at=start.closes_at.replace(microsecond=0) + ONE_SECOND))
    alarms += [
        a
        for a in reminder_alarms([law.MONEV_VERIFICATION_REMINDER], start.verification_due_at, zone, calendar)
        if a.at > start.closes_at
    ]
    alarms.append(
        Alarm(kind="verification_overdue", at=start.verification_due_at.replace(microsecond=0) + ONE_SECOND)
    )
    return sorted(alarms, key=lambda a: a.at)


class MonevActivities:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession], settings: Settings) -> None:
        self._sessions = session_factory
        self._settings = settings

    @activity.defn(name="plan_monev_alarms")
    async def plan_monev_alarms(self, start: MonevStart) -> list[Alarm]:
        async with self._sessions() as session:
            calendar = await load_calendar(session, None)  # the KI's: the national working days
        return plan_alarms(start, calendar)

    @activity.defn(name="record_monev_event")
    async def record_monev_event(self, event: MonevEvent) -> bool:
        async with self._sessions() as session, write_gate(session.bind):
            round_ = await session.get(MonevRound, event.round_id)
            if round_ is None:
                raise ApplicationError(f"monev round {event.round_id} not found", non_retryable=True)
            komisi = await session.get(KomisiInformasi, round_.komisi_id)
            assert komisi is not None
            first = await add_timeline(
                session, key=f"{round_.id}:{event.event}", case_id=round_.id, subject_type="monev",
                subject_id=round_.id, at=event.at, event=f"monev_{event.event}",
                label=LABELS.get(event.event, event.event), actor=event.actor,
            )  # fmt: skip
            if first and event.status is not None:
                # The status the workflow decided; the moment it took effect is kept with it.
                if event.status == registers.OPEN:
                    round_.status = registers.OPEN if round_.status == registers.DRAFT else round_.status
                    round_.opened_at = round_.opened_at or event.at
                elif event.status == registers.CLOSED:
                    round_.status, round_.closed_at = registers.CLOSED, event.at
                elif event.status == registers.PUBLISHED:
                    round_.status, round_.published_at = registers.PUBLISHED, event.at
            await session.flush()
            for suffix, notices in (await self._notices(session, round_, komisi, event)).items():
                await enqueue(
                    session, case_id=round_.id, event=f"monev_{event.event}", key_suffix=suffix, notices=notices,
                    at=event.at,
                )  # fmt: skip
            await session.commit()
        return first

    async def _notices(
        self, session: AsyncSession, round_: MonevRound, komisi: KomisiInformasi, event: MonevEvent
    ) -> dict[str, list[Notice]]:
        tz = komisi.timezone
        _, closes, due = registers.window(round_, tz)
        url = self._settings.public_url
        context: dict[str, Any] = {
            "year": round_.year, "komisi_name": komisi.name, "zone": ZONE_ABBREVIATIONS.get(tz, tz),
            "komisi_signs": True, "opens": format_date(round_.opens_on), "closes": format_datetime(closes, tz),
            "due": format_datetime(due, tz), "desk_link": f"{url}/staf/monev", "ki_link": f"{url}/ki/monev",
            "public_link": f"{url}/monev/{komisi.slug}/{round_.year}", "body_name": "",
        }  # fmt: skip
        bodies = await registers.bodies_of(session, komisi.id)
        submitted = await registers.submissions(session, round_.id)

        def to_body(template: str, body: Body, **extra: Any) -> Notice:
            return render(template, body.ppid_email, "ppid", context | {"body_name": body.name} | extra)

        match event.event:
            case "opened":
                return {b.slug: [to_body("monev_opened", b)] for b in bodies}
            case kind if kind in BODY_REMINDER_DAYS:
                days = BODY_REMINDER_DAYS[kind]
                # Only the bodies that have not submitted by now (the reminder's moment).
                return {
                    b.slug: [to_body("monev_reminder", b, days_left=days)]
                    for b in bodies
                    if b.id not in submitted
                }
            case "window_closed" | "verification_reminder" | "verification_overdue":
                results = await registers.results(session, round_)
                pending = [r.name for r in results if r.submitted_at is not None and not r.complete]
                ctx = context | {
                    "event": event.event, "submitted": len(submitted), "bodies": len(bodies),
                    "missing": [b.name for b in bodies if b.id not in submitted], "pending": pending,
                }  # fmt: skip
                if event.event != "window_closed" and round_.status == registers.PUBLISHED:
                    return {}
                return {komisi.slug: [render("monev_komisi", komisi.email, "komisi", ctx)]}
            case "published":
                notices: dict[str, list[Notice]] = {}
                for result in await registers.results(session, round_):
                    body = next(b for b in bodies if b.slug == result.slug)
                    notices[body.slug] = [
                        to_body(
                            "monev_published",
                            body,
                            score=format_number(result.score),
                            rank=result.rank,
                            of=len(bodies),
                            qualification=result.qualification.value,
                            band=BAND_TEXT[result.qualification],
                            submitted=result.submitted_at is not None,
                        )
                    ]
                return notices
        return {}
