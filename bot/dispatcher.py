"""The dispatcher: claims outbox rows, checks each still warrants sending, delivers, records.

Exactly once, for email: a row is FINALIZING (committed) before the final dot of its DATA goes
out, so after a crash a CLAIMED row was never delivered (the server drops a transaction whose dot
never came, RFC 5321 §4.1.1.4) and is sent again, while a FINALIZING one was and is not.
What follows a delivery (SENT, its Event, the case's last contact) is written per batch.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import Message as Email
from typing import Any, Protocol

from sqlalchemy.engine import Engine
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session

from bot.delivery_errors import (
    ChannelDown,
    PermanentFailure,
    TemporaryFailure,
    UnknownOutcome,
)
from bot.email_channel import Outgoing
from bot.owner_buttons import buttons_for
from bot.telegram_channel import Buttons
from dialogs.alerts import Alert, AlertKind
from dialogs.parties import Channel
from dialogs.states import CaseState
from scheduler.alerts import queue_alert
from scheduler.compose import Composer
from scheduler.failover import fail_over, ladder_step
from scheduler.sweep import SweepPolicy, ladder_for, reachable_channels
from storage import notices, outbox
from storage.case_changes import EventBuffer, record
from storage.case_files import CaseStanding, load_case_files, load_standings
from storage.chat_links import CHAT_LINK
from storage.finalizing import FinalizingMarks, in_doubt
from storage.models import Case, Debtor, Message, MessageStatus

log = logging.getLogger("bot.dispatch")
MAX_ATTEMPTS = 8
BATCH = 200


class EmailSender(Protocol):
    async def __aenter__(self) -> Any: ...
    async def __aexit__(self, *exc: object) -> Any: ...
    async def send(self, message: Email | Outgoing, *, before_final_dot: Callable[[], None] | None = None,
                   while_waiting: Callable[[], None] | None = None) -> Any: ...


class ChatSender(Protocol):
    async def __aenter__(self) -> Any: ...
    async def __aexit__(self, *exc: object) -> Any: ...
    async def send(self, chat_id: int, text: str, *, buttons: Buttons | None = None) -> int: ...


# How an outbox row becomes the email sent; the debtor is None for the owner's alerts.
EmailBuilder = Callable[[Message, Debtor | None, datetime], Email]


@dataclass(slots=True)
class DispatchReport:
    sent: int = 0
    cancelled: int = 0
    retried: int = 0
    failed: int = 0
    recovered: int = 0
    resent: int = 0
    errors: list[str] = field(default_factory=list)


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes, at most six hours: a server down for a day is retried a few times an hour."""
    return min(timedelta(minutes=2 ** attempts), timedelta(hours=6))


@dataclass(frozen=True, slots=True)
class _Ahead:
    """An email made before its turn, from its row as it then read: a restated row is made again."""

    message: Message
    made_from: tuple[str | None, ...]
    outgoing: Outgoing


def _content_of(message: Message) -> tuple[str | None, ...]:
    return message.recipient, message.subject, message.body, message.html, message.message_id


@dataclass
class Dispatcher:
    engine: Engine
    policy: SweepPolicy
    composer: Composer
    build_email: EmailBuilder
    email: EmailSender | None = None
    chat: ChatSender | None = None
    # The next email of the batch, made while the server was answering the one before.
    _ahead: _Ahead | None = field(default=None, init=False, repr=False)

    def recover(self, now: datetime) -> DispatchReport:
        """After a crash: FINALIZING rows were accepted by the server, but for the last one, which
        almost surely was (the owner is told), so all count as sent; CLAIMED ones never got their
        final dot and go again."""
        report = DispatchReport()
        with Session(self.engine, expire_on_commit=False) as session:
            interrupted = outbox.interrupted(session)
            doubtful = in_doubt(interrupted)
            for message in interrupted:
                if message is doubtful:
                    # Its body reached the server and its final dot was being written: almost surely
                    # delivered; the owner hears of the microseconds where it may not have been.
                    self._sent(session, message, now, note="interrupted at its final dot; counted as sent")
                    report.recovered += 1
                    if message.case_id is not None and not outbox.is_alert(message):
                        queue_alert(session, self.policy.owner, Alert(
                            AlertKind.UNCONFIRMED, message.case_id, _debtor_label(session, message.case_id),
                            f"{message.purpose} — {message.recipient} — {message.message_id}"), now)
                elif message.status is MessageStatus.FINALIZING:
                    self._sent(session, message, now, note="accepted by the server before a restart")
                    report.recovered += 1
                else:
                    message.status = MessageStatus.QUEUED
                    report.resent += 1
                    log.info("message=%s case=%s claimed before a crash; queued again", message.id, message.case_id)
            session.commit()
        return report

    async def dispatch(self, now: datetime) -> DispatchReport:
        """Deliver every queued message due at `now`, batch by batch."""
        report = DispatchReport()
        async with AsyncExitStack() as stack:
            marks = stack.enter_context(FinalizingMarks(self.engine))
            opened: dict[Channel, Any] = {}
            while True:
                with Session(self.engine, expire_on_commit=False) as session:
                    ids = outbox.claimable(session, now, BATCH)
                    if not ids:
                        return report
                    messages = outbox.claim(session, ids, now)
                    session.commit()
                    await self._batch(session, messages, now, report, stack, opened, marks)

    async def _batch(self, session: Session, messages: Sequence[Message], now: datetime, report: DispatchReport,
                     stack: AsyncExitStack, opened: dict[Channel, Any], marks: FinalizingMarks) -> None:
        standings = load_standings(session, sorted({m.case_id for m in messages if m.case_id}))
        delivered: list[Message] = []
        down: set[Channel] = set()
        try:
            for index, message in enumerate(messages):
                following = messages[index + 1] if index + 1 < len(messages) else None
                if message.channel in down:  # one refusal is enough: don't hammer a broken server
                    self._retry(message, now, "channel down", backoff(message.attempts))
                    continue
                if not outbox.is_alert(message) and not self.policy.calendar.is_open(now):
                    # A retry that fell due after hours waits for the window like any reminder.
                    message.status = MessageStatus.QUEUED
                    message.next_attempt_at = self.policy.calendar.next_opening(now)
                    continue
                standing = standings.get(message.case_id) if message.case_id else None
                try:
                    if outbox.is_reminder(message) and not self._still_warranted(
                            session, message, standing, now, report):
                        continue
                    sender = await self._open(message.channel, stack, opened)
                    await self._deliver(session, sender, marks, message, standing.debtor if standing else None, now,
                                        following=_following(following, standings))
                    delivered.append(message)
                except ChannelDown as exc:
                    down.add(message.channel)
                    self._retry(message, now, str(exc), backoff(message.attempts))
                    queue_alert(session, self.policy.owner, Alert(AlertKind.CHANNEL_DOWN, None, "", exc.reason), now,
                                once_per=f"{message.channel}:{now:%Y-%m-%d}")
                    report.retried += 1
                    log.warning("channel=%s down: %s", message.channel, exc.reason)
                except TemporaryFailure as exc:
                    self._temporary(session, message, standing, now, exc, report)
                except PermanentFailure as exc:
                    self._permanent(session, message, standing, now, str(exc), report)
                except UnknownOutcome as exc:
                    delivered.append(message)
                    message.error = f"outcome unknown, counted as sent: {exc}"
                except Exception as exc:  # a bug must neither lose the row nor send it twice
                    log.exception("message=%s case=%s could not be dispatched", message.id, message.case_id)
                    if message.status is MessageStatus.FINALIZING:
                        delivered.append(message)
                    else:
                        self._retry(message, now, f"internal error: {exc!r}", backoff(message.attempts))
                    report.errors.append(f"message {message.id}: {exc!r}")
        finally:
            events = EventBuffer()
            for message in delivered:
                self._sent(session, message, now, into=events)
            events.write(session)
            report.sent += len(delivered)
            session.commit()
            self._ahead = None

    async def _open(self, channel: Channel, stack: AsyncExitStack, opened: dict[Channel, Any]) -> Any:
        """One connection per channel for the whole dispatch, opened when first needed."""
        if channel not in opened:
            sender = self.email if channel is Channel.EMAIL else self.chat
            if sender is None:
                raise ChannelDown(f"{channel} is not configured")
            opened[channel] = await stack.enter_async_context(sender)
        return opened[channel]

    async def _deliver(self, session: Session, sender: Any, marks: FinalizingMarks, message: Message,
                       debtor: Debtor | None, now: datetime,
                       following: tuple[Message, Debtor | None] | None = None) -> None:
        if message.channel is Channel.TELEGRAM:
            # An owner alert carries its action buttons (approve, pause, …); a debtor's message none.
            buttons = buttons_for(message, self.policy.owner.language) if outbox.is_alert(message) else None
            await sender.send(int(message.recipient or 0), message.body or "", buttons=buttons or None)
            return
        email = self._email(message, debtor, now)
        message_id = email.message_id
        if session.in_transaction() or session.new or session.dirty:
            # SQLite has one writer, and a snapshot read before the mark could not write after it:
            # no transaction of ours stays open across a mark. Most messages find none to close.
            session.commit()
        marked = False

        def finalizing() -> None:
            nonlocal marked
            marks.set(message.id or 0, message_id)
            marked = True

        def make_the_next() -> None:
            if following is not None:
                self._make_ahead(*following, now)

        try:
            await sender.send(email, before_final_dot=finalizing, while_waiting=make_the_next)
        except (TemporaryFailure, PermanentFailure):
            if marked:  # refused after its dot: after a crash it must not pass for delivered
                marks.unset(message.id or 0)
                marked = False
            raise
        finally:
            if marked:  # what the row now holds, written by the mark
                set_committed_value(message, "status", MessageStatus.FINALIZING)
                set_committed_value(message, "message_id", message_id)
            else:  # kept for the next attempt: a retry sends the same message (RFC 5322 §3.6.4)
                message.message_id = message_id

    def _email(self, message: Message, debtor: Debtor | None, now: datetime) -> Outgoing:
        ahead, self._ahead = self._ahead, None
        if ahead is not None and ahead.message is message and ahead.made_from == _content_of(message):
            return ahead.outgoing
        return self._made(message, debtor, now)

    def _made(self, message: Message, debtor: Debtor | None, now: datetime) -> Outgoing:
        return Outgoing.of(self.build_email(message, None if outbox.is_alert(message) else debtor, now))

    def _make_ahead(self, message: Message, debtor: Debtor | None, now: datetime) -> None:
        """Make `message`'s email now, while the server works on the one before: serialising a
        reminder costs about as much as the server's whole answer, so this time would be lost."""
        try:
            self._ahead = _Ahead(message, _content_of(message), self._made(message, debtor, now))
        except Exception:  # made again in its turn, where its error is reported against it
            self._ahead = None

    def _still_warranted(self, session: Session, message: Message, standing: CaseStanding | None, now: datetime,
                         report: DispatchReport) -> bool:
        """Stop before you speak: cancel what the case no longer warrants; restate a changed balance."""
        reason = self._cancel_reason(message, standing)
        if reason is None:
            assert standing is not None  # a case that is gone is a reason to cancel
            if list(standing.owed.values()) != [message.stated_total]:  # else its statement is unchanged
                self._restate(session, message, standing.case, now)
            return True
        message.status = MessageStatus.CANCELLED
        message.error = reason
        outbox.release_key(message)
        report.cancelled += 1
        if standing is not None:
            case = standing.case
            if case.last_step == message.purpose:
                case.last_step = _previous_step(self.policy, standing.debtor, message.purpose)
            if case.state is not CaseState.CLOSED:
                case.next_action_at = now
            record(session, case, "reminder_cancelled", now=now, actor="dispatcher",
                   data={"step": message.purpose, "channel": message.channel, "message": message.id, "reason": reason})
        log.info("message=%s case=%s cancelled before sending: %s", message.id, message.case_id, reason)
        return False

    def _cancel_reason(self, message: Message, standing: CaseStanding | None) -> str | None:
        if standing is None:
            return "the case no longer exists"
        case = standing.case
        if case.state not in (CaseState.ACTIVE, CaseState.IN_PLAN):
            return f"the case is now {case.state}"
        if case.state is CaseState.IN_PLAN and standing.plan_active:
            return "a payment plan is on time"
        if standing.debtor.excluded:
            return "the debtor is excluded from reminders"
        if message.channel not in reachable_channels(standing.debtor):
            return f"{message.channel} no longer reaches the debtor"
        owed = standing.total_due
        if owed <= 0:
            return "nothing is due any more"
        if owed < self.policy.min_balance:
            return f"the balance is under the minimum of {self.policy.min_balance}"
        return None

    def _restate(self, session: Session, message: Message, case: Case, now: datetime) -> None:
        """The balance moved since the sweep wrote this message: say the current one (in the
        statement's currency), or nothing if it is unchanged there."""
        file = load_case_files(session, [case.id or 0])[0]
        statement = self.composer.statement(file, now.astimezone(self.policy.calendar.tz).date())
        if statement.total == message.stated_total:
            return
        step = ladder_step(self.policy, file.debtor, message.purpose)
        # The chat link the sweep gave it stays valid: the restated text keeps it.
        link = CHAT_LINK.search(message.body or "")
        rendered = self.composer.reminder(file, step, statement.as_of, statement,
                                          chat_link=link.group(0) if link else None)
        before = message.stated_total
        message.subject = rendered.subject
        message.body = outbox.body_for(message.channel, rendered.subject, rendered.text)
        message.html = rendered.html if message.channel is Channel.EMAIL else None
        message.stated_total = statement.total
        record(session, file.case, "reminder_restated", now=now, actor="dispatcher",
               data={"message": message.id, "total_before": before, "total": statement.total})

    def _sent(self, session: Session, message: Message, now: datetime, note: str | None = None,
              into: EventBuffer | None = None) -> None:
        message.status = MessageStatus.SENT
        message.sent_at = now
        if message.case_id is None:
            return
        case = session.get(Case, message.case_id)
        if case is None:
            return
        kind = outbox.sent_event(message)
        data = {"step": message.purpose, "channel": message.channel, "message": message.id,
                "message_id": message.message_id}
        if note:
            data["note"] = note
        if kind == "reminder_sent":
            case.last_contact_at = now
        elif kind == "notice_sent":
            notices.mark_sent(session, message, now)
        record(session, case, kind, now=now, actor="dispatcher", data=data, into=into)
        log.info("message=%s case=%s %s on %s", message.id, message.case_id, kind, message.channel)

    def _temporary(self, session: Session, message: Message, standing: CaseStanding | None, now: datetime,
                   failure: TemporaryFailure, report: DispatchReport) -> None:
        error = str(failure)
        if message.attempts + 1 >= MAX_ATTEMPTS:
            self._permanent(session, message, standing, now, f"gave up after {MAX_ATTEMPTS} attempts: {error}", report)
            return
        # A server that says when to come back (Telegram's 429) is believed over our own backoff.
        delay = max(backoff(message.attempts), getattr(failure, "retry_after", timedelta(0)))
        self._retry(message, now, error, delay)
        report.retried += 1
        log.info("message=%s case=%s will retry: %s", message.id, message.case_id, error)

    def _retry(self, message: Message, now: datetime, error: str, delay: timedelta) -> None:
        """Try again after `delay` — for a debtor, only once the sending window is open again."""
        outbox.retry_later(message, now, error, delay)
        if not outbox.is_alert(message) and message.next_attempt_at is not None:
            message.next_attempt_at = self.policy.calendar.next_opening(message.next_attempt_at)

    def _permanent(self, session: Session, message: Message, standing: CaseStanding | None, now: datetime,
                   error: str, report: DispatchReport) -> None:
        """This channel will never deliver it: fail the row, try the next channel, else tell the owner."""
        report.failed += 1
        log.warning("message=%s case=%s failed on %s: %s", message.id, message.case_id, message.channel, error)
        if standing is None or not outbox.is_reminder(message):
            message.status = MessageStatus.FAILED
            message.error = error
            return
        fail_over(session, self.policy, message, standing.case, standing.debtor, now, error)


def _following(message: Message | None, standings: dict[int, CaseStanding]) -> tuple[Message, Debtor | None] | None:
    """The batch's next message, if it is an email, with its debtor: what can be made ahead."""
    if message is None or message.channel is not Channel.EMAIL:
        return None
    standing = standings.get(message.case_id) if message.case_id else None
    return message, standing.debtor if standing else None


def _debtor_label(session: Session, case_id: int) -> str:
    case = session.get(Case, case_id)
    debtor = session.get(Debtor, case.debtor_id) if case else None
    return f"{debtor.ref} {debtor.name}" if debtor else ""


def _previous_step(policy: SweepPolicy, debtor: Debtor, name: str) -> str | None:
    ladder = ladder_for(policy, debtor)
    index = ladder.index(name)
    return ladder.steps[index - 1].name if 0 < index < len(ladder.steps) else None
