"""Payment plans negotiated within the owner's bounds: offered, chosen or counter-proposed, then
accepted at once (inside the bounds) or handed to the owner (outside them) — on Telegram or by email.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from dialogs.alerts import Alert, AlertKind
from dialogs.parties import Channel
from dialogs.plans import (
    PlanBounds, PlanOption, ScheduledPayment, check_plan, propose_plans, render_plan_confirmed, render_plan_options,
)
from dialogs.reminders import payment_reference
from dialogs.states import ALLOWED, CaseState
from dialogs.statements import Statement
from scheduler.alerts import queue_alert
from scheduler.compose import Composer
from scheduler.sweep import SweepPolicy
from storage import outbox
from storage.case_changes import record
from storage.case_files import load_case_files
from storage.models import Case, Debtor, Installment, Message, PaymentPlan, PlanOffer, PlanStatus

log = logging.getLogger("scheduler.plans")


class PlanRefused(ValueError):
    """No plan can be offered or taken for this case now; the message says why."""


@dataclass(frozen=True, slots=True)
class PlanDesk:
    policy: SweepPolicy
    composer: Composer
    bounds: PlanBounds
    claim_grace_days: int

    def offer(self, session: Session, case: Case, *, channel: str, now: datetime,
              answering: Message | None = None, options: Sequence[PlanOption] | None = None,
              from_owner: bool = False) -> PlanOffer:
        """Propose schedules (`options`, by default those the bounds allow); by email the numbered
        options go to the debtor's address on file (threaded under `answering`). The caller commits."""
        debtor = _debtor(session, case)
        statement = self._owed(session, case, now)
        if options is None:
            options = propose_plans(statement.total, today=self._today(now), bounds=self.bounds)
        if not options:
            raise PlanRefused(f"no plan fits the bounds for a balance of {statement.total} {statement.currency}")
        offer = PlanOffer(case_id=case.id or 0, channel=channel, options=[{"installments": o.as_json()}
                                                                          for o in options], offered_at=now,
                          from_owner=from_owner)
        session.add(offer)
        session.flush()
        if channel == Channel.EMAIL and debtor.email and not debtor.email_invalid:
            rendered = render_plan_options(self.composer.env, language=debtor.language, options=options,
                                           currency=statement.currency, creditor=self.composer.creditor,
                                           reference=payment_reference(case.id or 0), debtor_name=debtor.name)
            sent = outbox.queue(session, case_id=case.id, purpose=f"{outbox.ANSWER}plan_offer:{offer.id}",
                                channel=Channel.EMAIL, recipient=debtor.email, subject=rendered.subject,
                                body=rendered.text, now=now)
            if sent is not None:
                sent.in_reply_to = answering.message_id if answering is not None else None
        record(session, case, "plan_offered", now=now, actor="relance",
               data={"offer": offer.id, "channel": channel, "options": offer.options})
        return offer

    def counter(self, session: Session, plan: PaymentPlan, option: PlanOption, *, now: datetime) -> PlanOffer:
        """The owner answers a plan that waited for them with a schedule of their own: the debtor's is
        set aside and the owner's offered by email, taken like any option once chosen (the owner's
        word stands for the bounds)."""
        case = session.get(Case, plan.case_id)
        assert case is not None
        plan.status, plan.ended_at = PlanStatus.REJECTED, now
        record(session, case, "plan_countered", now=now, actor="owner",
               data={"plan": plan.id, "installments": option.as_json()})
        return self.offer(session, case, channel=Channel.EMAIL, now=now, options=[option], from_owner=True)

    def open_offer(self, session: Session, case: Case, channel: str) -> PlanOffer | None:
        return session.exec(select(PlanOffer).where(PlanOffer.case_id == case.id, PlanOffer.channel == channel,
                                                    col(PlanOffer.closed_at).is_(None))
                            .order_by(col(PlanOffer.id).desc())).first()

    def choose(self, session: Session, offer: PlanOffer, index: int, *, source: str, now: datetime) -> PaymentPlan:
        """The debtor chose option `index` (0-based) of `offer`."""
        if not 0 <= index < len(offer.options):
            raise PlanRefused(f"there is no option {index + 1}")
        case = session.get(Case, offer.case_id)
        assert case is not None
        plan = self.take(session, case, PlanOption.from_json(offer.options[index]["installments"]),
                         source=source, now=now, agreed=offer.from_owner)
        offer.closed_at, offer.plan_id = now, plan.id
        return plan

    def take(self, session: Session, case: Case, option: PlanOption, *, source: str, now: datetime,
             agreed: bool = False) -> PaymentPlan:
        """A schedule the debtor wants: accepted at once inside the bounds, or when the owner proposed it
        (`agreed`), and confirmed in writing; else the owner decides while reminders wait."""
        if CaseState.IN_PLAN not in ALLOWED[case.state]:
            raise PlanRefused(f"the case is {case.state}")
        statement = self._owed(session, case, now)
        reasons = () if agreed else check_plan(option, balance=statement.total, today=self._today(now),
                                                 bounds=self.bounds)
        plan = PaymentPlan(case_id=case.id or 0, status=PlanStatus.PROPOSED if reasons else PlanStatus.ACTIVE,
                           total=option.total, source=source, within_bounds=not reasons, created_at=now,
                           accepted_at=None if reasons else now)
        session.add(plan)
        session.flush()
        session.add_all(Installment(plan_id=plan.id or 0, seq=n, due_on=p.due_on, amount=p.amount)
                        for n, p in enumerate(option.installments, start=1))
        debtor = _debtor(session, case)
        data = {"plan": plan.id, "source": source, "installments": option.as_json()}
        if reasons:
            record(session, case, "plan_requested", now=now, actor="debtor", data={**data, "outside": list(reasons)})
            queue_alert(session, self.policy.owner, Alert(AlertKind.PLAN_REQUEST, case.id,
                                                          f"{debtor.ref} {debtor.name}", "; ".join(reasons)),
                        now, once_per=f"plan:{plan.id}")
            later = self.policy.calendar.day_start(self._today(now)) + timedelta(days=self.claim_grace_days)
            if case.next_action_at is None or case.next_action_at < later:
                case.next_action_at = later
            return plan
        record(session, case, "plan_accepted", now=now, actor="debtor", to_state=CaseState.IN_PLAN, data=data)
        case.next_action_at = now  # the sweep follows the plan from here
        self.confirm(session, case, plan, now)
        log.info("case=%s plan=%s accepted (%d installments, %s)", case.id, plan.id, option.count, source)
        return plan

    def confirm(self, session: Session, case: Case, plan: PaymentPlan, now: datetime) -> bool:
        """The accepted `plan` in writing, by email to the debtor's address on file (the chat shows its
        own confirmation); once per plan whoever accepted it. False when the debtor has no usable email."""
        debtor = _debtor(session, case)
        if not debtor.email or debtor.email_invalid:
            return False
        installments = session.exec(select(Installment).where(Installment.plan_id == plan.id)
                                    .order_by(col(Installment.seq)))
        option = PlanOption(tuple(ScheduledPayment(i.due_on, i.amount) for i in installments))
        rendered = render_plan_confirmed(self.composer.env, language=debtor.language, option=option,
                                         currency=self.statement(session, case, now).currency,
                                         creditor=self.composer.creditor,
                                         reference=payment_reference(case.id or 0), debtor_name=debtor.name)
        outbox.queue(session, case_id=case.id, purpose=f"{outbox.ANSWER}plan_accepted:{plan.id}",
                     channel=Channel.EMAIL, recipient=debtor.email, subject=rendered.subject, body=rendered.text,
                     now=now)
        return True

    def statement(self, session: Session, case: Case, now: datetime) -> Statement:
        """What the case owes as of `now`, in the currency of its oldest owed invoice."""
        [file] = load_case_files(session, [case.id or 0])
        return self.composer.statement(file, self._today(now))

    def _owed(self, session: Session, case: Case, now: datetime) -> Statement:
        statement = self.statement(session, case, now)
        if statement.total <= 0:
            raise PlanRefused("nothing is owed on this case")
        return statement

    def _today(self, now: datetime) -> date:
        return now.astimezone(self.policy.calendar.tz).date()


def _debtor(session: Session, case: Case) -> Debtor:
    debtor = session.get(Debtor, case.debtor_id)
    assert debtor is not None
    return debtor

