"""The request workflow (permohonan informasi, Pasal 22): T1, the one extension T2, reminders, the
decision, escalation when the PPID is silent, and the objection window T3 that follows.

Orchestration only: every deadline comes from the calendar activity, every write from an activity."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.calendar import Deadline
    from domain.contracts import (
        ActionResult,
        Alarm,
        AssignCommand,
        CaseEvent,
        DeadlineQuery,
        DecisionCommand,
        ExtensionCommand,
        Recorded,
        ReminderPlan,
        RequestStart,
    )
    from domain.dates_id import format_datetime
    from domain.enums import DecisionOutcome, RequestStatus

T2_EXTENSION_DAYS = 7  # Pasal 22(8)
T3_OBJECTION_DAYS = 30  # Pasal 36(1)
NEEDS_EXEMPTION = {DecisionOutcome.REJECTED.value, DecisionOutcome.PARTIALLY_GRANTED.value}

DB_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))
# Mail may be down for hours: retry without a limit, at most every 10 minutes; 5xx is recorded, not retried.
MAIL_RETRY = RetryPolicy(initial_interval=timedelta(seconds=5), maximum_interval=timedelta(minutes=10))
T = TypeVar("T")


async def db_activity(name: str, argument: object, result_type: type[T]) -> T:
    """An activity that reads or writes the registers: short timeout, retried until the database answers."""
    result: T = await workflow.execute_activity(
        name,
        argument,
        result_type=result_type,
        start_to_close_timeout=timedelta(seconds=30),
        retry_policy=DB_RETRY,
    )
    return result


def send_activity(notification_id: int) -> workflow.ActivityHandle[str]:
    return workflow.start_activity(
        "send_notification",
        notification_id,
        result_type=str,
        start_to_close_timeout=timedelta(seconds=60),
        retry_policy=MAIL_RETRY,
    )


def conflict(message: str) -> ApplicationError:
    """A staff action refused in the case's current state; the API answers 409 with this message."""
    return ApplicationError(message, type="Conflict", non_retryable=True)


@workflow.defn(name="RequestWorkflow")
class RequestWorkflow:
    @workflow.init
    def __init__(self, start: RequestStart) -> None:
        self.start = start
        self.status = RequestStatus.RECEIVED
        self.due_at = start.due_at
        self.round = 1
        self.objection_deadline: datetime | None = None
        self.alarms: list[Alarm] = []
        self.fired: set[str] = set()
        self.changed = False
        self.lock = asyncio.Lock()
        self.sends: list[asyncio.Future[str]] = []
        self.assignments = 0

    # --- the run -----------------------------------------------------------------------------------------

    @workflow.run
    async def run(self, start: RequestStart) -> str:
        await self._record("registered", start.received_at)
        await self._plan_reminders()
        while self.status != RequestStatus.CLOSED:
            alarm = self._next_alarm()
            self.changed = False
            timeout = max(alarm.at - workflow.now(), timedelta(0)) if alarm else None
            try:
                await workflow.wait_condition(lambda: self.changed, timeout=timeout)
            except TimeoutError:
                assert alarm is not None
                async with self.lock:
                    await self._fire(alarm)
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self._drain_sends()
        return self.status.value

    def _next_alarm(self) -> Alarm | None:
        alarms = [a for a in self.alarms if self._alarm_key(a) not in self.fired]
        if self.status in (RequestStatus.RECEIVED, RequestStatus.EXTENDED):
            # The deadline is the end of its last day; it has passed one second later.
            alarms.append(Alarm(kind="expiry", at=self.due_at + timedelta(seconds=1)))
        elif self.objection_deadline is not None:
            alarms.append(
                Alarm(kind="objection_window_end", at=self.objection_deadline + timedelta(seconds=1))
            )
        return min(alarms, key=lambda a: a.at, default=None)

    def _alarm_key(self, alarm: Alarm) -> str:
        return f"{alarm.kind}:r{self.round}"

    async def _fire(self, alarm: Alarm) -> None:
        now = workflow.now()
        if alarm.kind == "expiry":
            if self.status not in (RequestStatus.RECEIVED, RequestStatus.EXTENDED):
                return
            # T3 for non-response runs from the T1/T2 expiry (Pasal 36(1) with 35(1)(c)).
            t3 = await self._deadline(self.due_at, T3_OBJECTION_DAYS)
            self.objection_deadline = t3.due_at
            self.status = RequestStatus.OVERDUE
            await self._record("overdue", now, data={"objection_deadline": t3.due_at, "deadline": t3})
        elif alarm.kind == "objection_window_end":
            self.status = RequestStatus.CLOSED
            await self._record("closed", now)
        else:
            self.fired.add(self._alarm_key(alarm))
            if self.status in (RequestStatus.RECEIVED, RequestStatus.EXTENDED):
                await self._record(alarm.kind, now, round_=self.round)

    # --- staff actions (Updates with validators) ----------------------------------------------------------

    @workflow.update(name="extend")
    async def extend(self, command: ExtensionCommand) -> ActionResult:
        async with self.lock:
            self._check_extension(command)
            # T2: the T1 day plus 7 working days (Pasal 22(8)).
            t2 = await self._deadline(self.due_at, T2_EXTENSION_DAYS)
            self.due_at, self.status, self.round = t2.due_at, RequestStatus.EXTENDED, 2
            await self._record(
                "extended", workflow.now(), actor=command.actor,
                data={"reason": command.reason, "due_at": t2.due_at, "deadline": t2},
            )  # fmt: skip
            await self._plan_reminders()
            self.changed = True
            return self._result()

    @extend.validator
    def _validate_extend(self, command: ExtensionCommand) -> None:
        self._check_extension(command)

    def _check_extension(self, command: ExtensionCommand) -> None:
        if not command.reason.strip():
            raise conflict("Perpanjangan memerlukan alasan tertulis (Pasal 22 ayat (8)).")
        if self.status == RequestStatus.EXTENDED:
            raise conflict(f"Jangka waktu sudah pernah diperpanjang; batas waktu {self._due_text()}.")
        if self.status != RequestStatus.RECEIVED:
            raise conflict(f"Perpanjangan tidak dapat dilakukan pada status {self.status.value!r}.")
        if workflow.now() > self.due_at:
            raise conflict(f"Batas waktu {self._due_text()} sudah lewat; perpanjangan tidak dapat dilakukan.")

    @workflow.update(name="decide")
    async def decide(self, command: DecisionCommand) -> ActionResult:
        async with self.lock:
            self._check_decision(command)
            now = workflow.now()
            late = now > self.due_at
            t3 = await self._deadline(now, T3_OBJECTION_DAYS)
            # A late decision never shortens the window the requester was already told of.
            if self.objection_deadline is None or t3.due_at > self.objection_deadline:
                self.objection_deadline = t3.due_at
            self.status = RequestStatus.DECIDED
            decision = command.model_dump(exclude={"actor"})
            await self._record(
                "decided", now, actor=command.actor,
                data={"decision": decision, "late": late, "objection_deadline": self.objection_deadline,
                      "deadline": t3},
            )  # fmt: skip
            self.changed = True
            return self._result()

    @decide.validator
    def _validate_decide(self, command: DecisionCommand) -> None:
        self._check_decision(command)

    def _check_decision(self, command: DecisionCommand) -> None:
        if self.status == RequestStatus.DECIDED:
            raise conflict("Permohonan ini sudah diputuskan; keputusan tidak dapat diubah di sini.")
        if self.status == RequestStatus.CLOSED:
            raise conflict("Perkara ini sudah ditutup.")
        if command.outcome in NEEDS_EXEMPTION and command.exemption is None:
            raise conflict("Penolakan memerlukan dasar Pasal 17 dan uji konsekuensi (Pasal 19).")

    @workflow.update(name="assign")
    async def assign(self, command: AssignCommand) -> ActionResult:
        async with self.lock:
            self._check_assign()
            self.assignments += 1
            await self._record(
                "assigned", workflow.now(), actor=command.actor, data={"unit": command.unit},
                round_=self.assignments,
            )  # fmt: skip
            return self._result()

    @assign.validator
    def _validate_assign(self, command: AssignCommand) -> None:
        self._check_assign()

    def _check_assign(self) -> None:
        if self.status not in (RequestStatus.RECEIVED, RequestStatus.EXTENDED, RequestStatus.OVERDUE):
            raise conflict(f"Permohonan berstatus {self.status.value!r} tidak dapat diteruskan lagi.")

    @workflow.query(name="status")
    def query_status(self) -> ActionResult:
        return self._result()

    # --- helpers ------------------------------------------------------------------------------------------

    def _result(self) -> ActionResult:
        return ActionResult(
            status=self.status.value, due_at=self.due_at, objection_deadline=self.objection_deadline
        )

    def _due_text(self) -> str:
        return format_datetime(self.due_at, self.start.timezone)

    async def _deadline(self, start: datetime, days: int) -> Deadline:
        query = DeadlineQuery(body=self.start.body, start=start, working_days=days)
        return await db_activity("compute_deadline", query, Deadline)

    async def _plan_reminders(self) -> None:
        plan = ReminderPlan(
            body=self.start.body,
            due_at=self.due_at,
            round=self.round,
            include_extension_prompt=self.status == RequestStatus.RECEIVED,
        )
        alarms = await db_activity("plan_reminders", plan, list[Alarm])
        now = workflow.now()
        # Reminders whose moment has already passed are not sent late.
        self.alarms = [a for a in alarms if a.at > now]

    async def _record(
        self,
        event: str,
        at: datetime,
        *,
        actor: str | None = None,
        data: dict[str, object] | None = None,
        round_: int = 1,
    ) -> None:
        payload = {
            k: (v.model_dump(mode="json") if isinstance(v, Deadline) else v) for k, v in (data or {}).items()
        }
        case_event = CaseEvent(
            request_id=self.start.request_id, event=event, at=at, actor=actor, round=round_, data=payload
        )
        recorded = await db_activity("record_request_event", case_event, Recorded)
        self.sends.extend(send_activity(notification_id) for notification_id in recorded.notification_ids)

    async def _drain_sends(self) -> None:
        for send in self.sends:
            try:
                await send
            except ActivityError:
                workflow.logger.warning("a notice could not be sent")
