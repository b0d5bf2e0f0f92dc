"""The outbox: messages decided but not yet delivered, each unique on its idempotency key.

A row moves QUEUED → CLAIMED → (FINALIZING, email only) → SENT, or to FAILED or CANCELLED.
A cancelled row gives its key up, so the same step may be decided again later.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, or_, update
from sqlmodel import Session, col, select

from dialogs.parties import Channel
from storage.models import Direction, Message, MessageStatus


ALERT = "alert:"  # the purpose of an owner alert starts so: no stop rule, no sending window for it


# The purpose of an answer to something the debtor wrote (a promise confirmed, say): it goes in the
# sending window, but no stop rule holds it back — a promised case is exactly where it is due.
ANSWER = "answer:"


# The purpose of a formal notice the owner approved: no stop rule holds it back either.
NOTICE = "notice:"
# An installment of an accepted plan ("plan:<plan>:<seq>:<due|late>"): the plan itself is its warrant.
PLAN = "plan:"


def is_alert(message: Message) -> bool:
    return message.purpose.startswith(ALERT)


def is_reminder(message: Message) -> bool:
    return not message.purpose.startswith((ALERT, ANSWER, NOTICE, PLAN))


def sent_event(message: Message) -> str:
    """The Event kind that records this message's delivery."""
    for prefix, kind in ((ALERT, "owner_alerted"), (ANSWER, "answer_sent"), (NOTICE, "notice_sent"),
                         (PLAN, "installment_reminder_sent")):
        if message.purpose.startswith(prefix):
            return kind
    return "reminder_sent"


def body_for(channel: Channel, subject: str | None, text: str) -> str:
    """An email carries its subject apart; a chat message opens with it."""
    return text if channel is Channel.EMAIL else f"{subject}\n\n{text}"


def idempotency_key(case_id: int | None, purpose: str, channel: Channel, recipient: str | None = None) -> str:
    parts = [str(case_id), purpose, str(channel)] + ([recipient] if recipient else [])
    return ":".join(parts)


def queue(
    session: Session, *, case_id: int | None, purpose: str, channel: Channel, recipient: str | None,
    subject: str | None, body: str, html: str | None = None, stated_total: Decimal | None = None,
    now: datetime, key: str | None = None, known: set[str] | None = None,
) -> Message | None:
    """Add an outbound message unless one with the same key exists; return it, or None if it existed.

    `known` — the keys the caller already read for these cases (see `keys_of`) — spares a query per message.
    """
    key = key or idempotency_key(case_id, purpose, channel)
    if known is not None:
        if key in known:
            return None
        known.add(key)
    elif session.exec(select(Message.id).where(Message.idempotency_key == key)).first() is not None:
        return None
    message = Message(**_row(case_id, purpose, channel, recipient, subject, body, html, stated_total, now, key))
    session.add(message)
    return message


def queue_bulk(rows: list[dict[str, Any]], known: set[str], *, case_id: int, purpose: str, channel: Channel,
               recipient: str, subject: str, body: str, html: str | None, stated_total: Decimal,
               now: datetime) -> str | None:
    """Like `queue`, into `rows` for one INSERT by `write_bulk`; returns the key, or None if taken."""
    key = idempotency_key(case_id, purpose, channel)
    if key in known:
        return None
    known.add(key)
    rows.append(_row(case_id, purpose, channel, recipient, subject, body, html, stated_total, now, key))
    return key


def write_bulk(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(Message), rows)
        rows.clear()


def _row(case_id: int | None, purpose: str, channel: Channel, recipient: str | None, subject: str | None,
         body: str, html: str | None, stated_total: Decimal | None, now: datetime, key: str) -> dict[str, Any]:
    return {"case_id": case_id, "direction": Direction.OUT, "channel": channel, "purpose": purpose,
            "idempotency_key": key, "status": MessageStatus.QUEUED, "attempts": 0, "recipient": recipient,
            "subject": subject, "body": body, "html": html, "stated_total": stated_total, "created_at": now}


def keys_of(session: Session, case_ids: Sequence[int]) -> set[str]:
    """The idempotency keys already taken by outbound messages of these cases."""
    query = select(Message.idempotency_key).where(col(Message.case_id).in_(case_ids), Message.direction == Direction.OUT)
    return {key for key in session.exec(query) if key is not None}


def claimable(session: Session, now: datetime, limit: int) -> list[int]:
    query = (select(Message.id).where(Message.status == MessageStatus.QUEUED, Message.direction == Direction.OUT,
                                      or_(col(Message.next_attempt_at).is_(None), col(Message.next_attempt_at) <= now))
             .order_by(col(Message.id)).limit(limit))
    return list(session.exec(query))


def claim(session: Session, ids: Sequence[int], now: datetime) -> list[Message]:
    """Mark `ids` CLAIMED (those still QUEUED) and return them; the caller commits before sending."""
    session.exec(update(Message).where(col(Message.id).in_(ids), Message.status == MessageStatus.QUEUED)  # type: ignore[call-overload]
                 .values(status=MessageStatus.CLAIMED, claimed_at=now).execution_options(synchronize_session=False))
    session.expire_all()
    query = select(Message).where(col(Message.id).in_(ids), Message.status == MessageStatus.CLAIMED)
    return list(session.exec(query.order_by(col(Message.id))))


def interrupted(session: Session) -> list[Message]:
    """Rows a dead dispatcher left CLAIMED or FINALIZING."""
    query = select(Message).where(col(Message.status).in_([MessageStatus.CLAIMED, MessageStatus.FINALIZING]))
    return list(session.exec(query.order_by(col(Message.id))))


def retry_later(message: Message, now: datetime, error: str, delay: timedelta) -> None:
    message.status = MessageStatus.QUEUED
    message.attempts += 1
    message.next_attempt_at = now + delay
    message.error = error


def release_key(message: Message) -> None:
    """A cancelled or failed row keeps its history but no longer blocks the same key."""
    message.idempotency_key = f"{message.idempotency_key}#{message.id}"
