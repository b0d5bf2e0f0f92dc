"""The sweep's part for a case under an accepted payment plan: installment reminders, settlement
from imported payments, completion, and the break — each with its Event."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from jinja2 import Environment
from sqlalchemy import func
from sqlmodel import Session, col, select

from dialogs.acknowledgements import render_plan_installment
from dialogs.alerts import Alert, AlertKind
from dialogs.legal import LegalTerms
from dialogs.parties import Channel
from dialogs.plan_tracking import Due, PlanBroken, PlanCompleted, PlanReminder, PlanWait, follow, settle
from dialogs.reminders import Creditor, payment_reference
from dialogs.states import CaseState
from scheduler.alerts import Owner, queue_alert
from scheduler.calendar import BusinessCalendar
from scheduler.claims import claim_preview
from storage import outbox
from storage.case_changes import EventBuffer, record
from storage.models import Case, Debtor, Installment, Invoice, Message, Payment, PaymentPlan, PlanStatus
from storage.types import Money


@dataclass(frozen=True, slots=True)
class PlanFollowing:
    calendar: BusinessCalendar
    owner: Owner
    grace_days: int
    on_broken: str  # "ladder" | "formal_notice"
    env: Environment
    creditor: Creditor
    reachable: Callable[[Debtor], tuple[Channel, ...]]
    # With them, the alert when a broken plan leads to a formal notice previews what it would claim.
    legal_terms: LegalTerms | None = None

    def follow(self, session: Session, case: Case, debtor: Debtor, now: datetime, events: EventBuffer) -> None:
        """Act on the case's active plan as of `now` and set the case's next look."""
        plan = session.exec(select(PaymentPlan).where(PaymentPlan.case_id == case.id,
                                                      PaymentPlan.status == PlanStatus.ACTIVE)).first()
        if plan is None or plan.accepted_at is None:
            return
        rows = list(session.exec(select(Installment).where(Installment.plan_id == plan.id)
                                 .order_by(col(Installment.seq))))
        dues = [Due(r.seq, r.due_on, r.amount) for r in rows]
        today = now.astimezone(self.calendar.tz).date()
        paid = self._paid_since(session, case, plan)
        for row, got in zip(rows, settle(dues, paid), strict=True):
            row.paid = got
        decision = follow(dues, paid, today=today, grace_days=self.grace_days, reminded=self._reminded(session, plan))
        if isinstance(decision, PlanReminder):
            # A "due soon" that could only leave after its date (a weekend, a holiday) is left to the
            # "late" one: the debtor hears once, not twice in two days.
            leaves = self.calendar.next_opening(now).astimezone(self.calendar.tz).date()
            if not (decision.kind == "due" and leaves > decision.due_on):
                self._remind(session, case, debtor, plan, decision, now, events)
            decision = follow(dues, paid, today=today, grace_days=self.grace_days,
                              reminded=self._reminded(session, plan) | {(decision.seq, decision.kind)})
        if isinstance(decision, PlanBroken):
            self._broken(session, case, debtor, plan, decision, now, events)
        elif isinstance(decision, PlanCompleted):
            plan.status, plan.ended_at = PlanStatus.COMPLETED, now
            record(session, case, "plan_completed", now=now, actor="scheduler", to_state=CaseState.ACTIVE,
                   data={"plan": plan.id, "paid": paid}, into=events)
            case.next_action_at = now
        elif isinstance(decision, PlanWait):
            # The day itself: a break needs no sending window, and a reminder waits for it in the outbox.
            case.next_action_at = None if decision.until is None else self.calendar.day_start(decision.until)

    def _paid_since(self, session: Session, case: Case, plan: PaymentPlan) -> Decimal:
        accepted = plan.accepted_at.astimezone(self.calendar.tz).date()  # type: ignore[union-attr]
        total = session.exec(select(func.sum(Payment.amount, type_=Money)).join(
            Invoice, col(Invoice.id) == Payment.invoice_id).where(Invoice.case_id == case.id,
                                                                  Payment.paid_on >= accepted)).one()
        return total or Decimal("0.00")

    def _reminded(self, session: Session, plan: PaymentPlan) -> frozenset[tuple[int, str]]:
        prefix = f"{outbox.PLAN}{plan.id}:"
        purposes = session.exec(select(Message.purpose).where(col(Message.purpose).startswith(prefix)))
        return frozenset((int(seq), kind) for seq, kind in (p[len(prefix):].split(":") for p in purposes))

    def _remind(self, session: Session, case: Case, debtor: Debtor, plan: PaymentPlan, due: PlanReminder,
                now: datetime, events: EventBuffer) -> None:
        channels = self.reachable(debtor)
        if not channels:
            return
        channel = channels[0]
        currency = session.exec(select(Invoice.currency).where(Invoice.case_id == case.id)).first() or "EUR"
        rendered = render_plan_installment(self.env, language=debtor.language, seq=due.seq, kind=due.kind,
                                           due_on=due.due_on, owed=due.owed, currency=currency,
                                           creditor=self.creditor, reference=payment_reference(case.id or 0))
        recipient = debtor.email if channel is Channel.EMAIL else str(debtor.telegram_chat_id)
        purpose = f"{outbox.PLAN}{plan.id}:{due.seq}:{due.kind}"
        if outbox.queue(session, case_id=case.id, purpose=purpose, channel=channel, recipient=recipient,
                        subject=rendered.subject, body=outbox.body_for(channel, rendered.subject, rendered.text),
                        now=now) is not None:
            record(session, case, "plan_installment_reminded", now=now, actor="scheduler",
                   data={"plan": plan.id, "installment": due.seq, "kind": due.kind, "owed": due.owed}, into=events)

    def _broken(self, session: Session, case: Case, debtor: Debtor, plan: PaymentPlan, broken: PlanBroken,
                now: datetime, events: EventBuffer) -> None:
        plan.status, plan.ended_at = PlanStatus.BROKEN, now
        notice = self.on_broken == "formal_notice"
        record(session, case, "plan_broken", now=now, actor="scheduler",
               to_state=CaseState.NOTICE_PENDING if notice else CaseState.ACTIVE,
               data={"plan": plan.id, "installment": broken.seq, "due_on": broken.due_on, "owed": broken.owed},
               into=events)
        who = f"{debtor.ref} {debtor.name}"
        queue_alert(session, self.owner, Alert(AlertKind.PLAN_BROKEN, case.id, who,
                                               f"{broken.due_on.isoformat()}: {broken.owed} "),
                    now, once_per=f"plan:{plan.id}")
        if notice:  # the owner decides on the notice with its own alert and buttons
            preview = "" if self.legal_terms is None else claim_preview(
                session, case, terms=self.legal_terms, today=now.astimezone(self.calendar.tz).date(),
                language=self.owner.language)
            queue_alert(session, self.owner, Alert(AlertKind.FORMAL_NOTICE, case.id, who,
                                                   f"plan broken. {preview}".strip()), now)
        case.next_action_at = None if notice else now  # back on the ladder: the sweep decides again
