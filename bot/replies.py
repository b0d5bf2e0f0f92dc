"""Stored inbound mail → understood → matched to its case → decided → its effects, one message at a time.

A message that fails is marked ERROR with its error and shown to the owner; it is never retried
by itself (a bug would fail again) and never blocks the messages after it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from email import policy
from email.parser import BytesHeaderParser

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.clock import Clock
from dialogs.alerts import Alert, AlertKind
from dialogs.arrival import ArrivalKind
from dialogs.parties import Channel
from dialogs.plans import PlanOption, choose_option
from dialogs.reply_decisions import ReplyDecision, ReplyRules, decide_reply
from dialogs.understanding import Understanding, understand_email
from scheduler.alerts import queue_alert
from scheduler.replies import ReplyEffects
from storage.engine import transaction
from storage.models import Message, MessageStatus
from storage.reply_matching import Match, match_reply

log = logging.getLogger("bot.replies")
_MESSAGE_ID = re.compile(rb"<[^<>\s]{3,250}@[^<>\s]{1,250}>")
# A bounce quotes the headers of what bounced; a few dozen ids is plenty to find ours among them.
_QUOTED_IDS_MAX = 50


@dataclass(frozen=True, slots=True)
class Outcome:
    message: int
    understood: Understanding | None
    decision: ReplyDecision | None
    case_id: int | None
    error: str | None = None


@dataclass
class ReplyProcessor:
    engine: Engine
    effects: ReplyEffects
    timezone: tzinfo
    clock: Clock

    @property
    def rules(self) -> ReplyRules:
        return self.effects.rules

    async def handle(self, row_ids: Sequence[int]) -> None:
        """The IMAP listener's hand-over: process each stored message; never raises for one of them."""
        for row_id in row_ids:
            self.process(row_id, self.clock())

    def process(self, row_id: int, now: datetime) -> Outcome:
        with Session(self.engine) as session:
            message = session.get(Message, row_id)
            if message is None or message.status is not MessageStatus.RECEIVED:
                return Outcome(row_id, None, None, None, error="not waiting to be processed")
            raw = message.raw or b""
        try:
            understood = understand_email(raw, default_tz=self.timezone)
            return self._apply(row_id, raw, understood, now)
        except Exception as exc:  # one bad message must not stop the ones after it
            log.exception("message=%s could not be processed", row_id)
            self._failed(row_id, f"{type(exc).__name__}: {exc}", now)
            return Outcome(row_id, None, None, None, error=str(exc))

    def _apply(self, row_id: int, raw: bytes, understood: Understanding, now: datetime) -> Outcome:
        with transaction(self.engine) as session:
            message = session.get(Message, row_id)
            assert message is not None
            match = match_reply(session, message_ids=_references(raw, understood), invoice_refs=understood.invoice_refs,
                                sender=message.sender)
            today = now.astimezone(self.timezone).date()
            decision = decide_reply(understood, case_state=match.case.state if match.case else None, today=today,
                                    rules=self.rules, chosen_option=self._chosen(session, match, understood))
            self.effects.apply(session, message, understood, match, decision, now)
            message.status = MessageStatus.PROCESSED
            return Outcome(row_id, understood, decision, _case_id(match))

    def _chosen(self, session: Session, match: Match, understood: Understanding) -> int | None:
        """The plan option this reply picks, when the debtor was offered some by email."""
        plans = self.effects.plans
        if plans is None or match.case is None or match.foreign_sender:
            return None
        offer = plans.open_offer(session, match.case, Channel.EMAIL)
        if offer is None:
            return None
        return choose_option(understood.new_text, [PlanOption.from_json(o["installments"]) for o in offer.options])

    def _failed(self, row_id: int, error: str, now: datetime) -> None:
        with transaction(self.engine) as session:
            message = session.get(Message, row_id)
            if message is None:
                return
            message.status = MessageStatus.ERROR
            message.error = error
            queue_alert(session, self.effects.policy.owner,
                        Alert(AlertKind.REPLY_REVIEW, None, message.sender or "?",
                              f"This message could not be processed ({error}). Subject: {message.subject or ''}"),
                        now, once_per=f"message:{row_id}")


def _references(raw: bytes, understood: Understanding) -> list[str]:
    """The Message-IDs this mail answers; for a bounce, every one it quotes (ours is among them)."""
    if understood.kind is ArrivalKind.BOUNCE:
        found = dict.fromkeys(m.decode("ascii", "replace") for m in _MESSAGE_ID.findall(raw))
        return list(found)[:_QUOTED_IDS_MAX]
    try:
        headers = BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
        values = " ".join(str(v) for name in ("In-Reply-To", "References") for v in headers.get_all(name, []))
    except Exception:  # noqa: BLE001 — unreadable headers thread nothing; the other matches remain
        return []
    ids = [m.decode("ascii") for m in _MESSAGE_ID.findall(values.encode("ascii", "replace"))]
    return list(dict.fromkeys(ids))[-_QUOTED_IDS_MAX:]


def _case_id(match: Match) -> int | None:
    return match.case.id if match.case else None
