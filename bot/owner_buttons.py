"""The owner's inline buttons: which ones each alert carries, and the callback data scheme.

Data is "o:<action>:<id>" (at most 64 bytes, Telegram's limit): the "o:" prefix routes it to the
owner's handlers, which act on it only in an owner chat. The id is a case, a plan or an inbound
message, as the action says. Nothing here does I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.telegram_channel import Buttons
from dialogs.alerts import AlertKind
from dialogs.parties import Language
from dialogs.states import ALLOWED, CaseState
from storage import outbox
from storage.models import Message

PREFIX = "o:"


class Action(StrEnum):
    CASE = "case"  # <case>: show the case
    APPROVE_NOTICE = "approve_notice"  # <case>
    PAUSE = "pause"  # <case>: also "postpone" a formal notice
    RESUME = "resume"  # <case>
    CLOSE = "close"  # <case>: asks to confirm (nothing leaves CLOSED)
    CLOSE_CONFIRMED = "close_yes"  # <case>
    PLAN_APPROVE = "plan_approve"  # <plan>
    PLAN_REJECT = "plan_reject"  # <plan>
    PLAN_COUNTER = "plan_counter"  # <plan>: how to propose another schedule (/counter)
    REVIEWED = "reviewed"  # <inbound message>


@dataclass(frozen=True, slots=True)
class Press:
    action: Action
    target: int


_LABELS: dict[Language, dict[str, str]] = {
    Language.FR: {
        Action.CASE: "Voir le dossier", Action.APPROVE_NOTICE: "Approuver la mise en demeure",
        "postpone": "Reporter (pause)", Action.PAUSE: "Mettre en pause", Action.RESUME: "Reprendre",
        Action.CLOSE: "Clore le dossier", Action.CLOSE_CONFIRMED: "Oui, clore le dossier {id}",
        Action.PLAN_APPROVE: "Accepter l'échéancier", Action.PLAN_REJECT: "Refuser l'échéancier",
        Action.PLAN_COUNTER: "Contre-proposer",
        Action.REVIEWED: "Marquer comme vu", "reviewed_one": "Vu : #{id}",
    },
    Language.EN: {
        Action.CASE: "Open the case", Action.APPROVE_NOTICE: "Approve the formal notice",
        "postpone": "Postpone (pause)", Action.PAUSE: "Pause", Action.RESUME: "Resume",
        Action.CLOSE: "Close the case", Action.CLOSE_CONFIRMED: "Yes, close case {id}",
        Action.PLAN_APPROVE: "Approve the plan", Action.PLAN_REJECT: "Reject the plan",
        Action.PLAN_COUNTER: "Counter-propose",
        Action.REVIEWED: "Mark as reviewed", "reviewed_one": "Reviewed: #{id}",
    },
}
# Alerts about a debtor's reply: the owner reads it in the case, then marks it seen.
_ABOUT_A_REPLY = frozenset({AlertKind.DISPUTE, AlertKind.PAYMENT_CLAIMED, AlertKind.REPLY_REVIEW,
                            AlertKind.WRONG_CONTACT})
# Something went wrong with the case's course: look at it, or stop reminding until it is understood.
_TROUBLE = frozenset({AlertKind.PLAN_BROKEN, AlertKind.PROMISE_BROKEN, AlertKind.BOUNCED, AlertKind.UNREACHABLE,
                      AlertKind.DELIVERY_FAILED, AlertKind.UNCONFIRMED, AlertKind.TIME_BAR, AlertKind.CHAT_STOPPED})
# scheduler.alerts widens an alert's idempotency key with ":plan:<id>" or ":message:<id>" (its once_per).
_RELATED = re.compile(r":(?P<kind>plan|message):(?P<id>\d+)$")


def data(action: Action, target: int) -> str:
    return f"{PREFIX}{action}:{target}"


def parse(callback_data: str) -> Press | None:
    """The owner action `callback_data` asks for, or None when it is not one (a forged or stale button)."""
    if not callback_data.startswith(PREFIX):
        return None
    action, _, target = callback_data.removeprefix(PREFIX).partition(":")
    if action not in Action.__members__.values() or not (target.isascii() and target.isdigit()):
        return None
    return Press(Action(action), int(target))


def label(language: Language, key: str, **values: object) -> str:
    return _LABELS[Language(language)][key].format(**values)


def alert_buttons(purpose: str, case_id: int | None, related_id: int | None, *,
                  language: Language = Language.FR) -> Buttons:
    """The buttons an owner alert with this outbox `purpose` carries on Telegram (none for most
    alerts without a case). `related_id` is the plan of a PLAN_REQUEST alert (a plan chosen), the
    inbound message of an alert about a reply; None when the alert has none."""
    kind = _kind(purpose)

    def button(action: Action, target: int, key: str = "") -> tuple[str, str]:
        return label(language, key or action), data(action, target)

    if kind is AlertKind.PLAN_REQUEST and related_id is not None:  # a plan chosen outside the bounds
        rows = [[button(Action.PLAN_APPROVE, related_id), button(Action.PLAN_REJECT, related_id)],
                [button(Action.PLAN_COUNTER, related_id)]]
        return rows + ([[button(Action.CASE, case_id)]] if case_id is not None else [])
    if kind in _ABOUT_A_REPLY or kind is AlertKind.PLAN_REQUEST:  # the latter: asked in words, no plan yet
        row = [button(Action.CASE, case_id)] if case_id is not None else []
        if related_id is not None and kind is not AlertKind.PLAN_REQUEST:
            row.append(button(Action.REVIEWED, related_id))
        return [row] if row else []
    if case_id is None:
        return []
    if kind is AlertKind.FORMAL_NOTICE:
        return [[button(Action.APPROVE_NOTICE, case_id)],
                [button(Action.PAUSE, case_id, "postpone"), button(Action.CLOSE, case_id)]]
    if kind in _TROUBLE:
        return [[button(Action.CASE, case_id), button(Action.PAUSE, case_id)]]
    if kind is AlertKind.AMICABLE_FAILED:
        return [[button(Action.CASE, case_id), button(Action.CLOSE, case_id)]]
    return []


def buttons_for(message: Message, language: Language) -> Buttons:
    """`alert_buttons` for the outbox row of an owner alert, its related id read from its key."""
    found = _RELATED.search(message.idempotency_key or "")
    wanted = "plan" if _kind(message.purpose) is AlertKind.PLAN_REQUEST else "message"
    related = int(found["id"]) if found is not None and found["kind"] == wanted else None
    return alert_buttons(message.purpose, message.case_id, related, language=language)


def case_buttons(state: CaseState, case_id: int, language: Language) -> Buttons:
    """What the owner may do from a case's page: the owner's transitions its state allows."""
    if state is CaseState.CLOSED:
        return []
    row = []
    if state is CaseState.NOTICE_PENDING:
        row.append((label(language, Action.APPROVE_NOTICE), data(Action.APPROVE_NOTICE, case_id)))
    if state is CaseState.PAUSED:
        row.append((label(language, Action.RESUME), data(Action.RESUME, case_id)))
    elif CaseState.PAUSED in ALLOWED[state]:
        row.append((label(language, Action.PAUSE), data(Action.PAUSE, case_id)))
    close = [(label(language, Action.CLOSE), data(Action.CLOSE, case_id))]
    return [row, close] if row else [close]


def reviewed_buttons(message_ids: list[int], language: Language) -> Buttons:
    """One "reviewed" button per waiting reply, three to a row."""
    buttons = [(label(language, "reviewed_one", id=m), data(Action.REVIEWED, m)) for m in message_ids]
    return [buttons[i:i + 3] for i in range(0, len(buttons), 3)]


def _kind(purpose: str) -> AlertKind | None:
    """The alert kind of an outbox purpose; None for the digest or a kind this version does not know."""
    name = purpose.removeprefix(outbox.ALERT)
    return AlertKind(name) if name in AlertKind.__members__.values() else None
