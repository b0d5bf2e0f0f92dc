"""`relance demo`: a fresh database in a temporary folder, the shipped sample data, cases and report.

Everything goes through the same code a user's commands use; the clock is simulated so the
output is the same on every machine and every day.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot import config as config_mod
from bot.config import LoadedConfig
from storage import queries
from storage.engine import make_engine, resolve_url
from storage.invoice_import import InvoiceImportResult, import_invoices
from storage.migrate import upgrade
from storage.payment_import import PaymentImportResult, import_payments

# The sample data's "today": invoices fall due around it, some long overdue, some not yet due.
DEMO_DAY = datetime(2026, 11, 2, 9, 0, tzinfo=ZoneInfo("Europe/Paris"))
DEMO_CONFIG = """\
# Written by `relance demo`. `relance --config {path} cases` works on this folder afterwards.
[company]
name = "Atelier Durand (démo)"
address = "12 rue des Lilas, 69003 Lyon"
siren = "123456789"
iban = "FR76 3000 6000 0112 3456 7890 189"
bic = "AGRIFRPP"
email = "compta@atelier-durand.example"
timezone = "Europe/Paris"
language = "fr"

[database]
url = "sqlite:///relance.db"
"""


@dataclass(frozen=True, slots=True)
class DemoRun:
    folder: Path
    loaded: LoadedConfig
    invoices: InvoiceImportResult
    payments: PaymentImportResult
    cases: list[queries.CaseSummary]
    report: queries.Report


def sample_file(name: str) -> Path:
    return Path(str(resources.files("bot") / "data" / name))


@contextmanager
def demo_folder(keep: Path | None) -> Iterator[Path]:
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        if (keep / "relance.db").exists():
            raise FileExistsError(f"{keep} already holds a demo database; choose an empty folder")
        yield keep
        return
    with tempfile.TemporaryDirectory(prefix="relance-demo-") as folder:
        yield Path(folder)


def run(folder: Path) -> DemoRun:
    """Set up `folder` as a relance installation, import the samples as of DEMO_DAY and read the views."""
    path = folder / "config.toml"
    path.write_text(DEMO_CONFIG.format(path=path), encoding="utf-8")
    loaded = config_mod.load(path, environ={})
    engine = make_engine(resolve_url(loaded.config.database.url, loaded.base_dir))
    try:
        upgrade(engine)
        language = loaded.config.company.language
        invoices = import_invoices(engine, sample_file("sample_invoices.csv"), now=DEMO_DAY, default_language=language)
        payments = import_payments(engine, sample_file("sample_payments.csv"), now=DEMO_DAY)
        with Session(engine) as session:
            cases = queries.case_summaries(session, today=DEMO_DAY.date())
            report = queries.report(session, today=DEMO_DAY.date())
    finally:
        engine.dispose()
    return DemoRun(folder, loaded, invoices, payments, cases, report)


def summary(run: DemoRun) -> dict[str, Any]:
    return {
        "as_of": DEMO_DAY.date().isoformat(),
        "folder": str(run.folder),
        "invoices_imported": run.invoices.added,
        "payments_recorded": run.invoices.payments + run.payments.recorded,
        "open_cases": len(run.cases),
    }
