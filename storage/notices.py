"""Formal notices as stored: the letter the owner approved, and whether it has gone."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from storage.models import Message, Notice, NoticeStatus


def mark_sent(session: Session, message: Message, now: datetime) -> None:
    """The notice carried by `message` has been delivered."""
    notice = session.exec(select(Notice).where(Notice.message_id == message.id)).first()
    if notice is not None:
        notice.status = NoticeStatus.SENT
        notice.sent_at = now


def latest(session: Session, case_id: int) -> Notice | None:
    return session.exec(select(Notice).where(Notice.case_id == case_id).order_by(col(Notice.id).desc())).first()
