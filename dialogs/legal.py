"""What the law adds to a late debt — interest, fixed indemnities, limitation — per jurisdiction (LEGAL.md).

Conventions, the same for every jurisdiction:
- interest is simple, `base × rate × days / 365` (the formula Bpifrance publishes), 365 even in a leap
  year; it runs from the day after the due date (L441-10 II), so an amount paid on day P bears
  (P − due date) days and what is still unpaid bears (as_of − due date) days;
- each part is kept exact; the invoice's interest is rounded half-up to the cent once, from the sum of
  its parts, so that rounding never compounds across segments or payments;
- payments dated after `as_of` have not happened yet as of that day and are left out;
- an invoice paid in full but late still bears its interest and fixed indemnity: the debt of
  interest arose with the delay, and paying the principal does not extinguish it;
- a credit note (negative amount) bears no interest and no indemnity; it reduces the total claimed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from dialogs.money import CENT
from dialogs.parties import DebtorKind
from dialogs.rates import (RatePeriod, RateTable, RateTableError, UnknownRate, half_year_label, load_rate_table,
                           shipped_rates)

__all__ = [
    "BASIS_CONTRACT_RATE", "BASIS_EU_COMPENSATION", "BASIS_EU_INTEREST", "BASIS_FR_B2B_INTEREST",
    "BASIS_FR_CONSUMER_INTEREST", "BASIS_FR_INDEMNITY", "BASIS_UK_FIXED_SUM", "BASIS_UK_INTEREST",
    "Claim", "ClaimError", "ConsumerIndemnityError", "InterestPart", "InvoiceClaim", "InvoiceFacts", "Jurisdiction",
    "LegalTerms", "LimitationWarning", "Payment", "RatePeriod", "RateTable", "RateTableError", "UnknownRate",
    "compute_claim", "half_year_label", "limitation_date", "limitation_warnings", "load_rate_table", "shipped_rates",
]

ZERO = Decimal("0")
_DAYS_A_YEAR = Decimal("365")  # Bpifrance's formula: actual days / 365, leap years included

# Legal-basis keys; the letter templates map each to a sentence citing it.
BASIS_FR_B2B_INTEREST = "fr_b2b_l441_10"  # Code de commerce L441-10 II: late interest between professionals
BASIS_FR_INDEMNITY = "fr_d441_5"  # L441-10 II and D441-5: 40 € per late invoice
BASIS_CONTRACT_RATE = "contract_rate"  # the rate agreed in the contract or terms of sale
BASIS_FR_CONSUMER_INTEREST = "fr_civil_1231_6"  # Code civil 1231-6 and 1344-1: legal rate from the formal notice
BASIS_EU_INTEREST = "eu_2011_7_art_3"  # Directive 2011/7/EU art. 3: interest between undertakings
BASIS_EU_COMPENSATION = "eu_2011_7_art_6"  # art. 6: at least 40 € compensation for recovery costs
BASIS_UK_INTEREST = "uk_lpcda_1998_s1"  # Late Payment of Commercial Debts (Interest) Act 1998 s1, SI 2002/1675
BASIS_UK_FIXED_SUM = "uk_lpcda_1998_s5a"  # s5A: £40 / £70 / £100 fixed sum

# Limitation: 5 years between merchants (Code de commerce L110-4), 2 years against a consumer
# (Code de la consommation L218-2), both from the due date.
LIMITATION_YEARS = {DebtorKind.BUSINESS: 5, DebtorKind.CONSUMER: 2}
LIMITATION_ALERT_DAYS = (90, 30)  # the watchdog's alert levels, days before the limitation date


class Jurisdiction(StrEnum):
    FR = "FR"
    EU = "EU"
    UK = "UK"


class ClaimError(ValueError):
    """The invoices cannot make one claim (none given, or several currencies): the caller must split them."""


class ConsumerIndemnityError(ValueError):
    """A claim against a consumer carries a recovery fee, which the law forbids (L111-8 CPCE)."""


@dataclass(frozen=True, slots=True)
class Payment:
    paid_on: date
    amount: Decimal  # positive; a refund is a credit note

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal) or not self.amount > 0:
            raise ValueError(f"a payment is a positive Decimal, got {self.amount!r} on {self.paid_on}")


@dataclass(frozen=True, slots=True)
class InvoiceFacts:
    """An invoice as the ledger knows it, with its dated payments. A credit note has a negative amount."""

    number: str
    issue_date: date | None
    due_date: date
    amount: Decimal  # including VAT: L441-10 interest is computed on the amount TTC
    currency: str  # ISO 4217
    payments: tuple[Payment, ...] = ()

    def __post_init__(self) -> None:
        # Money is Decimal (DESIGN.md): a float here would already have lost cents.
        if not isinstance(self.amount, Decimal):
            raise TypeError(f"amount of invoice {self.number!r} must be a Decimal")


@dataclass(frozen=True, slots=True)
class InterestPart:
    """Interest on `base` at `rate_percent` a year for the days from `start` to `end`, both included."""

    start: date
    end: date
    days: int
    base: Decimal
    rate_percent: Decimal
    amount: Decimal  # base × rate / 100 × days / 365, not rounded


@dataclass(frozen=True, slots=True)
class InvoiceClaim:
    number: str
    issue_date: date | None
    due_date: date
    amount: Decimal
    paid: Decimal  # payments made on or before as_of
    remaining: Decimal  # amount − paid; negative for a credit note or an overpayment
    currency: str
    days_late: int  # days from the due date to the settling payment, or to as_of while unsettled
    interest: Decimal  # sum of the parts, rounded half-up to the cent once
    parts: tuple[InterestPart, ...]
    indemnity: Decimal
    indemnity_currency: str


@dataclass(frozen=True, slots=True)
class Claim:
    jurisdiction: Jurisdiction
    debtor_kind: DebtorKind
    as_of: date
    currency: str
    invoices: tuple[InvoiceClaim, ...]  # by due date, then number; credit notes included
    credits: Decimal  # credit notes and overpayments deducted (≤ 0)
    total_remaining: Decimal  # sum of every invoice's remaining, credits deducted
    total_interest: Decimal
    total_indemnity: Decimal  # in the invoices' indemnity_currency
    total_claimed: Decimal  # remaining + interest (+ indemnity when it is in the claim's currency; see warnings)
    basis: tuple[str, ...]  # BASIS_* keys
    warnings: tuple[str, ...]  # for the owner, before anything is sent

    def __post_init__(self) -> None:
        # Second lock behind the consumer path, which has no indemnity at all: whoever builds a Claim,
        # a consumer is never charged a recovery fee (L111-8 CPCE; an offence, L122-16 C. conso.).
        if self.debtor_kind is not DebtorKind.BUSINESS and (
                self.total_indemnity != 0 or any(invoice.indemnity != 0 for invoice in self.invoices)):
            raise ConsumerIndemnityError("a consumer may never be charged a recovery indemnity (L111-8 CPCE)")


@dataclass(frozen=True, slots=True)
class LegalTerms:
    """The firm's legal settings. `rates` overrides shipped tables by name, period by period."""

    jurisdiction: Jurisdiction
    contractual_rate_percent: Decimal | None = None  # replaces the legal default rate for business debtors
    rate_fixed_at_first_day: bool = False  # the rate of the half-year where the delay began, for the whole debt
    rates: Mapping[str, RateTable] | None = None

    def __post_init__(self) -> None:
        rate = self.contractual_rate_percent
        if rate is not None and (not isinstance(rate, Decimal) or not rate.is_finite() or rate < 0):
            raise ValueError(f"the contractual rate is a yearly percentage as a Decimal, zero or more; got {rate!r}")


@dataclass(frozen=True, slots=True)
class LimitationWarning:
    """A due date whose limitation is near (or passed): the owner must act or have the debt acknowledged."""

    due_date: date
    limitation_date: date  # the last day to act
    days_left: int  # limitation_date − today: 0 on the last day, negative once time-barred
    threshold_days: int  # the most urgent level of LIMITATION_ALERT_DAYS reached
    reached_on: date  # the day that level was reached (limitation_date − threshold_days)

    @property
    def time_barred(self) -> bool:
        return self.days_left < 0


@dataclass(frozen=True, slots=True)
class _Rates:
    """Rate lookups: an override period covering the day wins; otherwise the shipped table decides."""

    overrides: Mapping[str, RateTable]

    def on(self, table: str, day: date) -> Decimal:
        override = self.overrides.get(table)
        if override is not None and override.period_on(day) is not None:
            return override.rate_on(day)
        return shipped_rates(table).rate_on(day)


@dataclass(frozen=True, slots=True)
class _InterestRule:
    """How interest runs: its rate on a day, whether it is fixed at the first day, and its legal basis."""

    rate_on: Callable[[date], Decimal]
    fixed: bool
    basis: str
    contract_basis: str | None = None


@dataclass(frozen=True, slots=True)
class _Indemnity:
    """The fixed sum per late invoice of a business jurisdiction; the consumer path has none to set."""

    per_invoice: Callable[[Decimal], Decimal]  # of the invoice amount
    currency: str
    basis: str


@dataclass(slots=True)
class _Lines:
    invoices: list[InvoiceClaim] = field(default_factory=list)
    basis: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def compute_claim(invoices: Sequence[InvoiceFacts], *, debtor_kind: DebtorKind, terms: LegalTerms, as_of: date,
                  notice_received_on: date | None = None) -> Claim:
    """What one debtor owes as of `as_of`: principal, late interest and fixed indemnities, with their basis.

    `notice_received_on` is the day a consumer received the formal notice (interest runs only from it).
    Raises ClaimError for no invoice or several currencies, UnknownRate when a needed rate is unconfirmed.
    """
    if not invoices:
        raise ClaimError("a claim needs at least one invoice")
    currencies = {facts.currency for facts in invoices}
    if len(currencies) > 1:
        raise ClaimError(f"one claim per currency, got {', '.join(sorted(currencies))}")
    currency = currencies.pop()
    rates = _Rates(terms.rates or {})
    ordered = sorted(invoices, key=lambda facts: (facts.due_date, facts.number))
    if debtor_kind is DebtorKind.BUSINESS:
        lines = _business_lines(ordered, terms=terms, rates=rates, as_of=as_of, currency=currency)
    else:
        lines = _consumer_lines(ordered, terms=terms, rates=rates, as_of=as_of, notice_received_on=notice_received_on)
    total_remaining = sum((line.remaining for line in lines.invoices), ZERO)
    total_interest = sum((line.interest for line in lines.invoices), ZERO)
    total_indemnity = sum((line.indemnity for line in lines.invoices), ZERO)
    indemnity_currencies = {line.indemnity_currency for line in lines.invoices if line.indemnity}
    # Never add euros to dollars: a fixed sum in another currency stays out of the total (a warning says so).
    claimable_indemnity = total_indemnity if indemnity_currencies <= {currency} else ZERO
    return Claim(
        jurisdiction=terms.jurisdiction, debtor_kind=debtor_kind, as_of=as_of, currency=currency,
        invoices=tuple(lines.invoices),
        credits=sum((min(line.remaining, ZERO) for line in lines.invoices), ZERO),
        total_remaining=total_remaining, total_interest=total_interest, total_indemnity=total_indemnity,
        total_claimed=total_remaining + total_interest + claimable_indemnity,
        basis=tuple(dict.fromkeys(lines.basis)), warnings=tuple(dict.fromkeys(lines.warnings)),
    )


def _business_lines(invoices: Sequence[InvoiceFacts], *, terms: LegalTerms, rates: _Rates, as_of: date,
                    currency: str) -> _Lines:
    lines = _Lines()
    rule, indemnity = _business_rules(terms, rates)
    if terms.contractual_rate_percent is not None and terms.jurisdiction is Jurisdiction.FR:
        lines.warnings.extend(_contract_rate_warnings(invoices, terms.contractual_rate_percent, rates))
    for facts in invoices:
        paid, remaining, payments = _settlement(facts, as_of)
        parts = _interest_parts(facts, payments, after=facts.due_date, as_of=as_of, rule=rule)
        late = _was_late(facts, payments, as_of)
        lines.invoices.append(InvoiceClaim(
            number=facts.number, issue_date=facts.issue_date, due_date=facts.due_date, amount=facts.amount,
            paid=paid, remaining=remaining, currency=facts.currency, days_late=_days_late(facts, payments, as_of),
            interest=_rounded(parts), parts=parts,
            indemnity=indemnity.per_invoice(facts.amount) if late else ZERO, indemnity_currency=indemnity.currency,
        ))
    lines.basis.append(rule.basis)
    if rule.contract_basis:
        lines.basis.append(rule.contract_basis)
    late_count = sum(1 for line in lines.invoices if line.indemnity)
    if late_count:
        lines.basis.append(indemnity.basis)
        if indemnity.currency != currency:
            total = sum((line.indemnity for line in lines.invoices), ZERO)
            lines.warnings.append(
                f"the fixed recovery sum is set in {indemnity.currency} ({late_count} late invoice(s): {total} "
                f"{indemnity.currency}) but the invoices are in {currency}: it is claimed in {indemnity.currency} "
                f"and left out of the total in {currency}")
    if terms.jurisdiction is Jurisdiction.UK and currency != "GBP" and late_count:
        lines.warnings.append(f"the UK fixed-sum bands (£1,000 / £10,000) were applied to amounts in {currency} "
                              "as if they were pounds: check the band of each invoice")
    return lines


def _business_rules(terms: LegalTerms, rates: _Rates) -> tuple[_InterestRule, _Indemnity]:
    if terms.jurisdiction is Jurisdiction.FR:
        rule = _InterestRule(lambda day: rates.on("fr_b2b", day), terms.rate_fixed_at_first_day, BASIS_FR_B2B_INTEREST)
        indemnity = _Indemnity(lambda _amount: Decimal("40.00"), "EUR", BASIS_FR_INDEMNITY)  # D441-5, no VAT
    elif terms.jurisdiction is Jurisdiction.EU:
        rule = _InterestRule(lambda day: rates.on("eu_reference", day), terms.rate_fixed_at_first_day,
                             BASIS_EU_INTEREST)
        indemnity = _Indemnity(lambda _amount: Decimal("40.00"), "EUR", BASIS_EU_COMPENSATION)
    else:
        # SI 2002/1675: base rate on the preceding 30 June / 31 December + 8 %, fixed for the life of the debt.
        rule = _InterestRule(lambda day: rates.on("uk_base", day) + Decimal("8"), True, BASIS_UK_INTEREST)
        indemnity = _Indemnity(_uk_fixed_sum, "GBP", BASIS_UK_FIXED_SUM)
    if terms.contractual_rate_percent is not None:
        # The agreed rate replaces the table for the whole debt; the statute stays the frame that allows it.
        contractual = terms.contractual_rate_percent
        rule = _InterestRule(lambda _day: contractual, True, rule.basis, BASIS_CONTRACT_RATE)
    return rule, indemnity


def _uk_fixed_sum(amount: Decimal) -> Decimal:
    # Late Payment of Commercial Debts (Interest) Act 1998 s5A, on the amount of the debt.
    if amount < 1000:
        return Decimal("40.00")
    if amount < 10000:
        return Decimal("70.00")
    return Decimal("100.00")


def _contract_rate_warnings(invoices: Sequence[InvoiceFacts], contractual: Decimal, rates: _Rates) -> list[str]:
    # L441-10 II: a contract may set its own rate, never below 3 × the legal rate; checked on each due date.
    warnings = []
    for facts in invoices:
        if facts.amount <= 0:
            continue
        try:
            floor = 3 * rates.on("fr_legal_other", facts.due_date)
        except UnknownRate as exc:
            warnings.append(f"could not check the contractual rate {contractual} % against 3 × the legal rate: "
                            f"the legal rate of {exc.half_year} is not confirmed")
            continue
        if contractual < floor:
            warnings.append(f"the contractual rate {contractual} % is below 3 × the legal rate in force on "
                            f"{facts.due_date.isoformat()} ({floor} %), the minimum L441-10 II allows "
                            f"(invoice {facts.number}); have the terms of sale checked")
    return warnings


def _consumer_lines(invoices: Sequence[InvoiceFacts], *, terms: LegalTerms, rates: _Rates, as_of: date,
                    notice_received_on: date | None) -> _Lines:
    """A consumer's lines. There is no indemnity here to set: every line carries zero (L111-8 CPCE)."""
    lines = _Lines()
    rule: _InterestRule | None = None
    if terms.jurisdiction is Jurisdiction.FR:
        # Code civil 1231-6 and 1344-1: the legal rate "autres cas" (the creditor is a business), from the notice.
        rule = _InterestRule(lambda day: rates.on("fr_legal_other", day), terms.rate_fixed_at_first_day,
                             BASIS_FR_CONSUMER_INTEREST)
        lines.basis.append(rule.basis)
        if terms.contractual_rate_percent is not None:
            lines.warnings.append(f"the contractual rate {terms.contractual_rate_percent} % was not applied: a "
                                  "consumer owes the legal rate from the formal notice")
    else:
        lines.warnings.append(f"the {terms.jurisdiction} late-payment rules cover only debts between businesses: "
                              "no interest is computed for a consumer")
    for facts in invoices:
        paid, remaining, payments = _settlement(facts, as_of)
        parts: tuple[InterestPart, ...] = ()
        if rule is not None and notice_received_on is not None:
            parts = _interest_parts(facts, payments, after=max(facts.due_date, notice_received_on), as_of=as_of,
                                    rule=rule)
        lines.invoices.append(InvoiceClaim(
            number=facts.number, issue_date=facts.issue_date, due_date=facts.due_date, amount=facts.amount,
            paid=paid, remaining=remaining, currency=facts.currency, days_late=_days_late(facts, payments, as_of),
            interest=_rounded(parts), parts=parts, indemnity=ZERO, indemnity_currency=facts.currency,
        ))
    return lines


def _settlement(facts: InvoiceFacts, as_of: date) -> tuple[Decimal, Decimal, list[Payment]]:
    """(paid, remaining, payments by date) as of `as_of`; later payments have not happened yet."""
    payments = sorted((payment for payment in facts.payments if payment.paid_on <= as_of),
                      key=lambda payment: payment.paid_on)
    paid = sum((payment.amount for payment in payments), ZERO)
    return paid, facts.amount - paid, payments


def _interest_parts(facts: InvoiceFacts, payments: Sequence[Payment], *, after: date, as_of: date,
                    rule: _InterestRule) -> tuple[InterestPart, ...]:
    """Interest parts for the days after `after` up to `as_of`, split at payments and, unless fixed, half-years."""
    first = after + timedelta(days=1)
    if facts.amount <= 0 or as_of < first:
        return ()
    # The base drops the day after a payment: the amount paid on day P bears interest on P itself.
    cuts = {payment.paid_on for payment in payments if first <= payment.paid_on < as_of}
    if not rule.fixed:
        cuts |= {end for year in range(first.year, as_of.year + 1)
                 for end in (date(year, 6, 30), date(year, 12, 31)) if first <= end < as_of}
    fixed_rate = rule.rate_on(first) if rule.fixed and _base_on(facts, payments, first) > 0 else None
    parts = []
    start = first
    for end in [*sorted(cuts), as_of]:
        base = _base_on(facts, payments, start)
        if base <= 0:
            break  # settled: payments only ever lower the base
        rate = fixed_rate if fixed_rate is not None else rule.rate_on(start)
        days = (end - start).days + 1
        parts.append(InterestPart(start=start, end=end, days=days, base=base, rate_percent=rate,
                                  amount=base * rate * days / (100 * _DAYS_A_YEAR)))
        start = end + timedelta(days=1)
    return tuple(parts)


def _base_on(facts: InvoiceFacts, payments: Sequence[Payment], day: date) -> Decimal:
    """What bears interest on `day`: the amount less what was paid before that day."""
    return facts.amount - sum((payment.amount for payment in payments if payment.paid_on < day), ZERO)


def _rounded(parts: Sequence[InterestPart]) -> Decimal:
    # Rounded once, from one division of the summed numerators, so that 0.005 exactly rounds up even when
    # the parts, each divided by 365, are not exact decimals.
    numerator = sum((part.base * part.rate_percent * part.days for part in parts), ZERO)
    return (numerator / (100 * _DAYS_A_YEAR)).quantize(CENT, rounding=ROUND_HALF_UP)


def _was_late(facts: InvoiceFacts, payments: Sequence[Payment], as_of: date) -> bool:
    """Something was still owed after the due date (as of `as_of`), whether or not it is paid since."""
    first_day_late = facts.due_date + timedelta(days=1)
    return facts.amount > 0 and as_of >= first_day_late and _base_on(facts, payments, first_day_late) > 0


def _days_late(facts: InvoiceFacts, payments: Sequence[Payment], as_of: date) -> int:
    if facts.amount <= 0:
        return 0
    settled_on, paid = as_of, ZERO
    for payment in payments:
        paid += payment.amount
        if paid >= facts.amount:
            settled_on = payment.paid_on
            break
    return max(0, (settled_on - facts.due_date).days)


def limitation_date(due_date: date, debtor_kind: DebtorKind) -> date:
    """The last day to act before the debt is time-barred: 5 years B2B (L110-4), 2 consumer (L218-2).

    The term ends on the same day of the month N years later; with no such day (29 February) on the
    last day of that month (Code de procédure civile 641). It is not moved off a weekend: warning a
    day early is safe, a day late is not.
    """
    year = due_date.year + LIMITATION_YEARS[debtor_kind]
    try:
        return due_date.replace(year=year)
    except ValueError:  # 29 February into a common year
        return date(year, 2, 28)


def limitation_warnings(due_dates: Iterable[date], debtor_kind: DebtorKind,
                        today: date) -> tuple[LimitationWarning, ...]:
    """The due dates whose limitation date is 90 or fewer days away on `today` (or passed), most urgent first.

    One warning per distinct due date, at the most urgent level reached (30 before 90); a time-barred
    date keeps its warning, with negative days left.
    """
    warnings = []
    for due in sorted(set(due_dates)):
        last_day = limitation_date(due, debtor_kind)
        reached = [days for days in LIMITATION_ALERT_DAYS if last_day - timedelta(days=days) <= today]
        if not reached:
            continue
        threshold = min(reached)
        warnings.append(LimitationWarning(due_date=due, limitation_date=last_day, days_left=(last_day - today).days,
                                          threshold_days=threshold,
                                          reached_on=last_day - timedelta(days=threshold)))
    return tuple(sorted(warnings, key=lambda warning: (warning.limitation_date, warning.due_date)))

