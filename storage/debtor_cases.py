"""Which case an amount belongs to: all of a debtor's open amounts are chased together, in one case."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import and_, bindparam, func, or_, type_coerce, update
from sqlmodel import Session, col, select

from dialogs.states import CaseState
from storage.case_changes import record
from storage.models import Case, Installment, Invoice, PaymentPlan, PlanStatus
from storage.types import Money

T = TypeVar("T")
_CHUNK = 500  # stays far below every database's limit on bound parameters

REMAINING = type_coerce(Invoice.amount - Invoice.paid, Money)


def chunks(items: Sequence[T], size: int = _CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass(frozen=True, slots=True)
class Gathered:
    cases: dict[int, Case]  # the open case of each debtor that has one, by debtor id
    opened: list[Case]


def open_cases(session: Session, debtor_ids: Iterable[int]) -> dict[int, Case]:
    """The open case of each debtor that has one."""
    found: dict[int, Case] = {}
    for part in chunks(sorted(set(debtor_ids))):
        query = select(Case).where(col(Case.debtor_id).in_(part), Case.state != CaseState.CLOSED)
        found.update({case.debtor_id: case for case in session.exec(query)})
    return found


def _loose(debtor_ids: Sequence[int]) -> Any:
    """Invoices of these debtors with something left to settle, in no case or in a closed one."""
    closed = select(Case.id).where(Case.state == CaseState.CLOSED)
    return and_(
        col(Invoice.debtor_id).in_(debtor_ids),
        Invoice.amount != Invoice.paid,
        or_(col(Invoice.case_id).is_(None), col(Invoice.case_id).in_(closed)),
    )


def gather(session: Session, debtor_ids: Iterable[int], *, now: datetime, actor: str,
           source: dict[str, Any]) -> Gathered:
    """Put every open amount of these debtors into the debtor's open case, opening one if they owe.

    An amount left over in a closed case (a credit larger than what it settled, an invoice raised
    after closing) joins the new case too, so the debtor's statement always nets everything.
    A debtor whose loose amounts add up to nothing owed (a lone credit note) gets no case.
    """
    session.flush()
    ids = sorted(set(debtor_ids))
    cases = open_cases(session, ids)
    owed: dict[int, Decimal] = {}
    carried: dict[int, list[str]] = defaultdict(list)
    for part in chunks(ids):
        query = select(Invoice.debtor_id, func.sum(REMAINING)).where(_loose(part)).group_by(Invoice.debtor_id)
        owed.update({debtor: Decimal(total) for debtor, total in session.exec(query)})
        moving = select(Invoice.debtor_id, Invoice.number).where(_loose(part), col(Invoice.case_id).is_not(None))
        for debtor, number in session.exec(moving):
            carried[debtor].append(number)
    opened = [Case(debtor_id=d, state=CaseState.ACTIVE, opened_at=now, updated_at=now)
              for d, total in sorted(owed.items()) if d not in cases and total > 0]
    session.add_all(opened)
    session.flush()
    for case in opened:
        cases[case.debtor_id] = case
        record(session, case, "opened", now=now, actor=actor, data=source)
    targets = [{"debtor": d, "case": cases[d].id} for d in sorted(owed) if d in cases]
    if targets:
        statement = (update(Invoice).where(_loose([bindparam("debtor")])).values(case_id=bindparam("case"))
                     .execution_options(synchronize_session=False))
        session.connection().execute(statement, targets)
        for held in list(session.identity_map.values()):
            if isinstance(held, Invoice):
                session.expire(held, ["case_id"])  # the rows changed under the objects the session holds
    for case in cases.values():
        case.next_action_at = now  # the facts changed: the next sweep decides again
    for debtor, numbers in sorted(carried.items()):
        if debtor in cases:
            record(session, cases[debtor], "invoices_carried_over", now=now, actor=actor,
                   data={"invoices": numbers})
    return Gathered(cases, opened)


def close_settled(session: Session, cases: Iterable[Case], *, now: datetime, actor: str,
                  source: dict[str, Any]) -> list[Case]:
    """Close each of `cases` whose balance is no longer positive; return those closed."""
    session.flush()
    by_id = {case.id: case for case in cases if case.state != CaseState.CLOSED}
    balances: dict[int, Decimal] = defaultdict(Decimal)
    for part in chunks(sorted(by_id)):
        query = select(Invoice.case_id, func.sum(REMAINING)).where(col(Invoice.case_id).in_(part))
        balances.update({case_id: Decimal(total) for case_id, total in session.exec(query.group_by(Invoice.case_id))})
    closed = []
    for case_id, case in sorted(by_id.items()):
        if balances[case_id] <= 0:
            record(session, case, "settled", now=now, actor=actor, to_state=CaseState.CLOSED,
                   data={**source, "balance": balances[case_id]})
            closed.append(case)
    _complete_plans(session, [case.id for case in closed], now)
    return closed


def _complete_plans(session: Session, case_ids: list[int | None], now: datetime) -> None:
    """A settled case's running plan is done: every installment counts as paid."""
    for part in chunks([i for i in case_ids if i is not None]):
        for plan in session.exec(select(PaymentPlan).where(col(PaymentPlan.case_id).in_(part),
                                                           PaymentPlan.status == PlanStatus.ACTIVE)):
            plan.status, plan.ended_at = PlanStatus.COMPLETED, now
            for installment in session.exec(select(Installment).where(Installment.plan_id == plan.id)):
                installment.paid = installment.amount
