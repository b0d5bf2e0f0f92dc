"""Owner alerts as outbox rows: by email and on each owner chat, once per case, kind and key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from dialogs.alerts import Alert, alert_message
from dialogs.parties import Channel, Language
from storage import outbox


@dataclass(frozen=True, slots=True)
class Owner:
    email: str
    chat_ids: tuple[int, ...]
    language: Language


def queue_alert(session: Session, owner: Owner, alert: Alert, now: datetime, *, once_per: str = "") -> int:
    """Queue `alert` to every owner contact; `once_per` widens the key (e.g. a day) for repeatable alerts.

    Returns how many rows were queued (0 when the same alert was queued before).
    """
    subject, text = alert_message(alert, owner.language)
    purpose = f"{outbox.ALERT}{alert.kind}"
    targets = [(Channel.EMAIL, owner.email)] if owner.email else []
    targets += [(Channel.TELEGRAM, str(chat)) for chat in owner.chat_ids]
    queued = 0
    for channel, recipient in targets:
        key = outbox.idempotency_key(alert.case_id, purpose, channel, recipient) + (f":{once_per}" if once_per else "")
        if outbox.queue(session, case_id=alert.case_id, purpose=purpose, channel=channel, recipient=recipient,
                        subject=subject, body=outbox.body_for(channel, subject, text), now=now, key=key) is not None:
            queued += 1
    return queued
