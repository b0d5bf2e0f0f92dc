"""Aging of open amounts ("balance âgée") and days sales outstanding, as pure arithmetic over dates."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

DSO_PRECISION = Decimal("0.1")


class Bucket(StrEnum):
    """How late an open amount is; the values are the labels machines read in `relance report --json`."""

    NOT_DUE = "not_due"
    DAYS_1_30 = "1-30"
    DAYS_31_60 = "31-60"
    DAYS_61_90 = "61-90"
    OVER_90 = "90+"


# Upper bound (inclusive) of days overdue for each bucket, in order; past the last one is OVER_90.
_LIMITS: tuple[tuple[int, Bucket], ...] = (
    (0, Bucket.NOT_DUE),
    (30, Bucket.DAYS_1_30),
    (60, Bucket.DAYS_31_60),
    (90, Bucket.DAYS_61_90),
)


def days_overdue(due: date, today: date) -> int:
    """Whole days since `due`; 0 on the due date itself and before it."""
    return max(0, (today - due).days)


def bucket(days: int) -> Bucket:
    """The aging bucket of an amount `days` overdue (0 means not yet due)."""
    for limit, name in _LIMITS:
        if days <= limit:
            return name
    return Bucket.OVER_90


def dso(receivables: Decimal, sales: Decimal, days: int) -> Decimal | None:
    """Days sales outstanding = receivables ÷ sales over the period × its length in days, to 0.1 day.

    None when the period has no sales (or only credit notes): the ratio would mean nothing.
    """
    if sales <= 0:
        return None
    return (receivables / sales * days).quantize(DSO_PRECISION, rounding=ROUND_HALF_UP)
