"""Which case an inbound message is about: the thread it answers, then the invoices it names,
then who sent it — the first that finds an open case wins."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from storage.models import Case, Debtor, Direction, Invoice, Message


@dataclass(frozen=True, slots=True)
class Match:
    case: Case | None
    debtor: Debtor | None
    by: str  # "in_reply_to", "invoice", "sender", or "" when nothing matched
    # Matched through the thread or an invoice, but sent from an address that is not the debtor's.
    foreign_sender: bool = False
    answered: Message | None = None  # our message it answers (or, for a bounce, the one that bounced)


NO_MATCH = Match(None, None, "")


def match_reply(session: Session, *, message_ids: Sequence[str], invoice_refs: Sequence[str],
                sender: str | None) -> Match:
    """`message_ids`: In-Reply-To and References (for a bounce, every Message-ID it quotes)."""
    sender = (sender or "").lower()
    answered = _ours(session, message_ids)
    if answered is not None and answered.case_id is not None:
        case = session.get(Case, answered.case_id)
        if case is not None:
            return _match(session, _current(session, case), "in_reply_to", sender, answered)
    case = _by_invoice(session, invoice_refs)
    if case is not None:
        return _match(session, case, "invoice", sender, None)
    if sender:
        debtor = session.exec(select(Debtor).where(func.lower(Debtor.email) == sender)).first()
        if debtor is not None:
            case = _latest_case(session, debtor.id or 0)
            if case is not None:
                return Match(case, debtor, "sender")
    return NO_MATCH


def debtors_at(session: Session, address: str) -> list[Debtor]:
    return list(session.exec(select(Debtor).where(func.lower(Debtor.email) == address.lower())))


def _match(session: Session, case: Case, by: str, sender: str, answered: Message | None) -> Match:
    debtor = session.get(Debtor, case.debtor_id)
    foreign = debtor is None or (debtor.email or "").lower() != sender
    return Match(case, debtor, by, foreign_sender=foreign, answered=answered)


def _ours(session: Session, message_ids: Sequence[str]) -> Message | None:
    if not message_ids:
        return None
    query = (select(Message).where(col(Message.message_id).in_(list(message_ids)), Message.direction == Direction.OUT)
             .order_by(col(Message.id).desc()))
    return session.exec(query).first()


def _by_invoice(session: Session, refs: Sequence[str]) -> Case | None:
    if not refs:
        return None
    query = (select(Case).join(Invoice, col(Invoice.case_id) == Case.id)
             .where(func.upper(Invoice.number).in_([r.upper() for r in refs])).order_by(col(Case.id).desc()))
    case = session.exec(query).first()
    return None if case is None else _current(session, case)


def _current(session: Session, case: Case) -> Case:
    """A reply to an old, closed case concerns the debtor's open one if there is one now."""
    if case.closed_at is None:
        return case
    return _latest_case(session, case.debtor_id) or case


def _latest_case(session: Session, debtor_id: int) -> Case | None:
    """The debtor's open case, else their most recent one."""
    query = (select(Case).where(Case.debtor_id == debtor_id)
             .order_by(col(Case.closed_at).is_not(None), col(Case.id).desc()))
    return session.exec(query).first()
