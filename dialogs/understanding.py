"""Understanding a debtor's reply: what arrived, what it means, and the dates, sums, invoices and
addresses it names — pure, from the raw email (or a chat text) and the moment it was written."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from email import message_from_bytes
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from dialogs.amounts import MoneyMention, MoneyRole, find_amounts
from dialogs.arrival import ADDRESS, ArrivalKind, classify_arrival
from dialogs.dates import DateMention, find_dates, return_date
from dialogs.folding import fold
from dialogs.headers import READING, RawHeaders
from dialogs.installments import Installment, Proposal, propose
from dialogs.intent_model import shipped
from dialogs.intents import Evidence, Intent, decide, find_evidence
from dialogs.parties import Language
from dialogs.reply_text import forwarded_text, strip_reply, text_body

__all__ = ["ArrivalKind", "Installment", "Intent", "Understanding", "understand_email", "understand_text"]

PARIS = ZoneInfo("Europe/Paris")
# Below this the rules are unsure (it is also replies.min_confidence's default) and the learned model is
# asked. Its answer replaces theirs only when it is clear-cut, and then with a confidence that still asks
# the owner: on replies it had not seen it was right about seven times in ten. Where the rules found
# nothing at all the reply is often truly "other" (a question, thanks), so the model must be near-certain
# there. The thresholds were chosen on sets the model was not trained on (README, reply understanding).
UNSURE = 0.5
LEARNED_PROBABILITY = 0.95
LEARNED_PROBABILITY_OVER_NOTHING = 0.999
LEARNED_CONFIDENCE = 0.45


@dataclass(frozen=True)
class Understanding:
    kind: ArrivalKind
    intent: Intent
    promised_date: date | None
    amount: Decimal | None
    currency: str | None
    invoice_refs: tuple[str, ...]
    installments: tuple[Installment, ...]
    failed_recipient: str | None
    new_contact: str | None
    back_on: date | None
    confidence: float
    evidence: tuple[str, ...]
    language: Language | None
    new_text: str

    def as_json(self) -> dict[str, object]:
        """The shape `relance parse-reply --json` prints (without the file name)."""
        return {
            "kind": str(self.kind),
            "intent": str(self.intent),
            "promised_date": _iso(self.promised_date),
            "amount": _money(self.amount),
            "currency": self.currency,
            "invoice_refs": list(self.invoice_refs),
            "installments": [{"date": _iso(i.date), "amount": _money(i.amount)} for i in self.installments],
            "failed_recipient": self.failed_recipient,
            "new_contact": self.new_contact,
            "back_on": _iso(self.back_on),
            "confidence": self.confidence,
            "evidence": list(self.evidence),
        }


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _money(amount: Decimal | None) -> str | None:
    return str(amount.quantize(Decimal("0.01"))) if amount is not None else None


def _unreadable(kind: ArrivalKind = ArrivalKind.HUMAN, new_text: str = "") -> Understanding:
    return Understanding(kind, Intent.OTHER, None, None, None, (), (), None, None, None, 0.0, (), None, new_text)


def understand_email(raw: bytes, *, known_refs: Collection[str] = (),
                     default_tz: tzinfo = PARIS) -> Understanding:
    """Understand one raw inbound email. Never raises: unreadable mail is intent other, confidence 0.

    Relative dates are resolved against the Date header in the sender's own UTC offset; `default_tz`
    only places a Date without an offset ("-0000") or, lacking a Date, our server's Received stamp.
    """
    try:
        msg = message_from_bytes(raw, policy=READING)
        return _understand_message(msg, known_refs, default_tz)
    except Exception:  # the contract: any mail, however broken, yields an Understanding for the owner
        return _unreadable()


def understand_text(text: str, *, sent_at: datetime, known_refs: Collection[str] = ()) -> Understanding:
    """Understand free text already known to be the debtor's own words (a chat message).

    `sent_at` is aware and in the writer's timezone; its date is "today" for relative dates.
    """
    return _understand(text, ArrivalKind.HUMAN, sent_at, known_refs, frozenset())


def _understand_message(msg: Message, known_refs: Collection[str], default_tz: tzinfo) -> Understanding:
    headers = RawHeaders(msg)
    body = text_body(msg)
    new_text = strip_reply(body)
    sent = _sent_at(headers, default_tz)
    today = sent.date() if sent else None
    arrival = classify_arrival(msg, body, headers)
    if arrival.kind is ArrivalKind.BOUNCE:
        return Understanding(ArrivalKind.BOUNCE, Intent.BOUNCE, None, None, None, (), (), arrival.failed_recipient,
                             None, None, arrival.confidence, arrival.evidence, guess_language(new_text), new_text)
    if arrival.kind is ArrivalKind.AUTO_REPLY:
        back_on = (return_date(new_text or body, today, month_first=_month_first(guess_language(new_text), sent))
                   if today else None)
        return Understanding(ArrivalKind.AUTO_REPLY, Intent.AUTO_REPLY, None, None, None, (), (), None, None,
                             back_on, arrival.confidence, arrival.evidence, guess_language(new_text), new_text)
    own = frozenset(a.lower() for _, a in getaddresses(headers.all("From") + headers.all("To")) if a)
    return _understand(new_text, ArrivalKind.HUMAN, sent, known_refs, own, forwarded=forwarded_text(body),
                       answered=(headers.text("Subject"), body))


def _sent_at(headers: RawHeaders, default_tz: tzinfo) -> datetime | None:
    """When the sender wrote, in the sender's offset: the Date header, else the newest Received stamp."""
    candidates = [headers.first("Date")] + [r.rpartition(";")[2] for r in headers.all("Received")[:1]]
    for value in candidates:
        try:
            sent = parsedate_to_datetime(value.strip())
        except (TypeError, ValueError, IndexError):
            continue
        if sent.tzinfo is None:  # "-0000": the offset is unknown (RFC 5322 §3.3); UTC, seen from here
            sent = sent.replace(tzinfo=timezone.utc).astimezone(default_tz)
        return sent
    return None


# The Americas, where an English writer puts the month first ("1/8" is January 8).
_AMERICAN_OFFSETS = (timedelta(hours=-10), timedelta(hours=-3))


def _month_first(language: Language | None, sent: datetime | None) -> bool:
    offset = sent.utcoffset() if sent else None
    return language is Language.EN and offset is not None and _AMERICAN_OFFSETS[0] <= offset <= _AMERICAN_OFFSETS[1]


def _understand(text: str, kind: ArrivalKind, sent: datetime | None, known_refs: Collection[str],
                own_addresses: frozenset[str], *, forwarded: str = "",
                answered: tuple[str, ...] = ()) -> Understanding:
    """`answered` is the reply's subject and body, where our reminder is quoted: its currency reads a sum
    whose sign is shared ("$", "kr", "FCFA") or unwritten."""
    if not text.strip():
        return _unreadable(kind, text)
    folded = fold(text)
    language = guess_language(text)
    month_first = _month_first(language, sent)
    today = sent.date() if sent else None
    dates = find_dates(text, today, month_first=month_first) if today else []
    amounts = find_amounts(text)
    contacts = [a.lower() for a in ADDRESS.findall(text) if a.lower() not in own_addresses]
    future = [d for d in dates if not d.past and not d.weak]
    bonuses = {
        Intent.PROMISE_TO_PAY: 1.5 if future else 0.0,
        Intent.PAYMENT_PLAN_REQUEST: 1.5 if any(a.role is MoneyRole.INSTALLMENT for a in amounts) else 0.0,
        Intent.ALREADY_PAID: 1.0 if any(d.past for d in dates) else 0.0,
        Intent.WRONG_CONTACT: 1.0 if contacts else 0.0,
    }
    found = find_evidence(folded, [d.start for d in future])
    verdict = decide(found, bonuses=bonuses)
    intent, confidence, spans = verdict.intent, verdict.confidence, verdict.evidence
    evidence = [text[e.start:e.end] for e in spans]
    if confidence < UNSURE:
        learned = shipped().suggest(text)
        needed = LEARNED_PROBABILITY if verdict.evidence else LEARNED_PROBABILITY_OVER_NOTHING
        if learned.intent is not intent and learned.probability >= needed:
            intent, confidence, spans = learned.intent, LEARNED_CONFIDENCE, ()
            evidence = [f"resembles labelled {intent} replies: {', '.join(learned.clues)}"]

    promised = _promised(folded, dates, spans) if intent is Intent.PROMISE_TO_PAY else None
    if promised:
        evidence.append(text[promised.start:promised.end])
    plan = (propose(folded, amounts, dates, today) if intent is Intent.PAYMENT_PLAN_REQUEST
            else Proposal((), frozenset()))
    candidates = [a for a in amounts if a.start not in plan.parts and _about(folded, a, intent, found)]
    if len({a.currency for a in candidates if a.currency}) > 1:
        # One payment said in two currencies ("NZD 9,870.00 … converted to EUR 5,412.18"): the invoice's counts.
        ours = _reminder_currency(answered)
        candidates = [a for a in candidates if a.currency_in(ours) in (ours, None)] or candidates
    money = _amount_for(intent, candidates, folded, promised)
    value, currency = (money.value, _currency_of(money, answered)) if money else (None, None)
    if money is None and intent is Intent.ALREADY_PAID and forwarded and _POINTS_BELOW.search(folded):
        # "Voir ci-dessous, c'est parti mardi" over a forwarded bank confirmation: its sum is the one paid.
        money = next(iter(_totals_first(fold(forwarded), [a for a in find_amounts(forwarded)
                                                           if a.role is MoneyRole.SUM])), None)
        if money:
            value, currency = money.value, _currency_of(money, answered)
            evidence.append(forwarded[money.start:money.end])
    elif money:
        evidence.append(text[money.start:money.end])
    elif (total := _sum_of_installments(plan)) is not None:
        parts = [a for a in amounts if a.start in plan.parts]
        value, currency = total, _currency_of(parts[0], answered) if parts else None
        evidence.extend(text[a.start:a.end] for a in parts)
    installments = plan.installments
    return Understanding(
        kind=kind, intent=intent,
        promised_date=promised.value if promised else None,
        amount=value,
        currency=currency,
        invoice_refs=invoice_refs(text, known_refs),
        installments=installments,
        failed_recipient=None,
        new_contact=contacts[0] if intent is Intent.WRONG_CONTACT and contacts else None,
        back_on=None,
        confidence=confidence,
        evidence=tuple(evidence),
        language=language,
        new_text=text,
    )


def _currency_of(money: MoneyMention, answered: tuple[str, ...]) -> str | None:
    """A sum's currency; when its sign is shared or unwritten, as the reminder answered reads it."""
    return money.currency if money.settled else money.currency_in(_reminder_currency(answered))


# Asked for each sum of a reply whose sign is shared: read the reminder's texts once.
@lru_cache(maxsize=16)
def _reminder_currency(answered: tuple[str, ...]) -> str | None:
    """The currency our reminder states, in the subject replied to or else the text quoted: the first sum's
    whose sign no other currency shares, else the first sum's."""
    for text in answered:
        found = [a for a in find_amounts(text) if a.currency]
        if found:
            return next((a.currency for a in found if a.settled), found[0].currency)
    return None


# The writer points at what they forwarded: "voir ci-dessous", "see below", "see the forwarded confirmation".
_POINTS_BELOW = re.compile(r"\b(?:ci-dessous|ci-apres|see\s+below|below|forwarded|transfere|en\s+dessous)\b")

# A point between digits is a decimal or a date ("€950.00", "17.12"), not the end of a sentence.
_SENTENCE_END = re.compile(r"[!?\n]|\.(?!\d)")


def _promised(folded: str, dates: list[DateMention], evidence: tuple[Evidence, ...]) -> DateMention | None:
    """The promised date: of the dates not in the past, the one written closest to the words of the
    promise, preferring its sentence ("fermé du 24/12 au 04/01. Le paiement sera effectué le 10 janvier");
    "today" only when nothing more precise is said."""
    candidates = [d for d in dates if not d.past and not d.weak] or [d for d in dates if not d.past]
    if not candidates or not evidence:
        return candidates[0] if candidates else None

    def distance(mention: DateMention) -> tuple[int, int]:
        best = len(folded)
        for item in evidence:
            start, end = sorted((item.end, mention.start)) if mention.start >= item.end else (mention.end, item.start)
            gap = max(0, end - start)
            best = min(best, gap + (len(folded) if _SENTENCE_END.search(folded, start, end) else 0))
        return best, mention.start

    return min(candidates, key=distance)


def _about(folded: str, amount: MoneyMention, intent: Intent, found: list[Evidence]) -> bool:
    """Whether a sum may be the intent's: not when its sentence speaks only of another intent ("Je conteste la
    F-0220. Pour la F-0221 (75 €), je la passe demain": the 75 € is promised, not disputed)."""
    start = max((m.end() for m in _SENTENCE_END.finditer(folded, 0, amount.start)), default=0)
    stop = _SENTENCE_END.search(folded, amount.end)
    end = stop.start() if stop else len(folded)
    # A weak word ("virement") claims no sentence; a match may begin on the line break before it.
    here = {e.intent for e in found if e.weight >= 1 and e.end > start and e.start < end}
    # A sum its own words contest belongs to the dispute, whatever else its sentence says.
    return not here or intent in here or (intent is Intent.DISPUTE and amount.role is MoneyRole.CONTESTED)


def _sum_of_installments(plan: Proposal) -> Decimal | None:
    """What a plan that names no total asks to pay: its installments' sum when each is sized ("3 x 400 €")."""
    sizes = [i.amount for i in plan.installments if i.amount is not None]
    return sum(sizes, Decimal(0)) if sizes and len(sizes) == len(plan.installments) else None


def _amount_for(intent: Intent, amounts: list[MoneyMention], folded: str,
                promised: DateMention | None) -> MoneyMention | None:
    """The sum the intent is about: the one committed, paid or disputed (its part contested, when named);
    for a plan its named total.

    A promise's sum is the one said with the promised date when there is one: an accountant lists each
    invoice's sum, then "réglées par un virement unique de 3 237,40 € le 17/12".
    """
    sums = [a for a in amounts if a.role in (MoneyRole.SUM, MoneyRole.AGREED)]
    owed = [a for a in amounts if a.role is MoneyRole.OWED]
    if intent is Intent.PROMISE_TO_PAY and promised:
        sums = [a for a in sums if _same_sentence(folded, a, promised)] or sums
    sums = _totals_first(folded, sums)
    if intent is Intent.DISPUTE:
        # The part contested when the words name it ("la différence de 250 €"), never the price agreed.
        contested = [a for a in amounts if a.role is MoneyRole.CONTESTED]
        return (contested or [a for a in sums if a.role is MoneyRole.SUM] or owed or [None])[0]
    if intent in (Intent.PROMISE_TO_PAY, Intent.ALREADY_PAID):
        return (sums or owed or [None])[0]
    if intent is Intent.PAYMENT_PLAN_REQUEST:
        # Several invoices' sums, none named as the debt, are no total: "F-0848 (1 120 €) et F-0849 (860 €)";
        # one sum said twice is: "your reminder (SEK 48 000) … pay the SEK 48 000 in 6 monthly payments".
        return (owed or (sums if len({(a.value, a.currency) for a in sums}) == 1 else []) or [None])[0]
    return None


# Words and then the padding of a typed column: "Total paid                EUR 3,570.00".
_TOTAL_BEFORE = re.compile(r"\b(?:total|montant\s+total|somme\s+totale|soit\s+au\s+total)\b[^\n\d]{0,24}?\s*$")


def _totals_first(folded: str, sums: list[MoneyMention]) -> list[MoneyMention]:
    """A typed remittance lists each invoice, then "Total  EUR 3,250.00": the total is what was paid."""
    return [a for a in sums if _TOTAL_BEFORE.search(folded, folded.rfind("\n", 0, a.start) + 1, a.start)] or sums


def _same_sentence(folded: str, amount: MoneyMention, mention: DateMention) -> bool:
    start, end = sorted((amount.end, mention.start)) if mention.start >= amount.end else (mention.end, amount.start)
    return not _SENTENCE_END.search(folded, start, max(start, end))


# Invoice numbers as firms write them ("F2026-0142", "FA-2026-118", "INV-00123"), or a number
# right after the word ("facture n° 142", "invoice #142"). Other prefixed numbers are not invoices:
# our payment reference REL-…, a purchase order BC-…, a bank transfer VIR-….
_REF_TOKEN = re.compile(r"\b(?:F|FA|FAC|FACT|FCT|FV|FC|INV|IN)[-_/]?\d{2,6}(?:[-_/.]\d{1,6})*\b")
_REF_AFTER_WORD = re.compile(r"(?i)\b(?:factures?|invoices?|inv\.|fact\.)\s*(?:n[°o]\.?|no\.?|num[ée]ro|number|#)?"
                             r"\s*(\d{2,10})\b(?![/.,]\d)")


def invoice_refs(text: str, known_refs: Collection[str] = ()) -> tuple[str, ...]:
    """Invoice numbers in `text`, in reading order: the firm's own spelling for known ones, others as written."""
    found: list[tuple[int, str]] = []
    lowered = text.lower()
    for ref in known_refs:
        at = _find_word(lowered, ref.lower())
        if at >= 0:
            found.append((at, ref))
    known = {ref.lower() for ref in known_refs}
    for m in _REF_TOKEN.finditer(text):
        if m.group().lower() not in known:
            found.append((m.start(), m.group()))
    for m in _REF_AFTER_WORD.finditer(text):
        number, start = m.group(1), m.start(1)
        if number.lower() not in known and not any(s <= start < s + len(r) for s, r in found):
            found.append((start, number))
    seen: dict[str, None] = {}
    for _, ref in sorted(found):
        seen.setdefault(ref, None)
    return tuple(seen)


def _find_word(haystack: str, needle: str) -> int:
    for m in re.finditer(re.escape(needle), haystack):
        before = haystack[m.start() - 1] if m.start() else " "
        after = haystack[m.end()] if m.end() < len(haystack) else " "
        if not (before.isalnum() or after.isalnum()):
            return m.start()
    return -1


_FRENCH = frozenset("le la les de des du je vous nous et est pas pour que qui une un sur avec ce cette mais merci "
                    "bonjour au aux ai avons sera facture paiement votre notre madame monsieur".split())
_ENGLISH = frozenset("the and to of i you we is are not for that this with will be have your our please thanks "
                     "hello dear invoice payment it".split())
_WORD = re.compile(r"[a-z]+")


def guess_language(text: str) -> Language | None:
    """French or English by a count of their commonest words; None when neither shows."""
    words = _WORD.findall(fold(text[:2000]))
    french = sum(w in _FRENCH for w in words)
    english = sum(w in _ENGLISH for w in words)
    if french == english:
        return None
    return Language.FR if french > english else Language.EN
