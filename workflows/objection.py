"""The objection workflow (keberatan, Pasal 35-37): T4 for the Atasan PPID's answer with reminders,
escalation to the head of the body when the Atasan is silent, the dispute window T5, the requester's
acceptance, and the dispute (a child workflow) when the requester goes to the Komisi Informasi."""

from __future__ import annotations

import asyncio
from datetime import datetime

from temporalio import workflow
from temporalio.exceptions import ChildWorkflowError

with workflow.unsafe.imports_passed_through():
    # Passed through: the pure core and the stateless shared helpers are not re-run by the sandbox per run.
    from domain.contracts import (
        Alarm,
        CalendarChanged,
        CaseStatus,
        DisputeCommand,
        DisputeFiled,
        DisputeStart,
        ObjectionStart,
        RegisterDispute,
        ReminderPlan,
        ReminderSpec,
        ResponseCommand,
    )
    from domain.delivery import GRANTING_ANSWERS
    from domain.enums import ObjectionStatus
    from domain.status_labels import status_label
    from workflows.common import ONE_SECOND, CaseWorkflow, conflict, db_activity, deadline

T4_ANSWER_DAYS = 30  # Pasal 36(2)
T5_DISPUTE_DAYS = 14  # Pasal 37(2); Perki 1/2013 Pasal 13
ATASAN_REMINDERS = [
    ReminderSpec(kind="atasan_reminder_10", working_days_before=10),
    ReminderSpec(kind="atasan_reminder_5", working_days_before=5),
    ReminderSpec(kind="atasan_reminder_1", working_days_before=1),
]
ANSWERS = {"granted", "partially_granted", "upheld"}
OPEN = (ObjectionStatus.REGISTERED, ObjectionStatus.OVERDUE, ObjectionStatus.ANSWERED)


@workflow.defn(name="ObjectionWorkflow")
class ObjectionWorkflow(CaseWorkflow):
    SUBJECT_ID = "objection_id"
    RECORD_ACTIVITY = "record_objection_event"

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
        await self._record("registered", start.registered_at)
        plan = ReminderPlan(
            body=start.body,
            due_at=start.due_at,
            round=1,
            include_extension_prompt=False,
            schedule=ATASAN_REMINDERS,
        )
        now = workflow.now()
        self.alarms = [a for a in await db_activity("plan_reminders", plan, list[Alarm]) if a.at > now]
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
            # Atasan silent (Pasal 36(2)): T5 runs from the T4 expiry.
            t5 = await deadline(self.due_at, T5_DISPUTE_DAYS, body=self.start.body)
            self.dispute_deadline, self.t5_start = t5.due_at, self.due_at
            self.status = ObjectionStatus.OVERDUE
            await self._record("overdue", now, data={"dispute_deadline": t5.due_at, "deadline": t5})
        elif alarm.kind == "dispute_window_end":
            self.status = ObjectionStatus.CLOSED
            await self._record("closed", now)
        else:
            self.fired.add(alarm.kind)
            if self.status == ObjectionStatus.REGISTERED:
                await self._record(alarm.kind, now)

    # --- the Atasan PPID's answer (Pasal 36) --------------------------------------------------------------

    @workflow.update(name="respond")
    async def respond(self, command: ResponseCommand) -> CaseStatus:
        async with self.lock:
            self._check_response(command)
            now = workflow.now()
            late = now > self.due_at
            t5 = await deadline(now, T5_DISPUTE_DAYS, body=self.start.body)
            if self.dispute_deadline is None or t5.due_at > self.dispute_deadline:
                self.dispute_deadline, self.t5_start = t5.due_at, now
            self.status = ObjectionStatus.ANSWERED
            await self._record(
                "answered", now, actor=command.actor,
                data={"response": command.model_dump(exclude={"actor"}), "late": late,
                      "dispute_deadline": self.dispute_deadline, "deadline": t5},
            )  # fmt: skip
            self.delivery_owed = command.outcome in GRANTING_ANSWERS
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
            await self._record("accepted", workflow.now())
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
            start = await db_activity("register_dispute", registration, DisputeStart)
            child = await workflow.start_child_workflow("DisputeWorkflow", start, id=f"sengketa-{dispute_id}")
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

    async def _watch_dispute(self, child: workflow.ChildWorkflowHandle[object, object]) -> None:
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
                "T4", self.due_at, self.start.registered_at, T4_ANSWER_DAYS, change, body=body
            )
            now = workflow.now()
            plan = ReminderPlan(
                body=body,
                due_at=self.due_at,
                round=1,
                include_extension_prompt=False,
                schedule=ATASAN_REMINDERS,
            )
            self.alarms = [a for a in await db_activity("plan_reminders", plan, list[Alarm]) if a.at > now]
        elif self.status in (ObjectionStatus.ANSWERED, ObjectionStatus.OVERDUE) and self.dispute_deadline:
            assert self.t5_start is not None
            self.dispute_deadline = await self._move_clock(
                "T5", self.dispute_deadline, self.t5_start, T5_DISPUTE_DAYS, change, body=body
            )

    # --- helpers ------------------------------------------------------------------------------------------

    def _status(self) -> CaseStatus:
        return CaseStatus(status=self.status.value, due_at=self.due_at, next_deadline=self.dispute_deadline)
