"""The sweep over 2,000 due cases among 100,000 open invoices (goal < 2 s), then among 1,000,000 (goal < 1.5×).

Both databases are built with bulk SQL (the ORM or the importer would take minutes for a million
rows) and hold the same 2,000 due cases, row for row: 5 invoices each, oldest due 10 days before
NOW, reminder_1 sent a week ago, so reminder_2 is due and the sweep queues one email per case.
Every other case waits for its courtesy step, days ahead. Only the `sweep(...)` call is timed,
on a fresh copy of the built database each round.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from bot import assembly
from bot.config import LoadedConfig, parse
from scheduler.compose import Composer
from scheduler.sweep import SweepPolicy, sweep
from storage.engine import make_engine
from storage.migrate import upgrade

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday, 10:00 in Paris: the window is open
DUE = 2_000
DUE_EVERY = 10  # debtors 10, 20, … 20,000 have a due case, in both databases
INVOICES_PER_DEBTOR = 5
ROUNDS = 3
GOAL_SECONDS = 2.0
GOAL_RATIO = 1.5
COMPANY = {"name": "Atelier Durand", "address": "12 rue des Lilas, 69003 Lyon", "siren": "123456789",
           "iban": "FR76 3000 6000 0112 3456 7890 189", "bic": "AGRIFRPP",
           "email": "compta@atelier-durand.example", "timezone": "Europe/Paris"}


@dataclass(frozen=True, slots=True)
class Size:
    label: str
    debtors: int

    @property
    def invoices(self) -> int:
        return self.debtors * INVOICES_PER_DEBTOR


SIZES = (Size("100k", 20_000), Size("1M", 200_000))

# SQLAlchemy's SQLite formats: dates "YYYY-MM-DD", UTC datetimes "YYYY-MM-DD HH:MM:SS.ffffff" (naive).
_TS = "|| '.000000'"
_DEBTORS = f"""
INSERT INTO debtor (id, ref, name, email, kind, language, address, siren, vat, telegram_chat_id, email_invalid,
                    created_at, excluded, ladder, channel_order, opted_out)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :debtors)
SELECT i, printf('C%07d', i), printf('Client %d SARL', i), printf('compta%d@client%d.example', i, i % 997),
       CASE WHEN i % 7 = 3 THEN 'consumer' ELSE 'business' END, CASE WHEN i % 9 = 4 THEN 'en' ELSE 'fr' END,
       printf('%d rue du Commerce, 69%03d Lyon', i % 200 + 1, i % 10), NULL, NULL, NULL, 0,
       '2026-01-05 10:00:00' {_TS}, 0, NULL, NULL, ''
FROM n
"""
# Case i belongs to debtor i. A due case: reminder_1 went on 16 Nov, its oldest invoice fell due on
# 13 Nov, so reminder_2 (+8 days) is due and next_action_at is this morning, before NOW. Any other
# case: its oldest invoice falls due 4 to 33 days after NOW, and the courtesy step (-3 days) waits.
_IS_DUE = f"(i % {DUE_EVERY} = 0 AND i <= {DUE * DUE_EVERY})"
_OLDEST_DUE = f"CASE WHEN {_IS_DUE} THEN '2026-11-13' ELSE date('2026-11-23', '+' || (4 + i % 30) || ' days') END"
_CASES = f"""
INSERT INTO debt_case (id, debtor_id, state, opened_at, closed_at, next_action_at, last_contact_at, last_step,
                       updated_at)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :debtors)
SELECT i, i, 'active', min(date({_OLDEST_DUE}, '-30 days'), '2026-11-20') || ' 18:00:00' {_TS}, NULL,
       CASE WHEN {_IS_DUE} THEN datetime('2026-11-23 08:00:00', '+' || (i / {DUE_EVERY} % 60) || ' minutes')
            ELSE datetime({_OLDEST_DUE}, '-3 days', '+8 hours') END {_TS},
       CASE WHEN {_IS_DUE} THEN '2026-11-16 08:00:00' {_TS} END,
       CASE WHEN {_IS_DUE} THEN 'reminder_1' END,
       CASE WHEN {_IS_DUE} THEN '2026-11-16 08:00:00'
            ELSE min(date({_OLDEST_DUE}, '-30 days'), '2026-11-20') || ' 18:00:00' END {_TS}
FROM n
"""
# Invoice m is the k-th (0..4) of debtor i, due a week after the one before, issued 30 days before
# (or on 20 Nov at the latest); one in four is half paid, and the last of one debtor in thirteen is
# a credit note. Every invoice is open. A case opened with its debtor's first invoice.
_INVOICES = f"""
INSERT INTO invoice (id, number, debtor_id, case_id, issue_date, due_date, amount, paid, currency, disputed,
                     created_at, updated_at)
WITH RECURSIVE n(m) AS (SELECT 1 UNION ALL SELECT m + 1 FROM n WHERE m < :invoices),
     parts(m, i, k, amount) AS (
         SELECT m, (m - 1) / {INVOICES_PER_DEBTOR} + 1, (m - 1) % {INVOICES_PER_DEBTOR},
                CASE WHEN (m - 1) % {INVOICES_PER_DEBTOR} = {INVOICES_PER_DEBTOR - 1}
                          AND ((m - 1) / {INVOICES_PER_DEBTOR} + 1) % 13 = 0
                     THEN -(1000 + m * 7919 % 20000) ELSE 5000 + m * 7919 % 495000 END
         FROM n),
     dated(m, i, k, amount, due) AS (
         SELECT m, i, k, amount, date({_OLDEST_DUE}, '+' || (7 * k) || ' days') FROM parts),
     issued(m, i, k, amount, due, issue) AS (
         SELECT m, i, k, amount, due, min(date(due, '-30 days'), '2026-11-20') FROM dated)
SELECT m, printf('F%07d-%d', i, k), i, i, issue, due, amount,
       CASE WHEN m % 4 = 0 AND amount > 0 THEN amount / 2 ELSE 0 END, 'EUR', 0,
       issue || ' 18:00:00' {_TS}, issue || ' 18:00:00' {_TS}
FROM issued
"""


def build_database(path: Path, debtors: int) -> None:
    """A migrated SQLite file holding `debtors` debtors, each with one open case and 5 open invoices."""
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    db = sqlite3.connect(path)
    try:
        db.execute("PRAGMA journal_mode=DELETE")  # one big transaction, no WAL file growing alongside
        db.execute("PRAGMA synchronous=OFF")
        with db:
            db.execute(_DEBTORS, {"debtors": debtors})
            db.execute(_CASES, {"debtors": debtors})
            db.execute(_INVOICES, {"invoices": debtors * INVOICES_PER_DEBTOR})
        due = db.execute("SELECT count(*) FROM debt_case WHERE next_action_at <= ?",
                         (NOW.replace(tzinfo=None).isoformat(" ", "microseconds"),)).fetchone()[0]
        assert due == min(DUE, debtors // DUE_EVERY), due
        db.execute("PRAGMA journal_mode=WAL")  # as the application leaves its databases
    finally:
        db.close()


def policy_and_composer(folder: Path, **sections: object) -> tuple[LoadedConfig, SweepPolicy, Composer]:
    loaded = LoadedConfig(parse({"company": dict(COMPANY), **sections}, {}), folder / "config.toml")
    return loaded, assembly.sweep_policy(loaded.config), assembly.composer(loaded)


def fresh_copy(pristine: Path, work: Path) -> None:
    """`pristine` copied to `work`, on disk: no write-back of the copy competes with the timed run."""
    for leftover in (work, work.with_name(work.name + "-wal"), work.with_name(work.name + "-shm")):
        leftover.unlink(missing_ok=True)
    shutil.copyfile(pristine, work)
    with work.open("rb+") as copy:
        os.fsync(copy.fileno())


def timed_sweep(pristine: Path, work: Path, policy: SweepPolicy, composer: Composer) -> tuple[float, float]:
    """Wall and CPU seconds of one `sweep(...)` on a fresh copy of `pristine`; checks it queued one email
    per due case."""
    fresh_copy(pristine, work)
    engine = make_engine(f"sqlite:///{work}")
    try:
        with engine.connect():  # the pool's connection (and its PRAGMAs) before the clock starts
            pass
        started, cpu = time.perf_counter(), time.process_time()
        report = sweep(engine, policy, composer, now=NOW)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        assert (report.examined, report.queued, report.errors) == (DUE, DUE, 0), report
        with engine.connect() as connection:
            queued = connection.execute(text("SELECT count(*) FROM message WHERE status = 'queued'")).scalar_one()
        assert queued == DUE, queued
    finally:
        engine.dispose()
    return elapsed, cpu


def run() -> None:
    with tempfile.TemporaryDirectory(prefix="relance-bench-sweep-") as tmp:
        folder = Path(tmp)
        _, policy, composer = policy_and_composer(folder)
        built: dict[str, tuple[Path, float]] = {}
        for size in SIZES:
            started = time.perf_counter()
            build_database(folder / f"{size.label}.db", size.debtors)
            built[size.label] = (folder / f"{size.label}.db", time.perf_counter() - started)
        work = folder / "work.db"
        timed_sweep(built[SIZES[0].label][0], work, policy, composer)  # warm-up: imports, templates, holidays
        rounds = [[timed_sweep(built[s.label][0], work, policy, composer) for s in SIZES] for _ in range(ROUNDS)]
    small, large = (statistics.median(r[i][0] for r in rounds) for i in range(2))
    small_cpu, large_cpu = (statistics.median(r[i][1] for r in rounds) for i in range(2))
    ratio = statistics.median(r[1][0] / r[0][0] for r in rounds)
    print(f"{DUE:,} due cases (reminder_2 due, one email each) among {INVOICES_PER_DEBTOR} open invoices per "
          f"debtor, SQLite file; medians of {ROUNDS} interleaved rounds")
    for size in SIZES:
        print(f"  database {size.label:>4}: {size.invoices:>9,} open invoices, {size.debtors:>7,} debtors "
              f"(built in {built[size.label][1]:4.1f} s)")
    print(f"sweep,   100,000 open invoices: {small:6.2f} s  (CPU {small_cpu:5.2f} s, {DUE / small:,.0f} cases/s)  "
          f"goal < {GOAL_SECONDS:.0f} s")
    print(f"sweep, 1,000,000 open invoices: {large:6.2f} s  (CPU {large_cpu:5.2f} s, {DUE / large:,.0f} cases/s)")
    print(f"ratio 1M / 100k:                {ratio:6.2f}    goal < {GOAL_RATIO}")
    print("rounds, wall s (100k, 1M):      " + "   ".join(f"{a[0]:.2f} {b[0]:.2f}" for a, b in rounds))
