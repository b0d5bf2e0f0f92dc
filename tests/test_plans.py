"""Payment plans: what is proposed inside the owner's bounds, what breaks them, how a debtor's request is completed,
which option a reply chooses, and how the options and the agreed plan are written."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from dialogs.installments import Installment
from dialogs.parties import Language
from dialogs.plans import (
    PlanBounds,
    PlanOption,
    ScheduledPayment,
    check_plan,
    choose_option,
    plan_from_request,
    propose_plans,
    render_plan_confirmed,
    render_plan_options,
)
from dialogs.reminders import Creditor
from dialogs.templating import template_environment

TODAY = date(2026, 12, 15)  # a Tuesday
BOUNDS = PlanBounds(max_installments=6, min_installment=Decimal("50"), max_months=6, first_within_days=15,
                    down_payment_percent=Decimal("0"))
CREDITOR = Creditor(name="Atelier Durand", email="compta@atelier-durand.fr", iban="FR76 3000 6000 0112 3456 7890 189",
                    payment_link="https://pay.example/atelier-durand")


def plan(*payments: tuple[date, str]) -> PlanOption:
    return PlanOption(tuple(ScheduledPayment(day, Decimal(amount)) for day, amount in payments))


def schedule(option: PlanOption) -> list[tuple[date, str]]:
    return [(p.due_on, str(p.amount)) for p in option.installments]


def spaces(text: str) -> str:
    # Babel's French spaces (U+202F between thousands, U+00A0 before "€") read as plain ones.
    return text.replace("\u202f", " ").replace("\u00a0", " ")


# --- proposals ----------------------------------------------------------------------------------------------------

def test_a_balance_is_offered_two_three_and_the_most_installments_the_bounds_allow():
    options = propose_plans(Decimal("2500.00"), today=TODAY, bounds=BOUNDS)
    assert [o.count for o in options] == [2, 3, 6]
    assert schedule(options[1]) == [(date(2026, 12, 30), "833.33"), (date(2027, 1, 29), "833.33"),
                                    (date(2027, 2, 26), "833.34")]


@pytest.mark.parametrize("balance", ["1000.00", "999.99", "2500.00", "101.00", "12345.67"])
def test_installments_are_equal_cents_with_the_odd_ones_on_the_last(balance):
    for option in propose_plans(Decimal(balance), today=TODAY, bounds=BOUNDS):
        *first, last = [p.amount for p in option.installments]
        assert option.total == Decimal(balance)
        assert len(set(first)) == 1 and Decimal(0) <= last - first[0] < Decimal("0.01") * option.count


def test_a_thousand_in_three_is_333_33_twice_and_333_34():
    three = next(o for o in propose_plans(Decimal("1000.00"), today=TODAY, bounds=BOUNDS) if o.count == 3)
    assert [str(p.amount) for p in three.installments] == ["333.33", "333.33", "333.34"]


@pytest.mark.parametrize(("today", "expected"), [
    # The latest weekday within 15 days (Sunday 31 January → Friday 29), then the 29th of each month: 28 February
    # 2027 is a Sunday, and moving forward would leave February, so it moves back to Friday 26.
    (date(2027, 1, 16), [date(2027, 1, 29), date(2027, 2, 26), date(2027, 3, 29), date(2027, 4, 29)]),
    # The 31st, kept in months that have one and the month's last day in those that don't.
    (date(2027, 3, 16), [date(2027, 3, 31), date(2027, 4, 30), date(2027, 5, 31), date(2027, 6, 30)]),
    # A leap year's 29 February (a Tuesday).
    (date(2027, 12, 17), [date(2027, 12, 31), date(2028, 1, 31), date(2028, 2, 29), date(2028, 3, 31)]),
    # Saturday 30 January 2027 moves back to Friday 29 rather than to 1 February.
    (TODAY, [date(2026, 12, 30), date(2027, 1, 29), date(2027, 2, 26), date(2027, 3, 30)]),
], ids=["february-sunday", "month-ends", "leap-february", "saturday-month-end"])
def test_due_dates_are_monthly_on_allowed_weekdays_one_per_month(today, expected):
    bounds = replace(BOUNDS, max_installments=4)
    longest = propose_plans(Decimal("1000.00"), today=today, bounds=bounds)[-1]
    assert [p.due_on for p in longest.installments] == expected


@pytest.mark.parametrize("weekdays", [frozenset({0}), frozenset({2, 4}), frozenset({5, 6}), frozenset(range(7))])
@pytest.mark.parametrize("today", [TODAY + timedelta(days=n) for n in range(0, 400, 23)])
def test_every_proposed_date_falls_on_an_allowed_weekday_within_the_bounds(today, weekdays):
    bounds = replace(BOUNDS, weekdays=weekdays)
    options = propose_plans(Decimal("3000.00"), today=today, bounds=bounds)
    assert options
    for option in options:
        days = [p.due_on for p in option.installments]
        assert all(day.weekday() in weekdays for day in days)
        assert len({(day.year, day.month) for day in days}) == len(days)  # one a month
        assert check_plan(option, balance=Decimal("3000.00"), today=today, bounds=bounds) == ()


def test_no_installment_falls_beyond_max_months():
    bounds = replace(BOUNDS, max_installments=12, max_months=3)
    options = propose_plans(Decimal("1000.00"), today=TODAY, bounds=bounds)
    # 30 December, then January, February and March: the 30 March one is after 15 March.
    assert [o.count for o in options] == [2, 3]
    assert max(o.last_due for o in options) <= date(2027, 3, 15)


@pytest.mark.parametrize(("balance", "counts"), [
    ("250.00", [2]),  # three would be 83.33, under the 100.00 minimum
    ("300.00", [2, 3]),
    ("600.00", [2, 3, 6]),
    ("199.99", []),  # under twice the minimum: one payment is a promise, not a plan
    ("0.00", []),
    ("-50.00", []),
])
def test_every_installment_reaches_the_minimum_so_a_small_balance_gets_fewer_options(balance, counts):
    bounds = replace(BOUNDS, min_installment=Decimal("100"))
    assert [o.count for o in propose_plans(Decimal(balance), today=TODAY, bounds=bounds)] == counts


def test_a_down_payment_raises_the_first_installment_and_the_others_share_the_rest():
    bounds = replace(BOUNDS, down_payment_percent=Decimal("30"))
    options = propose_plans(Decimal("1000.00"), today=TODAY, bounds=bounds)
    by_count = {o.count: [str(p.amount) for p in o.installments] for o in options}
    assert by_count[2] == ["500.00", "500.00"]  # half already covers 30%
    assert by_count[6] == ["300.00", "140.00", "140.00", "140.00", "140.00", "140.00"]
    assert options[0].installments[0].due_on <= TODAY + timedelta(days=15)


def test_a_down_payment_is_rounded_up_to_the_cent():
    bounds = replace(BOUNDS, down_payment_percent=Decimal("30"))
    six = propose_plans(Decimal("999.99"), today=TODAY, bounds=bounds)[-1]
    assert [str(p.amount) for p in six.installments] == ["300.00", "139.99", "139.99", "139.99", "139.99", "140.03"]


@pytest.mark.parametrize(("max_installments", "counts"), [(1, []), (2, [2]), (3, [2, 3]), (4, [2, 3, 4])])
def test_options_are_never_repeated(max_installments, counts):
    bounds = replace(BOUNDS, max_installments=max_installments)
    assert [o.count for o in propose_plans(Decimal("1000.00"), today=TODAY, bounds=bounds)] == counts


def test_no_plan_when_the_window_for_the_first_payment_holds_no_allowed_day():
    bounds = replace(BOUNDS, first_within_days=1, weekdays=frozenset({4}))  # Fridays, and today is a Tuesday
    assert propose_plans(Decimal("1000.00"), today=TODAY, bounds=bounds) == ()


@pytest.mark.parametrize("field, value", [("max_installments", 0), ("min_installment", Decimal("-1")),
                                          ("max_months", 0), ("first_within_days", -1),
                                          ("down_payment_percent", Decimal("100")), ("weekdays", frozenset()),
                                          ("weekdays", frozenset({7}))])
def test_bounds_out_of_range_are_refused_naming_the_key(field, value):
    with pytest.raises(ValueError, match=field):
        replace(BOUNDS, **{field: value})


# --- checking -----------------------------------------------------------------------------------------------------

GOOD = plan((date(2026, 12, 30), "400.00"), (date(2027, 1, 29), "400.00"), (date(2027, 2, 26), "200.00"))


@pytest.mark.parametrize(("option", "bounds", "reason"), [
    (plan(*[(date(2027, m, 15), "100.00") for m in range(1, 8)]), replace(BOUNDS, max_months=12),
     "7 installments, more than 6"),
    (plan((date(2026, 12, 30), "970.00"), (date(2027, 1, 29), "30.00")), BOUNDS,
     "an installment of 30.00 is under the minimum of 50.00"),
    (plan((date(2026, 12, 30), "500.00"), (date(2027, 9, 1), "500.00")), BOUNDS, "ends 2027-09-01, after 6 months"),
    (plan((date(2026, 12, 31), "500.00"), (date(2027, 1, 29), "500.00")), BOUNDS,
     "first payment 2026-12-31, later than 15 days"),
    (plan((date(2026, 12, 14), "500.00"), (date(2027, 1, 29), "500.00")), BOUNDS,
     "first payment 2026-12-14 is already past"),
    (plan((date(2026, 12, 30), "500.00"), (date(2027, 1, 29), "400.00")), BOUNDS,
     "does not add up to the balance (900.00 for 1000.00)"),
    (plan((date(2026, 12, 30), "500.00"), (date(2027, 1, 2), "500.00")), BOUNDS, "2027-01-02 falls on a Saturday"),
    (plan((date(2027, 1, 29), "500.00"), (date(2026, 12, 30), "500.00")), BOUNDS, "dates not in increasing order"),
    (plan((date(2026, 12, 30), "200.00"), (date(2027, 1, 29), "800.00")),
     replace(BOUNDS, down_payment_percent=Decimal("30")), "a first payment of 200.00 is under the 30% down payment "
                                                          "of 300.00"),
    (plan((date(2026, 12, 30), "500.005"), (date(2027, 1, 29), "499.995")), BOUNDS,
     "an installment of 500.005 has fractions of a cent"),
    (plan((date(2026, 12, 30), "1000.00"), (date(2027, 1, 29), "0.00")), replace(BOUNDS, min_installment=Decimal(0)),
     "an installment of 0.00 is not a payment"),
    (PlanOption(()), BOUNDS, "no installments"),
], ids=["count", "minimum", "months", "first-late", "first-past", "total", "weekday", "order", "down-payment",
        "sub-cent", "zero", "empty"])
def test_check_plan_names_each_breach(option, bounds, reason):
    assert reason in check_plan(option, balance=Decimal("1000.00"), today=TODAY, bounds=bounds)


def test_a_plan_within_bounds_has_no_reasons():
    assert check_plan(GOOD, balance=Decimal("1000.00"), today=TODAY, bounds=BOUNDS) == ()


def test_a_plan_breaking_several_bounds_gets_every_reason():
    option = plan((date(2027, 1, 2), "30.00"), (date(2027, 9, 4), "30.00"))
    assert check_plan(option, balance=Decimal("1000.00"), today=TODAY, bounds=BOUNDS) == (
        "an installment of 30.00 is under the minimum of 50.00",
        "first payment 2027-01-02, later than 15 days",
        "ends 2027-09-04, after 6 months",
        "does not add up to the balance (60.00 for 1000.00)",
        "2027-01-02 falls on a Saturday",
        "2027-09-04 falls on a Saturday",
    )


# --- the debtor's own request ----------------------------------------------------------------------------------

def request(*entries: tuple[date | None, str | None]) -> list[Installment]:
    return [Installment(day, Decimal(amount) if amount else None) for day, amount in entries]


def completed(entries: list[Installment], balance: str = "1000.00", bounds: PlanBounds = BOUNDS):
    option = plan_from_request(entries, balance=Decimal(balance), today=TODAY, bounds=bounds)
    return None if option is None else schedule(option)


DEC30, JAN29, FEB26 = date(2026, 12, 30), date(2027, 1, 29), date(2027, 2, 26)
JAN15, FEB15, MAR15 = date(2027, 1, 15), date(2027, 2, 15), date(2027, 3, 15)


@pytest.mark.parametrize(("entries", "balance", "expected"), [
    # "en trois fois": the days propose_plans would use, equal amounts
    (request((None, None), (None, None), (None, None)), "1000.00",
     [(DEC30, "333.33"), (JAN29, "333.33"), (FEB26, "333.34")]),
    # "3 x 400 €" on 1000: runs until the balance is covered, the last taking the rest
    (request((None, "400"), (None, "400"), (None, "400")), "1000.00", [(DEC30, "400.00"), (JAN29, "400.00"),
                                                                       (FEB26, "200.00")]),
    # "3 x 400 €" on 1500: the last takes the rest
    (request((None, "400"), (None, "400"), (None, "400")), "1500.00", [(DEC30, "400.00"), (JAN29, "400.00"),
                                                                       (FEB26, "700.00")]),
    # "5 x 400 €" on 1000: installments past the balance are dropped
    (request(*[(None, "400")] * 5), "1000.00", [(DEC30, "400.00"), (JAN29, "400.00"), (FEB26, "200.00")]),
    # "le 15/01 et le 15/02": equal amounts on the debtor's dates, put in order
    (request((FEB15, None), (JAN15, None)), "1000.00", [(JAN15, "500.00"), (FEB15, "500.00")]),
    # "400 € le 15/01, 400 € le 15/02 et le reste le 15/03"
    (request((JAN15, "400"), (FEB15, "400"), (MAR15, None)), "1000.00",
     [(JAN15, "400.00"), (FEB15, "400.00"), (MAR15, "200.00")]),
    # "400 € le 15 janvier, le reste en deux fois": monthly after the debtor's date
    (request((JAN15, "400"), (None, None), (None, None)), "1000.00",
     [(JAN15, "400.00"), (FEB15, "300.00"), (MAR15, "300.00")]),
    # a schedule dated and priced in full is the debtor's word: kept, even when it falls short (check_plan says so)
    (request((JAN15, "300"), (FEB15, "300")), "1000.00", [(JAN15, "300.00"), (FEB15, "300.00")]),
], ids=["count", "amounts-over", "amounts-under", "amounts-past-balance", "dates", "dated-rest", "partly-dated",
        "full-schedule"])
def test_a_request_is_completed_into_a_schedule(entries, balance, expected):
    assert completed(entries, balance) == expected


def test_a_count_alone_with_a_down_payment_raises_the_first_installment():
    bounds = replace(BOUNDS, down_payment_percent=Decimal("50"))
    assert completed(request((None, None), (None, None), (None, None)), bounds=bounds) == [
        (DEC30, "500.00"), (JAN29, "250.00"), (FEB26, "250.00")]


def test_a_completed_count_is_the_proposed_option_of_that_count():
    option = plan_from_request(request((None, None), (None, None), (None, None)), balance=Decimal("2500.00"),
                               today=TODAY, bounds=BOUNDS)
    assert option in propose_plans(Decimal("2500.00"), today=TODAY, bounds=BOUNDS)


@pytest.mark.parametrize(("entries", "balance"), [([], "1000.00"), (request((None, None)), "0.00"),
                                                   (request((None, "400"), (None, "400")), "-10.00")])
def test_nothing_usable_gives_no_plan(entries, balance):
    assert completed(entries, balance) is None


def test_a_request_beyond_the_bounds_is_completed_and_then_refused_by_check_plan():
    option = plan_from_request(request(*[(None, "100")] * 10), balance=Decimal("1000.00"), today=TODAY, bounds=BOUNDS)
    assert option is not None and option.count == 10
    assert "10 installments, more than 6" in check_plan(option, balance=Decimal("1000.00"), today=TODAY,
                                                         bounds=BOUNDS)


# --- choosing in a reply ------------------------------------------------------------------------------------------

OPTIONS = propose_plans(Decimal("2500.00"), today=TODAY, bounds=BOUNDS)  # 2, 3 and 6 installments

CHOICES = [
    # (reply, index chosen or None) — one line per phrasing
    ("1", 0),
    ("2.", 1),
    ("3 !", 2),
    ("option 2", 1),
    ("Option 2 svp", 1),
    ("Bonjour,\n\n2\n\nCordialement,\nJean Dupont", 1),
    ("la 2", 1),
    ("je prends la 2, merci", 1),
    ("J'opte pour la 3e", 2),
    ("la 2ème", 1),
    ("la deuxième", 1),
    ("la seconde", 1),
    ("la première", 0),
    ("Le premier me va", 0),
    ("le premier échéancier", 0),
    ("la dernière", 2),
    ("the second one", 1),
    ("the 2nd option", 1),
    ("the last one", 2),
    ("#3", 2),
    ("I choose option 3", 2),
    ("Option two please", 1),
    ("I'd go with number 2", 1),
    ("je prends 2", 1),
    ("ok pour 3 fois", 1),
    ("je prends l'option en trois mois", 1),
    ("I'll take the three-month one", 1),
    ("3 installments please", 1),
    ("6 mensualités", 2),
    ("in six monthly payments", 2),
    ("3 x 833,33 €", 1),
    ("pas la 1, la 2", 1),
    ("Je préfère la 1 plutôt que la 2", 0),
    ("je prends l'option 2 pour la facture n°3", 1),
    # nothing chosen: unclear, several, refused
    ("1 or 2?", None),
    ("option 1 ou 2", None),
    ("la première ou la seconde", None),
    ("ni l'une ni l'autre", None),
    ("aucune ne me convient", None),
    ("none of these", None),
    ("I can't do any of them", None),
    ("je ne peux pas payer en 2 fois", None),
    ("peut-être la 2", None),
    ("c'est quoi la 3 ?", None),
    ("2 mois de délai svp", None),
    ("plan B", None),
    ("OK", None),
    ("en 4 fois", None),  # no option has four
    # numbers that are not choices: amounts, dates, invoices, durations
    ("1 200 €", None),
    ("le 15", None),
    ("Je paierai le 2", None),
    ("je prends le 3 janvier", None),
    ("I'll pay on the 2nd", None),
    ("la première fois que je paie en retard", None),
    ("the first payment is ok", None),
    ("facture n°2", None),
    ("invoice #3", None),
    ("I can pay in 2 weeks", None),
    ("Je peux payer 400 € le 15 janvier", None),
    ("2 factures", None),
]


@pytest.mark.parametrize(("reply", "expected"), CHOICES, ids=[reply for reply, _ in CHOICES])
def test_choose_option_reads_the_reply(reply, expected):
    assert choose_option(reply, OPTIONS) == expected


def test_a_number_beyond_the_options_chooses_nothing():
    assert choose_option("3", OPTIONS[:2]) is None


# --- storage form -------------------------------------------------------------------------------------------------

def test_a_plan_round_trips_through_json():
    assert GOOD.as_json() == [{"date": "2026-12-30", "amount": "400.00"}, {"date": "2027-01-29", "amount": "400.00"},
                              {"date": "2027-02-26", "amount": "200.00"}]
    assert PlanOption.from_json(GOOD.as_json()) == GOOD
    assert (GOOD.total, GOOD.count, GOOD.last_due) == (Decimal("1000.00"), 3, date(2027, 2, 26))


def test_whole_amounts_are_stored_with_their_cents():
    assert plan((DEC30, "400"),).as_json() == [{"date": "2026-12-30", "amount": "400.00"}]


@pytest.mark.parametrize("data", [[{"date": "2026-13-01", "amount": "1"}], [{"date": "2026-12-30"}],
                                  [{"date": "2026-12-30", "amount": "lots"}], [None]])
def test_a_damaged_stored_plan_is_refused(data):
    with pytest.raises(ValueError, match="not a stored payment plan"):
        PlanOption.from_json(data)


# --- writing ------------------------------------------------------------------------------------------------------

ENV = template_environment()


def options_message(language: Language, options=OPTIONS, **overrides):
    arguments = {"language": language, "options": options, "currency": "EUR", "creditor": CREDITOR,
                 "reference": "REL-000042", "debtor_name": "Dupont SARL"} | overrides
    return render_plan_options(ENV, **arguments)


def test_the_options_are_numbered_with_dates_and_amounts_in_french():
    message = options_message(Language.FR)
    text = spaces(message.text)
    subject = "Atelier Durand – Proposition d'échéancier pour 2 500,00 € (réf. REL-000042)"
    assert spaces(message.subject) == subject
    assert "Option 1 : 2 versements\n  - 1 250,00 € au plus tard le 30 décembre 2026\n" in text
    assert "Option 2 : 3 versements\n  - 833,33 € au plus tard le 30 décembre 2026\n" in text
    assert "  - 833,34 € au plus tard le 26 février 2027\n" in text
    assert "Option 3 : 6 versements" in text
    assert "répondez simplement avec le numéro de l'option choisie" in text
    assert message.html == ""


def test_the_options_are_numbered_with_dates_and_amounts_in_english():
    message = options_message(Language.EN)
    assert message.subject == "Atelier Durand – Payment plan options for €2,500.00 (ref. REL-000042)"
    assert "Option 1: 2 installments\n  - €1,250.00 by 30 December 2026\n" in message.text
    assert "  - €833.34 by 26 February 2027\n" in message.text
    assert "reply with the number of the option you choose" in message.text


@pytest.mark.parametrize("language", list(Language))
def test_the_reply_the_message_asks_for_is_read_back_as_that_option(language):
    # Each option's own heading line, sent back, chooses it.
    headings = [line for line in options_message(language).text.splitlines() if line.startswith("Option ")]
    assert [choose_option(line, OPTIONS) for line in headings] == [0, 1, 2]


def test_a_single_option_asks_for_a_plain_yes():
    assert "répondez simplement « 1 »" in options_message(Language.FR, options=OPTIONS[:1]).text


def test_there_is_no_message_without_options():
    with pytest.raises(ValueError):
        options_message(Language.FR, options=())


@pytest.mark.parametrize(("language", "subject", "lines"), [
    (Language.FR, "Atelier Durand – Confirmation de votre échéancier en 3 versements (réf. REL-000042)",
     ["de 2 500,00 € (réf. REL-000042)", "  - 833,33 € au plus tard le 30 décembre 2026",
      "  - 833,34 € au plus tard le 26 février 2027", "avec chaque règlement (IBAN : FR76 3000",
      "https://pay.example/atelier-durand"]),
    (Language.EN, "Atelier Durand – Your payment plan in 3 installments is confirmed (ref. REL-000042)",
     ["of €2,500.00 (ref. REL-000042)", "  - €833.33 by 30 December 2026", "  - €833.34 by 26 February 2027",
      "with each payment (IBAN: FR76 3000", "https://pay.example/atelier-durand"]),
])
def test_the_agreed_plan_is_confirmed_in_writing(language, subject, lines):
    message = render_plan_confirmed(ENV, language=language, option=OPTIONS[1], currency="EUR", creditor=CREDITOR,
                                    reference="REL-000042", debtor_name="Dupont SARL")
    assert spaces(message.subject) == subject
    assert all(line in spaces(message.text) for line in lines)


def test_names_are_data_never_templates():
    creditor = replace(CREDITOR, name="{{ 7 * 7 }} Durand\nBcc: x@example.org")
    message = options_message(Language.EN, creditor=creditor, debtor_name="{% raw %}")
    assert "{{ 7 * 7 }} Durand" in message.text and "49" not in message.text
    assert "\n" not in message.subject
