"""One payment the owner records by hand (Telegram `/paid`): the same rows, Events and case changes as
`relance import payments` makes for one line of a file, and idempotent on the caller's key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlmodel import Session, select

from storage.case_changes import record
from storage.debtor_cases import close_settled, gather
from storage.models import Case, Invoice, Payment

ZERO = Decimal("0.00")


class UnknownInvoice(LookupError):
    """No invoice has that number: check it (`relance case` lists a case's invoices)."""


class NothingOwed(ValueError):
    """The invoice is settled and no amount was given: say how much was received to record it anyway."""


@dataclass(frozen=True, slots=True)
class RecordedPayment:
    invoice: str
    currency: str
    amount: Decimal
    remaining: Decimal  # on the invoice, after this payment (negative: owed to the debtor)
    surplus: Decimal  # the part of the payment beyond what the invoice still asked
    case_id: int | None
    case_closed: bool  # this payment settled the debtor's case
    already_recorded: bool  # the same key was recorded before: nothing changed now


def record_payment(session: Session, number: str, amount: Decimal | None, *, paid_on: date, key: str,
                   now: datetime, source: str, actor: str = "owner") -> RecordedPayment:
    """Record `amount` (default: what remains owed) paid on invoice `number`; the caller commits.

    `key` makes a repeat a no-op (Payment.import_key: e.g. the chat message that asked for it);
    `source` names where it came from (Payment.source, and the Event's data).
    Raises UnknownInvoice, NothingOwed, or ValueError for an amount that is not positive.
    """
    invoice = session.exec(select(Invoice).where(Invoice.number == number)).first()
    if invoice is None:
        raise UnknownInvoice(f"no invoice {number!r}")
    import_key = f"{source}:{key}"
    earlier = session.exec(select(Payment).where(Payment.import_key == import_key)).first()
    if earlier is not None:
        return RecordedPayment(invoice.number, invoice.currency, earlier.amount, invoice.balance, ZERO,
                               invoice.case_id, False, already_recorded=True)
    remaining = invoice.balance
    if amount is None:
        if remaining <= 0:
            raise NothingOwed(f"invoice {number} is settled")
        amount = remaining
    if amount <= 0:
        raise ValueError("a payment is a positive amount (refunds are credit notes)")
    invoice.paid += amount
    invoice.updated_at = now
    session.add(Payment(invoice_id=invoice.id or 0, paid_on=paid_on, amount=amount, reference="",
                        import_key=import_key, source=source, recorded_at=now))
    entry = {"invoice": invoice.number, "date": paid_on, "amount": amount, "reference": ""}
    data: dict[str, object] = {"source": source, "payments": [entry]}
    surplus = amount - max(remaining, ZERO) if amount > remaining else ZERO
    if surplus:
        data["overpaid"] = [{"invoice": invoice.number, "surplus": surplus}]
    session.flush()
    # As the import does: the debtor's open amounts gathered in its open case, which decides again.
    gathered = gather(session, {invoice.debtor_id}, now=now, actor=actor, source={"source": source})
    case = session.get(Case, invoice.case_id) if invoice.case_id is not None else None
    if case is not None:
        record(session, case, "payments_recorded", now=now, actor=actor, data=data)
    closed = close_settled(session, gathered.cases.values(), now=now, actor=actor, source={"source": source})
    return RecordedPayment(invoice.number, invoice.currency, amount, invoice.balance, surplus, invoice.case_id,
                           case is not None and case in closed, already_recorded=False)
