"""Money and dates written for a reader of a given language ("1 450,00 €" / "€1,450.00")."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.dates import format_date as _babel_date
from babel.numbers import format_currency

from dialogs.parties import Language

LOCALES: dict[Language, str] = {Language.FR: "fr_FR", Language.EN: "en_GB"}


def format_money(amount: Decimal, currency: str, language: Language) -> str:
    return format_currency(amount, currency, locale=LOCALES[Language(language)])


def format_date(day: date, language: Language, style: str = "long") -> str:
    """"15 décembre 2026" / "15 December 2026" (style "long"), or "15/12/2026" (style "short")."""
    return _babel_date(day, format=style, locale=LOCALES[Language(language)])
