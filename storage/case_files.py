"""What the sweep and the dispatcher read about the cases they act on, in a few queries per batch."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, func, type_coerce
from sqlmodel import Session, col, select

from dialogs.money import from_cents
from dialogs.states import CaseState
from storage.debtor_cases import chunks
from storage.models import Case, Debtor, Invoice, Notice, PaymentPlan, PlanStatus, Promise, PromiseStatus


@dataclass(frozen=True, slots=True)
class CaseFile:
    case: Case
    debtor: Debtor
    invoices: tuple[Invoice, ...]  # open (something remains, either way) and not disputed
    promised_on: date | None  # the latest pending promise's date
    plan_active: bool
    notice_deadline: date | None = None  # the latest formal notice's


@dataclass(frozen=True, slots=True)
class CaseStanding:
    """What stop-before-you-speak needs of a case, read without loading its invoices."""

    case: Case
    debtor: Debtor
    owed: dict[str, Decimal]  # per currency: what remains on open, undisputed invoices
    plan_active: bool

    @property
    def total_due(self) -> Decimal:
        return sum(self.owed.values(), Decimal("0.00"))


def due_case_ids(session: Session, now: datetime, limit: int) -> list[int]:
    """Open cases whose next action time has come, oldest first (the index on next_action_at serves it)."""
    query = (select(Case.id).where(col(Case.next_action_at) <= now, Case.state != CaseState.CLOSED)
             .order_by(col(Case.next_action_at), col(Case.id)).limit(limit))
    return list(session.exec(query))


def load_case_files(session: Session, case_ids: Sequence[int]) -> list[CaseFile]:
    files: list[CaseFile] = []
    for part in chunks(list(case_ids)):
        cases, debtors = _cases_and_debtors(session, part)
        invoices: dict[int, list[Invoice]] = defaultdict(list)
        query = select(Invoice).where(col(Invoice.case_id).in_(part), Invoice.amount != Invoice.paid,
                                      Invoice.disputed == False)  # noqa: E712 (SQL, not Python)
        for invoice in session.exec(query):
            invoices[invoice.case_id].append(invoice)  # type: ignore[index]
        promises: dict[int, date] = {}
        pending = select(Promise.case_id, Promise.promised_on).where(
            col(Promise.case_id).in_(part), Promise.status == PromiseStatus.PENDING)
        for case_id, promised_on in session.exec(pending):
            promises[case_id] = max(promised_on, promises.get(case_id, promised_on))
        plans = _active_plans(session, part)
        deadlines = dict(session.exec(select(Notice.case_id, func.max(Notice.deadline))
                                      .where(col(Notice.case_id).in_(part)).group_by(col(Notice.case_id))).all())
        for case_id in part:
            case = cases.get(case_id)
            if case is not None:
                files.append(CaseFile(case, debtors[case.debtor_id], tuple(invoices[case_id]),
                                      promises.get(case_id), case_id in plans, deadlines.get(case_id)))
    return files


def load_standings(session: Session, case_ids: Sequence[int]) -> dict[int, CaseStanding]:
    """The standing of each case, its balances summed by the database: a dispatch batch reads
    three rows per case, not every invoice."""
    standings: dict[int, CaseStanding] = {}
    # Cents, summed as integers; the Money type converts single values, not sums.
    remaining = func.sum(type_coerce(Invoice.amount, BigInteger) - type_coerce(Invoice.paid, BigInteger))
    for part in chunks(list(case_ids)):
        cases, debtors = _cases_and_debtors(session, part)
        owed: dict[int, dict[str, Decimal]] = defaultdict(dict)
        sums = (select(Invoice.case_id, Invoice.currency, remaining)
                .where(col(Invoice.case_id).in_(part), Invoice.amount != Invoice.paid,
                       Invoice.disputed == False)  # noqa: E712 (SQL, not Python)
                .group_by(col(Invoice.case_id), col(Invoice.currency)))
        for case_id, currency, cents in session.exec(sums):
            owed[case_id][currency] = from_cents(int(cents))
        plans = _active_plans(session, part)
        for case in cases.values():
            standings[case.id] = CaseStanding(case, debtors[case.debtor_id], owed[case.id],  # type: ignore[index]
                                              case.id in plans)
    return standings


def _cases_and_debtors(session: Session, case_ids: Sequence[int]) -> tuple[dict[int, Case], dict[int, Debtor]]:
    cases = {c.id: c for c in session.exec(select(Case).where(col(Case.id).in_(case_ids)))}
    debtor_ids = {c.debtor_id for c in cases.values()}
    debtors = {d.id: d for d in session.exec(select(Debtor).where(col(Debtor.id).in_(debtor_ids)))}
    return cases, debtors  # type: ignore[return-value]


def _active_plans(session: Session, case_ids: Sequence[int]) -> set[int]:
    return set(session.exec(select(PaymentPlan.case_id).where(
        col(PaymentPlan.case_id).in_(case_ids), PaymentPlan.status == PlanStatus.ACTIVE)))


def total_due(invoices: Sequence[Invoice]) -> Decimal:
    return sum((i.balance for i in invoices), Decimal("0.00"))
