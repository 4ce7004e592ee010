"""The request workflow (permohonan informasi, Pasal 22): T1, the one extension T2, reminders, the
decision, escalation when the PPID is silent, the objection window T3 and the objections filed in it
(each a child workflow).

Orchestration only: every deadline comes from the calendar activity, every write from an activity."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ChildWorkflowError

with workflow.unsafe.imports_passed_through():
    # Passed through: the pure core and the stateless shared helpers are not re-run by the sandbox per run.
    from domain.contracts import (
        ActionResult,
        Alarm,
        AssignCommand,
        CalendarChanged,
        DeadlineQuery,
        DecisionCommand,
        ExtensionCommand,
        ObjectionCommand,
        ObjectionFiled,
        ObjectionStart,
        RegisterObjection,
        ReminderPlan,
        RequestStart,
    )
    from domain.delivery import GRANTING_DECISIONS
    from domain.enums import DecisionOutcome, RequestStatus
    from domain.status_labels import status_label
    from workflows.common import ONE_SECOND, CaseWorkflow, conflict, db_activity, deadline

T2_EXTENSION_DAYS = 7  # Pasal 22(8)
T3_OBJECTION_DAYS = 30  # Pasal 36(1)
NEEDS_EXEMPTION = {DecisionOutcome.REJECTED.value, DecisionOutcome.PARTIALLY_GRANTED.value}
OBJECTION_REASONS = set("abcdefg")  # Pasal 35(1)
# After T3 the case stays reachable this long for a late objection admitted by staff with a reason.
LATE_OBJECTION_GRACE = timedelta(days=90)


@workflow.defn(name="RequestWorkflow")
class RequestWorkflow(CaseWorkflow):
    RECORD_ACTIVITY = "record_request_event"

    @workflow.init
    def __init__(self, start: RequestStart) -> None:
        self._init_case()
        self.start = start
        self.status = RequestStatus.RECEIVED
        self.due_at = start.due_at
        self.round = 1
        self.objection_deadline: datetime | None = None
        self.alarms: list[Alarm] = []
        self.fired: set[str] = set()
        self.assignments = 0
        self.open_objection: str | None = None  # registration number of the objection in progress
        self.window_closed = False
        self.grace_until: datetime | None = None
        self.grace_over = False
        self.t3_start: datetime | None = None  # the event T3 counts from (decision, or the T1/T2 expiry)
        # T3 ended on a request never decided: the PPID must still answer (Pasal 22(7)); the case waits for it.
        self.awaiting_late_decision = False

    @workflow.run
    async def run(self, start: RequestStart) -> str:
        recorded = await self._record("registered", start.received_at, reminders=self._reminder_plan())
        self._set_reminders(recorded.alarms)
        await self._alarm_loop()
        # After T3 the case stays reachable for a late objection admitted by staff with a written reason.
        self.grace_until = workflow.now() + LATE_OBJECTION_GRACE
        await self._alarm_loop()
        await self._finish()
        return self.status.value

    # --- the clocks ---------------------------------------------------------------------------------------

    def _finished(self) -> bool:
        if self.open_objection is not None:
            return False
        if self.grace_until is not None:
            return self.grace_over and not self.delivery_owed  # information granted is delivered first
        return self.status == RequestStatus.CLOSED

    def _next_alarm(self) -> Alarm | None:
        if self.grace_until is not None:
            waiting = self.open_objection is not None or self.grace_over
            return None if waiting else Alarm(kind="grace_end", at=self.grace_until)
        alarms = [a for a in self.alarms if self._alarm_key(a) not in self.fired]
        if self.status in (RequestStatus.RECEIVED, RequestStatus.EXTENDED):
            alarms.append(Alarm(kind="expiry", at=self.due_at + ONE_SECOND))
        elif self.awaiting_late_decision:
            pass  # no clock runs until the late decision starts a new T3
        elif self.window_closed:
            if self.open_objection is None:
                alarms.append(Alarm(kind="objection_window_end", at=workflow.now()))
        elif self.objection_deadline is not None:
            alarms.append(Alarm(kind="objection_window_end", at=self.objection_deadline + ONE_SECOND))
        return min(alarms, key=lambda a: a.at, default=None)

    def _alarm_key(self, alarm: Alarm) -> str:
        return f"{alarm.kind}:r{self.round}"

    async def _fire(self, alarm: Alarm) -> None:
        now = workflow.now()
        if alarm.kind == "expiry":
            if self.status not in (RequestStatus.RECEIVED, RequestStatus.EXTENDED):
                return
            # T3 for non-response runs from the T1/T2 expiry (Pasal 36(1) with 35(1)(c)).
            self.status = RequestStatus.OVERDUE
            recorded = await self._record("overdue", now, deadline=self._t3_query(self.due_at))
            assert recorded.deadline is not None
            self.objection_deadline, self.t3_start = recorded.deadline.due_at, self.due_at
        elif alarm.kind == "objection_window_end":
            if self.open_objection is not None:
                self.window_closed = True  # the case closes when the objection in progress ends
                return
            if self.status == RequestStatus.OVERDUE:
                # Never answered: the objection window has ended, but the duty to answer has not (Pasal 22(7)).
                # The decide task stays open and overdue; a late decision is recorded and starts a new T3.
                self.awaiting_late_decision = True
                await self._record("objection_window_ended", now)
                return
            self.status = RequestStatus.CLOSED
            await self._record("closed", now)
        elif alarm.kind == "grace_end":
            self.grace_over = True
        else:
            self.fired.add(self._alarm_key(alarm))
            if self.status in (RequestStatus.RECEIVED, RequestStatus.EXTENDED):
                await self._record(alarm.kind, now, round_=self.round)

    # --- staff actions (Updates with validators) ----------------------------------------------------------

    @workflow.update(name="extend")
    async def extend(self, command: ExtensionCommand) -> ActionResult:
        async with self.lock:
            self._check_extension(command)
            # T2: the T1 day plus 7 working days (Pasal 22(8)); its reminders in the same activity.
            self.status, self.round = RequestStatus.EXTENDED, 2
            query = DeadlineQuery(body=self.start.body, start=self.due_at, working_days=T2_EXTENSION_DAYS)
            recorded = await self._record(
                "extended", workflow.now(), actor=command.actor, data={"reason": command.reason},
                deadline=query, reminders=self._reminder_plan(before_new_deadline=True),
            )  # fmt: skip
            assert recorded.deadline is not None
            self.due_at = recorded.deadline.due_at
            self._set_reminders(recorded.alarms)
            self.changed = True
            return self._result()

    @extend.validator
    def _validate_extend(self, command: ExtensionCommand) -> None:
        self._check_extension(command)

    def _check_extension(self, command: ExtensionCommand) -> None:
        if not command.reason.strip():
            raise conflict("Perpanjangan memerlukan alasan tertulis (Pasal 22 ayat (8)).")
        if self.status == RequestStatus.EXTENDED:
            raise conflict(f"Jangka waktu sudah pernah diperpanjang; batas waktu {self._when(self.due_at)}.")
        if self.status != RequestStatus.RECEIVED:
            raise conflict(f"Perpanjangan tidak dapat dilakukan pada status '{status_label(self.status)}'.")
        if workflow.now() > self.due_at:
            raise conflict(
                f"Batas waktu {self._when(self.due_at)} sudah lewat; perpanjangan tidak dapat dilakukan."
            )

    @workflow.update(name="decide")
    async def decide(self, command: DecisionCommand) -> ActionResult:
        async with self.lock:
            self._check_decision(command)
            now = workflow.now()
            late = now > self.due_at
            decision = command.model_dump(exclude={"actor"})
            self.status = RequestStatus.DECIDED
            # A late decision never shortens the window the requester was already told of.
            recorded = await self._record(
                "decided", now, actor=command.actor, deadline=self._t3_query(now),
                data={"decision": decision, "late": late, "objection_deadline_floor": self.objection_deadline},
            )  # fmt: skip
            assert recorded.deadline is not None
            if self.objection_deadline is None or recorded.deadline.due_at > self.objection_deadline:
                self.objection_deadline, self.t3_start = recorded.deadline.due_at, now
                self.window_closed = self.awaiting_late_decision = False  # the new T3 runs
            self.delivery_owed = command.outcome in GRANTING_DECISIONS
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
            raise conflict(f"Permohonan berstatus '{status_label(self.status)}' tidak dapat diteruskan lagi.")

    # --- the objection (Pasal 35-36), a child workflow ----------------------------------------------------

    @workflow.update(name="file_objection")
    async def file_objection(self, command: ObjectionCommand) -> ObjectionFiled:
        async with self.lock:
            self._check_objection(command)
            now = workflow.now()
            objection_id = workflow.uuid4().hex
            registration = RegisterObjection(
                objection_id=objection_id, request_id=self.start.request_id, at=now, command=command
            )
            filed = await db_activity("register_objection", registration, ObjectionFiled)
            child = await workflow.start_child_workflow(
                "ObjectionWorkflow",
                ObjectionStart(
                    objection_id=objection_id, request_id=self.start.request_id,
                    registration_number=filed.registration_number, body=self.start.body,
                    timezone=self.start.timezone, registered_at=now, due_at=filed.due_at, reasons=command.reasons,
                ),
                id=f"keberatan-{objection_id}",
            )  # fmt: skip
            self.open_objection = filed.registration_number
            self.watchers.append(asyncio.ensure_future(self._watch_objection(child)))
            self.changed = True
            return filed

    @file_objection.validator
    def _validate_objection(self, command: ObjectionCommand) -> None:
        self._check_objection(command)

    def _check_objection(self, command: ObjectionCommand) -> None:
        unknown = set(command.reasons) - OBJECTION_REASONS
        if not command.reasons or unknown:
            raise conflict("Alasan keberatan harus salah satu atau lebih dari a-g (Pasal 35 ayat (1)).")
        if self.open_objection is not None:
            raise conflict(f"Keberatan {self.open_objection} masih berjalan; tunggu jawabannya lebih dahulu.")
        if self.status in (RequestStatus.RECEIVED, RequestStatus.EXTENDED):
            raise conflict(
                "Keberatan dapat diajukan setelah pemberitahuan tertulis diterima atau setelah batas waktu "
                f"{self._when(self.due_at)} lewat."
            )
        assert self.objection_deadline is not None
        late = workflow.now() > self.objection_deadline or self.status == RequestStatus.CLOSED
        if late and not (command.late_override_reason and command.filed_by != "requester"):
            raise conflict(
                f"Jangka waktu keberatan berakhir pada {self._when(self.objection_deadline)} (Pasal 36 ayat (1)); "
                "keberatan yang terlambat hanya dapat dicatat petugas PPID dengan alasan tertulis."
            )

    async def _watch_objection(self, child: workflow.ChildWorkflowHandle[object, object]) -> None:
        try:
            await child
        except ChildWorkflowError:
            workflow.logger.warning("the objection workflow failed")
        self.open_objection = None
        self.changed = True

    # --- the living calendar ------------------------------------------------------------------------------

    async def _recompute_clocks(self, change: CalendarChanged) -> None:
        body = self.start.body
        if self.status in (RequestStatus.RECEIVED, RequestStatus.EXTENDED):
            if self.round == 1:
                new = await self._move_clock("T1", self.due_at, self.start.received_at, 10, change, body=body)
            else:  # T2 is the T1 day plus 7: both on the current calendar
                t1 = await deadline(self.start.received_at, 10, body=body)
                new = await self._move_clock(
                    "T2", self.due_at, t1.due_at, T2_EXTENSION_DAYS, change, body=body
                )
            if new != self.due_at:
                self.due_at = new
                await self._plan_reminders()
        elif (
            self.objection_deadline and self.t3_start and not self.window_closed and self.grace_until is None
        ):
            self.objection_deadline = await self._move_clock(
                "T3", self.objection_deadline, self.t3_start, T3_OBJECTION_DAYS, change, body=body
            )

    def _clock_event(self, clock: str, change: CalendarChanged) -> tuple[str, int]:
        return "deadline_moved", change.version  # the request's timeline keys carry the clock themselves

    @workflow.query(name="status")
    def query_status(self) -> ActionResult:
        return self._result()

    # --- helpers ------------------------------------------------------------------------------------------

    def _result(self) -> ActionResult:
        return ActionResult(
            status=self.status.value, due_at=self.due_at, objection_deadline=self.objection_deadline
        )

    def _t3_query(self, start: datetime) -> DeadlineQuery:
        """T3: 30 working days for the objection (Pasal 36(1))."""
        return DeadlineQuery(body=self.start.body, start=start, working_days=T3_OBJECTION_DAYS)

    def _reminder_plan(self, *, before_new_deadline: bool = False) -> ReminderPlan:
        """The PPID's reminders before the current due date, or before the deadline the same recording
        activity computes."""
        return ReminderPlan(
            body=self.start.body,
            due_at=None if before_new_deadline else self.due_at,
            round=self.round,
            include_extension_prompt=self.status == RequestStatus.RECEIVED,
        )

    def _set_reminders(self, alarms: list[Alarm] | None) -> None:
        now = workflow.now()
        # Reminders whose moment has already passed are not sent late.
        self.alarms = [a for a in alarms or [] if a.at > now]

    async def _plan_reminders(self) -> None:
        self._set_reminders(await db_activity("plan_reminders", self._reminder_plan(), list[Alarm]))
