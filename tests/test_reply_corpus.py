"""The labelled reply corpora: accuracy of understand_email per intent, for promised dates and for
amounts, with a readable table of every mismatch when a bar is missed.

tests/data/replies tuned the rules; tests/data/replies_holdout and tests/data/replies_blind to replies_blind9
were each written independently to check that they generalise, and tuned on only after that measure was
taken. Out of sample, replies_blind3 read 84 % of intents, 15 of 19 promised dates and 18 of 21 amounts;
replies_blind4 88 % of intents, 18 of 19 dates and 25 of 37 amounts; replies_blind5 90 % of intents, 18 of 19
dates and 27 of 38 amounts; then, with the learned second opinion, replies_blind6 90 %, 18 of 20 and 34 of 37;
replies_blind7 94 %, 16 of 19 and 27 of 38; replies_blind8 95 %, 19 of 21 and 36 of 41; replies_blind9 88 %,
17 of 19 and 32 of 43 (README). All eleven must clear the same bars, and they are the ones that model is
trained on (tests/reply_corpora.py). replies_blind10 and replies_blind11 were measured once, out of sample
(README); they join CORPORA once tuned on.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest

from tests.reply_corpora import DATA, TRAINING, Labelled, labelled

CORPORA = TRAINING
BAR = 0.90
FALSE_BAR = 0.10

@pytest.fixture(scope="module", params=CORPORA)
def corpus(request: pytest.FixtureRequest) -> tuple[Labelled, ...]:
    cases = labelled(request.param)
    if not cases:
        pytest.skip(f"no labelled corpus in {DATA / request.param}")
    return cases


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _amount(value: str | None) -> Decimal | None:
    return Decimal(value) if value is not None else None


def _table(rows: list[tuple[Labelled, str, str]]) -> str:
    lines = [f"{'file':44} {'expected':28} {'got':28} evidence"]
    for case, expected, got in rows:
        lines.append(f"{case.label['file']:44} {expected:28} {got:28} {' | '.join(case.got.evidence)[:90]}")
    return "\n".join(lines)


def _rate(hits: int, total: int) -> float:
    return hits / total if total else 1.0


def test_every_intent_is_recognised_in_nine_replies_out_of_ten(corpus):
    by_intent: dict[str, list[Labelled]] = defaultdict(list)
    for case in corpus:
        by_intent[case.label["intent"]].append(case)
    accuracy = {intent: _rate(sum(c.got.intent == intent for c in cases), len(cases))
                for intent, cases in by_intent.items()}
    misses = [(c, c.label["intent"], f"{c.got.intent} ({c.got.confidence})") for c in corpus
              if c.got.intent != c.label["intent"]]
    summary = ", ".join(f"{i} {a:.0%} of {len(by_intent[i])}" for i, a in sorted(accuracy.items()))
    assert all(a >= BAR for a in accuracy.values()), f"{summary}\n{_table(misses)}"


def test_a_wrong_intent_rarely_carries_the_confidence_that_acts(corpus):
    # 0.5 is the default replies.min_confidence: above it a reply acts without the owner.
    confident_misses = [(c, c.label["intent"], f"{c.got.intent} ({c.got.confidence})") for c in corpus
                        if c.got.intent != c.label["intent"] and c.got.confidence >= 0.5]
    assert _rate(len(confident_misses), len(corpus)) <= FALSE_BAR / 2, _table(confident_misses)


def test_promised_dates_are_right_in_nine_replies_out_of_ten(corpus):
    dated = [c for c in corpus if c.label.get("promised_date")]
    misses = [(c, c.label["promised_date"], str(c.got.promised_date)) for c in dated
              if c.got.promised_date != _day(c.label["promised_date"])]
    assert _rate(len(dated) - len(misses), len(dated)) >= BAR, _table(misses)


def test_amounts_are_right_in_nine_replies_out_of_ten(corpus):
    priced = [c for c in corpus if c.label.get("amount") is not None]
    misses = [(c, f"{c.label['amount']} {c.label.get('currency')}", f"{c.got.amount} {c.got.currency}")
              for c in priced
              if (c.got.amount, c.got.currency) != (_amount(c.label["amount"]), c.label.get("currency"))]
    assert _rate(len(priced) - len(misses), len(priced)) >= BAR, _table(misses)


def test_dates_and_amounts_are_rarely_invented(corpus):
    undated = [c for c in corpus if not c.label.get("promised_date")]
    unpriced = [c for c in corpus if c.label.get("amount") is None]
    false_dates = [(c, "no date", str(c.got.promised_date)) for c in undated if c.got.promised_date]
    false_amounts = [(c, "no amount", str(c.got.amount)) for c in unpriced if c.got.amount is not None]
    assert _rate(len(false_dates), len(undated)) <= FALSE_BAR, _table(false_dates)
    assert _rate(len(false_amounts), len(unpriced)) <= FALSE_BAR, _table(false_amounts)


def test_the_kind_of_arrival_is_right_in_nine_replies_out_of_ten(corpus):
    misses = [(c, c.label["kind"], str(c.got.kind)) for c in corpus if c.got.kind != c.label["kind"]]
    assert _rate(len(corpus) - len(misses), len(corpus)) >= BAR, _table(misses)
