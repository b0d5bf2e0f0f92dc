"""The one place a case changes: the transition is checked and its Event appended, together."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session

from dialogs.states import CaseState, check_transition
from storage.models import Case, Event


def record(
    session: Session,
    case: Case,
    kind: str,
    *,
    now: datetime,
    actor: str,
    data: Mapping[str, Any] | None = None,
    to_state: CaseState | None = None,
    into: EventBuffer | None = None,
) -> None:
    """Append an Event to `case`, moving it to `to_state` first if given (checked, else TransitionError).

    The caller's session commits both or neither; nothing else in the code writes Case.state.
    With `into`, the Event waits in that buffer for the caller's bulk insert, in the same transaction.
    """
    if case.id is None:
        session.add(case)
        session.flush()
    from_state = case.state
    if to_state is not None:
        check_transition(from_state, to_state)
        case.state = to_state
        if to_state is CaseState.CLOSED:
            case.closed_at = now
            case.next_action_at = None
    case.updated_at = now
    row = {"case_id": case.id, "at": now, "kind": kind, "actor": actor,
           "from_state": from_state if to_state is not None else None, "to_state": to_state,
           "data": jsonable(data or {})}
    if into is None:
        session.add(Event(**row))
    else:
        into.rows.append(row)


class EventBuffer:
    """Events to be written in one INSERT: the sweep appends thousands, one by one costs more than deciding."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def write(self, session: Session) -> None:
        if self.rows:
            session.execute(insert(Event), self.rows)
            self.rows = []


def jsonable(value: Any) -> Any:
    """Event data is stored as JSON: Decimals stay exact as strings, dates as ISO 8601."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (Decimal, date, datetime)):
        return str(value) if isinstance(value, Decimal) else value.isoformat()
    return value
