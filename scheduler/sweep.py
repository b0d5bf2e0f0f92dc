"""The sweep: every case whose next action time has come is decided, as of an injected instant.

Decisions and their effects — events, outbox rows, the case's next action time — are written in
one transaction per batch; each case in a savepoint, so one broken case never blocks the others.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from dialogs.alerts import Alert, AlertKind
from dialogs.escalation import (
    Act,
    CaseFacts,
    Ladder,
    NoticeExpired,
    PromiseLapsed,
    StepAction,
    Wait,
    decide,
)
from dialogs.legal import LegalTerms
from dialogs.parties import Channel
from dialogs.states import CaseState
from scheduler.alerts import Owner, queue_alert
from scheduler.calendar import BusinessCalendar
from scheduler.claims import claim_preview
from scheduler.compose import Composer
from scheduler.plan_follow import PlanFollowing
from storage import outbox
from storage.case_changes import EventBuffer, record
from storage.case_files import CaseFile, due_case_ids, load_case_files, total_due
from storage.chat_links import chat_link, new_token, token_rows
from storage.models import Case, ChatToken, Debtor, Promise, PromiseStatus

log = logging.getLogger("scheduler.sweep")
DEFAULT_LADDER = "default"
DEFAULT_CHANNEL_ORDER = (Channel.EMAIL, Channel.TELEGRAM)


@dataclass(frozen=True, slots=True)
class SweepPolicy:
    ladders: Mapping[str, Ladder]  # DEFAULT_LADDER and the named ones
    calendar: BusinessCalendar
    min_days_between_contacts: int
    min_balance: Decimal
    promise_grace_days: int
    owner: Owner
    max_broken_promises: int = 2
    plans: PlanFollowing | None = None  # how a case under an accepted payment plan is followed
    chat_bot: str = ""  # the Telegram bot's username: reminders then carry a link to start the chat
    legal_terms: LegalTerms | None = None  # with them, a formal-notice alert previews what it would claim
    chat_link_days: int = 30


@dataclass(frozen=True, slots=True)
class Planned:
    case_id: int
    debtor: str
    step: str
    channel: Channel | None
    recipient: str | None
    subject: str | None


@dataclass(slots=True)
class SweepReport:
    examined: int = 0
    queued: int = 0
    flagged: int = 0
    postponed: int = 0
    waiting: int = 0
    skipped_steps: int = 0
    unreachable: int = 0
    errors: int = 0
    planned: list[Planned] = field(default_factory=list)


def sweep(engine: Engine, policy: SweepPolicy, composer: Composer, *, now: datetime, dry_run: bool = False,
          batch: int = 500) -> SweepReport:
    """Decide every case due at `now`; with `dry_run`, decide and report but write nothing."""
    report = SweepReport()
    failed: set[int] = set()
    with Session(engine, expire_on_commit=False) as session:
        while ids := [i for i in due_case_ids(session, now, batch + len(failed)) if i not in failed]:
            # One flush per batch, at its commit: a flush per case costs more than deciding it.
            with session.no_autoflush:
                files = load_case_files(session, ids[:batch])
                writes = _Writes(outbox.keys_of(session, [f.case.id or 0 for f in files]), [], EventBuffer())
                for file in files:
                    report.examined += 1
                    try:
                        _decide_case(session, file, policy, composer, now, report, writes)
                    except Exception:  # a bug in one case must not stop the firm's other reminders
                        failed.add(file.case.id or 0)
                        report.errors += 1
                        log.exception("case=%s sweep failed; left for the next sweep", file.case.id)
            outbox.write_bulk(session, writes.messages)
            writes.events.write(session)
            if writes.tokens:
                session.execute(insert(ChatToken), token_rows(writes.tokens, now=now, days=policy.chat_link_days))
            session.flush()
            if not dry_run:
                session.commit()
        if dry_run:
            session.rollback()
    return report


@dataclass(slots=True)
class _Writes:
    """A batch's rows, inserted together at its end: one statement each instead of thousands of objects."""

    known: set[str]  # idempotency keys already taken by these cases' messages
    messages: list[dict[str, Any]]
    events: EventBuffer
    tokens: dict[int, str] = field(default_factory=dict)  # chat-link tokens drawn, by debtor id


def _decide_case(session: Session, file: CaseFile, policy: SweepPolicy, composer: Composer, now: datetime,
                 report: SweepReport, writes: _Writes) -> None:
    """Decide one case and write its effects; whatever can fail (the wording) runs before any write."""
    case, debtor = file.case, file.debtor
    calendar = policy.calendar
    today = now.astimezone(calendar.tz).date()
    ladder = ladder_for(policy, debtor)
    decision = decide(_facts(file, policy), ladder, today=today, min_balance=policy.min_balance)
    if case.state is CaseState.IN_PLAN and file.plan_active and policy.plans is not None:
        policy.plans.follow(session, case, debtor, now, writes.events)
        return
    if isinstance(decision, NoticeExpired):
        record(session, case, "amicable_failed", now=now, actor="scheduler", to_state=CaseState.AMICABLE_FAILED,
               data={"deadline": decision.deadline, "balance": total_due(file.invoices)}, into=writes.events)
        queue_alert(session, policy.owner, Alert(AlertKind.AMICABLE_FAILED, case.id, _who(debtor),
                                                 str(decision.deadline)), now)
        case.next_action_at = None
        return
    if isinstance(decision, PromiseLapsed):
        if _promise_lapsed(session, file, decision.promised_until, now, writes.events, policy):
            report.flagged += 1
            case.next_action_at = None
            return
        decision = decide(_facts(file, policy), ladder, today=today, min_balance=policy.min_balance)
    if isinstance(decision, Wait):
        report.waiting += 1
        case.next_action_at = None if decision.until is None else calendar.next_send_time(
            _midnight(decision.until, calendar), case.last_contact_at, policy.min_days_between_contacts)
        return
    assert isinstance(decision, Act)
    step = decision.step
    # A flag waits like a reminder: the last reminder announced it, the debtor gets the gap to answer.
    send_at = calendar.next_send_time(now, case.last_contact_at, policy.min_days_between_contacts)
    if send_at > now:
        report.postponed += 1
        case.next_action_at = send_at
        return
    reminder = None
    if step.action is StepAction.REMIND and decision.channels:
        reminder = _compose(file, decision, composer, today, _chat_link(file.debtor, decision, policy, writes))
    for skipped in decision.skipped:
        report.skipped_steps += 1
        record(session, case, "step_skipped", now=now, actor="scheduler",
               data={"step": skipped.name, "because": f"{step.name} is due too"}, into=writes.events)
    case.last_step = step.name
    if step.action is StepAction.FLAG_FORMAL_NOTICE:
        report.flagged += 1
        record(session, case, "flagged_formal_notice", now=now, actor="scheduler", to_state=CaseState.NOTICE_PENDING,
               data={"step": step.name, "balance": total_due(file.invoices)}, into=writes.events)
        queue_alert(session, policy.owner, Alert(AlertKind.FORMAL_NOTICE, case.id, _who(debtor),
                                                 _preview(session, case, policy, today)), now)
        case.next_action_at = None
        return
    if reminder is None:
        report.unreachable += 1
        record(session, case, "step_unreachable", now=now, actor="scheduler", data={"step": step.name},
               into=writes.events)
        queue_alert(session, policy.owner, Alert(AlertKind.UNREACHABLE, case.id, _who(debtor), step.name), now)
    else:
        _queue_reminder(session, file, reminder, now, report, writes)
    # The next step counts its gap from now; `last_contact_at` itself moves only on delivery.
    pending = ladder.steps[ladder.index(step.name) + 1:]
    oldest_due = min(i.due_date for i in file.invoices if i.balance > 0)
    case.next_action_at = calendar.next_send_time(
        _midnight(ladder.due_on(pending[0], oldest_due), calendar), now, policy.min_days_between_contacts
    ) if pending else None


@dataclass(frozen=True, slots=True)
class _Reminder:
    step: str
    channel: Channel
    recipient: str
    subject: str
    body: str
    html: str | None
    total: Decimal
    currency: str


def _preview(session: Session, case: Case, policy: SweepPolicy, today: date) -> str:
    if policy.legal_terms is None:
        return ""
    return claim_preview(session, case, terms=policy.legal_terms, today=today, language=policy.owner.language)


def _chat_link(debtor: Debtor, decision: Act, policy: SweepPolicy, writes: _Writes) -> str | None:
    """A single-use link to start the chat, in an email to a debtor not yet in it (its token is
    stored hashed with the batch)."""
    if (not policy.chat_bot or decision.channels[0] is not Channel.EMAIL or debtor.telegram_chat_id is not None
            or Channel.TELEGRAM in {c.strip() for c in debtor.opted_out.split(",")}):
        return None
    token = writes.tokens.setdefault(debtor.id or 0, new_token())
    return chat_link(policy.chat_bot, token)


def _compose(file: CaseFile, decision: Act, composer: Composer, today: date, chat_link: str | None) -> _Reminder:
    debtor, step = file.debtor, decision.step
    channel = decision.channels[0]
    statement = composer.statement(file, today)
    rendered = composer.reminder(file, step, today, statement, chat_link=chat_link)
    email = channel is Channel.EMAIL
    return _Reminder(step=step.name, channel=channel,
                     recipient=(debtor.email or "") if email else str(debtor.telegram_chat_id),
                     subject=rendered.subject, body=outbox.body_for(channel, rendered.subject, rendered.text),
                     html=rendered.html if email else None, total=statement.total, currency=statement.currency)


def _queue_reminder(session: Session, file: CaseFile, reminder: _Reminder, now: datetime,
                    report: SweepReport, writes: _Writes) -> None:
    case = file.case
    key = outbox.queue_bulk(writes.messages, writes.known, case_id=case.id or 0, purpose=reminder.step,
                            channel=reminder.channel, recipient=reminder.recipient, subject=reminder.subject,
                            body=reminder.body, html=reminder.html, stated_total=reminder.total, now=now)
    if key is None:
        return  # already queued by an earlier sweep: exactly once
    report.queued += 1
    report.planned.append(Planned(case.id or 0, _who(file.debtor), reminder.step, reminder.channel,
                                  reminder.recipient, reminder.subject))
    record(session, case, "reminder_queued", now=now, actor="scheduler",
           data={"step": reminder.step, "channel": reminder.channel, "message": key, "total": reminder.total,
                 "currency": reminder.currency}, into=writes.events)


def _facts(file: CaseFile, policy: SweepPolicy) -> CaseFacts:
    debtor = file.debtor
    owed = [i for i in file.invoices if i.balance > 0]
    grace = policy.promise_grace_days
    return CaseFacts(
        case_id=file.case.id or 0,
        state=file.case.state,
        last_step=file.case.last_step,
        oldest_due=min((i.due_date for i in owed), default=None),
        total_due=total_due(file.invoices),
        paused=debtor.excluded,
        promise_until=None if file.promised_on is None else file.promised_on + timedelta(days=grace),
        plan_on_time=file.plan_active,
        channels=reachable_channels(debtor),
        notice_deadline=file.notice_deadline,
    )


def ladder_for(policy: SweepPolicy, debtor: Debtor) -> Ladder:
    """The debtor's own ladder if the owner gave one that exists, else the default."""
    return policy.ladders.get(debtor.ladder or DEFAULT_LADDER, policy.ladders[DEFAULT_LADDER])


def reachable_channels(debtor: Debtor) -> tuple[Channel, ...]:
    """The debtor's channels in the owner's order, without opted-out or unusable ones."""
    order = [Channel(c.strip()) for c in debtor.channel_order.split(",")] if debtor.channel_order else DEFAULT_CHANNEL_ORDER
    opted_out = {c.strip() for c in debtor.opted_out.split(",") if c.strip()}
    usable = {Channel.EMAIL: bool(debtor.email) and not debtor.email_invalid,
              Channel.TELEGRAM: debtor.telegram_chat_id is not None}
    return tuple(c for c in order if usable[c] and c not in opted_out)


def _promise_lapsed(session: Session, file: CaseFile, until: date, now: datetime, events: EventBuffer,
                    policy: SweepPolicy) -> bool:
    """Mark the case's pending promises broken; back to the ladder, or — the debtor has now broken
    `max_broken_promises` — flagged for a formal notice (returns True then)."""
    for promise in session.exec(_pending_promises(file.case.id or 0)):
        promise.status = PromiseStatus.BROKEN
        promise.resolved_at = now
    session.flush()
    broken = session.exec(select(func.count()).select_from(Promise).where(
        Promise.case_id == file.case.id, Promise.status == PromiseStatus.BROKEN)).one()
    escalate = broken >= policy.max_broken_promises
    record(session, file.case, "promise_broken", now=now, actor="scheduler",
           to_state=CaseState.NOTICE_PENDING if escalate else CaseState.ACTIVE,
           data={"promised_until": until, "broken_promises": broken}, into=events)
    if escalate:
        preview = _preview(session, file.case, policy, now.astimezone(policy.calendar.tz).date())
        queue_alert(session, policy.owner, Alert(AlertKind.FORMAL_NOTICE, file.case.id, _who(file.debtor),
                                                 f"{broken} promises broken. {preview}".strip()), now)
    else:
        queue_alert(session, policy.owner, Alert(AlertKind.PROMISE_BROKEN, file.case.id, _who(file.debtor),
                                                 until.isoformat()), now, once_per=f"promise:{broken}")
    return escalate


def _pending_promises(case_id: int) -> Any:
    return select(Promise).where(Promise.case_id == case_id, Promise.status == PromiseStatus.PENDING)


def _who(debtor: Debtor) -> str:
    return f"{debtor.ref} {debtor.name}"


def _midnight(day: date, calendar: BusinessCalendar) -> datetime:
    return datetime.combine(day, time(0), tzinfo=calendar.tz).astimezone(UTC)
