"""The objection workflow (keberatan, Pasal 35-37): T4 for the Atasan PPID's answer with reminders,
escalation to the head of the body when the Atasan is silent, the dispute window T5, the requester's
acceptance, and the dispute (a child workflow) when the requester goes to the Komisi Informasi.

The periods, the reminders and their articles are domain/law.py's (law.T4, law.T5). The workflow is the only
state machine: at each event it decides the status and the tasks (a Transition) and records them, with the
event, through one local activity (ObjectionActivities.record), which also computes T5 and the reminders on
the body's calendar."""

from __future__ import annotations

import asyncio
from datetime import datetime

from temporalio import workflow
from temporalio.exceptions import ApplicationError, ChildWorkflowError

with workflow.unsafe.imports_passed_through():
    # Passed through: the pure core and the stateless shared helpers are not re-run by the sandbox per run.
    from activities.disputes import DisputeActivities
    from activities.objections import ObjectionActivities
    from domain import law
    from domain.calendar import Deadline
    from domain.case_change import ClockMove, TaskToOpen, Transition
    from domain.contracts import (
        Alarm,
        CalendarChanged,
        CaseStatus,
        DeliveryCommand,
        DisputeCommand,
        DisputeFiled,
        ObjectionStart,
        Recorded,
        RegisterDispute,
        ReminderPlan,
        ReminderSpec,
        ResponseCommand,
    )
    from domain.delivery import DELIVER_TASK, GRANTING_ANSWERS
    from domain.enums import ObjectionStatus, Role
    from domain.objection_events import (
        AtasanReminded,
        DisputeWindow,
        ObjectionAccepted,
        ObjectionAnswered,
        ObjectionClosed,
        ObjectionDeadlineMoved,
        ObjectionDelivered,
        ObjectionEvent,
        ObjectionOverdue,
        ObjectionRecord,
        ObjectionRegistered,
    )
    from domain.status_labels import status_label
    from workflows.common import ONE_SECOND, CaseWorkflow, conflict, db_activity_method
    from workflows.dispute import DisputeWorkflow

# law.T4 and law.T5 under the names api/web/public/home.py and tests/test_portal_intake.py still import.
# The Atasan's reminders before T4 (law.T4.reminders): the days left each one states.
REMINDER_DAYS = {r.kind: r.working_days_before for r in law.T4.reminders}
ANSWER_TASK = (
    "answer_objection"  # the Atasan PPID's task while T4 runs (and after, until an answer or the end)
)
ANSWERS = {"granted", "partially_granted", "upheld"}


@workflow.defn(name="ObjectionWorkflow")
class ObjectionWorkflow(CaseWorkflow):
    @workflow.init
    def __init__(self, start: ObjectionStart) -> None:
        self._init_case()
        self.start = start
        self.status = ObjectionStatus.REGISTERED
        self.due_at = start.due_at
        self.dispute_deadline: datetime | None = None
        self.alarms: list[Alarm] = []
        self.fired: set[str] = set()
        self.dispute_open = False
        self.t5_start: datetime | None = None

    @workflow.run
    async def run(self, start: ObjectionStart) -> str:
        answer = TaskToOpen(
            kind=ANSWER_TASK,
            role=Role.ATASAN_PPID.value,
            key=f"{start.objection_id}:answer",
            due_at=start.due_at,
        )
        recorded = await self._record_objection(
            ObjectionRegistered(),
            start.registered_at,
            transition=Transition(open_tasks=[answer]),
            reminders=self._atasan_reminders(start.due_at),
        )
        self._set_alarms(recorded)
        await self._alarm_loop()
        await self._finish()
        return self.status.value

    def _finished(self) -> bool:
        if self.delivery_owed:
            return False  # the Atasan granted: the case ends when the PPID has delivered (Pasal 36)
        if self.status == ObjectionStatus.DISPUTED:
            return not self.dispute_open
        return self.status in (ObjectionStatus.ACCEPTED, ObjectionStatus.CLOSED)

    def _next_alarm(self) -> Alarm | None:
        alarms = []
        if self.status == ObjectionStatus.REGISTERED:
            alarms = [a for a in self.alarms if a.kind not in self.fired]
            alarms.append(Alarm(kind="expiry", at=self.due_at + ONE_SECOND))
        elif self.status in (ObjectionStatus.ANSWERED, ObjectionStatus.OVERDUE) and self.dispute_deadline:
            alarms.append(Alarm(kind="dispute_window_end", at=self.dispute_deadline + ONE_SECOND))
        return min(alarms, key=lambda a: a.at, default=None)

    async def _fire(self, alarm: Alarm) -> None:
        now = workflow.now()
        if alarm.kind == "expiry":
            if self.status != ObjectionStatus.REGISTERED:
                return
            # Atasan silent (Pasal 36(2)): escalated, and T5 runs from the T4 expiry (Pasal 37(1)).
            self.status = ObjectionStatus.OVERDUE
            recorded = await self._record_objection(
                ObjectionOverdue(),
                now,
                transition=Transition(status=self.status.value),
                dispute_window=DisputeWindow(start=self.due_at, working_days=law.T5.working_days),
            )
            self.dispute_deadline, self.t5_start = self._t5(recorded).due_at, self.due_at
        elif alarm.kind == "dispute_window_end":
            self.status = ObjectionStatus.CLOSED
            await self._record_objection(
                ObjectionClosed(),
                now,
                transition=Transition(status=self.status.value, close_task_kinds=[ANSWER_TASK]),
            )
        else:
            self.fired.add(alarm.kind)
            if self.status == ObjectionStatus.REGISTERED:
                reminder = AtasanReminded(kind=alarm.kind, days_left=REMINDER_DAYS[alarm.kind])
                await self._record_objection(reminder, now)

    # --- the Atasan PPID's answer (Pasal 36) --------------------------------------------------------------

    @workflow.update(name="respond")
    async def respond(self, command: ResponseCommand) -> CaseStatus:
        async with self.lock:
            self._check_response(command)
            now = workflow.now()
            grants = command.outcome in GRANTING_ANSWERS
            # A grant orders disclosure: the PPID must deliver (Pasal 36), by the end of T5 at the latest.
            deliver = TaskToOpen(
                kind=DELIVER_TASK,
                role=Role.PPID.value,
                key=f"{self.start.objection_id}:deliver",
                due_at_deadline=True,
            )
            self.status = ObjectionStatus.ANSWERED
            recorded = await self._record_objection(
                ObjectionAnswered.of(command, late=now > self.due_at, grants=grants),
                now,
                actor=command.actor,
                transition=Transition(
                    status=self.status.value,
                    open_tasks=[deliver] if grants else [],
                    close_task_kinds=[ANSWER_TASK],
                ),
                # T5 from the answer (Pasal 37(2)); after an overdue T4 it never ends before the date told then.
                dispute_window=DisputeWindow(
                    start=now, working_days=law.T5.working_days, not_before=self.dispute_deadline
                ),
            )
            t5 = self._t5(recorded)
            if self.dispute_deadline is None or t5.due_at > self.dispute_deadline:
                self.dispute_deadline, self.t5_start = t5.due_at, now
            self.delivery_owed = grants
            self.changed = True
            return self._status()

    @respond.validator
    def _validate_respond(self, command: ResponseCommand) -> None:
        self._check_response(command)

    def _check_response(self, command: ResponseCommand) -> None:
        if command.outcome not in ANSWERS:
            raise conflict("Jawaban harus granted, partially_granted atau upheld.")
        if command.outcome == "upheld" and not (command.reasons or "").strip():
            raise conflict(
                "Jawaban yang menguatkan penolakan wajib disertai alasan tertulis (Pasal 36 ayat (3))."
            )
        if self.status == ObjectionStatus.ANSWERED:
            raise conflict("Keberatan ini sudah dijawab.")
        if self.status not in (ObjectionStatus.REGISTERED, ObjectionStatus.OVERDUE):
            raise conflict(f"Keberatan berstatus '{status_label(self.status)}' tidak dapat dijawab lagi.")

    # --- the requester's choices --------------------------------------------------------------------------

    @workflow.update(name="accept")
    async def accept(self) -> CaseStatus:
        async with self.lock:
            self._check_accept()
            self.status = ObjectionStatus.ACCEPTED
            await self._record_objection(
                ObjectionAccepted(),
                workflow.now(),
                transition=Transition(status=self.status.value, close_task_kinds=[ANSWER_TASK]),
            )
            self.changed = True
            return self._status()

    @accept.validator
    def _validate_accept(self) -> None:
        self._check_accept()

    def _check_accept(self) -> None:
        if self.status not in (ObjectionStatus.ANSWERED, ObjectionStatus.OVERDUE):
            raise conflict(
                "Hanya jawaban Atasan PPID (atau ketiadaannya setelah batas waktu) yang dapat diterima."
            )

    @workflow.update(name="file_dispute")
    async def file_dispute(self, command: DisputeCommand) -> DisputeFiled:
        async with self.lock:
            self._check_dispute()
            dispute_id = workflow.uuid4().hex
            registration = RegisterDispute(
                dispute_id=dispute_id,
                objection_id=self.start.objection_id,
                at=workflow.now(),
                command=command,
            )
            start = await db_activity_method(DisputeActivities.register_dispute, registration)
            child = await workflow.start_child_workflow(
                DisputeWorkflow.run, start, id=f"sengketa-{dispute_id}"
            )
            self.status = ObjectionStatus.DISPUTED
            self.dispute_open = True
            self.watchers.append(asyncio.ensure_future(self._watch_dispute(child)))
            self.changed = True
            return DisputeFiled(id=dispute_id, komisi_informasi=start.komisi, status="submitted")

    @file_dispute.validator
    def _validate_dispute(self, command: DisputeCommand) -> None:
        self._check_dispute()

    def _check_dispute(self) -> None:
        if self.status == ObjectionStatus.DISPUTED:
            raise conflict("Sengketa atas keberatan ini sudah diajukan.")
        if self.status == ObjectionStatus.REGISTERED:
            raise conflict(
                "Sengketa dapat diajukan setelah Atasan PPID menjawab atau setelah batas waktu jawaban "
                f"{self._when(self.due_at)} lewat (Pasal 37 ayat (1))."
            )
        if (
            self.status not in (ObjectionStatus.ANSWERED, ObjectionStatus.OVERDUE)
            or self.dispute_deadline is None
        ):
            raise conflict(
                f"Keberatan berstatus '{status_label(self.status)}'; sengketa tidak dapat diajukan."
            )
        if workflow.now() > self.dispute_deadline:
            raise conflict(
                f"Jangka waktu pengajuan sengketa berakhir pada {self._when(self.dispute_deadline)}."
            )

    async def _watch_dispute(self, child: workflow.ChildWorkflowHandle[DisputeWorkflow, str]) -> None:
        try:
            await child
        except ChildWorkflowError:
            workflow.logger.warning("the dispute workflow failed")
        self.dispute_open = False
        self.changed = True

    # --- the living calendar ------------------------------------------------------------------------------

    async def _recompute_clocks(self, change: CalendarChanged) -> None:
        body = self.start.body
        if self.status == ObjectionStatus.REGISTERED:
            self.due_at = await self._move_clock(
                law.T4.code, self.due_at, self.start.registered_at, law.T4.working_days, change, body=body
            )
        elif self.status in (ObjectionStatus.ANSWERED, ObjectionStatus.OVERDUE) and self.dispute_deadline:
            assert self.t5_start is not None
            self.dispute_deadline = await self._move_clock(
                law.T5.code, self.dispute_deadline, self.t5_start, law.T5.working_days, change, body=body
            )

    async def _record_clock_change(self, move: ClockMove) -> None:
        """The moved clock on the timeline (and told to the requester unless kept); a moved T4 re-plans the
        Atasan's reminders before the date that now holds, in the same recording."""
        moved = ObjectionDeadlineMoved.of(move, self.start.timezone)
        reminders = self._atasan_reminders(move.new) if move.clock == law.T4.code else None
        recorded = await self._record_objection(moved, workflow.now(), reminders=reminders)
        if reminders is not None:
            self._set_alarms(recorded)

    # --- recording --------------------------------------------------------------------------------------

    async def _record_delivered(self, command: DeliveryCommand) -> None:
        await self._record_objection(
            ObjectionDelivered(delivery=command), workflow.now(), actor=command.actor
        )

    async def _record_objection(
        self,
        event: ObjectionEvent,
        at: datetime,
        *,
        actor: str | None = None,
        transition: Transition | None = None,
        dispute_window: DisputeWindow | None = None,
        reminders: ReminderPlan | None = None,
    ) -> Recorded:
        """One local activity per event: what the workflow decided, and T5 or the reminders to compute."""
        record = ObjectionRecord(
            objection_id=self.start.objection_id, at=at, actor=actor, event=event,
            transition=transition or Transition(), dispute_window=dispute_window, reminders=reminders,
        )  # fmt: skip
        return await db_activity_method(ObjectionActivities.record, record)

    def _atasan_reminders(self, due_at: datetime) -> ReminderPlan:
        """The Atasan's reminders before T4 (law.T4.reminders)."""
        schedule = [
            ReminderSpec(kind=r.kind, working_days_before=r.working_days_before) for r in law.T4.reminders
        ]
        return ReminderPlan(
            body=self.start.body, due_at=due_at, round=1, include_extension_prompt=False, schedule=schedule
        )

    def _set_alarms(self, recorded: Recorded) -> None:
        now = workflow.now()
        self.alarms = [a for a in recorded.alarms or [] if a.at > now]

    @staticmethod
    def _t5(recorded: Recorded) -> Deadline:
        if recorded.deadline is None:
            raise ApplicationError("the recording computed no T5", non_retryable=True)
        return recorded.deadline

    # --- helpers ------------------------------------------------------------------------------------------

    def _status(self) -> CaseStatus:
        return CaseStatus(status=self.status.value, due_at=self.due_at, next_deadline=self.dispute_deadline)
