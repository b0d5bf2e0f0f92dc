"""The business calendar: sending window, weekends, public holidays, DST and the gap between contacts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from scheduler.calendar import BusinessCalendar

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
WEEK = frozenset(range(5))
EVERY_DAY = frozenset(range(7))

FRANCE = BusinessCalendar(PARIS, time(9), time(18), WEEK, "FR")


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- the window ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("at", "is_open"),
    [
        (paris(2026, 11, 10, 8, 59, 59), False),
        (paris(2026, 11, 10, 9, 0), True),  # window_start is inclusive
        (paris(2026, 11, 10, 17, 59, 59), True),
        (paris(2026, 11, 10, 18, 0), False),  # window_end is exclusive
        (paris(2026, 11, 10, 23, 30), False),
        (paris(2026, 11, 10, 3, 0), False),
    ],
    ids=["just-before-opening", "at-opening", "just-before-closing", "at-closing", "night", "early-morning"],
)
def test_the_window_opens_at_its_start_and_is_closed_at_its_end(at: datetime, is_open: bool) -> None:
    assert FRANCE.is_open(at) is is_open


@pytest.mark.parametrize("day", [date(2026, 11, 14), date(2026, 11, 15)], ids=["saturday", "sunday"])
def test_weekends_are_closed(day: date) -> None:
    assert not FRANCE.is_business_day(day)
    assert not FRANCE.is_open(datetime.combine(day, time(12), tzinfo=PARIS))


@pytest.mark.parametrize(
    "day",
    [date(2026, 11, 11), date(2026, 12, 25), date(2027, 1, 1), date(2027, 3, 29), date(2027, 5, 6)],
    ids=["armistice-wednesday", "christmas", "new-year", "easter-monday-2027", "ascension-2027"],
)
def test_french_public_holidays_on_weekdays_are_closed(day: date) -> None:
    assert day.weekday() < 5
    assert not FRANCE.is_business_day(day)
    assert not FRANCE.is_open(datetime.combine(day, time(12), tzinfo=PARIS))
    assert FRANCE.next_opening(datetime.combine(day, time(12), tzinfo=PARIS)).date() > day


def test_an_ordinary_weekday_is_a_business_day() -> None:
    assert FRANCE.is_business_day(date(2026, 11, 10))


def test_without_a_country_holidays_are_ordinary_days() -> None:
    calendar = BusinessCalendar(PARIS, time(9), time(18), WEEK, None)
    assert calendar.is_open(paris(2026, 12, 25, 10, 0))


# --- next opening -------------------------------------------------------------------------------

def test_an_open_instant_is_its_own_next_opening_in_utc() -> None:
    opening = FRANCE.next_opening(paris(2026, 11, 10, 10, 15))
    assert opening == utc(2026, 11, 10, 9, 15)
    assert opening.tzinfo is UTC


def test_before_the_window_the_next_opening_is_the_same_morning() -> None:
    assert FRANCE.next_opening(paris(2026, 11, 10, 7, 0)) == utc(2026, 11, 10, 8, 0)


@pytest.mark.parametrize(
    ("at", "opening"),
    [
        (paris(2026, 11, 13, 18, 30), utc(2026, 11, 16, 8, 0)),  # Friday evening → Monday 09:00 CET
        (paris(2026, 11, 10, 18, 0), utc(2026, 11, 12, 8, 0)),  # Tuesday close → Thursday, over 11 Nov
        (paris(2026, 12, 24, 19, 0), utc(2026, 12, 28, 8, 0)),  # Christmas Eve → Monday 28 Dec
        (paris(2026, 12, 31, 18, 0), utc(2027, 1, 4, 8, 0)),  # New Year's Eve → Monday 4 Jan
        (paris(2027, 3, 26, 18, 0), utc(2027, 3, 30, 7, 0)),  # Good Friday (worked) → Tuesday after Easter Monday
        (paris(2027, 5, 5, 18, 0), utc(2027, 5, 7, 7, 0)),  # eve of Ascension → Friday
    ],
    ids=["friday-evening", "armistice", "christmas-eve", "new-years-eve", "easter", "ascension"],
)
def test_a_closed_instant_waits_for_the_next_opening(at: datetime, opening: datetime) -> None:
    assert FRANCE.next_opening(at) == opening


def test_the_instant_may_be_given_in_any_timezone() -> None:
    tokyo = datetime(2026, 11, 14, 2, 30, tzinfo=ZoneInfo("Asia/Tokyo"))  # Friday 18:30 in Paris
    assert FRANCE.next_opening(tokyo) == utc(2026, 11, 16, 8, 0)


# --- DST ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("at", "opening"),
    [
        (paris(2026, 3, 28, 12, 0), utc(2026, 3, 30, 7, 0)),  # Saturday before spring forward → 09:00 CEST
        (paris(2026, 3, 27, 7, 0), utc(2026, 3, 27, 8, 0)),  # Friday before: still 09:00 CET
        (paris(2026, 10, 23, 18, 30), utc(2026, 10, 26, 8, 0)),  # Friday before fall back → 09:00 CET
        (paris(2026, 10, 23, 7, 0), utc(2026, 10, 23, 7, 0)),  # Friday before: still 09:00 CEST
    ],
    ids=["spring-monday", "spring-friday", "autumn-monday", "autumn-friday"],
)
def test_the_window_follows_the_wall_clock_across_dst_changes(at: datetime, opening: datetime) -> None:
    assert FRANCE.next_opening(at) == opening


@pytest.mark.parametrize(
    ("at", "opening", "closing"),
    [
        (utc(2026, 3, 28, 18, 0), utc(2026, 3, 29, 7, 0), utc(2026, 3, 29, 16, 0)),  # the 23-hour Sunday
        (utc(2026, 10, 24, 18, 0), utc(2026, 10, 25, 8, 0), utc(2026, 10, 25, 17, 0)),  # the 25-hour Sunday
    ],
    ids=["spring-forward", "fall-back"],
)
def test_a_window_on_the_dst_sunday_itself_uses_that_days_offset(
    at: datetime, opening: datetime, closing: datetime
) -> None:
    calendar = BusinessCalendar(PARIS, time(9), time(18), EVERY_DAY, "FR")
    assert calendar.next_opening(at) == opening
    assert calendar.is_open(closing - timedelta(seconds=1))
    assert not calendar.is_open(closing)


def test_a_window_starting_at_a_skipped_time_opens_when_the_clocks_jump() -> None:
    # 29 March 2026, Paris: 02:00 CET becomes 03:00 CEST at 01:00 UTC; 02:30 never happens.
    calendar = BusinessCalendar(PARIS, time(2, 30), time(18), EVERY_DAY, None)
    assert calendar.next_opening(paris(2026, 3, 29, 0, 0)) == utc(2026, 3, 29, 1, 0)
    assert not calendar.is_open(utc(2026, 3, 29, 0, 59, 59))
    assert calendar.is_open(utc(2026, 3, 29, 1, 0))


def test_a_window_starting_at_a_repeated_time_opens_at_its_first_occurrence() -> None:
    # 25 October 2026, Paris: 02:30 happens at 00:30 UTC (CEST) and again at 01:30 UTC (CET).
    calendar = BusinessCalendar(PARIS, time(2, 30), time(18), EVERY_DAY, None)
    assert calendar.next_opening(paris(2026, 10, 25, 0, 0)) == utc(2026, 10, 25, 0, 30)
    # The window then stays open through the repeated hour instead of closing and opening again.
    assert calendar.is_open(utc(2026, 10, 25, 1, 15))


# --- other countries ----------------------------------------------------------------------------

def test_a_new_york_window_follows_american_dst_and_holidays() -> None:
    calendar = BusinessCalendar(NEW_YORK, time(9), time(17), WEEK, "US")
    assert calendar.next_opening(utc(2026, 2, 27, 23, 0)) == utc(2026, 3, 2, 14, 0)  # 09:00 EST
    assert calendar.next_opening(utc(2026, 3, 6, 23, 0)) == utc(2026, 3, 9, 13, 0)  # 09:00 EDT, 8 March switch
    assert calendar.next_opening(utc(2026, 11, 25, 23, 0)) == utc(2026, 11, 27, 14, 0)  # over Thanksgiving


def test_a_new_york_evening_is_still_the_same_local_day() -> None:
    calendar = BusinessCalendar(NEW_YORK, time(9), time(17), WEEK, "US")
    friday_evening = utc(2026, 11, 14, 0, 30)  # Saturday in UTC, Friday 19:30 in New York
    assert calendar.earliest_contact(friday_evening, 1) == utc(2026, 11, 14, 5, 0)  # Saturday 00:00 EST


def test_a_london_window_uses_british_holidays_and_summer_time() -> None:
    calendar = BusinessCalendar(LONDON, time(9), time(18), WEEK, "GB")
    # 25 Dec is Friday; Boxing Day falls on Saturday and is observed on Monday 28 December.
    assert calendar.next_opening(utc(2026, 12, 24, 18, 0)) == utc(2026, 12, 29, 9, 0)
    assert not calendar.is_open(utc(2026, 7, 1, 7, 59))
    assert calendar.is_open(utc(2026, 7, 1, 8, 0))  # 09:00 BST


# --- custom days --------------------------------------------------------------------------------

def test_a_monday_to_saturday_calendar_sends_on_saturday_but_not_sunday() -> None:
    calendar = BusinessCalendar.from_settings(
        timezone="Europe/Paris", window_start=time(9), window_end=time(18),
        days=["mon", "tue", "wed", "thu", "fri", "sat"], country="FR",
    )
    assert calendar.is_open(paris(2026, 11, 14, 12, 0))
    assert not calendar.is_open(paris(2026, 11, 15, 12, 0))
    assert calendar.next_opening(paris(2026, 11, 13, 18, 30)) == utc(2026, 11, 14, 8, 0)
    assert calendar.next_opening(paris(2026, 11, 14, 18, 30)) == utc(2026, 11, 16, 8, 0)


# --- gap between contacts -----------------------------------------------------------------------

def test_with_no_previous_contact_a_step_goes_at_the_next_opening() -> None:
    assert FRANCE.earliest_contact(None, 3) is None
    assert FRANCE.next_send_time(paris(2026, 11, 13, 19, 0), None, 3) == utc(2026, 11, 16, 8, 0)


def test_three_days_after_a_contact_means_the_third_local_day_from_midnight() -> None:
    last = paris(2026, 11, 9, 10, 0)  # Monday
    assert FRANCE.earliest_contact(last, 3) == paris(2026, 11, 12, 0, 0)
    assert FRANCE.next_send_time(paris(2026, 11, 10, 10, 0), last, 3) == utc(2026, 11, 12, 8, 0)


def test_a_due_time_later_than_the_gap_wins() -> None:
    last = paris(2026, 11, 2, 10, 0)
    assert FRANCE.next_send_time(paris(2026, 11, 10, 14, 0), last, 3) == utc(2026, 11, 10, 13, 0)


@pytest.mark.parametrize("min_days", [0, 1], ids=["zero", "one"])
def test_never_two_contacts_on_the_same_local_day(min_days: int) -> None:
    last = paris(2026, 11, 16, 9, 5)  # Monday
    assert FRANCE.earliest_contact(last, min_days) == paris(2026, 11, 17, 0, 0)
    assert FRANCE.next_send_time(paris(2026, 11, 16, 10, 0), last, min_days) == utc(2026, 11, 17, 8, 0)


@pytest.mark.parametrize(
    ("last", "sent"),
    [
        (utc(2026, 11, 13, 16, 0), utc(2026, 11, 16, 8, 0)),  # Friday 17:00 in Paris → Monday
        (utc(2026, 11, 13, 23, 30), utc(2026, 11, 17, 8, 0)),  # Friday in UTC, Saturday 00:30 in Paris → Tuesday
    ],
    ids=["friday-in-paris", "saturday-in-paris"],
)
def test_the_gap_counts_days_on_the_firms_clock_not_in_utc(last: datetime, sent: datetime) -> None:
    assert FRANCE.next_send_time(paris(2026, 11, 16, 9, 0), last, 3) == sent


def test_the_gap_counts_calendar_days_across_a_dst_change() -> None:
    last = paris(2026, 3, 28, 12, 0)  # Saturday, CET
    assert FRANCE.earliest_contact(last, 1) == utc(2026, 3, 28, 23, 0)  # Sunday 00:00 CET
    assert FRANCE.earliest_contact(last, 3) == utc(2026, 3, 30, 22, 0)  # Tuesday 00:00 CEST


# --- contracts ----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "call",
    [
        lambda: FRANCE.is_open(datetime(2026, 11, 10, 10, 0)),
        lambda: FRANCE.next_opening(datetime(2026, 11, 10, 10, 0)),
        lambda: FRANCE.earliest_contact(datetime(2026, 11, 10, 10, 0), 3),
        lambda: FRANCE.next_send_time(datetime(2026, 11, 10, 10, 0), paris(2026, 11, 2, 10, 0), 3),
        lambda: FRANCE.next_send_time(datetime(2026, 11, 10, 10, 0), None, 3),
    ],
    ids=["is_open", "next_opening", "earliest_contact", "next_send_time", "next_send_time-no-contact"],
)
def test_naive_datetimes_are_refused(call: Callable[[], object]) -> None:
    with pytest.raises(ValueError, match="naive"):
        call()


@pytest.mark.parametrize(
    ("start", "end", "days", "message"),
    [
        (time(18), time(9), WEEK, "before window_end"),
        (time(9), time(9), WEEK, "before window_end"),
        (time(9), time(18), frozenset(), "non-empty"),
        (time(9), time(18), frozenset({7}), "weekdays"),
        (time(9, tzinfo=UTC), time(18), WEEK, "wall times"),
    ],
    ids=["reversed", "empty-window", "no-days", "day-seven", "aware-time"],
)
def test_an_impossible_calendar_is_refused(start: time, end: time, days: frozenset[int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BusinessCalendar(PARIS, start, end, days, "FR")


def test_unknown_weekday_names_are_refused() -> None:
    with pytest.raises(ValueError, match="monday"):
        BusinessCalendar.from_settings(
            timezone="Europe/Paris", window_start=time(9), window_end=time(18), days=["monday"], country="FR"
        )


def test_calendars_built_from_the_same_values_are_equal_and_hashable() -> None:
    other = BusinessCalendar.from_settings(
        timezone="Europe/Paris", window_start=time(9), window_end=time(18),
        days=["mon", "tue", "wed", "thu", "fri"], country="FR",
    )
    assert other == FRANCE
    assert hash(other) == hash(FRANCE)


# --- property -----------------------------------------------------------------------------------

CALENDARS = {
    "paris": FRANCE,
    "new-york": BusinessCalendar(NEW_YORK, time(8, 30), time(17), WEEK, "US"),
    "skipped-start": BusinessCalendar(PARIS, time(2, 30), time(4), EVERY_DAY, "FR"),
}
STEP = timedelta(minutes=15)


@pytest.mark.parametrize("name", CALENDARS)
@settings(max_examples=150, deadline=None)
@given(
    at=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31, 23, 59), timezones=st.just(UTC))
)
@example(at=utc(2026, 3, 28, 17, 0))
@example(at=utc(2026, 10, 24, 17, 0))
@example(at=utc(2026, 12, 24, 17, 0))
def test_the_next_opening_is_open_and_nothing_opens_before_it(name: str, at: datetime) -> None:
    calendar = CALENDARS[name]
    opening = calendar.next_opening(at)
    assert opening >= at
    assert calendar.is_open(opening)
    assert opening == at or not calendar.is_open(opening - timedelta(seconds=1))
    probe = at
    while probe < opening:
        assert not calendar.is_open(probe), probe
        probe += STEP


@pytest.mark.parametrize("name", ["paris", "new-york"])
@settings(max_examples=300, deadline=None)
@given(
    at=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31, 23, 59), timezones=st.just(UTC))
)
def test_for_a_window_clear_of_dst_changes_open_means_a_business_day_between_the_wall_times(name: str, at: datetime) -> None:
    calendar = CALENDARS[name]
    local = at.astimezone(calendar.tz)
    wall = calendar.window_start <= local.time() < calendar.window_end
    assert calendar.is_open(at) is (calendar.is_business_day(local.date()) and wall)
