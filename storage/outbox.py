"""The outbox: messages decided but not yet delivered, each unique on its idempotency key.

A row moves QUEUED → CLAIMED → (FINALIZING → DELIVERED, email only) → SENT, or to FAILED or CANCELLED.
A cancelled row gives its key up, so the same step may be decided again later.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from dialogs.parties import Channel
from storage.models import Direction, Message, MessageStatus


def idempotency_key(case_id: int | None, purpose: str, channel: Channel, recipient: str | None = None) -> str:
    parts = [str(case_id), purpose, str(channel)] + ([recipient] if recipient else [])
    return ":".join(parts)


def queue(
    session: Session, *, case_id: int | None, purpose: str, channel: Channel, recipient: str | None,
    subject: str | None, body: str, html: str | None = None, stated_total: Decimal | None = None,
    now: datetime, key: str | None = None,
) -> Message | None:
    """Add an outbound message unless one with the same key exists; return it, or None if it existed."""
    key = key or idempotency_key(case_id, purpose, channel)
    if session.exec(select(Message.id).where(Message.idempotency_key == key)).first() is not None:
        return None
    message = Message(case_id=case_id, direction=Direction.OUT, channel=channel, purpose=purpose,
                      idempotency_key=key, status=MessageStatus.QUEUED, recipient=recipient, subject=subject,
                      body=body, html=html, stated_total=stated_total, created_at=now)
    session.add(message)
    return message


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
    """Rows a dead dispatcher left CLAIMED, FINALIZING or DELIVERED."""
    query = select(Message).where(col(Message.status).in_(
        [MessageStatus.CLAIMED, MessageStatus.FINALIZING, MessageStatus.DELIVERED]))
    return list(session.exec(query.order_by(col(Message.id))))


def retry_later(message: Message, now: datetime, error: str, delay: timedelta) -> None:
    message.status = MessageStatus.QUEUED
    message.attempts += 1
    message.next_attempt_at = now + delay
    message.error = error


def release_key(message: Message) -> None:
    """A cancelled or failed row keeps its history but no longer blocks the same key."""
    message.idempotency_key = f"{message.idempotency_key}#{message.id}"
