"""Importing 10,000 invoice rows (2,000 debtors) from a French accounting export; goal < 3 s."""

from __future__ import annotations

import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from dialogs.parties import Language
from storage.engine import make_engine
from storage.invoice_import import import_invoices
from storage.migrate import upgrade

ROWS = 10_000
DEBTORS = 2_000
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def write_export(path: Path, rows: int = ROWS, debtors: int = DEBTORS, seed: int = 1) -> None:
    rng = random.Random(seed)
    lines = ["N° facture;Code client;Client;Email;Date facture;Date d'échéance;Montant TTC;Reste dû"]
    for n in range(rows):
        debtor = n % debtors
        issue = date(2026, 1, 1) + timedelta(days=rng.randrange(300))
        cents = rng.randrange(5_000, 500_000)
        due_cents = cents if rng.random() < 0.7 else cents // 2
        lines.append(f"F{n:06d};C{debtor:05d};Client {debtor} SARL;compta{debtor}@client.example;"
                     f"{issue:%d/%m/%Y};{issue + timedelta(days=30):%d/%m/%Y};"
                     f"{_fr(cents)};{_fr(due_cents)}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")


def _fr(cents: int) -> str:
    return f"{cents // 100:,}".replace(",", " ") + f",{cents % 100:02d}"


def run() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        export = folder / "factures.csv"
        write_export(export)
        engine = make_engine(f"sqlite:///{folder / 'bench.db'}")
        upgrade(engine)
        started = time.perf_counter()
        result = import_invoices(engine, export, now=NOW, default_language=Language.FR)
        first = time.perf_counter() - started
        assert result.added == ROWS, result
        started = time.perf_counter()
        again = import_invoices(engine, export, now=NOW, default_language=Language.FR)
        second = time.perf_counter() - started
        assert again.unchanged == ROWS, again
        engine.dispose()
        cli = _cli_seconds(folder, export)
    print(f"rows: {ROWS:,} ({DEBTORS:,} debtors), SQLite file")
    print(f"first import (function):       {first:6.2f} s  ({ROWS / first:,.0f} rows/s)  goal < 3 s")
    print(f"re-import, no change:          {second:6.2f} s")
    print(f"`relance import invoices` CLI: {cli:6.2f} s  (new database: start-up + migrations + import)")


def _cli_seconds(folder: Path, export: Path) -> float:
    config = folder / "config.toml"
    config.write_text('[company]\nname = "Bench"\n[database]\nurl = "sqlite:///cli.db"\n', encoding="utf-8")
    relance = Path(sys.executable).with_name("relance")
    started = time.perf_counter()
    subprocess.run([str(relance), "--config", str(config), "import", "invoices", str(export)],
                   check=True, capture_output=True)
    return time.perf_counter() - started
