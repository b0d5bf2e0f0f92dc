"""A debtor's statement of account: the open invoices and credit notes of one currency, as of a day."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal


class StatementError(ValueError):
    """The lines cannot make one statement (none given, or several currencies); the caller must split them."""


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    """One invoice as the ledger sees it. A credit note has a negative amount (and remaining)."""

    number: str
    issue_date: date | None
    due_date: date
    amount: Decimal
    paid: Decimal
    remaining: Decimal
    currency: str  # ISO 4217, e.g. "EUR"

    def __post_init__(self) -> None:
        # Money is Decimal (DESIGN.md): a float here would already have lost cents.
        for field in ("amount", "paid", "remaining"):
            if not isinstance(getattr(self, field), Decimal):
                raise TypeError(f"{field} of invoice {self.number!r} must be a Decimal")

    @property
    def is_credit_note(self) -> bool:
        return self.amount < 0


@dataclass(frozen=True, slots=True)
class StatementLine:
    invoice: InvoiceLine
    days_overdue: int  # whole days past the due date as of the statement's day; 0 if not yet due

    @property
    def is_credit(self) -> bool:
        """A line in the debtor's favour (credit note or overpayment): it reduces the total."""
        return self.invoice.remaining < 0


@dataclass(frozen=True, slots=True)
class Statement:
    lines: tuple[StatementLine, ...]  # by due date, then number
    total: Decimal  # sum of what remains on every line, credits deducted
    currency: str
    as_of: date

    @property
    def invoices(self) -> tuple[StatementLine, ...]:
        """The lines the debtor owes something on (what "your invoice(s)" refers to)."""
        return tuple(line for line in self.lines if not line.is_credit)

    @property
    def credits(self) -> tuple[StatementLine, ...]:
        return tuple(line for line in self.lines if line.is_credit)

    @property
    def late_invoices(self) -> tuple[StatementLine, ...]:
        return tuple(line for line in self.invoices if line.days_overdue > 0)


def build_statement(lines: Iterable[InvoiceLine], *, today: date) -> Statement:
    """The statement of `lines` as of `today`: only lines with something remaining, credits included.

    Raises StatementError if no line is given or if they are in more than one currency.
    """
    given = list(lines)
    currencies = {line.currency for line in given}
    if not currencies:
        raise StatementError("a statement needs at least one invoice line")
    if len(currencies) > 1:
        raise StatementError(f"one statement per currency, got {', '.join(sorted(currencies))}")
    open_lines = sorted((line for line in given if line.remaining != 0), key=lambda l: (l.due_date, l.number))
    return Statement(
        lines=tuple(StatementLine(line, _days_overdue(line, today)) for line in open_lines),
        total=sum((line.remaining for line in open_lines), Decimal("0")),
        currency=currencies.pop(),
        as_of=today,
    )


def _days_overdue(line: InvoiceLine, today: date) -> int:
    # A credit in the debtor's favour is never "late", whatever its date.
    if line.remaining < 0:
        return 0
    return max(0, (today - line.due_date).days)
