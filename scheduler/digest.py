"""The owner's daily digest by email: what happened yesterday, and what waits for the owner now.

Yesterday is read from the case timelines (Events) and the replies relance read; what waits is the
database as it stands. One digest a day, decided at the first tick from 08:00 firm time: an email
when there is something to say, else a SKIPPED outbox row that records the day as done.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from sqlmodel import Session, col, select

from dialogs.formatting import format_date
from dialogs.parties import Channel, Language
from dialogs.states import CaseState
from scheduler.alerts import Owner
from scheduler.calendar import BusinessCalendar
from storage import outbox
from storage.models import Case, Debtor, Event, Message, MessageStatus, PaymentPlan, PlanStatus, Reply
from storage.owner_review import waiting_replies

DIGEST = f"{outbox.ALERT}digest"
MAX_LISTED = 20  # cases named per "waiting" line; the rest are counted
# Event kinds the digest counts, by the line they go on.
_COUNTED = ("reminder_sent", "promise_received", "promise_broken", "plan_accepted", "plan_approved",
            "plan_requested", "plan_broken", "plan_completed", "plan_rejected", "dispute_opened",
            "payments_recorded", "settled", "closed_by_owner", "flagged_formal_notice", "notice_approved")

_TEXTS: dict[Language, dict[str, str]] = {
    Language.FR: {
        "subject": "relance : résumé du {day}",
        "yesterday": "Hier, {day} :",
        "since": "Depuis le {day} :",
        "reminders": "• Relances envoyées : {count} ({channels})",
        "replies": "• Réponses reçues : {count} ({actions})",
        "promises": "• Promesses de paiement : {made} reçues, {broken} non tenues",
        "plans": "• Échéanciers : {accepted} acceptés, {requested} demandés hors limites, {broken} rompus, "
                 "{completed} terminés, {rejected} refusés",
        "disputes": "• Contestations : {count}",
        "payments": "• Paiements enregistrés sur {count} dossiers ; {settled} dossiers soldés",
        "notices": "• Mises en demeure : {flagged} à décider, {approved} approuvées ; {closed} dossiers clos par vous",
        "nothing": "• Rien de nouveau.",
        "waiting": "Ce qui vous attend :",
        "wait_notices": "• Mises en demeure à approuver : {cases}",
        "wait_plans": "• Échéanciers à valider : {cases}",
        "wait_replies": "• Réponses à examiner : {count} (/review sur Telegram, ou relance replies --review)",
        "more": "et {count} autres",
    },
    Language.EN: {
        "subject": "relance: summary of {day}",
        "yesterday": "Yesterday, {day}:",
        "since": "Since {day}:",
        "reminders": "• Reminders sent: {count} ({channels})",
        "replies": "• Replies received: {count} ({actions})",
        "promises": "• Promises to pay: {made} received, {broken} broken",
        "plans": "• Payment plans: {accepted} accepted, {requested} requested outside the bounds, {broken} broken, "
                 "{completed} completed, {rejected} rejected",
        "disputes": "• Disputes: {count}",
        "payments": "• Payments recorded on {count} cases; {settled} cases settled",
        "notices": "• Formal notices: {flagged} to decide, {approved} approved; {closed} cases closed by you",
        "nothing": "• Nothing new.",
        "waiting": "Waiting for you:",
        "wait_notices": "• Formal notices to approve: {cases}",
        "wait_plans": "• Payment plans to approve: {cases}",
        "wait_replies": "• Replies to review: {count} (/review on Telegram, or relance replies --review)",
        "more": "and {count} more",
    },
}
_ACTIONS: dict[Language, dict[str, str]] = {
    Language.FR: {"promise": "promesse", "payment_claimed": "paiement annoncé", "dispute": "contestation",
                  "plan_request": "demande d'échéancier", "plan_choice": "choix d'échéancier",
                  "wrong_contact": "mauvais contact", "bounce": "rejet", "auto_reply": "réponse automatique",
                  "review": "à examiner", "": "non lue"},
    Language.EN: {"promise": "promise", "payment_claimed": "payment claimed", "dispute": "dispute",
                  "plan_request": "plan request", "plan_choice": "plan chosen", "wrong_contact": "wrong contact",
                  "bounce": "bounce", "auto_reply": "auto-reply", "review": "to review", "": "unread"},
}


@dataclass(frozen=True, slots=True)
class DayFacts:
    """What the digest says: the counts since `day`, and what waits now."""

    day: date  # the first day covered
    single_day: bool  # only yesterday
    events: Counter[str]
    reminder_channels: Counter[str]
    reply_actions: Counter[str]
    notices_waiting: tuple[str, ...]  # "#12 C042 Boulangerie Martin"
    plans_waiting: tuple[str, ...]  # "#5 (#12 C042 Boulangerie Martin)"
    replies_waiting: int

    @property
    def quiet(self) -> bool:
        return not (self.events or self.reply_actions or self.notices_waiting or self.plans_waiting
                    or self.replies_waiting)


def digest(session: Session, *, today: date, tz: tzinfo, language: Language,
           since: date | None = None) -> tuple[str, str] | None:
    """Subject and text of the digest sent on `today` (about the days from `since`, by default the day
    before, to yesterday, in the firm's `tz`), or None when there is nothing to say."""
    facts = day_facts(session, today=today, tz=tz, since=since)
    return None if facts.quiet else render(facts, language)


def queue_digest(session: Session, owner: Owner, now: datetime, *, calendar: BusinessCalendar) -> bool:
    """Queue today's digest to the owner's email, once a working day, when the sending window opens;
    it covers the days since the previous working day (a Monday's covers the weekend). True if queued.
    The caller commits."""
    tz = calendar.tz
    local = now.astimezone(tz)
    if not owner.email or not calendar.is_open(now):
        return False
    key = outbox.idempotency_key(None, DIGEST, Channel.EMAIL, owner.email) + f":{local.date().isoformat()}"
    if session.exec(select(Message.id).where(Message.idempotency_key == key)).first() is not None:
        return False  # decided earlier today (checked first: the digest's queries are not free)
    since = local.date() - timedelta(days=1)
    while not calendar.is_business_day(since) and since > local.date() - timedelta(days=14):
        since -= timedelta(days=1)
    found = digest(session, today=local.date(), tz=tz, language=owner.language, since=since)
    subject, text = found if found is not None else (None, "")
    queued = outbox.queue(session, case_id=None, purpose=DIGEST, channel=Channel.EMAIL, recipient=owner.email,
                          subject=subject, body=text, now=now, key=key)
    if queued is not None and found is None:
        queued.status = MessageStatus.SKIPPED  # nothing to say today: the day is done all the same
    return queued is not None and found is not None


def day_facts(session: Session, *, today: date, tz: tzinfo, since: date | None = None) -> DayFacts:
    first = since or today - timedelta(days=1)
    start = datetime.combine(first, time(0), tz)
    end = datetime.combine(today, time(0), tz)
    events: Counter[str] = Counter()
    channels: Counter[str] = Counter()
    for kind, data in session.exec(select(Event.kind, Event.data).where(
            Event.at >= start, Event.at < end, col(Event.kind).in_(_COUNTED))):
        events[kind] += 1
        if kind == "reminder_sent":
            channels[str(data.get("channel", ""))] += 1
    actions: Counter[str] = Counter(str(details.get("action") or "") for details in session.exec(
        select(Reply.details).where(Reply.created_at >= start, Reply.created_at < end)))
    notices = session.exec(select(Case.id, Debtor.ref, Debtor.name).join(Debtor, col(Debtor.id) == Case.debtor_id)
                           .where(Case.state == CaseState.NOTICE_PENDING).order_by(col(Case.id))).all()
    plans = session.exec(select(PaymentPlan.id, Case.id, Debtor.ref, Debtor.name)
                         .join(Case, col(Case.id) == PaymentPlan.case_id)
                         .join(Debtor, col(Debtor.id) == Case.debtor_id)
                         .where(PaymentPlan.status == PlanStatus.PROPOSED, Case.state != CaseState.CLOSED)
                         .order_by(col(PaymentPlan.id))).all()
    return DayFacts(
        day=first, events=events, single_day=first == today - timedelta(days=1), reminder_channels=channels, reply_actions=actions,
        notices_waiting=tuple(f"#{case} {ref} {name}" for case, ref, name in notices),
        plans_waiting=tuple(f"#{plan} (#{case} {ref} {name})" for plan, case, ref, name in plans),
        replies_waiting=len(waiting_replies(session)),  # counted up to 200: /review shows them anyway
    )


def render(facts: DayFacts, language: Language) -> tuple[str, str]:
    """The digest's subject and plain text; names are data, put in as they are (the email is text only)."""
    def say(key: str, **values: object) -> str:
        return _TEXTS[Language(language)][key].format(**values)

    e = facts.events
    day = format_date(facts.day, language)
    lines = [say("yesterday" if facts.single_day else "since", day=day)]
    if e["reminder_sent"]:
        lines.append(say("reminders", count=e["reminder_sent"], channels=_counts(facts.reminder_channels)))
    if facts.reply_actions:
        labels = Counter({_ACTIONS[language].get(a, a): n for a, n in facts.reply_actions.items()})
        lines.append(say("replies", count=facts.reply_actions.total(), actions=_counts(labels)))
    if e["promise_received"] or e["promise_broken"]:
        lines.append(say("promises", made=e["promise_received"], broken=e["promise_broken"]))
    if any(e[k] for k in ("plan_accepted", "plan_approved", "plan_requested", "plan_broken", "plan_completed",
                          "plan_rejected")):
        lines.append(say("plans", accepted=e["plan_accepted"] + e["plan_approved"], requested=e["plan_requested"],
                         broken=e["plan_broken"], completed=e["plan_completed"], rejected=e["plan_rejected"]))
    if e["dispute_opened"]:
        lines.append(say("disputes", count=e["dispute_opened"]))
    if e["payments_recorded"] or e["settled"]:
        lines.append(say("payments", count=e["payments_recorded"], settled=e["settled"]))
    if e["flagged_formal_notice"] or e["notice_approved"] or e["closed_by_owner"]:
        lines.append(say("notices", flagged=e["flagged_formal_notice"], approved=e["notice_approved"],
                         closed=e["closed_by_owner"]))
    if len(lines) == 1:
        lines.append(say("nothing"))
    waiting = []
    if facts.notices_waiting:
        waiting.append(say("wait_notices", cases=_listed(facts.notices_waiting, say)))
    if facts.plans_waiting:
        waiting.append(say("wait_plans", cases=_listed(facts.plans_waiting, say)))
    if facts.replies_waiting:
        waiting.append(say("wait_replies", count=facts.replies_waiting))
    if waiting:
        lines += ["", say("waiting"), *waiting]
    return say("subject", day=day), "\n".join(lines)


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{name or '?'} {n}" for name, n in counter.most_common())


def _listed(items: tuple[str, ...], say: Callable[..., str]) -> str:
    shown = ", ".join(items[:MAX_LISTED])
    more = len(items) - MAX_LISTED
    return shown if more <= 0 else f"{shown}, {say('more', count=more)}"
