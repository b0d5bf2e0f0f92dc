"""What the sweep and the dispatcher read about the cases they act on, in a few queries per batch."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlmodel import Session, col, select

from dialogs.states import CaseState
from storage.debtor_cases import chunks
from storage.models import Case, Debtor, Invoice, PaymentPlan, PlanStatus, Promise, PromiseStatus


@dataclass(frozen=True, slots=True)
class CaseFile:
    case: Case
    debtor: Debtor
    invoices: tuple[Invoice, ...]  # open (something remains, either way) and not disputed
    promised_on: date | None  # the latest pending promise's date
    plan_active: bool


def due_case_ids(session: Session, now: datetime, limit: int) -> list[int]:
    """Open cases whose next action time has come, oldest first (the index on next_action_at serves it)."""
    query = (select(Case.id).where(col(Case.next_action_at) <= now, Case.state != CaseState.CLOSED)
             .order_by(col(Case.next_action_at), col(Case.id)).limit(limit))
    return list(session.exec(query))


def load_case_files(session: Session, case_ids: Sequence[int]) -> list[CaseFile]:
    files: list[CaseFile] = []
    for part in chunks(list(case_ids)):
        cases = {c.id: c for c in session.exec(select(Case).where(col(Case.id).in_(part)))}
        debtor_ids = {c.debtor_id for c in cases.values()}
        debtors = {d.id: d for d in session.exec(select(Debtor).where(col(Debtor.id).in_(debtor_ids)))}
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
        plans = set(session.exec(select(PaymentPlan.case_id).where(
            col(PaymentPlan.case_id).in_(part), PaymentPlan.status == PlanStatus.ACTIVE)))
        for case_id in part:
            case = cases.get(case_id)
            if case is not None:
                files.append(CaseFile(case, debtors[case.debtor_id], tuple(invoices[case_id]),
                                      promises.get(case_id), case_id in plans))
    return files


def total_due(invoices: Sequence[Invoice]) -> Decimal:
    return sum((i.balance for i in invoices), Decimal("0.00"))
