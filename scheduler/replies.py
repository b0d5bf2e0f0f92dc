"""What an understood reply does to its case: each effect through `record`, with its Event, in the
caller's transaction — the same place the sweep's decisions take effect, since both need the
business calendar and the owner's alerts."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session, select

from dialogs.acknowledgements import render_promise_ack
from dialogs.alerts import Alert, AlertKind
from dialogs.parties import Channel
from dialogs.reminders import payment_reference
from dialogs.reply_decisions import ReplyAction, ReplyDecision, ReplyRules
from dialogs.states import ALLOWED, CaseState
from dialogs.plans import PlanOption, plan_from_request
from dialogs.understanding import Understanding
from scheduler.alerts import queue_alert
from scheduler.compose import Composer
from scheduler.failover import fail_over
from scheduler.plans import PlanDesk, PlanRefused
from scheduler.sweep import SweepPolicy
from storage import outbox
from storage.case_changes import record
from storage.models import (
    Case, Debtor, Dispute, Invoice, Message, MessageStatus, Promise, PromiseStatus, Reply,
)
from storage.reply_matching import Match, debtors_at

log = logging.getLogger("scheduler.replies")
# The debtor's words quoted to the owner: enough to decide, not a whole thread.
QUOTE_LIMIT = 1500


@dataclass(frozen=True, slots=True)
class ReplyEffects:
    policy: SweepPolicy
    rules: ReplyRules
    composer: Composer
    plans: PlanDesk | None = None  # without it, a plan request only alerts the owner

    def apply(self, session: Session, message: Message, understood: Understanding, match: Match,
              decision: ReplyDecision, now: datetime) -> Reply:
        """Store what was understood and do what `decision` says; the caller commits."""
        reply = Reply(message_id=message.id or 0, case_id=match.case.id if match.case else None,
                      kind=understood.kind, intent=understood.intent, confidence=understood.confidence,
                      promised_date=understood.promised_date, amount=understood.amount, currency=understood.currency,
                      back_on=understood.back_on, new_contact=understood.new_contact,
                      failed_recipient=understood.failed_recipient, matched_by=match.by,
                      foreign_sender=match.foreign_sender, needs_review=decision.action is ReplyAction.REVIEW,
                      details={**understood.as_json(), "action": decision.action, "reason": decision.reason},
                      created_at=now)
        session.add(reply)
        message.case_id = reply.case_id
        message.body = understood.new_text
        handler = getattr(self, f"_{decision.action}")
        handler(session, message, understood, match, decision, now)
        log.info("message=%s case=%s kind=%s intent=%s confidence=%.2f action=%s", message.id, reply.case_id,
                 understood.kind, understood.intent, understood.confidence, decision.action)
        return reply

    def _promise(self, session: Session, message: Message, understood: Understanding, match: Match,
                 decision: ReplyDecision, now: datetime) -> None:
        case, _ = _matched(match)
        promised_on = understood.promised_date
        assert promised_on is not None  # decide_reply acts on dated promises only
        for earlier in session.exec(select(Promise).where(Promise.case_id == case.id,
                                                          Promise.status == PromiseStatus.PENDING)):
            earlier.status = PromiseStatus.CANCELLED  # replaced by the new date
            earlier.resolved_at = now
        session.add(Promise(case_id=case.id or 0, promised_on=promised_on, amount=understood.amount,
                            message_id=message.id, made_at=now))
        moving = case.state is not CaseState.PROMISED
        record(session, case, "promise_received", now=now, actor="debtor",
               to_state=CaseState.PROMISED if moving else None, data=self._facts(message, understood, match))
        case.next_action_at = self._resume_at(decision.resume_on)
        self._confirm_promise(session, message, match, understood, now)

    def _payment_claimed(self, session: Session, message: Message, understood: Understanding, match: Match,
                         decision: ReplyDecision, now: datetime) -> None:
        case, _ = _matched(match)
        record(session, case, "payment_claimed", now=now, actor="debtor", data=self._facts(message, understood, match))
        self._postpone(case, decision.resume_on)
        self._alert(session, AlertKind.PAYMENT_CLAIMED, message, understood, match, now)

    def _dispute(self, session: Session, message: Message, understood: Understanding, match: Match,
                 decision: ReplyDecision, now: datetime) -> None:
        case, _ = _matched(match)
        open_invoices = list(session.exec(select(Invoice).where(
            Invoice.case_id == case.id, Invoice.amount != Invoice.paid, Invoice.disputed == False)))  # noqa: E712
        named = _named(open_invoices, understood)
        disputed = named or open_invoices  # none named: the debtor disputes what they are asked for
        reason = understood.new_text[:QUOTE_LIMIT]
        for invoice in disputed:
            invoice.disputed = True
            session.add(Dispute(case_id=case.id or 0, invoice_id=invoice.id or 0, reason=reason, opened_at=now))
        whole = len(disputed) == len(open_invoices)
        to_state = CaseState.DISPUTED if whole and CaseState.DISPUTED in ALLOWED[case.state] else None
        record(session, case, "dispute_opened", now=now, actor="debtor", to_state=to_state,
               data={**self._facts(message, understood, match), "invoices": [i.number for i in disputed]})
        case.next_action_at = now  # the sweep re-reads what is still owed without the disputed invoices
        self._alert(session, AlertKind.DISPUTE, message, understood, match, now)

    def _plan_request(self, session: Session, message: Message, understood: Understanding, match: Match,
                      decision: ReplyDecision, now: datetime) -> None:
        """The debtor's own schedule is taken (or referred to the owner); without one, options are offered."""
        case, _ = _matched(match)
        record(session, case, "plan_requested", now=now, actor="debtor", data=self._facts(message, understood, match))
        if self.plans is not None:
            try:
                own = self._requested_plan(session, case, understood, now)
                if own is not None:
                    self.plans.take(session, case, own, source=message.channel, now=now)
                    return
                if message.channel is Channel.EMAIL:  # the chat offers its options with buttons
                    self.plans.offer(session, case, channel=Channel.EMAIL, now=now, answering=message)
                    self._postpone(case, decision.resume_on)
                    return
            except PlanRefused as refused:
                log.info("case=%s no plan to offer: %s", case.id, refused)
        self._postpone(case, decision.resume_on)
        self._alert(session, AlertKind.PLAN_REQUEST, message, understood, match, now)

    def _plan_choice(self, session: Session, message: Message, understood: Understanding, match: Match,
                     decision: ReplyDecision, now: datetime) -> None:
        case, _ = _matched(match)
        assert self.plans is not None and decision.option is not None
        offer = self.plans.open_offer(session, case, Channel.EMAIL)
        assert offer is not None  # the decision was made on it
        try:
            self.plans.choose(session, offer, decision.option, source=Channel.EMAIL, now=now)
        except PlanRefused as refused:
            self._alert(session, AlertKind.REPLY_REVIEW, message, understood, match, now, extra=str(refused))

    def _requested_plan(self, session: Session, case: Case, understood: Understanding,
                        now: datetime) -> PlanOption | None:
        assert self.plans is not None
        # A bare count ("en trois fois") is answered with options; a schedule with dates or sums is the debtor's own.
        if not any(i.date or i.amount for i in understood.installments):
            return None
        balance = self.plans.statement(session, case, now).total
        today = now.astimezone(self.policy.calendar.tz).date()
        return plan_from_request(understood.installments, balance=balance, today=today, bounds=self.plans.bounds)

    def _wrong_contact(self, session: Session, message: Message, understood: Understanding, match: Match,
                       decision: ReplyDecision, now: datetime) -> None:
        case, _ = _matched(match)
        record(session, case, "wrong_contact", now=now, actor="debtor", data=self._facts(message, understood, match))
        # Writing again to someone who said it is not theirs helps nobody: wait for the owner.
        today = now.astimezone(self.policy.calendar.tz).date()
        self._postpone(case, today + timedelta(days=self.rules.claim_grace_days))
        extra = f"→ {understood.new_contact}" if understood.new_contact else ""
        self._alert(session, AlertKind.WRONG_CONTACT, message, understood, match, now, extra=extra)

    def _bounce(self, session: Session, message: Message, understood: Understanding, match: Match,
                decision: ReplyDecision, now: datetime) -> None:
        address = understood.failed_recipient or ""
        for debtor in debtors_at(session, address):
            debtor.email_invalid = True
        bounced = match.answered
        case, debtor = match.case, match.debtor
        if case is None or debtor is None:
            self._alert(session, AlertKind.BOUNCED, message, understood, match, now, quote=False, extra=address)
            return
        error = f"bounced: {address}"
        if bounced is not None and bounced.status is MessageStatus.SENT and not outbox.is_alert(bounced):
            fail_over(session, self.policy, bounced, case, debtor, now, error, kind="reminder_bounced")
        else:
            record(session, case, "email_bounced", now=now, actor="mail server",
                   data={"address": address, "message": message.id})
        self._alert(session, AlertKind.BOUNCED, message, understood, match, now, quote=False, extra=address)

    def _auto_reply(self, session: Session, message: Message, understood: Understanding, match: Match,
                    decision: ReplyDecision, now: datetime) -> None:
        if match.case is None:
            return
        record(session, match.case, "auto_reply", now=now, actor="mail server",
               data={"message": message.id, "back_on": understood.back_on})
        self._postpone(match.case, decision.resume_on)

    def _review(self, session: Session, message: Message, understood: Understanding, match: Match,
                decision: ReplyDecision, now: datetime) -> None:
        if match.case is not None:
            record(session, match.case, "reply_to_review", now=now, actor="relance",
                   data={**self._facts(message, understood, match), "reason": decision.reason})
        self._alert(session, AlertKind.REPLY_REVIEW, message, understood, match, now, extra=decision.reason)

    def _facts(self, message: Message, understood: Understanding, match: Match) -> dict[str, object]:
        facts: dict[str, object] = {"message": message.id, "intent": understood.intent,
                                    "confidence": round(understood.confidence, 2),
                                    "evidence": list(understood.evidence), "matched_by": match.by}
        for name in ("promised_date", "amount", "currency", "new_contact"):
            value = getattr(understood, name)
            if value is not None:
                facts[name] = value
        if understood.invoice_refs:
            facts["invoices"] = list(understood.invoice_refs)
        if understood.installments:
            facts["installments"] = [{"date": i.date, "amount": i.amount} for i in understood.installments]
        if match.foreign_sender:
            facts["sender"] = message.sender
        return facts

    def _postpone(self, case: Case, until: date | None) -> None:
        """No reminder before `until`; a later time already set stands."""
        if until is None:
            return
        at = self._resume_at(until)
        if case.next_action_at is None or case.next_action_at < at:
            case.next_action_at = at

    def _resume_at(self, day: date | None) -> datetime | None:
        return None if day is None else self.policy.calendar.day_start(day)

    def _alert(self, session: Session, kind: AlertKind, message: Message, understood: Understanding, match: Match,
               now: datetime, *, quote: bool = True, extra: str = "") -> None:
        who = f"{match.debtor.ref} {match.debtor.name}" if match.debtor else (message.sender or "?")
        lines = [extra] if extra else []
        if match.foreign_sender:
            lines.append(f"(sent by {message.sender}, not the debtor's address)")
        if message.subject:
            lines.append(f"Subject: {message.subject}")
        if quote and understood.new_text.strip():
            lines.append("> " + understood.new_text[:QUOTE_LIMIT].strip().replace("\n", "\n> "))
        queue_alert(session, self.policy.owner, Alert(kind, match.case.id if match.case else None, who,
                                                      "\n".join(lines)), now, once_per=f"message:{message.id}")

    def _confirm_promise(self, session: Session, message: Message, match: Match, understood: Understanding,
                         now: datetime) -> None:
        """In writing, to the debtor's own address only: a stranger learns nothing of the case."""
        case, debtor = _matched(match)
        if not debtor.email or debtor.email_invalid or understood.promised_date is None:
            return
        rendered = render_promise_ack(self.composer.env, language=debtor.language, debtor_name=debtor.name,
                                      promised_on=understood.promised_date, amount=understood.amount,
                                      currency=understood.currency or "EUR", creditor=self.composer.creditor,
                                      reference=payment_reference(case.id or 0))
        queued = outbox.queue(session, case_id=case.id, purpose=f"{outbox.ANSWER}promise:{message.id}",
                              channel=Channel.EMAIL, recipient=debtor.email, subject=rendered.subject,
                              body=rendered.text, now=now)
        if queued is not None and not match.foreign_sender:
            queued.in_reply_to = message.message_id


def _matched(match: Match) -> tuple[Case, Debtor]:
    assert match.case is not None and match.debtor is not None  # decide_reply acts on matched replies only
    return match.case, match.debtor


def _named(invoices: list[Invoice], understood: Understanding) -> list[Invoice]:
    """The open invoices the debtor names, by number, in what they wrote."""
    refs = {r.upper() for r in understood.invoice_refs}
    text = understood.new_text.upper()
    return [i for i in invoices if i.number.upper() in refs or i.number.upper() in text]
