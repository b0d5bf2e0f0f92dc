"""The business calendar: when a message may leave (sending window, weekdays, public holidays, gap).

Pure: every function takes the instant it reasons about and returns aware UTC datetimes.
The window is read on the firm's wall clock, as the half-open interval [window_start, window_end)
of each business day; a wall time skipped by a DST change means the first instant after the gap,
and a wall time repeated by one means its first occurrence.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Far more than any run of closed days (one open weekday a week, a few holidays a year).
_SEARCH_DAYS = 400


@dataclass(frozen=True, slots=True)
class BusinessCalendar:
    """Sending window `window_start`–`window_end` (local wall times) on `days` (0 = Monday) in `tz`,
    except public holidays of `country` (ISO 3166 code, or None for none)."""

    tz: ZoneInfo
    window_start: time
    window_end: time
    days: frozenset[int]
    country: str | None = None
    # Built once; `holidays` fills in each year the first time a date of it is looked up.
    _holidays: holidays.HolidayBase | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.window_start.tzinfo is not None or self.window_end.tzinfo is not None:
            raise ValueError("window_start and window_end are wall times: give them without tzinfo")
        if self.window_start >= self.window_end:
            raise ValueError(f"window_start {self.window_start} must be before window_end {self.window_end}")
        days = frozenset(self.days)
        if not days or not days <= set(range(7)):
            raise ValueError(f"days must be a non-empty set of weekdays 0 (Monday) to 6, got {sorted(days)}")
        object.__setattr__(self, "days", days)
        object.__setattr__(self, "_holidays", holidays.country_holidays(self.country) if self.country else None)

    @classmethod
    def from_settings(
        cls, *, timezone: str, window_start: time, window_end: time, days: Iterable[str], country: str | None
    ) -> BusinessCalendar:
        """Build from configuration values: an IANA zone name and weekday names "mon".."sun"."""
        unknown = set(days) - set(WEEKDAYS)
        if unknown:
            raise ValueError(f"unknown weekday names {sorted(unknown)} (use {', '.join(WEEKDAYS)})")
        return cls(ZoneInfo(timezone), window_start, window_end,
                   frozenset(WEEKDAYS.index(d) for d in days), country or None)

    def is_business_day(self, day: date) -> bool:
        """True when `day` (a local calendar date) is a sending weekday and not a public holiday."""
        return day.weekday() in self.days and not (self._holidays is not None and day in self._holidays)

    def is_open(self, at: datetime) -> bool:
        """True when a message may leave at the aware instant `at` (window start inclusive, end exclusive)."""
        day = self._local(at).date()
        return self.is_business_day(day) and self._opening(day) <= at < self._closing(day)

    def next_opening(self, at: datetime) -> datetime:
        """`at` itself if the window is open then, else the next instant it opens; aware, in UTC."""
        first = self._local(at).date()
        for offset in range(_SEARCH_DAYS):
            day = first + timedelta(days=offset)
            if self.is_business_day(day) and at < self._closing(day):
                return max(at.astimezone(UTC), self._opening(day))
        raise ValueError(f"no sending window within {_SEARCH_DAYS} days after {at.isoformat()}")

    def earliest_contact(self, last_contact: datetime | None, min_days: int) -> datetime | None:
        """First instant (UTC) a debtor contacted at `last_contact` may be contacted again: local midnight
        `min_days` calendar days later, at least the next day (one contact per local day); None if never."""
        if last_contact is None:
            return None
        return self.day_start(self._local(last_contact).date() + timedelta(days=max(min_days, 1)))

    def day_start(self, day: date) -> datetime:
        """The first instant (UTC) of `day` on the firm's wall clock."""
        return self._first_instant(day, time(0))

    def next_send_time(self, due_at: datetime, last_contact: datetime | None, min_days: int) -> datetime:
        """First open instant (UTC) no earlier than `due_at` nor than `earliest_contact(...)`."""
        earliest = self.earliest_contact(last_contact, min_days)
        start = due_at if earliest is None else max(self._local(due_at), earliest)
        return self.next_opening(start)

    def _local(self, at: datetime) -> datetime:
        """`at` on the firm's wall clock; refuses naive datetimes, whose instant is unknown."""
        if at.tzinfo is None or at.utcoffset() is None:
            raise ValueError(f"naive datetime {at.isoformat()}: give an aware one (e.g. tzinfo=UTC)")
        return at.astimezone(self.tz)

    def _opening(self, day: date) -> datetime:
        return self._first_instant(day, self.window_start)

    def _closing(self, day: date) -> datetime:
        return self._first_instant(day, self.window_end)

    def _first_instant(self, day: date, wall: time) -> datetime:
        """First UTC instant at which the local wall clock reads `wall` or later on `day`."""
        naive = datetime.combine(day, wall)
        # PEP 495: fold=0 is the first occurrence of a repeated time; for a skipped one the two folds
        # straddle the gap, fold=0 landing as far after it as fold=1 lands before.
        first = naive.replace(tzinfo=self.tz).astimezone(UTC)
        if first.astimezone(self.tz).replace(tzinfo=None) == naive:
            return first
        before = naive.replace(tzinfo=self.tz, fold=1).astimezone(UTC)
        span = int((first - before).total_seconds())
        # Skipped wall time: the gap ends at the DST transition, found to the second (tzdata's resolution).
        step = bisect_left(range(span + 1), True,
                           key=lambda s: self._local(before + timedelta(seconds=s)).replace(tzinfo=None) >= naive)
        return before + timedelta(seconds=step)
