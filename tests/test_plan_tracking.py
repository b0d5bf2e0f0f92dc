"""Following a payment plan day by day: settlement in order, J-2 and J+1 reminders, the break."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from dialogs.plan_tracking import Due, PlanBroken, PlanCompleted, PlanReminder, PlanWait, follow, settle

D = Decimal
PLAN = (Due(1, date(2026, 12, 15), D("400.00")), Due(2, date(2027, 1, 15), D("400.00")),
        Due(3, date(2027, 2, 15), D("400.01")))


def test_payments_settle_installments_in_order() -> None:
    assert settle(PLAN, D("650.00")) == [D("400.00"), D("250.00"), D("0.00")]
    assert settle(PLAN, D("0")) == [D("0.00")] * 3


def at(day: date, paid: str = "0", reminded: frozenset = frozenset()) -> object:
    return follow(PLAN, D(paid), today=day, grace_days=5, reminded=reminded)


def test_reminders_two_days_before_and_the_day_after_then_the_break() -> None:
    assert at(date(2026, 12, 12)) == PlanWait(date(2026, 12, 13))
    assert at(date(2026, 12, 13)) == PlanReminder(1, "due", date(2026, 12, 15), D("400.00"))
    assert at(date(2026, 12, 14), reminded=frozenset({(1, "due")})) == PlanWait(date(2026, 12, 16))
    assert at(date(2026, 12, 16), reminded=frozenset({(1, "due")})) == PlanReminder(
        1, "late", date(2026, 12, 15), D("400.00"))
    assert at(date(2026, 12, 20), reminded=frozenset({(1, "due"), (1, "late")})) == PlanWait(date(2026, 12, 21))
    assert at(date(2026, 12, 21), "100", frozenset({(1, "due"), (1, "late")})) == PlanBroken(
        1, date(2026, 12, 15), D("300.00"))


def test_a_paid_installment_moves_on_to_the_next_and_all_paid_completes() -> None:
    assert at(date(2026, 12, 16), "400", frozenset({(1, "due")})) == PlanWait(date(2027, 1, 13))
    assert at(date(2027, 1, 13), "400") == PlanReminder(2, "due", date(2027, 1, 15), D("400.00"))
    assert at(date(2027, 3, 1), "1200.01") == PlanCompleted()
