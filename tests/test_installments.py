"""The installments a plan request proposes, as far as its words date and size them."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from dialogs.installments import Installment
from dialogs.understanding import understand_text

MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("Europe/London"))


def test_weekly_payments_step_by_a_week_from_their_start():
    understanding = understand_text("Could we pay the €900 in 6 weekly payments of €150, starting this Friday?",
                                    sent_at=MONDAY)
    fridays = [date(2026, 12, 11) + timedelta(weeks=i) for i in range(6)]
    assert list(understanding.installments) == [Installment(day, Decimal(150)) for day in fridays]
    assert understanding.amount == Decimal(900)


@pytest.mark.parametrize("text", [
    "Could I do 50% now and the remaining 50% by the end of February?",
    "Could we split this one? Half now and half at the end of February.",
])
def test_a_share_now_and_the_rest_later_dates_only_the_last(text):
    understanding = understand_text(text, sent_at=MONDAY)
    assert list(understanding.installments) == [Installment(None, None), Installment(date(2027, 2, 28), None)]


@pytest.mark.parametrize("text, installments", [
    ("Je vous propose 500 € maintenant et le solde de 700 € fin janvier.",
     [Installment(MONDAY.date(), Decimal(500)), Installment(date(2027, 1, 31), Decimal(700))]),
    ("Could we pay £1,000 before 31 March and the remaining £650 in April?",
     [Installment(date(2027, 3, 31), Decimal(1000)), Installment(None, Decimal(650))]),
    ("Serait-il possible de payer 450 € d'ici le 15 décembre et les 450 € restants fin janvier ?",
     [Installment(date(2026, 12, 15), Decimal(450)), Installment(date(2027, 1, 31), Decimal(450))]),
    ("We ask to pay in two rates: first rate of 1.100 EUR on 15.01.2027 and second rate of 1.100 EUR on 15.02.2027.",
     [Installment(date(2027, 1, 15), Decimal(1100)), Installment(date(2027, 2, 15), Decimal(1100))]),
])
def test_each_share_is_sized_and_dated_as_said_and_the_plan_is_for_their_sum(text, installments):
    understanding = understand_text(text, sent_at=MONDAY)
    assert list(understanding.installments) == installments
    assert understanding.amount == sum(i.amount for i in installments)


def test_a_count_of_months_in_brackets_sets_the_number_of_installments():
    understanding = understand_text("Pourriez-vous accepter un plan de paiement ? 250 € par mois (soit 4 mois), "
                                    "le premier versement le 5 janvier.", sent_at=MONDAY)
    assert list(understanding.installments) == [Installment(date(2027, m, 5), Decimal(250)) for m in (1, 2, 3, 4)]


def test_the_same_sum_on_several_months_day_is_one_installment_each():
    understanding = understand_text("Could we split this over three months? I could do £300 on the 1st of December, "
                                    "January and February.", sent_at=MONDAY)
    assert (len(understanding.installments), understanding.amount) == (3, Decimal(900))


def test_what_will_remain_is_an_installment_without_a_sum_so_the_plan_has_no_total():
    understanding = understand_text("Puis-je payer en trois fois : 600 € le 10 décembre, 600 € le 10 janvier puis "
                                    "ce qui restera le 10 février ?", sent_at=MONDAY)
    assert understanding.installments[-1] == Installment(date(2027, 2, 10), None)
    assert understanding.amount is None


def test_each_time_makes_a_sum_the_size_of_every_share():
    understanding = understand_text("Deux versements : la moitié maintenant et l'autre moitié le 15 janvier, "
                                    "950 euros chaque fois.", sent_at=MONDAY)
    assert understanding.amount == Decimal(1900)
