"""The escalation ladder and the decision, for one case on one day, of what it warrants.

Pure: facts and `today` in, a decision out. *When* a decided message may leave (sending window,
holidays, gap since the last contact) is the business calendar's answer, in `scheduler/`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from dialogs.parties import Channel
from dialogs.reminders import ReminderStep
from dialogs.states import CaseState


class StepAction(StrEnum):
    REMIND = "remind"
    FLAG_FORMAL_NOTICE = "flag_formal_notice"


@dataclass(frozen=True, slots=True)
class LadderStep:
    name: str
    offset_days: int  # from the oldest open due date of the case; negative = before it
    channels: tuple[Channel, ...]  # in order of preference
    action: StepAction
    wording: ReminderStep


@dataclass(frozen=True, slots=True)
class Ladder:
    name: str
    steps: tuple[LadderStep, ...]  # by increasing offset

    def index(self, step_name: str | None) -> int:
        """Position of `step_name` (-1 before the first step; an unknown name counts as done with all)."""
        if step_name is None:
            return -1
        names = [s.name for s in self.steps]
        return names.index(step_name) if step_name in names else len(names)

    def due_on(self, step: LadderStep, oldest_due: date) -> date:
        return oldest_due + timedelta(days=step.offset_days)


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """What the decision needs to know about a case, read just before deciding."""

    case_id: int
    state: CaseState
    last_step: str | None
    oldest_due: date | None  # of the open, undisputed invoices; None if there are none
    total_due: Decimal  # what remains on them, credits deducted
    paused: bool  # the owner paused or excluded this debtor
    promise_until: date | None  # a pending promise's date + grace, if any
    plan_on_time: bool  # an active payment plan whose installments are paid on time
    channels: tuple[Channel, ...]  # reachable channels in the debtor's order (opt-outs removed)
    notice_deadline: date | None = None  # the last day a formal notice gave to pay


@dataclass(frozen=True, slots=True)
class Wait:
    """Nothing to do today; look again on `until` (None: only when something about the case changes)."""

    reason: str
    until: date | None = None


@dataclass(frozen=True, slots=True)
class Act:
    """The ladder's most advanced step due today; the ones before it that never went are skipped."""

    step: LadderStep
    skipped: tuple[LadderStep, ...]
    channels: tuple[Channel, ...]  # where this step may go, in order; empty: nobody can be reached


@dataclass(frozen=True, slots=True)
class PromiseLapsed:
    """The promised date (plus grace) has passed with money still due: back to the ladder."""

    promised_until: date


@dataclass(frozen=True, slots=True)
class NoticeExpired:
    """The formal notice's deadline has passed with money still due: the amicable phase has failed."""

    deadline: date


Decision = Wait | Act | PromiseLapsed | NoticeExpired


def decide(facts: CaseFacts, ladder: Ladder, *, today: date, min_balance: Decimal) -> Decision:
    """What `facts` warrant on `today` (a day on the firm's calendar)."""
    if facts.state is CaseState.PROMISED:
        if facts.promise_until is not None and today <= facts.promise_until:
            return Wait("promise pending", facts.promise_until + timedelta(days=1))
        return PromiseLapsed(facts.promise_until or today)
    if facts.state is CaseState.NOTICE_SENT and facts.notice_deadline is not None:
        if today <= facts.notice_deadline:
            return Wait("formal notice deadline running", facts.notice_deadline + timedelta(days=1))
        return NoticeExpired(facts.notice_deadline)
    if facts.state is CaseState.IN_PLAN and facts.plan_on_time:
        return Wait("payment plan on time")
    if facts.state not in (CaseState.ACTIVE, CaseState.IN_PLAN):
        return Wait(f"case is {facts.state}")
    if facts.paused:
        return Wait("debtor paused by the owner")
    if facts.oldest_due is None or facts.total_due <= 0:
        return Wait("nothing undisputed is due")
    if facts.total_due < min_balance:
        return Wait(f"balance under the minimum of {min_balance}")
    done = ladder.index(facts.last_step)
    pending = ladder.steps[done + 1 :]
    due = [s for s in pending if ladder.due_on(s, facts.oldest_due) <= today]
    if not due:
        return Wait("next step not yet due", ladder.due_on(pending[0], facts.oldest_due) if pending else None)
    step = due[-1]
    if step.action is StepAction.FLAG_FORMAL_NOTICE and facts.last_step is None:
        # Never a formal notice to a debtor who was never reminded (a late import): the last
        # reminder goes first, and the flag follows once the gap between contacts has passed.
        reminders = [s for s in due if s.action is StepAction.REMIND]
        step = reminders[-1] if reminders else step
        due = due[: due.index(step) + 1]
    channels = tuple(c for c in facts.channels if c in step.channels)
    return Act(step=step, skipped=tuple(due[:-1]), channels=channels)
