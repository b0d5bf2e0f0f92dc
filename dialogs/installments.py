"""The installments a debtor proposes when asking for a payment plan: "en trois fois", "3 x 400 €",
"300 € par mois pendant 4 mois à partir du 5 janvier", "$250 a week for 4 weeks", or a dated schedule."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from dialogs.amounts import MoneyMention, MoneyRole
from dialogs.dates import MONTHS, NUMBER_WORDS, DateMention, number_value

_COUNT = r"\d{1,2}|" + "|".join(re.escape(w) for w in NUMBER_WORDS if " " not in w)
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_IN_N_PARTS = re.compile(
    r"\b(?:en|in|sur)\s+(?P<count>" + _COUNT + r")\s+(?:(?:weekly|monthly|fortnightly|equal|hebdomadaires)\s+)?"
    r"(?:fois|versements|mensualites|echeances|paiements|tranches|"
    r"prelevements|instal?lments|payments|parts|rates|monthly\s+payments)\b"
    r"|\b(?P<count2>" + _COUNT + r")\s+(?:mensualites|versements|echeances|paiements|prelevements|monthly\s+"
    r"(?:payments|instal?lments)|instal?lments|payments)\b")
_HALVES = re.compile(r"\bhalf\b[^.;!?\n]{0,40}\bhalf\b|\bmoitie\b[^.;!?\n]{0,40}\b(?:moitie|reste|solde)\b"
                     # "50% now and the remaining 50% by the end of February"
                     r"|\b\d{1,2}\s?%[^.;!?\n]{0,40}\b(?:\d{1,2}\s?%|reste|solde|rest|remaining|balance)")
_DURATION = re.compile(r"\b(?:pendant|sur|durant|soit|for|over|across)\s+(?P<count>" + _COUNT
                       + r")\s+(?P<unit>mois|months|semaines|weeks)\b")
_MONTH_RANGE = re.compile(r"\b(?:de|d'|from)\s*(?P<first>" + _MONTH + r")\s+(?:a|au|to|until|through)\s+(?P<last>"
                          + _MONTH + r")\b")
_DAY_OF_EACH_MONTH = re.compile(r"\b(?:le|the|on\s+the)\s+(?P<day>\d{1,2})(?:er|st|nd|rd|th)?\s+(?:de\s+chaque|du|of\s+"
                                r"(?:each|every|the))\s+mois\b|\b(?:le|the|on\s+the)\s+(?P<day2>\d{1,2})(?:er|st|nd|rd|"
                                r"th)?\s+of\s+(?:each|every|the)\s+month\b")
_WEEKLY = re.compile(r"\b(?:par|chaque|a|per|each|every)\s+(?:semaine|week)\b|\b(?:weekly|hebdomadaires?)\b")
_STARTING = re.compile(r"\b(?:a\s+partir\s+du|a\s+partir\s+de|a\s+compter\s+du|des\s+le|debut|des|starting|from|"
                       r"beginning|commencing|premier\s+versement|first\s+(?:payment|instal?lment|rate))\b"
                       r"[^.;!?\n]{0,25}$")
_REMAINDER_BEFORE = re.compile(r"\b(?:reste|restera|restant|solde|rest|balance|remainder|remaining|final)\b"
                               r"[^.;!?\n]{0,15}$")
# The remainder's sum, said without its day: "and the remaining £650 in April".
_REMAINDER_SUM_BEFORE = re.compile(r"\b(?:reste|solde|rest|balance|remainder|remaining)\b(?:\s+(?:de|of))?\s*$")
# A share paid at once: "500 € maintenant", "£200 now".
_NOW_AFTER = re.compile(r"\s*(?:maintenant|now|today|aujourd'hui|tout\s+de\s+suite|immediatement|right\s+away|"
                        r"straight\s+away)\b")
# The second share named before a plan's only date: "half now and half at the end of February".
_LAST_SHARE_BEFORE = re.compile(r"(?:\b(?:reste|solde|rest|balance|remainder|remaining|half|moitie)\b|%)"
                                r"[^.;!?\n]{0,15}$")


@dataclass(frozen=True, slots=True)
class Installment:
    date: date | None
    amount: Decimal | None


@dataclass(frozen=True, slots=True)
class Proposal:
    installments: tuple[Installment, ...]
    # The amounts that are installments (by position), so that none is taken for the plan's total.
    parts: frozenset[int]


def _stepped(start: date, count: int, *, weekly: bool) -> list[date]:
    if weekly:
        return [start + timedelta(weeks=i) for i in range(count)]
    dates = []
    for i in range(count):
        index = start.month - 1 + i
        year, month = start.year + index // 12, index % 12 + 1
        dates.append(date(year, month, min(start.day, calendar.monthrange(year, month)[1])))
    return dates


def propose(folded: str, amounts: list[MoneyMention], dates: list[DateMention], today: date | None) -> Proposal:
    """One entry per installment the text proposes, dated and sized as far as the text says."""
    future = [d for d in dates if not d.past]
    schedule = _explicit_schedule(folded, amounts, future, today)
    if schedule is not None:
        return schedule
    per_part = next((a for a in amounts if a.role is MoneyRole.INSTALLMENT), None)
    parts = frozenset({per_part.start}) if per_part else frozenset()
    amount = per_part.value if per_part else None
    weekly = bool(_WEEKLY.search(folded))
    count = per_part.count if per_part else None
    first: date | None = None
    if count is None and (duration := _DURATION.search(folded)):
        count = number_value(duration["count"])
        weekly = weekly or duration["unit"] in ("semaines", "weeks")
    if count is None and (span := _MONTH_RANGE.search(folded)):
        start_month, end_month = MONTHS[span["first"]], MONTHS[span["last"]]
        count = (end_month - start_month) % 12 + 1
        day = _DAY_OF_EACH_MONTH.search(folded)
        if day and today:
            year = today.year + (1 if (start_month, int(day["day"] or day["day2"])) < (today.month, today.day) else 0)
            first = date(year, start_month, int(day["day"] or day["day2"]))
    if count is None and (split := _IN_N_PARTS.search(folded)):
        count = number_value(split["count"] or split["count2"])
    if count is None and _HALVES.search(folded):
        count = 2
    if not count or count > 60:
        return Proposal((), parts)
    if first is None:
        first = next((d.value for d in future if _STARTING.search(folded[max(0, d.start - 40):d.start])), None)
    if first is None:
        # "en trois fois : le 15/12, le 15/01 et le 15/02": as many dates as installments date them.
        if len(future) == count:
            return Proposal(tuple(Installment(d.value, amount) for d in future), parts)
        # "50% now and the rest by the end of February": only the last part has a day.
        if len(future) == 1 and _LAST_SHARE_BEFORE.search(folded[max(0, future[0].start - 30):future[0].start]):
            undated = tuple(Installment(None, amount) for _ in range(count - 1))
            return Proposal((*undated, Installment(future[0].value, amount)), parts)
        return Proposal(tuple(Installment(None, amount) for _ in range(count)), parts)
    return Proposal(tuple(Installment(day, amount) for day in _stepped(first, count, weekly=weekly)), parts)


def _explicit_schedule(folded: str, amounts: list[MoneyMention], dates: list[DateMention],
                       today: date | None) -> Proposal | None:
    """"400 € le 15/12, 400 € le 15/01 et le reste le 15/02": each sum with its date; None if fewer than two."""
    entries: list[tuple[int, Installment]] = []
    used: set[int] = set()
    parts: set[int] = set()
    for amount in amounts:
        # A sum, the rest owed ("les 450 € restants fin janvier") or one ranked share ("first rate of 1.100 EUR").
        if amount.role in (MoneyRole.SUM, MoneyRole.OWED) or (amount.role is MoneyRole.INSTALLMENT
                                                               and amount.count is None):
            near = [d for d in dates if d.start not in used and _same_clause(folded, amount, d)]
            if near:
                chosen = min(near, key=lambda d: abs(d.start - amount.end))
                used.add(chosen.start)
                parts.add(amount.start)
                entries.append((min(amount.start, chosen.start), Installment(chosen.value, amount.value)))
            elif amount.role is MoneyRole.SUM and _NOW_AFTER.match(folded, amount.end):
                parts.add(amount.start)
                entries.append((amount.start, Installment(today, amount.value)))
            elif amount.role is MoneyRole.SUM and _REMAINDER_SUM_BEFORE.search(folded, max(0, amount.start - 30),
                                                                                amount.start):
                parts.add(amount.start)
                entries.append((amount.start, Installment(None, amount.value)))
        elif amount.role is MoneyRole.INSTALLMENT and amount.count:
            # "deux versements de 500 EUR fin janvier et fin février"
            following = [d for d in dates if d.start > amount.end and d.start not in used][:amount.count]
            if len(following) == amount.count:
                used.update(d.start for d in following)
                parts.add(amount.start)
                entries.extend((d.start, Installment(d.value, amount.value)) for d in following)
    for mention in dates:
        if mention.start not in used and _REMAINDER_BEFORE.search(folded[max(0, mention.start - 30):mention.start]):
            entries.append((mention.start, Installment(mention.value, None)))
    if len(entries) < 2:
        return None
    return Proposal(tuple(entry for _, entry in sorted(entries, key=lambda e: e[0])), frozenset(parts))


def _same_clause(folded: str, amount: MoneyMention, mention: DateMention) -> bool:
    start, end = (amount.end, mention.start) if mention.start >= amount.end else (mention.end, amount.start)
    gap = folded[start:end]
    return len(gap) <= 25 and not re.search(r"[.;!?\n]|\b(?:puis|then|et|and)\b", gap)
