"""The formal notice: every mention the law asks for, in French and English, in its text and its PDF."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from jinja2 import Environment
from pypdf import PdfReader

from bot.notice_pdf import render_pdf
from dialogs.formatting import format_date, format_money
from dialogs.legal import Claim, InterestPart, InvoiceClaim, Jurisdiction
from dialogs.notice import NoticeDocument, NoticeError, NoticeParty, SentReminder, render_notice
from dialogs.parties import Channel, DebtorKind, Language
from dialogs.reminders import Creditor
from dialogs.templating import template_environment

D = Decimal
DATED, DEADLINE = date(2026, 1, 5), date(2026, 1, 15)
CREDITOR = Creditor(
    name="Atelier Durand SARL",
    address="12 rue des Lilas\n69001 Lyon",
    email="compta@atelier-durand.fr",
    phone="04 72 00 00 00",
    siren="123 456 789",
    iban="FR76 3000 6000 0112 3456 7890 189",
    bic="AGRIFRPP",
    payment_link="https://pay.example/atelier-durand",
)
REMINDERS = [SentReminder(date(2025, 7, 1), Channel.TELEGRAM), SentReminder(date(2025, 6, 2), Channel.EMAIL, "Rappel")]

# A debt spanning two half-years (two rates), one paid in part (one rate), and a credit note.
SPANNING = InvoiceClaim(
    number="F-2025-014", issue_date=date(2025, 4, 15), due_date=date(2025, 5, 15), amount=D("1450.00"),
    paid=D("0"), remaining=D("1450.00"), currency="EUR", days_late=230, interest=D("112.84"),
    parts=(InterestPart(date(2025, 5, 16), date(2025, 6, 30), 46, D("1450.00"), D("13.15"), D("24.0315")),
           InterestPart(date(2025, 7, 1), date(2025, 12, 31), 184, D("1450.00"), D("12.15"), D("88.8123"))),
    indemnity=D("40"), indemnity_currency="EUR")
PART_PAID = InvoiceClaim(
    number="F-2025-031", issue_date=date(2025, 9, 1), due_date=date(2025, 10, 31), amount=D("980.00"),
    paid=D("300.00"), remaining=D("680.00"), currency="EUR", days_late=61, interest=D("13.81"),
    parts=(InterestPart(date(2025, 11, 1), date(2025, 12, 31), 61, D("680.00"), D("12.15"), D("13.8077")),),
    indemnity=D("40"), indemnity_currency="EUR")
CREDIT_NOTE = InvoiceClaim(
    number="AV-2025-002", issue_date=date(2025, 10, 2), due_date=date(2025, 10, 2), amount=D("-120.00"),
    paid=D("0"), remaining=D("-120.00"), currency="EUR", days_late=0, interest=D("0"), parts=(),
    indemnity=D("0"), indemnity_currency="EUR")
BUSINESS_CLAIM = Claim(
    jurisdiction=Jurisdiction.FR, debtor_kind=DebtorKind.BUSINESS, as_of=date(2025, 12, 31), currency="EUR",
    invoices=(SPANNING, PART_PAID, CREDIT_NOTE), credits=D("-120.00"), total_remaining=D("2010.00"),
    total_interest=D("126.65"), total_indemnity=D("80"), total_claimed=D("2216.65"),
    basis=("fr_b2b_l441_10", "fr_d441_5"), warnings=())
# A consumer owes interest only from the notice's receipt (Code civil 1344-1): none yet.
CONSUMER_CLAIM = Claim(
    jurisdiction=Jurisdiction.FR, debtor_kind=DebtorKind.CONSUMER, as_of=date(2025, 12, 31), currency="EUR",
    invoices=(replace(SPANNING, interest=D("0"), parts=(), indemnity=D("0")),), credits=D("0"),
    total_remaining=D("1450.00"), total_interest=D("0"), total_indemnity=D("0"), total_claimed=D("1450.00"),
    basis=("fr_civil_1231_6",), warnings=())


def debtor(language: Language, kind: DebtorKind = DebtorKind.BUSINESS, **fields: str) -> NoticeParty:
    values = {"name": "SARL Martin", "address": "3 avenue Foch\n75016 Paris", "siren": "987 654 321",
              "vat": "FR12987654321"} | fields
    if kind is DebtorKind.CONSUMER:
        values |= {"name": "Jeanne Petit", "siren": "", "vat": ""}
    return NoticeParty(kind=kind, language=language, **values)


def notice(claim: Claim, party: NoticeParty, env: Environment | None = None, **kw: object) -> NoticeDocument:
    arguments: dict = {"place": "Lyon", "dated": DATED, "deadline": DEADLINE, "reference": "REL-000123",
                       "reminders": REMINDERS} | kw
    return render_notice(claim, creditor=CREDITOR, debtor=party, env=env or template_environment(), **arguments)


def flat(text: str) -> str:
    """Words separated by single spaces: Babel's no-break spaces and the PDF's line breaks don't matter."""
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def pdf_text(document: NoticeDocument) -> str:
    pdf = render_pdf(document)
    assert pdf.startswith(b"%PDF-")
    return flat("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


def money(amount: Decimal, language: Language, currency: str = "EUR") -> str:
    return flat(format_money(amount, currency, language))


MENTIONS = {
    Language.FR: ["Mise en demeure", "MISE EN DEMEURE DE PAYER", "Lyon, le 5 janvier 2026", "injonction de payer",
                  "procédure simplifiée de recouvrement des petites créances", "commissaire de justice",
                  "Article L441-10 du Code de commerce", "Articles L441-10 et D441-5", "Lettre recommandée",
                  "au plus tard le 15 janvier 2026", "le 2 juin 2025, par courriel", "le 1 juillet 2025, par message Telegram",
                  "TOTAL RÉCLAMÉ", "N° TVA FR12987654321", "Avoir n° AV-2025-002"],
    Language.EN: ["Formal notice", "FORMAL NOTICE TO PAY", "Lyon, 5 January 2026", "order for payment (injonction de payer)",
                  "simplified procedure for the recovery of small claims", "commissaire de justice",
                  "Article L441-10 of the French Commercial Code", "Articles L441-10 and D441-5", "Registered letter",
                  "by 15 January 2026", "on 2 June 2025, by email", "on 1 July 2025, by Telegram message",
                  "TOTAL CLAIMED", "VAT no. FR12987654321", "Credit note AV-2025-002"],
}
PARTIES = ["Atelier Durand SARL", "12 rue des Lilas", "69001 Lyon", "SIREN 123 456 789", "compta@atelier-durand.fr",
           "04 72 00 00 00", "SARL Martin", "3 avenue Foch", "75016 Paris", "SIREN 987 654 321",
           "FR76 3000 6000 0112 3456 7890 189", "AGRIFRPP", "REL-000123", "https://pay.example/atelier-durand"]


def amounts(language: Language) -> list[str]:
    claim = BUSINESS_CLAIM
    values = [claim.credits.copy_abs(), claim.total_remaining, claim.total_interest, claim.total_indemnity,
              claim.total_claimed]
    for inv in claim.invoices:
        values += [inv.amount, inv.paid, inv.remaining, inv.interest, inv.indemnity]
        values += [part.amount for part in inv.parts] + [part.base for part in inv.parts]
    # A credit note's amount is written negative in the table and as a deduction in the text.
    return [money(abs(value), language) for value in values]


def invoice_facts(language: Language) -> list[str]:
    facts = []
    for inv in BUSINESS_CLAIM.invoices:
        facts += [inv.number, format_date(inv.due_date, language, "short")]
        facts += [format_date(inv.issue_date, language, "short")] if inv.issue_date else []
    facts += [f"{inv.days_late} {'jours' if language is Language.FR else 'days'}" for inv in (SPANNING, PART_PAID)]
    rates = ["13,15 %", "12,15 %"] if language is Language.FR else ["13.15%", "12.15%"]
    parts = [format_date(day, language, "short") for part in SPANNING.parts for day in (part.start, part.end)]
    return facts + rates + parts


@pytest.fixture(scope="module", params=list(Language), ids=str)
def business_pdf(request: pytest.FixtureRequest) -> tuple[Language, str]:
    language = request.param
    return language, pdf_text(notice(BUSINESS_CLAIM, debtor(language)))


def test_the_pdf_holds_every_mandatory_mention(business_pdf):
    language, text = business_pdf
    missing = [m for m in MENTIONS[language] + PARTIES + invoice_facts(language) if flat(m) not in text]
    assert missing == []


def test_the_pdf_holds_every_amount(business_pdf):
    language, text = business_pdf
    assert [amount for amount in amounts(language) if amount not in text] == []


@pytest.mark.parametrize("language", list(Language), ids=str)
def test_the_text_part_holds_the_same_mentions_and_amounts(language):
    document = notice(BUSINESS_CLAIM, debtor(language))
    text = flat(document.text).casefold()  # the text part writes its title in capitals only
    expected = MENTIONS[language] + PARTIES + invoice_facts(language) + amounts(language)
    assert [m for m in expected if flat(m).casefold() not in text] == []
    assert money(BUSINESS_CLAIM.total_claimed, language) in flat(document.subject)


def test_the_earlier_reminders_are_cited_oldest_first():
    text = notice(BUSINESS_CLAIM, debtor(Language.FR)).text
    assert text.index("2 juin 2025") < text.index("1 juillet 2025")


def test_a_claim_over_5000_euros_is_not_offered_the_simplified_procedure():
    big = replace(BUSINESS_CLAIM, total_remaining=D("5010.00"), total_claimed=D("5216.65"))
    text = flat(notice(big, debtor(Language.FR)).text)
    assert "injonction de payer" in text
    assert "procédure simplifiée" not in text


@pytest.mark.parametrize("language", list(Language), ids=str)
def test_a_consumer_notice_has_no_indemnity_and_cites_the_consumer_basis(language):
    document = notice(CONSUMER_CLAIM, debtor(language, DebtorKind.CONSUMER))
    text = pdf_text(document)
    for part in (text, flat(document.text), document.html, document.subject):
        assert "ndemnit" not in part  # indemnité, indemnity, indemnités
        assert "40,00" not in part and "40.00" not in part
        assert "L441-10" not in part and "D441-5" not in part
    assert "1231-6" in text and "1344-1" in text
    # No interest yet: no column of zeros, only the rule that it runs from the notice's receipt.
    assert ("Intérêts" if language is Language.FR else "Interest") not in text
    assert ("à compter de la réception" if language is Language.FR else "from the receipt of this formal notice") in text
    assert money(CONSUMER_CLAIM.total_claimed, language) in text


def test_a_consumer_notice_shows_interest_only_as_computed():
    computed = InterestPart(date(2026, 1, 8), date(2026, 2, 7), 31, D("1450.00"), D("2.62"), D("3.2265"))
    claim = replace(CONSUMER_CLAIM, invoices=(replace(CONSUMER_CLAIM.invoices[0], interest=D("3.23"), parts=(computed,)),),
                    total_interest=D("3.23"), total_claimed=D("1453.23"))
    text = flat(notice(claim, debtor(Language.FR, DebtorKind.CONSUMER)).text)
    assert "3,23 €" in text and "2,62 %" in text and "08/01/2026" in text
    assert "ndemnit" not in text


HOSTILE = "{{ 7*7 }} {% raw %} <script>alert(1)</script> & Fils"


def test_debtor_strings_with_template_or_html_syntax_come_out_literally():
    party = debtor(Language.FR, name=HOSTILE, address="{{ creditor.iban }}\n<b>Paris</b>")
    reminders = [SentReminder(date(2025, 6, 2), Channel.EMAIL, "Re: {{ 7*7 }} <img src=x>")]
    document = notice(BUSINESS_CLAIM, party, reminders=reminders)
    for part in (document.text, document.subject + HOSTILE):
        assert HOSTILE in part
    assert "{{ creditor.iban }}" in document.text and "<b>Paris</b>" in document.text
    assert "<script>" not in document.html and "<b>Paris" not in document.html and "<img" not in document.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Fils" in document.html
    assert "49" not in document.text + document.html
    # The PDF may break a long name across lines anywhere, so compare without whitespace.
    text = "".join(pdf_text(document).split())
    assert all("".join(value.split()) in text for value in (HOSTILE, "{{ creditor.iban }}", "<b>Paris</b>", "<img src=x>"))


def test_templates_can_be_overridden_from_a_folder(tmp_path: Path):
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "notice.subject.j2").write_text("FINAL DEMAND {{ reference }} – {{ debtor.name }}\n")
    document = notice(BUSINESS_CLAIM, debtor(Language.EN, name="<Acme>"), env=template_environment(tmp_path))
    assert document.subject == "FINAL DEMAND REL-000123 – <Acme>"
    assert "FORMAL NOTICE TO PAY" in document.html  # the parts not overridden are the built-in ones


@pytest.mark.parametrize(("deadline", "kind"), [(DATED, DebtorKind.BUSINESS), (DEADLINE, DebtorKind.CONSUMER)],
                         ids=["deadline not after the date", "debtor kind not the claim's"])
def test_a_notice_that_cannot_be_right_is_refused(deadline, kind):
    with pytest.raises(NoticeError):
        notice(BUSINESS_CLAIM, debtor(Language.FR, kind), deadline=deadline)
