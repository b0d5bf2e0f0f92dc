"""Everything stored about one case, read at once for its case file (`relance case export`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from storage.models import (
    Case, Debtor, Direction, Event, Installment, Invoice, Message, MessageStatus, Notice, Payment, PaymentPlan,
    Promise, Reply,
)


@dataclass(frozen=True, slots=True)
class CaseRecords:
    case: Case
    debtor: Debtor
    invoices: tuple[Invoice, ...]
    payments: tuple[tuple[Payment, str], ...]  # with the invoice number each settles
    sent: tuple[Message, ...]  # what went to the debtor, oldest first (owner alerts excluded)
    replies: tuple[tuple[Message, Reply | None], ...]  # what the debtor sent, oldest first
    promises: tuple[Promise, ...]
    plans: tuple[tuple[PaymentPlan, tuple[Installment, ...]], ...]
    events: tuple[Event, ...]
    notice: Notice | None  # the latest formal notice


def case_records(session: Session, case: Case) -> CaseRecords:
    debtor = session.get(Debtor, case.debtor_id)
    assert debtor is not None
    invoices = tuple(session.exec(select(Invoice).where(Invoice.case_id == case.id)
                                  .order_by(col(Invoice.due_date), col(Invoice.number))))
    numbers = {i.id: i.number for i in invoices}
    payments = tuple((p, numbers[p.invoice_id]) for p in session.exec(
        select(Payment).where(col(Payment.invoice_id).in_(list(numbers))).order_by(col(Payment.paid_on))))
    messages = list(session.exec(select(Message).where(Message.case_id == case.id).order_by(col(Message.id))))
    sent = tuple(m for m in messages if m.direction is Direction.OUT and m.status is MessageStatus.SENT
                 and not m.purpose.startswith("alert:"))
    replies_by_message = {r.message_id: r for r in session.exec(select(Reply).where(Reply.case_id == case.id))}
    replies = tuple((m, replies_by_message.get(m.id or 0)) for m in messages if m.direction is Direction.IN)
    plans = tuple((plan, tuple(session.exec(select(Installment).where(Installment.plan_id == plan.id)
                                             .order_by(col(Installment.seq)))))
                  for plan in session.exec(select(PaymentPlan).where(PaymentPlan.case_id == case.id)))
    return CaseRecords(
        case=case, debtor=debtor, invoices=invoices, payments=payments, sent=sent, replies=replies,
        promises=tuple(session.exec(select(Promise).where(Promise.case_id == case.id).order_by(col(Promise.id)))),
        plans=plans,
        events=tuple(session.exec(select(Event).where(Event.case_id == case.id).order_by(col(Event.at),
                                                                                         col(Event.id)))),
        notice=session.exec(select(Notice).where(Notice.case_id == case.id).order_by(col(Notice.id).desc())).first(),
    )
