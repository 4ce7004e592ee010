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
    from activities.objections import ObjectionActivities
    from activities.requests import RequestActivities
    from domain import law
    from domain.case_change import ClockMove, TaskToOpen, Transition, effective_due
    from domain.contracts import (
        ActionResult,
        Alarm,
        AssignCommand,
        CalendarChanged,
        DeadlineQuery,
        DecisionCommand,
        DeliveryCommand,
        ExtensionCommand,
        ObjectionCommand,
        ObjectionFiled,
        ObjectionStart,
        Recorded,
        RegisterObjection,
        ReminderPlan,
        RequestStart,
    )
    from domain.delivery import DELIVER_TASK, GRANTING_DECISIONS
    from domain.enums import DecisionOutcome, RequestStatus, Role
    from domain.request_events import (
        Assigned,
        Closed,
        DeadlineMoved,
        Decided,
        Delivered,
        Extended,
        ObjectionWindowEnded,
        Overdue,
        RecordRequest,
        Registered,
        Reminded,
        RequestEvent,
    )
    from domain.status_labels import status_label
    from workflows.common import ONE_SECOND, CaseWorkflow, conflict, db_activity_method, deadline
    from workflows.objection import ObjectionWorkflow

T1_RESPONSE_DAYS = law.T1.working_days
T2_EXTENSION_DAYS = law.T2.working_days
T3_OBJECTION_DAYS = law.T3.working_days
NEEDS_EXEMPTION = {DecisionOutcome.REJECTED.value, DecisionOutcome.PARTIALLY_GRANTED.value}
OBJECTION_REASONS = set(law.OBJECTION_REASONS)
# The PPID's tasks of a request (domain/status_labels.py names them in the inbox).
DECIDE_TASK, EXTENSION_PROMPT, ESCALATED_TASK = "decide_request", "extension_prompt", "escalated_request"
# The tasks a decision ends: the PPID's, and the Atasan's escalation of a request left unanswered.
DECISION_ENDS = [DECIDE_TASK, EXTENSION_PROMPT, ESCALATED_TASK]
# The open tasks whose due date follows each clock when the calendar moves it.
CLOCK_TASKS = {
    law.T1.code: [DECIDE_TASK, EXTENSION_PROMPT], law.T2.code: [DECIDE_TASK, EXTENSION_PROMPT],
    law.T3.code: [ESCALATED_TASK],
}  # fmt: skip
# After T3 the case stays reachable this long for a late objection admitted by staff with a reason.
LATE_OBJECTION_GRACE = timedelta(days=90)


@workflow.defn(name="RequestWorkflow")
class RequestWorkflow(CaseWorkflow):
    @workflow.init
    def __init__(self, start: RequestStart) -> None:
        self._init_case()
        self.start = start
        self.status = RequestStatus.RECEIVED
        self.due_at = start.due_at
        self.round = 1
        self.extensions = 0
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
        recorded = await self._record_request(
            Registered(), start.received_at, reminders=self._reminder_plan(),
            transition=Transition(
                status=RequestStatus.RECEIVED.value,
                open_tasks=[TaskToOpen(kind=DECIDE_TASK, role=Role.PPID.value, key="decide", due_at=start.due_at)],
            ),
        )  # fmt: skip
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
            # T3 for non-response runs from the T1/T2 expiry (Pasal 36(1) with 35(1)(c)); the Atasan PPID
            # is told and must see to the answer by then.
            self.status = RequestStatus.OVERDUE
            escalated = self._past_prompt(ESCALATED_TASK, Role.ATASAN_PPID, "escalated")
            recorded = await self._record_request(
                Overdue(), now, deadline=self._t3_query(self.due_at), transition=escalated
            )
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
                await self._record_request(
                    ObjectionWindowEnded(), now, follow_objection=True,
                    transition=Transition(status=RequestStatus.OVERDUE.value),
                )  # fmt: skip
                return
            # The objection window has ended; a delivery still owed keeps its task (and the case) open.
            self.status = RequestStatus.CLOSED
            await self._record_request(
                Closed(), now, transition=Transition(status=self.status.value), follow_objection=True
            )
        elif alarm.kind == "grace_end":
            self.grace_over = True
        else:
            self.fired.add(self._alarm_key(alarm))
            if self.status in (RequestStatus.RECEIVED, RequestStatus.EXTENDED):
                await self._remind(alarm.kind, now)

    async def _remind(self, kind: str, now: datetime) -> None:
        """A reminder of the running clock's plan (law.T1.reminders or law.T2.reminders); the extension
        prompt opens the PPID's task of deciding on an extension (Pasal 22(8))."""
        clock = law.T1 if self.round == 1 else law.T2
        before = {r.kind: r.working_days_before for r in clock.reminders}
        if kind not in before:
            workflow.logger.warning("reminder %s is not one of %s's", kind, clock.code)
            return
        opens = [
            TaskToOpen(kind=EXTENSION_PROMPT, role=Role.PPID.value, key=EXTENSION_PROMPT, due_at=self.due_at)
        ]
        await self._record_request(
            Reminded(kind=kind, working_days_before=before[kind]), now, round_=self.round,
            transition=Transition(open_tasks=opens if kind == EXTENSION_PROMPT else []),
        )  # fmt: skip

    # --- staff actions (Updates with validators) ----------------------------------------------------------

    @workflow.update(name="extend")
    async def extend(self, command: ExtensionCommand) -> ActionResult:
        async with self.lock:
            self._check_extension(command)
            # T2: the T1 day plus law.T2 working days (Pasal 22(8)); its reminders in the same activity. The
            # decide task takes the new due date; the prompt to extend has served.
            self.status, self.round = RequestStatus.EXTENDED, 2
            self.extensions += 1
            query = DeadlineQuery(body=self.start.body, start=self.due_at, working_days=T2_EXTENSION_DAYS)
            recorded = await self._record_request(
                Extended(reason=command.reason), workflow.now(), actor=command.actor,
                deadline=query, reminders=self._reminder_plan(before_new_deadline=True),
                transition=self._past_prompt(DECIDE_TASK, Role.PPID, "decide"),
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
            raise conflict(f"Perpanjangan memerlukan alasan tertulis ({law.T2.article}).")
        if self.extensions >= law.EXTENSIONS_ALLOWED and self.status == RequestStatus.EXTENDED:
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
            self.status = RequestStatus.DECIDED
            granted = command.outcome in GRANTING_DECISIONS
            # A grant: the PPID now gives the information (Pasal 22(7)) by the response deadline; only
            # recording the delivery ends that task.
            deliver = TaskToOpen(kind=DELIVER_TASK, role=Role.PPID.value, key="deliver", due_at=self.due_at)
            floor = self.objection_deadline if law.LATE_DECISION_NEVER_SHORTENS_T3 else None
            recorded = await self._record_request(
                Decided(decision=command, late=late), now, actor=command.actor, deadline=self._t3_query(now),
                deadline_floor=floor, follow_objection=True,  # a late decision while an objection is under way
                transition=Transition(
                    status=self.status.value, close_task_kinds=DECISION_ENDS, open_tasks=[deliver] if granted else []
                ),
            )  # fmt: skip
            assert recorded.deadline is not None
            # The date the activity wrote: the new T3, unless it would end before the window already told.
            due = effective_due(recorded.deadline.due_at, floor)
            if due != self.objection_deadline:  # the new T3 counts from this decision
                self.objection_deadline, self.t3_start = due, now
                self.window_closed = self.awaiting_late_decision = False  # the new T3 runs
            self.delivery_owed = granted
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
            await self._record_request(
                Assigned(unit=command.unit), workflow.now(), actor=command.actor, round_=self.assignments
            )
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
            filed = await db_activity_method(ObjectionActivities.register_objection, registration)
            child = await workflow.start_child_workflow(
                ObjectionWorkflow.run,
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
            raise conflict(
                f"Alasan keberatan harus salah satu atau lebih dari {law.OBJECTION_REASONS[0]}-"
                f"{law.OBJECTION_REASONS[-1]} (Pasal 35 ayat (1))."
            )
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
                f"Jangka waktu keberatan berakhir pada {self._when(self.objection_deadline)} ({law.T3.article}); "
                "keberatan yang terlambat hanya dapat dicatat petugas PPID dengan alasan tertulis."
            )

    async def _watch_objection(self, child: workflow.ChildWorkflowHandle[ObjectionWorkflow, str]) -> None:
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
                new = await self._move_clock(
                    law.T1.code, self.due_at, self.start.received_at, T1_RESPONSE_DAYS, change, body=body
                )
            else:  # T2 counts from the T1 day: both on the current calendar
                t1 = await deadline(self.start.received_at, T1_RESPONSE_DAYS, body=body)
                new = await self._move_clock(
                    law.T2.code, self.due_at, t1.due_at, T2_EXTENSION_DAYS, change, body=body
                )
            if new != self.due_at:
                self.due_at = new
                await self._plan_reminders()
        elif (
            self.objection_deadline and self.t3_start and not self.window_closed and self.grace_until is None
        ):
            self.objection_deadline = await self._move_clock(
                law.T3.code, self.objection_deadline, self.t3_start, T3_OBJECTION_DAYS, change, body=body
            )

    async def _record_clock_change(self, move: ClockMove) -> None:
        # One entry per clock and calendar version (the request's timeline keys carry the clock themselves).
        moved = DeadlineMoved.of(move, self.start.timezone, task_kinds=CLOCK_TASKS.get(move.clock, []))
        await self._record_request(moved, workflow.now(), round_=move.change.version)

    async def _record_delivered(self, command: DeliveryCommand) -> None:
        await self._record_request(Delivered(delivery=command), workflow.now(), actor=command.actor)

    @workflow.query(name="status")
    def query_status(self) -> ActionResult:
        return self._result()

    # --- helpers ------------------------------------------------------------------------------------------

    def _result(self) -> ActionResult:
        return ActionResult(
            status=self.status.value, due_at=self.due_at, objection_deadline=self.objection_deadline
        )

    async def _record_request(
        self, event: RequestEvent, at: datetime, *, actor: str | None = None, round_: int = 1,
        transition: Transition | None = None, deadline: DeadlineQuery | None = None,
        deadline_floor: datetime | None = None, reminders: ReminderPlan | None = None,
        follow_objection: bool = False,
    ) -> Recorded:  # fmt: skip
        """One event with what this workflow decided about it, written by one local activity."""
        record = RecordRequest(
            request_id=self.start.request_id, at=at, actor=actor, round=round_, event=event,
            transition=transition or Transition(), deadline=deadline, deadline_floor=deadline_floor,
            reminders=reminders, follow_objection=follow_objection,
        )  # fmt: skip
        return await db_activity_method(RequestActivities.record, record)

    def _past_prompt(self, kind: str, role: Role, key: str) -> Transition:
        """The new status once T1 has ended or been extended: the prompt to extend has served, and the task
        opened is due at the deadline the same recording computes (T3 of the escalation, or T2)."""
        opens = TaskToOpen(kind=kind, role=role.value, key=key, due_at_deadline=True)
        return Transition(status=self.status.value, close_task_kinds=[EXTENSION_PROMPT], open_tasks=[opens])

    def _t3_query(self, start: datetime) -> DeadlineQuery:
        """T3: law.T3 working days for the objection (Pasal 36(1))."""
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
        self._set_reminders(await db_activity_method(RequestActivities.plan_reminders, self._reminder_plan()))
