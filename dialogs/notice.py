"""What the formal notice ("mise en demeure") says: a computed claim as subject, text and HTML, per language."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from jinja2 import Environment

from dialogs.legal import Claim, Jurisdiction
from dialogs.parties import Channel, DebtorKind, Language
from dialogs.reminders import Creditor, NothingToRemindError, one_line, render_part

# Code des procédures civiles d'exécution L125-1 and R125-1: up to this amount (principal and
# interest, in euros) a creditor may use the simplified procedure through a commissaire de justice.
SIMPLIFIED_PROCEDURE_LIMIT = Decimal("5000")
SIMPLIFIED_PROCEDURE_CURRENCY = "EUR"
_TEMPLATE = "notice"  # looked up as "<language>/notice.{subject,txt,html}.j2"


@dataclass(frozen=True, slots=True)
class NoticeParty:
    """The debtor as the notice names it. Empty fields are left out of the letter."""

    name: str
    kind: DebtorKind
    language: Language
    address: str = ""  # may span several lines
    siren: str = ""
    vat: str = ""  # intra-community VAT number


@dataclass(frozen=True, slots=True)
class SentReminder:
    """An earlier reminder, cited with its date as proof that the amicable phase was tried."""

    date: date
    channel: Channel
    subject: str = ""


@dataclass(frozen=True, slots=True)
class NoticeDocument:
    subject: str  # one line
    text: str
    html: str  # a complete document, printable as is (A4 page rules for the PDF)


class NoticeError(ValueError):
    """The notice cannot be written as asked (deadline not after its date, debtor kind not the claim's): fix the call."""


def render_notice(
    claim: Claim,
    *,
    creditor: Creditor,
    debtor: NoticeParty,
    place: str,
    dated: date,
    deadline: date,
    reference: str,
    reminders: Sequence[SentReminder],
    env: Environment,
) -> NoticeDocument:
    """Render the formal notice for `claim` in the debtor's language.

    `place` and `dated` are where and when the letter is signed; `deadline` the day payment is
    demanded by (LEGAL.md: usually 8 days from receipt); `reference` the transfer reference the
    debtor must quote; `reminders` the earlier reminders, cited oldest first. Every value is passed
    to the templates as data; none is ever rendered as a template.
    """
    if claim.total_claimed <= 0:
        raise NothingToRemindError(f"claim total is {claim.total_claimed} {claim.currency}")
    if deadline <= dated:
        raise NoticeError(f"deadline {deadline} must come after the notice's date {dated}")
    if debtor.kind is not claim.debtor_kind:
        raise NoticeError(f"the debtor is a {debtor.kind} but the claim was computed for a {claim.debtor_kind}")
    # No indemnity check here: Claim refuses to exist for a consumer with one (L111-8 CPCE), and the
    # templates show no indemnity line at all to a consumer.
    consumer = debtor.kind is DebtorKind.CONSUMER
    # A UK claim in euros carries its fixed sums in pounds; Claim leaves them out of total_claimed then,
    # and the letter claims them beside the total.
    indemnity_currency = next((inv.indemnity_currency for inv in claim.invoices if inv.indemnity), claim.currency)
    context = {
        "language": debtor.language,
        "currency": claim.currency,
        "claim": claim,
        "consumer": consumer,
        # A consumer owes interest only from the notice's receipt (Code civil 1344-1): show a column
        # only if the computation found some, and never a column of zeros.
        "show_interest": not consumer or claim.total_interest > 0,
        "indemnity_currency": indemnity_currency,
        "indemnity_in_total": indemnity_currency == claim.currency,
        "french_court": claim.jurisdiction is Jurisdiction.FR,
        "simplified_procedure": _simplified_procedure_open(claim),
        "creditor": creditor,
        "debtor": debtor,
        "place": place,
        "dated": dated,
        "deadline": deadline,
        "reference": reference,
        "reminders": sorted(reminders, key=lambda sent: sent.date),
    }
    subject, text, html = (render_part(env, debtor.language, _TEMPLATE, part, context)
                           for part in ("subject", "txt", "html"))
    return NoticeDocument(subject=one_line(subject), text=_tidy(text), html=html.strip() + "\n")


def _simplified_procedure_open(claim: Claim) -> bool:
    # The French small-claims procedure: French courts, a euro claim, principal and interest ≤ 5,000 €
    # (the fixed indemnity is left out of the comparison: it is a separate head of claim).
    return (claim.jurisdiction is Jurisdiction.FR and claim.currency == SIMPLIFIED_PROCEDURE_CURRENCY
            and claim.total_remaining + claim.total_interest <= SIMPLIFIED_PROCEDURE_LIMIT)


def _tidy(text: str) -> str:
    # Optional lines (SIREN, VAT, BIC, payment link) leave blank runs behind when empty.
    lines = "\n".join(line.rstrip() for line in text.strip().splitlines())
    return re.sub(r"\n{3,}", "\n\n", lines) + "\n"
