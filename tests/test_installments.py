"""The installments a plan request proposes, as far as its words date and size them."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from dialogs.installments import Installment
from dialogs.understanding import understand_text

MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("Europe/London"))


def test_weekly_payments_step_by_a_week_from_their_start():
    understanding = understand_text("Could we pay the €900 in 6 weekly payments of €150, starting this Friday?",
                                    sent_at=MONDAY)
    fridays = [date(2026, 12, 11) + timedelta(weeks=i) for i in range(6)]
    assert list(understanding.installments) == [Installment(day, Decimal(150)) for day in fridays]
    assert understanding.amount == Decimal(900)


@pytest.mark.parametrize("text", [
    "Could I do 50% now and the remaining 50% by the end of February?",
    "Could we split this one? Half now and half at the end of February.",
])
def test_a_share_now_and_the_rest_later_dates_only_the_last(text):
    understanding = understand_text(text, sent_at=MONDAY)
    assert list(understanding.installments) == [Installment(None, None), Installment(date(2027, 2, 28), None)]
