"""`relance import invoices`: open invoices from an accounting export, all or nothing, idempotent."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from babel.numbers import is_currency
from sqlalchemy.engine import Engine
from sqlalchemy import insert
from sqlmodel import Session, col, select

from dialogs.parties import DebtorKind, Language
from storage.case_changes import record
from storage.csv_source import CellError, ImportFailed, Row, RowError, Table, parse_date, parse_money, read_table
from storage.debtor_cases import chunks, close_settled, gather
from storage.engine import transaction
from storage.models import Debtor, Invoice, Payment

Progress = Callable[[int, int], None]

ALIASES: dict[str, tuple[str, ...]] = {
    "invoice_number": ("n facture", "no facture", "numero de facture", "numero facture", "n de facture",
                       "num facture", "invoice number", "invoice no", "invoice", "facture", "n piece", "piece"),
    "debtor_ref": ("code client", "ref client", "reference client", "n client", "compte client",
                   "customer ref", "customer id", "customer code", "client code"),
    "debtor_name": ("nom client", "raison sociale", "client", "customer name", "customer", "nom"),
    "debtor_email": ("email", "e mail", "courriel", "adresse email", "adresse e mail", "mail", "customer email"),
    "debtor_kind": ("type client", "type de client", "customer type", "kind"),
    "language": ("langue", "lang"),
    "issue_date": ("date facture", "date de facture", "date d emission", "date emission", "invoice date", "date"),
    "due_date": ("date d echeance", "date echeance", "echeance", "date limite de paiement", "payment due date"),
    "amount": ("montant ttc", "total ttc", "amount incl tax", "total amount", "montant", "total"),
    "currency": ("devise",),
    "amount_paid": ("montant regle", "deja regle", "montant paye", "regle", "paid"),
    "balance": ("reste du", "restant du", "reste a payer", "solde", "amount due", "outstanding"),
}
REQUIRED = ("invoice_number", ("debtor_ref", "debtor_name"), "due_date", "amount")

_KINDS = {
    "business": DebtorKind.BUSINESS, "b2b": DebtorKind.BUSINESS, "entreprise": DebtorKind.BUSINESS,
    "professionnel": DebtorKind.BUSINESS, "pro": DebtorKind.BUSINESS, "societe": DebtorKind.BUSINESS,
    "consumer": DebtorKind.CONSUMER, "b2c": DebtorKind.CONSUMER, "particulier": DebtorKind.CONSUMER,
    "individual": DebtorKind.CONSUMER, "private": DebtorKind.CONSUMER,
}
_LANGUAGES = {"fr": Language.FR, "francais": Language.FR, "french": Language.FR,
              "en": Language.EN, "anglais": Language.EN, "english": Language.EN}
_EMAIL = re.compile(r"[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+")


@dataclass(frozen=True, slots=True)
class InvoiceRow:
    line: int
    number: str
    debtor_ref: str
    debtor_name: str
    debtor_email: str | None
    debtor_kind: DebtorKind | None
    language: Language | None
    issue_date: date | None
    due_date: date
    amount: Decimal
    currency: str
    amount_paid: Decimal


@dataclass(slots=True)
class InvoiceImportResult:
    file: str
    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    debtors_added: int = 0
    debtors_updated: int = 0
    payments: int = 0
    cases_opened: int = 0
    cases_closed: int = 0
    warnings: list[RowError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def import_invoices(
    engine: Engine,
    path: Path,
    *,
    now: datetime,
    default_language: Language,
    user_columns: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> InvoiceImportResult:
    """Validate every row of `path`, then write them all in one transaction; raise ImportFailed if any is bad."""
    table = read_table(path, ALIASES, user_columns or {}, REQUIRED)
    rows = _validate(table, progress)
    result = InvoiceImportResult(file=table.file, rows=len(rows), notes=table.notes)
    with transaction(engine) as session:
        _check_against_database(session, table, rows)
        _write(session, table, rows, result, now=now, default_language=default_language, progress=progress)
    return result


def _validate(table: Table, progress: Progress | None) -> list[InvoiceRow]:
    rows: list[InvoiceRow] = []
    errors: list[RowError] = []
    first_line: dict[str, int] = {}
    kinds: dict[str, tuple[DebtorKind, int]] = {}
    for index, row in enumerate(table.rows):
        if progress and index % 1000 == 0:
            progress(index, 2 * len(table.rows))
        number = row.cells.get("invoice_number", "")
        if number in first_line:
            errors.append(table.error(row, "invoice_number",
                                      f"invoice {number} already appears on line {first_line[number]}"))
            continue
        if number:
            first_line[number] = row.line
        parsed = _parse_row(table, row, errors)
        if parsed is None:
            continue
        if parsed.debtor_kind is not None:
            seen = kinds.setdefault(parsed.debtor_ref, (parsed.debtor_kind, row.line))
            if seen[0] != parsed.debtor_kind:
                errors.append(table.error(row, "debtor_kind", f"debtor {parsed.debtor_ref} is {seen[0]} "
                                                              f"on line {seen[1]}: a debtor has one kind"))
                continue
        rows.append(parsed)
    if errors:
        raise ImportFailed(errors)
    return rows


def _parse_row(table: Table, row: Row, errors: list[RowError]) -> InvoiceRow | None:
    """One row into typed values; every bad cell of the row is reported, not just the first."""
    before = len(errors)
    cells = row.cells
    number = cells.get("invoice_number", "")
    if not number:
        errors.append(table.error(row, "invoice_number", "missing"))
    elif len(number) > 100:
        errors.append(table.error(row, "invoice_number", "longer than 100 characters"))
    ref = cells.get("debtor_ref") or cells.get("debtor_name", "")
    if not ref:
        errors.append(table.error(row, "debtor_ref" if "debtor_ref" in table.columns else "debtor_name", "missing"))
    email = cells.get("debtor_email") or None
    if email and not _EMAIL.fullmatch(email):
        errors.append(table.error(row, "debtor_email", f"not one email address: {email!r}"))
    kind = table.cell(row, "debtor_kind", _parse_kind, errors)
    language = table.cell(row, "language", _parse_language, errors)
    issue = table.cell(row, "issue_date", parse_date, errors)
    due = table.cell(row, "due_date", parse_date, errors, required=True)
    amount = table.cell(row, "amount", parse_money, errors, required=True)
    if amount == 0:
        errors.append(table.error(row, "amount", "zero; an invoice or credit note has an amount"))
    currency = (cells.get("currency") or "EUR").upper()
    if not is_currency(currency):
        errors.append(table.error(row, "currency", f"unknown currency code {currency!r}"))
    paid = table.cell(row, "amount_paid", parse_money, errors)
    balance = table.cell(row, "balance", parse_money, errors)
    if len(errors) > before or due is None or amount is None:
        return None
    if issue is not None and due < issue:
        errors.append(table.error(row, "due_date", f"{due:%d/%m/%Y} is before the invoice date {issue:%d/%m/%Y}"))
    settled = _settled(table, row, amount, paid, balance, errors)
    if len(errors) > before:
        return None
    return InvoiceRow(
        line=row.line, number=number, debtor_ref=ref, debtor_name=cells.get("debtor_name") or ref,
        debtor_email=email, debtor_kind=kind, language=language, issue_date=issue, due_date=due,
        amount=amount, currency=currency, amount_paid=settled,
    )


def _settled(table: Table, row: Row, amount: Decimal, paid: Decimal | None, balance: Decimal | None,
             errors: list[RowError]) -> Decimal:
    """What the accounting export says is settled, from "amount paid" or "balance" (both must agree)."""
    if balance is not None:
        from_balance = amount - balance
        if paid is not None and paid != from_balance:
            errors.append(table.error(row, "balance", f"{balance} disagrees with amount {amount} "
                                                      f"minus amount paid {paid}"))
        paid = from_balance
    if paid is None:
        paid = Decimal("0.00")
    low, high = sorted((Decimal(0), amount))
    if not low <= paid <= high:
        column = "amount_paid" if "amount_paid" in table.columns else "balance"
        errors.append(table.error(row, column, f"settled amount {paid} is outside 0..{amount}"))
    return paid


def _parse_kind(text: str) -> DebtorKind:
    try:
        return _KINDS[text.strip().lower()]
    except KeyError:
        raise CellError(f"{text!r} is not business or consumer (also: B2B, B2C, entreprise, particulier)") from None


def _parse_language(text: str) -> Language:
    try:
        return _LANGUAGES[text.strip().lower()]
    except KeyError:
        raise CellError(f"{text!r} is not a supported language (fr or en)") from None


def _check_against_database(session: Session, table: Table, rows: list[InvoiceRow]) -> None:
    """Refuse, before writing anything, what would contradict the database."""
    existing = existing_invoices(session, [r.number for r in rows])
    debtor_refs = _debtor_refs(session, {inv.debtor_id for inv in existing.values()})
    errors = []
    for row in rows:
        invoice = existing.get(row.number)
        if invoice is not None and debtor_refs[invoice.debtor_id] != row.debtor_ref:
            column = "debtor_ref" if "debtor_ref" in table.columns else "debtor_name"
            errors.append(RowError(table.file, row.line, table.columns[column],
                                   f"invoice {row.number} belongs to debtor {debtor_refs[invoice.debtor_id]}; "
                                   f"relance does not move invoices between debtors"))
    if errors:
        raise ImportFailed(errors)


def existing_invoices(session: Session, numbers: list[str]) -> dict[str, Invoice]:
    """The invoices among `numbers` that the database already holds, by number."""
    found: dict[str, Invoice] = {}
    for part in chunks(numbers):
        found.update({inv.number: inv for inv in session.exec(select(Invoice).where(col(Invoice.number).in_(part)))})
    return found


def _debtor_refs(session: Session, ids: set[int]) -> dict[int, str]:
    refs: dict[int, str] = {}
    for part in chunks(sorted(ids)):
        refs.update(dict(session.exec(select(Debtor.id, Debtor.ref).where(col(Debtor.id).in_(part))).all()))
    return refs


@dataclass(slots=True)
class _DebtorChanges:
    """What one import did to one debtor's invoices, for the case's timeline."""

    added: list[str] = field(default_factory=list)
    updated: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    settled: dict[str, Decimal] = field(default_factory=dict)

    def as_event_data(self) -> dict[str, object]:
        data = {"added": self.added, "updated": self.updated, "settled": self.settled}
        return {key: value for key, value in data.items() if value}


@dataclass(frozen=True, slots=True)
class _Settlement:
    """More settled on an invoice than relance knew, per the export: recorded as a payment."""

    invoice_id: int
    number: str
    debtor_id: int
    amount: Decimal
    paid_after: Decimal


def _write(
    session: Session, table: Table, rows: list[InvoiceRow], result: InvoiceImportResult, *,
    now: datetime, default_language: Language, progress: Progress | None,
) -> None:
    debtor_ids = _upsert_debtors(session, rows, result, now=now, default_language=default_language)
    existing = existing_invoices(session, [r.number for r in rows])
    changes: dict[int, _DebtorChanges] = defaultdict(_DebtorChanges)
    settlements: list[_Settlement] = []
    new_rows: list[InvoiceRow] = []
    for index, row in enumerate(rows):
        if progress and index % 1000 == 0:
            progress(len(rows) + index, 2 * len(rows))
        debtor_id = debtor_ids[row.debtor_ref]
        invoice = existing.get(row.number)
        if invoice is None:
            new_rows.append(row)
            changes[debtor_id].added.append(row.number)
            continue
        diff = _update(invoice, row, now)
        if diff:
            result.updated += 1
            changes[debtor_id].updated[row.number] = diff
        elif row.amount_paid <= invoice.paid:
            result.unchanged += 1
        if row.amount_paid < invoice.paid:
            result.warnings.append(RowError(table.file, row.line, table.columns.get("amount_paid", "balance"),
                                            f"the file says {row.amount_paid} settled but {invoice.paid} is "
                                            f"already recorded from payments; kept {invoice.paid}"))
        elif row.amount_paid > invoice.paid:
            settlements.append(_Settlement(invoice.id, row.number, debtor_id, row.amount_paid - invoice.paid,
                                           row.amount_paid))
            invoice.paid = row.amount_paid
    new_ids = _insert_invoices(session, new_rows, debtor_ids, now)
    result.added = len(new_rows)
    settlements += [_Settlement(new_ids[r.number], r.number, debtor_ids[r.debtor_ref], r.amount_paid, r.amount_paid)
                    for r in new_rows if r.amount_paid]
    _insert_settlements(session, settlements, now)
    for settlement in settlements:
        changes[settlement.debtor_id].settled[settlement.number] = settlement.amount
    result.payments = len(settlements)
    source = {"file": Path(table.file).name}
    gathered = gather(session, changes.keys(), now=now, actor="import", source=source)
    for debtor_id, change in sorted(changes.items()):
        case = gathered.cases.get(debtor_id)
        if case is not None:
            record(session, case, "invoices_imported", now=now, actor="import",
                   data={**source, **change.as_event_data()})
    result.cases_opened = len(gathered.opened)
    result.cases_closed = len(close_settled(session, gathered.cases.values(), now=now, actor="import", source=source))


def _upsert_debtors(session: Session, rows: list[InvoiceRow], result: InvoiceImportResult, *,
                    now: datetime, default_language: Language) -> dict[str, int]:
    """Create or update the file's debtors; return the id of each by reference."""
    latest: dict[str, InvoiceRow] = {}
    for row in rows:
        latest[row.debtor_ref] = row  # the last line of a debtor carries its most recent details
    known: dict[str, Debtor] = {}
    for part in chunks(sorted(latest)):
        known.update({d.ref: d for d in session.exec(select(Debtor).where(col(Debtor.ref).in_(part)))})
    for ref, debtor in known.items():
        row = latest[ref]
        wanted = {"name": row.debtor_name, "email": row.debtor_email or debtor.email,
                  "kind": row.debtor_kind or debtor.kind, "language": row.language or debtor.language}
        if any(getattr(debtor, k) != v for k, v in wanted.items()):
            for key, value in wanted.items():
                setattr(debtor, key, value)
            result.debtors_updated += 1
    ids = {ref: debtor.id for ref, debtor in known.items()}
    new = [{"ref": ref, "name": row.debtor_name, "email": row.debtor_email,
            "kind": row.debtor_kind or DebtorKind.BUSINESS, "language": row.language or default_language,
            "email_invalid": False, "created_at": now}
           for ref, row in latest.items() if ref not in known]
    if new:
        # Bulk statements: building thousands of ORM objects costs more than the whole import's SQL.
        ids.update({ref: id_ for id_, ref in session.execute(insert(Debtor).returning(Debtor.id, Debtor.ref), new)})
    result.debtors_added = len(new)
    return ids


def _insert_invoices(session: Session, rows: list[InvoiceRow], debtor_ids: Mapping[str, int],
                     now: datetime) -> dict[str, int]:
    if not rows:
        return {}
    values = [{"number": r.number, "debtor_id": debtor_ids[r.debtor_ref], "issue_date": r.issue_date,
               "due_date": r.due_date, "amount": r.amount, "paid": r.amount_paid, "currency": r.currency,
               "disputed": False, "created_at": now, "updated_at": now} for r in rows]
    inserted = session.execute(insert(Invoice).returning(Invoice.id, Invoice.number), values)
    return {number: id_ for id_, number in inserted}


def _insert_settlements(session: Session, settlements: list[_Settlement], now: datetime) -> None:
    if settlements:
        session.execute(insert(Payment), [
            {"invoice_id": s.invoice_id, "paid_on": now.date(), "amount": s.amount, "reference": "accounting export",
             "import_key": f"accounting:{s.number}:{s.paid_after}", "source": "invoice_import", "recorded_at": now}
            for s in settlements])


def _update(invoice: Invoice, row: InvoiceRow, now: datetime) -> dict[str, list[str]]:
    """Apply the row's values; return each changed field as [old, new]."""
    wanted = {"issue_date": row.issue_date, "due_date": row.due_date, "amount": row.amount, "currency": row.currency}
    diff = {k: [str(getattr(invoice, k)), str(v)] for k, v in wanted.items() if getattr(invoice, k) != v}
    for key in diff:
        setattr(invoice, key, wanted[key])
    if diff:
        invoice.updated_at = now
    return diff


