"""What the owner changes by hand: a debtor's reminder settings, pausing and resuming a case."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from dialogs.states import CaseState
from storage.case_changes import record
from storage.debtor_cases import open_cases
from storage.models import Case, Debtor

SETTINGS = ("excluded", "ladder", "channel_order", "opted_out", "language")


class NotFound(LookupError):
    """No debtor or case answers to that reference."""


def change_debtor(session: Session, ref: str, changes: Mapping[str, Any], *, now: datetime) -> dict[str, list[Any]]:
    """Apply `changes` (keys from SETTINGS) to debtor `ref`; the open case's timeline records old and new.

    Returns what actually changed, as {setting: [old, new]}.
    """
    debtor = session.exec(select(Debtor).where(Debtor.ref == ref)).first()
    if debtor is None:
        raise NotFound(f"no debtor with reference {ref!r}")
    diff = {k: [getattr(debtor, k), v] for k, v in changes.items() if getattr(debtor, k) != v}
    for key, (_, new) in diff.items():
        setattr(debtor, key, new)
    case = open_cases(session, [debtor.id or 0]).get(debtor.id or 0)
    if diff and case is not None:
        record(session, case, "debtor_settings_changed", now=now, actor="owner", data=diff)
        case.next_action_at = now  # decide again with the new settings
    return diff


def pause(session: Session, case: Case, *, now: datetime, reason: str) -> None:
    record(session, case, "paused", now=now, actor="owner", to_state=CaseState.PAUSED, data={"reason": reason})
    case.next_action_at = None


def resume(session: Session, case: Case, *, now: datetime) -> None:
    record(session, case, "resumed", now=now, actor="owner", to_state=CaseState.ACTIVE)
    case.next_action_at = now
