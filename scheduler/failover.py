"""A reminder one channel will never deliver (refused, bounced): the next channel, else the owner."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from dialogs.alerts import Alert, AlertKind
from dialogs.escalation import LadderStep
from dialogs.parties import Channel
from scheduler.alerts import queue_alert
from scheduler.sweep import SweepPolicy, ladder_for, reachable_channels
from storage import outbox
from storage.case_changes import record
from storage.models import Case, Debtor, Message, MessageStatus


def fail_over(session: Session, policy: SweepPolicy, message: Message, case: Case, debtor: Debtor,
              now: datetime, error: str, *, kind: str = "reminder_failed") -> None:
    """Fail `message`, record why on its case, and queue it on the debtor's next reachable channel
    that its step allows; with none left, alert the owner."""
    message.status = MessageStatus.FAILED
    message.error = error
    record(session, case, kind, now=now, actor="dispatcher",
           data={"step": message.purpose, "channel": message.channel, "message": message.id, "error": error})
    nexts = [c for c in reachable_channels(debtor) if c is not message.channel
             and c in ladder_step(policy, debtor, message.purpose).channels]
    if nexts:
        _queue_on(session, message, case, debtor, nexts[0], now)
    else:
        queue_alert(session, policy.owner, Alert(AlertKind.DELIVERY_FAILED, case.id, f"{debtor.ref} {debtor.name}",
                                                 error), now, once_per=f"message:{message.id}")


def ladder_step(policy: SweepPolicy, debtor: Debtor, name: str) -> LadderStep:
    ladder = ladder_for(policy, debtor)
    return ladder.steps[min(ladder.index(name), len(ladder.steps) - 1)]


def _queue_on(session: Session, failed: Message, case: Case, debtor: Debtor, channel: Channel, now: datetime) -> None:
    recipient = debtor.email if channel is Channel.EMAIL else str(debtor.telegram_chat_id)
    body = failed.body or ""
    if failed.channel is Channel.EMAIL:
        body = outbox.body_for(channel, failed.subject, body)
    queued = outbox.queue(session, case_id=case.id, purpose=failed.purpose, channel=channel,
                          recipient=recipient, subject=failed.subject, body=body,
                          html=failed.html if channel is Channel.EMAIL else None,
                          stated_total=failed.stated_total, now=now)
    if queued is not None:
        session.flush()
        record(session, case, "reminder_queued", now=now, actor="dispatcher",
               data={"step": failed.purpose, "channel": channel, "message": queued.id, "instead_of": failed.id})
