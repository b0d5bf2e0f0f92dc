"""The demo's simulated days: the clock steps through each day, the real service ticks, and the scripted
debtors answer what they receive — by email through the inbox's entry point, by payments imported from a
file, or in the Telegram chat.

Replies reach the firm's mailbox through `inbox` (bot/demo_inbox.py): a real Dovecot followed by the
service's IMAP listener where one is installed, else the listener's entry point.
"""

from __future__ import annotations

import csv
import heapq
import itertools
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from telegram import Update
from telegram.ext import Application

from bot.clock import SettableClock
from bot.demo_chat import BOT_USERNAME, BotApiImitation
from bot.demo_inbox import Inbox
from bot.demo_mail import Delivered, MailSink
from bot.demo_personas import (
    Act, Beat, Bounce, ChatPromise, ChoosePlan, OutOfOffice, PayAll, PayInstallments, PayOnPromisedDate, Persona,
    Reply,
)
from bot.service import Service
from dialogs.chat_texts import say
from dialogs.parties import Language
from storage.models import (
    Case, Debtor, Event, Installment, Invoice, Message, PaymentPlan, PlanOffer, PlanStatus, Promise, PromiseStatus,
)
from storage.payment_import import import_payments

# The firm's clock: every hour of the sending window, and a few beats outside it (nothing may leave then).
TICK_HOURS = (3, 7, *range(9, 18), 18, 22)
PAYMENT_HOUR = time(10, 0)  # when the owner imports the day's bank payments
_LINK = re.compile(r"https://t\.me/" + re.escape(BOT_USERNAME) + r"\?start=([A-Za-z0-9_-]+)")


@dataclass(frozen=True, slots=True)
class Seen:
    """An event of the day, with the debtor it concerns."""

    event: Event
    ref: str
    name: str


DayDone = Callable[[date, list[Seen]], None]


@dataclass(frozen=True, slots=True)
class _PayAmount:
    """One installment's amount arriving (scheduled by PayInstallments)."""

    amount: Decimal


@dataclass(order=True)
class _Due:
    at: datetime
    seq: int
    persona: Persona = field(compare=False)
    act: Act | _PayAmount = field(compare=False)
    trigger: Delivered | None = field(compare=False)


@dataclass
class Simulation:
    engine: Engine
    service: Service
    sink: MailSink
    chat: Application  # type: ignore[type-arg]
    api: BotApiImitation
    personas: tuple[Persona, ...]
    folder: Path
    rng: random.Random
    tz: ZoneInfo
    reply_to: str
    clock: SettableClock
    inbox: Inbox
    _agenda: list[_Due] = field(default_factory=list)
    _order: Iterator[int] = field(default_factory=itertools.count)
    _fired: set[tuple[str, int]] = field(default_factory=set)  # (ref, beat index)
    _mail_seen: int = 0
    _event_seen: int = 0
    _bounces: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _files: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    async def run(self, first: date, days: int, day_done: DayDone) -> None:
        """Tick through `days` days from `first`, debtors acting between ticks; `day_done` gets each day's events."""
        self._event_seen = self._last_event_id()
        for offset in range(days):
            day = first + timedelta(days=offset)
            for hour in TICK_HOURS:
                now = datetime.combine(day, time(hour), self.tz)
                await self._act_until(now)
                self.clock.now = now
                await self.service.tick(now)
                self._read_mail(now)
            await self._act_until(datetime.combine(day + timedelta(days=1), time(0), self.tz))
            day_done(day, self._new_events())

    # -- what the debtors receive, and when they answer ------------------------------------------

    def _read_mail(self, now: datetime) -> None:
        delivered = self.sink.delivered
        fresh, self._mail_seen = delivered[self._mail_seen:], len(delivered)
        by_address = {self._address(p): p for p in self.personas}
        for mail in fresh:
            persona = by_address.get(mail.recipient.lower())
            if persona is None:
                continue
            purpose = self._purpose(mail)
            for index, beat in enumerate(persona.beats):
                if (persona.ref, index) not in self._fired and purpose.startswith(beat.on):
                    self._fired.add((persona.ref, index))
                    self._plan(self._when(now, beat), persona, beat.act, mail)
                    break  # one mail sets off one beat: the next beat waits for the next mail

    def _when(self, arrived: datetime, beat: Beat) -> datetime:
        # The seed moves each answer by a few minutes, so runs differ without changing what happens.
        at = arrived + beat.after + timedelta(minutes=self.rng.randrange(0, 20))
        if beat.at is not None:
            local = at.astimezone(self.tz)
            wanted = datetime.combine(local.date(), beat.at, self.tz) + timedelta(minutes=self.rng.randrange(0, 20))
            at = max(at, wanted)
        return at

    def _plan(self, at: datetime, persona: Persona, act: Act | _PayAmount, trigger: Delivered | None) -> None:
        heapq.heappush(self._agenda, _Due(at, next(self._order), persona, act, trigger))

    async def _act_until(self, now: datetime) -> None:
        while self._agenda and self._agenda[0].at <= now:
            due = heapq.heappop(self._agenda)
            await self._act(due)

    async def _act(self, due: _Due) -> None:
        act, persona, at = due.act, due.persona, due.at
        self.clock.now = at
        match act:
            case Reply():
                await self._email(persona, at, act.text, due.trigger, subject=act.subject)
            case OutOfOffice():
                await self._email(persona, at, act.text, due.trigger, auto=True)
            case Bounce():
                await self._bounce(persona, at, due.trigger)
            case PayAll():
                self._pay(persona, at, None)
            case PayOnPromisedDate():
                promised = self._promised_on(persona)
                if promised is not None:
                    self._plan(datetime.combine(promised, PAYMENT_HOUR, self.tz), persona, PayAll(), None)
            case ChoosePlan():
                number = self._option_number(persona, act.installments)
                if number is not None:
                    await self._email(persona, at, act.wording.format(n=number), due.trigger)
            case PayInstallments():
                for installment in self._installments(persona):
                    if act.only is None or installment.seq <= act.only:
                        self._plan(datetime.combine(installment.due_on, PAYMENT_HOUR, self.tz), persona,
                                   _PayAmount(installment.amount), None)
            case _PayAmount():
                self._pay(persona, at, act.amount)
            case ChatPromise():
                await self._chat_promise(persona, act, due.trigger)

    # -- email in, through the firm's mailbox -------------------------------------------------------

    async def _email(self, persona: Persona, at: datetime, text: str, trigger: Delivered | None, *, subject: str = "",
               auto: bool = False) -> None:
        debtor = self._debtor(persona)
        answered = trigger.message if trigger is not None else None
        mail = EmailMessage()
        mail["From"] = f"{debtor.name} <{debtor.email}>"
        mail["To"] = self.reply_to
        about = answered["Subject"] if answered is not None else ""
        automatic = "Réponse automatique : " if debtor.language == Language.FR else "Automatic reply: "
        prefix = automatic if auto else "Re: "
        mail["Subject"] = subject or prefix + about
        mail["Date"] = format_datetime(at)
        mail["Message-ID"] = make_msgid(domain=(debtor.email or "x@debtor.example").rpartition("@")[2])
        if auto:
            mail["Auto-Submitted"] = "auto-replied"  # RFC 3834 §5: what every out-of-office sets
        if answered is not None:
            mail["In-Reply-To"] = answered["Message-ID"]
            mail["References"] = answered["Message-ID"]
        mail.set_content(text)
        await self.inbox.deliver(mail.as_bytes(), at)

    async def _bounce(self, persona: Persona, at: datetime, trigger: Delivered | None) -> None:
        debtor = self._debtor(persona)
        domain = (debtor.email or "").rpartition("@")[2]
        quoted = trigger.message["Message-ID"] if trigger is not None else ""
        # A Postfix-style delivery status notification (RFC 3464), quoting the headers of what bounced.
        raw = (f"From: MAILER-DAEMON@mx.{domain}\nTo: {self.reply_to}\n"
               "Subject: Undelivered Mail Returned to Sender\n"
               f"Date: {format_datetime(at)}\nMessage-ID: <dsn.{next(self._bounces)}@mx.{domain}>\n"
               "Auto-Submitted: auto-replied\nMIME-Version: 1.0\n"
               'Content-Type: multipart/report; report-type=delivery-status; boundary="DSN"\n\n'
               "--DSN\nContent-Type: text/plain\n\nI'm sorry to have to inform you that your message could not "
               f"be delivered.\n\n<{debtor.email}>: host mx.{domain} said: 550 5.1.1 User unknown\n\n"
               f"--DSN\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.{domain}\n\n"
               f"Final-Recipient: rfc822; {debtor.email}\nAction: failed\nStatus: 5.1.1\n\n"
               f"--DSN\nContent-Type: text/rfc822-headers\n\nMessage-ID: {quoted}\n\n--DSN--\n")
        await self.inbox.deliver(raw.encode(), at)

    # -- payments, imported as the owner imports the bank's file --------------------------------

    def _pay(self, persona: Persona, at: datetime, amount: Decimal | None) -> None:
        """Pay `amount` (None: the whole balance) on the case's open invoices, oldest due first."""
        with Session(self.engine) as session:
            case = self._case(session, persona)
            invoices = list(session.exec(select(Invoice).where(Invoice.case_id == case.id)
                                         .order_by(col(Invoice.due_date), col(Invoice.number))))
        balance = sum((i.amount - i.paid for i in invoices), Decimal("0"))
        left = balance if amount is None else min(amount, balance)
        rows: list[tuple[str, Decimal]] = []
        for invoice in invoices:
            owed = invoice.amount - invoice.paid
            if left <= 0 or owed <= 0:
                continue
            part = min(owed, left)
            rows.append((invoice.number, part))
            left -= part
        if not rows:
            return
        path = self.folder / "payments" / f"{next(self._files):03d}-{persona.ref}.csv"
        path.parent.mkdir(exist_ok=True)
        day = at.astimezone(self.tz).date()
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["invoice_number", "payment_date", "amount", "reference"])
            writer.writerows([number, day.isoformat(), str(part), f"VIR {persona.ref} {number}"]
                             for number, part in rows)
        import_payments(self.engine, path, now=at)

    # -- the chat --------------------------------------------------------------------------------

    async def _chat_promise(self, persona: Persona, act: ChatPromise, trigger: Delivered | None) -> None:
        assert persona.chat_id is not None and trigger is not None
        body = trigger.message.get_body(("plain",))
        found = _LINK.search(body.get_content() if body is not None else "")
        if found is None:
            return  # no link in that mail (the debtor is linked already, or Telegram is off)
        language = self._debtor(persona).language
        await self._feed(self.api.user_says(persona.chat_id, f"/start {found[1]}"))
        await self._feed(self.api.press(persona.chat_id, say(language, "b_promise")))
        await self._feed(self.api.press(persona.chat_id, self.api.buttons(persona.chat_id)[act.choice]))

    async def _feed(self, update: dict[str, object]) -> None:
        await self.chat.process_update(Update.de_json(update, self.chat.bot))

    # -- reading the database ----------------------------------------------------------------------

    def _address(self, persona: Persona) -> str:
        return (self._debtor(persona).email or "").lower()

    def _debtor(self, persona: Persona) -> Debtor:
        with Session(self.engine) as session:
            return session.exec(select(Debtor).where(Debtor.ref == persona.ref)).one()

    def _case(self, session: Session, persona: Persona) -> Case:
        return session.exec(select(Case).join(Debtor, col(Debtor.id) == col(Case.debtor_id))
                            .where(Debtor.ref == persona.ref).order_by(col(Case.id).desc())).one()

    def _purpose(self, mail: Delivered) -> str:
        with Session(self.engine) as session:
            row = session.exec(select(Message).where(Message.message_id == mail.message["Message-ID"])).first()
            return row.purpose if row is not None else ""

    def _promised_on(self, persona: Persona) -> date | None:
        with Session(self.engine) as session:
            case = self._case(session, persona)
            return session.exec(select(Promise.promised_on).where(Promise.case_id == case.id,
                                                                  Promise.status == PromiseStatus.PENDING)).first()

    def _option_number(self, persona: Persona, installments: int) -> int | None:
        with Session(self.engine) as session:
            case = self._case(session, persona)
            offer = session.exec(select(PlanOffer).where(PlanOffer.case_id == case.id)
                                 .order_by(col(PlanOffer.id).desc())).first()
        if offer is None:
            return None
        counts = [len(option["installments"]) for option in offer.options]
        return counts.index(installments) + 1 if installments in counts else None

    def _installments(self, persona: Persona) -> list[Installment]:
        with Session(self.engine) as session:
            case = self._case(session, persona)
            plan = session.exec(select(PaymentPlan).where(PaymentPlan.case_id == case.id,
                                                          PaymentPlan.status == PlanStatus.ACTIVE)).first()
            if plan is None:
                return []
            return list(session.exec(select(Installment).where(Installment.plan_id == plan.id)
                                     .order_by(col(Installment.seq))))

    def _last_event_id(self) -> int:
        with Session(self.engine) as session:
            return session.exec(select(Event.id).order_by(col(Event.id).desc())).first() or 0

    def _new_events(self) -> list[Seen]:
        with Session(self.engine) as session:
            rows = session.exec(select(Event, Debtor.ref, Debtor.name)
                                .join(Case, col(Case.id) == col(Event.case_id))
                                .join(Debtor, col(Debtor.id) == col(Case.debtor_id))
                                .where(col(Event.id) > self._event_seen).order_by(col(Event.id))).all()
        if rows:
            self._event_seen = rows[-1][0].id or self._event_seen
        return [Seen(event, ref, name) for event, ref, name in rows]
