"""The consequence test (uji konsekuensi, UU 14/2008 Pasal 19; PP 61/2010 Pasal 3) and, once approved, the
expiry clock of its DIK entry (PP 61/2010 Pasal 11), in one workflow `uji-konsekuensi-<id>`.

submitted → (returned → submitted again)* → forwarded → approved | refused. The PPID Utama reviews (forward or
return with notes), the Atasan PPID approves (PP 61/2010 Pasal 3 ayat (2)); a refusal by the Atasan is final
(`refused`: the classification is not approved, the information is not excepted; a new test may be started).
Each step is a task with its SLA (domain/law.py CONSEQUENCE_TEST_REVIEW_DAYS / APPROVAL_DAYS, unless the body
sets its own) and reminders. The workflow decides every status, task and entry change; the recording activity
writes them, with the timeline and the notices.

On approval the entry is in force. With a period ending on a date, the PPID gets the determination task
before the Pasal 11 date (law.DIK_DETERMINATION_WORKING_DAYS before the end), with reminders; `open` opens
the entry at once, `retest` records that a new test runs (the API starts it; its approval supersedes this
entry and signals `entry_closed` here). Nobody deciding: the entry opens by itself when the period ends
(Pasal 11 ayat (2)). An entry opened elsewhere (an Atasan's answer, a KI decision) signals `entry_closed`;
each alarm also reads the entry's state, so a lost signal only delays the end of this workflow. A period
stated as a condition has no clock: the workflow waits for the determination alone.

A holiday added or cancelled (`calendar_changed`) recomputes the running clocks on the current calendar: the
step's due date and the entry's determination date. A date already told never moves earlier unless an
administrator confirmed it (docs/domain.md "Working days"); the end of the period is a calendar date and
does not move."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.consequence_tests import ConsequenceTestActivities
    from domain import law
    from domain.case_change import TaskToOpen, Transition
    from domain.consequence_contracts import (
        APPROVE_TASK,
        DETERMINATION_TASK,
        REVIEW_TASK,
        REVISE_TASK,
        ClocksMoved,
        ConsequenceTestStart,
        EntryChange,
        StepClock,
        StepCommand,
        StepResult,
        TestClockQuery,
        TestEvent,
        TestRecorded,
    )
    from domain.contracts import Alarm, CalendarChanged
    from domain.enums import Role
    from workflows.common import conflict, db_activity_method

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
        # The running clocks: the current step's (whose working days, when it started, its due date, whether it
        # is reminded) and the entry's determination date.
        self.step_clock: StepClock | None = None
        self.step_remind: StepClock | None = None
        self.step_started: datetime | None = None
        self.step_due: datetime | None = None
        self.determination_due: datetime | None = None
        self.calendar_changes: list[CalendarChanged] = []
        self.calendar_version = 0

    @workflow.run
    async def run(self, start: ConsequenceTestStart) -> str:
        review = self._task(REVIEW_TASK, Role.PPID, f"review:r{self.round}")
        await self._record(
            "submitted", change=Transition(status="submitted", open_tasks=[review]), clock=StepClock.REVIEW,
            remind=StepClock.REVIEW,
        )  # fmt: skip
        while not self._finished():
            while self.calendar_changes:
                change = self.calendar_changes.pop(0)
                async with self.lock:
                    await self._recompute_clocks(change)
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

    def _task(self, kind: str, role: Role, key: str) -> TaskToOpen:
        """A task of the chain, due at the end of the step the same recording starts."""
        return TaskToOpen(kind=kind, role=role.value, key=f"{self.start.test_id}:{key}", due_at_deadline=True)

    async def _fire(self, alarm: Alarm) -> None:
        self.fired.add(alarm.kind)
        change, entry = Transition(), None
        if alarm.kind == "determination_open":  # the PPID must now determine (PP 61/2010 Pasal 11 ayat (1))
            change = Transition(open_tasks=[self._task(DETERMINATION_TASK, Role.PPID, "determination")])
            entry = EntryChange.DETERMINATION_DUE
        elif alarm.kind == "expiry":  # nobody determined: the information opens by itself (ayat (2))
            entry = EntryChange.OPEN_EXPIRED
        recorded = await self._record(alarm.kind, change=change, entry=entry, keep_alarms=True)
        if self.status == "approved" and not recorded.entry_in_force:
            self.entry_closed = True  # opened or superseded meanwhile, or opened now by the end of the period

    async def _record(
        self, event: str, *, actor: str | None = None, note: str | None = None,
        changes: dict[str, object] | None = None, change: Transition | None = None, clock: StepClock | None = None,
        remind: StepClock | None = None, entry: EntryChange | None = None, moved: ClocksMoved | None = None,
        keep_alarms: bool = False,
    ) -> TestRecorded:  # fmt: skip
        if moved is not None:
            remind = (
                self.step_remind
            )  # the alarms re-planned: the current step's reminders, or the entry's clock
        recorded = await db_activity_method(
            ConsequenceTestActivities.record_consequence_test_event,
            TestEvent(
                test_id=self.start.test_id, event=event, at=workflow.now(), actor=actor, round=self.round,
                note=note, changes=changes or {}, change=change or Transition(), clock=clock, remind=remind,
                entry=entry, moved=moved,
            ),
        )  # fmt: skip
        if clock is not None:
            self.step_clock, self.step_remind, self.step_started = clock, remind, workflow.now()
        elif change is not None and change.status in DECIDED:
            self.step_clock, self.step_remind, self.step_started = None, None, None
        self.step_due, self.determination_due = recorded.due_at, recorded.determination_due_at
        now = workflow.now()
        if moved is not None:  # the same clocks at their new moments: an alarm already fired stays fired
            self.alarms = [a for a in recorded.alarms if a.at > now or a.kind in KEEP_WHEN_PAST]
        elif not keep_alarms:
            self.fired = set()
            self.alarms = [a for a in recorded.alarms if a.at > now or a.kind in KEEP_WHEN_PAST]
        if recorded.entry_id:
            self.entry_id, self.number = recorded.entry_id, recorded.number
        return recorded

    def _result(self) -> StepResult:
        return StepResult(status=self.status, dik_entry_id=self.entry_id, number=self.number)

    # --- calendar changes -----------------------------------------------------------------------------------

    @workflow.signal(name="calendar_changed")
    def calendar_changed(self, change: CalendarChanged) -> None:
        """A holiday was added or cancelled: the running clocks are recomputed on the current calendar."""
        self.calendar_changes.append(change)
        self.changed = True

    async def _recompute_clocks(self, change: CalendarChanged) -> None:
        if change.version <= self.calendar_version:
            return  # signalled again (the change is re-sent until every running case has it): applied already
        self.calendar_version = change.version
        now = workflow.now()
        step = self.step_due if self.step_due is not None and self.step_due > now else None
        entry_running = self.status == "approved" and self.entry_id is not None and not self.entry_closed
        determination = (
            self.determination_due
            if entry_running and self.determined is None and self.determination_due is not None
            and self.determination_due > now
            else None
        )  # fmt: skip
        if step is None and determination is None:
            return  # expired clocks have fired; they are not re-run
        fresh = await db_activity_method(
            ConsequenceTestActivities.plan_consequence_test_clocks,
            TestClockQuery(
                test_id=self.start.test_id, clock=self.step_clock if step else None,
                step_started_at=self.step_started if step else None,
            ),
        )  # fmt: skip
        moved = ClocksMoved(change=change)
        for name, current, new in (
            ("step", step, fresh.step_due_at),
            ("determination", determination, fresh.determination_due_at),
        ):
            if current is None or new is None or new == current:
                continue
            moved.recomputed[name] = new
            if new < current and not change.confirm_earlier:
                moved.kept.append(name)  # a date already told never moves earlier unless confirmed
            elif name == "step":
                moved.step_due_at = new
            else:
                moved.determination_due_at = new
        if moved.recomputed:
            await self._record(f"deadline_moved_v{change.version}", moved=moved)

    # --- the review by the PPID Utama ---------------------------------------------------------------------

    @workflow.update(name="review")
    async def review(self, command: StepCommand) -> StepResult:
        async with self.lock:
            self._check_review(command)
            if command.action == "forward":  # to the Atasan PPID for approval (PP 61/2010 Pasal 3 ayat (2))
                self.status = "forwarded"
                approve = self._task(APPROVE_TASK, Role.ATASAN_PPID, "approve")
                change = Transition(status=self.status, close_task_kinds=[REVIEW_TASK], open_tasks=[approve])
                clock = remind = StepClock.APPROVAL
            else:  # back to the drafter, due within the review's working days, without reminders
                self.status = "returned"
                revise = self._task(REVISE_TASK, Role.PPID, f"revise:r{self.round}")
                change = Transition(status=self.status, close_task_kinds=[REVIEW_TASK], open_tasks=[revise])
                clock, remind = StepClock.REVIEW, None
            await self._record(
                self.status, actor=command.actor, note=command.note, change=change, clock=clock, remind=remind
            )
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
            review = self._task(REVIEW_TASK, Role.PPID, f"review:r{self.round}")
            change = Transition(status=self.status, close_task_kinds=[REVISE_TASK], open_tasks=[review])
            await self._record(
                "resubmitted", actor=command.actor, note=command.note, changes=command.changes, change=change,
                clock=StepClock.REVIEW, remind=StepClock.REVIEW,
            )  # fmt: skip
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
                change = Transition(status=self.status, close_task_kinds=[APPROVE_TASK])
                await self._record(
                    "approved",
                    actor=command.actor,
                    note=command.note,
                    change=change,
                    entry=EntryChange.CREATE,
                )
                if self.start.renews_workflow_id:
                    # The new classification replaces the old one (Pasal 10): the old entry's clock stops.
                    old = workflow.get_external_workflow_handle(self.start.renews_workflow_id)
                    try:
                        await old.signal(ConsequenceTestWorkflow.entry_closed_signal)
                    except Exception:  # the old workflow has ended (its entry opened meanwhile)
                        workflow.logger.info("the renewed entry's workflow has ended")
            else:
                self.status = "refused"
                change = Transition(status=self.status, close_task_kinds=[APPROVE_TASK])
                await self._record("refused", actor=command.actor, note=command.note, change=change)
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
                f"({law.CONSEQUENCE_TEST_APPROVAL_ARTICLE})."
            )
        if command.action == "refuse" and not (command.note or "").strip():
            raise conflict("Penolakan pengesahan wajib disertai alasan.")

    # --- the determination before the period ends (PP 61/2010 Pasal 11) ---------------------------------

    @workflow.update(name="determination")
    async def determination(self, command: StepCommand) -> StepResult:
        async with self.lock:
            self._check_determination(command)
            self.determined = command.action
            if command.action == "open":  # the information opens now (Pasal 11 ayat (1)); its task is done
                event, entry, change = "determined_open", EntryChange.OPEN_DETERMINED, Transition()
            else:  # a new test runs (Pasal 10); only the end of the period is still awaited here
                event, entry = "determined_retest", EntryChange.RETEST
                change = Transition(close_task_kinds=[DETERMINATION_TASK])
            recorded = await self._record(
                event, actor=command.actor, note=command.note, change=change, entry=entry, keep_alarms=True
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
                f"Penetapan pembukaan informasi dilakukan oleh PPID ({law.DIK_DETERMINATION_ARTICLE})."
            )

    @workflow.signal(name="entry_closed")
    def entry_closed_signal(self) -> None:
        """The entry was opened (an Atasan's answer, a KI decision) or superseded by a new test."""
        self.entry_closed = True
        self.changed = True

    @workflow.query(name="calendar_version")
    def applied_calendar_version(self) -> int:
        """The last calendar change this workflow applied."""
        return self.calendar_version

    @workflow.query(name="state")
    def state(self) -> StepResult:
        return self._result()
