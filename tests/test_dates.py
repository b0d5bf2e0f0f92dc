"""Dates in replies, resolved against the day they were written: the conventions of the corpus,
month and year ends, and the sender's own timezone."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from dialogs.dates import find_dates, promised_date, return_date
from dialogs.understanding import understand_email, understand_text

THU = date(2026, 11, 12)  # a Thursday


def first(text: str, today: date = THU) -> date | None:
    mention = promised_date(text, today)
    return mention.value if mention else None


@pytest.mark.parametrize("text, expected", [
    ("vendredi", date(2026, 11, 13)),
    ("vendredi prochain", date(2026, 11, 13)),
    ("ce vendredi", date(2026, 11, 13)),
    ("next Friday", date(2026, 11, 13)),
    ("this Friday", date(2026, 11, 13)),
    ("jeudi", date(2026, 11, 19)),  # strictly after today: today's weekday is next week's
    ("demain", date(2026, 11, 13)),
    ("tomorrow", date(2026, 11, 13)),
    ("après-demain", date(2026, 11, 14)),
    ("apres demain", date(2026, 11, 14)),
    ("the day after tomorrow", date(2026, 11, 14)),
    ("sous huitaine", date(2026, 11, 20)),
    ("sous quinzaine", date(2026, 11, 26)),
    ("within two weeks", date(2026, 11, 26)),
    ("dans 10 jours", date(2026, 11, 22)),
    ("dans dix jours", date(2026, 11, 22)),
    ("in ten days", date(2026, 11, 22)),
    ("within 3 days", date(2026, 11, 15)),
    ("sous 48h", date(2026, 11, 14)),
    ("dans une semaine", date(2026, 11, 19)),
    ("fin de semaine", date(2026, 11, 13)),
    ("d'ici la fin de la semaine", date(2026, 11, 13)),
    ("by the end of the week", date(2026, 11, 13)),
    ("la semaine prochaine", date(2026, 11, 20)),
    ("next week", date(2026, 11, 20)),
    ("fin du mois", date(2026, 11, 30)),
    ("d'ici la fin du mois", date(2026, 11, 30)),
    ("end of the month", date(2026, 11, 30)),
    ("fin du mois prochain", date(2026, 12, 31)),
    ("end of next month", date(2026, 12, 31)),
    ("fin décembre", date(2026, 12, 31)),
    ("by the end of December", date(2026, 12, 31)),
    ("mi-décembre", date(2026, 12, 15)),
    ("mid-December", date(2026, 12, 15)),
    ("début janvier", date(2027, 1, 10)),
    ("early January", date(2027, 1, 10)),
    ("15/12", date(2026, 12, 15)),
    ("05/12", date(2026, 12, 5)),  # day/month
    ("12/15", date(2026, 12, 15)),  # only month/day can read it
    ("15.12.26", date(2026, 12, 15)),
    ("15/12/2026", date(2026, 12, 15)),
    ("le 15 décembre", date(2026, 12, 15)),
    ("15 decembre", date(2026, 12, 15)),
    ("December 15th", date(2026, 12, 15)),
    ("Dec. 15", date(2026, 12, 15)),
    ("the 3rd", date(2026, 12, 3)),
    ("avant le 15", date(2026, 11, 15)),
    ("le mardi 5 janvier", date(2027, 1, 5)),
    ("vendredi 20", date(2026, 11, 20)),
    ("fin d'année", date(2026, 12, 31)),
    ("Will pay Thurs.", date(2026, 11, 19)),  # abbreviated weekdays
    ("pay Fri", date(2026, 11, 13)),
    ("virement ven.", date(2026, 11, 13)),
    ("LE CHEQUE PARTIRA MARDI PROCHAIN", date(2026, 11, 17)),  # capitals read as lower case
    ("BY END OF NEXT WEEK", date(2026, 11, 20)),
    ("within a fortnight", date(2026, 11, 26)),
    ("dans trois semaines", date(2026, 12, 3)),
    ("avant Noël", date(2026, 12, 24)),
    ("before Christmas", date(2026, 12, 24)),
])
def test_each_way_of_saying_a_date_resolves_by_the_convention(text, expected):
    assert first(text) == expected


def test_a_day_and_month_already_past_this_year_is_next_year():
    assert first("le 5 janvier", date(2026, 12, 20)) == date(2027, 1, 5)
    assert first("05/01", date(2026, 12, 20)) == date(2027, 1, 5)


def test_a_day_and_month_a_few_weeks_back_is_this_past_day_not_next_year():
    [mention] = find_dates("soldé le 8 janvier", date(2027, 1, 14))
    assert (mention.value, mention.past) == (date(2027, 1, 8), True)
    [mention] = find_dates("posted on 2 December", date(2026, 12, 21))
    assert (mention.value, mention.past) == (date(2026, 12, 2), True)


def test_yesterday_is_a_date_of_the_past():
    assert [(m.value, m.past) for m in find_dates("viré hier, ou avant-hier ?", THU)] == [
        (date(2026, 11, 11), True), (date(2026, 11, 10), True)]
    assert first("paid yesterday") is None


def test_an_american_writes_the_month_first():
    [mention] = find_dates("on 1/8", date(2026, 12, 17), month_first=True)
    assert mention.value == date(2027, 1, 8)
    [mention] = find_dates("on 1/8", date(2026, 12, 17))
    assert mention.value == date(2027, 8, 1)


def test_an_english_writer_in_the_americas_is_read_month_first():
    sent = datetime(2026, 12, 17, 23, 55, tzinfo=timezone(timedelta(hours=-8)))
    assert understand_text("We'll send the payment on 1/8.", sent_at=sent).promised_date == date(2027, 1, 8)
    assert understand_text("Je paierai le 1/8.", sent_at=sent).promised_date == date(2027, 8, 1)


def test_today_written_as_a_day_and_month_is_today():
    assert first("le 12 novembre", THU) == THU


@pytest.mark.parametrize("today, expected", [
    (date(2026, 11, 14), date(2026, 11, 20)),  # Saturday: this week is over
    (date(2026, 11, 15), date(2026, 11, 20)),  # Sunday
    (date(2026, 11, 13), date(2026, 11, 13)),  # Friday: today
])
def test_the_end_of_the_week_seen_from_a_weekend_is_next_friday(today, expected):
    assert first("fin de semaine", today) == expected


def test_month_ends_cross_the_year_and_february():
    assert first("fin du mois prochain", date(2026, 12, 10)) == date(2027, 1, 31)
    assert first("fin du mois", date(2028, 2, 3)) == date(2028, 2, 29)
    assert first("dans 10 jours", date(2026, 12, 28)) == date(2027, 1, 7)


def test_a_date_of_a_past_payment_is_not_a_promise():
    assert first("J'ai viré 500 € le 12/11, le reste le 15/12.") == date(2026, 12, 15)
    assert first("viré le 12/11") is None
    assert first("votre facture du 15/10, je paierai le 20/12") == date(2026, 12, 20)
    assert first("vendredi dernier") is None


def test_a_future_passive_is_not_the_past():
    assert first("sera viré le 20/11") == date(2026, 11, 20)
    assert first("je vous règle le 20/11") == date(2026, 11, 20)


def test_a_split_payment_promises_its_first_date():
    assert first("Je paierai 500 € vendredi, le solde fin du mois") == date(2026, 11, 13)


def test_numbers_that_are_not_dates_are_left_alone():
    assert find_dates("06.12.34.56.78, 1.250,50 €, 15.12 €, 3 x 400 €", THU) == []


@pytest.mark.parametrize("text", ["mon ami", "la mer", "the sun", "en mars"])
def test_an_abbreviation_that_is_also_a_word_needs_its_dot(text):
    assert first(text) is None


def test_posting_a_cheque_by_post_is_a_promise_of_that_day():
    assert first("Le chèque partira par la poste mardi prochain.") == date(2026, 11, 17)
    assert first("the cheque will go in the post Tuesday") == date(2026, 11, 17)


def test_a_full_month_name_leaves_the_full_stop_to_the_sentence():
    mention = find_dates("closed until 3 January. We will pay", THU)[0]
    assert (mention.start, mention.end) == (13, 22)


def test_an_auto_reply_return_date():
    assert return_date("Je serai de retour le 30 novembre.", THU) == date(2026, 11, 30)
    assert return_date("I'll be back on 4 January.", THU) == date(2027, 1, 4)
    assert return_date("Absente jusqu'au 29 novembre inclus.", THU) == date(2026, 11, 30)
    assert return_date("Je serai de retour le mardi 5 janvier.", date(2026, 12, 20)) == date(2027, 1, 5)
    assert return_date("Le bureau rouvrira ses portes le 11 janvier.", THU) == date(2027, 1, 11)
    assert return_date("Je reviens le lundi 1er février.", THU) == date(2027, 2, 1)
    assert return_date("Back in the office on 1/5.", date(2026, 12, 22), month_first=True) == date(2027, 1, 5)


def _reply(date_header: str, text: str) -> bytes:
    return (f"From: a@client.example\r\nTo: f@firm.example\r\nSubject: Re: relance\r\nDate: {date_header}\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n").encode()


def test_a_date_is_resolved_in_the_senders_own_offset():
    # 23:30 on Thursday in New York is already Friday in Paris: "tomorrow" is still Friday.
    late = understand_email(_reply("Thu, 12 Nov 2026 23:30:00 -0500", "I will pay tomorrow."))
    assert late.promised_date == date(2026, 11, 13)
    early = understand_email(_reply("Fri, 13 Nov 2026 00:30:00 +1300", "We will pay tomorrow."))
    assert early.promised_date == date(2026, 11, 14)


def test_a_date_without_offset_is_placed_in_the_default_timezone():
    # "-0000": unknown offset, taken as UTC then seen from Paris (already the 13th).
    understanding = understand_email(_reply("Thu, 12 Nov 2026 23:30:00 -0000", "Je vous paierai demain."))
    assert understanding.promised_date == date(2026, 11, 14)


def test_without_a_date_header_the_received_stamp_is_today():
    raw = (b"Received: from mx by us; Thu, 12 Nov 2026 10:00:00 +0100\r\nFrom: a@client.example\r\n"
           b"Subject: Re\r\n\r\nJe vous paierai demain.\r\n")
    assert understand_email(raw).promised_date == date(2026, 11, 13)


def test_chat_text_uses_the_moment_it_was_sent():
    sent = datetime(2026, 11, 12, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert understand_text("je paie demain", sent_at=sent).promised_date == date(2026, 11, 13)


def test_a_weekday_in_a_signature_does_not_take_the_phone_number_for_its_day():
    assert first("ouvert sauf le mercredi\n04 74 56 21 09") == date(2026, 11, 18)
    assert first("fermé le mercredi 04 74 56 21 09") == date(2026, 11, 18)


def test_a_french_present_tense_is_no_past():
    assert first("Je passe vous déposer un chèque le 22/12.") == date(2026, 12, 22)


def test_belgian_and_swiss_counts_are_read():
    assert first("dans septante jours") == THU + timedelta(days=70)


def test_the_day_of_a_conversation_is_of_the_past():
    text = "Comme je l'ai dit à votre collègue au téléphone le 10, je solde d'ici fin décembre."
    assert first(text, date(2026, 12, 1)) == date(2026, 12, 31)
    assert first("As discussed on our call on the 3rd, we pay on the 18th.") == date(2026, 11, 18)


def test_the_date_after_the_invoice_a_promise_names_is_the_promised_one():
    sent = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
    text = "Our payouts from the marketplace land on the 8th, and we'll pay invoice F2026-1206 on the 9th."
    assert understand_text(text, sent_at=sent).promised_date == date(2026, 12, 9)


@pytest.mark.parametrize("month_first", [False, True])
def test_a_weekday_decides_how_its_numbers_read(month_first):
    [mention] = find_dates("our next check run, which is Thursday 12/10", date(2026, 12, 2), month_first=month_first)
    assert mention.value == date(2026, 12, 10)


@pytest.mark.parametrize("text", ["wires land 1-2 business days later", "Clinic hours: Mon-Fri 9-5"])
def test_ranges_of_days_and_hours_are_no_dates(text):
    assert find_dates(text, THU) == []


def test_a_hyphen_makes_a_date_with_its_year():
    assert [m.value for m in find_dates("le 15-12-2026", THU)] == [date(2026, 12, 15)]


def test_a_day_something_arrived_is_of_the_past():
    [mention] = find_dates("Six cases arrived broken on the 12th.", date(2026, 11, 27))
    assert mention.past


@pytest.mark.parametrize("text, expected", [
    ("we will pay it 2026-11-27 at the latest", date(2026, 11, 27)),
    ("our finance will arrange the payment before 2026.12.20", date(2026, 12, 20)),
    ("paiement prévu le 2026/12/18", date(2026, 12, 18)),
])
def test_a_date_may_be_written_year_first(text, expected):
    assert first(text) == expected


def test_payment_terms_are_no_date():
    text = "Conformément à nos conditions (45 jours fin de mois), le règlement est programmé pour le 05/01/2027."
    assert [m.value for m in find_dates(text, THU)] == [date(2027, 1, 5)]
    assert find_dates("terms are 30 days end of month", THU) == []


@pytest.mark.parametrize("text", ["Bonnes fêtes de fin d'année à toute l'équipe !",
                                  "We have had our year-end closing, so payments were on hold."])
def test_greetings_and_the_books_closing_are_no_year_end(text):
    assert find_dates(text, THU) == []


def test_the_next_payment_run_named_by_its_day():
    assert first("La facture sera incluse dans notre prochain virement groupé du 5.", date(2026, 11, 25)) == date(
        2026, 12, 5)
    assert first("Elles partiront avec notre virement fournisseurs du 20.", THU) == date(2026, 11, 20)
    assert first("It will be paid in our payment run of 15 January.", date(2026, 12, 21)) == date(2027, 1, 15)


def test_the_first_day_of_a_range_of_opening_days_is_no_date():
    assert find_dates("Horaires : lundi-vendredi 8h30-12h", THU) == []


def test_a_sum_with_a_thousands_comma_does_not_split_the_clause():
    [mention] = find_dates("we'll have the full $29,600 paid by end of next week.", THU)
    assert (mention.value, mention.past) == (date(2026, 11, 20), False)
