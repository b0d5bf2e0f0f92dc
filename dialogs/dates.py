"""Dates written in replies ("vendredi prochain", "sous huitaine", "fin décembre", "12/15"), resolved
against the day the message was written, in the sender's own local date.

Conventions (the labelled corpus uses them): a weekday means the first such day strictly after today;
"fin de semaine" the Friday of this week (of next week on a weekend); "la semaine prochaine" the
Friday of next week; "fin du mois" its last day; "mi-" the 15th; "début" the 10th; a day and month
without a year the next occurrence on or after today, unless it fell within the last three months.
dateparser was measured and rejected: it misses these business phrases and costs 6–120 ms a text
(TESTING.md).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from dialogs.folding import fold
from dialogs.wordregex import WordRegex

MONTHS: dict[str, int] = {}
for _number, _names in enumerate((
        "janvier janv january jan", "fevrier fevr fev february feb", "mars march mar",
        "avril avr april apr", "mai may", "juin june jun", "juillet juil july jul",
        "aout august aug", "septembre sept september sep", "octobre october oct",
        "novembre november nov", "decembre december dec"), start=1):
    MONTHS.update(dict.fromkeys(_names.split(), _number))
_WEEKDAYS: dict[str, int] = {}
for _number, _names in enumerate(("lundi monday lun mon", "mardi tuesday mar tue tues", "mercredi wednesday mer wed",
                                  "jeudi thursday jeu thu thur thurs", "vendredi friday ven fri",
                                  "samedi saturday sam sat", "dimanche sunday dim sun")):
    _WEEKDAYS.update(dict.fromkeys(_names.split(), _number))
# Abbreviated weekdays ("Will pay Thurs.", "lun. 14"): the English ones nothing else spells stand alone;
# those that are also words ("mon", "mer", "sun", "mar" for March) count only with their dot.
_WEEKDAY_ABBREVIATIONS = r"tues|tue|wed|thurs|thur|thu|fri|(?:lun|mar|mer|jeu|ven|sam|dim|mon|sat|sun)(?=\.)"
_FULL_MONTHS = ("janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout", "septembre", "octobre",
                "novembre", "decembre", "january", "february", "march", "april", "may", "june", "july", "august",
                "september", "october", "november", "december")

NUMBER_WORDS: dict[str, int] = {
    "un": 1, "une": 1, "a": 1, "an": 1, "one": 1, "deux": 2, "two": 2, "trois": 3, "three": 3,
    "quatre": 4, "four": 4, "cinq": 5, "five": 5, "six": 6, "sept": 7, "seven": 7, "huit": 8, "eight": 8,
    "neuf": 9, "nine": 9, "dix": 10, "ten": 10, "onze": 11, "eleven": 11, "douze": 12, "twelve": 12,
    "treize": 13, "thirteen": 13, "quatorze": 14, "fourteen": 14, "quinze": 15, "fifteen": 15,
    "seize": 16, "sixteen": 16, "dix-sept": 17, "seventeen": 17, "dix-huit": 18, "eighteen": 18,
    "dix-neuf": 19, "nineteen": 19, "vingt": 20, "twenty": 20, "vingt et un": 21, "vingt-et-un": 21,
    "twenty-one": 21, "trente": 30, "thirty": 30, "quarante-cinq": 45, "forty-five": 45,
    "soixante": 60, "sixty": 60,
    # Belgian and Swiss French: "septante" for soixante-dix, "nonante" for quatre-vingt-dix.
    "septante": 70, "seventy": 70, "huitante": 80, "octante": 80, "quatre-vingts": 80, "eighty": 80,
    "nonante": 90, "quatre-vingt-dix": 90, "ninety": 90, "quelques": 3, "a few": 3, "couple of": 2, "a couple of": 2,
}
_NUMBER = r"\d{1,3}|" + "|".join(sorted((re.escape(w) for w in NUMBER_WORDS), key=len, reverse=True))
# An abbreviation may carry its dot ("janv."); a full name's dot ends the sentence and stays out of the span.
_MONTH = (r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\b"
          + r"(?:" + "".join(f"(?<!{name})" for name in _FULL_MONTHS) + r"\.)?")
_WEEKDAY = (r"(?P<weekday>lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|monday|tuesday|wednesday|thursday|"
            r"friday|saturday|sunday|" + _WEEKDAY_ABBREVIATIONS + r")\b")
_ORDINAL = r"(?:er|re|e|eme|st|nd|rd|th)?"
_YEAR = r"(?:,?\s+(?P<year>\d{4}))?"


def number_value(word: str) -> int | None:
    """The value of a count written in digits or in French or English words ("dix", "ten", "15")."""
    word = " ".join(word.split())
    return int(word) if word.isdigit() else NUMBER_WORDS.get(word)


@dataclass(frozen=True, slots=True)
class DateMention:
    """A date found in a text: its span in that text, its value, and whether it tells of the past."""

    start: int
    end: int
    value: date
    past: bool
    # "today", "aujourd'hui": said in passing as often as promised; a later precise date wins.
    weak: bool = False


# A day and month without a year this close behind today is that recent day ("réglé le 8 janvier",
# written on 14 January), not the same day next year: nobody promises a payment eleven months out.
_RECENT_PAST = timedelta(days=92)


def _year_implied(today: date, month: int, day: int) -> date | None:
    """The day and month in the year that puts it at most three months behind today, the soonest such."""
    for year in (today.year - 1, today.year, today.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:  # 29 February of a common year
            continue
        if candidate >= today - _RECENT_PAST:
            return candidate
    return None


def _next_day_of_month(today: date, day: int) -> date | None:
    if not 1 <= day <= 31:
        return None
    year, month = today.year, today.month
    for _ in range(3):  # the 31st may skip a short month
        if day <= calendar.monthrange(year, month)[1] and date(year, month, day) >= today:
            return date(year, month, day)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _add_months(today: date, months: int) -> tuple[int, int]:
    index = today.month - 1 + months
    return today.year + index // 12, index % 12 + 1


def _friday_of_week(today: date, weeks_ahead: int) -> date:
    monday = today - timedelta(days=today.weekday())
    if today.weekday() >= 5 and weeks_ahead == 0:  # on a weekend "this week" is already over
        weeks_ahead = 1
    return monday + timedelta(days=7 * weeks_ahead + 4)


def _year_of(text: str | None, today: date) -> int | None:
    if text is None:
        return None
    value = int(text)
    return value + 2000 if value < 100 else value


def _numeric(m: re.Match[str], today: date, month_first: bool = False) -> date | None:
    first, second = int(m["first"]), int(m["second"])
    # Day/month as in French, month/day for an American writer; "12/15" can only be month/day.
    if month_first:
        month, day = (first, second) if first <= 12 else (second, first)
    else:
        day, month = (first, second) if second <= 12 else (second, first)
    year = _year_of(m["year"], today)
    if year is None:
        return _year_implied(today, month, day) if 1 <= month <= 12 else None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _year_first(m: re.Match[str], today: date) -> date | None:
    try:
        return date(int(m["year"]), int(m["month"]), int(m["day"]))
    except ValueError:
        return None


def _day_month(m: re.Match[str], today: date) -> date | None:
    day, month = int(m["day"]), MONTHS[m["month"]]
    year = _year_of(m["year"], today)
    if year is None:
        return _year_implied(today, month, day)
    try:
        return date(year, month, day)
    except ValueError:
        return None


_PERIOD_DAY = {"fin": 0, "end": 0, "late": 0, "debut": 10, "early": 10, "beginning": 10, "start": 10,
               "mi": 15, "mid": 15, "milieu": 15, "middle": 15}


def _month_period(m: re.Match[str], today: date) -> date | None:
    month, day = MONTHS[m["month"]], _PERIOD_DAY[m["period"]]
    year = _year_of(m["year"], today) or today.year
    if m["year"] is None and (year, month) < (today.year, today.month):
        year += 1
    return _month_end(year, month) if day == 0 else date(year, month, day)


def _relative_month(m: re.Match[str], today: date) -> date | None:
    year, month = _add_months(today, 1 if m["next"] else 0)
    day = _PERIOD_DAY[m["period"]]
    return _month_end(year, month) if day == 0 else date(year, month, day)


def _in_count(m: re.Match[str], today: date) -> date | None:
    count = number_value(m["count"])
    if count is None:
        return None
    unit = m["unit"]
    if unit.startswith(("h",)):
        return today + timedelta(days=max(1, count // 24))
    if unit.startswith(("semaine", "week")):
        return today + timedelta(days=7 * count)
    if unit.startswith(("mois", "month")):
        year, month = _add_months(today, count)
        return date(year, month, min(today.day, calendar.monthrange(year, month)[1]))
    return today + timedelta(days=count)


def _weekday(m: re.Match[str], today: date) -> date | None:
    return today + timedelta(days=(_WEEKDAYS[m["weekday"]] - today.weekday() - 1) % 7 + 1)


def _named_day(m: re.Match[str], today: date) -> date | None:
    """"Thursday 12/10": whichever reading of the numbers falls on the weekday named, whoever writes it."""
    first, second = int(m["first"]), int(m["second"])
    year = _year_of(m["year"], today)
    for day, month in ((first, second), (second, first)):
        if not 1 <= month <= 12:
            continue
        try:
            value = _year_implied(today, month, day) if year is None else date(year, month, day)
        except ValueError:
            continue
        if value is not None and value.weekday() == _WEEKDAYS[m["weekday"]]:
            return value
    return None


def _day_of_month(m: re.Match[str], today: date) -> date | None:
    return _next_day_of_month(today, int(m["day"]))


def _offset(days: int) -> Callable[[re.Match[str], date], date | None]:
    return lambda m, today: today + timedelta(days=days)


def _week(weeks_ahead: int) -> Callable[[re.Match[str], date], date | None]:
    return lambda m, today: _friday_of_week(today, weeks_ahead)


def _year_end(m: re.Match[str], today: date) -> date | None:
    return date(today.year, 12, 31)


def _christmas_eve(m: re.Match[str], today: date) -> date | None:
    """"Avant Noël", "before Christmas": the last day before the 25th, this year's unless it is over."""
    eve = date(today.year, 12, 24)
    return eve if eve >= today else date(today.year + 1, 12, 24)


_Resolver = Callable[[re.Match[str], date], "date | None"]
_NOT_AMOUNT = r"(?!\s*(?:€|eur|euros?|\$|£|%|x\b|h\d|h\b|:\d))"

# Each line: a pattern over folded text and how it resolves. Order matters only between patterns
# that match the same span (the longest match wins, then the earlier line).
# "12/11" is read apart: whether it is day/month or month/day depends on the writer. A hyphen only with
# its year ("15-12-2026"): without, it joins a range ("1-2 business days", "Mon-Fri 9-5").
_NUMERIC = WordRegex(r"(?<![\d/.,-])(?P<first>\d{1,2})(?:[/.]|-(?=\d{1,2}-\d{2}))(?P<second>\d{1,2})"
                     r"(?:[/.-](?P<year>\d{4}|\d{2}))?(?!\d|[/.,-]\d)" + _NOT_AMOUNT)
PATTERNS: list[tuple[WordRegex, _Resolver]] = [(WordRegex(p), r) for p, r in (
    # The year first, as ISO and Chinese, Japanese or Swedish writers put it: "2026-11-27", "2026.12.20".
    (r"(?<![\d/.,-])(?P<year>20\d{2})(?P<mark>[-/.])(?P<month>\d{1,2})(?P=mark)(?P<day>\d{1,2})(?![\d/.,-]\d|\d)",
     _year_first),
    (r"\b" + _WEEKDAY + r"\.?,?[ \t]+(?:the\s+|le\s+)?(?P<first>\d{1,2})[/.](?P<second>\d{1,2})"
     r"(?:[/.](?P<year>\d{4}|\d{2}))?(?!\d|[/.,-]\d)", _named_day),
    (r"(?:(?:le\s+|on\s+)?" + _WEEKDAY + r"\.?,?\s+)?(?:le\s+|the\s+)?(?<!\d)(?P<day>\d{1,2})" + _ORDINAL
     + r"\s+(?:of\s+|de\s+)?"
     + _MONTH + _YEAR, _day_month),
    (r"(?:(?:on\s+)?" + _WEEKDAY + r"\.?,?\s+)?\b" + _MONTH + r"\s+(?:the\s+)?(?P<day>\d{1,2})" + _ORDINAL + r"(?!\d)"
     + _YEAR, _day_month),
    (r"\b(?:(?:a\s+la|by\s+the|in\s+the|at\s+the|the)\s+)?(?P<period>fin|debut|mi|milieu|end|late|early|beginning|"
     r"start|mid|middle)(?:\s*-\s*|\s+)(?:(?:de\s+|du\s+|d')?(?:(?:le\s+)?mois\s+)?(?:de\s+|d'|of\s+)?)"
     + _MONTH + _YEAR, _month_period),
    # Not payment terms: "45 jours fin de mois", "30 days end of month".
    (r"(?<!jours\s)(?<!j\s)(?<!days\s)\b(?P<period>fin|debut|mi|milieu|end|early|beginning|start|mid|middle)"
     r"(?:\s*-\s*|\s+)(?:du\s+|de\s+|of\s+)?"
     r"(?:the\s+|this\s+|ce\s+)?(?:mois|month)(?P<next>\s+(?:prochain|suivant)|\s+d'apres)?\b", _relative_month),
    (r"\b(?P<period>end|early|beginning|start|mid|middle)\s+of\s+(?P<next>next|the\s+following)\s+month\b",
     _relative_month),
    (r"\b(?P<period>early|mid|late)[\s-]+(?P<next>next)\s+month\b", _relative_month),
    (r"\bmonth[\s-]end\b(?P<next>)(?P<period>)", lambda m, today: _month_end(today.year, today.month)),
    # Not season's greetings nor the books' closing: "bonnes fêtes de fin d'année", "our year-end closing".
    (r"(?<!fetes\sde\s)\b(?:fin\s+(?:de\s+l'|d')annee|end\s+of\s+(?:the|this)\s+year|year[\s-]end)\b"
     r"(?!\s+(?:closing|close|closure|accounts|audit|inventory|stocktake|shutdown))", _year_end),
    (r"\b(?:avant|d'ici|pour|before|by|ahead\s+of)\s+(?:la\s+)?(?:noel|christmas|xmas)\b", _christmas_eve),
    (r"\b(?:(?:d'ici\s+)?(?:la\s+|en\s+)?fin\s+de\s+(?:la\s+)?semaine\s+prochaine|(?:by\s+)?(?:the\s+)?end\s+of\s+"
     r"next\s+week|(?:(?:debut|courant|dans\s+le\s+courant)\s+de\s+)?(?:la\s+)?semaine\s+prochaine|"
     r"(?:early|later|sometime)?\s*next\s+week)\b", _week(1)),
    (r"\b(?:(?:en\s+|d'ici\s+(?:la\s+)?|a\s+la\s+)?fin\s+de\s+(?:la\s+|cette\s+)?semaine|(?:by\s+)?(?:the\s+)?end\s+of"
     r"\s+(?:the|this)\s+week|cette\s+semaine|dans\s+la\s+semaine|this\s+week|later\s+this\s+week)\b", _week(0)),
    (r"\b(?:d'ici|dans|sous|within|in|under)\s+(?:les\s+|un\s+delai\s+de\s+|(?:the\s+)?next\s+)?"
     r"(?P<count>" + _NUMBER + r")\s*(?P<unit>jours?|j\b|days?|semaines?|weeks?|mois|months?|heures?|hours?|h\b)",
     _in_count),
    (r"\bsous\s+huitaine\b", _offset(8)),
    (r"\b(?:sous\s+(?:quinzaine|quinze\s+jours)|within\s+(?:two|2)\s+weeks|within\s+a\s+fortnight)\b", _offset(14)),
    (r"\b(?:apres[\s-]demain|(?:the\s+)?day\s+after\s+tomorrow)\b", _offset(2)),
    (r"(?<!apres-)(?<!apres )\b(?:demain|tomorrow)\b", _offset(1)),
    (r"\b(?:avant[\s-]hier|(?:the\s+)?day\s+before\s+yesterday)\b", _offset(-2)),
    (r"(?<!avant-)(?<!avant )\b(?:hier|yesterday)\b", _offset(-1)),
    # On one line, and not a phone number's first pair: "sauf le mercredi\n04 74 56 21 09".
    (r"\b(?:le\s+|on\s+)?(?:" + _WEEKDAY + r")[ \t]+(?:le\s+|the\s+)?(?P<day>\d{1,2})" + _ORDINAL
     + r"(?!\d|\s*(?:[/.:h-]\d|€|eur)|[ .]\d{2}\b)",
     _day_of_month),
    # Not the end of a range of opening days: "Mon-Fri 9-5".
    (r"\b(?:(?:ce|this|next|coming|on|by|d'ici|avant|des|le)\s+)?(?<!-)(?!\w+-\w)" + _WEEKDAY
     + r"(?:\s+(?:prochain|qui\s+vient|next|matin|apres-midi|soir))?", _weekday),
    (r"\b(?:avant\s+le|d'ici\s+(?:au|le)|pour\s+le|jusqu'au|au\s+plus\s+tard\s+le|a\s+partir\s+du|des\s+le|"
     r"le)\s+(?P<day>\d{1,2}|1er)(?:er)?(?=\s*(?:$|[,.;!?)](?!\d)|au\s+plus\s+tard|prochain|de\s+ce\s+mois|du\s+mois"
     r"|(?:et|ou|sans\s+faute)\b))", lambda m, today: _next_day_of_month(today, int(m["day"].rstrip("er")))),
    (r"\b(?:by|before|on|until|the)\s+(?:the\s+)?(?P<day>\d{1,2})(?:st|nd|rd|th)\b", _day_of_month),
    # A payment run named by its day: "notre prochain virement groupé du 5".
    (r"\b(?:prochaine?\s+(?:virement|paiement|reglement|campagne|vague|echeance)s?(?:\s+\w+){0,2}?|"
     r"(?:virement|paiement|reglement)s?\s+(?:fournisseurs?|groupes?))\s+(?:du|le)\s+"
     r"(?P<day>\d{1,2})(?:er)?\b(?!\s*(?:[/.:h-]?\d|" + _MONTH + r"))", _day_of_month),
    (r"\b(?P<day>\d{1,2})(?:st|nd|rd|th)\s+of\s+(?:the|this)\s+month\b", _day_of_month),
)]
_TODAY = re.compile(r"\b(?:aujourd'hui|today|ce\s+soir|tonight|dans\s+la\s+journee|by\s+end\s+of\s+day"
                    r"|by\s+close\s+of\s+business|by\s+cob|by\s+eod)\b")

# What makes a date one of the past: a payment already made in the same clause ("viré le 12/11",
# "paid on"), a document it dates ("facture du", "your reminder of"), or "dernier"/"last".
# A point or comma inside a number ("$29,600 paid by end of next week") breaks no clause.
_CLAUSE_BREAK = re.compile(r"[;!?\n]|(?<!\d)[.,]|[.,](?!\d)|\b(?:et|mais|puis|and|but|then)\b")
_PAST_PARTICIPLE = re.compile(
    r"\b(?:vire|virees?|payee?s?|reglee?s?|versee?s?|effectuee?s?|envoyee?s?|emise?s?|transferee?s?|executee?s?|"
    r"passee?|parti|partie|fait|lance|ordonne|recue?s?|prelevee?s?|debitee?s?|paid|sent|transferred|wired|made|issued|processed|"
    r"settled|initiated|received|went|left|posted|(?<!la\s)postee?|mailed|cancell?ed|annulee?|arrived|delivered|"
    r"came)\b")
# French present tense looks like the participle once accents are gone: "je vous règle le 15".
_FRENCH_PRESENT = re.compile(r"\b(?:je|j'|j(?=vous)|tu|il|elle|on|nous|vous)\s*"
                             r"(?:(?:vous|te|le|la|les|lui|leur|l')\s*)?"
                             r"(?:vire|paye|regle|verse|passe|depose|poste|envoie|remets)\b")
_FUTURE_OR_MODAL = re.compile(r"\b(?:sera|seront|serez|serons|etre|be|will|would|shall|va|vont|vais|going\s+to|"
                              r"pourrai|pourra|pourrons|peux|peut|pouvons|can|could|should|devrait|doit|"
                              r"programme|prevu|planned|scheduled)\b|'ll\b"
                              # French futures in -ra/-ront: "le chèque partira", "les fonds parviendront"
                              r"|\b\w+(?:e|i|d)(?:ra|ront)\b")
_DOCUMENT_DATED = re.compile(
    r"(?:\b(?:facture|invoice|relance|reminder|courrier|courriel|mail|e-mail|email|message|lettre|letter|virement|"
    r"paiement|reglement|commande|order|livraison|delivery|devis|quote|avoir|transfer|payment)s?\b"
    r"(?!\s+(?:run|cycle|batch))"
    r"[^.;!?\n]{0,20}?\b(?:du|dated|of|from|en\s+date\s+du)|\b(?:depuis|since)"
    # a conversation it dates: "comme je l'ai dit à votre collègue au téléphone le 10", "our call on the 3rd"
    r"|\b(?:(?:au|l'|notre|mon|votre|cet|lors\s+de\s+(?:notre|l'))\s*(?:telephone|appel|entretien|echange)|"
    r"(?:our|my|the|your|this|that|last)\s+(?:phone\s+)?(?:call|conversation|chat))(?:\s+(?:du|of|on))?)"
    r"\s+(?:le\s+|the\s+)?$")
_PAST_AFTER = re.compile(r"^\s*(?:dernier|derniere|passee?|last)\b")
_PAST_WORD_BEFORE = re.compile(r"\b(?:last|hier|yesterday)\s*$")


def _is_past(folded: str, start: int, end: int) -> bool:
    before = folded[max(0, start - 60):start]
    clause = _CLAUSE_BREAK.split(before)[-1]
    if (_PAST_PARTICIPLE.search(clause) and not _FRENCH_PRESENT.search(clause)
            and not _FUTURE_OR_MODAL.search(clause)):
        return True
    return bool(_DOCUMENT_DATED.search(before) or _PAST_AFTER.match(folded[end:end + 12])
                or _PAST_WORD_BEFORE.search(before))


def find_dates(text: str, today: date, *, month_first: bool = False) -> list[DateMention]:
    """Every date written in `text`, in reading order, overlapping readings resolved to the longest.

    `month_first` reads "1/8" as January 8, as Americans write it; a date before today is of the past.
    """
    folded = fold(text)
    found: list[tuple[int, int, date, bool]] = []
    for m in _NUMERIC.finditer(folded):
        if (value := _numeric(m, today, month_first)) is not None:
            found.append((m.start(), m.end(), value, False))
    for pattern, resolve in PATTERNS:
        for m in pattern.finditer(folded):
            value = resolve(m, today)
            if value is not None:
                found.append((m.start(), m.end(), value, False))
    for m in _TODAY.finditer(folded):
        found.append((m.start(), m.end(), today, True))
    # The longest reading of overlapping words wins: "le mardi 5 janvier" over "le mardi".
    found.sort(key=lambda f: (f[0] - f[1], f[0]))
    accepted: list[tuple[int, int, date, bool]] = []
    for candidate in found:
        if all(candidate[1] <= a[0] or a[1] <= candidate[0] for a in accepted):
            accepted.append(candidate)
    return [DateMention(start, end, value, value < today or _is_past(folded, start, end), weak)
            for start, end, value, weak in sorted(accepted)]


def promised_date(text: str, today: date) -> DateMention | None:
    """The first date in `text` that is not about the past; a precise one before "today"."""
    future = [m for m in find_dates(text, today) if not m.past]
    precise = [m for m in future if not m.weak]
    return (precise or future or [None])[0]


_RETURN = re.compile(r"\b(?:de\s+retour|back|return|returning|rentre|rentrerai|reprendrai|reprise|retour|"
                     r"reviens|reviendrai|reviendrons|rouvrira|rouvre|reopens?|reopening|"
                     r"joignable\s+(?:a\s+partir\s+du|des\s+le)|available\s+(?:again\s+)?(?:from|on))\b")
_UNTIL = re.compile(r"\b(?:jusqu'au|jusqu'a|until|till|through)\b")
_INCLUSIVE = re.compile(r"^\s*(?:\d{4}\s*)?(?:inclus|compris|inclusive|included)")


def return_date(text: str, today: date, *, month_first: bool = False) -> date | None:
    """When an out-of-office says its writer is back: "de retour le 30 novembre", "back on 4 January".

    "absent jusqu'au 29 novembre inclus" is back the next day; without "inclus" the date itself.
    """
    folded = fold(text)
    mentions = find_dates(text, today, month_first=month_first)
    for marker in _RETURN.finditer(folded):
        for mention in mentions:
            if marker.end() <= mention.start <= marker.end() + 40:
                return mention.value
    for marker in _UNTIL.finditer(folded):
        for mention in mentions:
            if marker.end() <= mention.start <= marker.end() + 20:
                inclusive = _INCLUSIVE.match(folded[mention.end:mention.end + 20])
                return mention.value + timedelta(days=1) if inclusive else mention.value
    return None
