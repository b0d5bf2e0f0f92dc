"""How an import shows itself: a progress bar on big files, errors and warnings, a summary or JSON."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.progress import Progress

from storage.csv_source import ImportFailed
from storage.invoice_import import InvoiceImportResult
from storage.payment_import import PaymentImportResult

T = TypeVar("T")
PROGRESS_FROM_BYTES = 256 * 1024  # about 3,000 rows of a typical export

out = Console(soft_wrap=True, highlight=False)
err = Console(stderr=True, soft_wrap=True, highlight=False)


@contextmanager
def import_progress(file: Path) -> Iterator[Callable[[int, int], None] | None]:
    """A progress callback for files large enough to make someone wait; None for small ones."""
    if file.stat().st_size < PROGRESS_FROM_BYTES or not err.is_terminal:
        yield None
        return
    with Progress(console=err, transient=True) as bar:
        task = bar.add_task(f"importing {file.name}", total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def run_import(work: Callable[[], T]) -> T:
    """Run an import; on bad rows print each FILE:LINE: column: reason and exit 1 (nothing was written)."""
    try:
        return work()
    except ImportFailed as exc:
        for error in exc.errors:
            err.print(str(error), markup=False)
        err.print(f"{len(exc.errors)} problem(s); nothing was imported.", markup=False)
        raise typer.Exit(1) from None


def report_import(result: Any, as_json: bool, summary: str) -> None:
    for note in result.notes:
        err.print(f"note: {note}", markup=False)
    for warning in result.warnings:
        err.print(f"warning: {warning}", markup=False)
    if as_json:
        data = dataclasses.asdict(result)
        data["warnings"] = [str(w) for w in result.warnings]
        out.print_json(json.dumps(data, default=str))
    else:
        out.print(summary, markup=False)


def invoices_summary(result: InvoiceImportResult) -> str:
    return (f"{result.file}: {result.rows} rows: {result.added} invoices added, {result.updated} updated, "
            f"{result.unchanged} unchanged; {result.debtors_added} debtors added, {result.debtors_updated} updated; "
            f"{result.payments} settlements recorded; {result.cases_opened} cases opened, {result.cases_closed} closed")


def payments_summary(result: PaymentImportResult) -> str:
    return (f"{result.file}: {result.rows} rows: {result.recorded} payments recorded ({result.total}), "
            f"{result.already_recorded} already recorded; {result.cases_closed} cases closed")
