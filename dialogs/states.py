"""Case states and the transitions the lifecycle allows (see DESIGN.md, "The lifecycle of a case")."""

from __future__ import annotations

from enum import StrEnum


class CaseState(StrEnum):
    ACTIVE = "active"
    PROMISED = "promised"
    IN_PLAN = "in_plan"
    DISPUTED = "disputed"
    PAUSED = "paused"
    NOTICE_PENDING = "notice_pending"
    NOTICE_SENT = "notice_sent"
    AMICABLE_FAILED = "amicable_failed"
    CLOSED = "closed"


_S = CaseState

# Every state may close: the balance reaching zero, or the owner writing the case off or handing
# it over. Nothing leaves CLOSED: a debtor's new debt opens a new case.
ALLOWED: dict[CaseState, frozenset[CaseState]] = {
    _S.ACTIVE: frozenset({_S.PROMISED, _S.IN_PLAN, _S.DISPUTED, _S.PAUSED, _S.NOTICE_PENDING, _S.CLOSED}),
    _S.PROMISED: frozenset({_S.ACTIVE, _S.IN_PLAN, _S.DISPUTED, _S.PAUSED, _S.NOTICE_PENDING, _S.CLOSED}),
    _S.IN_PLAN: frozenset({_S.ACTIVE, _S.DISPUTED, _S.PAUSED, _S.NOTICE_PENDING, _S.CLOSED}),
    _S.DISPUTED: frozenset({_S.ACTIVE, _S.PAUSED, _S.CLOSED}),
    _S.PAUSED: frozenset({_S.ACTIVE, _S.CLOSED}),
    _S.NOTICE_PENDING: frozenset({_S.NOTICE_SENT, _S.ACTIVE, _S.PAUSED, _S.CLOSED}),
    # A debtor may still settle after the notice: promise, plan or dispute it.
    _S.NOTICE_SENT: frozenset({_S.AMICABLE_FAILED, _S.PROMISED, _S.IN_PLAN, _S.DISPUTED, _S.CLOSED}),
    _S.AMICABLE_FAILED: frozenset({_S.CLOSED}),
    _S.CLOSED: frozenset(),
}

OPEN_STATES: frozenset[CaseState] = frozenset(s for s in CaseState if s is not CaseState.CLOSED)


class TransitionError(ValueError):
    """A change of state the lifecycle does not allow; the caller's decision is wrong, not the data."""

    def __init__(self, current: CaseState, target: CaseState) -> None:
        super().__init__(f"the case is already {current}" if current is target
                         else f"a case cannot go from {current} to {target}")
        self.current = current
        self.target = target


def check_transition(current: CaseState, target: CaseState) -> None:
    """Raise TransitionError unless the lifecycle allows going from `current` to `target`."""
    if target not in ALLOWED[current]:
        raise TransitionError(current, target)
