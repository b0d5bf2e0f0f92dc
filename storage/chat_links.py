"""Linking a Telegram chat to a debtor through the single-use token in a reminder's link.

Only the token's SHA-256 is stored: the database alone cannot link a chat. A token that is unknown,
used or expired is refused the same way, so a probe learns nothing (not even that it existed).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from sqlmodel import Session, select

from dialogs.parties import Channel
from storage.models import ChatSession, ChatToken, Debtor

TOKEN_BYTES = 18  # 144 bits, 24 URL-safe characters: inside Telegram's 64-character /start payload
# A deep link as `chat_link` writes it, to find one again in a text.
CHAT_LINK = re.compile(r"https://t\.me/\w+\?start=[A-Za-z0-9_-]+")


def chat_link(bot_username: str, token: str) -> str:
    """The link that opens the chat with the bot and sends `/start <token>`."""
    return f"https://t.me/{bot_username}?start={token}"


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def issue_token(session: Session, debtor_id: int, *, now: datetime, days: int) -> str:
    """A fresh token for `debtor_id`, valid `days` days; the caller puts it in a link and commits."""
    token = new_token()
    session.add(ChatToken(token_hash=token_hash(token), debtor_id=debtor_id, created_at=now,
                          expires_at=now + timedelta(days=days)))
    return token


def token_rows(tokens: dict[int, str], *, now: datetime, days: int) -> list[dict[str, object]]:
    """Rows for a bulk INSERT of the tokens already drawn for each debtor (the sweep's batches)."""
    return [{"token_hash": token_hash(token), "debtor_id": debtor_id, "created_at": now,
             "expires_at": now + timedelta(days=days), "used_at": None} for debtor_id, token in tokens.items()]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def redeem(session: Session, token: str, *, chat_id: int, now: datetime) -> Debtor | None:
    """Link `chat_id` to the token's debtor and spend the token; None for any token that cannot."""
    if not 16 <= len(token) <= 64:
        return None
    row = session.exec(select(ChatToken).where(ChatToken.token_hash == token_hash(token))).first()
    if row is None or row.used_at is not None or row.expires_at <= now:
        return None
    debtor = session.get(Debtor, row.debtor_id)
    if debtor is None:
        return None
    row.used_at = now
    debtor.telegram_chat_id = chat_id
    debtor.opted_out = ",".join(c for c in debtor.opted_out.split(",") if c.strip() and c.strip() != Channel.TELEGRAM)
    _session_of(session, chat_id, now).debtor_id = debtor.id
    return debtor


def unlink(session: Session, chat_id: int, *, now: datetime) -> Debtor | None:
    """`/stop`: the chat forgets its debtor, who is opted out of Telegram; returns that debtor."""
    debtor = session.exec(select(Debtor).where(Debtor.telegram_chat_id == chat_id)).first()
    chat = _session_of(session, chat_id, now)
    chat.debtor_id, chat.state, chat.data = None, "", {}
    if debtor is None:
        return None
    debtor.telegram_chat_id = None
    opted = {c.strip() for c in debtor.opted_out.split(",") if c.strip()} | {Channel.TELEGRAM.value}
    debtor.opted_out = ",".join(sorted(opted))
    return debtor


def linked_debtor(session: Session, chat_id: int) -> Debtor | None:
    """The debtor this chat speaks for, or None: an unlinked chat sees no case data."""
    return session.exec(select(Debtor).where(Debtor.telegram_chat_id == chat_id)).first()


def _session_of(session: Session, chat_id: int, now: datetime) -> ChatSession:
    chat = session.exec(select(ChatSession).where(ChatSession.chat_id == chat_id)).first()
    if chat is None:
        chat = ChatSession(chat_id=chat_id, updated_at=now)
        session.add(chat)
    chat.updated_at = now
    return chat
