"""The dispute workflow (sengketa informasi, Pasal 37-48) on the Komisi Informasi's side: registration
starts T6 (the KI starts settling it, Pasal 38(1)) and T7 (it settles it, Pasal 38(2)), counted on the KI's
calendar and time zone; the stage (mediation only for the reasons of Pasal 40(2)); the outcome; and for an
adjudication decision T8, after which it is final (Pasal 48(1)), unless a court objection is recorded within
it (then the case is before the court and this workflow ends in `court_objection`). The periods and rules are
domain/law.py's; this workflow decides every transition, and DisputeActivities.record writes it."""

from __future__ import annotations

from datetime import date, datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    # Passed through: the pure core and the stateless shared helpers are not re-run by the sandbox per run.
    from activities.disputes import DisputeActivities
    from domain import law
    from domain.case_change import ClockMove, TaskToOpen, Transition
    from domain.contracts import (
        Alarm,
        CalendarChanged,
        CaseStatus,
        CourtObjectionCommand,
        DeadlineQuery,
        DeliveryCommand,
        DisputeRegistration,
        DisputeStart,
        OutcomeCommand,
        StageCommand,
    )
    from domain.court import ADJUDICATION_OUTCOMES
    from domain.court import refusal as court_objection_refusal
    from domain.delivery import COMPLY_TASK, DISCLOSURE_OUTCOMES
    from domain.dispute_events import (
        ClockMissed,
        CourtFiling,
        CourtObjectionRecorded,
        DeadlineMoved,
        Decided,
        Delivered,
        Delivery,
        DisputeEvent,
        DisputeRecord,
        DisputeRecorded,
        Final,
        Outcome,
        Registered,
        StageSet,
        Submitted,
    )
    from domain.enums import DisputeStatus, Role
    from domain.status_labels import status_label
    from workflows.common import ONE_SECOND, CaseWorkflow, conflict, db_activity_method

OUTCOMES = ADJUDICATION_OUTCOMES | {"mediation_agreement", "dismissed", "withdrawn"}
# In mediation (Pasal 39-40) only these; an adjudication outcome needs the stage changed to adjudication first.
MEDIATION_OUTCOMES = {"mediation_agreement", "withdrawn"}
IN_PROGRESS = (DisputeStatus.REGISTERED, DisputeStatus.MEDIATION, DisputeStatus.ADJUDICATION)
# The KI's tasks, keyed within the dispute: registering it (Pasal 38), settling it within T7, and the PPID's
# compliance with an order to disclose.
REGISTER_TASK, SETTLE_TASK = "register_dispute", "settle_dispute"


@workflow.defn(name="DisputeWorkflow")
class DisputeWorkflow(CaseWorkflow):
    TIMEZONE = "komisi_timezone"

    @workflow.init
    def __init__(self, start: DisputeStart) -> None:
        self._init_case()
        self.start = start
        self.status = DisputeStatus.SUBMITTED
        self.start_due: datetime | None = None
        self.settle_due: datetime | None = None
        self.final_due: datetime | None = None
        self.stage_set = False
        self.fired: set[str] = set()
        self.registered_at: datetime | None = None
        self.decided_at: datetime | None = None
        self.court_objection: dict[str, object] | None = None  # the filing recorded within T8
        self.disclosure_ordered = (
            False  # the KI's outcome orders the information given (a grant, an agreement)
        )

    @workflow.run
    async def run(self, start: DisputeStart) -> str:
        # The KI's inbox gets the registration task (Pasal 38); the case file goes with the notice (Pasal 37).
        opens = Transition(open_tasks=[self._komisi_task(REGISTER_TASK, "register")])
        await self._record_dispute(Submitted(), workflow.now(), transition=opens)
        await self._alarm_loop()
        await self._finish()
        return self.status.value

    def _finished(self) -> bool:
        # Before a court the case leaves the KI (Pasal 47-48): its outcome there is not followed here. A final
        # order to disclose is not finished before the PPID has complied with it.
        if self.status == DisputeStatus.FINAL:
            return not self.delivery_owed
        return self.status == DisputeStatus.COURT_OBJECTION

    def _next_alarm(self) -> Alarm | None:
        alarms = []
        if self.status in IN_PROGRESS:
            if self.start_due and not self.stage_set and "t6_missed" not in self.fired:
                alarms.append(Alarm(kind="t6_missed", at=self.start_due + ONE_SECOND))
            if self.settle_due and "t7_missed" not in self.fired:
                alarms.append(Alarm(kind="t7_missed", at=self.settle_due + ONE_SECOND))
        if self.status == DisputeStatus.DECIDED and self.final_due:
            alarms.append(Alarm(kind="final", at=self.final_due + ONE_SECOND))
        return min(alarms, key=lambda a: a.at, default=None)

    async def _fire(self, alarm: Alarm) -> None:
        if alarm.kind == "final":
            if self.status != DisputeStatus.DECIDED:
                return  # a court objection was recorded while the timer fired
            self.status = DisputeStatus.FINAL
            # T8 ended with no court objection recorded (Pasal 48(1)): an order to disclose is now final, and the
            # excepted entry it cites opens (PP 61/2010 Pasal 11(2)).
            await self._record_dispute(
                Final(), workflow.now(), transition=Transition(status=self.status.value),
                open_cited_entry=self.disclosure_ordered,
            )  # fmt: skip
            return
        # T6/T7 are service levels of the KI: alert, never stop the case (docs/domain.md).
        self.fired.add(alarm.kind)
        missed = ClockMissed(kind="t6_missed" if alarm.kind == "t6_missed" else "t7_missed")
        await self._record_dispute(missed, workflow.now())

    # --- the Komisi Informasi's actions -------------------------------------------------------------------

    @workflow.update(name="register")
    async def register(self, command: DisputeRegistration) -> CaseStatus:
        async with self.lock:
            self._check_register()
            now = workflow.now()
            self.status, self.registered_at = DisputeStatus.REGISTERED, now
            # T6 and T7 count from the registration (Pasal 38), computed in the recording's round trip.
            recorded = await self._record_dispute(
                Registered(register_number=command.register_number), now, actor=command.actor,
                transition=Transition(
                    status=self.status.value, close_task_kinds=[REGISTER_TASK],
                    open_tasks=[self._komisi_task(SETTLE_TASK, "settle", due_at_deadline=True)],
                ),
                deadlines={"T6": self._clock_query(now, law.T6), "T7": self._clock_query(now, law.T7)},
                tasks_due_at_clock="T7",
            )  # fmt: skip
            self.start_due = recorded.deadlines["T6"].due_at
            self.settle_due = recorded.deadlines["T7"].due_at
            self.changed = True
            return self._status()

    @register.validator
    def _validate_register(self, command: DisputeRegistration) -> None:
        self._check_register()

    def _check_register(self) -> None:
        if self.status != DisputeStatus.SUBMITTED:
            raise conflict("Sengketa ini sudah diregistrasi.")

    @workflow.update(name="stage")
    async def stage(self, command: StageCommand) -> CaseStatus:
        async with self.lock:
            self._check_stage(command)
            self.status = DisputeStatus(command.stage)
            self.stage_set = True
            stage = StageSet(stage="mediation" if command.stage == "mediation" else "adjudication")
            await self._record_dispute(
                stage, workflow.now(), actor=command.actor, transition=Transition(status=self.status.value)
            )
            self.changed = True
            return self._status()

    @stage.validator
    def _validate_stage(self, command: StageCommand) -> None:
        self._check_stage(command)

    def _check_stage(self, command: StageCommand) -> None:
        if self.status == DisputeStatus.SUBMITTED:
            raise conflict("Sengketa harus diregistrasi lebih dahulu.")
        if self.status not in IN_PROGRESS:
            raise conflict("Sengketa ini sudah diputus.")
        if command.stage not in ("mediation", "adjudication"):
            raise conflict("Tahap harus mediation atau adjudication.")
        if command.stage == self.status.value:
            raise conflict(f"Sengketa sudah pada tahap {status_label(command.stage)}.")
        if command.stage == "mediation":
            if self.status == DisputeStatus.ADJUDICATION:
                raise conflict("Ajudikasi sudah dimulai; mediasi tidak dapat dibuka lagi.")
            if not set(self.start.reasons) & law.MEDIATION_REASONS:
                letters = f"{min(law.MEDIATION_REASONS)}-{max(law.MEDIATION_REASONS)}"
                raise conflict(
                    f"Mediasi hanya untuk keberatan beralasan huruf {letters} (Pasal 40 ayat (2))."
                )

    @workflow.update(name="decide")
    async def decide(self, command: OutcomeCommand) -> CaseStatus:
        async with self.lock:
            self._check_outcome(command)
            now = workflow.now()
            outcome = Outcome.model_validate(command.model_dump(exclude={"actor"}))
            adjudicated = command.outcome in ADJUDICATION_OUTCOMES
            # An adjudication decision is final after T8 unless a party objects before a court (Pasal 48(1)); a
            # mediation agreement (Pasal 39), a dismissal or a withdrawal is final when given.
            self.status = DisputeStatus.DECIDED if adjudicated else DisputeStatus.FINAL
            self.decided_at = now
            disclosure = command.outcome in DISCLOSURE_OUTCOMES
            # A withdrawal before registration ends the KI's registration task too. Only recording the delivery
            # ends the PPID's compliance task (or, explicitly, a court objection).
            transition = Transition(
                status=self.status.value, close_task_kinds=[REGISTER_TASK, SETTLE_TASK],
                open_tasks=[TaskToOpen(kind=COMPLY_TASK, role=Role.PPID.value, key="comply")] if disclosure else [],
            )  # fmt: skip
            recorded = await self._record_dispute(
                Decided(outcome=outcome), now, actor=command.actor, transition=transition,
                deadlines={"T8": self._clock_query(now, law.T8)} if adjudicated else {},
                task_due_dates={"comply": command.disclosure_due} if disclosure and command.disclosure_due else {},
                open_cited_entry=disclosure and not adjudicated,
            )  # fmt: skip
            if adjudicated:
                self.final_due = recorded.deadlines["T8"].due_at
            self.delivery_owed = self.disclosure_ordered = disclosure
            self.changed = True
            return self._status()

    @decide.validator
    def _validate_decide(self, command: OutcomeCommand) -> None:
        self._check_outcome(command)

    def _check_outcome(self, command: OutcomeCommand) -> None:
        if command.outcome not in OUTCOMES:
            raise conflict(f"Putusan harus salah satu dari: {', '.join(sorted(OUTCOMES))}.")
        if self.status == DisputeStatus.SUBMITTED and command.outcome != "withdrawn":
            raise conflict("Sengketa harus diregistrasi lebih dahulu.")
        if self.status not in (*IN_PROGRESS, DisputeStatus.SUBMITTED):
            raise conflict("Sengketa ini sudah diputus.")
        if command.outcome == "mediation_agreement" and self.status != DisputeStatus.MEDIATION:
            raise conflict("Kesepakatan mediasi hanya dari tahap mediasi.")
        if self.status == DisputeStatus.MEDIATION and command.outcome not in MEDIATION_OUTCOMES:
            raise conflict(
                "Sengketa sedang dalam tahap mediasi: yang dapat dicatat hanya kesepakatan mediasi atau "
                "pencabutan permohonan. Bila mediasi gagal, pindahkan dahulu ke tahap ajudikasi (Pasal 42), "
                "lalu catat putusannya."
            )

    # --- a party objects before a court within T8 (Pasal 47-48), recorded by the KI clerk or the PPID --------

    @workflow.update(name="record_court_objection")
    async def record_court_objection(self, command: CourtObjectionCommand) -> CaseStatus:
        async with self.lock:
            self._check_court_objection()
            filing = CourtFiling.model_validate(command.model_dump(exclude={"actor"}))
            self.status, self.court_objection = DisputeStatus.COURT_OBJECTION, filing.model_dump(mode="json")
            # The decision is not final before the court (Pasal 47-48): the compliance task it owed ends, with
            # that reason on the timeline, and the case leaves the KI.
            event = CourtObjectionRecorded(
                court_objection=filing, final_due_at=self.final_due, compliance_suspended=self.delivery_owed
            )
            self.delivery_owed = False
            await self._record_dispute(
                event, workflow.now(), actor=command.actor, transition=Transition(status=self.status.value)
            )
            self.changed = True
            return self._status()

    @record_court_objection.validator
    def _validate_court_objection(self, command: CourtObjectionCommand) -> None:
        self._check_court_objection()

    def _check_court_objection(self) -> None:
        message = court_objection_refusal(
            self.status.value, adjudicated=self.final_due is not None,
            t8_over=self.final_due is not None and workflow.now() > self.final_due,
            final_due_text=self._when(self.final_due) if self.final_due else None, filing=self.court_objection,
        )  # fmt: skip
        if message:
            raise conflict(message)

    # --- delivering what the KI ordered (the base class's Update `record_delivery`) -------------------------

    async def _record_delivered(self, command: DeliveryCommand) -> None:
        delivery = Delivery.model_validate(command.model_dump(exclude={"actor"}))
        await self._record_dispute(Delivered(delivery=delivery), workflow.now(), actor=command.actor)

    # --- the living calendar (the KI's clocks follow the national calendar in the KI's time zone) ----------

    async def _recompute_clocks(self, change: CalendarChanged) -> None:
        tz = self.start.komisi_timezone
        if self.status in IN_PROGRESS and self.registered_at and self.start_due and self.settle_due:
            if not self.stage_set:
                self.start_due = await self._move_clock(
                    "T6", self.start_due, self.registered_at, law.T6.working_days, change, timezone=tz
                )
            self.settle_due = await self._move_clock(
                "T7", self.settle_due, self.registered_at, law.T7.working_days, change, timezone=tz
            )
        elif self.status == DisputeStatus.DECIDED and self.decided_at and self.final_due:
            self.final_due = await self._move_clock(
                "T8", self.final_due, self.decided_at, law.T8.working_days, change, timezone=tz
            )

    async def _record_clock_change(self, move: ClockMove) -> None:
        # DeadlineMoved narrows the clock to the KI's (T6, T7, T8); the settle task follows T7.
        tasks = [SETTLE_TASK] if move.clock == "T7" else []
        event = DeadlineMoved.of(move, self.start.komisi_timezone, task_kinds=tasks)
        await self._record_dispute(event, workflow.now())

    # --- helpers ------------------------------------------------------------------------------------------

    async def _record_dispute(
        self, event: DisputeEvent, at: datetime, *, actor: str | None = None, transition: Transition | None = None,
        deadlines: dict[str, DeadlineQuery] | None = None, tasks_due_at_clock: str | None = None,
        task_due_dates: dict[str, date] | None = None, open_cited_entry: bool = False,
    ) -> DisputeRecorded:  # fmt: skip
        record = DisputeRecord(
            request_id=self.start.request_id, dispute_id=self.start.dispute_id, at=at, actor=actor, event=event,
            transition=transition or Transition(), deadlines=deadlines or {},
            tasks_due_at_clock=tasks_due_at_clock, task_due_dates=task_due_dates or {},
            open_cited_entry=open_cited_entry,
        )  # fmt: skip
        return await db_activity_method(DisputeActivities.record, record)

    def _clock_query(self, start: datetime, clock: law.Clock) -> DeadlineQuery:
        # The KI's clocks count the national calendar in the KI's time zone (law.Calendar.KOMISI).
        return DeadlineQuery(
            start=start, working_days=clock.working_days, timezone=self.start.komisi_timezone
        )

    @staticmethod
    def _komisi_task(kind: str, key: str, *, due_at_deadline: bool = False) -> TaskToOpen:
        return TaskToOpen(kind=kind, role=Role.KOMISI.value, key=key, due_at_deadline=due_at_deadline)

    def _status(self) -> CaseStatus:
        return CaseStatus(status=self.status.value, due_at=self.start_due, next_deadline=self.settle_due)
