"""The labelled reply sets in tests/data, read once: for the accuracy tests, and to train the learned
second opinion (dialogs/intent_model.py).

`python -m tests.reply_corpora` (what `make model` runs) rewrites dialogs/data/intent_model.json from
the TRAINING sets. A set measured blind stays out of TRAINING until its out-of-sample figure is written
in the README: a model that has seen a set says nothing about new writers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from dialogs.intent_model import MODEL_FILE, Counts, train
from dialogs.intents import Intent
from dialogs.understanding import Understanding, understand_email

DATA = Path(__file__).parent / "data"
TRAINING = ("replies", "replies_holdout", "replies_blind", "replies_blind2", "replies_blind3", "replies_blind4",
            "replies_blind5", "replies_blind6", "replies_blind7", "replies_blind8", "replies_blind9")
MODEL_PATH = Path(__file__).parents[1] / "dialogs" / "data" / MODEL_FILE


@dataclass(frozen=True)
class Labelled:
    label: dict
    got: Understanding


@cache
def labelled(corpus: str) -> tuple[Labelled, ...]:
    """Every reply of `corpus` with its label and what understand_email makes of it; () if there is none."""
    labels = DATA / corpus / "labels.jsonl"
    if not labels.exists():
        return ()
    cases = []
    for line in labels.read_text(encoding="utf-8").splitlines():
        if line.strip():
            label = json.loads(line)
            cases.append(Labelled(label, understand_email((DATA / corpus / label["file"]).read_bytes())))
    return tuple(cases)


def model_counts() -> Counts:
    """What training on the TRAINING sets gives: the text understanding reads (quotes and signature
    removed), with the intent its label names."""
    return train((case.got.new_text, Intent(case.label["intent"])) for name in TRAINING for case in labelled(name))


def model_json() -> str:
    return json.dumps(model_counts(), ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n"


if __name__ == "__main__":
    MODEL_PATH.write_text(model_json(), encoding="utf-8")
    print(f"wrote {MODEL_PATH} ({MODEL_PATH.stat().st_size // 1024} KiB) from {', '.join(TRAINING)}")
