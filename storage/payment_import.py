"""`relance import payments`: payments against known invoices, all or nothing, idempotent."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from storage.case_changes import record
from storage.csv_source import ImportFailed, RowError, Table, parse_date, parse_money, read_table
from storage.debtor_cases import chunks, close_settled, gather
from storage.engine import transaction
from storage.invoice_import import ALIASES as INVOICE_ALIASES
from storage.invoice_import import Progress, existing_invoices
from storage.models import Case, Invoice, Payment

ALIASES: dict[str, tuple[str, ...]] = {
    "invoice_number": INVOICE_ALIASES["invoice_number"],
    "payment_date": ("date de reglement", "date reglement", "date de paiement", "date paiement",
                     "date d encaissement", "paid on", "date"),
    "amount": ("montant regle", "montant paye", "montant du reglement", "montant encaisse", "montant",
               "amount paid", "paid"),
    "reference": ("reference du reglement", "reference paiement", "ref", "libelle", "label", "memo"),
}
REQUIRED = ("invoice_number", "payment_date", "amount")


@dataclass(frozen=True, slots=True)
class PaymentRow:
    line: int
    invoice_number: str
    paid_on: date
    amount: Decimal
    reference: str
    import_key: str


@dataclass(slots=True)
class PaymentImportResult:
    file: str
    rows: int = 0
    recorded: int = 0
    already_recorded: int = 0
    total: Decimal = Decimal("0.00")
    cases_closed: int = 0
    warnings: list[RowError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def import_payments(
    engine: Engine,
    path: Path,
    *,
    now: datetime,
    user_columns: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> PaymentImportResult:
    """Validate every row of `path`, then record the new payments in one transaction.

    A row already imported (same invoice, date, amount and reference, as many times as the file
    repeats it) is recognised and skipped, so importing the same file twice changes nothing.
    """
    table = read_table(path, ALIASES, user_columns or {}, REQUIRED)
    rows = _validate(table)
    result = PaymentImportResult(file=table.file, rows=len(rows), notes=table.notes)
    with transaction(engine) as session:
        invoices = existing_invoices(session, sorted({r.invoice_number for r in rows}))
        unknown = [RowError(table.file, r.line, table.columns["invoice_number"],
                            f"unknown invoice {r.invoice_number} (import the invoices first)")
                   for r in rows if r.invoice_number not in invoices]
        if unknown:
            raise ImportFailed(unknown)
        _record(session, table, rows, invoices, result, now=now, progress=progress)
    return result


def _validate(table: Table) -> list[PaymentRow]:
    rows: list[PaymentRow] = []
    errors: list[RowError] = []
    occurrences: Counter[tuple[str, date, Decimal, str]] = Counter()
    for row in table.rows:
        before = len(errors)
        number = row.cells.get("invoice_number", "")
        if not number:
            errors.append(table.error(row, "invoice_number", "missing"))
        paid_on = table.cell(row, "payment_date", parse_date, errors, required=True)
        amount = table.cell(row, "amount", parse_money, errors, required=True)
        if amount is not None and amount <= 0:
            errors.append(table.error(row, "amount", "a payment is a positive amount (refunds are credit notes)"))
        if len(errors) > before or paid_on is None or amount is None:
            continue
        reference = row.cells.get("reference", "")
        content = (number, paid_on, amount, reference)
        occurrences[content] += 1
        key = f"payment:{number}|{paid_on}|{amount}|{reference}|#{occurrences[content]}"
        rows.append(PaymentRow(row.line, number, paid_on, amount, reference, key))
    if errors:
        raise ImportFailed(errors)
    return rows


def _record(session: Session, table: Table, rows: list[PaymentRow], invoices: Mapping[str, Invoice],
            result: PaymentImportResult, *, now: datetime, progress: Progress | None) -> None:
    known = _known_keys(session, [r.import_key for r in rows])
    entries: list[tuple[Invoice, str, dict[str, object]]] = []
    for index, row in enumerate(rows):
        if progress and index % 1000 == 0:
            progress(index, len(rows))
        if row.import_key in known:
            result.already_recorded += 1
            continue
        invoice = invoices[row.invoice_number]
        remaining = invoice.balance
        invoice.paid += row.amount
        invoice.updated_at = now
        session.add(Payment(invoice_id=invoice.id, paid_on=row.paid_on, amount=row.amount, reference=row.reference,
                            import_key=row.import_key, source="payment_import", recorded_at=now))
        result.recorded += 1
        result.total += row.amount
        entries.append((invoice, "payments", {"invoice": invoice.number, "date": row.paid_on,
                                              "amount": row.amount, "reference": row.reference}))
        if row.amount > remaining:
            surplus = row.amount - max(remaining, Decimal(0))
            result.warnings.append(RowError(table.file, row.line, table.columns["amount"],
                                            f"overpayment: {row.amount} paid on invoice {invoice.number} whose "
                                            f"remaining was {remaining}; {surplus} is now owed to the debtor"))
            entries.append((invoice, "overpaid", {"invoice": invoice.number, "surplus": surplus}))
    session.flush()
    source = {"file": Path(table.file).name}
    gathered = gather(session, {invoice.debtor_id for invoice, _, _ in entries}, now=now, actor="import",
                      source=source)
    _record_events(session, entries, {c.id: c for c in gathered.cases.values()}, now=now, source=source)
    result.cases_closed = len(close_settled(session, gathered.cases.values(), now=now, actor="import",
                                            source=source))


def _record_events(session: Session, entries: list[tuple[Invoice, str, dict[str, object]]],
                   open_cases: dict[int | None, Case], *, now: datetime, source: dict[str, object]) -> None:
    """One event per case for the whole file; a payment on an invoice of a closed case goes on that case."""
    per_case: dict[int, dict[str, list[dict[str, object]]]] = defaultdict(lambda: defaultdict(list))
    for invoice, kind, entry in entries:
        if invoice.case_id is not None:
            per_case[invoice.case_id][kind].append(entry)
    for case_id, data in sorted(per_case.items()):
        case = open_cases.get(case_id) or session.get(Case, case_id)
        record(session, case, "payments_recorded", now=now, actor="import", data={**source, **data})


def _known_keys(session: Session, keys: list[str]) -> set[str]:
    known: set[str] = set()
    for part in chunks(keys):
        known.update(session.exec(select(Payment.import_key).where(col(Payment.import_key).in_(part))))
    return known
