"""What relance does about an understood reply: act on it, or hand it to the owner.

Acting is reserved for what is clear and harmless to get wrong for a day: a promise with a
plausible date pauses reminders, a payment claim pauses them while the owner checks. Everything
unclear, unmatched or out of bounds goes to the owner's review queue, and nothing else happens.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from dialogs.arrival import ArrivalKind
from dialogs.intents import Intent
from dialogs.states import CaseState
from dialogs.understanding import Understanding


class ReplyAction(StrEnum):
    PROMISE = "promise"
    PAYMENT_CLAIMED = "payment_claimed"
    DISPUTE = "dispute"
    PLAN_REQUEST = "plan_request"
    PLAN_CHOICE = "plan_choice"
    WRONG_CONTACT = "wrong_contact"
    BOUNCE = "bounce"
    AUTO_REPLY = "auto_reply"
    REVIEW = "review"


@dataclass(frozen=True, slots=True)
class ReplyRules:
    min_confidence: float
    promise_grace_days: int
    claim_grace_days: int
    max_promise_days: int


@dataclass(frozen=True, slots=True)
class ReplyDecision:
    action: ReplyAction
    reason: str  # for the timeline and the owner, in plain English
    # The day reminders may resume (promise date + grace, a claim's grace, a return from leave).
    resume_on: date | None = None
    option: int | None = None  # PLAN_CHOICE: the 0-based option of the open offer


# States a debtor's promise may move a case out of (see dialogs/states.py), or renew in.
_PROMISABLE = frozenset({CaseState.ACTIVE, CaseState.PROMISED, CaseState.NOTICE_SENT})
_CLOSED_DOOR = frozenset({CaseState.CLOSED, CaseState.AMICABLE_FAILED})


def decide_reply(understood: Understanding, *, case_state: CaseState | None, today: date,
                 rules: ReplyRules, chosen_option: int | None = None) -> ReplyDecision:
    """The action for `understood`, sent about a case in `case_state` (None: no case matched);
    `chosen_option`: the plan option the reply picks among those the debtor was offered, if any."""
    if understood.kind is ArrivalKind.BOUNCE:
        if not understood.failed_recipient:
            return ReplyDecision(ReplyAction.REVIEW, "a bounce that names no failed address")
        return ReplyDecision(ReplyAction.BOUNCE, f"delivery to {understood.failed_recipient} failed")
    if understood.kind is ArrivalKind.AUTO_REPLY:
        back_on = understood.back_on if understood.back_on and understood.back_on > today else None
        return ReplyDecision(ReplyAction.AUTO_REPLY, "an automatic reply", resume_on=back_on)
    if case_state is None:
        return ReplyDecision(ReplyAction.REVIEW, "no case matches this message")
    if case_state in _CLOSED_DOOR:
        return ReplyDecision(ReplyAction.REVIEW, f"the case is {case_state}")
    if chosen_option is not None:
        return ReplyDecision(ReplyAction.PLAN_CHOICE, f"chose plan option {chosen_option + 1}", option=chosen_option)
    if understood.intent is Intent.OTHER:
        return ReplyDecision(ReplyAction.REVIEW, "no intent recognised")
    if understood.confidence < rules.min_confidence:
        return ReplyDecision(ReplyAction.REVIEW, f"{understood.intent} recognised with confidence "
                                                 f"{understood.confidence:.2f}, under {rules.min_confidence:.2f}")
    return _act(understood, case_state, today, rules)


def _act(understood: Understanding, state: CaseState, today: date, rules: ReplyRules) -> ReplyDecision:
    intent = understood.intent
    if intent is Intent.PROMISE_TO_PAY:
        return _promise(understood.promised_date, state, today, rules)
    if intent is Intent.ALREADY_PAID:
        return ReplyDecision(ReplyAction.PAYMENT_CLAIMED, "the debtor says it is paid",
                             resume_on=today + timedelta(days=rules.claim_grace_days))
    if intent is Intent.DISPUTE:
        return ReplyDecision(ReplyAction.DISPUTE, "the debtor disputes")
    if intent is Intent.PAYMENT_PLAN_REQUEST:
        # Reminders wait while the owner considers the request, as for a payment claim.
        return ReplyDecision(ReplyAction.PLAN_REQUEST, "the debtor asks for a payment plan",
                             resume_on=today + timedelta(days=rules.claim_grace_days))
    if intent is Intent.WRONG_CONTACT:
        return ReplyDecision(ReplyAction.WRONG_CONTACT, "the debtor says this is the wrong contact")
    return ReplyDecision(ReplyAction.REVIEW, f"{intent} is not acted on automatically")


def _promise(promised: date | None, state: CaseState, today: date, rules: ReplyRules) -> ReplyDecision:
    if promised is None:
        return ReplyDecision(ReplyAction.REVIEW, "a promise without a date")
    if promised < today:
        return ReplyDecision(ReplyAction.REVIEW, f"a promise for {promised}, already past")
    if promised > today + timedelta(days=rules.max_promise_days):
        return ReplyDecision(ReplyAction.REVIEW, f"a promise for {promised}, more than "
                                                 f"{rules.max_promise_days} days away")
    if state not in _PROMISABLE:
        return ReplyDecision(ReplyAction.REVIEW, f"a promise while the case is {state}")
    return ReplyDecision(ReplyAction.PROMISE, f"promised for {promised}",
                         resume_on=promised + timedelta(days=rules.promise_grace_days))
