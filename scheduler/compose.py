"""What a reminder says for a case at a step today: statement from the case file, wording from dialogs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from jinja2 import Environment

from dialogs.escalation import LadderStep
from dialogs.reminders import Creditor, Debtor, RenderedMessage, payment_reference, render_reminder
from dialogs.statements import InvoiceLine, Statement, build_statement
from storage.case_files import CaseFile


@dataclass(frozen=True, slots=True)
class Composer:
    env: Environment
    creditor: Creditor
    late_interest_rate: Decimal | None = None  # the contractual rate, if the firm's terms set one

    def statement(self, file: CaseFile, today: date) -> Statement:
        """The case's statement in the currency of its oldest owed invoice (one currency per message)."""
        owed = sorted((i for i in file.invoices if i.balance > 0), key=lambda i: (i.due_date, i.number))
        currency = owed[0].currency if owed else "EUR"
        lines = [InvoiceLine(i.number, i.issue_date, i.due_date, i.amount, i.paid, i.balance, i.currency)
                 for i in file.invoices if i.currency == currency]
        return build_statement(lines, today=today)

    def reminder(self, file: CaseFile, step: LadderStep, today: date, statement: Statement, *,
                 chat_link: str | None = None) -> RenderedMessage:
        debtor = Debtor(name=file.debtor.name, kind=file.debtor.kind, language=file.debtor.language)
        return render_reminder(statement, step=step.wording, debtor=debtor, creditor=self.creditor,
                               reference=payment_reference(file.case.id or 0), env=self.env,
                               late_interest_rate=self.late_interest_rate, chat_link=chat_link)
