"""The dispute workflow (sengketa informasi, Pasal 37-48) on the Komisi Informasi's side: registration
starts T6 (the KI starts within 14 working days) and T7 (settles within 100), counted on the KI's calendar
and time zone; the stage (mediation only for reasons b-g, Pasal 40); the outcome; and for an adjudication
decision the 14 working days T8 after which it is final (Pasal 48(1)), unless a court objection is recorded
within them (then the case is before the court and this workflow ends in `court_objection`)."""

from __future__ import annotations

from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    # Passed through: the pure core and the stateless shared helpers are not re-run by the sandbox per run.
    from domain.contracts import (
        Alarm,
        CalendarChanged,
        CaseStatus,
        CourtObjectionCommand,
        DisputeRegistration,
        DisputeStart,
        OutcomeCommand,
        StageCommand,
    )
    from domain.court import refusal as court_objection_refusal
    from domain.delivery import DISCLOSURE_OUTCOMES
    from domain.enums import DisputeStatus
    from domain.status_labels import status_label
    from workflows.common import ONE_SECOND, CaseWorkflow, conflict, deadline

T6_START_DAYS = 14  # Pasal 38(1)
T7_SETTLE_DAYS = 100  # Pasal 38(2)
T8_COURT_DAYS = 14  # Pasal 48(1)
MEDIATION_REASONS = set("bcdefg")  # Pasal 40(2)
ADJUDICATION_OUTCOMES = {"adjudication_granted", "adjudication_partially_granted", "adjudication_rejected"}
OUTCOMES = ADJUDICATION_OUTCOMES | {"mediation_agreement", "dismissed", "withdrawn"}
# In mediation (Pasal 39-40) only these; an adjudication outcome needs the stage changed to adjudication first.
MEDIATION_OUTCOMES = {"mediation_agreement", "withdrawn"}
IN_PROGRESS = (DisputeStatus.REGISTERED, DisputeStatus.MEDIATION, DisputeStatus.ADJUDICATION)


@workflow.defn(name="DisputeWorkflow")
class DisputeWorkflow(CaseWorkflow):
    SUBJECT_ID = "dispute_id"
    TIMEZONE = "komisi_timezone"
    RECORD_ACTIVITY = "record_dispute_event"

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

    @workflow.run
    async def run(self, start: DisputeStart) -> str:
        await self._record("submitted", workflow.now())
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
            await self._record("final", workflow.now())
            return
        # T6/T7 are service levels of the KI: alert, never stop the case (docs/domain.md).
        self.fired.add(alarm.kind)
        await self._record(alarm.kind, workflow.now())

    # --- the Komisi Informasi's actions -------------------------------------------------------------------

    @workflow.update(name="register")
    async def register(self, command: DisputeRegistration) -> CaseStatus:
        async with self.lock:
            self._check_register()
            now = workflow.now()
            tz = self.start.komisi_timezone
            t6 = await deadline(now, T6_START_DAYS, timezone=tz)
            t7 = await deadline(now, T7_SETTLE_DAYS, timezone=tz)
            self.start_due, self.settle_due, self.registered_at = t6.due_at, t7.due_at, now
            self.status = DisputeStatus.REGISTERED
            await self._record(
                "registered", now, actor=command.actor,
                data={"register_number": command.register_number, "start_due_at": t6.due_at,
                      "settle_due_at": t7.due_at, "deadline_t6": t6, "deadline_t7": t7},
            )  # fmt: skip
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
            await self._record("stage_" + command.stage, workflow.now(), actor=command.actor)
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
            if not set(self.start.reasons) & MEDIATION_REASONS:
                raise conflict("Mediasi hanya untuk keberatan beralasan huruf b-g (Pasal 40 ayat (2)).")

    @workflow.update(name="decide")
    async def decide(self, command: OutcomeCommand) -> CaseStatus:
        async with self.lock:
            self._check_outcome(command)
            now = workflow.now()
            data: dict[str, object] = {"outcome": command.model_dump(mode="json", exclude={"actor"})}
            if command.outcome in ADJUDICATION_OUTCOMES:
                # T8: 14 working days to object before a court, then the decision is final (Pasal 48(1)).
                t8 = await deadline(now, T8_COURT_DAYS, timezone=self.start.komisi_timezone)
                self.final_due, self.decided_at = t8.due_at, now
                self.status = DisputeStatus.DECIDED
                data |= {"final_due_at": t8.due_at, "deadline_t8": t8}
            else:
                self.status = DisputeStatus.FINAL  # mediation agreement (Pasal 39), dismissal, withdrawal
            await self._record("decided", now, actor=command.actor, data=data)
            self.delivery_owed = command.outcome in DISCLOSURE_OUTCOMES
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
            filing: dict[str, object] = command.model_dump(mode="json", exclude={"actor"})
            self.status, self.court_objection = DisputeStatus.COURT_OBJECTION, filing
            # The decision is not final before the court (Pasal 47-48): the activity ends the compliance task
            # with that reason on the timeline, and the case leaves the KI.
            self.delivery_owed = False
            await self._record(
                "court_objection", workflow.now(), actor=command.actor,
                data={"court_objection": filing, "final_due_at": self.final_due},
            )  # fmt: skip
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

    # --- the living calendar (the KI's clocks follow the national calendar in the KI's time zone) ----------

    async def _recompute_clocks(self, change: CalendarChanged) -> None:
        tz = self.start.komisi_timezone
        if self.status in IN_PROGRESS and self.registered_at and self.start_due and self.settle_due:
            if not self.stage_set:
                self.start_due = await self._move_clock(
                    "T6", self.start_due, self.registered_at, T6_START_DAYS, change, timezone=tz
                )
            self.settle_due = await self._move_clock(
                "T7", self.settle_due, self.registered_at, T7_SETTLE_DAYS, change, timezone=tz
            )
        elif self.status == DisputeStatus.DECIDED and self.decided_at and self.final_due:
            self.final_due = await self._move_clock(
                "T8", self.final_due, self.decided_at, T8_COURT_DAYS, change, timezone=tz
            )

    # --- helpers ------------------------------------------------------------------------------------------

    def _status(self) -> CaseStatus:
        return CaseStatus(status=self.status.value, due_at=self.start_due, next_deadline=self.settle_due)
