"""The tables. Money columns hold integer cents, datetimes UTC; the Event table is append-only."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, LargeBinary, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from dialogs.parties import Channel, DebtorKind, Language
from dialogs.states import CaseState
from storage.types import EnumText, Money, UTCDateTime


class Direction(StrEnum):
    OUT = "out"
    IN = "in"


class MessageStatus(StrEnum):
    QUEUED = "queued"
    CLAIMED = "claimed"
    # Email only: the body has reached the server, the final dot is being written or was, and its
    # Event is yet to be written (see storage/finalizing.py).
    FINALIZING = "finalizing"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"
    RECEIVED = "received"
    PROCESSED = "processed"
    ERROR = "error"


class PromiseStatus(StrEnum):
    PENDING = "pending"
    KEPT = "kept"
    BROKEN = "broken"
    CANCELLED = "cancelled"


class PlanStatus(StrEnum):
    PROPOSED = "proposed"
    ACTIVE = "active"
    COMPLETED = "completed"
    BROKEN = "broken"
    REJECTED = "rejected"


class NoticeStatus(StrEnum):
    QUEUED = "queued"  # approved; its email is in the outbox
    SENT = "sent"


class DisputeStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


def _money(**kw: Any) -> Any:
    return Field(sa_type=Money, **kw)


def _utc(**kw: Any) -> Any:
    return Field(sa_type=UTCDateTime, **kw)


class Debtor(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(max_length=100, unique=True, index=True)
    name: str = Field(max_length=300)
    email: str | None = Field(default=None, max_length=320)
    kind: DebtorKind = Field(default=DebtorKind.BUSINESS, sa_type=EnumText(DebtorKind))
    language: Language = Field(default=Language.FR, sa_type=EnumText(Language))
    address: str | None = Field(default=None, sa_type=Text)
    siren: str | None = Field(default=None, max_length=20)
    vat: str | None = Field(default=None, max_length=20)
    telegram_chat_id: int | None = Field(default=None, sa_type=BigInteger)
    email_invalid: bool = False
    # The owner's overrides: never remind (excluded), another ladder, channels in another order
    # ("telegram,email"), channels the debtor asked not to be contacted on.
    excluded: bool = False
    ladder: str | None = Field(default=None, max_length=100)
    channel_order: str | None = Field(default=None, max_length=100)
    opted_out: str = Field(default="", max_length=100)
    created_at: datetime = _utc()


class Case(SQLModel, table=True):
    """One debtor's open debt: every unpaid invoice of that debtor, chased together."""

    __tablename__ = "debt_case"  # "case" is an SQL keyword
    # A debtor has at most one open case: every open amount is chased in one statement.
    __table_args__ = (
        Index(
            "uq_debt_case_open_debtor",
            "debtor_id",
            unique=True,
            sqlite_where=text("state != 'closed'"),
            postgresql_where=text("state != 'closed'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    debtor_id: int = Field(foreign_key="debtor.id", index=True)
    state: CaseState = Field(default=CaseState.ACTIVE, sa_type=EnumText(CaseState), index=True)
    opened_at: datetime = _utc()
    closed_at: datetime | None = _utc(default=None)
    # The sweep's only question is "next_action_at <= now": the database decides what is due.
    next_action_at: datetime | None = _utc(default=None, index=True)
    last_contact_at: datetime | None = _utc(default=None)
    last_step: str | None = Field(default=None, max_length=100)
    updated_at: datetime = _utc()


class Invoice(SQLModel, table=True):
    """An invoice, or a credit note when the amount is negative. `paid` caches the Payment rows."""

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=100, unique=True, index=True)
    debtor_id: int = Field(foreign_key="debtor.id", index=True)
    case_id: int | None = Field(default=None, foreign_key="debt_case.id", index=True)
    issue_date: date | None = None
    due_date: date = Field(index=True)  # the limitation watchdog reads the oldest
    amount: Decimal = _money()
    paid: Decimal = _money(default=Decimal("0.00"))
    currency: str = Field(default="EUR", max_length=3)
    disputed: bool = False
    created_at: datetime = _utc()
    updated_at: datetime = _utc()

    @property
    def balance(self) -> Decimal:
        return self.amount - self.paid


class Payment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    paid_on: date
    amount: Decimal = _money()
    reference: str = Field(default="", max_length=200)
    # What makes a re-import a no-op: the row's content and its occurrence in its file.
    import_key: str = Field(max_length=400, unique=True)
    source: str = Field(max_length=40)
    recorded_at: datetime = _utc()


class Message(SQLModel, table=True):
    """A message in or out. Outbound rows are the outbox: unique on their idempotency key.

    Inbound email is stored verbatim in `raw` before it is read, once per Message-ID and once per
    mailbox position (UIDVALIDITY, UID), so neither a restart nor a copy in two folders repeats it.
    """

    __table_args__ = (
        UniqueConstraint("mailbox", "uidvalidity", "uid", name="uq_message_mailbox_position"),
        Index("ux_message_inbound_message_id", "message_id", unique=True,
              sqlite_where=text("direction = 'in'"), postgresql_where=text("direction = 'in'")),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int | None = Field(default=None, foreign_key="debt_case.id", index=True)
    direction: Direction = Field(sa_type=EnumText(Direction))
    channel: Channel = Field(sa_type=EnumText(Channel))
    purpose: str = Field(max_length=100)
    idempotency_key: str | None = Field(default=None, max_length=300, unique=True)
    status: MessageStatus = Field(sa_type=EnumText(MessageStatus), index=True)
    attempts: int = 0
    next_attempt_at: datetime | None = _utc(default=None)
    claimed_at: datetime | None = _utc(default=None)
    sent_at: datetime | None = _utc(default=None)
    message_id: str | None = Field(default=None, max_length=998, index=True)
    recipient: str | None = Field(default=None, max_length=320)
    sender: str | None = Field(default=None, max_length=320)
    in_reply_to: str | None = Field(default=None, max_length=998)  # an answer threads under the debtor's mail
    mailbox: str | None = Field(default=None, max_length=400)
    uidvalidity: int | None = Field(default=None, sa_type=BigInteger)
    uid: int | None = Field(default=None, sa_type=BigInteger)
    subject: str | None = Field(default=None, sa_type=Text)
    body: str | None = Field(default=None, sa_type=Text)
    html: str | None = Field(default=None, sa_type=Text)
    # The total the message states: if the balance moved before sending, the text is redone.
    stated_total: Decimal | None = _money(default=None)
    raw: bytes | None = Field(default=None, sa_type=LargeBinary)
    # One file sent with the message (the formal notice's PDF).
    attachment_name: str | None = Field(default=None, max_length=200)
    attachment: bytes | None = Field(default=None, sa_type=LargeBinary)
    error: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = _utc()


class Notice(SQLModel, table=True):
    """A formal notice the owner approved: the letter as sent, what it claimed, and its deadline."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="debt_case.id", index=True)
    status: NoticeStatus = Field(default=NoticeStatus.QUEUED, sa_type=EnumText(NoticeStatus))
    as_of: date
    deadline: date
    currency: str = Field(max_length=3)
    total_claimed: Decimal = _money()
    claim: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    text: str = Field(sa_type=Text)
    pdf: bytes = Field(sa_type=LargeBinary)
    message_id: int | None = Field(default=None, foreign_key="message.id")
    approved_at: datetime = _utc()
    sent_at: datetime | None = _utc(default=None)


class Reply(SQLModel, table=True):
    """What relance understood of an inbound message, with its evidence, and what it did."""

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="message.id", unique=True)
    case_id: int | None = Field(default=None, foreign_key="debt_case.id", index=True)
    kind: str = Field(max_length=20)
    intent: str = Field(max_length=40)
    confidence: float = 0.0
    promised_date: date | None = None
    amount: Decimal | None = _money(default=None)
    currency: str | None = Field(default=None, max_length=3)
    back_on: date | None = None
    new_contact: str | None = Field(default=None, max_length=320)
    failed_recipient: str | None = Field(default=None, max_length=320)
    # How the message was tied to its case: in_reply_to, invoice, sender; empty when it was not.
    matched_by: str = Field(default="", max_length=20)
    # Matched to a case, but sent from an address that is not the debtor's.
    foreign_sender: bool = False
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    needs_review: bool = Field(default=False, index=True)
    reviewed_at: datetime | None = _utc(default=None)
    created_at: datetime = _utc()


class Promise(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="debt_case.id", index=True)
    promised_on: date
    amount: Decimal | None = _money(default=None)
    status: PromiseStatus = Field(default=PromiseStatus.PENDING, sa_type=EnumText(PromiseStatus))
    message_id: int | None = Field(default=None, foreign_key="message.id")
    made_at: datetime = _utc()
    resolved_at: datetime | None = _utc(default=None)


class PaymentPlan(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="debt_case.id", index=True)
    status: PlanStatus = Field(default=PlanStatus.PROPOSED, sa_type=EnumText(PlanStatus))
    total: Decimal = _money()
    # Where the debtor chose it (telegram, email) or "owner"; a plan outside the bounds waits for the owner.
    source: str = Field(default="", max_length=20)
    within_bounds: bool = True
    created_at: datetime = _utc()
    accepted_at: datetime | None = _utc(default=None)
    ended_at: datetime | None = _utc(default=None)


class Installment(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("plan_id", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="paymentplan.id", index=True)
    seq: int
    due_on: date
    amount: Decimal = _money()
    paid: Decimal = _money(default=Decimal("0.00"))


class PlanOffer(SQLModel, table=True):
    """Payment plans proposed to a debtor, numbered as they were shown, until one is chosen."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="debt_case.id", index=True)
    channel: str = Field(max_length=20)
    # [{"installments": [{"date": "2026-12-15", "amount": "400.00"}, …]}, …] in the order shown
    options: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    message_id: int | None = Field(default=None, foreign_key="message.id")  # the email that carried it
    # The owner's own counter-proposal: accepted when chosen, whatever the bounds.
    from_owner: bool = False
    offered_at: datetime = _utc()
    closed_at: datetime | None = _utc(default=None)
    plan_id: int | None = Field(default=None, foreign_key="paymentplan.id")  # the one chosen


class ChatToken(SQLModel, table=True):
    """A deep-link token for linking a Telegram chat to a debtor: single use, expiring, stored hashed."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)  # SHA-256, hex
    debtor_id: int = Field(foreign_key="debtor.id", index=True)
    created_at: datetime = _utc()
    expires_at: datetime = _utc()
    used_at: datetime | None = _utc(default=None)


class ChatSession(SQLModel, table=True):
    """Where a conversation in one Telegram chat stands: it resumes there after a restart."""

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_type=BigInteger, unique=True)
    debtor_id: int | None = Field(default=None, foreign_key="debtor.id", index=True)
    state: str = Field(default="", max_length=60)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = _utc()


class Dispute(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="debt_case.id", index=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    status: DisputeStatus = Field(default=DisputeStatus.OPEN, sa_type=EnumText(DisputeStatus))
    reason: str = Field(default="", sa_type=Text)
    opened_at: datetime = _utc()
    resolved_at: datetime | None = _utc(default=None)


class Event(SQLModel, table=True):
    """One line of a case's timeline. Never updated, never deleted (the database refuses both)."""

    __table_args__ = (Index("ix_event_case_at", "case_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="debt_case.id")
    at: datetime = _utc()
    kind: str = Field(max_length=60)
    actor: str = Field(max_length=60)
    from_state: CaseState | None = Field(default=None, sa_type=EnumText(CaseState))
    to_state: CaseState | None = Field(default=None, sa_type=EnumText(CaseState))
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class ImapCursor(SQLModel, table=True):
    """How far a mailbox has been read: a restart neither misses nor repeats a message."""

    id: int | None = Field(default=None, primary_key=True)
    mailbox: str = Field(max_length=400, unique=True)
    uidvalidity: int = Field(sa_type=BigInteger)
    last_uid: int = Field(default=0, sa_type=BigInteger)
    updated_at: datetime = _utc()
