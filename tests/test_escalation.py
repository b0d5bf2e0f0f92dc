"""The ladder's decision for one case on one day: which step, which ones skipped, or why nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from bot.assembly import ladder
from bot.config import PolicyConfig
from dialogs.escalation import Act, CaseFacts, NoticeExpired, PromiseLapsed, StepAction, Wait, decide
from dialogs.parties import Channel
from dialogs.states import CaseState

LADDER = ladder("default", PolicyConfig().steps)
DUE = date(2026, 12, 1)
FACTS = CaseFacts(case_id=1, state=CaseState.ACTIVE, last_step=None, oldest_due=DUE, total_due=Decimal("1450.00"),
                  paused=False, promise_until=None, plan_on_time=False, channels=(Channel.EMAIL, Channel.TELEGRAM))
MIN = Decimal("5.00")


def at(day: date, **changes) -> object:
    return decide(replace(FACTS, **changes), LADDER, today=day, min_balance=MIN)


@pytest.mark.parametrize(("today", "step"), [
    (date(2026, 11, 28), "courtesy"),      # J-3
    (date(2026, 12, 2), "reminder_1"),      # J+1
    (date(2026, 12, 9), "reminder_2"),      # J+8
    (date(2026, 12, 16), "reminder_3"),     # J+15
    (date(2026, 12, 31), "last_reminder"),  # J+30
    (date(2027, 1, 15), "formal_notice"),   # J+45
])
def test_each_step_falls_due_at_its_offset_from_the_oldest_due_date(today, step):
    previous = [s.name for s in LADDER.steps][[s.name for s in LADDER.steps].index(step) - 1] if step != "courtesy" else None

    decision = at(today, last_step=previous)

    assert isinstance(decision, Act) and decision.step.name == step and decision.skipped == ()


def test_before_the_courtesy_notice_nothing_is_due_and_the_next_look_is_on_its_day():
    assert at(date(2026, 11, 20)) == Wait("next step not yet due", date(2026, 11, 28))


def test_when_several_steps_are_due_only_the_most_advanced_goes_and_the_others_are_skipped():
    decision = at(date(2026, 12, 20))

    assert isinstance(decision, Act)
    assert decision.step.name == "reminder_3"
    assert [s.name for s in decision.skipped] == ["courtesy", "reminder_1", "reminder_2"]


def test_a_step_already_done_is_never_decided_again():
    assert at(date(2026, 12, 20), last_step="reminder_3") == Wait("next step not yet due", date(2026, 12, 31))


def test_the_formal_notice_step_flags_rather_than_reminds():
    decision = at(date(2027, 2, 1), last_step="last_reminder")

    assert isinstance(decision, Act) and decision.step.action is StepAction.FLAG_FORMAL_NOTICE


@pytest.mark.parametrize(("changes", "reason"), [
    ({"state": CaseState.DISPUTED}, "case is disputed"),
    ({"state": CaseState.PAUSED}, "case is paused"),
    ({"state": CaseState.NOTICE_PENDING}, "case is notice_pending"),
    ({"paused": True}, "debtor paused by the owner"),
    ({"oldest_due": None, "total_due": Decimal("0.00")}, "nothing undisputed is due"),
    ({"total_due": Decimal("-20.00")}, "nothing undisputed is due"),
    ({"total_due": Decimal("4.99")}, "balance under the minimum of 5.00"),
    ({"state": CaseState.IN_PLAN, "plan_on_time": True}, "payment plan on time"),
])
def test_stop_rules_hold_every_reminder(changes, reason):
    decision = at(date(2026, 12, 20), **changes)

    assert isinstance(decision, Wait) and decision.reason == reason


def test_a_pending_promise_waits_until_the_day_after_its_grace_then_lapses():
    assert at(date(2026, 12, 20), state=CaseState.PROMISED, promise_until=date(2026, 12, 22)) == Wait(
        "promise pending", date(2026, 12, 23))
    assert at(date(2026, 12, 23), state=CaseState.PROMISED, promise_until=date(2026, 12, 22)) == PromiseLapsed(
        date(2026, 12, 22))


def test_the_channels_are_the_debtors_reachable_ones_that_the_step_allows_in_the_debtors_order():
    decision = at(date(2026, 12, 2), channels=(Channel.TELEGRAM, Channel.EMAIL))

    assert isinstance(decision, Act) and decision.channels == (Channel.TELEGRAM, Channel.EMAIL)
    unreachable = at(date(2026, 12, 2), channels=())
    assert isinstance(unreachable, Act) and unreachable.channels == ()


def test_a_debtor_never_reminded_gets_the_last_reminder_before_any_formal_notice():
    decision = at(date(2027, 3, 1))

    assert isinstance(decision, Act) and decision.step.name == "last_reminder"
    assert [s.name for s in decision.skipped] == ["courtesy", "reminder_1", "reminder_2", "reminder_3"]
    flagged = at(date(2027, 3, 5), last_step="last_reminder")
    assert isinstance(flagged, Act) and flagged.step.action is StepAction.FLAG_FORMAL_NOTICE


def test_a_formal_notice_waits_for_its_deadline_then_the_amicable_phase_has_failed() -> None:
    sent = replace(FACTS, state=CaseState.NOTICE_SENT, last_step="flag_formal_notice",
                   notice_deadline=date(2027, 1, 20))
    assert decide(sent, LADDER, today=date(2027, 1, 20), min_balance=MIN) == Wait(
        "formal notice deadline running", date(2027, 1, 21))
    assert decide(sent, LADDER, today=date(2027, 1, 21), min_balance=MIN) == NoticeExpired(date(2027, 1, 20))
