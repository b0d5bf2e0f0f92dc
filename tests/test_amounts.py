"""Sums of money in prose, with the role their words give them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dialogs.amounts import MoneyRole, find_amounts


@pytest.mark.parametrize("text, value, currency", [
    ("1 250,50 €", "1250.50", "EUR"),
    ("1\u202f250,50\u00a0€", "1250.50", "EUR"),
    ("1.250,50 EUR", "1250.50", "EUR"),
    ("€1,250.50", "1250.50", "EUR"),
    ("1250 euros", "1250", "EUR"),
    ("800€", "800", "EUR"),
    ("500 balles", "500", "EUR"),
    ("£300", "300", "GBP"),
    ("300 livres sterling", "300", "GBP"),
    ("USD 2,000", "2000", "USD"),
    ("$2,000.00", "2000.00", "USD"),
    ("1,250 €", "1250", "EUR"),  # a reply never means a euro and a quarter
    ("je peux verser 500 vendredi", "500", None),
    ("EUR 2'340.00", "2340.00", "EUR"),  # Swiss thousands
    ("2\u2019340,50 €", "2340.50", "EUR"),  # typographic apostrophe
    ("CHF 3'450.\u2013", "3450", "CHF"),  # Swiss: a dash for no cents
    ("3'450.- CHF", "3450", "CHF"),
    ("Fr. 1'200.00", "1200.00", "CHF"),
    ("SEK 48 000", "48000", "SEK"),
    ("1 250 000 FCFA", "1250000", "XOF"),
    ("12 500 francs CFA", "12500", "XOF"),
    ("35 000 F CFP", "35000", "XPF"),
    ("A$ 1,200", "1200", "AUD"),
    ("NZD 9,870.00", "9870.00", "NZD"),
    ("4 500 kr", "4500", "SEK"),
    ("Rs. 5,000", "5000", "INR"),
    ("le chèque de 210e", "210", "EUR"),  # SMS French
    ("2 150,00 $ CA", "2150.00", "CAD"),  # the country after the sign, as French writers put it
    ("500 $CA", "500", "CAD"),
    ("100 livre sterling", "100", "GBP"),
    ("Amount R38 500,00", "38500.00", "ZAR"),
    ("450 francs", "450", "CHF"),
    ("860,- EUR", "860", "EUR"),  # German
    ("€ 1.200,-", "1200", "EUR"),  # Dutch: with the dash, the point groups thousands
])
def test_each_way_of_writing_a_sum_is_read(text, value, currency):
    [mention] = find_amounts(text)
    assert (mention.value, mention.currency, mention.role) == (Decimal(value), currency, MoneyRole.SUM)


def test_the_span_is_the_written_sum():
    text = "Je vous règle les 1 250,50 € vendredi."
    [mention] = find_amounts(text)
    assert text[mention.start:mention.end] == "1 250,50 €"


@pytest.mark.parametrize("text", [
    "Tél. 06 12 34 56 78", "SIRET 123 456 789 00012", "facture F2026-0142", "le 15/12/2026",
    "payer les 2 factures", "TVA FR12345678901",
])
def test_numbers_that_are_not_sums_are_left_alone(text):
    assert find_amounts(text) == []


@pytest.mark.parametrize("text, role, count", [
    ("SARL au capital de 10 000 €", MoneyRole.CAPITAL, None),
    ("en 3 x 400 €", MoneyRole.INSTALLMENT, 3),
    ("trois fois 200 €", MoneyRole.INSTALLMENT, 3),
    ("3 mensualités de 400 €", MoneyRole.INSTALLMENT, 3),
    ("three payments of €500", MoneyRole.INSTALLMENT, 3),
    ("300 € par mois", MoneyRole.INSTALLMENT, None),
    ("400€/mois", MoneyRole.INSTALLMENT, None),
    ("$250 a week", MoneyRole.INSTALLMENT, None),
    ("£50 every two weeks", MoneyRole.INSTALLMENT, None),
    ("£75 every friday", MoneyRole.INSTALLMENT, None),
    ("50 € tous les lundis", MoneyRole.INSTALLMENT, None),
    ("100 € tous les quinze jours", MoneyRole.INSTALLMENT, None),
    ("$600 on the 15th of each month", MoneyRole.INSTALLMENT, None),
    ("300 € le 5 de chaque mois", MoneyRole.INSTALLMENT, None),
    ("les 2 000 € dus", MoneyRole.OWED, None),
    ("I owe you £1,200", MoneyRole.OWED, None),
    ("invoices over $1,000 need two signatures", MoneyRole.LIMIT, None),
    ("payment of USD 2,000 was sent", MoneyRole.SUM, None),
    ("700 € chaque fois", MoneyRole.INSTALLMENT, None),
    ("£300 on the 1st of March, April and May", MoneyRole.INSTALLMENT, None),
    ("the second installment of €400", MoneyRole.INSTALLMENT, None),
    ("in 4 rates of EUR 500", MoneyRole.INSTALLMENT, 4),
    ("la différence de 250 €", MoneyRole.CONTESTED, None),
    ("£120 overcharged", MoneyRole.CONTESTED, None),
    ("90 € de trop", MoneyRole.CONTESTED, None),
    ("we won't be paying for those (€540)", MoneyRole.CONTESTED, None),
    ("je réglerai, mais pas les 40 € de pénalités", MoneyRole.CONTESTED, None),
    ("the agreed price of £900", MoneyRole.AGREED, None),
    ("1 500 € comme convenu", MoneyRole.AGREED, None),
])
def test_the_words_around_a_sum_give_its_role(text, role, count):
    [mention] = find_amounts(text)
    assert (mention.role, mention.count) == (role, count)


def test_several_sums_come_in_reading_order():
    values = [m.value for m in find_amounts("sur les 2 000 € dus, je verse 500 € vendredi")]
    assert values == [Decimal("2000"), Decimal("500")]


@pytest.mark.parametrize("text", ["in 6 weekly payments of €150", "en 6 versements hebdomadaires de 150 €"])
def test_the_rhythm_between_the_count_and_the_installments_keeps_the_count(text):
    [mention] = find_amounts(text)
    assert (mention.value, mention.role, mention.count) == (Decimal("150"), MoneyRole.INSTALLMENT, 6)


@pytest.mark.parametrize("text", ["le 21e siècle", "la 3e relance", "ils 2 fois", "mad 100 %", "les 20 livres de code",
                                  "la route R2 est fermée"])
def test_ordinals_and_words_that_look_like_currencies_are_no_sums(text):
    assert find_amounts(text) == []


@pytest.mark.parametrize("text, answered, currency", [
    ("$29,600", "Re: Invoice awaiting payment: A$29,600.00", "AUD"),  # a shared sign, read as the reminder's
    ("$29,600", "Re: Invoice awaiting payment: €29,600.00", "USD"),  # another currency: the sign's own
    ("4 500 kr", "Påminnelse: NOK 4 500,00", "NOK"),
    ("je peux verser 500 vendredi", "Relance : 500,00 € à régler", "EUR"),  # no sign at all
    ("je peux verser 500 vendredi", "", None),
    ("£300", "Relance : 300,00 €", "GBP"),  # a sign of its own is never overridden
])
def test_a_shared_or_missing_sign_reads_as_the_reminder_answered(text, answered, currency):
    [mention] = find_amounts(text)
    context = next((m.currency for m in find_amounts(answered) if m.currency), None)
    assert mention.currency_in(context) == currency


@pytest.mark.parametrize("text, role", [
    ("Sur 120 ml, l'écart est de 540,00 € HT.", MoneyRole.CONTESTED),
    ("vous me facturez 1 020 €, soit 170 € de plus que le devis", MoneyRole.CONTESTED),
    ("please issue a credit memo for the $650.00 difference", MoneyRole.CONTESTED),
    ("nous déduirons la séance annulée (700 €)", MoneyRole.CONTESTED),
    ("l'écart s'élève à 240,00 € HT", MoneyRole.CONTESTED),
    ("Nous contestons donc 180,00 € sur cette facture", MoneyRole.CONTESTED),
    ("je vous propose de retirer 200 € pour la réparation", MoneyRole.CONTESTED),
    ("your colleague agreed to knock €150 off", MoneyRole.CONTESTED),
    ("je vous propose de régler les 2 980 € en deux fois", MoneyRole.OWED),  # the whole debt, to be split
    ("je ne peux pas vous payer 850 euros d'un coup", MoneyRole.OWED),
    ("1 000 € tout de suite et le reste 3 200 € en 4 fois", MoneyRole.SUM),  # what is left is not the whole
    ("je vous envoie 200 € de plus demain", MoneyRole.SUM),
    ("un client qui me doit 4 000 balles depuis septembre", MoneyRole.LIMIT),  # someone else's debt
])
def test_the_part_contested_and_a_third_partys_debt_are_told_apart(text, role):
    assert [m.role for m in find_amounts(text)][-1] is role


def test_months_at_a_sum_are_that_many_installments():
    [mention] = find_amounts("Could we stretch it to 6 months at $250, starting in March?")
    assert (mention.role, mention.count) == (MoneyRole.INSTALLMENT, 6)


def test_a_count_repeated_in_figures_still_counts_the_installments():
    [mention] = find_amounts("in three (3) instalments of EUR 1,000 each")
    assert (mention.role, mention.count) == (MoneyRole.INSTALLMENT, 3)


@pytest.mark.parametrize("text, value, currency", [
    ("MUR 15,000", "15000", "MUR"),
    ("2\u202f500\u202f000 MGA", "2500000", "MGA"),
    ("we paid KES 120 000 on Monday", "120000", "KES"),
])
def test_any_iso_currency_code_in_capitals_is_a_currency(text, value, currency):
    [mention] = find_amounts(text)
    assert (mention.value, mention.currency) == (Decimal(value), currency)


@pytest.mark.parametrize("text", ["top 10 tips", "les 3 mur de la cour"])
def test_a_lower_case_word_that_spells_a_currency_code_is_no_currency(text):
    assert find_amounts(text) == []
