"""What a reminder says: one debtor's statement at one step of the ladder, as subject, text and HTML."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from enum import StrEnum

from jinja2 import Environment, TemplateNotFound
from markupsafe import escape

from dialogs.parties import DebtorKind, Language
from dialogs.statements import Statement

# Code de commerce D441-5: the fixed recovery indemnity per late invoice, in euros, outside VAT.
RECOVERY_INDEMNITY = Decimal("40")
RECOVERY_INDEMNITY_CURRENCY = "EUR"

_TEMPLATE_NAME = re.compile(r"[A-Za-z0-9_-]+")


class Tone(StrEnum):
    COURTEOUS = "courteous"
    FIRM = "firm"
    FORMAL = "formal"


@dataclass(frozen=True, slots=True)
class ReminderStep:
    """A step of the ladder as far as its wording goes."""

    name: str
    template: str  # looked up as "<language>/<template>.{subject,txt,html}.j2"
    tone: Tone
    # Remind a business debtor of late interest and the 40 € indemnity. Ignored for consumers.
    legal_mentions: bool = False


@dataclass(frozen=True, slots=True)
class Debtor:
    name: str
    kind: DebtorKind
    language: Language


@dataclass(frozen=True, slots=True)
class Creditor:
    """The firm, as it signs its messages. Empty fields are left out of the message."""

    name: str
    address: str = ""  # may span several lines
    email: str = ""
    phone: str = ""
    siren: str = ""
    iban: str = ""
    bic: str = ""
    payment_link: str = ""


@dataclass(frozen=True, slots=True)
class LateCharges:
    """What L441-10 Code de commerce adds to a late B2B debt; mentioned, never added to the total."""

    rate_percent: Decimal | None  # None: the message cites the legal default instead of a number
    late_invoices: int
    indemnity_per_invoice: Decimal = RECOVERY_INDEMNITY
    indemnity_currency: str = RECOVERY_INDEMNITY_CURRENCY

    @property
    def indemnity_total(self) -> Decimal:
        return self.indemnity_per_invoice * self.late_invoices


@dataclass(frozen=True, slots=True)
class RenderedMessage:
    subject: str  # one line
    text: str
    html: str


class NothingToRemindError(ValueError):
    """The statement owes nothing (total zero or in the debtor's favour): send no reminder."""


class ReminderTemplateError(LookupError):
    """The step names no template, or none exists for this language: fix the ladder or add the file."""


class ConsumerFeeError(ValueError):
    """A template would tell a consumer about a fee or penalty, which the law forbids: fix the template."""


def payment_reference(case_id: int) -> str:
    """"REL-000123": letters, digits and a hyphen only, which every bank's transfer form accepts."""
    if case_id < 1:
        raise ValueError(f"case id must be positive, got {case_id}")
    return f"REL-{case_id:06d}"


def late_charges(
    statement: Statement, *, step: ReminderStep, debtor: Debtor, rate_percent: Decimal | None
) -> LateCharges | None:
    """The late charges this message may mention, or None."""
    # A consumer may never be charged any recovery fee (L111-8 CPCE; charging one is an offence,
    # L122-16 Code de la consommation), and owes interest only from a formal notice: say nothing.
    if debtor.kind is not DebtorKind.BUSINESS:
        return None
    if not step.legal_mentions:
        return None
    return LateCharges(rate_percent=rate_percent, late_invoices=len(statement.late_invoices))


def render_reminder(
    statement: Statement,
    *,
    step: ReminderStep,
    debtor: Debtor,
    creditor: Creditor,
    reference: str,
    env: Environment,
    chat_link: str | None = None,
    late_interest_rate: Decimal | None = None,
    pay_by: date | None = None,
) -> RenderedMessage:
    """Render the reminder of `step` for `debtor` in the debtor's language.

    `reference` is the transfer reference the debtor must quote (see payment_reference);
    `chat_link` a Telegram deep link inviting the debtor to continue in chat; `late_interest_rate`
    the contractual yearly rate in percent (None: the legal default is cited); `pay_by` the date the
    last reminder asks payment by (None: "as soon as possible"). Every value is passed to the
    templates as data; none is ever rendered as a template.
    """
    if statement.total <= 0:
        raise NothingToRemindError(f"statement total is {statement.total} {statement.currency}")
    if not _TEMPLATE_NAME.fullmatch(step.template):
        raise ReminderTemplateError(f"step {step.name!r} has no usable template name: {step.template!r}")
    invoices = statement.invoices
    context = {
        "language": debtor.language,
        "currency": statement.currency,
        "tone": step.tone,
        "step": step.name,
        "statement": statement,
        "plural": len(invoices) > 1,
        "single": invoices[0] if len(invoices) == 1 else None,
        "debtor": debtor,
        "creditor": creditor,
        "reference": reference,
        "chat_link": chat_link or None,
        "legal": late_charges(statement, step=step, debtor=debtor, rate_percent=late_interest_rate),
        "pay_by": pay_by,
    }
    subject, text, html = (render_part(env, debtor.language, step.template, part, context)
                           for part in ("subject", "txt", "html"))
    message = RenderedMessage(subject=one_line(subject), text=_tidy(text), html=html.strip() + "\n")
    if debtor.kind is DebtorKind.CONSUMER:
        _refuse_fees(message, _data_values(statement, debtor, creditor, reference, chat_link))
    return message


def render_part(env: Environment, language: Language, template: str, part: str, context: dict[str, object]) -> str:
    name = f"{language}/{template}.{part}.j2"
    try:
        return env.get_template(name).render(context)
    except TemplateNotFound as exc:
        raise ReminderTemplateError(f"no template {exc.name} (from {name}) in the override folder or built in") from exc


def one_line(subject: str) -> str:
    # A line break in a header value would start a new header (a firm name could carry one);
    # no-break spaces inside amounts are kept.
    return re.sub(r" {2,}", " ", " ".join(part.strip() for part in subject.splitlines() if part.strip()))


def _tidy(text: str) -> str:
    # Optional sections (IBAN, phone, legal mentions) leave blank lines behind when empty.
    lines = "\n".join(line.rstrip() for line in text.strip().splitlines())
    return re.sub(r"\n{3,}", "\n\n", lines) + "\n"


# Words that only a fee, a penalty or late interest would bring into a message (fr and en).
# The lookahead on the first letters lets the scan skip most positions at once (5x faster).
_FEE_WORDS = re.compile(
    r"(?=[ipfldc])(?:indemnit|p[ée]nalit|\bfrais\b|int[ée]r[êe]ts?\s+(?:de\s+)?retard|\b[LD]\s?\.?\s?441-"
    r"|\bcompensation\b|\bfees?\b|\bpenalt|\blate[- ](?:payment\s+)?interest\b|\binterest\s+(?:at|rate)\b)",
    re.IGNORECASE,
)


def _refuse_fees(message: RenderedMessage, data: list[str]) -> None:
    """Second lock behind late_charges(): an owner's template must not bring a fee in either."""
    for part, content in (("subject", message.subject), ("text", message.text), ("html", message.html)):
        found = _FEE_WORDS.search(_without(content, data))
        if found:
            raise ConsumerFeeError(
                f"the {part} of this consumer reminder mentions {found.group(0)!r}; a consumer may not be "
                "charged recovery fees or penalties (L111-8 CPCE): remove it from the template"
            )


def _data_values(
    statement: Statement, debtor: Debtor, creditor: Creditor, reference: str, chat_link: str | None
) -> list[str]:
    values = [debtor.name, reference, chat_link or ""]
    values += [getattr(creditor, field.name) for field in fields(creditor)]
    values += [line.invoice.number for line in statement.lines]
    return values


def _without(content: str, data: list[str]) -> str:
    # Names are data: a firm called "Les Vergers Frais" must not trip the check, so mask them first.
    pieces = {piece.strip() for value in data for piece in value.splitlines() if piece.strip()}
    for piece in sorted(pieces, key=len, reverse=True):
        content = content.replace(piece, " ").replace(str(escape(piece)), " ")
    return content
