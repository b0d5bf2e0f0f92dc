"""Replies waiting for the owner, and the owner marking one as seen (Reply.reviewed_at)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from storage.case_changes import record
from storage.models import Case, Reply
from storage.queries import ReplyLine, replies


def waiting_replies(session: Session, *, limit: int = 200) -> list[ReplyLine]:
    """What `relance replies --review` lists, less the replies the owner already marked reviewed."""
    rows = replies(session, review_only=True, limit=limit)
    reviewed = set(session.exec(select(Reply.message_id).where(
        col(Reply.message_id).in_([r.message for r in rows]), col(Reply.reviewed_at).is_not(None))))
    return [r for r in rows if r.message not in reviewed]


def mark_reviewed(session: Session, message_id: int, *, now: datetime, actor: str = "owner") -> Reply | None:
    """Mark the reply read from inbound message `message_id` as reviewed (once; its case's timeline
    says so); None when relance kept no reading of that message (it failed before understanding it)."""
    reply = session.exec(select(Reply).where(Reply.message_id == message_id)).first()
    if reply is None or reply.reviewed_at is not None:
        return reply
    reply.reviewed_at = now
    case = session.get(Case, reply.case_id) if reply.case_id is not None else None
    if case is not None:
        record(session, case, "reply_reviewed", now=now, actor=actor, data={"message": message_id})
    return reply
