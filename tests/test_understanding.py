"""The entry points: the parse-reply JSON shape, plans, contacts, invoice numbers, and mail so broken
that only "other, confidence 0" can be said of it — never an exception."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from email import message_from_bytes, policy
from email.message import Message
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialogs.arrival import ArrivalKind
from dialogs.headers import READING
from dialogs.installments import Installment
from dialogs.intents import Intent
from dialogs.parties import Language
from dialogs.reply_text import text_body
from dialogs.understanding import understand_email, understand_text

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))  # a Monday


def reply(body: str, *, sender: str = "jean@client.example", extra: str = "") -> bytes:
    return (f"From: Jean <{sender}>\r\nTo: Atelier <relances@firm.example>\r\nSubject: Re: Relance\r\n"
            f"Date: Mon, 30 Nov 2026 10:00:00 +0100\r\n{extra}Content-Type: text/plain; charset=utf-8\r\n\r\n"
            f"{body}\r\n").encode()


def test_the_json_shape_of_a_promise():
    body = ("Bonjour,\nJe vous règle la facture F2026-0142 (1 250,50 €) vendredi.\n\nCordialement,\nJean\n"
            "SARL au capital de 10 000 €\n\nLe lun. 30 nov. 2026 à 09:00, Atelier a écrit :\n> Payez 99 € le 01/12.")
    shape = understand_email(reply(body)).as_json()
    assert {k: v for k, v in shape.items() if k not in ("confidence", "evidence")} == {
        "kind": "human", "intent": "promise_to_pay", "promised_date": "2026-12-04", "amount": "1250.50",
        "currency": "EUR", "invoice_refs": ["F2026-0142"], "installments": [], "failed_recipient": None,
        "new_contact": None, "back_on": None}
    assert 0.5 < shape["confidence"] <= 1
    assert "vendredi" in shape["evidence"] and "Je vous règle" in shape["evidence"]
    assert json.loads(json.dumps(shape)) == shape


@pytest.mark.parametrize("text, installments, amount", [
    ("Puis-je payer en trois fois ?", [Installment(None, None)] * 3, None),
    # Without a total named, a plan is for the sum of its installments when each one is sized.
    ("Je vous propose 3 x 400 € pour solder.", [Installment(None, Decimal(400))] * 3, Decimal(1200)),
    ("Pourrais-je régler en 3 mensualités de 400 € ?", [Installment(None, Decimal(400))] * 3, Decimal(1200)),
    ("Je souhaite un échéancier : 400 € le 15/12, 400 € le 15/01 et le reste le 15/02.",
     [Installment(date(2026, 12, 15), Decimal(400)), Installment(date(2027, 1, 15), Decimal(400)),
      Installment(date(2027, 2, 15), None)], None),
    ("Je vous propose 300 € par mois pendant 4 mois à partir du 5 janvier.",
     [Installment(date(2027, m, 5), Decimal(300)) for m in (1, 2, 3, 4)], Decimal(1200)),
    ("Nous proposons de régler 300 € par mois, le 5 de chaque mois, de février à mai.",
     [Installment(date(2027, m, 5), Decimal(300)) for m in (2, 3, 4, 5)], Decimal(1200)),
    ("Could we do $250 a week for 4 weeks, starting this Friday?",
     [Installment(date(2026, 12, d), Decimal(250)) for d in (4, 11, 18, 25)], Decimal(1000)),
    ("Would it be possible to spread the €3,000 over six months?", [Installment(None, None)] * 6, Decimal(3000)),
    ("Is it OK if we pay half now and half next month?", [Installment(None, None)] * 2, None),
])
def test_a_plan_request_lists_the_proposed_installments(text, installments, amount):
    understanding = understand_text(text, sent_at=NOW)
    assert understanding.intent == Intent.PAYMENT_PLAN_REQUEST
    assert (list(understanding.installments), understanding.amount) == (installments, amount)


def test_installments_belong_only_to_plan_requests():
    promise = understand_text("Je vous règle 3 x 400 € ? Non : tout vendredi, je m'engage.", sent_at=NOW)
    assert promise.installments == ()


@pytest.mark.parametrize("text, amount, currency", [
    ("J'ai payé 500 € le 25/11 sur les 1 250 € dus.", "500", "EUR"),
    ("Je vous verse 500 € vendredi, le solde fin du mois.", "500", "EUR"),
    ("Je vous paierai vendredi. Jean, SARL au capital de 10 000 €, tél. 06 12 34 56 78", None, None),
    ("We dispute the $450 shipping charge.", "450", "USD"),
    ("Je peux verser 500 vendredi.", "500", None),
    # the sum sits in a sentence about another intent: it is not the disputed one
    ("Je conteste la F2026-0220. Pour la F2026-0221 (75 €), pas de souci, je la passe demain.", None, None),
    ("Would you let me pay £50 every two weeks? It's £150 in total.", "150", "GBP"),
    ("Je propose 2 x 300 CHF.", "600", "CHF"),
    # a dispute is for the part it contests, never the price agreed
    ("We agreed £1,000 for the job but you invoiced £1,250: the difference of £250 we won't pay.", "250", "GBP"),
    ("The £300 delivery charge should have been included in the agreed price of £2,400.", "300", "GBP"),
    ("Je vous règle les 500 € de la facture, mais certainement pas les 40 € de pénalités : je les conteste.", "40",
     "EUR"),
    ("Le versement de CHF 2'480.– sera effectué vendredi.", "2480", "CHF"),
])
def test_the_amount_is_the_one_the_intent_is_about(text, amount, currency):
    understanding = understand_text(text, sent_at=NOW)
    assert (understanding.amount, understanding.currency) == (Decimal(amount) if amount else None, currency)


def test_a_wrong_contact_gives_the_new_address_lowercased_and_never_the_senders():
    body = "Je ne m'occupe plus de la comptabilité (jean@client.example). Écrivez à Compta@Client.example."
    understanding = understand_email(reply(body))
    assert (understanding.intent, understanding.new_contact) == (Intent.WRONG_CONTACT, "compta@client.example")


def test_a_wrong_contact_without_an_address_has_none():
    understanding = understand_text("Vous vous êtes trompé de destinataire.", sent_at=NOW)
    assert (understanding.intent, understanding.new_contact) == (Intent.WRONG_CONTACT, None)


def test_invoice_numbers_are_reported_as_written_and_known_ones_as_the_firm_spells_them():
    text = "Pour la f2026-0142 et la facture n° 118 (FA-2026-7), virement REL-000120, chèque n° 4521876."
    understanding = understand_text(text, sent_at=NOW, known_refs=("F2026-0142",))
    assert understanding.invoice_refs == ("F2026-0142", "118", "FA-2026-7")


def test_the_language_is_guessed_from_common_words():
    assert understand_text("Je vous paierai la facture vendredi.", sent_at=NOW).language == Language.FR
    assert understand_text("I will pay the invoice on Friday.", sent_at=NOW).language == Language.EN
    assert understand_text("OK", sent_at=NOW).language is None


MALFORMED = [
    b"",
    b"\x00\xff\xfe garbage",
    b"Subject: no body",
    b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nunterminated",
    b"Content-Type: multipart/mixed\r\n\r\nno boundary at all",
    b"Content-Type: text/plain; charset=unknown-8bit\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not base64",
    b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=ZZ=E9=\r\n",
    b"Date: not a date\r\nFrom: <<<@@>>>\r\nTo: ,,,\r\nSubject: =?bogus?q?x?=\r\n\r\nJe paie demain.",
    b"Content-Type: text/html\r\n\r\n<div><blockquote><p>unclosed <b>tags</i></div></script>",
    b"Content-Type: application/pdf\r\n\r\n%PDF-1.4",
    b"X-Long: " + b"a" * 1_000_000 + b"\r\n\r\nbody",
    b"Subject: " + b"=?utf-8?q?" + b"=C3=A9" * 50_000 + b"?=\r\n\r\nbody",
    b"Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n--b\r\n"
    b"Content-Type: message/delivery-status\r\n\r\nFinal-Recipient: garbage\r\n--b--",
]


@pytest.mark.parametrize("raw", MALFORMED, ids=range(len(MALFORMED)))
def test_malformed_mail_never_raises(raw):
    understanding = understand_email(raw)
    assert understanding.kind in set(ArrivalKind)
    understanding.as_json()


def test_an_empty_body_is_other_with_no_confidence():
    understanding = understand_email(reply(""))
    assert (understanding.intent, understanding.confidence, understanding.new_text) == (Intent.OTHER, 0.0, "")


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_give_an_understanding(raw):
    understand_email(raw)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=600))
def test_any_text_gives_an_understanding(text):
    understanding = understand_text(text, sent_at=NOW)
    assert 0 <= understanding.confidence <= 1


def test_a_promise_is_for_the_sum_said_with_its_date_not_the_sums_listed_before():
    text = ("- F2026-0521 : 1 150,00 € – bon pour paiement ;\n- F2026-0523 : 2 087,40 € – bon pour paiement ;\n\n"
            "Les deux factures seront réglées par un virement unique de 3 237,40 € le 17/12/2026.")
    understanding = understand_text(text, sent_at=NOW)
    assert (understanding.intent, understanding.promised_date, understanding.amount) == (
        Intent.PROMISE_TO_PAY, date(2026, 12, 17), Decimal("3237.40"))


def test_a_decimal_point_does_not_end_the_sentence_of_a_promise():
    text = "Closed from 23 December to 3 January. We will pay the €950.00 on the 4th of January."
    assert understand_text(text, sent_at=NOW).promised_date == date(2027, 1, 4)


def test_a_typed_remittance_advice_is_paid_for_its_total():
    body = ("The following invoices were included in payment run PR-48, executed on 27 November 2026:\n"
            "  F2026-0001    EUR 1,000.00\n  F2026-0002    EUR 500.00\n  Total         EUR 1,500.00")
    understanding = understand_email(reply(body))
    assert (understanding.intent, understanding.amount) == (Intent.ALREADY_PAID, Decimal("1500.00"))


def test_a_paid_claim_pointing_at_a_forwarded_bank_confirmation_takes_its_sum():
    body = ("Voir ci-dessous, c'est parti vendredi.\n\n-------- Message transféré --------\nSujet : Virement\n"
            "De : Banque <noreply@bank.example>\n\nVotre virement de 640,00 EUR a été exécuté le 27/11/2026.")
    understanding = understand_email(reply(body))
    assert (understanding.intent, understanding.amount) == (Intent.ALREADY_PAID, Decimal("640.00"))


def test_a_paid_claim_pointing_at_a_forwarded_remittance_takes_its_total():
    body = ("See below: the payment went out on Friday.\n\n---------- Forwarded message ---------\nFrom: AP <ap@client.example>\n"
            "Subject: Remittance advice\n\nF2026-0001    EUR 1,000.00\nF2026-0002    EUR 500.00\n"
            "Total paid                EUR 1,500.00")
    understanding = understand_email(reply(body))
    assert (understanding.intent, understanding.amount) == (Intent.ALREADY_PAID, Decimal("1500.00"))


def test_a_plan_over_several_invoices_names_no_total():
    text = ("Pour les factures F2026-0010 (700,00 €) et F2026-0011 (400,00 €), pourriez-vous accepter que la "
            "première soit réglée fin décembre et la seconde fin janvier ?")
    understanding = understand_text(text, sent_at=NOW)
    assert (understanding.intent, understanding.amount) == (Intent.PAYMENT_PLAN_REQUEST, None)


def test_a_wrong_contact_address_only_in_a_mailto_link_is_found():
    raw = (b"From: Jean <jean@client.example>\r\nTo: relances@firm.example\r\nSubject: Re: Relance\r\n"
           b"Date: Mon, 30 Nov 2026 10:00:00 +0100\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
           b'<p>Our bookkeeper handles all vendor bills, please send this to <a href="mailto:Priya@Books.example">'
           b"Priya</a>.</p>\r\n")
    understanding = understand_email(raw)
    assert (understanding.intent, understanding.new_contact) == (Intent.WRONG_CONTACT, "priya@books.example")


def _parts(msg: Message) -> list[tuple[str, dict[str, str], str | None, str]]:
    return [(part.get_content_type(), dict(part["Content-Type"].params) if part["Content-Type"] else {},
             part.get_content_disposition(), str(part["Subject"])) for part in msg.walk()]


def test_the_reading_policy_reads_every_corpus_message_as_policy_default_does():
    folders = sorted((Path(__file__).parent / "data").glob("replies*"))
    raws = [path.read_bytes() for folder in folders for path in sorted(folder.glob("*.eml"))]
    assert len(raws) > 900
    for raw in raws:
        ours, theirs = message_from_bytes(raw, policy=READING), message_from_bytes(raw, policy=policy.default)
        assert _parts(ours) == _parts(theirs)
        assert text_body(ours) == text_body(theirs)


def test_the_reading_policy_shares_a_parsed_header_but_not_a_huge_one():
    huge = "x" * 5000
    first = message_from_bytes(f"Subject: hello\nX-Big: {huge}\n\nbody".encode(), policy=READING)
    second = message_from_bytes(f"Subject: hello\nX-Big: {huge}\n\nbody".encode(), policy=READING)
    assert first["Subject"] is second["Subject"]
    assert first["X-Big"] is not second["X-Big"] and first["X-Big"] == huge


def _reply(subject: str, body: str) -> bytes:
    return (f"From: x@client.example\r\nTo: relances@firm.example\r\nSubject: {subject}\r\n"
            "Date: Thu, 12 Nov 2026 10:00:00 +1100\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            f"{body}\r\n").encode()


def test_a_dollar_sum_answering_an_australian_invoice_is_in_australian_dollars():
    understanding = understand_email(_reply("Re: Second reminder: A$29,600.00 outstanding",
                                            "We'll have the full $29,600 paid by end of next week."))
    assert (understanding.amount, understanding.currency) == (Decimal("29600"), "AUD")
    assert understanding.promised_date == date(2026, 11, 20)


def test_a_sum_without_a_currency_takes_the_reminders():
    understanding = understand_email(_reply("Re: Relance : 1 875,00 € à régler", "We will transfer the 1.875,- on Monday."))
    assert (understanding.amount, understanding.currency) == (Decimal("1875"), "EUR")


def test_a_payment_said_in_two_currencies_is_counted_in_the_invoices():
    understanding = understand_email(_reply(
        "Re: Invoice awaiting payment: €5,412.18",
        "Paid in full on 10/11/2026: NZD 9,870.00 was debited, which converted to EUR 5,412.18."))
    assert (understanding.intent, understanding.amount, understanding.currency) == (
        Intent.ALREADY_PAID, Decimal("5412.18"), "EUR")


def test_a_plan_for_one_sum_said_twice_is_for_that_sum():
    understanding = understand_text("Your reminder for SH-4520 (SEK 48 000) came. Would it be possible to pay the "
                                    "SEK 48 000 in 6 monthly payments?", sent_at=NOW)
    assert (understanding.intent, understanding.amount, understanding.currency) == (
        Intent.PAYMENT_PLAN_REQUEST, Decimal("48000"), "SEK")
