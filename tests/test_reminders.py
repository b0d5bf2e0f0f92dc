"""What a reminder says: the statement it carries, its wording per step and language, and the law it keeps."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

import dialogs.templating
from bot.config import PolicyConfig
from dialogs.parties import DebtorKind, Language
from dialogs.reminders import (
    ConsumerFeeError,
    Creditor,
    Debtor,
    NothingToRemindError,
    ReminderStep,
    ReminderTemplateError,
    Tone,
    late_charges,
    payment_reference,
    render_reminder,
)
from dialogs.statements import InvoiceLine, Statement, StatementError, build_statement
from dialogs.templating import template_environment

TODAY = date(2026, 12, 31)
NBSP, NNBSP = "\u00a0", "\u202f"  # Babel's French spaces: before "€", and between thousands

# The default ladder's reminding steps; late-charge mentions from reminder_3 on (LEGAL.md).
LADDER = [s for s in PolicyConfig().steps if s.action == "remind"]
STEPS = [s.name for s in LADDER]
LEGAL_FROM = STEPS.index("reminder_3")
LANGUAGES = list(Language)

FULL_CREDITOR = Creditor(
    name="Atelier Durand",
    address="12 rue des Lilas\n69001 Lyon",
    email="compta@atelier-durand.fr",
    phone="04 72 00 00 00",
    siren="123 456 789",
    iban="FR76 3000 6000 0112 3456 7890 189",
    bic="AGRIFRPP",
    payment_link="https://pay.example/atelier-durand",
)


def invoice(number: str, due: date, amount: str, paid: str = "0", currency: str = "EUR") -> InvoiceLine:
    amount_d, paid_d = Decimal(amount), Decimal(paid)
    return InvoiceLine(number, date(2026, 11, 15), due, amount_d, paid_d, amount_d - paid_d, currency)


def step(name: str, *, legal_mentions: bool | None = None) -> ReminderStep:
    config = next(s for s in LADDER if s.name == name)
    legal = STEPS.index(name) >= LEGAL_FROM if legal_mentions is None else legal_mentions
    return ReminderStep(name=config.name, template=config.template, tone=Tone(config.tone), legal_mentions=legal)


def render(statement: Statement, step_name: str, language: Language, kind: DebtorKind = DebtorKind.BUSINESS, **kw):
    kw.setdefault("creditor", FULL_CREDITOR)
    kw.setdefault("env", template_environment())
    kw.setdefault("step", step(step_name))
    return render_reminder(
        statement, debtor=Debtor(kw.pop("debtor_name", "SARL Martin"), kind, language), reference="REL-000123", **kw
    )


@pytest.fixture
def two_invoices() -> Statement:
    return build_statement(
        [invoice("F-2026-014", date(2026, 12, 15), "1450.00"), invoice("F-2026-019", date(2026, 12, 20), "980.00")],
        today=TODAY,
    )


@pytest.fixture
def one_invoice() -> Statement:
    return build_statement([invoice("F-2026-014", date(2026, 12, 15), "1450.00")], today=TODAY)


# --- the statement ------------------------------------------------------------------------------


def test_total_deducts_partial_payments_and_credit_notes() -> None:
    statement = build_statement(
        [
            invoice("F-1", date(2026, 12, 1), "1450.00", paid="450.00"),
            invoice("F-2", date(2026, 12, 10), "300.00"),
            invoice("AV-1", date(2026, 12, 5), "-120.00"),
        ],
        today=TODAY,
    )
    assert statement.total == Decimal("1180.00")  # 1000 + 300 - 120
    assert [line.invoice.number for line in statement.credits] == ["AV-1"]
    assert statement.currency == "EUR" and statement.as_of == TODAY


def test_paid_invoices_are_left_out_and_the_rest_sorted_by_due_date_then_number() -> None:
    statement = build_statement(
        [
            invoice("F-3", date(2026, 12, 10), "100.00"),
            invoice("F-1", date(2026, 12, 1), "100.00", paid="100.00"),
            invoice("F-2", date(2026, 12, 10), "100.00"),
            invoice("F-0", date(2026, 11, 30), "100.00"),
        ],
        today=TODAY,
    )
    assert [line.invoice.number for line in statement.lines] == ["F-0", "F-2", "F-3"]


def test_days_overdue_count_from_the_due_date_and_are_never_negative() -> None:
    statement = build_statement(
        [invoice("F-1", date(2026, 12, 15), "10"), invoice("F-2", TODAY, "10"), invoice("F-3", date(2027, 1, 30), "10")],
        today=TODAY,
    )
    assert [line.days_overdue for line in statement.lines] == [16, 0, 0]
    assert [line.invoice.number for line in statement.late_invoices] == ["F-1"]


def test_a_credit_note_is_never_overdue() -> None:
    statement = build_statement([invoice("AV-1", date(2026, 1, 1), "-50.00")], today=TODAY)
    assert statement.lines[0].days_overdue == 0 and statement.total == Decimal("-50.00")


def test_mixed_currencies_are_refused() -> None:
    with pytest.raises(StatementError, match="EUR, USD"):
        build_statement([invoice("F-1", TODAY, "10"), invoice("F-2", TODAY, "10", currency="USD")], today=TODAY)


def test_a_statement_of_no_line_is_refused() -> None:
    with pytest.raises(StatementError):
        build_statement([], today=TODAY)


def test_float_amounts_are_refused() -> None:
    with pytest.raises(TypeError, match="Decimal"):
        InvoiceLine("F-1", None, TODAY, 10.0, Decimal("0"), Decimal("10"), "EUR")  # type: ignore[arg-type]


def test_payment_reference_is_something_a_banker_can_type() -> None:
    assert payment_reference(123) == "REL-000123"
    assert re.fullmatch(r"[A-Z0-9-]+", payment_reference(12345678))
    with pytest.raises(ValueError):
        payment_reference(0)


# --- every step, every language ------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("step_name", STEPS)
@pytest.mark.parametrize("kind", list(DebtorKind))
def test_every_step_renders_in_every_language_with_what_the_debtor_needs_to_pay(
    step_name: str, language: Language, kind: DebtorKind, two_invoices: Statement
) -> None:
    message = render(two_invoices, step_name, language, kind, chat_link="https://t.me/relance_bot?start=tok")
    for part in (message.text, message.html):
        assert "F-2026-014" in part and "F-2026-019" in part
        assert "REL-000123" in part
        assert "FR76 3000 6000 0112 3456 7890 189" in part and "AGRIFRPP" in part
        assert "https://pay.example/atelier-durand" in part
        assert "https://t.me/relance_bot?start=tok" in part
        assert "compta@atelier-durand.fr" in part and "04 72 00 00 00" in part
    total = {Language.FR: f"2{NNBSP}430,00{NBSP}€", Language.EN: "€2,430.00"}[language]
    overdue = {Language.FR: "16 jours", Language.EN: "16 days"}[language]
    assert total in message.text and overdue in message.text
    assert "Atelier Durand" in message.subject and total in message.subject
    assert "\n" not in message.subject


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("step_name", STEPS)
def test_one_invoice_is_spoken_of_in_the_singular_and_several_in_the_plural(
    step_name: str, language: Language, one_invoice: Statement, two_invoices: Statement
) -> None:
    single = render(one_invoice, step_name, language).text
    plural = render(two_invoices, step_name, language).text
    singular_words, plural_words = {Language.FR: ("votre facture", "vos factures"), Language.EN: ("your invoice ", "your invoices")}[language]
    assert singular_words in single and plural_words not in single
    assert plural_words in plural and singular_words not in plural


def test_a_credit_note_does_not_make_one_invoice_plural() -> None:
    statement = build_statement(
        [invoice("F-1", date(2026, 12, 15), "500.00"), invoice("AV-1", date(2026, 12, 16), "-100.00")], today=TODAY
    )
    text = render(statement, "reminder_1", Language.FR).text
    assert "votre facture n° F-1" in text
    assert f"Avoir n° AV-1 du 15 novembre 2026 : à déduire 100,00{NBSP}€" in text
    assert f"Total restant dû : 400,00{NBSP}€" in text


def test_every_reminding_step_of_the_default_ladder_has_its_templates_in_every_language() -> None:
    root = dialogs.templating.BUILTIN_TEMPLATES
    for language in LANGUAGES:
        for config in LADDER:
            for part in ("subject", "txt", "html"):
                assert (root / language / f"{config.template}.{part}.j2").is_file()


# --- locale -----------------------------------------------------------------------------------------


def test_french_amounts_and_dates_are_written_the_french_way() -> None:
    statement = build_statement([invoice("F-1", date(2026, 12, 15), "1450.00", paid="450.00")], today=TODAY)
    text = render(statement, "reminder_1", Language.FR).text
    assert (
        f"- Facture n° F-1 du 15 novembre 2026, échue le 15 décembre 2026 (retard : 16 jours) : "
        f"reste dû 1{NNBSP}000,00{NBSP}€ sur 1{NNBSP}450,00{NBSP}€"
    ) in text
    assert f"Total restant dû : 1{NNBSP}000,00{NBSP}€" in text


def test_english_amounts_and_dates_are_written_the_english_way() -> None:
    statement = build_statement([invoice("F-1", date(2026, 12, 15), "1450.00", paid="450.00")], today=TODAY)
    text = render(statement, "reminder_1", Language.EN).text
    assert (
        "- Invoice F-1 dated 15 November 2026, due 15 December 2026 (16 days overdue): €1,000.00 outstanding of €1,450.00"
    ) in text
    assert "Total outstanding: €1,000.00" in text


def test_one_day_late_is_singular() -> None:
    statement = build_statement([invoice("F-1", date(2026, 12, 30), "100")], today=TODAY)
    assert "(retard : 1 jour)" in render(statement, "reminder_1", Language.FR).text
    assert "(1 day overdue)" in render(statement, "reminder_1", Language.EN).text


# --- the law: consumers, businesses --------------------------------------------------------------

# Anything a fee, a penalty or late interest would bring into a message. Amounts in the fixtures
# avoid the digits "40" so that "40" found anywhere can only be the indemnity.
FEE_MARKERS = ["40", "indemnit", "compensation", "frais", "fee", "pénalit", "penalt", "intérêt", "interest", "L441", "D441"]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("step_name", STEPS)
def test_a_consumer_never_reads_of_an_indemnity_or_any_fee(
    step_name: str, language: Language, two_invoices: Statement
) -> None:
    # Worst case: the step asks for legal mentions and a contractual rate is configured.
    message = render(
        two_invoices, step_name, language, DebtorKind.CONSUMER,
        step=step(step_name, legal_mentions=True), late_interest_rate=Decimal("12.15"),
    )
    for part in (message.subject, message.text, message.html):
        lowered = part.lower()
        assert not [marker for marker in FEE_MARKERS if marker.lower() in lowered]


def test_no_late_charges_reach_the_template_of_a_consumer() -> None:
    statement = build_statement([invoice("F-1", date(2026, 12, 1), "100")], today=TODAY)
    consumer = Debtor("Claire Petit", DebtorKind.CONSUMER, Language.FR)
    business = Debtor("SARL Martin", DebtorKind.BUSINESS, Language.FR)
    legal_step = step("reminder_3", legal_mentions=True)
    assert late_charges(statement, step=legal_step, debtor=consumer, rate_percent=Decimal("10")) is None
    assert late_charges(statement, step=legal_step, debtor=business, rate_percent=None) is not None


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("step_name", STEPS)
def test_a_business_reads_of_the_indemnity_from_reminder_3_on_and_not_before(
    step_name: str, language: Language, two_invoices: Statement
) -> None:
    message = render(two_invoices, step_name, language, DebtorKind.BUSINESS)
    indemnity = {Language.FR: f"40,00{NBSP}€ par facture", Language.EN: "€40.00 per invoice"}[language]
    expected = STEPS.index(step_name) >= LEGAL_FROM
    assert (indemnity in message.text) is expected
    assert (indemnity in message.html) is expected
    assert ("L441-10" in message.text) is expected


def test_the_indemnity_is_counted_per_late_invoice_and_the_rate_cited_when_unknown(two_invoices: Statement) -> None:
    text = render(two_invoices, "reminder_3", Language.FR).text
    assert "des pénalités de retard au taux prévu à l'article L441-10 du Code de commerce" in text
    assert f"soit 80,00{NBSP}€ pour vos 2 factures en retard" in text
    assert "non soumise à la TVA" in text


def test_a_contractual_rate_is_written_as_a_percentage(two_invoices: Statement) -> None:
    fr = render(two_invoices, "reminder_3", Language.FR, late_interest_rate=Decimal("12.15")).text
    en = render(two_invoices, "reminder_3", Language.EN, late_interest_rate=Decimal("12.15")).text
    assert f"au taux annuel de 12,15{NBSP}%" in fr
    assert "at an annual rate of 12.15%" in en


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_last_reminder_announces_the_formal_notice_and_its_date(language: Language, two_invoices: Statement) -> None:
    text = render(two_invoices, "last_reminder", language, pay_by=date(2027, 1, 15)).text
    expected = {
        Language.FR: ("au plus tard le 15 janvier 2027", "nous vous adresserons une mise en demeure de payer"),
        Language.EN: ("by 15 January 2027", "we will send you a formal notice to pay"),
    }[language]
    assert all(words in text for words in expected)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("step_name", STEPS)
def test_no_reminder_imitates_a_court_or_threatens_more_than_a_formal_notice(
    step_name: str, language: Language, two_invoices: Statement
) -> None:
    text = render(two_invoices, step_name, language).text.lower()
    for word in ("huissier", "commissaire de justice", "tribunal", "poursuite", "bailiff", "court", "legal action", "prosecut"):
        assert word not in text


def test_an_owner_template_that_adds_a_fee_is_refused_for_a_consumer_only(tmp_path: Path, one_invoice: Statement) -> None:
    (tmp_path / "fr").mkdir()
    (tmp_path / "fr" / "reminder_1.subject.j2").write_text("Relance : {{ statement.total|money }} + frais de relance\n")
    env = template_environment(tmp_path)
    with pytest.raises(ConsumerFeeError, match="frais"):
        render(one_invoice, "reminder_1", Language.FR, DebtorKind.CONSUMER, env=env)
    assert "frais de relance" in render(one_invoice, "reminder_1", Language.FR, DebtorKind.BUSINESS, env=env).subject


def test_a_firm_whose_name_sounds_like_a_fee_may_still_write_to_consumers(one_invoice: Statement) -> None:
    creditor = Creditor(name="Les Vergers Frais", payment_link="https://pay.example/fees")
    message = render(one_invoice, "reminder_2", Language.FR, DebtorKind.CONSUMER, creditor=creditor)
    assert "Les Vergers Frais" in message.text


# --- templates and data ---------------------------------------------------------------------------


def test_an_override_folder_wins_for_one_file_and_falls_back_for_the_others(tmp_path: Path, one_invoice: Statement) -> None:
    (tmp_path / "fr").mkdir()
    (tmp_path / "fr" / "reminder_1.subject.j2").write_text("Petit rappel de {{ creditor.name }}\n", encoding="utf-8")
    env = template_environment(tmp_path)
    ours = render(one_invoice, "reminder_1", Language.FR, env=env)
    builtin = render(one_invoice, "reminder_1", Language.FR)
    assert ours.subject == "Petit rappel de Atelier Durand"
    assert ours.text == builtin.text and ours.html == builtin.html
    assert render(one_invoice, "reminder_2", Language.FR, env=env).subject.startswith("Atelier Durand – Deuxième relance")


def test_a_missing_override_folder_is_an_error_at_start_up(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        template_environment(tmp_path / "nowhere")


def test_a_step_without_a_template_is_refused(one_invoice: Statement) -> None:
    for template in ("", "../secrets", "no_such_step"):
        with pytest.raises(ReminderTemplateError):
            render(one_invoice, "reminder_1", Language.FR, step=ReminderStep("x", template, Tone.FIRM))


def test_nothing_to_remind_when_credits_cover_the_invoices() -> None:
    statement = build_statement([invoice("F-1", TODAY, "100"), invoice("AV-1", TODAY, "-100")], today=TODAY)
    with pytest.raises(NothingToRemindError):
        render(statement, "reminder_1", Language.FR)


@pytest.mark.parametrize("language", LANGUAGES)
def test_debtor_text_is_shown_literally_and_escaped_in_html(language: Language) -> None:
    name = "{{ 7*7 }} <script>alert(1)</script> & {% raw %}"
    statement = build_statement([invoice("<b>F-{{1+1}}</b>", date(2026, 12, 15), "100")], today=TODAY)
    message = render(statement, "reminder_1", language, debtor_name=name)
    assert name in message.text and "<b>F-{{1+1}}</b>" in message.text
    assert "49" not in message.text
    assert "{{ 7*7 }} &lt;script&gt;alert(1)&lt;/script&gt; &amp; {% raw %}" in message.html
    assert "&lt;b&gt;F-{{1+1}}&lt;/b&gt;" in message.html
    assert "<script>" not in message.html and "<b>F-" not in message.html


def test_a_line_break_in_the_firm_name_cannot_split_the_subject(one_invoice: Statement) -> None:
    creditor = Creditor(name="Atelier Durand\nBcc: everyone@example.com")
    assert "\n" not in render(one_invoice, "reminder_1", Language.FR, creditor=creditor).subject


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("step_name", STEPS)
def test_empty_creditor_fields_leave_no_dangling_label(step_name: str, language: Language, two_invoices: Statement) -> None:
    message = render(two_invoices, step_name, language, creditor=Creditor(name="Atelier Durand"))
    for label in ("IBAN", "BIC", "SIREN", "Tél", "Tel.", "en ligne", "online", "Telegram", "mailto", "href"):
        assert label not in message.text and label not in message.html
    assert not [line for line in message.text.splitlines() if line.rstrip().endswith(":")]
    assert "REL-000123" in message.text  # the reference is still asked for
    assert message.text.rstrip().endswith("Atelier Durand")


def test_the_greeting_and_the_closing_follow_the_tone(one_invoice: Statement) -> None:
    courteous = render(one_invoice, "reminder_1", Language.FR).text
    formal = render(one_invoice, "last_reminder", Language.FR).text
    assert courteous.startswith("Bonjour,") and "Bien cordialement," in courteous
    assert formal.startswith("Madame, Monsieur,") and "salutations distinguées" in formal
    assert render(one_invoice, "last_reminder", Language.EN).text.startswith("Dear Sir or Madam,")

