"""Money and dates written for a reader of a given language ("1 450,00 €" / "€1,450.00")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.dates import format_date as _babel_date
from babel.numbers import format_currency, get_currency_precision

from dialogs.parties import Language

# Parsed once: Babel re-parses a locale given as a string on every call, which doubles its cost.
LOCALES: dict[Language, Locale] = {Language.FR: Locale.parse("fr_FR"), Language.EN: Locale.parse("en_GB")}
_PROBE = Decimal("1234567.89")


@dataclass(frozen=True, slots=True)
class _MoneyShape:
    """How Babel writes amounts of one currency in one locale, read once from Babel itself."""

    prefix: str
    negative_prefix: str
    suffix: str
    group: str
    decimal: str

    def format(self, amount: Decimal) -> str:
        cents = int(abs(amount).quantize(Decimal("0.01")).scaleb(2))
        whole = f"{cents // 100:,}".replace(",", self.group)
        head = self.negative_prefix if amount < 0 else self.prefix
        return f"{head}{whole}{self.decimal}{cents % 100:02d}{self.suffix}"


@lru_cache(maxsize=64)
def _shape(currency: str, language: Language) -> _MoneyShape | None:
    """Babel's pattern for this pair, or None where the shortcut would not be exact (not 2 decimals)."""
    locale = LOCALES[language]
    if get_currency_precision(currency) != 2:
        return None
    sample = format_currency(_PROBE, currency, locale=locale)
    negative = format_currency(-_PROBE, currency, locale=locale)
    start, end = sample.index("1"), sample.rindex("9")
    digits = sample[start : end + 1]  # "1 234 567,89"
    decimal = digits[-3]
    group = digits[1]
    shape = _MoneyShape(prefix=sample[:start], negative_prefix=negative[: negative.index("1")],
                        suffix=sample[end + 1 :], group=group, decimal=decimal)
    # Trust the shortcut only where it reproduces Babel on the probes.
    if shape.format(_PROBE) != sample or shape.format(-_PROBE) != negative:
        return None
    return shape


def format_money(amount: Decimal, currency: str, language: Language) -> str:
    """Babel's formatting, through a shape read once from Babel per currency and language.

    A sweep writes thousands of amounts, and Babel takes ~25 µs for each; the shape takes ~2 µs.
    """
    shape = _shape(currency, Language(language))
    if shape is None:
        return format_currency(amount, currency, locale=LOCALES[Language(language)])
    return shape.format(amount)


# A reminder states each date in its subject, text and HTML, and a sweep writes thousands of them.
@lru_cache(maxsize=4096)
def format_date(day: date, language: Language, style: str = "long") -> str:
    """"15 décembre 2026" / "15 December 2026" (style "long"), or "15/12/2026" (style "short")."""
    return _babel_date(day, format=style, locale=LOCALES[Language(language)])
