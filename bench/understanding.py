"""Understanding replies: replies/s over the labelled corpus, and the cost of it all against the bare
parse of the same messages — `email.message_from_bytes(data, policy=email.policy.default)` and the
text body — measured in the same run. Goal: at most 3× the bare parse."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from email import message_from_bytes, policy
from pathlib import Path

from dialogs.understanding import understand_email

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
ROUNDS = 5
GOAL = 3.0


def bare(raw: bytes) -> str:
    """What any mail reader does first: parse, and take the text (plain, else HTML) body."""
    message = message_from_bytes(raw, policy=policy.default)
    body = message.get_body(preferencelist=("plain", "html"))  # type: ignore[attr-defined]
    return body.get_content() if body is not None else ""


def understanding(raw: bytes) -> object:
    return understand_email(raw)


def _seconds(work: Callable[[bytes], object], corpus: list[bytes]) -> float:
    started = time.perf_counter()
    for raw in corpus:
        work(raw)
    return time.perf_counter() - started


def run() -> None:
    folders = sorted(DATA.glob("replies*"))
    corpus = [path.read_bytes() for folder in folders for path in sorted(folder.glob("*.eml"))]
    for work in (bare, understanding):  # warm-up: imports, compiled patterns, caches
        _seconds(work, corpus)
    rounds = [(_seconds(bare, corpus), _seconds(understanding, corpus)) for _ in range(ROUNDS)]
    plain = statistics.median(b for b, _ in rounds)
    ours = statistics.median(u for _, u in rounds)
    ratio = statistics.median(u / b for b, u in rounds)
    n = len(corpus)
    print(f"{n} replies ({', '.join(f.name for f in folders)}: fr/en, quotes, signatures, HTML, bounces, "
          f"auto-replies); medians of {ROUNDS} interleaved rounds")
    print(f"bare parse + text body:      {n / plain:7.0f} replies/s  ({1000 * plain / n:5.2f} ms each)")
    print(f"understand_email (all of it): {n / ours:6.0f} replies/s  ({1000 * ours / n:5.2f} ms each)")
    print(f"cost ratio understanding / bare: {ratio:4.2f}×        goal <= {GOAL:.1f}×")
