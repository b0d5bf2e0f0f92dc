"""The case file's reminder log: every message sent to the debtor, with its date, channel and text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from jinja2 import Environment

from dialogs.parties import Language
from dialogs.reminders import Creditor, render_part


@dataclass(frozen=True, slots=True)
class LoggedMessage:
    sent_on: date
    sent_at_time: str  # "09:00", on the firm's clock
    channel: str
    recipient: str
    message_id: str
    subject: str
    text: str


def render_reminder_log(env: Environment, *, language: Language, creditor: Creditor, debtor_name: str,
                        debtor_ref: str, case_id: int, today: date, messages: Sequence[LoggedMessage]) -> str:
    """The log as one HTML document (printable to PDF); every value is data, escaped."""
    context = {"language": language, "currency": "EUR", "creditor": creditor, "case_id": case_id, "today": today,
               "debtor": {"name": debtor_name, "ref": debtor_ref}, "messages": list(messages)}
    return render_part(env, language, "case_file", "html", context)
