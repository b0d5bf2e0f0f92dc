"""A debtor's conversation with the Telegram bot, one turn at a time, with no Telegram in it.

Each turn reads the chat's step from the database (`ChatSession.state`/`data`) and writes the next
one there, so a restart resumes where the debtor was. What the debtor does (a promise, a dispute,
a payment claim, free text) becomes an inbound Message and an `Understanding`, decided by
`decide_reply` and applied by `ReplyEffects`: the same Promise, Dispute, Events, state changes
and owner alerts as an email reply. A chat that is not linked to a debtor learns nothing.
"""

from __future__ import annotations

import calendar
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.clock import Clock
from bot.telegram_channel import Buttons
from dialogs.alerts import Alert, AlertKind
from dialogs.arrival import ArrivalKind
from dialogs.chat_texts import date_example, installments_text, say, statement_text
from dialogs.dates import find_dates
from dialogs.formatting import format_date, format_money
from dialogs.intents import Intent
from dialogs.parties import Channel, Language
from dialogs.reminders import payment_reference
from dialogs.reply_decisions import ReplyAction, ReplyDecision, decide_reply
from dialogs.states import CaseState
from dialogs.understanding import Understanding, understand_text
from scheduler.alerts import queue_alert
from scheduler.plans import PlanDesk, PlanRefused
from scheduler.replies import ReplyEffects
from storage.case_changes import record
from storage.case_files import load_case_files
from storage.chat_links import linked_debtor, redeem, unlink
from storage.engine import transaction
from storage.models import (
    Case,
    ChatSession,
    Debtor,
    Direction,
    Invoice,
    Message,
    MessageStatus,
    PaymentPlan,
    PlanOffer,
    PlanStatus,
)
from storage.reply_matching import Match

log = logging.getLogger("bot.telegram")

PURPOSE = "chat"  # inbound Message.purpose of what a debtor writes or taps in the chat
MATCHED_BY = "telegram"  # Reply.matched_by: the chat is linked to its debtor, nothing to guess
BUTTON = ("telegram button",)
TYPED_DATE = ("telegram typed date",)
PROMISE_OFFSETS = (3, 7, 14)  # days from today offered as buttons, with the end of the month


class Step(StrEnum):
    """What the chat waits for next (ChatSession.state)."""

    MENU = ""
    PROMISE_DATE = "promise_date"  # a typed date
    PROBLEM_PICK = "problem_pick"  # invoice buttons; data["invoices"]: the ids picked so far
    PROBLEM_REASON = "problem_reason"  # the reason, typed; data["invoices"]: the ids picked
    PAID_PROOF = "paid_proof"  # a photo, a file or a few words


@dataclass(frozen=True, slots=True)
class Screen:
    """What the bot shows: a text and its inline keyboard; `edit` replaces the message tapped."""

    text: str
    buttons: Buttons = field(default_factory=list)
    edit: bool = False


@dataclass(frozen=True, slots=True)
class Proof:
    """A photo or file the debtor sent, kept as the Message's attachment."""

    filename: str
    content: bytes


@dataclass
class _Turn:
    session: Session
    now: datetime
    today: date
    chat: ChatSession
    debtor: Debtor
    case: Case | None

    @property
    def language(self) -> Language:
        return self.debtor.language

    def go(self, step: Step, **data: Any) -> None:
        # A new dict, not an update in place: the JSON column only notices assignment.
        self.chat.state, self.chat.data = step.value, data


@dataclass
class DebtorDialog:
    engine: Engine
    effects: ReplyEffects
    timezone: tzinfo
    clock: Clock
    # The language of the neutral answer when Telegram tells nothing of the user's.
    default_language: Language = Language.FR

    @property
    def creditor(self) -> str:
        return self.effects.composer.creditor.name

    # -- commands --------------------------------------------------------------------------

    def start(self, chat_id: int, token: str, hint: str | None) -> Screen:
        """`/start <token>`: link the chat; any token that cannot link gets the neutral answer."""
        now = self.clock()
        with transaction(self.engine) as session:
            debtor = redeem(session, token, chat_id=chat_id, now=now) if token else None
            if debtor is None:
                turn = self._turn(session, chat_id, now) if not token else None
                if turn is not None:  # a bare /start in a linked chat: its menu
                    return self._menu(turn)
                log.info("chat=%s not linked (token %s)", chat_id, "refused" if token else "missing")
                return self._neutral(hint)
            # One chat speaks for one debtor: another debtor linked here before is unlinked (not opted out).
            for other in session.exec(select(Debtor).where(Debtor.telegram_chat_id == chat_id,
                                                           Debtor.id != debtor.id)):
                other.telegram_chat_id = None
            turn = self._turn(session, chat_id, now)
            assert turn is not None
            turn.go(Step.MENU)
            if turn.case is not None:
                record(session, turn.case, "chat_linked", now=now, actor="debtor", data={"channel": Channel.TELEGRAM})
            log.info("chat=%s linked to debtor=%s", chat_id, debtor.id)
            return Screen(say(turn.language, "linked", name=debtor.name) + "\n\n" + say(turn.language, "menu"),
                          self._menu_buttons(turn.language))

    def stop(self, chat_id: int, hint: str | None) -> Screen:
        """`/stop`: the debtor leaves Telegram; the case goes on by email and the owner is told."""
        now = self.clock()
        with transaction(self.engine) as session:
            turn = self._turn(session, chat_id, now)
            if turn is None:
                return self._neutral(hint)
            debtor, case = turn.debtor, turn.case
            unlink(session, chat_id, now=now)
            if case is not None:
                record(session, case, "chat_unlinked", now=now, actor="debtor", data={"channel": Channel.TELEGRAM})
            queue_alert(session, self.effects.policy.owner,
                        Alert(AlertKind.CHAT_STOPPED, case.id if case else None, f"{debtor.ref} {debtor.name}"),
                        now, once_per=f"chat:{chat_id}:{now.isoformat()}")
            log.info("chat=%s unlinked from debtor=%s", chat_id, debtor.id)
            return Screen(say(debtor.language, "stopped"))

    def menu(self, chat_id: int, hint: str | None) -> Screen:
        now = self.clock()
        with transaction(self.engine) as session:
            turn = self._turn(session, chat_id, now)
            return self._neutral(hint) if turn is None else self._menu(turn)

    # -- buttons ---------------------------------------------------------------------------

    def press(self, chat_id: int, data: str, hint: str | None) -> Screen:
        """A tapped button. Its data names an action, never a case: the chat's own debtor is the only
        one it can reach, and an id in it is checked against that debtor's open case."""
        now = self.clock()
        with transaction(self.engine) as session:
            turn = self._turn(session, chat_id, now)
            if turn is None:
                return self._neutral(hint)
            action, _, argument = data.partition(":")
            handler = self._presses.get(action)
            if handler is None or (turn.case is None and action != "m"):
                return self._menu(turn)
            return handler(self, turn, argument)

    def _press_menu(self, turn: _Turn, argument: str) -> Screen:
        return self._menu(turn)

    def _press_owe(self, turn: _Turn, argument: str) -> Screen:
        turn.go(Step.MENU)
        assert turn.case is not None
        [file] = load_case_files(turn.session, [turn.case.id or 0])
        if not any(i.balance > 0 for i in file.invoices):
            return self._back(turn, say(turn.language, "nothing_owed"))
        statement = self.effects.composer.statement(file, turn.today)
        return self._back(turn, statement_text(statement, turn.language))

    def _press_pay(self, turn: _Turn, argument: str) -> Screen:
        turn.go(Step.MENU)
        assert turn.case is not None
        creditor, language = self.effects.composer.creditor, turn.language
        lines = [say(language, "pay_head", creditor=creditor.name)]
        if creditor.iban:
            lines.append(say(language, "pay_iban", iban=creditor.iban))
            if creditor.bic:
                lines.append(say(language, "pay_bic", bic=creditor.bic))
            lines.append(say(language, "pay_reference", reference=payment_reference(turn.case.id or 0)))
        if creditor.payment_link:
            lines.append(say(language, "pay_link", link=creditor.payment_link))
        if not (creditor.iban or creditor.payment_link):
            lines = [say(language, "pay_none", creditor=creditor.name)]
        return self._back(turn, "\n".join(lines))

    def _press_promise(self, turn: _Turn, argument: str) -> Screen:
        language = turn.language
        if argument == "other":
            turn.go(Step.PROMISE_DATE)
            return Screen(say(language, "date_ask", example=date_example(turn.today + timedelta(days=10), language)),
                          [[(say(language, "b_menu"), "m")]])
        if argument:
            try:
                day = date.fromisoformat(argument)
            except ValueError:
                return self._menu(turn)
            label = next((text for text, data in self._promise_choices(turn) if data == f"prm:{argument}"), argument)
            return self._promise(turn, day, label, BUTTON)
        turn.go(Step.MENU)
        rows = [[choice] for choice in self._promise_choices(turn)]
        rows.append([(say(language, "b_other_date"), "prm:other"), (say(language, "b_menu"), "m")])
        return Screen(say(language, "promise_ask"), rows)

    def _press_problem(self, turn: _Turn, argument: str) -> Screen:
        open_invoices = self._disputable(turn)
        if not open_invoices:
            turn.go(Step.MENU)
            return self._back(turn, say(turn.language, "problem_none"))
        picked = [i for i in turn.chat.data.get("invoices", []) if i in open_invoices] \
            if turn.chat.state == Step.PROBLEM_PICK else []
        if argument == "ok":
            if not picked:
                return self._pick_screen(turn, open_invoices, picked, say(turn.language, "problem_pick_one"))
            turn.go(Step.PROBLEM_REASON, invoices=picked)
            numbers = ", ".join(open_invoices[i].number for i in picked)
            return Screen(say(turn.language, "reason_ask", invoices=numbers), [[(say(turn.language, "b_menu"), "m")]])
        if argument:
            invoice_id = int(argument) if argument.isdigit() else None
            if invoice_id not in open_invoices:  # another debtor's invoice, or one settled since
                return self._pick_screen(turn, open_invoices, picked, say(turn.language, "problem_ask"))
            picked = [i for i in picked if i != invoice_id] if invoice_id in picked else [*picked, invoice_id]
        turn.go(Step.PROBLEM_PICK, invoices=picked)
        return self._pick_screen(turn, open_invoices, picked, say(turn.language, "problem_ask"), edit=bool(argument))

    def _press_paid(self, turn: _Turn, argument: str) -> Screen:
        if argument == "none":
            message = self._message(turn, say(turn.language, "b_no_proof"))
            return self._act(turn, message, self._understood(Intent.ALREADY_PAID, turn, message.body or ""))
        turn.go(Step.PAID_PROOF)
        return Screen(say(turn.language, "paid_ask"),
                      [[(say(turn.language, "b_no_proof"), "paid:none"), (say(turn.language, "b_menu"), "m")]])

    def _press_plan(self, turn: _Turn, argument: str) -> Screen:
        desk, language = self.effects.plans, turn.language
        assert turn.case is not None
        if desk is None:
            return self._menu(turn)
        turn.go(Step.MENU)
        if argument:
            return self._plan_chosen(turn, desk, argument)
        try:
            offer = desk.offer(turn.session, turn.case, channel=Channel.TELEGRAM, now=turn.now)
        except PlanRefused:  # the same path as a plan asked for in words: the owner is told
            message = self._message(turn, say(language, "b_plan"))
            return self._act(turn, message, self._understood(Intent.PAYMENT_PLAN_REQUEST, turn, message.body or ""))
        [file] = load_case_files(turn.session, [turn.case.id or 0])
        currency = self.effects.composer.statement(file, turn.today).currency
        lines = [say(language, "plan_ask")]
        buttons: Buttons = []
        for number, option in enumerate(offer.options, start=1):
            steps = [(date.fromisoformat(i["date"]), Decimal(i["amount"])) for i in option["installments"]]
            lines.append(say(language, "plan_option", number=number,
                             installments=installments_text(steps, currency, language)))
            buttons.append([(say(language, "b_plan_option", number=number), f"plan:{offer.id}:{number - 1}")])
        buttons.append([(say(language, "b_menu"), "m")])
        return Screen("\n".join(lines), buttons)

    def _plan_chosen(self, turn: _Turn, desk: PlanDesk, argument: str) -> Screen:
        assert turn.case is not None
        offer_id, _, index = argument.partition(":")
        offer = turn.session.get(PlanOffer, int(offer_id)) if offer_id.isdigit() else None
        # Only this chat's own offer, still open: another debtor's button reaches nothing.
        if offer is None or offer.case_id != turn.case.id or offer.channel != Channel.TELEGRAM \
                or offer.closed_at is not None or not index.isdigit():
            return self._back(turn, say(turn.language, "plan_expired"))
        try:
            plan = desk.choose(turn.session, offer, int(index), source=Channel.TELEGRAM, now=turn.now)
        except PlanRefused:
            return self._back(turn, say(turn.language, "plan_expired"))
        key = "plan_accepted" if plan.status is PlanStatus.ACTIVE else "plan_waiting"
        return self._back(turn, say(turn.language, key, creditor=self.creditor))

    _presses: ClassVar[dict[str, Callable[[DebtorDialog, _Turn, str], Screen]]] = {
        "m": _press_menu, "owe": _press_owe, "pay": _press_pay, "prm": _press_promise, "dsp": _press_problem,
        "paid": _press_paid, "plan": _press_plan,
    }

    # -- what the debtor sends ---------------------------------------------------------------

    def accepts_files(self, chat_id: int) -> bool:
        """Whether a file from this chat is worth downloading: only a linked chat's is kept."""
        with Session(self.engine) as session:
            return linked_debtor(session, chat_id) is not None

    def write(self, chat_id: int, text: str, hint: str | None, proof: Proof | None = None) -> Screen:
        """Text (or a photo or file, with its caption) from the chat: stored first as an inbound
        Message, so nothing is lost if processing fails; then the step it answers, or understood."""
        now = self.clock()
        with transaction(self.engine) as session:
            debtor = linked_debtor(session, chat_id)
            if debtor is None:
                return self._neutral(hint)
            stored = Message(direction=Direction.IN, channel=Channel.TELEGRAM, purpose=PURPOSE,
                             status=MessageStatus.RECEIVED, sender=str(chat_id), body=text, created_at=now,
                             attachment_name=proof.filename if proof else None,
                             attachment=proof.content if proof else None)
            session.add(stored)
            session.flush()
            row_id, language = stored.id or 0, debtor.language
        try:
            with transaction(self.engine) as session:
                turn = self._turn(session, chat_id, now)
                message = session.get(Message, row_id)
                assert message is not None
                if turn is None:  # unlinked in the meantime
                    message.status = MessageStatus.PROCESSED
                    return self._neutral(hint)
                return self._written(turn, message, text, proof)
        except Exception as exc:  # the debtor's words stay stored; the owner sees them
            log.exception("chat=%s message=%s could not be processed", chat_id, row_id)
            self._failed(row_id, f"{type(exc).__name__}: {exc}", now)
            return Screen(say(language, "received", creditor=self.creditor))

    def _written(self, turn: _Turn, message: Message, text: str, proof: Proof | None) -> Screen:
        step = turn.chat.state
        if turn.case is not None and step == Step.PROMISE_DATE and proof is None:
            found = [m.value for m in find_dates(text, turn.today) if not m.past]
            if not found:
                message.status = MessageStatus.PROCESSED
                return Screen(say(turn.language, "date_unknown",
                                  example=date_example(turn.today + timedelta(days=10), turn.language)),
                              [[(say(turn.language, "b_menu"), "m")]])
            return self._promise(turn, found[0], text, TYPED_DATE, message=message)
        if turn.case is not None and step == Step.PROBLEM_REASON:
            return self._dispute(turn, message, text)
        if turn.case is not None and step == Step.PAID_PROOF:
            return self._act(turn, message, self._understood(Intent.ALREADY_PAID, turn, text))
        refs = [i.number for i in self._open_invoices(turn)]
        understood = understand_text(text, sent_at=turn.now.astimezone(self.timezone), known_refs=refs)
        return self._act(turn, message, understood)

    # -- effects, as for an email ---------------------------------------------------------------

    def _promise(self, turn: _Turn, day: date, said: str, evidence: tuple[str, ...], *,
                 message: Message | None = None) -> Screen:
        message = message or self._message(turn, said)
        understood = self._understood(Intent.PROMISE_TO_PAY, turn, said, promised=day, evidence=evidence)
        return self._act(turn, message, understood)

    def _dispute(self, turn: _Turn, message: Message, reason: str) -> Screen:
        open_invoices = self._disputable(turn)
        numbers = tuple(open_invoices[i].number for i in turn.chat.data.get("invoices", []) if i in open_invoices)
        if not numbers:  # all settled or disputed since they were picked
            turn.go(Step.MENU)
            message.status = MessageStatus.PROCESSED
            return self._back(turn, say(turn.language, "problem_none"))
        return self._act(turn, message, self._understood(Intent.DISPUTE, turn, reason, refs=numbers))

    def _act(self, turn: _Turn, message: Message, understood: Understanding) -> Screen:
        """Decide and apply `understood` exactly as for an email, then say what became of it."""
        undisputed = [i for i in self._open_invoices(turn) if not i.disputed]
        decision = decide_reply(understood, case_state=turn.case.state if turn.case else None, today=turn.today,
                                rules=self.effects.rules)
        self.effects.apply(turn.session, message, understood, Match(turn.case, turn.debtor, MATCHED_BY), decision,
                           turn.now)
        message.status = MessageStatus.PROCESSED
        turn.go(Step.MENU)
        return self._back(turn, self._outcome(turn, decision, understood, [i for i in undisputed if i.disputed]))

    def _outcome(self, turn: _Turn, decision: ReplyDecision, understood: Understanding,
                 disputed: list[Invoice]) -> str:
        language, creditor = turn.language, self.creditor
        if decision.action is ReplyAction.PROMISE and understood.promised_date is not None:
            return say(language, "promised", day=format_date(understood.promised_date, language))
        if decision.action is ReplyAction.PAYMENT_CLAIMED:
            return say(language, "paid_noted", creditor=creditor)
        if decision.action is ReplyAction.DISPUTE:
            return say(language, "disputed", invoices=", ".join(i.number for i in disputed), creditor=creditor)
        if decision.action is ReplyAction.PLAN_REQUEST:
            taken = turn.session.exec(select(PaymentPlan).where(PaymentPlan.case_id == turn.case.id,
                                                                PaymentPlan.created_at == turn.now)).first()
            if taken is not None:  # the debtor's own schedule, taken (or waiting for the owner)
                return say(language, "plan_accepted" if taken.status is PlanStatus.ACTIVE else "plan_waiting",
                           creditor=creditor)
            return say(language, "plan_noted", creditor=creditor)
        return say(language, "received", creditor=creditor)

    def _understood(self, intent: Intent, turn: _Turn, said: str, *, promised: date | None = None,
                    refs: tuple[str, ...] = (), evidence: tuple[str, ...] = BUTTON) -> Understanding:
        """What a tap (or a step's typed answer) means: no guessing, so confidence 1."""
        return Understanding(kind=ArrivalKind.HUMAN, intent=intent, promised_date=promised, amount=None, currency=None,
                             invoice_refs=refs, installments=(), failed_recipient=None, new_contact=None,
                             back_on=None, confidence=1.0, evidence=evidence, language=turn.language, new_text=said)

    def _message(self, turn: _Turn, said: str) -> Message:
        """The inbound Message a tap stands for (Promise.message_id and the owner's alert point at it)."""
        message = Message(direction=Direction.IN, channel=Channel.TELEGRAM, purpose=PURPOSE,
                          status=MessageStatus.RECEIVED, sender=str(turn.chat.chat_id), body=said, created_at=turn.now)
        turn.session.add(message)
        turn.session.flush()
        return message

    def _failed(self, row_id: int, error: str, now: datetime) -> None:
        with transaction(self.engine) as session:
            message = session.get(Message, row_id)
            if message is None:
                return
            message.status, message.error = MessageStatus.ERROR, error
            queue_alert(session, self.effects.policy.owner,
                        Alert(AlertKind.REPLY_REVIEW, None, f"Telegram {message.sender}",
                              f"This chat message could not be processed ({error})."),
                        now, once_per=f"message:{row_id}")

    # -- reading ---------------------------------------------------------------------------

    def _turn(self, session: Session, chat_id: int, now: datetime) -> _Turn | None:
        debtor = linked_debtor(session, chat_id)
        if debtor is None:
            return None
        chat = session.exec(select(ChatSession).where(ChatSession.chat_id == chat_id)).first()
        if chat is None:
            chat = ChatSession(chat_id=chat_id, debtor_id=debtor.id, updated_at=now)
            session.add(chat)
        if chat.debtor_id != debtor.id:  # a step begun for another debtor does not carry over
            chat.debtor_id, chat.state, chat.data = debtor.id, Step.MENU.value, {}
        chat.updated_at = now
        case = session.exec(select(Case).where(Case.debtor_id == debtor.id, Case.state != CaseState.CLOSED)
                            .order_by(col(Case.id).desc())).first()
        return _Turn(session, now, now.astimezone(self.timezone).date(), chat, debtor, case)

    def _open_invoices(self, turn: _Turn) -> list[Invoice]:
        if turn.case is None:
            return []
        return list(turn.session.exec(select(Invoice).where(Invoice.case_id == turn.case.id,
                                                            Invoice.amount != Invoice.paid)
                                      .order_by(col(Invoice.due_date), col(Invoice.number))))

    def _disputable(self, turn: _Turn) -> dict[int, Invoice]:
        """Open, undisputed invoices with something owed (not credit notes), by id, in due-date order."""
        return {i.id or 0: i for i in self._open_invoices(turn) if not i.disputed and i.balance > 0}

    def _promise_choices(self, turn: _Turn) -> list[tuple[str, str]]:
        """(label, data) for likely dates: in 3, 7 and 14 days and at the end of the month, within the
        days a promise may reach without the owner (ReplyRules.max_promise_days)."""
        today, language = turn.today, turn.language
        month_end = date(today.year, today.month, calendar.monthrange(today.year, today.month)[1])
        if month_end <= today + timedelta(days=PROMISE_OFFSETS[0]):
            following = month_end + timedelta(days=1)
            month_end = date(following.year, following.month,
                             calendar.monthrange(following.year, following.month)[1])
        latest = today + timedelta(days=self.effects.rules.max_promise_days)
        choices = {today + timedelta(days=n): say(language, "b_in_days", days=n,
                                                  day=format_date(today + timedelta(days=n), language, "medium"))
                   for n in PROMISE_OFFSETS}
        choices.setdefault(month_end, say(language, "b_month_end", day=format_date(month_end, language, "medium")))
        return [(label, f"prm:{day.isoformat()}") for day, label in sorted(choices.items()) if day <= latest]

    # -- screens ---------------------------------------------------------------------------

    def _menu(self, turn: _Turn) -> Screen:
        turn.go(Step.MENU)
        if turn.case is None:
            return Screen(say(turn.language, "no_case"))
        return Screen(say(turn.language, "menu"), self._menu_buttons(turn.language))

    def _menu_buttons(self, language: Language) -> Buttons:
        rows = [[(say(language, "b_owe"), "owe"), (say(language, "b_pay"), "pay")],
                [(say(language, "b_promise"), "prm"), (say(language, "b_paid"), "paid")],
                [(say(language, "b_problem"), "dsp")]]
        if self.effects.plans is not None:
            rows[2].append((say(language, "b_plan"), "plan"))
        return rows

    def _back(self, turn: _Turn, text: str) -> Screen:
        return Screen(text, [[(say(turn.language, "b_menu"), "m")]])

    def _pick_screen(self, turn: _Turn, invoices: dict[int, Invoice], picked: list[int], text: str, *,
                     edit: bool = False) -> Screen:
        rows: Buttons = [[(("☑ " if i in picked else "☐ ") + f"{invoice.number} · "
                           + format_money(invoice.balance, invoice.currency, turn.language), f"dsp:{i}")]
                         for i, invoice in invoices.items()]
        rows.append([(say(turn.language, "b_continue"), "dsp:ok"), (say(turn.language, "b_menu"), "m")])
        return Screen(text, rows, edit=edit)

    def _neutral(self, hint: str | None) -> Screen:
        """The one line any unlinked chat gets, whatever it sent: it reveals nothing."""
        language = (Language.FR if hint.lower().startswith("fr") else Language.EN) if hint else self.default_language
        return Screen(say(language, "neutral"))
