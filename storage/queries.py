"""Read-only questions the views ask: the case list, one case's file, the aging report.

Money is summed in SQL per currency (amounts in different currencies are never added); what the
numbers mean (buckets, days overdue, DSO) is decided in Python by `dialogs.aging`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, func, or_
from sqlalchemy import case as sql_case
from sqlmodel import Session, col, select

from dialogs.aging import Bucket, bucket, days_overdue, dso
from dialogs.states import CaseState
from storage.models import Case, Debtor, Event, Invoice, Message, MessageStatus, Payment, Reply
from storage.types import Money

DSO_PERIOD_DAYS = 90
ZERO = Decimal("0.00")

_remaining = col(Invoice.amount) - col(Invoice.paid)
_open_remaining = func.sum(_remaining, type_=Money)
# An invoice still owed (not a credit note, not settled): what "oldest due date" looks at.
_oldest_owed_due = func.min(sql_case((col(Invoice.amount) > col(Invoice.paid), col(Invoice.due_date))), type_=Date)


@dataclass(frozen=True, slots=True)
class CaseSummary:
    """One line of `relance cases`: a case's open balance in one currency."""

    id: int
    debtor_ref: str
    debtor_name: str
    state: CaseState
    next_action_at: datetime | None
    currency: str | None  # None only for a case without any invoice
    balance: Decimal
    oldest_due_date: date | None
    days_overdue: int


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    number: str
    issue_date: date | None
    due_date: date
    currency: str
    amount: Decimal
    paid: Decimal
    remaining: Decimal
    days_overdue: int  # 0 once nothing remains owed on it
    disputed: bool


@dataclass(frozen=True, slots=True)
class PaymentLine:
    paid_on: date
    invoice_number: str
    currency: str
    amount: Decimal
    reference: str
    source: str


@dataclass(frozen=True, slots=True)
class EventLine:
    id: int
    at: datetime
    kind: str
    actor: str
    from_state: CaseState | None
    to_state: CaseState | None
    data: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class CaseDetail:
    """A case's file: who owes, what, what was paid, and everything that happened, in order."""

    id: int
    state: CaseState
    opened_at: datetime
    closed_at: datetime | None
    next_action_at: datetime | None
    debtor_ref: str
    debtor_name: str
    debtor_email: str | None
    invoices: tuple[InvoiceLine, ...]
    payments: tuple[PaymentLine, ...]
    timeline: tuple[EventLine, ...]

    @property
    def balances(self) -> dict[str, Decimal]:
        """Open balance per currency."""
        totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for line in self.invoices:
            totals[line.currency] += line.remaining
        return dict(totals)


@dataclass(frozen=True, slots=True)
class CurrencyAging:
    """Open receivables of one currency by aging bucket, and the DSO they give."""

    currency: str
    buckets: Mapping[Bucket, Decimal]  # every bucket, zero when empty
    receivables: Decimal
    sales: Decimal  # invoiced (net of credit notes) over the DSO period
    dso: Decimal | None


@dataclass(frozen=True, slots=True)
class StateTotal:
    state: CaseState
    cases: int
    balances: Mapping[str, Decimal]  # open balance per currency


@dataclass(frozen=True, slots=True)
class Report:
    today: date
    dso_period_days: int
    currencies: tuple[CurrencyAging, ...]
    states: tuple[StateTotal, ...]


@dataclass(frozen=True, slots=True)
class ReplyLine:
    message: int
    received_at: datetime
    sender: str | None
    subject: str | None
    status: MessageStatus
    case_id: int | None
    debtor_ref: str | None
    kind: str | None
    intent: str | None
    confidence: float | None
    action: str | None
    reason: str | None
    needs_review: bool
    error: str | None


def replies(session: Session, *, review_only: bool = False, limit: int = 200) -> list[ReplyLine]:
    """Inbound mail, newest first, with what was understood and done; `review_only`: what waits for
    the owner (replies relance would not act on, and messages it could not process)."""
    query = (select(Message, Reply, Debtor.ref).outerjoin(Reply, col(Reply.message_id) == Message.id)
             .outerjoin(Case, col(Case.id) == Message.case_id).outerjoin(Debtor, col(Debtor.id) == Case.debtor_id)
             .where(Message.direction == "in").order_by(col(Message.id).desc()).limit(limit))
    if review_only:
        query = query.where(or_(col(Reply.needs_review) == True, Message.status == MessageStatus.ERROR),  # noqa: E712
                            col(Reply.reviewed_at).is_(None))
    return [ReplyLine(m.id or 0, m.created_at, m.sender, m.subject, m.status, m.case_id, ref,
                      r.kind if r else None, r.intent if r else None, r.confidence if r else None,
                      r.details.get("action") if r else None, r.details.get("reason") if r else None,
                      bool(r and r.needs_review) or m.status is MessageStatus.ERROR, m.error)
            for m, r, ref in session.exec(query)]


def case_summaries(session: Session, *, today: date, include_closed: bool = False) -> list[CaseSummary]:
    """Cases by id, one line per case and currency; open cases only unless `include_closed`."""
    stmt = (
        select(
            Case.id, Debtor.ref, Debtor.name, Case.state, Case.next_action_at,
            Invoice.currency, _open_remaining, _oldest_owed_due,
        )
        .join(Debtor, col(Debtor.id) == col(Case.debtor_id))
        .outerjoin(Invoice, col(Invoice.case_id) == col(Case.id))
        .group_by(col(Case.id), col(Debtor.ref), col(Debtor.name), col(Case.state), col(Case.next_action_at),
                  col(Invoice.currency))
        .order_by(col(Case.id), col(Invoice.currency))
    )
    if not include_closed:
        stmt = stmt.where(col(Case.state) != CaseState.CLOSED)
    return [
        CaseSummary(
            id=case_id, debtor_ref=ref, debtor_name=name, state=state, next_action_at=next_at,
            currency=currency, balance=balance if balance is not None else ZERO, oldest_due_date=oldest,
            days_overdue=days_overdue(oldest, today) if oldest is not None else 0,
        )
        for case_id, ref, name, state, next_at, currency, balance, oldest in session.exec(stmt)
    ]


def find_case(session: Session, key: str) -> Case | None:
    """The case `key` names: a case id, else a debtor ref (that debtor's open case, else its latest)."""
    key = key.strip()
    # A numeric key is read as a case id first: ids are what `relance cases` shows.
    if key.isascii() and key.isdigit():
        found = session.get(Case, int(key))
        if found is not None:
            return found
    cases = session.exec(
        select(Case).join(Debtor, col(Debtor.id) == col(Case.debtor_id)).where(Debtor.ref == key)
    ).all()
    if not cases:
        return None
    open_cases = [c for c in cases if c.state is not CaseState.CLOSED]
    return max(open_cases or cases, key=lambda c: (c.opened_at, c.id or 0))


def case_detail(session: Session, case_id: int, *, today: date) -> CaseDetail | None:
    found = session.exec(
        select(Case, Debtor).join(Debtor, col(Debtor.id) == col(Case.debtor_id)).where(Case.id == case_id)
    ).first()
    if found is None:
        return None
    case, debtor = found
    invoices = session.exec(
        select(Invoice).where(Invoice.case_id == case_id).order_by(col(Invoice.due_date), col(Invoice.number))
    ).all()
    payments = session.exec(
        select(Payment, Invoice.number, Invoice.currency)
        .join(Invoice, col(Invoice.id) == col(Payment.invoice_id))
        .where(Invoice.case_id == case_id)
        .order_by(col(Payment.paid_on), col(Payment.id))
    ).all()
    events = session.exec(select(Event).where(Event.case_id == case_id).order_by(col(Event.at), col(Event.id))).all()
    return CaseDetail(
        id=case_id, state=case.state, opened_at=case.opened_at, closed_at=case.closed_at,
        next_action_at=case.next_action_at, debtor_ref=debtor.ref, debtor_name=debtor.name,
        debtor_email=debtor.email,
        invoices=tuple(_invoice_line(i, today) for i in invoices),
        payments=tuple(
            PaymentLine(paid_on=p.paid_on, invoice_number=number, currency=currency, amount=p.amount,
                        reference=p.reference, source=p.source)
            for p, number, currency in payments
        ),
        timeline=tuple(
            EventLine(id=e.id or 0, at=e.at, kind=e.kind, actor=e.actor, from_state=e.from_state,
                      to_state=e.to_state, data=e.data)
            for e in events
        ),
    )


def _invoice_line(invoice: Invoice, today: date) -> InvoiceLine:
    remaining = invoice.balance
    return InvoiceLine(
        number=invoice.number, issue_date=invoice.issue_date, due_date=invoice.due_date,
        currency=invoice.currency, amount=invoice.amount, paid=invoice.paid, remaining=remaining,
        days_overdue=days_overdue(invoice.due_date, today) if remaining > 0 else 0,
        disputed=invoice.disputed,
    )


def report(session: Session, *, today: date) -> Report:
    """Aging and DSO of open receivables per currency, and case counts and balances per state.

    Open receivables are the remaining amounts of invoices not in a closed case (a closed case's
    remainder was written off or handed over). Credit notes age by their own due date.
    """
    by_due = session.exec(
        select(Invoice.currency, Invoice.due_date, _open_remaining)
        .outerjoin(Case, col(Case.id) == col(Invoice.case_id))
        .where(col(Invoice.amount) != col(Invoice.paid))
        .where(or_(col(Case.id).is_(None), col(Case.state) != CaseState.CLOSED))
        .group_by(col(Invoice.currency), col(Invoice.due_date))
    ).all()
    since = today - timedelta(days=DSO_PERIOD_DAYS)
    sales = dict(
        session.exec(
            select(Invoice.currency, func.sum(col(Invoice.amount), type_=Money))
            .where(col(Invoice.issue_date) > since, col(Invoice.issue_date) <= today)
            .group_by(col(Invoice.currency))
        ).all()
    )
    aging: dict[str, dict[Bucket, Decimal]] = defaultdict(lambda: {b: ZERO for b in Bucket})
    for currency, due, amount in by_due:
        aging[currency][bucket(days_overdue(due, today))] += amount
    currencies = tuple(
        _currency_aging(currency, aging[currency], sales.get(currency, ZERO))
        for currency in sorted(set(aging) | set(sales))
    )
    return Report(today=today, dso_period_days=DSO_PERIOD_DAYS, currencies=currencies, states=_state_totals(session))


def _currency_aging(currency: str, buckets: Mapping[Bucket, Decimal], sales: Decimal) -> CurrencyAging:
    receivables = sum(buckets.values(), ZERO)
    return CurrencyAging(
        currency=currency, buckets=buckets, receivables=receivables, sales=sales,
        dso=dso(receivables, sales, DSO_PERIOD_DAYS),
    )


def _state_totals(session: Session) -> tuple[StateTotal, ...]:
    counts = dict(session.exec(select(Case.state, func.count()).group_by(col(Case.state))).all())
    balances: dict[CaseState, dict[str, Decimal]] = defaultdict(dict)
    for state, currency, amount in session.exec(
        select(Case.state, Invoice.currency, _open_remaining)
        .join(Invoice, col(Invoice.case_id) == col(Case.id))
        .group_by(col(Case.state), col(Invoice.currency))
        .order_by(col(Invoice.currency))
    ):
        balances[state][currency] = amount
    return tuple(StateTotal(state=s, cases=counts[s], balances=balances.get(s, {})) for s in CaseState if s in counts)
