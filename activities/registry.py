"""Every activity the worker runs, bound to its dependencies (used by worker.py and the tests)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.annual_reports import AnnualReportActivities
from activities.calendar import CalendarActivities
from activities.calendar_watch import CalendarWatchActivities
from activities.consequence_tests import ConsequenceTestActivities
from activities.disputes import DisputeActivities
from activities.monev import MonevActivities
from activities.objections import ObjectionActivities
from activities.requests import RequestActivities
from base.settings import Settings


def build_activities(
    session_factory: async_sessionmaker[AsyncSession], settings: Settings
) -> list[Callable[..., Any]]:
    calendar = CalendarActivities(session_factory)
    requests = RequestActivities(session_factory, settings)
    objections = ObjectionActivities(session_factory, settings)
    disputes = DisputeActivities(session_factory, settings)
    reports = AnnualReportActivities(session_factory, settings)
    monev = MonevActivities(session_factory, settings)
    return [
        calendar.compute_deadline,
        CalendarWatchActivities(session_factory).check_calendar_year,
        requests.plan_reminders,
        requests.record,
        objections.register_objection,
        objections.record,
        disputes.register_dispute,
        disputes.record,
        ConsequenceTestActivities(session_factory, settings).record_consequence_test_event,
        ConsequenceTestActivities(session_factory, settings).plan_consequence_test_clocks,
        reports.plan_annual_report,
        reports.annual_report_bodies,
        reports.record_annual_report_event,
        monev.plan_monev_alarms,
        monev.record_monev_event,
    ]
