"""Money as Decimal: reading amounts written the French or the English way, and cents."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

CENT = Decimal("0.01")

# Spaces of every kind that French software puts between thousands (U+00A0, U+202F).
_SPACES = re.compile(r"[\s\u00a0\u202f']")
_SYMBOLS = re.compile(r"(?i)(€|eur(?:os?)?|\$|usd|£|gbp|chf)")
_SHAPE = re.compile(r"[+-]?\d+(?:[.,]\d+)*")
# "860,-", "3'450.–": Swiss and German writers put a dash where there are no cents.
_NO_CENTS = re.compile(r"[.,][-\u2013\u2014]{1,2}$")


class AmountError(ValueError):
    """The text is not an amount of money; the message says why, for the user."""


def parse_amount(text: str) -> Decimal:
    """Read "1 234,56", "1,234.56", "1.234,56", "-120", "800 €", "3'450.–" as a Decimal.

    With both separators the last one is the decimal mark. With only one kind, several groups of
    three digits are thousands ("1,250,000"), one or two digits after it are decimals ("12,5"),
    and a single group of three ("1,250": 1250 or 1.25?) is refused as ambiguous rather than guessed.
    """
    raw = _SYMBOLS.sub("", _SPACES.sub("", text.strip()))
    if _NO_CENTS.search(raw):  # the dash stands for the cents, so any other mark groups thousands
        raw = _NO_CENTS.sub("", raw).replace(".", "").replace(",", "")
    negative = raw.startswith("(") and raw.endswith(")")  # accounting style for credits
    if negative:
        raw = raw[1:-1]
    if not raw or not _SHAPE.fullmatch(raw):
        raise AmountError(f"not an amount: {text.strip()!r}")
    number = _normalise_separators(raw)
    try:
        value = Decimal(number)
    except InvalidOperation as exc:  # pragma: no cover - the shape check above guards it
        raise AmountError(f"not an amount: {text.strip()!r}") from exc
    return -value if negative else value


def _normalise_separators(raw: str) -> str:
    sign = raw[0] if raw[0] in "+-" else ""
    digits = raw[len(sign):]
    last_dot, last_comma = digits.rfind("."), digits.rfind(",")
    if last_dot >= 0 and last_comma >= 0:
        decimal_mark = "." if last_dot > last_comma else ","
        thousands = "," if decimal_mark == "." else "."
        digits = digits.replace(thousands, "").replace(decimal_mark, ".")
    elif last_dot >= 0 or last_comma >= 0:
        mark = "." if last_dot >= 0 else ","
        groups = digits.split(mark)
        if len(groups) > 2:
            if any(len(g) != 3 for g in groups[1:]):
                raise AmountError(f"not an amount: {raw!r}")
            digits = "".join(groups)
        elif len(groups[-1]) == 3:
            whole, part = groups
            raise AmountError(f"ambiguous amount {raw!r}: write {whole}{part} or {whole}{mark}{part[:2]}… "
                              f"with two decimals, or use a space between thousands")
        else:
            digits = digits.replace(mark, ".")
    return sign + digits


def to_cents(amount: Decimal) -> int:
    """Exact integer cents; raise AmountError if the amount has fractions of a cent."""
    if amount != amount.quantize(CENT):
        raise AmountError(f"{amount} has more than two decimals")
    return int(amount.scaleb(2))


def from_cents(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2).quantize(CENT)
