"""A second opinion for replies the rule tables cannot decide: naive Bayes over words and word pairs,
learned from the labelled replies in tests/data/replies*.

The rules stay first because they explain themselves and are right when they are sure. When they are not
(a new writer's phrasing), this model names the intent the reply most resembles. Measured on a set it was
not trained on, its verdicts were right about seven times in ten when the rules were unsure: enough to
put the right reading in front of the owner, not enough to act alone — understanding gives them a
confidence under the acting threshold.

The model ships as data (`dialogs/data/intent_model.json`) and is rebuilt by `make model`; a test checks
that the shipped file is what training on the shipped corpora gives.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from importlib import resources
from typing import TypedDict

from dialogs.folding import fold
from dialogs.intents import Intent

MODEL_FILE = "intent_model.json"
# What the model may answer: the kinds of human reply (bounces and auto-replies are told by their headers).
HUMAN_INTENTS = (Intent.PROMISE_TO_PAY, Intent.ALREADY_PAID, Intent.DISPUTE, Intent.PAYMENT_PLAN_REQUEST,
                 Intent.WRONG_CONTACT, Intent.OTHER)
ALPHA = 0.5  # additive smoothing: a word never seen with an intent is rare there, not impossible
_WORD = re.compile(r"[a-z]+|\d+")
_CLUES = 3  # words given as evidence


def features(text: str) -> set[str]:
    """The words and adjacent word pairs of `text`, folded; every number is one token ("#")."""
    words = ["#" if w.isdigit() else w for w in _WORD.findall(fold(text))]
    return set(words) | {f"{a} {b}" for a, b in pairwise(words)}


@dataclass(frozen=True, slots=True)
class Suggestion:
    intent: Intent
    probability: float  # the model's posterior: over-confident, as naive Bayes is; compare, do not trust
    clues: tuple[str, ...]  # the features that weighed most for it against the runner-up


@dataclass(frozen=True)
class IntentModel:
    priors: dict[Intent, float]  # log P(intent)
    weights: dict[str, dict[Intent, float]]  # log P(feature | intent) for every feature seen in training
    unseen: dict[Intent, float]  # log P(feature | intent) for a feature seen in training but not with it

    def suggest(self, text: str) -> Suggestion:
        known = [f for f in features(text) if f in self.weights]
        scores = {i: self.priors[i] + sum(self.weights[f].get(i, self.unseen[i]) for f in known)
                  for i in self.priors}
        ranked = sorted(scores, key=lambda i: scores[i], reverse=True)
        best, runner_up = ranked[0], ranked[1]
        top = scores[best]
        probability = 1 / sum(math.exp(s - top) for s in scores.values())

        def lift(feature: str) -> float:
            row = self.weights[feature]
            return row.get(best, self.unseen[best]) - row.get(runner_up, self.unseen[runner_up])

        clues = tuple(sorted((f for f in known if lift(f) > 0), key=lambda f: (-lift(f), f))[:_CLUES])
        return Suggestion(best, round(probability, 4), clues)


class Counts(TypedDict):
    """What MODEL_FILE holds: documents per intent and, per feature, how many documents of each intent
    contain it."""

    documents: dict[str, int]
    features: dict[str, dict[str, int]]


def train(examples: Iterable[tuple[str, Intent]]) -> Counts:
    """Counts learned from (text, intent) pairs."""
    documents: Counter[Intent] = Counter()
    counts: dict[str, Counter[Intent]] = {}
    for text, intent in examples:
        if intent not in HUMAN_INTENTS:
            continue
        documents[intent] += 1
        for feature in features(text):
            counts.setdefault(feature, Counter())[intent] += 1
    return {
        "documents": {str(i): documents[i] for i in HUMAN_INTENTS},
        "features": {f: {str(i): n for i, n in sorted(c.items())} for f, c in sorted(counts.items())},
    }


def from_counts(counts: Counts) -> IntentModel:
    documents = {Intent(i): n for i, n in counts["documents"].items()}
    table = counts["features"]
    total = sum(documents.values())
    # Per intent, every occurrence of a feature; the smoothing spreads ALPHA over the whole vocabulary.
    mass = {i: sum(row.get(str(i), 0) for row in table.values()) + ALPHA * len(table) for i in documents}
    priors = {i: math.log(n / total) for i, n in documents.items() if n}
    weights = {f: {Intent(i): math.log((n + ALPHA) / mass[Intent(i)]) for i, n in row.items()}
               for f, row in table.items()}
    unseen = {i: math.log(ALPHA / mass[i]) for i in priors}
    return IntentModel(priors, weights, unseen)


@cache
def shipped() -> IntentModel:
    """The model trained on the project's labelled replies, loaded once."""
    text = (resources.files("dialogs") / "data" / MODEL_FILE).read_text(encoding="utf-8")
    return from_counts(json.loads(text))
