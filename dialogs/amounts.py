"""Sums of money written in prose ("1 250,50 €", "€1,250.50", "500 balles", "3 x 400 €"), each with
the role its words give it: a sum, one installment of several, a debt owed, or a company's capital.

The span is found first and read with money.parse_amount: price-parser on a whole sentence takes its
first number, whatever it is (TESTING.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from babel.numbers import list_currencies

from dialogs.dates import MONTHS, NUMBER_WORDS, number_value
from dialogs.folding import fold
from dialogs.money import AmountError, parse_amount


class MoneyRole(StrEnum):
    SUM = "sum"                  # a sum paid, promised or disputed
    OWED = "owed"                # "les 2 000 € dus": what the debt is, not what is offered
    INSTALLMENT = "installment"  # one of several: "3 x 400 €", "400 € par mois"
    CAPITAL = "capital"          # "SARL au capital de 10 000 €": a signature, never a payment
    LIMIT = "limit"              # "invoices over $1,000 need two signatures", "a client owes me 4 000 €"
    CONTESTED = "contested"      # "la différence de 250 €", "£120 overcharged": the part a dispute is about
    AGREED = "agreed"            # "the £2,400 as agreed": a sum to pay, but never the part disputed


@dataclass(frozen=True, slots=True)
class MoneyMention:
    start: int
    end: int
    value: Decimal
    currency: str | None
    role: MoneyRole
    # How many installments of this amount the words say: 3 in "3 x 400 €"; None when unsaid.
    count: int | None = None
    # The other currencies its sign may stand for: "$" is also the Australian or Canadian dollar.
    alternatives: tuple[str, ...] = ()

    @property
    def settled(self) -> bool:
        """Whether its sign names one currency only, whatever reminder it answers."""
        return self.currency is not None and not self.alternatives

    def currency_in(self, context: str | None) -> str | None:
        """Its currency, read as the reminder answered has it (`context`) when its sign is shared or unwritten:
        "$29,600" answering an invoice in AUD is in AUD, "1.875,-" answering one in EUR is in EUR."""
        if context and (self.currency is None or context in self.alternatives):
            return context
        return self.currency


# Signs as written, spaces taken out ("F CFA" and "FCFA" are one key, "francs CFA" is "francscfa").
_CURRENCIES = {"€": "EUR", "euro": "EUR", "euros": "EUR", "balles": "EUR", "e": "EUR",
               "£": "GBP", "livresterling": "GBP", "livressterling": "GBP", "pound": "GBP", "pounds": "GBP",
               "$": "USD", "us$": "USD", "dollar": "USD", "dollars": "USD", "a$": "AUD", "au$": "AUD", "c$": "CAD",
               "ca$": "CAD", "nz$": "NZD", "s$": "SGD", "hk$": "HKD", "r$": "BRL", "r": "ZAR",
               # French writers put the country after the sign, as CLDR's fr formats do: "2 150,00 $ CA".
               "$ca": "CAD", "$us": "USD", "$au": "AUD", "$nz": "NZD", "$sg": "SGD", "$hk": "HKD",
               "fr.": "CHF", "sfr.": "CHF", "franc": "CHF", "francs": "CHF",
               "fcfa": "XOF", "cfa": "XOF", "franccfa": "XOF", "francscfa": "XOF",
               "cfp": "XPF", "fcfp": "XPF", "franccfp": "XPF", "francscfp": "XPF",
               "kr": "SEK", "kr.": "SEK", "kronor": "SEK", "kroner": "NOK", "zl": "PLN",
               "dh": "MAD", "dhs": "MAD", "dirhams": "MAD", "rand": "ZAR", "yen": "JPY", "¥": "JPY", "yuan": "CNY",
               "rmb": "CNY", "₹": "INR", "rs": "INR", "rs.": "INR", "rupees": "INR", "₪": "ILS", "naira": "NGN"}
# ISO 4217 codes, as accounts departments write them: "SEK 48 000", "1 250 000 XOF".
_CODES = ("eur", "gbp", "usd", "chf", "cad", "aud", "nzd", "sgd", "hkd", "zar", "sek", "nok", "dkk", "pln", "czk",
          "huf", "ron", "mad", "tnd", "dzd", "xof", "xaf", "xpf", "jpy", "cny", "inr", "ils", "ngn", "brl", "mxn")
_CURRENCIES.update({code: code.upper() for code in _CODES})
# Signs several currencies share; the reminder answered (its subject, the quoted text) tells which is meant.
_DOLLARS = ("USD", "AUD", "CAD", "NZD", "SGD", "HKD")
_FRANCS = ("CHF", "XOF", "XAF", "XPF")
_CFA = ("XOF", "XAF")
_KRONER = ("SEK", "NOK", "DKK")
_SHARED = {"$": _DOLLARS, "dollar": _DOLLARS, "dollars": _DOLLARS, "fr.": _FRANCS, "franc": _FRANCS,
           "francs": _FRANCS, "fcfa": _CFA, "cfa": _CFA, "franccfa": _CFA, "francscfa": _CFA, "kr": _KRONER,
           "kr.": _KRONER, "kroner": ("NOK", "DKK")}
# Thousands grouped by spaces, dots or commas, or a plain number, with up to two decimals.
# Swiss writers group thousands with an apostrophe: "EUR 2'340.00"; they and German writers put a dash for
# no cents: "CHF 3'450.–", "860,- EUR".
_CENTS = r"(?:[.,]\d{1,2}|[.,]-{1,2}(?![\w-]))?"


def _number(grouping: str) -> str:
    return r"\d{1,3}(?:" + grouping + r"\d{3})+" + _CENTS + r"(?!\d)|\d+" + _CENTS + r"(?!\d)"


_NUM = _number(r"[ .,']")
_ANY_CODE = r"(?:" + "|".join(_CODES) + r")\b"
# Before a number, not the codes that are also words: "ils 2 fois", "mad 100 %".
_CODE_BEFORE = r"(?:" + "|".join(c for c in _CODES if c not in ("ils", "mad", "ron")) + r")\b"
_CUR_AFTER = (r"€|euros?\b|balles\b|£|livres?\s+sterling\b|pounds?\b|\$\s?(?:ca|us|au|nz|sg|hk)\b|\$|dollars?\b|"
              r"francs?\s+c[fp]a\b|"
              r"francs?\b|fr\.|f\s?cfa\b|cfa\b|f?\s?cfp\b|kr\b\.?|kronor\b|kroner\b|zl\b|dhs?\b|dirhams\b|rand\b|"
              r"yen\b|yuan\b|rmb\b|rupees\b|naira\b|" + _ANY_CODE
              # SMS French glues an "e" for euros: "le cheque de 210e", "100e par mois" (not "le 21e siecle").
              + r"|(?<=\d{2})e\b(?!\s+(?:siecle|anniversaire|edition|etage|arrondissement|rang|place|relance|rappel|"
              r"jour|mois|semaine|annee|fois|trimestre))")
_MONEY = re.compile(
    # "R38 500,00": the rand's R, only glued to a sum grouped in thousands.
    r"(?<![\w.,/-])(?:(?P<before>€|£|us\$|a\$|au\$|ca?\$|nz\$|s\$|hk\$|r\$|\$|¥|₹|₪|"
    r"rs\.?(?=\s?\d)|kr\.?(?=\s?\d)|"
    r"r(?=\d{1,3}[ ,]\d{3}\b)|"
    r"s?fr\.|" + _CODE_BEFORE + r")\s?(?P<n1>" + _NUM + r")"
    r"|(?P<n2>" + _NUM + r")\s?(?P<after>" + _CUR_AFTER + r"))")
# Any other ISO 4217 code babel knows, in capitals as accounts departments write them ("MUR 15,000",
# "2 500 000 MGA"): read on the original text, since in lower case many are words ("all", "top", "mur").
_ISO_CODES = frozenset(list_currencies())
_NUM_ANY_SPACE = _number("[ .,'\u00a0\u202f\u2009\u2019]")
_ISO_MONEY = re.compile(r"(?<![\w.,/-])(?:(?P<c1>[A-Z]{3})[ \u00a0]?(?P<n1>" + _NUM_ANY_SPACE + r")"
                        r"|(?P<n2>" + _NUM_ANY_SPACE + r")[ \u00a0\u202f]?(?P<c2>[A-Z]{3})\b)")
# A bare number is money only right after a verb or noun of paying: "je peux verser 500 vendredi".
_BARE = re.compile(
    r"\b(?:payer|paierai|paierons|paie|paye|payerai|regler|reglerai|reglerons|verser|verserai|verserons|"
    r"virer|virerai|vire|regle|verse|pay|paid|send|sent|transfer|transferred|wire|wired|montant|somme|"
    r"amount|sum|total|acompte|deposit)\s+(?:(?:vous|you|les|the|un|une|a|an|de|of|d'|l'|du|seulement|only|"
    r"deja|already)\s*)*(?<![\w.,/-])(?P<n3>" + _NUM + r")"
    r"(?!\s*(?:jours?|days?|fois|x\b|mois|months?|semaines?|weeks?|%|/|h\b|heures?|ans|years?|[.,]\d))")

_MONTH = r"(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")"
_COUNT = r"(?P<count>\d{1,2}|" + "|".join(re.escape(w) for w in NUMBER_WORDS if " " not in w) + r")"
# "3 x 400 €"; "6 months at $250", "10 mois à 85 €".
_TIMES_BEFORE = re.compile(_COUNT + r"\s*(?:(?:x|fois|×|\*)\s*(?:de\s+)?|"
                           r"(?:months|mois|weeks|semaines)\s+(?:at|a|of|de)\s+)$")
# Plural nouns only ("payment of USD 2,000" is one sum), and "mensualité", always one of several.
# The rhythm may come between the count and the noun: "6 weekly payments of €150".
_RHYTHM = r"(?:mensuel(?:le)?s?|hebdomadaires?|monthly|weekly|fortnightly|equal|egaux|egales)\s+"
# A count may be spelt out and repeated in figures: "three (3) instalments of EUR 1,000".
_INSTALLMENTS_OF = re.compile(_COUNT + r"?(?:\s*\(\d{1,2}\))?\s*(?:" + _RHYTHM + r")?"
                              r"(?:mensualites?|versements|echeances|paiements|"
                              r"prelevements|installments?|instalments?|payments|traites|rates)\s+(?:" + _RHYTHM + r")?"
                              r"(?:de|of)\s+(?:environ\s+|about\s+)?$"
                              # One of them by its rank: "first rate of 1.100 EUR", "le second versement de 500 €"
                              r"|\b(?:first|second|third|last|final|premiere?|deuxieme|seconde?|troisieme|derniere?)\s+"
                              r"(?:rate|installment|instalment|payment|versement|paiement|mensualite|echeance|"
                              r"tranche)\s+(?:de|of)\s+$")
_PER_PERIOD_AFTER = re.compile(r"^\s*(?:/\s*|par\s+|per\s+|a\s+|an?\s+|chaque\s+|each\s+|every\s+|tous\s+les\s+|"
                               r"toutes\s+les\s+)(?:(?:two|2|deux|other|quinze|15)\s+)?(?:mois|months?|semaines?|"
                               r"weeks?|jours|trimestre|quarter|quinzaine)\b"
                               # "£75 every friday", "50 € tous les lundis"
                               r"|^\s*(?:every|each|chaque|tous\s+les)\s+(?:mondays?|tuesdays?|wednesdays?|thursdays?|"
                               r"fridays?|saturdays?|sundays?|lundis?|mardis?|mercredis?|jeudis?|vendredis?|samedis?)\b"
                               r"|^\s*(?:mensuels?|monthly|weekly|fortnightly|bi-?weekly)\b"
                               # "950 euros chaque fois", "£200 each time"
                               r"|^\s*(?:chaque\s+fois|a\s+chaque\s+fois|each\s+time|every\s+time)\b"
                               # one sum on a day of several months: "£300 on the 1st of December, January and March"
                               r"|^\s*(?:on\s+)?(?:the|le)\s+\d{1,2}(?:st|nd|rd|th|er|e)?\s+(?:of\s+|de\s+|d')?"
                               + _MONTH + r"\s*(?:,\s*" + _MONTH + r"\s*)*(?:and|et)\s+" + _MONTH + r"\b"
                               # "$600 on the 15th of each month", "300 € le 5 de chaque mois"
                               r"|^\s*(?:on\s+)?(?:the|le)\s+\d{1,2}(?:st|nd|rd|th|er|e)?\s+(?:of\s+(?:each|every)"
                               r"\s+month|de\s+chaque\s+mois)\b")
_CAPITAL_BEFORE = re.compile(r"\bcapital\b[^.\n]{0,25}$")
# The part a dispute names: the difference, the excess, the sum refused or said too high.
_CONTESTED_BEFORE = re.compile(
    r"(?:\b(?:difference|ecart|surplus|excedent|excess|extra|supplement|overcharge)\s+(?:est\s+|is\s+|s'eleve\s+|"
    r"amounts\s+)?(?:de|of|d'|a|to)\s*"
    r"|\b(?:retirer|enlever|deduire|soustraire|remove|deduct|knock\s+off|take\s+off)\s+(?:les\s+|the\s+)?"
    # "agreed to knock €150 off"
    r"|\b(?:knock|knocking|knocked)\s+"
    # what the debtor will deduct: "nous déduirons la session annulée (700 €)"
    r"|\b(?:deduir\w*|deduisons|deduis|deduct\w*|retrancher\w*)\b[^.;!?\n]{0,40}?\(\s*"
    r"|\b(?:contest\w*|disputed?|dispute)\s+(?:donc\s+|therefore\s+|thus\s+)?(?:les\s+|le\s+|la\s+|the\s+)?"
    r"|\b(?:(?:paierai|paierons|payerai|payerons|reglerai|reglerons|paye|paie|payons|regle|reglons)\s+(?:pas|jamais)"
    r"|(?:mais|certainement|surtout|absolument)\s+pas)\s+(?:les|le|la|ces|ce|cette)\s+"
    r"|\b(?:won't|will\s+not|shan't|not|refuse\s+to)\s+(?:be\s+)?pay(?:ing)?\s+(?:for\s+)?(?:those|these|the|this|"
    r"that)?\s*\(?\s*)$")
_CONTESTED_AFTER = re.compile(
    r"^\s*\)?\s*(?:too\s+(?:high|much)|de\s+trop|en\s+trop|overcharged|surfactur\w*|de\s+plus\s+que|"
    r"more\s+than\s+(?:the\s+|our\s+)?(?:quote|quoted|agreed|estimate|po\b|purchase\s+order)|difference\b|"
    r"discrepancy\b|"
    r"(?:we|i)\s+(?:will\s+not|won't|shall\s+not|cannot|can't|refuse\s+to)\s+pay|"
    r"(?:je|nous)\s+(?:ne\s+)?(?:paierai|paierons|reglerai|reglerons|payerai|payerons)\s+pas)\b")
# A price agreed is what the debtor accepts: "(£2,400 all in)", "a fixed price of € 1.200", "comme convenu".
_AGREED_BEFORE = re.compile(r"\b(?:agreed|convenue?s?|fixed\s+price|prix\s+(?:fixe|forfaitaire)|forfait|quoted|"
                            r"quotation|devis)\b[^.;!?\n]{0,30}$")
_AGREED_AFTER = re.compile(r"^\s*\)?\s*,?\s*(?:all\s+in|as\s+(?:agreed|quoted)|comme\s+(?:convenu|prevu)|"
                           r"tout\s+compris)\b")
# Someone else's debt to the writer is no sum of this one: "un client qui me doit 4 000 balles".
_OTHERS_BEFORE = re.compile(r"\b(?:(?:me|nous|m')\s*(?:doit|doivent)|owes?\s+(?:me|us)|owing\s+(?:me|us))\s+"
                            r"(?:encore\s+|still\s+)?$")
_LIMIT_BEFORE = re.compile(r"\b(?:over|above|under|below|exceeding|more\s+than|less\s+than|up\s+to|plus\s+de|"
                           r"moins\s+de|au-dessus\s+de|au-dela\s+de|en\s+dessous\s+de|superieure?s?\s+a|"
                           r"inferieure?s?\s+a|jusqu'a)\s*$")
# The whole debt, said as what cannot be paid at once or is to be split: "les 2 980 € en deux fois".
_OWED_AFTER = re.compile(r"^\s*(?:dus?\b|dues?\b|owed\b|owing\b|outstanding\b|restants?\b|impayes?\b|"
                         r"d'un\s+(?:seul\s+)?coup\b|en\s+une\s+(?:seule\s+)?fois\b|at\s+once\b|in\s+one\s+go\b|"
                         r"en\s+(?:deux|trois|quatre|cinq|six|plusieurs|\d{1,2})\s+"
                         r"(?:fois|versements|mensualites|echeances)\b|"
                         r"in\s+(?:two|three|four|five|six|\d{1,2})\s+(?:instal?lments|payments|parts)\b|"
                         r"qui\s+(?:restent|reste)\b|que\s+(?:je|nous)\s+(?:vous\s+)?(?:dois|devons)\b)")
# What is left after a first payment is not the whole debt: "et le reste 3 200 € en 4 fois".
_REST_BEFORE = re.compile(r"\b(?:le\s+reste|le\s+solde|the\s+rest|the\s+balance|the\s+remainder)\s*(?:de\s+|of\s+)?$")
_OWED_BEFORE = re.compile(r"(?:\b(?:dois|devons|owe|doit|devez|reclamez|claim|total\s+de|total\s+of|montant\s+"
                          r"total\s+de|sur\s+les|out\s+of\s+the|sur\s+un\s+total\s+de)\s+(?:les\s+|the\s+|vous\s+|"
                          r"you\s+)*)$")


def _value(number: str) -> Decimal | None:
    number = number.replace("'", "")
    try:
        return parse_amount(number)
    except AmountError:
        # "1,250 €" or "1.250 €": a sum in a reply is never a euro and a quarter; it is thousands.
        compact = number.replace(" ", "")
        if re.fullmatch(r"\d{1,3}[.,]\d{3}", compact):
            return Decimal(compact.replace(",", "").replace(".", ""))
        return None


def _role(folded: str, start: int, end: int) -> tuple[MoneyRole, int | None]:
    before, after = folded[max(0, start - 40):start], folded[end:end + 60]
    if _CAPITAL_BEFORE.search(before):
        return MoneyRole.CAPITAL, None
    if _LIMIT_BEFORE.search(before) or _OTHERS_BEFORE.search(before):
        return MoneyRole.LIMIT, None
    times = _TIMES_BEFORE.search(before) or _INSTALLMENTS_OF.search(before)
    if times:
        return MoneyRole.INSTALLMENT, number_value(times["count"]) if times["count"] else None
    if _PER_PERIOD_AFTER.match(after):
        return MoneyRole.INSTALLMENT, None
    if _CONTESTED_AFTER.match(after) or _CONTESTED_BEFORE.search(before):
        return MoneyRole.CONTESTED, None
    if _AGREED_AFTER.match(after) or _AGREED_BEFORE.search(before):
        return MoneyRole.AGREED, None
    if (_OWED_AFTER.match(after) and not _REST_BEFORE.search(before)) or _OWED_BEFORE.search(before):
        return MoneyRole.OWED, None
    return MoneyRole.SUM, None


def _sign(written: str) -> str:
    return "".join(written.split())


def find_amounts(text: str) -> list[MoneyMention]:
    """Every sum of money in `text`, in reading order."""
    folded = fold(text)
    found: list[MoneyMention] = []
    taken: list[tuple[int, int]] = []
    for m in _MONEY.finditer(folded):
        number = m["n1"] or m["n2"]
        value = _value(number)
        if value is None or value == 0:
            continue
        symbol = _sign(m["before"] or m["after"])
        role, count = _role(folded, m.start(), m.end())
        found.append(MoneyMention(m.start(), m.end(), value, _CURRENCIES.get(symbol, "EUR"), role, count,
                                  _SHARED.get(symbol, ())))
        taken.append((m.start(), m.end()))
    for m in _ISO_MONEY.finditer(text):
        code = m["c1"] or m["c2"]
        value = _value(fold(m["n1"] or m["n2"]))
        if code not in _ISO_CODES or value is None or value == 0 or any(
                s < m.end() and m.start() < e for s, e in taken):
            continue
        role, count = _role(folded, m.start(), m.end())
        found.append(MoneyMention(m.start(), m.end(), value, code, role, count))
        taken.append((m.start(), m.end()))
    for m in _BARE.finditer(folded):
        start, end = m.span("n3")
        if any(s <= start < e for s, e in taken):
            continue
        value = _value(m["n3"])
        if value is None or value < 10:  # "payer les 2" is a count of invoices, not a sum
            continue
        role, count = _role(folded, start, end)
        found.append(MoneyMention(start, end, value, None, role, count))
    found.sort(key=lambda f: f.start)
    return found
