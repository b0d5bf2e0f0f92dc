"""What `relance cases`, `case` and `report` print: rich tables for people, JSON for machines."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal
from itertools import chain
from typing import TYPE_CHECKING, Any

from babel.numbers import format_decimal
from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.measure import Measurement
from rich.segment import Segments
from rich.table import Table
from rich.text import Text

from dialogs.aging import Bucket
from dialogs.formatting import LOCALES, format_date, format_money
from dialogs.legal import Claim
from dialogs.parties import Language
from dialogs.states import CaseState
from dialogs.understanding import Understanding
from storage.case_changes import jsonable
from storage.queries import CaseDetail, CaseSummary, EventLine, InvoiceLine, PaymentLine, ReplyLine, Report

if TYPE_CHECKING:
    from bot.service import TickReport

NONE = "—"
BUCKET_LABELS: dict[Bucket, str] = {
    Bucket.NOT_DUE: "Not due",
    Bucket.DAYS_1_30: "1–30 d",
    Bucket.DAYS_31_60: "31–60 d",
    Bucket.DAYS_61_90: "61–90 d",
    Bucket.OVER_90: ">90 d",
}
_PLAIN = re.compile(r"[\w.:@/+-]+")
# Control characters (line breaks aside) in debtor text could drive the owner's terminal (ANSI escapes).
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")
_UNBOUNDED = 100_000  # columns: a bound no table reaches, to measure its natural width


@dataclass(frozen=True, slots=True)
class Col:
    header: str
    right: bool = False
    wraps: bool = False  # may wrap on a narrow terminal; other columns keep each value on one line


def show_cases(console: Console, rows: Sequence[CaseSummary], *, as_json: bool, language: Language,
               tz: tzinfo) -> None:
    if as_json:
        _print_json(console, [case_summary_json(row, tz) for row in rows])
        return
    if not rows:
        console.print("No cases.", markup=False, highlight=False)
        return
    columns = (Col("Case", right=True), Col("Debtor"), Col("Name", wraps=True), Col("Balance", right=True),
               Col("Currency"), Col("Oldest due"), Col("Days", right=True), Col("State"), Col("Next action"))
    _print_table(console, _table(None, columns, [
        (str(row.id), row.debtor_ref, row.debtor_name,
         format_money(row.balance, row.currency, language) if row.currency else NONE, row.currency or NONE,
         _date(row.oldest_due_date, language), str(row.days_overdue), row.state.value,
         _datetime(row.next_action_at, language, tz))
        for row in rows
    ]))


def show_case(console: Console, detail: CaseDetail, *, as_json: bool, language: Language, tz: tzinfo) -> None:
    if as_json:
        _print_json(console, case_json(detail, tz))
        return
    balances = ", ".join(format_money(v, c, language) for c, v in sorted(detail.balances.items())) or NONE
    heading = f"Case {detail.id} · {detail.debtor_ref} {detail.debtor_name} · {detail.state.value}"
    console.print(Text(_printable(heading)))
    console.print(Text(f"Open balance: {balances} · next action: {_datetime(detail.next_action_at, language, tz)}"))
    _print_table(console, _invoices_table(detail.invoices, language))
    _print_table(console, _payments_table(detail.payments, language))
    _print_table(console, _timeline_table(detail.timeline, language, tz))


def show_report(console: Console, report: Report, *, as_json: bool, language: Language) -> None:
    if as_json:
        _print_json(console, report_json(report))
        return
    period = report.dso_period_days
    aging_columns = (Col("Currency"), *(Col(BUCKET_LABELS[b], right=True) for b in Bucket), Col("Total", right=True),
                     Col(f"Sales {period} d", right=True), Col(f"DSO {period} d", right=True))
    aging_rows = []
    for cur in report.currencies:
        amounts = [*(cur.buckets[b] for b in Bucket), cur.receivables, cur.sales]
        dso = NONE if cur.dso is None else format_decimal(cur.dso, format="#,##0.0", locale=LOCALES[language])
        aging_rows.append((cur.currency, *(format_money(a, cur.currency, language) for a in amounts), dso))
    _print_table(console, _table(f"Aging on {_date(report.today, language)}", aging_columns, aging_rows))
    _print_table(console, _table("By state", (Col("State"), Col("Cases", right=True), Col("Balance", right=True)), [
        (total.state.value, str(total.cases),
         "\n".join(format_money(v, c, language) for c, v in sorted(total.balances.items())) or NONE)
        for total in report.states
    ]))


def case_summary_json(row: CaseSummary, tz: tzinfo) -> dict[str, Any]:
    return {
        "id": row.id,
        "debtor_ref": row.debtor_ref,
        "debtor_name": row.debtor_name,
        "balance": str(row.balance),
        "currency": row.currency,
        "oldest_due_date": _iso(row.oldest_due_date),
        "days_overdue": row.days_overdue,
        "state": row.state.value,
        "next_action_at": _iso_at(row.next_action_at, tz),
    }


def case_json(detail: CaseDetail, tz: tzinfo) -> dict[str, Any]:
    return {
        "id": detail.id,
        "debtor_ref": detail.debtor_ref,
        "debtor_name": detail.debtor_name,
        "debtor_email": detail.debtor_email,
        "state": detail.state.value,
        "opened_at": _iso_at(detail.opened_at, tz),
        "closed_at": _iso_at(detail.closed_at, tz),
        "next_action_at": _iso_at(detail.next_action_at, tz),
        "balances": {c: str(v) for c, v in sorted(detail.balances.items())},
        "invoices": [
            {"number": i.number, "issue_date": _iso(i.issue_date), "due_date": _iso(i.due_date),
             "currency": i.currency, "amount": str(i.amount), "paid": str(i.paid), "remaining": str(i.remaining),
             "days_overdue": i.days_overdue, "disputed": i.disputed}
            for i in detail.invoices
        ],
        "payments": [
            {"paid_on": _iso(p.paid_on), "invoice_number": p.invoice_number, "currency": p.currency,
             "amount": str(p.amount), "reference": p.reference, "source": p.source}
            for p in detail.payments
        ],
        "timeline": [
            {"id": e.id, "at": _iso_at(e.at, tz), "kind": e.kind, "actor": e.actor,
             "from_state": e.from_state and e.from_state.value, "to_state": e.to_state and e.to_state.value,
             "data": dict(e.data)}
            for e in detail.timeline
        ],
    }


def report_json(report: Report) -> dict[str, Any]:
    return {
        "today": report.today.isoformat(),
        "dso_period_days": report.dso_period_days,
        "currencies": [
            {"currency": c.currency, "aging": {b.value: str(c.buckets[b]) for b in Bucket},
             "receivables": str(c.receivables), "sales": str(c.sales), "dso": None if c.dso is None else str(c.dso)}
            for c in report.currencies
        ],
        "states": [
            {"state": s.state.value, "cases": s.cases, "balances": {c: str(v) for c, v in sorted(s.balances.items())}}
            for s in report.states
        ],
    }


def _invoices_table(invoices: Sequence[InvoiceLine], language: Language) -> Table:
    columns = (Col("Number"), Col("Issued"), Col("Due"), Col("Amount", right=True), Col("Paid", right=True),
               Col("Remaining", right=True), Col("Days", right=True), Col("Disputed"))
    return _table("Invoices", columns, [
        (i.number, _date(i.issue_date, language), _date(i.due_date, language),
         format_money(i.amount, i.currency, language), format_money(i.paid, i.currency, language),
         format_money(i.remaining, i.currency, language), str(i.days_overdue), "yes" if i.disputed else "")
        for i in invoices
    ])


def _payments_table(payments: Sequence[PaymentLine], language: Language) -> Table:
    columns = (Col("Date"), Col("Invoice"), Col("Amount", right=True), Col("Reference", wraps=True), Col("Source"))
    return _table("Payments", columns, [
        (_date(p.paid_on, language), p.invoice_number, format_money(p.amount, p.currency, language), p.reference,
         p.source)
        for p in payments
    ])


def _timeline_table(events: Sequence[EventLine], language: Language, tz: tzinfo) -> Table:
    columns = (Col("Time"), Col("Kind"), Col("Actor"), Col("State"), Col("Data", wraps=True))
    return _table("Timeline", columns, [
        (_datetime(e.at, language, tz), e.kind, e.actor,
         f"{_state(e.from_state)} → {_state(e.to_state)}" if e.to_state is not None else "", _compact(e.data))
        for e in events
    ])


def _table(title: str | None, columns: Sequence[Col], rows: Iterable[Sequence[str]]) -> Table:
    """A table of plain text cells, never read as rich markup: names and event data are typed by debtors.

    Columns that do not wrap get the width of their widest value up front, which spares rich
    measuring every cell: on thousands of cases that is most of the time spent.
    """
    cells = [[Text(_printable(value)) for value in row] for row in rows]
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD)
    for n, col in enumerate(columns):
        width = None if col.wraps else max([cell_len(col.header), *(_width(row[n]) for row in cells)])
        table.add_column(col.header, justify="right" if col.right else "left", no_wrap=not col.wraps, width=width)
    for row in cells:
        table.add_row(*row)
    return table


def _width(text: Text) -> int:
    return max(cell_len(line) for line in text.plain.split("\n"))


def _print_table(console: Console, table: Table) -> None:
    """Print at the terminal's width, or at the table's natural width when piped or redirected.

    Rich assumes 80 columns off a terminal and would fold amounts and dates over several lines.
    """
    if console.is_terminal:
        console.print(table)
        return
    width = Measurement.get(console, console.options.update(max_width=_UNBOUNDED), table).maximum
    lines = console.render_lines(table, console.options.update_width(width), new_lines=True)
    console.print(Segments(chain.from_iterable(lines)), end="")


def _print_json(console: Console, payload: Any) -> None:
    # Straight to the file: JSON needs none of rich's processing, which takes seconds on a large list.
    # json escapes C0 controls itself; C1 and DEL can only occur inside strings, where \uXXXX is valid.
    text = json.dumps(payload, ensure_ascii=False, indent=2)
    console.file.write(_CONTROL.sub(lambda m: f"\\u{ord(m[0]):04x}", text) + "\n")


def _printable(text: str) -> str:
    return _CONTROL.sub(lambda m: f"\\x{ord(m[0]):02x}", text)


def _compact(data: Mapping[str, Any]) -> str:
    """`key=value` pairs on one line; values that are not a single plain word are JSON-quoted."""
    return " ".join(
        f"{k}={v if isinstance(v, str) and _PLAIN.fullmatch(v) else json.dumps(v, ensure_ascii=False)}"
        for k, v in data.items()
    )


def _state(state: CaseState | None) -> str:
    return state.value if state is not None else NONE


def _date(day: date | None, language: Language) -> str:
    return format_date(day, language, "short") if day is not None else NONE


def _datetime(at: datetime | None, language: Language, tz: tzinfo) -> str:
    if at is None:
        return NONE
    local = at.astimezone(tz)
    return f"{format_date(local.date(), language, 'short')} {local:%H:%M}"


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _iso_at(at: datetime | None, tz: tzinfo) -> str | None:
    """ISO 8601 in the company's time zone, with its offset, so it reads like the tables and stays exact."""
    return at.astimezone(tz).isoformat() if at is not None else None


def show_tick(console: Console, report: TickReport, *, as_json: bool, dry_run: bool) -> None:
    """What `relance sweep` did (or, on a dry run, would do)."""
    swept, sent = report.sweep, report.dispatch
    counts = {k: getattr(swept, k) for k in ("examined", "queued", "flagged", "postponed", "waiting",
                                             "skipped_steps", "unreachable", "errors")}
    delivered = {k: getattr(sent, k) for k in ("sent", "cancelled", "retried", "failed")}
    planned = [(str(p.case_id), p.debtor, p.step, str(p.channel or NONE), p.recipient or NONE, p.subject or NONE)
               for p in swept.planned]
    if as_json:
        keys = ("case", "debtor", "step", "channel", "recipient", "subject")
        _print_json(console, {"dry_run": dry_run, "sweep": counts, "dispatch": delivered,
                              "planned": [dict(zip(keys, row)) for row in planned]})
        return
    if planned:
        columns = (Col("Case", right=True), Col("Debtor"), Col("Step"), Col("Channel"), Col("To"),
                   Col("Subject", wraps=True))
        _print_table(console, _table("Would send" if dry_run else "Queued", columns, planned))
    console.print(Text(", ".join(f"{k.replace('_', ' ')} {v}" for k, v in counts.items())))
    if not dry_run:
        console.print(Text(", ".join(f"{k} {v}" for k, v in delivered.items())))


def show_understanding(console: Console, file: str, understood: Understanding, *, as_json: bool) -> None:
    """`relance parse-reply`: one JSON object per line, or one readable line and its evidence."""
    if as_json:
        console.file.write(json.dumps({"file": file, **understood.as_json()}, ensure_ascii=False) + "\n")
        return
    facts = understood.as_json()
    shown = [f"{key} {facts[key]}" for key in ("promised_date", "amount", "currency", "failed_recipient",
                                                "new_contact", "back_on") if facts[key]]
    if understood.invoice_refs:
        shown.append("invoices " + ", ".join(understood.invoice_refs))
    if understood.installments:
        shown.append(f"{len(understood.installments)} installments")
    line = Text(f"{file}: ", style="bold")
    line.append(f"{understood.intent} ({understood.confidence:.2f})")
    if shown:
        line.append(" — " + ", ".join(shown))
    console.print(line)
    for phrase in understood.evidence:
        console.print(Text(f"    « {phrase} »"))


def show_replies(console: Console, rows: Sequence[ReplyLine], *, as_json: bool, language: Language,
                 tz: tzinfo) -> None:
    """`relance replies`: inbound mail, what was understood and what was done."""
    if as_json:
        _print_json(console, [{
            "message": r.message, "received_at": _iso_at(r.received_at, tz), "sender": r.sender, "subject": r.subject,
            "status": r.status.value, "case": r.case_id, "debtor": r.debtor_ref, "kind": r.kind, "intent": r.intent,
            "confidence": r.confidence, "action": r.action, "reason": r.reason, "needs_review": r.needs_review,
            "error": r.error} for r in rows])
        return
    if not rows:
        console.print("No replies.", markup=False, highlight=False)
        return
    columns = (Col("Msg", right=True), Col("Received"), Col("From"), Col("Subject", wraps=True), Col("Case"),
               Col("Intent"), Col("Conf.", right=True), Col("Done", wraps=True))
    _print_table(console, _table(None, columns, [
        (str(r.message), _datetime(r.received_at, language, tz), r.sender or NONE, r.subject or NONE,
         f"{r.case_id} {r.debtor_ref or ''}".strip() if r.case_id else NONE, r.intent or NONE,
         f"{r.confidence:.2f}" if r.confidence is not None else NONE,
         f"error: {r.error}" if r.error else (f"{r.action}: {r.reason}" if r.action else r.status.value))
        for r in rows
    ]))


def show_notice(console: Console, claim: Claim, deadline: date, pdf: str, *, as_json: bool,
                language: Language) -> None:
    """`relance notice preview`: what the notice claims, and where its PDF is."""
    if as_json:
        _print_json(console, {"pdf": pdf, "deadline": deadline.isoformat(), "claim": jsonable(asdict(claim))})
        return
    columns = (Col("Invoice"), Col("Due"), Col("Days late", right=True), Col("Remaining", right=True),
               Col("Interest", right=True), Col("Indemnity", right=True))
    _print_table(console, _table(None, columns, [
        (line.number, _date(line.due_date, language), str(line.days_late),
         format_money(line.remaining, line.currency, language), format_money(line.interest, line.currency, language),
         format_money(line.indemnity, line.indemnity_currency, language) if line.indemnity else NONE)
        for line in claim.invoices]))
    console.print(Text(f"Total claimed {format_money(claim.total_claimed, claim.currency, language)} as of "
                       f"{_date(claim.as_of, language)}; deadline {_date(deadline, language)}; PDF: {pdf}"))
    for warning in claim.warnings:
        console.print(Text(f"warning: {warning}"))


@dataclass(frozen=True, slots=True)
class ApprovedNotice:
    notice: int
    case: int
    total_claimed: Decimal
    currency: str
    deadline: date
    emailed: bool


def show_approved(console: Console, approved: ApprovedNotice, *, as_json: bool, language: Language) -> None:
    """`relance notice approve`: what was decided, and whether it went by email."""
    if as_json:
        _print_json(console, {"notice": approved.notice, "case": approved.case,
                              "deadline": approved.deadline.isoformat(), "total_claimed": str(approved.total_claimed),
                              "currency": approved.currency, "emailed": approved.emailed})
        return
    console.print(Text(f"case {approved.case}: formal notice {approved.notice} approved, "
                       f"{format_money(approved.total_claimed, approved.currency, language)} by "
                       f"{_date(approved.deadline, language)}"))
    if not approved.emailed:
        console.print(Text("no usable email address on file: print the PDF (relance notice preview) and send it "
                           "by registered letter"))
