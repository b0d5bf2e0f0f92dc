"""Inbound email kept before it is read: the raw bytes, where they came from, and how far each
mailbox has been read (its cursor), so that a restart neither misses nor repeats a message.

Each function is one transaction. A message is stored and its mailbox cursor advanced together: a
crash leaves either both or neither, and a message stored twice is impossible (the database's unique
constraints on Message-ID and on mailbox position back the checks made here).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import Message as ParsedHeaders
from email.parser import BytesHeaderParser
from email.utils import parseaddr

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from dialogs.parties import Channel
from storage.engine import transaction
from storage.models import Direction, ImapCursor, Message, MessageStatus

PURPOSE = "reply"
SUBJECT_MAX = 1000  # characters; a subject longer than this is spam or a broken client, not a reply
ADDRESS_MAX = 320  # RFC 5321 §4.5.3.1: 64 for the local part, @, 255 for the domain
MESSAGE_ID_MAX = 998  # RFC 5322 §2.1.1: a header line's limit
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")


@dataclass(frozen=True, slots=True)
class Cursor:
    """How far a mailbox has been read: every UID up to `last_uid` under `uidvalidity` is stored."""

    uidvalidity: int
    last_uid: int


@dataclass(frozen=True, slots=True)
class Position:
    """Where a stored message was read: its mailbox and its place there (RFC 3501 §2.3.1.1)."""

    mailbox: str
    uidvalidity: int
    uid: int


@dataclass(frozen=True, slots=True)
class StoreResult:
    """`row_id` is the Message row now holding this mail: the new one, or the one it duplicates;
    `message_id` the mail's normalised Message-ID header, if it has one."""

    row_id: int
    new: bool
    message_id: str | None


class CursorMismatch(RuntimeError):
    """The mailbox's UIDVALIDITY changed: `reset_cursor` must record it before anything is stored."""


def read_cursor(engine: Engine, mailbox: str) -> Cursor | None:
    with transaction(engine) as session:
        cursor = _cursor(session, mailbox)
        return None if cursor is None else Cursor(cursor.uidvalidity, cursor.last_uid)


def reset_cursor(engine: Engine, mailbox: str, uidvalidity: int, *, now: datetime) -> None:
    """Start reading `mailbox` from its first message under `uidvalidity` (first sight, or the server
    renumbered it). Mail already stored is recognised by its Message-ID when read again."""
    with transaction(engine) as session:
        cursor = _cursor(session, mailbox)
        if cursor is None:
            session.add(ImapCursor(mailbox=mailbox, uidvalidity=uidvalidity, last_uid=0, updated_at=now))
        else:
            cursor.uidvalidity, cursor.last_uid, cursor.updated_at = uidvalidity, 0, now


def store(engine: Engine, *, mailbox: str, uidvalidity: int, uid: int, raw: bytes, now: datetime) -> StoreResult:
    """Keep `raw` verbatim as a RECEIVED inbound email and move the cursor past `uid`, together.

    A mail already held — same Message-ID, same mailbox position, or (lacking a Message-ID) the same
    bytes — is not stored again, but the cursor still moves past it.
    """
    headers = _Headers(raw)
    message_id = headers.message_id()
    with transaction(engine) as session:
        cursor = _cursor(session, mailbox)
        if cursor is None:
            cursor = ImapCursor(mailbox=mailbox, uidvalidity=uidvalidity, last_uid=0, updated_at=now)
            session.add(cursor)
        elif cursor.uidvalidity != uidvalidity:
            raise CursorMismatch(f"{mailbox}: cursor is for UIDVALIDITY {cursor.uidvalidity}, not {uidvalidity}")
        cursor.last_uid, cursor.updated_at = max(cursor.last_uid, uid), now
        existing = _existing(session, mailbox, uidvalidity, uid, message_id, raw)
        if existing is not None:
            return StoreResult(existing, False, message_id)
        row = Message(direction=Direction.IN, channel=Channel.EMAIL, purpose=PURPOSE, status=MessageStatus.RECEIVED,
                      raw=raw, message_id=message_id, sender=headers.sender(), subject=headers.subject(),
                      mailbox=mailbox, uidvalidity=uidvalidity, uid=uid, created_at=now)
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:
            # Another writer stored the same mail since the check above: the constraint decided.
            existing = _existing(session, mailbox, uidvalidity, uid, message_id, raw)
            if existing is None:
                raise
            return StoreResult(existing, False, message_id)
        assert row.id is not None
        return StoreResult(row.id, True, message_id)


def received_ids(engine: Engine) -> list[int]:
    """Inbound emails stored but not yet processed (a crash or a failed step left them), oldest first."""
    with transaction(engine) as session:
        return list(session.exec(
            select(Message.id).where(Message.direction == Direction.IN, Message.channel == Channel.EMAIL,
                                     Message.status == MessageStatus.RECEIVED).order_by(col(Message.id))))


def processed(engine: Engine, ids: Collection[int]) -> set[int]:
    """Those of `ids` that processing finished (not those it left RECEIVED or marked ERROR)."""
    if not ids:
        return set()
    with transaction(engine) as session:
        return set(session.exec(
            select(Message.id).where(col(Message.id).in_(ids), Message.status == MessageStatus.PROCESSED)))


def positions(engine: Engine, ids: Collection[int]) -> list[Position]:
    """Where the inbound emails `ids` were read, in UID order."""
    if not ids:
        return []
    with transaction(engine) as session:
        rows = session.exec(select(Message.mailbox, Message.uidvalidity, Message.uid)
                            .where(col(Message.id).in_(ids), col(Message.uid).is_not(None))
                            .order_by(col(Message.uid)))
        return [Position(m, v, u) for m, v, u in rows if m is not None and v is not None and u is not None]


def _cursor(session: Session, mailbox: str) -> ImapCursor | None:
    return session.exec(select(ImapCursor).where(ImapCursor.mailbox == mailbox)).first()


def _existing(session: Session, mailbox: str, uidvalidity: int, uid: int, message_id: str | None,
              raw: bytes) -> int | None:
    same_place = select(Message.id).where(Message.mailbox == mailbox, Message.uidvalidity == uidvalidity,
                                          Message.uid == uid)
    found = session.exec(same_place).first()
    if found is not None:
        return found
    inbound = select(Message.id).where(Message.direction == Direction.IN, Message.channel == Channel.EMAIL)
    if message_id is not None:
        return session.exec(inbound.where(Message.message_id == message_id)).first()
    # Without a Message-ID only the bytes tell a mail read again (after a UIDVALIDITY change) from a new one.
    return session.exec(inbound.where(col(Message.message_id).is_(None), Message.raw == raw)).first()


class _Headers:
    """The few headers kept beside the raw bytes, read leniently: broken mail is stored all the same."""

    def __init__(self, raw: bytes) -> None:
        self._modern = _parse(raw, policy.default)
        self._legacy = _parse(raw, policy.compat32)

    def message_id(self) -> str | None:
        value = _clean(self._raw("message-id"))
        if not value:
            return None
        match = _MESSAGE_ID.search(value)
        # Some clients omit the angle brackets (RFC 5322 §3.6.4 requires them): keep one form only.
        normalised = match.group(0) if match else (f"<{value}>" if " " not in value else None)
        return normalised if normalised and len(normalised) <= MESSAGE_ID_MAX else None

    def sender(self) -> str | None:
        address = _clean(parseaddr(self._decoded("from") or "")[1])
        return address if address and len(address) <= ADDRESS_MAX else None

    def subject(self) -> str | None:
        decoded = self._decoded("subject")
        # Cleaning a megabyte of header takes a while; what is kept is short.
        value = _clean(decoded[: SUBJECT_MAX * 2] if decoded else None)
        if value is None:
            return None
        return value if len(value) <= SUBJECT_MAX else value[: SUBJECT_MAX - 1] + "…"

    def _decoded(self, name: str) -> str | None:
        if self._modern is not None:
            try:
                value = self._modern.get(name)
                return None if value is None else str(value)
            except Exception:  # the stdlib's RFC 2047 parser gives up on some broken headers
                pass
        return self._raw(name)

    def _raw(self, name: str) -> str | None:
        if self._legacy is None:
            return None
        try:
            value = self._legacy.get(name)
        except Exception:
            return None
        return None if value is None else str(value)


def _parse(raw: bytes, parse_policy: policy.Policy) -> ParsedHeaders | None:
    try:
        return BytesHeaderParser(policy=parse_policy).parsebytes(raw)
    except Exception:  # nothing readable: the raw bytes are still kept
        return None


def _clean(value: str | None) -> str | None:
    """One line of text any database accepts: no control characters (PostgreSQL refuses NUL), no
    lone surrogates (left by undecodable 8-bit bytes), runs of whitespace folded."""
    if value is None:
        return None
    text = value.encode("utf-8", "replace").decode("utf-8")
    text = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in text)
    return " ".join(text.split()) or None
