"""What the Telegram bot says to a debtor, in French and English: our sentences, the debtor's data last.

Every text is `str.format` on our own strings; names, invoice numbers and amounts are arguments,
never templates, so nothing a debtor or an import wrote is interpreted.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from dialogs.formatting import format_date, format_money
from dialogs.parties import Language
from dialogs.statements import Statement

_TEXTS: dict[Language, dict[str, str]] = {
    Language.FR: {
        "neutral": "Bonjour. Pour suivre votre dossier ici, ouvrez le lien Telegram reçu dans l'un de nos messages.",
        "linked": "Cette conversation est maintenant liée à {name}.",
        "stopped": "C'est noté : cette conversation n'est plus liée à votre dossier et vous ne recevrez plus "
                   "rien ici. Nous continuerons par e-mail.",
        "menu": "Que souhaitez-vous faire ?",
        "b_owe": "Ce que je dois",
        "b_pay": "Comment payer",
        "b_promise": "Promettre une date",
        "b_problem": "Signaler un problème",
        "b_paid": "J'ai déjà payé",
        "b_plan": "Payer en plusieurs fois",
        "b_menu": "Menu",
        "nothing_owed": "Vous n'avez rien à régler pour le moment.",
        "owe_head": "Factures à régler au {today} :",
        "owe_line": "• {number} : {remaining} (échéance le {due})",
        "owe_credit": "• {number} : avoir de {remaining}",
        "owe_total": "Total : {total}",
        "pay_head": "Pour régler {creditor} :",
        "pay_iban": "Virement — IBAN : {iban}",
        "pay_bic": "BIC : {bic}",
        "pay_reference": "Référence à indiquer : {reference}",
        "pay_link": "Paiement en ligne : {link}",
        "pay_none": "Contactez {creditor} pour connaître les moyens de paiement.",
        "promise_ask": "À quelle date pourrez-vous régler ?",
        "b_in_days": "Dans {days} jours ({day})",
        "b_month_end": "Fin du mois ({day})",
        "b_other_date": "Une autre date",
        "date_ask": "Écrivez la date à laquelle vous réglerez, par exemple {example}.",
        "date_unknown": "Je n'ai pas reconnu de date. Écrivez-la par exemple ainsi : {example}.",
        "promised": "C'est noté : règlement promis pour le {day}. Nous ne vous relancerons pas d'ici là.",
        "problem_ask": "Quelle facture pose problème ? Touchez-en une ou plusieurs, puis « Continuer ».",
        "b_continue": "Continuer",
        "problem_pick_one": "Choisissez au moins une facture, puis « Continuer ».",
        "problem_none": "Aucune facture ouverte ne peut être contestée ici.",
        "reason_ask": "Expliquez en quelques mots le problème avec {invoices}.",
        "disputed": "Votre contestation de {invoices} est enregistrée. Les relances sont suspendues pour "
                    "ces factures ; {creditor} vous répondra.",
        "paid_ask": "Envoyez une photo ou un fichier de votre preuve de paiement, ou précisez par écrit "
                    "quand et comment vous avez payé.",
        "b_no_proof": "Sans justificatif",
        "paid_noted": "Merci. {creditor} vérifie votre paiement ; les relances sont suspendues quelques jours.",
        "plan_noted": "Votre demande de paiement en plusieurs fois est transmise ; {creditor} vous répondra.",
        "plan_ask": "Voici les échéanciers possibles :",
        "plan_option": "Option {number} : {installments}",
        "plan_installment": "{amount} le {day}",
        "b_plan_option": "Option {number}",
        "plan_none": "Aucun échéancier ne peut être proposé automatiquement ; {creditor} vous répondra.",
        "plan_accepted": "Échéancier accepté. Vous recevrez une confirmation écrite.",
        "plan_waiting": "Votre choix est transmis à {creditor}, qui doit le valider ; vous recevrez sa réponse.",
        "plan_expired": "Cette proposition n'est plus valable ; demandez-en une nouvelle depuis le menu.",
        "received": "Message reçu. {creditor} vous répondra.",
        "no_case": "Vous n'avez pas de dossier en cours.",
    },
    Language.EN: {
        "neutral": "Hello. To follow your account here, open the Telegram link in one of our messages.",
        "linked": "This chat is now linked to {name}.",
        "stopped": "Noted: this chat is no longer linked to your account and you will receive nothing more "
                   "here. We will continue by email.",
        "menu": "What would you like to do?",
        "b_owe": "What I owe",
        "b_pay": "How to pay",
        "b_promise": "Promise a date",
        "b_problem": "Report a problem",
        "b_paid": "I already paid",
        "b_plan": "Pay in installments",
        "b_menu": "Menu",
        "nothing_owed": "You have nothing to pay at the moment.",
        "owe_head": "Invoices to pay as of {today}:",
        "owe_line": "• {number}: {remaining} (due {due})",
        "owe_credit": "• {number}: credit of {remaining}",
        "owe_total": "Total: {total}",
        "pay_head": "To pay {creditor}:",
        "pay_iban": "Bank transfer — IBAN: {iban}",
        "pay_bic": "BIC: {bic}",
        "pay_reference": "Reference to quote: {reference}",
        "pay_link": "Pay online: {link}",
        "pay_none": "Please contact {creditor} for the ways to pay.",
        "promise_ask": "On what date will you pay?",
        "b_in_days": "In {days} days ({day})",
        "b_month_end": "End of month ({day})",
        "b_other_date": "Another date",
        "date_ask": "Type the date you will pay on, for example {example}.",
        "date_unknown": "I did not recognise a date. Type it like this, for example: {example}.",
        "promised": "Noted: payment promised for {day}. We will not remind you before then.",
        "problem_ask": "Which invoice is the problem? Tap one or more, then \u201cContinue\u201d.",
        "b_continue": "Continue",
        "problem_pick_one": "Choose at least one invoice, then \u201cContinue\u201d.",
        "problem_none": "No open invoice can be disputed here.",
        "reason_ask": "Describe the problem with {invoices} in a few words.",
        "disputed": "Your dispute of {invoices} is recorded. Reminders are suspended for these invoices; "
                    "{creditor} will answer you.",
        "paid_ask": "Send a photo or a file of your proof of payment, or write when and how you paid.",
        "b_no_proof": "No proof",
        "paid_noted": "Thank you. {creditor} is checking your payment; reminders are suspended for a few days.",
        "plan_noted": "Your request to pay in installments has been passed on; {creditor} will answer you.",
        "plan_ask": "These payment plans are possible:",
        "plan_option": "Option {number}: {installments}",
        "plan_installment": "{amount} on {day}",
        "b_plan_option": "Option {number}",
        "plan_none": "No payment plan can be offered automatically; {creditor} will answer you.",
        "plan_accepted": "Payment plan accepted. You will receive a written confirmation.",
        "plan_waiting": "Your choice has been passed on to {creditor} for approval; you will receive their answer.",
        "plan_expired": "This offer is no longer valid; ask for a new one from the menu.",
        "received": "Message received. {creditor} will answer you.",
        "no_case": "You have no open account with us at the moment.",
    },
}
# How a typed date may look, in the reader's habit.
_EXAMPLE_FORMAT = {Language.FR: "short", Language.EN: "long"}


def say(language: Language, key: str, **data: object) -> str:
    """Our sentence `key` in `language`, with `data` filled in as plain values."""
    return _TEXTS[Language(language)][key].format(**data)


def statement_text(statement: Statement, language: Language) -> str:
    """Each invoice (number, what remains, due date), credits, and the total, as the debtor reads them."""
    money = lambda amount: format_money(amount, statement.currency, language)  # noqa: E731
    lines = [say(language, "owe_head", today=format_date(statement.as_of, language))]
    for line in statement.lines:
        invoice = line.invoice
        if line.is_credit:
            lines.append(say(language, "owe_credit", number=invoice.number, remaining=money(-invoice.remaining)))
        else:
            lines.append(say(language, "owe_line", number=invoice.number, remaining=money(invoice.remaining),
                             due=format_date(invoice.due_date, language)))
    lines.append(say(language, "owe_total", total=money(statement.total)))
    return "\n".join(lines)


def installments_text(installments: list[tuple[date, Decimal]], currency: str, language: Language) -> str:
    return ", ".join(say(language, "plan_installment", amount=format_money(amount, currency, language),
                         day=format_date(day, language)) for day, amount in installments)


def date_example(today: date, language: Language) -> str:
    return format_date(today, language, _EXAMPLE_FORMAT[Language(language)])
