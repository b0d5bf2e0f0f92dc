"""Late interest, fixed indemnities and limitation, checked against examples worked out by hand (LEGAL.md).

Every interest figure below is written out as Σ(base × rate × days) / 36500 — simple interest, actual
days / 365, rate in percent — then rounded half-up to the cent once per invoice.
"""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

import pytest

from dialogs.legal import (BASIS_CONTRACT_RATE, BASIS_EU_COMPENSATION, BASIS_EU_INTEREST, BASIS_FR_B2B_INTEREST,
                           BASIS_FR_CONSUMER_INTEREST, BASIS_FR_INDEMNITY, BASIS_UK_FIXED_SUM, BASIS_UK_INTEREST,
                           Claim, ClaimError, ConsumerIndemnityError, InvoiceClaim, InvoiceFacts, Jurisdiction,
                           LegalTerms, Payment, RateTableError, UnknownRate, compute_claim, limitation_date,
                           limitation_warnings, load_rate_table, shipped_rates)
from dialogs.parties import DebtorKind

D = Decimal
B2B, B2C = DebtorKind.BUSINESS, DebtorKind.CONSUMER
FR = LegalTerms(Jurisdiction.FR)


def invoice(number: str, due: date, amount: str, *payments: tuple[date, str], currency: str = "EUR") -> InvoiceFacts:
    return InvoiceFacts(number=number, issue_date=None, due_date=due, amount=D(amount), currency=currency,
                        payments=tuple(Payment(day, D(paid)) for day, paid in payments))


def claim(*invoices: InvoiceFacts, as_of: date, kind: DebtorKind = B2B, terms: LegalTerms = FR,
          notice: date | None = None) -> Claim:
    return compute_claim(invoices, debtor_kind=kind, terms=terms, as_of=as_of, notice_received_on=notice)


# --- France, between businesses ---------------------------------------------------------------------------------

def test_interest_changes_rate_at_the_half_year_and_adds_40_euros():
    # 1 000 € due 30 Nov 2024, unpaid on 30 Jan 2025.
    #   1–31 Dec 2024: 31 days at 14.25 % (ECB 4.25 + 10): 1000 × 14.25 × 31 = 441 750
    #   1–30 Jan 2025: 30 days at 13.15 % (ECB 3.15 + 10): 1000 × 13.15 × 30 = 394 500
    #   (441 750 + 394 500) / 36500 = 836 250 / 36500 = 22.9109… → 22.91
    result = claim(invoice("F-1", date(2024, 11, 30), "1000.00"), as_of=date(2025, 1, 30))
    line = result.invoices[0]
    assert [(p.start, p.end, p.days, p.rate_percent) for p in line.parts] == [
        (date(2024, 12, 1), date(2024, 12, 31), 31, D("14.25")),
        (date(2025, 1, 1), date(2025, 1, 30), 30, D("13.15")),
    ]
    assert line.interest == D("22.91")
    assert line.days_late == 61
    assert (line.indemnity, line.indemnity_currency) == (D("40"), "EUR")
    assert result.total_claimed == D("1062.91")  # 1000 + 22.91 + 40
    assert result.basis == (BASIS_FR_B2B_INTEREST, BASIS_FR_INDEMNITY)
    assert result.warnings == ()


def test_each_partial_payment_stops_interest_on_what_it_paid_the_day_it_was_paid():
    # 2 000 € due 31 Jan 2025; 500 paid 2 Mar, 500 paid 1 Apr; as of 30 Apr 2025; all in 2025 H1 at 13.15 %.
    #   1 Feb–2 Mar: 30 days on 2 000 → 2000 × 13.15 × 30 = 789 000
    #   3 Mar–1 Apr: 30 days on 1 500 → 1500 × 13.15 × 30 = 591 750
    #   2 Apr–30 Apr: 29 days on 1 000 → 1000 × 13.15 × 29 = 381 350
    #   1 762 100 / 36500 = 48.2767… → 48.28
    # (The same per payment: 500 × 30 days + 500 × 60 days + 1000 × 89 days = 134 000 euro-days.)
    facts = invoice("F-2", date(2025, 1, 31), "2000.00", (date(2025, 3, 2), "500.00"), (date(2025, 4, 1), "500.00"))
    line = claim(facts, as_of=date(2025, 4, 30)).invoices[0]
    assert [(p.days, p.base) for p in line.parts] == [(30, D("2000.00")), (30, D("1500.00")), (29, D("1000.00"))]
    assert (line.paid, line.remaining, line.interest, line.indemnity) == (D("1000.00"), D("1000.00"), D("48.28"),
                                                                          D("40"))


def test_a_credit_note_bears_nothing_and_reduces_the_total():
    # 1 200 € due 31 Jul 2025, credit note −200 €; as of 30 Aug 2025.
    #   1–30 Aug 2025: 30 days at 12.15 %: 1200 × 12.15 × 30 = 437 400 / 36500 = 11.9835… → 11.98
    #   total: (1200 − 200) + 11.98 + 40 = 1 051.98
    result = claim(invoice("F-3", date(2025, 7, 31), "1200.00"), invoice("AV-1", date(2025, 8, 15), "-200.00"),
                   as_of=date(2025, 8, 30))
    bill, credit_note = result.invoices
    assert (bill.interest, bill.indemnity) == (D("11.98"), D("40"))
    assert (credit_note.interest, credit_note.indemnity, credit_note.parts, credit_note.days_late) == (D("0"), D("0"),
                                                                                                       (), 0)
    assert (result.credits, result.total_remaining, result.total_claimed) == (D("-200.00"), D("1000.00"),
                                                                              D("1051.98"))


def test_an_overpayment_is_a_credit():
    result = claim(invoice("F-9", date(2025, 3, 31), "100.00", (date(2025, 3, 1), "120.00")), as_of=date(2025, 5, 1))
    assert (result.credits, result.total_remaining, result.total_interest, result.total_indemnity) == (
        D("-20.00"), D("-20.00"), D("0"), D("0"))


def test_an_invoice_paid_in_full_but_late_still_bears_its_interest_and_indemnity():
    # 900 € due 31 Mar 2025, paid in full on 30 Apr: 30 days at 13.15 %:
    #   900 × 13.15 × 30 = 355 050 / 36500 = 9.7273… → 9.73; claimed: 0 + 9.73 + 40 = 49.73
    result = claim(invoice("F-4", date(2025, 3, 31), "900.00", (date(2025, 4, 30), "900.00")), as_of=date(2025, 6, 15))
    line = result.invoices[0]
    assert (line.remaining, line.days_late, line.interest, line.indemnity) == (D("0.00"), 30, D("9.73"), D("40"))
    assert result.total_claimed == D("49.73")


def test_an_invoice_paid_on_its_due_date_owes_nothing_more():
    result = claim(invoice("F-5", date(2025, 3, 31), "900.00", (date(2025, 3, 31), "900.00")), as_of=date(2025, 6, 15))
    assert (result.total_interest, result.total_indemnity, result.invoices[0].days_late) == (D("0"), D("0"), 0)
    assert result.basis == (BASIS_FR_B2B_INTEREST,)


def test_an_invoice_not_yet_due_bears_nothing():
    result = claim(invoice("F-6", date(2025, 6, 30), "500.00"), as_of=date(2025, 6, 30))
    assert (result.total_interest, result.total_indemnity, result.total_claimed) == (D("0"), D("0"), D("500.00"))


def test_payments_after_the_claim_date_have_not_happened_yet():
    # 1 000 € due 31 Jan 2025, paid 1 Mar, but the claim is as of 10 Feb: 10 days at 13.15 % on the whole amount:
    #   1000 × 13.15 × 10 = 131 500 / 36500 = 3.6027… → 3.60
    line = claim(invoice("F-7", date(2025, 1, 31), "1000.00", (date(2025, 3, 1), "1000.00")),
                 as_of=date(2025, 2, 10)).invoices[0]
    assert (line.paid, line.remaining, line.interest) == (D("0"), D("1000.00"), D("3.60"))


def test_the_rate_of_the_first_half_year_may_be_kept_for_the_whole_debt():
    # The first example with rate_fixed_at_first_day: 61 days at 14.25 % (delay began in 2024 H2):
    #   1000 × 14.25 × 61 = 869 250 / 36500 = 23.8150… → 23.82
    terms = LegalTerms(Jurisdiction.FR, rate_fixed_at_first_day=True)
    line = claim(invoice("F-1", date(2024, 11, 30), "1000.00"), as_of=date(2025, 1, 30), terms=terms).invoices[0]
    assert [(p.days, p.rate_percent) for p in line.parts] == [(61, D("14.25"))]
    assert line.interest == D("23.82")


def test_a_contractual_rate_below_three_times_the_legal_rate_is_applied_with_a_warning():
    # Due 31 Mar 2025: legal rate "autres cas" 2025 H1 3.71 %, floor 3 × 3.71 = 11.13 % > 5 %.
    #   1–30 Apr: 30 days at 5 %: 1000 × 5 × 30 = 150 000 / 36500 = 4.1095… → 4.11
    terms = LegalTerms(Jurisdiction.FR, contractual_rate_percent=D("5"))
    result = claim(invoice("F-8", date(2025, 3, 31), "1000.00"), as_of=date(2025, 4, 30), terms=terms)
    assert result.total_interest == D("4.11")
    assert result.basis == (BASIS_FR_B2B_INTEREST, BASIS_CONTRACT_RATE, BASIS_FR_INDEMNITY)
    assert len(result.warnings) == 1
    assert "11.13 %" in result.warnings[0] and "F-8" in result.warnings[0]


def test_a_contractual_rate_above_the_floor_is_fixed_for_the_whole_debt_without_warning():
    # Due 30 Nov 2024: floor 3 × 4.92 = 14.76 % < 15 %. 61 days at 15 % across the new year, in one part:
    #   1000 × 15 × 61 = 915 000 / 36500 = 25.0684… → 25.07
    terms = LegalTerms(Jurisdiction.FR, contractual_rate_percent=D("15"))
    result = claim(invoice("F-1", date(2024, 11, 30), "1000.00"), as_of=date(2025, 1, 30), terms=terms)
    assert [(p.days, p.rate_percent) for p in result.invoices[0].parts] == [(61, D("15"))]
    assert (result.total_interest, result.warnings) == (D("25.07"), ())


def test_a_contractual_rate_that_cannot_be_checked_says_so():
    terms = LegalTerms(Jurisdiction.FR, contractual_rate_percent=D("12"))
    result = claim(invoice("F-8", date(2026, 7, 31), "1000.00"), as_of=date(2026, 8, 30), terms=terms)
    assert result.total_interest == D("9.86")  # 1000 × 12 × 30 = 360 000 / 36500 = 9.8630… → 9.86
    assert len(result.warnings) == 1 and "2026 H2" in result.warnings[0]


# --- rounding ---------------------------------------------------------------------------------------------------

def test_interest_is_rounded_half_up_once_per_invoice_not_per_part():
    # 10 € due 30 Dec 2024, as of 1 Jan 2025:
    #   31 Dec at 14.25 %: 10 × 14.25 × 1 = 142.5 → 0.0039… (0.00 if rounded alone)
    #   1 Jan at 13.15 %:  10 × 13.15 × 1 = 131.5 → 0.0036… (0.00 if rounded alone)
    #   (142.5 + 131.5) / 36500 = 274 / 36500 = 0.0075… → 0.01
    line = claim(invoice("R-1", date(2024, 12, 30), "10.00"), as_of=date(2025, 1, 1)).invoices[0]
    assert all(part.amount < D("0.005") for part in line.parts) and len(line.parts) == 2
    assert line.interest == D("0.01")


def test_an_exact_half_cent_rounds_up():
    # 100.25 € at a contractual 10 %, 73 days late (1 Feb–14 Apr 2025: 28 + 31 + 14):
    #   100.25 × 10 × 73 = 73 182.5 / 36500 = 2.005 exactly → 2.01 (banker's rounding would give 2.00)
    terms = LegalTerms(Jurisdiction.FR, contractual_rate_percent=D("10"))
    line = claim(invoice("R-2", date(2025, 1, 31), "100.25"), as_of=date(2025, 4, 14), terms=terms).invoices[0]
    assert line.parts[0].amount == D("2.005")
    assert line.interest == D("2.01")


# --- France, business creditor and consumer debtor ------------------------------------------------------------------

def test_a_consumer_owes_no_interest_before_the_formal_notice_and_never_an_indemnity():
    facts = invoice("C-1", date(2025, 1, 31), "1000.00")
    # Business debtor: 1 Feb–30 Apr = 89 days at 13.15 %: 1000 × 13.15 × 89 = 1 170 350 / 36500 = 32.0643… → 32.06
    business = claim(facts, as_of=date(2025, 4, 30))
    assert (business.total_interest, business.total_indemnity) == (D("32.06"), D("40"))
    consumer = claim(facts, as_of=date(2025, 4, 30), kind=B2C)
    assert (consumer.total_interest, consumer.total_indemnity, consumer.total_claimed) == (D("0"), D("0"),
                                                                                          D("1000.00"))
    assert consumer.basis == (BASIS_FR_CONSUMER_INTEREST,)


def test_a_consumer_owes_the_legal_rate_from_the_day_after_receiving_the_notice():
    # Notice received 31 Mar 2025; 1–30 Apr: 30 days at the legal rate 2025 H1, 3.71 %:
    #   1000 × 3.71 × 30 = 111 300 / 36500 = 3.0493… → 3.05
    result = claim(invoice("C-1", date(2025, 1, 31), "1000.00"), as_of=date(2025, 4, 30), kind=B2C,
                   notice=date(2025, 3, 31))
    line = result.invoices[0]
    assert [(p.start, p.days, p.rate_percent) for p in line.parts] == [(date(2025, 4, 1), 30, D("3.71"))]
    assert (line.interest, line.indemnity, line.days_late) == (D("3.05"), D("0"), 89)


def test_a_consumer_notice_spanning_a_half_year_takes_each_legal_rate():
    # Due 31 May 2025, notice received 20 Jun, as of 10 Jul:
    #   21–30 Jun: 10 days at 3.71 % → 1000 × 3.71 × 10 = 37 100
    #   1–10 Jul:  10 days at 2.76 % → 1000 × 2.76 × 10 = 27 600
    #   64 700 / 36500 = 1.7726… → 1.77
    result = claim(invoice("C-2", date(2025, 5, 31), "1000.00"), as_of=date(2025, 7, 10), kind=B2C,
                   notice=date(2025, 6, 20))
    assert result.total_interest == D("1.77")


def test_a_notice_received_before_the_due_date_starts_nothing_before_it():
    # 1 Feb–2 Mar 2025: 30 days at 3.71 %: 1000 × 3.71 × 30 = 111 300 / 36500 = 3.0493… → 3.05
    result = claim(invoice("C-3", date(2025, 1, 31), "1000.00"), as_of=date(2025, 3, 2), kind=B2C,
                   notice=date(2025, 1, 10))
    assert result.total_interest == D("3.05")


def test_a_contractual_rate_is_not_applied_to_a_consumer():
    terms = LegalTerms(Jurisdiction.FR, contractual_rate_percent=D("20"))
    result = claim(invoice("C-1", date(2025, 1, 31), "1000.00"), as_of=date(2025, 4, 30), kind=B2C, terms=terms,
                   notice=date(2025, 3, 31))
    assert result.total_interest == D("3.05")
    assert len(result.warnings) == 1 and "not applied" in result.warnings[0]


_ANY_INVOICES = {
    "unpaid": (invoice("X-1", date(2025, 1, 31), "1000.00"),),
    "paid late": (invoice("X-2", date(2025, 1, 31), "1000.00", (date(2025, 3, 1), "1000.00")),),
    "partly paid": (invoice("X-3", date(2025, 1, 31), "50000.00", (date(2025, 2, 10), "100.00")),),
    "with a credit note": (invoice("X-4", date(2025, 1, 31), "500.00"), invoice("X-5", date(2025, 2, 1), "-50.00")),
    "in pounds": (invoice("X-6", date(2025, 1, 31), "12000.00", currency="GBP"),),
}


@pytest.mark.parametrize("invoices", _ANY_INVOICES.values(), ids=_ANY_INVOICES.keys())
def test_no_combination_of_arguments_charges_a_consumer_an_indemnity(invoices):
    combinations = itertools.product(
        Jurisdiction, (None, D("5"), D("40")), (False, True),
        (None, date(2025, 1, 1), date(2025, 2, 15)), (date(2025, 1, 31), date(2025, 6, 30)))
    for jurisdiction, rate, fixed, notice, as_of in combinations:
        terms = LegalTerms(jurisdiction, contractual_rate_percent=rate, rate_fixed_at_first_day=fixed)
        result = claim(*invoices, as_of=as_of, kind=B2C, terms=terms, notice=notice)
        assert result.total_indemnity == 0
        assert all(line.indemnity == 0 for line in result.invoices)
        assert result.total_claimed == result.total_remaining + result.total_interest
        assert not {BASIS_FR_INDEMNITY, BASIS_EU_COMPENSATION, BASIS_UK_FIXED_SUM} & set(result.basis)


def test_a_claim_carrying_an_indemnity_cannot_be_built_for_a_consumer():
    line = InvoiceClaim(number="X", issue_date=None, due_date=date(2025, 1, 31), amount=D("100"), paid=D("0"),
                        remaining=D("100"), currency="EUR", days_late=10, interest=D("0"), parts=(),
                        indemnity=D("40"), indemnity_currency="EUR")
    with pytest.raises(ConsumerIndemnityError):
        Claim(jurisdiction=Jurisdiction.FR, debtor_kind=B2C, as_of=date(2025, 2, 10), currency="EUR",
              invoices=(line,), credits=D("0"), total_remaining=D("100"), total_interest=D("0"),
              total_indemnity=D("40"), total_claimed=D("140"), basis=(), warnings=())


@pytest.mark.parametrize("jurisdiction", [Jurisdiction.EU, Jurisdiction.UK])
def test_the_eu_and_uk_presets_compute_no_statutory_interest_for_a_consumer(jurisdiction):
    result = claim(invoice("X-1", date(2025, 1, 31), "1000.00"), as_of=date(2025, 4, 30), kind=B2C,
                   terms=LegalTerms(jurisdiction), notice=date(2025, 2, 1))
    assert (result.total_interest, result.total_indemnity, result.basis) == (D("0"), D("0"), ())
    assert "only debts between businesses" in result.warnings[0]


# --- EU ---------------------------------------------------------------------------------------------------------

def test_the_eu_preset_uses_ecb_plus_8_and_40_euros():
    # 1 000 € due 31 Jan 2025, as of 2 Mar: 30 days at 11.15 % (ECB 3.15 + 8):
    #   1000 × 11.15 × 30 = 334 500 / 36500 = 9.1643… → 9.16
    result = claim(invoice("E-1", date(2025, 1, 31), "1000.00"), as_of=date(2025, 3, 2),
                   terms=LegalTerms(Jurisdiction.EU))
    assert (result.total_interest, result.total_indemnity, result.total_claimed) == (D("9.16"), D("40"),
                                                                                    D("1049.16"))
    assert result.basis == (BASIS_EU_INTEREST, BASIS_EU_COMPENSATION)


def test_the_eu_indemnity_stays_in_euros_for_an_invoice_in_another_currency():
    result = claim(invoice("E-2", date(2025, 1, 31), "1000.00", currency="USD"), as_of=date(2025, 3, 2),
                   terms=LegalTerms(Jurisdiction.EU))
    line = result.invoices[0]
    assert (line.indemnity, line.indemnity_currency) == (D("40"), "EUR")
    assert result.total_claimed == D("1009.16")  # the 40 EUR are not added to dollars
    assert len(result.warnings) == 1 and "EUR" in result.warnings[0] and "USD" in result.warnings[0]


# --- UK ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("amount", "fixed_sum"), [
    ("999.99", "40"), ("1000.00", "70"), ("9999.99", "70"), ("10000.00", "100"), ("250000.00", "100")])
def test_the_uk_fixed_sum_depends_on_the_invoice_amount(amount, fixed_sum):
    # The band follows the invoice amount, even once it is partly paid.
    facts = invoice("U-1", date(2025, 1, 31), amount, (date(2025, 2, 5), "1.00"), currency="GBP")
    result = claim(facts, as_of=date(2025, 3, 2), terms=LegalTerms(Jurisdiction.UK))
    assert (result.invoices[0].indemnity, result.invoices[0].indemnity_currency) == (D(fixed_sum), "GBP")
    assert result.basis == (BASIS_UK_INTEREST, BASIS_UK_FIXED_SUM)


def test_the_uk_rate_is_fixed_for_the_life_of_the_debt_at_the_reference_of_its_first_day():
    # £5 000 due 15 Dec 2024: interest starts 16 Dec 2024, so the reference is the base rate on 30 Jun 2024
    # (5.25 %) + 8 = 13.25 %, kept after 1 Jan 2025 although the next reference is 4.75 %.
    #   16 Dec 2024–13 Feb 2025: 16 + 31 + 13 = 60 days: 5000 × 13.25 × 60 = 3 975 000 / 36500 = 108.9041… → 108.90
    terms = LegalTerms(Jurisdiction.UK, rate_fixed_at_first_day=False)  # the Act fixes it whatever the option
    result = claim(invoice("U-2", date(2024, 12, 15), "5000.00", currency="GBP"), as_of=date(2025, 2, 13),
                   terms=terms)
    assert [(p.days, p.rate_percent) for p in result.invoices[0].parts] == [(60, D("13.25"))]
    assert (result.total_interest, result.total_indemnity, result.total_claimed) == (D("108.90"), D("70"),
                                                                                    D("5178.90"))


def test_a_uk_debt_due_on_31_december_takes_the_next_reference():
    # Interest starts 1 Jan 2025: base rate on 31 Dec 2024, 4.75 % + 8 = 12.75 %.
    #   1–30 Jan: 30 days: 1000 × 12.75 × 30 = 382 500 / 36500 = 10.4794… → 10.48
    result = claim(invoice("U-3", date(2024, 12, 31), "1000.00", currency="GBP"), as_of=date(2025, 1, 30),
                   terms=LegalTerms(Jurisdiction.UK))
    assert (result.invoices[0].parts[0].rate_percent, result.total_interest) == (D("12.75"), D("10.48"))


def test_uk_bands_applied_to_another_currency_are_flagged():
    result = claim(invoice("U-4", date(2025, 1, 31), "5000.00"), as_of=date(2025, 3, 2),
                   terms=LegalTerms(Jurisdiction.UK))
    assert result.total_claimed == result.total_remaining + result.total_interest
    assert any("as if they were pounds" in warning for warning in result.warnings)


# --- unconfirmed rates --------------------------------------------------------------------------------------------

def test_an_unconfirmed_half_year_refuses_to_compute():
    with pytest.raises(UnknownRate) as caught:
        claim(invoice("F-10", date(2026, 6, 15), "1000.00"), as_of=date(2026, 7, 10))
    assert (caught.value.half_year, caught.value.table, caught.value.day) == ("2026 H2", "fr_b2b", date(2026, 7, 1))
    assert "2026 H2" in str(caught.value) and "fr_b2b" in str(caught.value)


def test_a_consumer_notice_in_an_unconfirmed_half_year_refuses_to_compute():
    with pytest.raises(UnknownRate, match="fr_legal_other"):
        claim(invoice("C-4", date(2026, 6, 15), "1000.00"), as_of=date(2026, 7, 10), kind=B2C,
              notice=date(2026, 7, 1))


def test_the_owner_can_supply_the_unconfirmed_half_year():
    # 15 days in 2026 H1 at the shipped 12.15 %, 10 days in 2026 H2 at the owner's 12.40 %:
    #   1000 × 12.15 × 15 = 182 250; 1000 × 12.40 × 10 = 124 000; 306 250 / 36500 = 8.3904… → 8.39
    owner = load_rate_table('[[periods]]\nstart = 2026-07-01\nend = 2026-12-31\nrate_percent = "12.40"\n'
                            'source = "ECB decision of 11 Jun 2026, checked by the owner"\n', "fr_b2b")
    terms = LegalTerms(Jurisdiction.FR, rates={"fr_b2b": owner})
    line = claim(invoice("F-10", date(2026, 6, 15), "1000.00"), as_of=date(2026, 7, 10), terms=terms).invoices[0]
    assert [(p.days, p.rate_percent) for p in line.parts] == [(15, D("12.15")), (10, D("12.40"))]
    assert line.interest == D("8.39")


def test_a_debt_settled_before_an_unknown_half_year_needs_no_rate_from_it():
    # Paid 30 Jun 2026: 15 days at 12.15 %: 1000 × 12.15 × 15 = 182 250 / 36500 = 4.9931… → 4.99
    facts = invoice("F-11", date(2026, 6, 15), "1000.00", (date(2026, 6, 30), "1000.00"))
    assert claim(facts, as_of=date(2026, 8, 1)).total_interest == D("4.99")


# --- rate tables ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("table", "day", "rate"), [
    ("fr_b2b", date(2024, 1, 1), "14.50"), ("fr_b2b", date(2024, 7, 1), "14.25"),
    ("fr_b2b", date(2025, 6, 30), "13.15"), ("fr_b2b", date(2025, 7, 1), "12.15"),
    ("fr_b2b", date(2026, 6, 30), "12.15"),
    ("fr_legal_other", date(2024, 3, 1), "5.07"), ("fr_legal_other", date(2024, 9, 1), "4.92"),
    ("fr_legal_other", date(2025, 3, 1), "3.71"), ("fr_legal_other", date(2025, 9, 1), "2.76"),
    ("fr_legal_other", date(2026, 3, 1), "2.62"),
    ("eu_reference", date(2024, 3, 1), "12.50"), ("eu_reference", date(2026, 3, 1), "10.15"),
])
def test_the_shipped_tables_hold_the_rates_of_legal_md(table, day, rate):
    assert shipped_rates(table).rate_on(day) == D(rate)


@pytest.mark.parametrize("table", ["fr_b2b", "fr_legal_other", "eu_reference", "uk_base"])
def test_every_shipped_table_covers_each_half_year_from_2022_with_a_source(table):
    periods = shipped_rates(table).periods
    assert periods[0].start == date(2022, 1, 1)
    for before, after in zip(periods, periods[1:]):
        assert after.start.toordinal() == before.end.toordinal() + 1
    assert all(period.source for period in periods)
    assert periods[-1].rate_percent is None and periods[-1].start == date(2026, 7, 1)
    with pytest.raises(UnknownRate, match="2027 H1"):
        shipped_rates(table).rate_on(date(2027, 1, 1))


def test_a_rate_written_as_a_toml_number_is_read_exactly():
    table = load_rate_table("[[periods]]\nstart = 2025-01-01\nrate_percent = 12.15\nsource = \"x\"\n", "t")
    assert table.rate_on(date(2030, 1, 1)) == D("12.15")  # no end: until further notice


@pytest.mark.parametrize(("text", "complaint"), [
    ("periods = []", "has no"),
    ('[[periods]]\nstart = 2025-01-01\nrate_percent = "1"\n', "source"),
    ('[[periods]]\nstart = "2025-01-01"\nsource = "x"\n', "dates"),
    ('[[periods]]\nstart = 2025-07-01\nend = 2025-01-01\nsource = "x"\n', "before it starts"),
    ('[[periods]]\nstart = 2025-01-01\nrate_percent = "-1"\nsource = "x"\n', "positive"),
    ('[[periods]]\nstart = 2025-01-01\nrate_percent = "abc"\nsource = "x"\n', "not a number"),
    ('[[periods]]\nstart = 2025-01-01\nend = 2025-06-30\nsource = "x"\n'
     '[[periods]]\nstart = 2025-06-30\nsource = "y"\n', "overlaps"),
    ("not toml [", "not valid TOML"),
])
def test_a_malformed_rate_table_is_refused_with_what_to_fix(text, complaint):
    with pytest.raises(RateTableError, match=complaint):
        load_rate_table(text, "owner_table")


def test_one_claim_is_in_one_currency():
    with pytest.raises(ClaimError):
        claim(invoice("A", date(2025, 1, 31), "1.00"), invoice("B", date(2025, 1, 31), "1.00", currency="USD"),
              as_of=date(2025, 3, 1))
    with pytest.raises(ClaimError):
        claim(as_of=date(2025, 3, 1))


# --- limitation -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("due", "kind", "last_day"), [
    (date(2024, 3, 15), B2B, date(2029, 3, 15)),  # L110-4: 5 years
    (date(2024, 3, 15), B2C, date(2026, 3, 15)),  # L218-2: 2 years
    (date(2024, 2, 29), B2B, date(2029, 2, 28)),  # no 29 Feb 2029: the last day of that February (CPC 641)
    (date(2024, 2, 29), B2C, date(2026, 2, 28)),
    (date(2023, 2, 28), B2C, date(2025, 2, 28)),
])
def test_limitation_runs_from_the_due_date(due, kind, last_day):
    assert limitation_date(due, kind) == last_day


def test_the_watchdog_warns_90_then_30_days_before_limitation():
    # Consumer debt due 31 Mar 2024: limitation 31 Mar 2026. 90 days before: 31 Dec 2025 (31 + 28 + 31 days);
    # 30 days before: 1 Mar 2026.
    due = [date(2024, 3, 31)]
    assert limitation_warnings(due, B2C, today=date(2025, 12, 30)) == ()
    (first,) = limitation_warnings(due, B2C, today=date(2025, 12, 31))
    assert (first.limitation_date, first.threshold_days, first.days_left, first.reached_on) == (
        date(2026, 3, 31), 90, 90, date(2025, 12, 31))
    (still,) = limitation_warnings(due, B2C, today=date(2026, 2, 28))
    assert (still.threshold_days, still.days_left) == (90, 31)
    (urgent,) = limitation_warnings(due, B2C, today=date(2026, 3, 1))
    assert (urgent.threshold_days, urgent.days_left, urgent.reached_on, urgent.time_barred) == (
        30, 30, date(2026, 3, 1), False)
    (last,) = limitation_warnings(due, B2C, today=date(2026, 3, 31))
    assert (last.days_left, last.time_barred) == (0, False)
    (barred,) = limitation_warnings(due, B2C, today=date(2026, 4, 1))
    assert (barred.days_left, barred.time_barred) == (-1, True)


def test_the_watchdog_lists_each_due_date_once_most_urgent_first():
    # Business debts: 5 years. On 1 Mar 2030: due 1 Apr 2025 → 1 Apr 2030, 31 days left (level 90);
    # due 20 Mar 2025 → 20 Mar 2030, 19 days left (level 30); due 1 Sep 2025 → far away, no warning.
    due = [date(2025, 4, 1), date(2025, 3, 20), date(2025, 9, 1), date(2025, 3, 20)]
    warnings = limitation_warnings(due, B2B, today=date(2030, 3, 1))
    assert [(w.due_date, w.threshold_days, w.days_left) for w in warnings] == [
        (date(2025, 3, 20), 30, 19), (date(2025, 4, 1), 90, 31)]


def test_a_contractual_rate_must_be_a_positive_decimal():
    with pytest.raises(ValueError, match="contractual rate"):
        LegalTerms(Jurisdiction.FR, contractual_rate_percent=D("-1"))
