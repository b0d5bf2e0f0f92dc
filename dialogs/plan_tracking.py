"""Following an accepted payment plan: which installments are paid, what to send, when it breaks.

Money paid on the case since the plan was accepted settles its installments in order; an
installment is reminded two days before its date (J-2) and the day after if unpaid (J+1), and one
still unpaid `grace_days` after its date breaks the plan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

BEFORE_DAYS = 2
AFTER_DAYS = 1


@dataclass(frozen=True, slots=True)
class Due:
    seq: int
    due_on: date
    amount: Decimal


@dataclass(frozen=True, slots=True)
class PlanReminder:
    """Remind installment `seq`: "due" before its date, "late" after it."""

    seq: int
    kind: str
    due_on: date
    owed: Decimal


@dataclass(frozen=True, slots=True)
class PlanBroken:
    seq: int
    due_on: date
    owed: Decimal


@dataclass(frozen=True, slots=True)
class PlanCompleted:
    pass


@dataclass(frozen=True, slots=True)
class PlanWait:
    until: date | None


PlanDecision = PlanReminder | PlanBroken | PlanCompleted | PlanWait


def settle(installments: Sequence[Due], paid: Decimal) -> list[Decimal]:
    """What each installment has received of `paid`, in order of their dates."""
    left, received = paid, []
    for item in sorted(installments, key=lambda i: i.seq):
        part = min(max(left, Decimal("0.00")), item.amount)
        received.append(part)
        left -= part
    return received


def follow(installments: Sequence[Due], paid: Decimal, *, today: date, grace_days: int,
           reminded: frozenset[tuple[int, str]]) -> PlanDecision:
    """What the plan needs on `today`; `reminded` holds the (seq, kind) reminders already queued."""
    ordered = sorted(installments, key=lambda i: i.seq)
    received = settle(ordered, paid)
    open_items = [(item, item.amount - got) for item, got in zip(ordered, received, strict=True) if got < item.amount]
    if not open_items:
        return PlanCompleted()
    item, owed = open_items[0]
    if today > item.due_on + timedelta(days=grace_days):
        return PlanBroken(item.seq, item.due_on, owed)
    before = item.due_on - timedelta(days=BEFORE_DAYS)
    after = item.due_on + timedelta(days=AFTER_DAYS)
    kind = "late" if today >= after else "due" if today >= before else None
    if kind is not None and (item.seq, kind) not in reminded:
        return PlanReminder(item.seq, kind, item.due_on, owed)
    for moment in (before, after, item.due_on + timedelta(days=grace_days + 1)):
        if moment > today:
            return PlanWait(moment)
    return PlanWait(None)
