"""Money and dates read as Babel writes them, in French and English."""

from __future__ import annotations

from decimal import Decimal

import pytest
from babel.numbers import format_currency
from hypothesis import given
from hypothesis import strategies as st

from dialogs.formatting import LOCALES, format_money
from dialogs.parties import Language

CURRENCIES = ["EUR", "GBP", "USD", "CHF", "JPY", "SEK"]


@given(cents=st.integers(min_value=-10**13, max_value=10**13), currency=st.sampled_from(CURRENCIES),
       language=st.sampled_from(list(Language)))
def test_money_is_written_exactly_as_babel_writes_it(cents, currency, language):
    amount = Decimal(cents).scaleb(-2)

    assert format_money(amount, currency, language) == format_currency(amount, currency, locale=LOCALES[language])


@pytest.mark.parametrize(("amount", "currency", "language", "expected"), [
    ("1450", "EUR", Language.FR, "1\u202f450,00\u00a0€"),
    ("1450", "EUR", Language.EN, "€1,450.00"),
    ("-120.5", "EUR", Language.FR, "-120,50\u00a0€"),
    ("-120.5", "GBP", Language.EN, "-£120.50"),
    ("0.07", "EUR", Language.FR, "0,07\u00a0€"),
])
def test_known_amounts_read_as_a_french_or_english_reader_expects(amount, currency, language, expected):
    assert format_money(Decimal(amount), currency, language) == expected
