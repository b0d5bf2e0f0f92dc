"""What the Telegram bot's tests share: their day and its clock, the service on a file's own invoices, and
reading a debtor's case back. `from tests.chat_support import clock` (a pytest fixture) where the test asks for it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.clock import SettableClock
from bot.config import LoadedConfig
from bot.service import Service, build
from dialogs.parties import Language
from storage.invoice_import import import_invoices
from storage.models import Case, Debtor

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 10, 10, 0, tzinfo=PARIS)  # a Tuesday


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(NOW)


def service_with(invoices: str, loaded: LoadedConfig, engine: Engine, folder: Path) -> Service:
    """The real service on `loaded`, once `invoices` (CSV text, each test file's own columns) were imported
    a month before NOW."""
    path = folder / "invoices.csv"
    path.write_text(invoices, encoding="utf-8")
    import_invoices(engine, path, now=NOW - timedelta(days=30), default_language=Language.FR)
    return build(loaded, engine)


def case_of(engine: Engine, ref: str) -> Case:
    """Debtor `ref`'s case as it stands now; fails unless the debtor has exactly one."""
    with Session(engine) as session:
        return session.exec(select(Case).join(Debtor, col(Debtor.id) == Case.debtor_id)
                            .where(Debtor.ref == ref)).one()
