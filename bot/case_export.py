"""`relance case export`: what a court step needs, as files in one folder.

The folder appears whole or not at all: everything is written beside it first, then renamed.
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Callable, Iterable, Sequence
from datetime import date, tzinfo
from pathlib import Path

from jinja2 import Environment

from dialogs.case_file import LoggedMessage, render_reminder_log
from dialogs.parties import Language
from dialogs.reminders import Creditor
from storage.case_export import CaseRecords

HtmlToPdf = Callable[[str], bytes]


class ExportRefused(ValueError):
    """The export cannot be written where asked; the message says why."""


def export_case(records: CaseRecords, out: Path, *, env: Environment, creditor: Creditor, language: Language,
                tz: tzinfo, today: date, html_to_pdf: HtmlToPdf) -> list[Path]:
    """Write the case file into `out` (a new or empty folder); return the files, relative to it."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ExportRefused(f"{out} exists and is not an empty folder")
    partial = out.with_name(out.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        files = _write_all(records, partial, env=env, creditor=creditor, language=language, tz=tz, today=today,
                           html_to_pdf=html_to_pdf)
        if out.exists():
            out.rmdir()
        partial.rename(out)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return files


def _write_all(records: CaseRecords, folder: Path, *, env: Environment, creditor: Creditor, language: Language,
               tz: tzinfo, today: date, html_to_pdf: HtmlToPdf) -> list[Path]:
    written: list[Path] = []

    def put(name: str, content: bytes) -> None:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        written.append(Path(name))

    case, debtor = records.case, records.debtor
    if records.notice is not None:
        put("formal-notice.pdf", records.notice.pdf)
    logged = [LoggedMessage(m.sent_at.astimezone(tz).date(), f"{m.sent_at.astimezone(tz):%H:%M}", str(m.channel),
                            m.recipient or "", m.message_id or "", m.subject or "", m.body or "")
              for m in records.sent if m.sent_at is not None]
    put("reminders.pdf", html_to_pdf(render_reminder_log(
        env, language=language, creditor=creditor, debtor_name=debtor.name, debtor_ref=debtor.ref,
        case_id=case.id or 0, today=today, messages=logged)))
    put("invoices.csv", _csv(("number", "issue_date", "due_date", "amount", "paid", "remaining", "currency",
                              "disputed"),
                             ((i.number, i.issue_date, i.due_date, i.amount, i.paid, i.balance, i.currency, i.disputed)
                              for i in records.invoices)))
    put("payments.csv", _csv(("invoice", "paid_on", "amount", "reference", "source"),
                             ((number, p.paid_on, p.amount, p.reference, p.source) for p, number in records.payments)))
    put("replies.csv", _csv(("received_at", "sender", "subject", "kind", "intent", "confidence", "promised_date",
                             "amount", "action", "file", "text"),
                            ((m.created_at.astimezone(tz).isoformat(timespec="minutes"), m.sender, m.subject,
                              r.kind if r else "", r.intent if r else "", r.confidence if r else "",
                              r.promised_date if r else "", r.amount if r else "",
                              r.details.get("action", "") if r else "", f"replies/{m.id}.eml", m.body or "")
                             for m, r in records.replies)))
    for message, _ in records.replies:
        put(f"replies/{message.id}.eml", message.raw or b"")
    put("promises.csv", _csv(("made_at", "promised_on", "amount", "status", "resolved_at"),
                             ((p.made_at.astimezone(tz).date(), p.promised_on, p.amount, p.status,
                               p.resolved_at.astimezone(tz).date() if p.resolved_at else "")
                              for p in records.promises)))
    put("plans.csv", _csv(("plan", "status", "total", "accepted_at", "ended_at", "installment", "due_on", "amount",
                           "paid"),
                          ((plan.id, plan.status, plan.total, _day(plan.accepted_at, tz), _day(plan.ended_at, tz),
                            i.seq, i.due_on, i.amount, i.paid)
                           for plan, installments in records.plans for i in installments)))
    put("timeline.csv", _csv(("at", "kind", "actor", "from_state", "to_state", "data"),
                             ((e.at.astimezone(tz).isoformat(timespec="minutes"), e.kind, e.actor,
                               e.from_state or "", e.to_state or "", e.data) for e in records.events)))
    return written


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([["" if value is None else value for value in row] for row in rows])
    return buffer.getvalue().encode("utf-8-sig")  # the BOM makes spreadsheet software read UTF-8


def _day(at: object, tz: tzinfo) -> object:
    return at.astimezone(tz).date() if at is not None else ""  # type: ignore[attr-defined]
