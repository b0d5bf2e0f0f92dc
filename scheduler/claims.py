"""What a formal notice would claim for a case: its invoices as the law computes them, and a one-line
preview for the owner's alert."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlmodel import Session, col, select

from dialogs.formatting import format_money
from dialogs.legal import ClaimError, InvoiceFacts, LegalTerms, Payment, compute_claim
from dialogs.parties import Language
from dialogs.rates import UnknownRate
from storage.models import Case, Debtor, Invoice, Payment as PaymentRow


def claimed_invoices(session: Session, case: Case) -> list[InvoiceFacts]:
    """The case's open, undisputed invoices (credit notes included) in the currency of the oldest owed,
    with their dated payments; an invoice already paid, even late, is not claimed."""
    invoices = list(session.exec(select(Invoice).where(
        Invoice.case_id == case.id, Invoice.amount != Invoice.paid, Invoice.disputed == False)))  # noqa: E712
    owed = sorted((i for i in invoices if i.balance > 0), key=lambda i: (i.due_date, i.number))
    if not owed:
        return []
    currency = owed[0].currency
    payments: dict[int, list[Payment]] = defaultdict(list)
    for row in session.exec(select(PaymentRow).where(col(PaymentRow.invoice_id).in_([i.id for i in invoices]))):
        if row.amount > 0:
            payments[row.invoice_id].append(Payment(row.paid_on, row.amount))
    return [InvoiceFacts(i.number, i.issue_date, i.due_date, i.amount, i.currency, tuple(payments[i.id or 0]))
            for i in invoices if i.currency == currency]



def claim_preview(session: Session, case: Case, *, terms: LegalTerms, today: date, language: Language) -> str:
    """"Would claim 1 904,73 € (principal 1 750,00 €, interest 74,73 €, indemnities 80,00 €)", or why not."""
    debtor = session.get(Debtor, case.debtor_id)
    facts = claimed_invoices(session, case)
    if debtor is None or not facts:
        return ""
    try:
        claim = compute_claim(facts, debtor_kind=debtor.kind, terms=terms, as_of=today)
    except (UnknownRate, ClaimError) as exc:
        return str(exc)
    total, principal, interest, indemnity = (format_money(amount, claim.currency, language) for amount in (
        claim.total_claimed, claim.total_remaining, claim.total_interest, claim.total_indemnity))
    if language is Language.FR:
        return (f"Montant réclamé au {today.isoformat()} : {total} (principal {principal}, intérêts {interest}, "
                f"indemnités {indemnity}).")
    return (f"Claim as of {today.isoformat()}: {total} (principal {principal}, interest {interest}, "
            f"indemnities {indemnity}).")
