"""Rate tables: yearly interest rates by period, each with its source, read from TOML (shipped or the owner's)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources

SHIPPED_TABLES = ("fr_b2b", "fr_legal_other", "eu_reference", "uk_base")


class UnknownRate(LookupError):
    """No confirmed rate covers the day: the owner must set it in the configuration before anything is computed."""

    def __init__(self, day: date, table: str) -> None:
        self.day = day
        self.table = table
        self.half_year = half_year_label(day)
        super().__init__(f"no confirmed rate in table {table!r} for {self.half_year} (needed for {day.isoformat()}); "
                         f"set the rate of {self.half_year} in the configuration, with its source")


class RateTableError(ValueError):
    """A rate table's text is malformed; the message names the table and the period to fix."""


@dataclass(frozen=True, slots=True)
class RatePeriod:
    """A yearly rate in percent from `start` to `end`, both included (`end` None: until further notice).

    `rate_percent` None means the period is known to exist but its value is not confirmed.
    """

    start: date
    end: date | None
    rate_percent: Decimal | None
    source: str

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True, slots=True)
class RateTable:
    name: str
    periods: tuple[RatePeriod, ...]  # sorted by start, never overlapping

    def period_on(self, day: date) -> RatePeriod | None:
        return next((period for period in self.periods if period.covers(day)), None)

    def rate_on(self, day: date) -> Decimal:
        """The confirmed yearly rate in percent on `day`; UnknownRate if none is confirmed."""
        period = self.period_on(day)
        if period is None or period.rate_percent is None:
            raise UnknownRate(day, self.name)
        return period.rate_percent


def half_year_label(day: date) -> str:
    """"2026 H2": how French and EU rates are published, and how the owner is asked for one."""
    return f"{day.year} H{1 if day.month <= 6 else 2}"


def load_rate_table(text: str, name: str) -> RateTable:
    """Read a table from TOML: `[[periods]]` with `start`, `end` (optional), `rate_percent` (optional), `source`.

    A period without `rate_percent` is unconfirmed. Rates may be written as strings ("14.50") or numbers;
    numbers are read as Decimal, never through float. Raises RateTableError naming what to fix.
    """
    try:
        data = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise RateTableError(f"rate table {name!r} is not valid TOML: {exc}") from exc
    raw_periods = data.get("periods")
    if not isinstance(raw_periods, list) or not raw_periods:
        raise RateTableError(f"rate table {name!r} has no [[periods]]")
    periods = sorted((_period(name, index, raw) for index, raw in enumerate(raw_periods, start=1)),
                     key=lambda period: period.start)
    for before, after in zip(periods, periods[1:]):
        if before.end is None or before.end >= after.start:
            raise RateTableError(f"rate table {name!r}: the period starting {before.start} overlaps the one "
                                 f"starting {after.start}")
    return RateTable(name=name, periods=tuple(periods))


def _period(name: str, index: int, raw: object) -> RatePeriod:
    where = f"rate table {name!r}, period {index}"
    if not isinstance(raw, dict):
        raise RateTableError(f"{where}: expected a table")
    start, end, rate, source = raw.get("start"), raw.get("end"), raw.get("rate_percent"), raw.get("source")
    # TOML dates arrive as date; a datetime (also a date subclass) would carry a time of day that means nothing here.
    if type(start) is not date or (end is not None and type(end) is not date):
        raise RateTableError(f"{where}: start and end must be dates such as 2025-01-01")
    if end is not None and end < start:
        raise RateTableError(f"{where}: ends ({end}) before it starts ({start})")
    if not isinstance(source, str) or not source.strip():
        raise RateTableError(f"{where}: every period needs a source")
    return RatePeriod(start=start, end=end, rate_percent=_rate(where, rate), source=source.strip())


def _rate(where: str, rate: object) -> Decimal | None:
    if rate is None:
        return None
    if isinstance(rate, bool) or not isinstance(rate, (str, int, Decimal)):
        raise RateTableError(f"{where}: rate_percent must be a number such as \"12.15\"")
    try:
        value = Decimal(str(rate).strip())
    except ArithmeticError as exc:
        raise RateTableError(f"{where}: rate_percent {rate!r} is not a number") from exc
    if not value.is_finite() or value < 0:
        raise RateTableError(f"{where}: rate_percent {rate!r} must be a positive number or zero")
    return value


@cache  # the shipped files never change while the program runs; parsing them once is enough
def shipped_rates(name: str) -> RateTable:
    """The table shipped with relance: "fr_b2b", "fr_legal_other", "eu_reference" or "uk_base"."""
    if name not in SHIPPED_TABLES:
        raise KeyError(f"no shipped rate table {name!r}; known: {', '.join(SHIPPED_TABLES)}")
    text = resources.files("dialogs").joinpath("data", "rates", f"{name}.toml").read_text(encoding="utf-8")
    return load_rate_table(text, name)
