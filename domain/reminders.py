"""When the reminders of a clock go out: 08:00 local on given working days before its deadline."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from domain.calendar import WorkingCalendar, working_day_before
from domain.contracts import Alarm, ReminderPlan

REMINDER_HOUR = time(8, 0)  # reminders go out at the start of the working day, local time
# The PPID's reminders before T1/T2 (-3, -1 working days) and the prompt to extend (-2), DOMAIN.md.
PPID_REMINDERS = (("reminder_3", 3), ("extension_prompt", 2), ("reminder_1", 1))


def plan_reminders(plan: ReminderPlan, timezone: str, calendar: WorkingCalendar) -> list[Alarm]:
    due_day = plan.due_at.astimezone(ZoneInfo(timezone)).date()
    schedule = [(s.kind, s.working_days_before) for s in plan.schedule] if plan.schedule else PPID_REMINDERS
    alarms = []
    for kind, days in schedule:
        if kind == "extension_prompt" and not plan.include_extension_prompt:
            continue
        day = working_day_before(due_day, days, calendar)
        alarms.append(Alarm(kind=kind, at=datetime.combine(day, REMINDER_HOUR, tzinfo=ZoneInfo(timezone))))
    return alarms
