"""What the debtor is told when relance acts on their reply: a short written confirmation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from jinja2 import Environment

from dialogs.parties import Language
from dialogs.reminders import Creditor, RenderedMessage, one_line, render_part


def render_promise_ack(env: Environment, *, language: Language, debtor_name: str, promised_on: date,
                       amount: Decimal | None, currency: str, creditor: Creditor, reference: str) -> RenderedMessage:
    """The confirmation of a promise to pay, in the debtor's language (text only; every value is data)."""
    context = {"language": language, "currency": currency, "debtor_name": debtor_name, "promised_on": promised_on,
               "amount": amount, "creditor": creditor, "reference": reference}
    subject = one_line(render_part(env, language, "promise_ack", "subject", context))
    return RenderedMessage(subject, render_part(env, language, "promise_ack", "txt", context), "")
