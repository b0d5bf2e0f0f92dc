"""Payment plans ("échéanciers"): schedules proposed inside the owner's bounds, checked, completed from a debtor's
own request, chosen in a reply, and written out for the debtor."""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_UP, Decimal

from jinja2 import Environment

from dialogs.folding import fold
from dialogs.installments import Installment
from dialogs.money import CENT, from_cents, to_cents
from dialogs.parties import Language
from dialogs.reminders import Creditor, RenderedMessage, one_line, render_part

# Fixed English names: calendar.day_name follows the process locale, and reasons are for the owner's log.
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True, slots=True)
class PlanBounds:
    """The owner's limits ([plans] in config); `weekdays` holds the date.weekday() values a due date may fall on."""

    max_installments: int
    min_installment: Decimal
    max_months: int  # the last installment falls at most this many calendar months after today
    first_within_days: int  # the first installment falls at most this many days after today
    down_payment_percent: Decimal  # 0: none; else the first installment is at least this share of the balance
    weekdays: frozenset[int] = frozenset(range(5))

    def __post_init__(self) -> None:
        # Caught at start-up (check-config) rather than as a plan nobody can satisfy months later.
        problems = {
            "max_installments": self.max_installments < 1,
            "min_installment": self.min_installment < 0,
            "max_months": self.max_months < 1,
            "first_within_days": self.first_within_days < 0,
            "down_payment_percent": not 0 <= self.down_payment_percent < 100,
            "weekdays": not self.weekdays or not self.weekdays <= set(range(7)),
        }
        bad = [name for name, wrong in problems.items() if wrong]
        if bad:
            raise ValueError("plan bounds out of range: " + ", ".join(f"{n}={getattr(self, n)!r}" for n in bad))

    def down_payment(self, balance: Decimal) -> Decimal:
        """The least first installment, rounded up to the cent so that it never falls short of the percentage."""
        return (balance * self.down_payment_percent / 100).quantize(CENT, rounding=ROUND_UP)


@dataclass(frozen=True, slots=True)
class ScheduledPayment:
    due_on: date
    amount: Decimal


@dataclass(frozen=True, slots=True)
class PlanOption:
    """One schedule, in date order."""

    installments: tuple[ScheduledPayment, ...]

    @property
    def total(self) -> Decimal:
        return sum((p.amount for p in self.installments), Decimal("0.00"))

    @property
    def count(self) -> int:
        return len(self.installments)

    @property
    def last_due(self) -> date:
        return self.installments[-1].due_on

    def as_json(self) -> list[dict[str, str]]:
        """[{"date": "2027-01-15", "amount": "400.00"}, …]; raises AmountError for fractions of a cent."""
        return [{"date": p.due_on.isoformat(), "amount": str(from_cents(to_cents(p.amount)))}
                for p in self.installments]

    @classmethod
    def from_json(cls, data: Sequence[dict[str, str]]) -> PlanOption:
        try:
            return cls(tuple(ScheduledPayment(date.fromisoformat(item["date"]), Decimal(str(item["amount"])))
                             for item in data))
        except (KeyError, TypeError, ArithmeticError, ValueError) as exc:
            raise ValueError(f"not a stored payment plan: {data!r}") from exc


# --- dates -------------------------------------------------------------------------------------------------------

def _add_months(day: date, months: int, anchor: int) -> date:
    """The `anchor` day `months` months after `day`'s month, or that month's last day (31 → 28 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(anchor, calendar.monthrange(year, month)[1]))


def _allowed_from(day: date, bounds: PlanBounds) -> date:
    # A non-empty set of weekdays (PlanBounds checks it) is met within a week.
    while day.weekday() not in bounds.weekdays:
        day += timedelta(days=1)
    return day


def _first_due(today: date, bounds: PlanBounds) -> date:
    """The latest allowed day within `first_within_days`: the most time the owner's bounds give the debtor.

    When the window holds no allowed day, the next allowed one after it (out of bounds; check_plan says so).
    """
    latest = today + timedelta(days=bounds.first_within_days)
    for back in range(bounds.first_within_days + 1):
        day = latest - timedelta(days=back)
        if day.weekday() in bounds.weekdays:
            return day
    return _allowed_from(latest + timedelta(days=1), bounds)


def _monthly(first: date, count: int, bounds: PlanBounds) -> list[date]:
    # Months are counted from the first date and its day, so a 31st that became 28 February is the 31st again
    # in March instead of drifting to the 28th.
    return [first] + [_allowed_in_month(_add_months(first, i, first.day), bounds) for i in range(1, count)]


def _allowed_in_month(day: date, bounds: PlanBounds) -> date:
    """`day` moved forward to an allowed weekday, or back when forward leaves the month.

    Moving forward alone would turn Saturday 30 January into 1 February and leave January without its
    installment and March with two; one installment per calendar month is what "monthly" promises the debtor.
    """
    forward = _allowed_from(day, bounds)
    if forward.month == day.month:
        return forward
    while day.weekday() not in bounds.weekdays:
        day -= timedelta(days=1)
    return day


# --- amounts ------------------------------------------------------------------------------------------------------

def _split(balance: Decimal, count: int, bounds: PlanBounds) -> list[Decimal]:
    """Equal shares; the first raised to the down payment when the equal share falls short of it, the others
    then sharing the rest."""
    down = bounds.down_payment(balance)
    if count > 1 and down > _equal(balance, count)[0]:
        return [down] + _equal(balance - down, count - 1)
    return _equal(balance, count)


def _equal(amount: Decimal, count: int) -> list[Decimal]:
    """Equal cents, the last taking the odd ones: 1000.00 / 3 → 333.33, 333.33, 333.34."""
    cents = to_cents(amount)
    share = cents // count
    return [from_cents(c) for c in [share] * (count - 1) + [cents - share * (count - 1)]]


def _schedule(balance: Decimal, count: int, today: date, bounds: PlanBounds) -> PlanOption:
    days = _monthly(_first_due(today, bounds), count, bounds)
    return PlanOption(tuple(ScheduledPayment(d, a) for d, a in zip(days, _split(balance, count, bounds))))


# --- proposing and checking ---------------------------------------------------------------------------------------

def propose_plans(balance: Decimal, *, today: date, bounds: PlanBounds) -> tuple[PlanOption, ...]:
    """Up to three monthly schedules within `bounds`, by increasing count: the two shortest and the longest.

    With generous bounds that is 2, 3 and the most installments the minimum amount and max_months allow; a
    balance under three minimums gets one option, under two none (a single payment is a promise, not a plan).
    """
    if balance <= 0:
        return ()
    # At most one due date per month after the first: counts beyond that cannot fit in max_months.
    counts = range(2, min(bounds.max_installments, bounds.max_months + 1) + 1)
    fitting = [option for option in (_schedule(balance, n, today, bounds) for n in counts)
               if not check_plan(option, balance=balance, today=today, bounds=bounds)]
    return tuple(dict.fromkeys(fitting[:2] + fitting[-1:]))  # the longest may be one of the two shortest


def check_plan(option: PlanOption, *, balance: Decimal, today: date, bounds: PlanBounds) -> tuple[str, ...]:
    """() when the plan keeps within `bounds`; else one short English reason per breach, for the owner."""
    payments = option.installments
    if not payments:
        return ("no installments",)
    reasons = []
    if option.count > bounds.max_installments:
        reasons.append(f"{option.count} installments, more than {bounds.max_installments}")
    for amount in sorted({p.amount for p in payments}):
        if amount != amount.quantize(CENT):
            reasons.append(f"an installment of {amount} has fractions of a cent")
        elif amount <= 0:
            reasons.append(f"an installment of {amount} is not a payment")
        elif amount < bounds.min_installment:
            reasons.append(f"an installment of {amount} is under the minimum of {bounds.min_installment:.2f}")
    days = [p.due_on for p in payments]
    if any(later <= earlier for earlier, later in zip(days, days[1:])):
        reasons.append("dates not in increasing order")
    first = days[0]
    if first < today:
        reasons.append(f"first payment {first} is already past")
    elif first > today + timedelta(days=bounds.first_within_days):
        reasons.append(f"first payment {first}, later than {bounds.first_within_days} days")
    if option.last_due > _add_months(today, bounds.max_months, today.day):
        reasons.append(f"ends {option.last_due}, after {bounds.max_months} months")
    down = bounds.down_payment(balance)
    if payments[0].amount < down:
        percent = f"{bounds.down_payment_percent.normalize():f}"
        reasons.append(f"a first payment of {payments[0].amount} is under the {percent}% down payment of {down}")
    if option.total != balance:
        reasons.append(f"does not add up to the balance ({option.total:.2f} for {balance:.2f})")
    reasons += [f"{day} falls on a {_WEEKDAY_NAMES[day.weekday()]}" for day in days
                if day.weekday() not in bounds.weekdays]
    return tuple(reasons)


def plan_from_request(requested: Sequence[Installment], *, balance: Decimal, today: date,
                      bounds: PlanBounds) -> PlanOption | None:
    """The debtor's own proposal (dialogs.installments) made a full schedule, without judging it (see check_plan).

    Missing dates: the first on the day propose_plans would use, the others monthly after the date before.
    Missing amounts share what the given ones leave (equal cents, the first raised to any down payment);
    amounts given for every installment but not every date ("3 x 400 €") run until the balance is covered,
    the last taking the rest. A schedule dated and priced in full is kept as written. None when nothing is left.
    """
    if not requested or balance <= 0:
        return None
    if all(r.date is not None for r in requested):
        requested = sorted(requested, key=lambda r: r.date or today)
    days = _complete_dates([r.date for r in requested], today, bounds)
    amounts = _complete_amounts([r.amount for r in requested], balance, bounds,
                                dated=all(r.date is not None for r in requested))
    payments = tuple(ScheduledPayment(d, a) for d, a in zip(days, amounts) if a > 0)
    return PlanOption(payments) if payments else None


def _complete_dates(given: list[date | None], today: date, bounds: PlanBounds) -> list[date]:
    days: list[date] = []
    base, step = _first_due(today, bounds), -1  # the last date known, and how many months after it we are
    for day in given:
        if day is None:
            step += 1
            day = _allowed_in_month(_add_months(base, step, base.day), bounds) if step else base
        else:
            base, step = day, 0
        days.append(day)
    return days


def _complete_amounts(given: list[Decimal | None], balance: Decimal, bounds: PlanBounds, *,
                      dated: bool) -> list[Decimal]:
    known = [amount.quantize(CENT) for amount in given if amount is not None]
    if not known:
        return _split(balance, len(given), bounds)
    if len(known) == len(given):
        if dated:
            return known
        amounts: list[Decimal] = []
        remaining = balance
        for amount in known[:-1]:
            amounts.append(min(amount, remaining))
            remaining -= amounts[-1]
        return amounts + [remaining]
    kept, shares = iter(known), iter(_equal(balance - sum(known), len(given) - len(known)))
    return [next(kept) if amount is not None else next(shares) for amount in given]


# --- choosing in a reply ------------------------------------------------------------------------------------------

_WORDS = {"un": 1, "one": 1, "deux": 2, "two": 2, "trois": 3, "three": 3, "quatre": 4, "four": 4, "cinq": 5,
          "five": 5, "six": 6, "sept": 7, "seven": 7, "huit": 8, "eight": 8, "neuf": 9, "nine": 9, "dix": 10,
          "ten": 10, "onze": 11, "eleven": 11, "douze": 12, "twelve": 12}
_ORDINALS = {"premiere": 1, "premier": 1, "1ere": 1, "1re": 1, "1er": 1, "first": 1, "1st": 1,
             "deuxieme": 2, "2eme": 2, "2e": 2, "seconde": 2, "second": 2, "2nd": 2,
             "troisieme": 3, "3eme": 3, "3e": 3, "third": 3, "3rd": 3,
             "quatrieme": 4, "4eme": 4, "4e": 4, "fourth": 4, "4th": 4,
             "derniere": -1, "dernier": -1, "last": -1}
_NUMBER = r"(?P<n>\d{1,2}|" + "|".join(_WORDS) + r")"
_ORDINAL_WORDS = "|".join(sorted(_ORDINALS, key=len, reverse=True))
_ORDINAL = r"(?P<o>" + _ORDINAL_WORDS + r")"
# Words after a number that make it a count of installments ("3 fois", "three-month").
_COUNT_UNITS = (r"fois|mois|months?|mensualites?|versements?|echeances?|paiements?|payments?|instal?lments?|"
                r"tranches?|prelevements?|monthly")
_UNITS = _COUNT_UNITS + r"|semaines?|weeks?|jours?|days?"
_MONTHS = (r"janv(?:ier)?|fevr?(?:ier)?|mars|avr(?:il)?|mai|juin|juil(?:let)?|aout|sept?(?:embre)?|oct(?:obre)?|"
           r"nov(?:embre)?|dec(?:embre)?|jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|"
           r"aug(?:ust)?|september|october|november|december")
# What follows a number that is an amount, a date, a time or a count rather than the number of an option.
_NOT_A_CHOICE = (r"(?!\s*(?:[.,]\d|\d|€|eur|\$|£|%|/|:\d|h\d|x(?![a-z]))|[\s-]*(?:" + _UNITS + r")\b"
                 r"|(?:er|e|eme|st|nd|rd|th)?\s+(?:de\s+|of\s+)?(?:" + _MONTHS + r")\b)")
_CHOICE_NOUNS = r"option|one|plan|choice|choix|proposition|proposal|solution|schedule|echeancier|formule"
# Each finds the 1-based number of an option (group n, or an ordinal in group o).
_BY_NUMBER = [re.compile(p) for p in (
    # "option 2", "choix n°2", "#3", "number two"
    r"(?<![\w-])(?:option|choix|choice|proposition|proposal|solution|plan|formule|echeancier|schedule|numero|number"
    r"|n°|no\.|num\.?|#)\s*(?:n°|no\.|numero|number|#)?\s*" + _NUMBER + r"\b" + _NOT_A_CHOICE,
    # "la 2", "la deux" — "le 2" is left out: French dates say "le 15"
    r"\bla\s+" + _NUMBER + r"(?:ere|re|e|eme)?\b" + _NOT_A_CHOICE,
    # "je prends 2", "I'll take the 3"
    r"\b(?:prends|prendrai|prendre|choisis|choisi|choisirai|choisir|opte\s+pour|opterai\s+pour|retiens|prefere|"
    r"choose|chose|take|pick|go\s+(?:for|with)|prefer)\s+(?:la\s+|le\s+|l'|the\s+|number\s+|numero\s+)?"
    r"(?P<n>\d{1,2})\b" + _NOT_A_CHOICE,
    # "la deuxième", "le premier", "the last one" — not "la première fois", "the first payment", "the 2nd of May"
    r"(?<!\bon\s)(?<!\bby\s)(?<!before\s)(?<!until\s)\b(?:la|le|the)\s+" + _ORDINAL + r"\b(?!\s*(?:times?|"
    + _UNITS + r"|" + _MONTHS + r"|echeances?|parties?|parts?|moitie|half|dates?|of|de|du)\b|\s*d')",
    # "le premier échéancier", "the second option", "2nd one"
    r"\b" + _ORDINAL + r"\s+(?:" + _CHOICE_NOUNS + r")\b",
)]
# "en 3 fois", "3 x 400 €", "three installments", "l'option en trois mois", "the three-month one"
_BY_COUNT = re.compile(r"(?<![\d,.])\b(?P<c>\d{1,2}|" + "|".join(_WORDS) + r")[\s-]*(?:x(?![a-z])|(?:"
                       + _COUNT_UNITS + r")\b)")
# A line that is only the number, with politeness around it: "2", "2.", "Option 2 svp", "2, merci !".
_FILLER = re.compile(r"\b(?:bonjour|bonsoir|hello|hi|ok|okay|oui|yes|merci|thanks|thank\s+you|svp|stp|s'il\s+vous"
                     r"\s+plait|please|d'accord|cordialement|regards|option|choix|choice|pour|for|moi|me)\b|[^\w]")
# The debtor turns every option down, or is still weighing them: nothing is chosen.
_REFUSAL = re.compile(r"\bni\s+(?:l'une?|la\s+\w+|le\s+\w+)\s+ni\b|\bnone\b|\bneither\b|\baucune?\s+(?:des|de\s+ces|"
                      r"d'entre|ne|option|proposition|solution|echeancier|formule)\b|n'en\s+\w+\s+aucune?\b|"
                      r"(?:n't|\bnot|\bcannot|\bunable\s+to)\s+(?:\w+\s+){0,2}(?:any|either)\b|"
                      r"\bne\s+(?:me\s+|nous\s+)?conviennent\s+pas\b")
_DOUBT = re.compile(r"\b(?:hesite|hesitate|hesitating|pas\s+sur|not\s+sure|peut-etre|maybe|perhaps|difference|"
                    r"between|entre\s+la|laquelle|lequel|which\s+one|c'est\s+quoi|what\s+is|what's|qu'est-ce|"
                    r"delai|delay|extension|reporter|postpone)\b"
                    # "option 1 ou 2", "the first or the second"
                    r"|\b(?:ou|or)\s+(?:la\s+|le\s+|l'|the\s+|option\s+|number\s+)?(?:\d{1,2}|" + _ORDINAL_WORDS
                    + r")\b")
# Just before a mention, these say the debtor does not want it: "pas la 1", "I can't do 3 installments".
_NEGATED = re.compile(r"(?:\bpas|\bnot|\bnon|\bsauf|\bexcept|plutot\s+que|rather\s+than|instead\s+of|n't)"
                      r"\s+(?:[\w']+\s+){0,2}$")
_NOT_CHOICE_CONTEXT = re.compile(r"(?:facture|invoice|ref|reference|commande|order|client|dossier|devis|quote|"
                                 r"compte|account)\W*$")


def choose_option(text: str, options: Sequence[PlanOption]) -> int | None:
    """The 0-based index of the option a reply chooses, by its number ("2", "option 2", "la deuxième", "the last
    one") or by its count of installments ("en 3 fois", "the three-month one"); None when the reply chooses
    nothing, refuses them all, hesitates, or points at more than one.

    `text` is the debtor's own words: the quoted message, which lists every option, removed (reply_text).
    """
    folded = fold(text)
    if _REFUSAL.search(folded) or _DOUBT.search(folded):
        return None
    chosen: set[int] = set()
    for pattern in _BY_NUMBER:
        for found in pattern.finditer(folded):
            before = folded[:found.start()]
            if _NEGATED.search(before) or _NOT_CHOICE_CONTEXT.search(before[-25:]):
                continue
            if found.groupdict().get("o"):
                number = _ORDINALS[found["o"]]
                chosen.add(len(options) - 1 if number < 0 else number - 1)
            else:
                chosen.add(_number(found["n"]) - 1)
    for found in _BY_COUNT.finditer(folded):
        if not _NEGATED.search(folded[:found.start()]):
            count = _number(found["c"])
            chosen.update(i for i, option in enumerate(options) if option.count == count)
    for line in folded.splitlines():
        if line.strip() and (bare := _FILLER.sub("", line)).isdigit():
            chosen.add(int(bare) - 1)
    chosen &= set(range(len(options)))
    return chosen.pop() if len(chosen) == 1 else None


def _number(word: str) -> int:
    return int(word) if word.isdigit() else _WORDS[word]


# --- writing ------------------------------------------------------------------------------------------------------

def render_plan_options(env: Environment, *, language: Language, options: Sequence[PlanOption], currency: str,
                        creditor: Creditor, reference: str, debtor_name: str) -> RenderedMessage:
    """The options, numbered from 1 as choose_option reads them, and how to answer (text only; values are data)."""
    if not options:
        raise ValueError("no plan options to offer")
    context = {"language": language, "currency": currency, "options": list(options), "total": options[0].total,
               "creditor": creditor, "reference": reference, "debtor_name": debtor_name}
    return _render(env, language, "plan_options", context)


def render_plan_confirmed(env: Environment, *, language: Language, option: PlanOption, currency: str,
                          creditor: Creditor, reference: str, debtor_name: str) -> RenderedMessage:
    """The written confirmation of the plan the debtor accepted (text only; values are data)."""
    context = {"language": language, "currency": currency, "option": option, "creditor": creditor,
               "reference": reference, "debtor_name": debtor_name}
    return _render(env, language, "plan_confirmed", context)


def _render(env: Environment, language: Language, template: str, context: dict[str, object]) -> RenderedMessage:
    subject = one_line(render_part(env, language, template, "subject", context))
    return RenderedMessage(subject, render_part(env, language, template, "txt", context), "")
