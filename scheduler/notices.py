"""The formal notice ("mise en demeure"): drafted from the case as it stands, approved by the owner,
then sent by email with its PDF, and the case's deadline set.

Which invoices it claims: the case's open, undisputed ones (credit notes included) in the currency
of the oldest owed, as the reminders did; an invoice already paid, even late, is not claimed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from dialogs.legal import Claim, LegalTerms, compute_claim
from dialogs.notice import NoticeDocument, NoticeParty, SentReminder, render_notice
from dialogs.parties import Channel, Language
from dialogs.reminders import payment_reference
from dialogs.states import CaseState
from scheduler.claims import claimed_invoices
from scheduler.compose import Composer
from scheduler.sweep import SweepPolicy
from storage import outbox
from storage.case_changes import jsonable, record
from storage.models import (
    Case, Debtor, Direction, Message, MessageStatus, Notice,
)

log = logging.getLogger("scheduler.notices")
PdfRenderer = Callable[[NoticeDocument], bytes]


class NoticeRefused(ValueError):
    """The notice cannot be approved for this case as it stands; the message says why, for the owner."""


@dataclass(frozen=True, slots=True)
class Draft:
    claim: Claim
    document: NoticeDocument
    pdf: bytes
    dated: date
    deadline: date


@dataclass(frozen=True, slots=True)
class NoticeDesk:
    policy: SweepPolicy
    composer: Composer
    terms: LegalTerms
    deadline_days: int
    place: str
    render_pdf: PdfRenderer

    def draft(self, session: Session, case: Case, dated: date) -> Draft:
        """The notice `case` would get if approved on `dated` (interest computed to that day).

        Raises NoticeRefused when nothing is owed; UnknownRate when a rate it needs is unconfirmed.
        """
        debtor = session.get(Debtor, case.debtor_id)
        assert debtor is not None
        facts = claimed_invoices(session, case)
        if not facts:
            raise NoticeRefused("nothing undisputed is owed on this case")
        claim = compute_claim(facts, debtor_kind=debtor.kind, terms=self.terms, as_of=dated)
        if claim.total_claimed <= 0:
            raise NoticeRefused("nothing is owed on this case")
        deadline = dated + timedelta(days=self.deadline_days)
        party = NoticeParty(name=debtor.name, kind=debtor.kind, language=debtor.language,
                            address=debtor.address or "", siren=debtor.siren or "", vat=debtor.vat or "")
        document = render_notice(claim, creditor=self.composer.creditor, debtor=party, place=self.place,
                                 dated=dated, deadline=deadline, reference=payment_reference(case.id or 0),
                                 reminders=_reminders_sent(session, case, self.policy), env=self.composer.env)
        return Draft(claim, document, self.render_pdf(document), dated, deadline)

    def approve(self, session: Session, case: Case, now: datetime) -> Notice:
        """The owner approves: the notice is stored, its email (PDF attached) queued to the debtor's
        address on file, and the case moves to NOTICE_SENT with its deadline. The caller commits."""
        if case.state is not CaseState.NOTICE_PENDING:
            raise NoticeRefused(f"the case is {case.state}: only a case flagged for a formal notice "
                                f"({CaseState.NOTICE_PENDING}) can be approved")
        today = now.astimezone(self.policy.calendar.tz).date()
        draft = self.draft(session, case, today)
        notice = Notice(case_id=case.id or 0, as_of=today, deadline=draft.deadline, currency=draft.claim.currency,
                        total_claimed=draft.claim.total_claimed, claim=jsonable(asdict(draft.claim)),
                        text=draft.document.text, pdf=draft.pdf, approved_at=now)
        session.add(notice)
        session.flush()
        debtor = session.get(Debtor, case.debtor_id)
        assert debtor is not None
        queued = None
        if debtor.email and not debtor.email_invalid:
            queued = outbox.queue(session, case_id=case.id, purpose=f"{outbox.NOTICE}{notice.id}",
                                  channel=Channel.EMAIL, recipient=debtor.email, subject=draft.document.subject,
                                  body=draft.document.text, html=draft.document.html, now=now)
        if queued is not None:
            title = "mise-en-demeure" if debtor.language is Language.FR else "formal-notice"
            queued.attachment_name = f"{title}-{payment_reference(case.id or 0)}.pdf"
            queued.attachment = draft.pdf
            session.flush()
            notice.message_id = queued.id
        record(session, case, "notice_approved", now=now, actor="owner", to_state=CaseState.NOTICE_SENT,
               data={"notice": notice.id, "deadline": draft.deadline, "total_claimed": draft.claim.total_claimed,
                     "currency": draft.claim.currency, "emailed": queued is not None})
        # The day after the deadline, the sweep looks again: paid by then, or the amicable phase has failed.
        case.next_action_at = self.policy.calendar.day_start(draft.deadline + timedelta(days=1))
        log.info("case=%s notice=%s approved, deadline %s", case.id, notice.id, draft.deadline)
        return notice


def _reminders_sent(session: Session, case: Case, policy: SweepPolicy) -> list[SentReminder]:
    query = (select(Message).where(Message.case_id == case.id, Message.direction == Direction.OUT,
                                   Message.status == MessageStatus.SENT).order_by(col(Message.sent_at)))
    return [SentReminder(m.sent_at.astimezone(policy.calendar.tz).date(), m.channel, m.subject or "")
            for m in session.exec(query) if outbox.is_reminder(m) and m.sent_at is not None]
