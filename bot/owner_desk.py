"""What the owner does from Telegram, with no Telegram in it: each command or button is one
transaction through the same functions as the CLI (owner_actions, NoticeDesk, case_changes), and
its answer is plain text in the owner's language.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from decimal import Decimal
from enum import StrEnum

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.clock import Clock
from bot.owner_buttons import (
    Action,
    Buttons,
    case_buttons,
    data,
    label,
    parse,
    reviewed_buttons,
)
from dialogs import owner_texts
from dialogs.formatting import format_date, format_money
from dialogs.legal import ClaimError
from dialogs.money import AmountError, from_cents, parse_amount, to_cents
from dialogs.parties import Channel, Language
from dialogs.plans import PlanOption, ScheduledPayment, plan_from_request
from dialogs.rates import UnknownRate
from dialogs.states import CaseState, TransitionError
from dialogs.understanding import understand_text
from scheduler.notices import NoticeDesk, NoticeRefused
from scheduler.plans import PlanDesk, PlanRefused
from storage.case_changes import record
from storage.engine import transaction
from storage.manual_payments import NothingOwed, UnknownInvoice, record_payment
from storage.models import Case, Debtor, Invoice, PaymentPlan, PlanStatus
from storage.owner_actions import pause, resume
from storage.owner_review import mark_reviewed, waiting_replies
from storage.queries import case_detail, case_summaries, find_case

log = logging.getLogger("bot.telegram")
MAX_CASES = 100  # lines in /cases; `relance cases` lists them all
MAX_REVIEW = 12  # replies in /review, each with its button
LAST_EVENTS = 8  # in /case
PAYMENT_SOURCE = "owner_telegram"  # Payment.source of a /paid


class Show(StrEnum):
    NEW = "new"  # a new message
    CONCLUDE = "conclude"  # appended to the message tapped, whose buttons are spent
    TICK = "tick"  # appended to the message tapped, which loses only the button tapped


@dataclass(frozen=True, slots=True)
class Answer:
    text: str
    buttons: Buttons = field(default_factory=list)
    show: Show = Show.NEW


@dataclass
class OwnerDesk:
    engine: Engine
    clock: Clock
    # Built for each approval: a rate the owner adds to [legal] rates_dir after an UnknownRate
    # counts at the next tap, without restarting the service.
    notice_desk: Callable[[], NoticeDesk]
    plan_desk: PlanDesk
    timezone: tzinfo
    language: Language

    def say(self, text: str, /, **values: object) -> str:
        return owner_texts.say(self.language, text, **values)

    # -- commands --------------------------------------------------------------------------

    def help(self) -> Answer:
        return Answer(self.say("help"))

    def cases(self) -> Answer:
        with Session(self.engine) as session:
            rows = case_summaries(session, today=self._today())
        if not rows:
            return Answer(self.say("cases_none"))
        lines = [self.say("cases_head", count=len({r.id for r in rows}))]
        lines += [self.say("cases_line", id=r.id, ref=r.debtor_ref, name=r.debtor_name,
                           balance=self._money(r.balance, r.currency), state=self._state(r.state))
                  for r in rows[:MAX_CASES]]
        if len(rows) > MAX_CASES:
            lines.append(f"… (+{len(rows) - MAX_CASES}) relance cases")
        return Answer("\n".join(lines))

    def case(self, key: str, command: str = "/case") -> Answer:
        if not key:
            return Answer(self.say("case_usage", command=command))
        today = self._today()
        with Session(self.engine) as session:
            found = find_case(session, key)
            detail = case_detail(session, found.id or 0, today=today) if found is not None else None
        if detail is None:
            return Answer(self.say("case_unknown", key=key))
        lines = [self.say("case_head", id=detail.id, ref=detail.debtor_ref, name=detail.debtor_name),
                 self.say("case_state", state=self._state(detail.state))]
        if detail.next_action_at is not None:
            lines.append(self.say("case_next", at=self._when(detail.next_action_at)))
        if detail.invoices:
            lines.append(self.say("case_invoices"))
        for i in detail.invoices:
            line = self.say("case_invoice", number=i.number, remaining=self._money(i.remaining, i.currency),
                            amount=self._money(i.amount, i.currency), due=format_date(i.due_date, self.language))
            line += self.say("case_overdue", days=i.days_overdue) if i.days_overdue > 0 else ""
            lines.append(line + (self.say("case_disputed") if i.disputed else ""))
        for currency, balance in sorted(detail.balances.items()):
            lines.append(self.say("case_balance", balance=self._money(balance, currency)))
        if detail.timeline:
            lines.append(self.say("case_events"))
            lines += [self.say("case_event", at=self._when(e.at), kind=e.kind, actor=e.actor)
                      for e in detail.timeline[-LAST_EVENTS:]]
        return Answer("\n".join(lines), case_buttons(detail.state, detail.id, self.language))

    def pause(self, key: str, *, show: Show = Show.NEW) -> Answer:
        """`show`: how the answer appears when the case did pause (a refusal is always a new message)."""
        return self._transition(key, "/pause", lambda session, case, now: pause(
            session, case, now=now, reason="from Telegram"), "paused", show)

    def resume(self, key: str, *, show: Show = Show.NEW) -> Answer:
        return self._transition(key, "/resume", lambda session, case, now: resume(session, case, now=now),
                                "resumed", show)

    def paid(self, args: Sequence[str], key: str) -> Answer:
        """`/paid INVOICE [AMOUNT]`; `key` names the request (the chat message), so a repeat is a no-op."""
        if not args:
            return Answer(self.say("paid_usage"))
        number, written = args[0], " ".join(args[1:])
        try:
            # As cents and back: refuses fractions of a cent, and 250 is 250.00 like an imported amount.
            amount = from_cents(to_cents(parse_amount(written))) if written else None
        except AmountError:
            return Answer(self.say("paid_amount", text=written))
        now = self.clock()
        try:
            with transaction(self.engine) as session:
                paid = record_payment(session, number, amount, paid_on=self._today(now), key=key, now=now,
                                      source=PAYMENT_SOURCE)
        except UnknownInvoice:
            return Answer(self.say("paid_unknown", number=number))
        except NothingOwed:
            return Answer(self.say("paid_settled", number=number))
        except ValueError:
            return Answer(self.say("paid_positive"))
        if paid.already_recorded:
            return Answer(self.say("paid_again"))
        log.info("case=%s payment on %s recorded by the owner", paid.case_id, paid.invoice)
        lines = [self.say("paid", amount=self._money(paid.amount, paid.currency), number=paid.invoice,
                          remaining=self._money(max(paid.remaining, Decimal(0)), paid.currency))]
        if paid.surplus:
            lines.append(self.say("paid_surplus", surplus=self._money(paid.surplus, paid.currency)))
        if paid.case_closed:
            lines.append(self.say("paid_closed", id=paid.case_id))
        return Answer("\n".join(lines))

    def review(self) -> Answer:
        with Session(self.engine) as session:
            rows = waiting_replies(session, limit=MAX_REVIEW)
        if not rows:
            return Answer(self.say("review_none"))
        lines = [self.say("review_head", count=len(rows))]
        # Who and what are data (a sender address, the reason relance kept): plain text, never markup.
        lines += [self.say("review_line", message=r.message, at=self._when(r.received_at),
                           who=r.debtor_ref or r.sender or "?", what=r.reason or r.error or r.intent or "?")
                  for r in rows]
        return Answer("\n".join(lines), reviewed_buttons([r.message for r in rows if r.kind is not None],
                                                         self.language))

    # -- buttons ---------------------------------------------------------------------------

    def press(self, callback_data: str) -> Answer | None:
        """The owner tapped a button; None for data that is not an owner action (nothing to do)."""
        pressed = parse(callback_data)
        if pressed is None:
            return None
        target = pressed.target
        match pressed.action:
            case Action.CASE:
                return self.case(str(target))
            case Action.APPROVE_NOTICE:
                return self._approve_notice(target)
            case Action.PAUSE:
                return self.pause(str(target), show=Show.CONCLUDE)
            case Action.RESUME:
                return self.resume(str(target), show=Show.CONCLUDE)
            case Action.CLOSE:
                return self._ask_close(target)
            case Action.CLOSE_CONFIRMED:
                return self._close(target)
            case Action.PLAN_APPROVE | Action.PLAN_REJECT:
                return self._decide_plan(target, approve=pressed.action is Action.PLAN_APPROVE)
            case Action.REVIEWED:
                return self._reviewed(target)
            case Action.PLAN_COUNTER:
                return Answer(self.say("counter_how", plan=target))

    def counter(self, args: Sequence[str]) -> Answer:
        """`/counter PLAN schedule`: the owner's own schedule, offered to the debtor instead of theirs."""
        if len(args) < 2 or not args[0].isdigit():
            return Answer(self.say("counter_how", plan="N"))
        plan_id, said, now = int(args[0]), " ".join(args[1:]), self.clock()
        with transaction(self.engine) as session:
            waiting = self._waiting_plan(session, plan_id)
            if isinstance(waiting, Answer):
                return waiting
            plan, case = waiting
            balance = self.plan_desk.statement(session, case, now).total
            requested = understand_text(said, sent_at=now).installments
            option = plan_from_request(requested, balance=balance, today=self._today(now),
                                       bounds=self.plan_desk.bounds) if requested else None
            if option is not None:
                option = _balanced(option, balance)
            if option is None:
                return Answer(self.say("counter_unread"))
            try:
                self.plan_desk.counter(session, plan, option, now=now)
            except PlanRefused as exc:
                return Answer(self.say("plan_decided", plan=plan_id, status=exc))
        return Answer(self.say("countered", plan=plan_id, count=option.count))

    def _approve_notice(self, case_id: int) -> Answer:
        now = self.clock()
        try:
            with transaction(self.engine) as session:
                case = session.get(Case, case_id)
                if case is None:
                    return Answer(self.say("case_unknown", key=case_id))
                notice = self.notice_desk().approve(session, case, now)
        except (NoticeRefused, ClaimError) as exc:
            return Answer(self.say("notice_refused", id=case_id, reason=exc))
        except UnknownRate as exc:
            return Answer(self.say("rate_unknown", id=case_id, reason=exc, table=exc.table))
        key = "notice_approved" if notice.message_id is not None else "notice_no_email"
        return Answer(self.say(key, id=case_id, total=self._money(notice.total_claimed, notice.currency),
                               deadline=format_date(notice.deadline, self.language)), show=Show.CONCLUDE)

    def _ask_close(self, case_id: int) -> Answer:
        with Session(self.engine) as session:
            found = self._case_and_debtor(session, case_id)
            if found is None:
                return Answer(self.say("case_unknown", key=case_id))
            case, debtor = found
            if case.state is CaseState.CLOSED:
                return Answer(self.say("already", id=case_id, state=self._state(case.state)))
            balance = self._balances(session, case)
        return Answer(self.say("close_ask", id=case_id, ref=debtor.ref, name=debtor.name, balance=balance),
                      [[(label(self.language, Action.CLOSE_CONFIRMED, id=case_id),
                         data(Action.CLOSE_CONFIRMED, case_id))]])

    def _close(self, case_id: int) -> Answer:
        """The owner writes the case off or hands it over: CLOSED, whatever remains owed."""
        now = self.clock()
        with transaction(self.engine) as session:
            case = session.get(Case, case_id)
            if case is None:
                return Answer(self.say("case_unknown", key=case_id))
            owed = self._owed(session, case)
            try:
                record(session, case, "closed_by_owner", now=now, actor="owner", to_state=CaseState.CLOSED,
                       data={"balances": owed, "via": Channel.TELEGRAM})
            except TransitionError as exc:
                return Answer(self._refused(case_id, exc))
        log.info("case=%s closed by the owner", case_id)
        return Answer(self.say("closed", id=case_id), show=Show.CONCLUDE)

    def _decide_plan(self, plan_id: int, *, approve: bool) -> Answer:
        """A plan outside the bounds waited for the owner: approved, it runs as if the debtor had
        chosen it within them (confirmed in writing); rejected, reminders resume."""
        now = self.clock()
        with transaction(self.engine) as session:
            waiting = self._waiting_plan(session, plan_id)
            if isinstance(waiting, Answer):
                return waiting
            plan, case = waiting
            try:
                record(session, case, "plan_approved" if approve else "plan_rejected", now=now, actor="owner",
                       to_state=CaseState.IN_PLAN if approve else None, data={"plan": plan_id})
            except TransitionError as exc:
                return Answer(self._refused(case.id or 0, exc))
            case.next_action_at = now  # the sweep follows the plan, or the ladder again
            if approve:
                plan.status, plan.accepted_at = PlanStatus.ACTIVE, now
                confirmed = self.plan_desk.confirm(session, case, plan, now)
            else:
                plan.status, plan.ended_at = PlanStatus.REJECTED, now
        log.info("case=%s plan=%s %s by the owner", case.id, plan_id, "approved" if approve else "rejected")
        if not approve:
            return Answer(self.say("plan_rejected", plan=plan_id, id=case.id), show=Show.CONCLUDE)
        text = self.say("plan_approved", plan=plan_id, id=case.id)
        return Answer(text + (" " + self.say("plan_confirmed") if confirmed else ""), show=Show.CONCLUDE)

    def _waiting_plan(self, session: Session, plan_id: int) -> tuple[PaymentPlan, Case] | Answer:
        """The plan `plan_id` and its case if it waits for the owner's decision, else what to say."""
        plan = session.get(PaymentPlan, plan_id)
        if plan is None:
            return Answer(self.say("plan_unknown", plan=plan_id))
        if plan.status is not PlanStatus.PROPOSED:
            return Answer(self.say("plan_decided", plan=plan_id, status=plan.status))
        case = session.get(Case, plan.case_id)
        assert case is not None
        return plan, case

    def _reviewed(self, message_id: int) -> Answer:
        with transaction(self.engine) as session:
            reply = mark_reviewed(session, message_id, now=self.clock())
        if reply is None:
            return Answer(self.say("review_missing", message=message_id))
        return Answer(self.say("reviewed", message=message_id), show=Show.TICK)

    # -- helpers ---------------------------------------------------------------------------

    def _transition(self, key: str, command: str, change: Callable[[Session, Case, datetime], None],
                    done: str, show: Show) -> Answer:
        """The owner's pause or resume, exactly as `relance pause` / `relance resume` do it."""
        if not key:
            return Answer(self.say("case_usage", command=command))
        with transaction(self.engine) as session:
            case = find_case(session, key)
            if case is None:
                return Answer(self.say("case_unknown", key=key))
            try:
                change(session, case, self.clock())
            except TransitionError as exc:
                return Answer(self._refused(case.id or 0, exc))
        log.info("case=%s %s by the owner", case.id, done)
        return Answer(self.say(done, id=case.id), show=show)

    def _refused(self, case_id: int, exc: TransitionError) -> str:
        if exc.current is exc.target:
            return self.say("already", id=case_id, state=self._state(exc.current))
        return self.say("transition", id=case_id, current=self._state(exc.current), target=self._state(exc.target))

    def _case_and_debtor(self, session: Session, case_id: int) -> tuple[Case, Debtor] | None:
        case = session.get(Case, case_id)
        debtor = session.get(Debtor, case.debtor_id) if case is not None else None
        return (case, debtor) if case is not None and debtor is not None else None

    def _owed(self, session: Session, case: Case) -> dict[str, Decimal]:
        """What remains on the case's invoices, per currency (what an owner's close writes off)."""
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for invoice in session.exec(select(Invoice).where(Invoice.case_id == case.id)):
            totals[invoice.currency] += invoice.balance
        return dict(totals)

    def _balances(self, session: Session, case: Case) -> str:
        owed = self._owed(session, case)
        return ", ".join(self._money(v, c) for c, v in sorted(owed.items())) or self._money(Decimal(0), None)

    def _today(self, now: datetime | None = None) -> date:
        return (now or self.clock()).astimezone(self.timezone).date()

    def _when(self, at: datetime) -> str:
        local = at.astimezone(self.timezone)
        return f"{format_date(local.date(), self.language, 'short')} {local:%H:%M}"

    def _money(self, amount: Decimal, currency: str | None) -> str:
        return format_money(amount, currency, self.language) if currency else "—"

    def _state(self, state: CaseState) -> str:
        return owner_texts.state_name(state, self.language)


def _balanced(option: PlanOption, balance: Decimal) -> PlanOption | None:
    """The owner's schedule made to settle exactly the balance: the last installment takes the rest
    ("3 x 500 €" on 1,450.00 is 500, 500, 450); None when the first ones already exceed it."""
    *first, last = option.installments
    rest = balance - sum((p.amount for p in first), Decimal("0.00"))
    if rest <= 0:
        return None
    return PlanOption((*first, ScheduledPayment(last.due_on, rest)))
