"""The consequence test (uji konsekuensi, UU 14/2008 Pasal 19; PP 61/2010 Pasal 3) and, once approved, the
expiry clock of its DIK entry (PP 61/2010 Pasal 11), in one workflow `uji-konsekuensi-<id>`.

submitted → (returned → submitted again)* → forwarded → approved | refused. The PPID Utama reviews (forward or
return with notes), the Atasan PPID approves (PP 61/2010 Pasal 3 ayat (2)); a refusal by the Atasan is final
(`refused`: the classification is not approved, the information is not excepted; a new test may be started).
Each step is a task with its SLA and reminders, written by the recording activity.

On approval the entry is in force. With a period ending on a date, the PPID gets the determination task
before the Pasal 11 date (30 working days before the end), with reminders; `open` opens the entry at once,
`retest` records that a new test runs (the API starts it; its approval supersedes this entry and signals
`entry_closed` here). Nobody deciding: the entry opens by itself when the period ends (Pasal 11 ayat (2)). An
entry opened elsewhere (an Atasan's answer, a KI decision) signals `entry_closed`; each alarm also reads the
entry's state, so a lost signal only delays the end of this workflow. A period stated as a condition has no
clock: the workflow waits for the determination alone."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from domain.consequence_contracts import (
        ConsequenceTestStart,
        StepCommand,
        StepResult,
        TestEvent,
        TestRecorded,
    )
    from domain.contracts import Alarm
    from workflows.common import conflict

RECORD = "record_consequence_test_event"
DB_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))
# Alarms that still matter when their moment has passed (an entry approved close to its end).
KEEP_WHEN_PAST = {"determination_open", "expiry"}
DECIDED = {"approved", "refused"}


@workflow.defn(name="ConsequenceTestWorkflow")
class ConsequenceTestWorkflow:
    @workflow.init
    def __init__(self, start: ConsequenceTestStart) -> None:
        self.start = start
        self.status = "submitted"
        self.round = 1
        self.alarms: list[Alarm] = []
        self.fired: set[str] = set()
        self.changed = False
        self.lock = asyncio.Lock()
        self.entry_id: str | None = None
        self.number: str | None = None
        self.entry_closed = False
        self.determined: str | None = None  # open | retest

    @workflow.run
    async def run(self, start: ConsequenceTestStart) -> str:
        await self._record("submitted")
        while not self._finished():
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
        return self.status

    def _finished(self) -> bool:
        if self.status == "refused":
            return True
        if self.status == "approved":
            return self.entry_id is None or self.entry_closed
        return False

    def _next_alarm(self) -> Alarm | None:
        pending = [a for a in self.alarms if a.kind not in self.fired]
        if self.determined is not None:  # decided: only the end of the period is still awaited
            pending = [a for a in pending if a.kind == "expiry"]
        return min(pending, key=lambda a: a.at, default=None)

    async def _fire(self, alarm: Alarm) -> None:
        self.fired.add(alarm.kind)
        recorded = await self._record(alarm.kind, keep_alarms=True)
        if self.status == "approved" and not recorded.entry_in_force:
            self.entry_closed = True  # opened or superseded meanwhile, or opened now by the end of the period

    async def _record(
        self, event: str, *, actor: str | None = None, data: dict[str, object] | None = None,
        keep_alarms: bool = False,
    ) -> TestRecorded:  # fmt: skip
        recorded: TestRecorded = await workflow.execute_activity(
            RECORD,
            TestEvent(
                test_id=self.start.test_id, event=event, at=workflow.now(), actor=actor, round=self.round,
                data=data or {},
            ),
            result_type=TestRecorded,
            start_to_close_timeout=timedelta(seconds=60),
            retry_policy=DB_RETRY,
        )  # fmt: skip
        if not keep_alarms:
            now = workflow.now()
            self.fired = set()
            self.alarms = [a for a in recorded.alarms if a.at > now or a.kind in KEEP_WHEN_PAST]
        if recorded.entry_id:
            self.entry_id, self.number = recorded.entry_id, recorded.number
        return recorded

    def _result(self) -> StepResult:
        return StepResult(status=self.status, dik_entry_id=self.entry_id, number=self.number)

    # --- the review by the PPID Utama ---------------------------------------------------------------------

    @workflow.update(name="review")
    async def review(self, command: StepCommand) -> StepResult:
        async with self.lock:
            self._check_review(command)
            self.status = "forwarded" if command.action == "forward" else "returned"
            await self._record(self.status, actor=command.actor, data={"note": command.note})
            self.changed = True
            return self._result()

    @review.validator
    def _validate_review(self, command: StepCommand) -> None:
        self._check_review(command)

    def _check_review(self, command: StepCommand) -> None:
        if command.action not in ("forward", "return"):
            raise conflict("Telaah harus 'forward' (teruskan) atau 'return' (kembalikan).")
        if self.status in DECIDED:
            raise conflict("Uji konsekuensi ini sudah diputuskan Atasan PPID.")
        if self.status != "submitted":
            raise conflict(
                f"Uji konsekuensi berstatus '{self.status}' tidak sedang menunggu telaah PPID Utama."
            )
        if command.actor_role != "utama":
            raise conflict("Telaah uji konsekuensi dilakukan oleh PPID Utama badan publik ini.")
        if command.action == "return" and not (command.note or "").strip():
            raise conflict("Pengembalian wajib disertai catatan perbaikan.")

    # --- the drafter's corrections ------------------------------------------------------------------------

    @workflow.update(name="resubmit")
    async def resubmit(self, command: StepCommand) -> StepResult:
        async with self.lock:
            self._check_resubmit(command)
            self.round += 1
            self.status = "submitted"
            await self._record(
                "resubmitted", actor=command.actor, data={"note": command.note, "changes": command.changes}
            )
            self.changed = True
            return self._result()

    @resubmit.validator
    def _validate_resubmit(self, command: StepCommand) -> None:
        self._check_resubmit(command)

    def _check_resubmit(self, command: StepCommand) -> None:
        if self.status in DECIDED:
            raise conflict("Uji konsekuensi ini sudah diputuskan Atasan PPID.")
        if self.status != "returned":
            raise conflict("Hanya uji konsekuensi yang dikembalikan PPID Utama yang dapat diajukan kembali.")
        if command.actor_role not in ("utama", "pelaksana"):
            raise conflict("Perbaikan uji konsekuensi diajukan oleh PPID yang menyusunnya.")

    # --- the approval by the Atasan PPID (PP 61/2010 Pasal 3 ayat (2)) -----------------------------------

    @workflow.update(name="approval")
    async def approval(self, command: StepCommand) -> StepResult:
        async with self.lock:
            self._check_approval(command)
            if command.action == "approve":
                self.status = "approved"
                await self._record("approved", actor=command.actor, data={"note": command.note})
                if self.start.renews_workflow_id:
                    # The new classification replaces the old one (Pasal 10): the old entry's clock stops.
                    old = workflow.get_external_workflow_handle(self.start.renews_workflow_id)
                    try:
                        await old.signal("entry_closed")
                    except Exception:  # the old workflow has ended (its entry opened meanwhile)
                        workflow.logger.info("the renewed entry's workflow has ended")
            else:
                self.status = "refused"
                await self._record("refused", actor=command.actor, data={"note": command.note})
            self.changed = True
            return self._result()

    @approval.validator
    def _validate_approval(self, command: StepCommand) -> None:
        self._check_approval(command)

    def _check_approval(self, command: StepCommand) -> None:
        if command.action not in ("approve", "refuse"):
            raise conflict("Keputusan harus menyetujui atau tidak menyetujui.")
        if self.status in DECIDED:
            raise conflict("Uji konsekuensi ini sudah diputuskan Atasan PPID.")
        if self.status != "forwarded":
            raise conflict("Uji konsekuensi ini belum diteruskan PPID Utama kepada Atasan PPID.")
        if command.actor_role != "atasan":
            raise conflict(
                "Pengesahan uji konsekuensi dilakukan oleh Atasan PPID badan publik ini "
                "(PP No. 61 Tahun 2010 Pasal 3 ayat (2))."
            )
        if command.action == "refuse" and not (command.note or "").strip():
            raise conflict("Penolakan pengesahan wajib disertai alasan.")

    # --- the determination before the period ends (PP 61/2010 Pasal 11) ---------------------------------

    @workflow.update(name="determination")
    async def determination(self, command: StepCommand) -> StepResult:
        async with self.lock:
            self._check_determination(command)
            self.determined = command.action
            event = "determined_open" if command.action == "open" else "determined_retest"
            recorded = await self._record(
                event, actor=command.actor, data={"note": command.note}, keep_alarms=True
            )
            if not recorded.entry_in_force:
                self.entry_closed = True
            self.changed = True
            return self._result()

    @determination.validator
    def _validate_determination(self, command: StepCommand) -> None:
        self._check_determination(command)

    def _check_determination(self, command: StepCommand) -> None:
        if command.action not in ("open", "retest"):
            raise conflict("Penetapan harus 'open' (dibuka) atau 'retest' (uji konsekuensi ulang).")
        if self.status != "approved" or self.entry_id is None or self.entry_closed:
            raise conflict("Entri DIK ini tidak sedang berlaku.")
        if self.determined == "retest" and command.action == "retest":
            raise conflict("Uji konsekuensi ulang atas entri ini sudah dimulai.")
        if command.actor_role not in ("utama", "pelaksana"):
            raise conflict(
                "Penetapan pembukaan informasi dilakukan oleh PPID (PP No. 61 Tahun 2010 Pasal 11)."
            )

    @workflow.signal(name="entry_closed")
    def entry_closed_signal(self) -> None:
        """The entry was opened (an Atasan's answer, a KI decision) or superseded by a new test."""
        self.entry_closed = True
        self.changed = True

    @workflow.query(name="state")
    def state(self) -> StepResult:
        return self._result()
