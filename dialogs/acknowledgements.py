"""What the debtor is told outside the ladder: a promise confirmed, a plan's installment reminded."""

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


def render_plan_installment(env: Environment, *, language: Language, seq: int, kind: str, due_on: date, owed: Decimal,
                            currency: str, creditor: Creditor, reference: str) -> RenderedMessage:
    """An installment reminder: `kind` "due" (two days before) or "late" (the day after, unpaid)."""
    context = {"language": language, "currency": currency, "seq": seq, "kind": kind, "due_on": due_on,
               "owed": owed, "creditor": creditor, "reference": reference}
    subject = one_line(render_part(env, language, "plan_installment", "subject", context))
    return RenderedMessage(subject, render_part(env, language, "plan_installment", "txt", context), "")
