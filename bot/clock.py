"""Time as the service is handed it. A Clock is any callable returning an aware datetime: `relance run`
passes the wall clock (only bot/cli.py reads it), the demo and the tests a SettableClock they move."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

Clock = Callable[[], datetime]


class SettableClock:
    """A clock that says `now` until told otherwise."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now
