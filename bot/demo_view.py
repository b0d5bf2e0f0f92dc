"""What `relance demo` prints: one line per notable event as the simulated days go (a progress bar over
them on a terminal), then the report; or, with `--json`, the summary alone."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table
from rich.text import Text

from bot import demo, views
from bot.demo_sim import DayDone, Seen
from dialogs.formatting import format_money
from dialogs.parties import Language

LANGUAGE = Language.EN  # the demo narrates in English; the debtors' mails are in their own language
# Events that only restate another line (a step queued, then sent) or say nothing to a newcomer.
QUIET = frozenset({"step_skipped", "reminder_queued", "plan_installment_reminded", "invoices_imported", "opened"})
ANSWERS = {"promise": "promise confirmed in writing", "plan_offer": "numbered plan options sent",
           "plan_accepted": "plan confirmed in writing"}
STYLES = {"settled": "bold green", "payments_recorded": "green", "flagged_formal_notice": "bold red",
          "promise_broken": "red", "plan_broken": "red", "reminder_bounced": "red", "dispute_opened": "magenta",
          "owner_alerted": "yellow", "promise_received": "cyan", "plan_accepted": "cyan", "chat_linked": "cyan"}


def run_and_show(out: Console, *, as_json: bool, keep: Path | None, days: int, seed: int) -> demo.DemoRun:
    """The demo in `keep` (else a temporary folder), narrated on `out`. Raises FileExistsError when
    `keep` already holds a demo database."""
    with demo.demo_folder(keep) as folder:
        if as_json:
            result = demo.run(folder, days=days, seed=seed)
            out.print_json(json.dumps(payload(result)))
            return result
        out.print(f"relance demo — {days} simulated days from {demo.DEMO_DAY:%d/%m/%Y}, seed {seed}; "
                  f"{'kept in ' + str(folder) if keep else 'in a temporary folder, removed afterwards'}",
                  markup=False, highlight=False)
        out.print("Mail goes to a real SMTP server on 127.0.0.1 (aiosmtpd, in this process); replies come back by "
                  "IMAP from a Dovecot on 127.0.0.1 where one is installed (else through the IMAP listener's entry "
                  "point); Telegram is the real bot against an in-process Bot API.", markup=False, highlight=False)
        with _progress(out, days) as day_done:
            result = demo.run(folder, days=days, seed=seed, day_done=day_done)
        show_report(out, result, kept=keep is not None)
    return result


def payload(result: demo.DemoRun) -> dict[str, Any]:
    company = result.loaded.config.company
    return {**demo.summary(result), "cases": [views.case_summary_json(c, company.tz) for c in result.cases],
            "report": views.report_json(result.report)}


@contextmanager
def _progress(out: Console, days: int) -> Iterator[DayDone]:
    if not out.is_terminal:
        yield lambda day, seen: _print_lines(out, seen)
        return
    with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=out, transient=True) as progress:
        task = progress.add_task("simulated days", total=days)

        def day_done(day: date, seen: list[Seen]) -> None:
            _print_lines(progress.console, seen)
            progress.update(task, advance=1, description=f"{day:%d/%m/%Y}")

        yield day_done


def _print_lines(out: Console, seen: list[Seen]) -> None:
    for item in seen:
        line = timeline_line(item)
        if line is not None:
            out.print(line)


def timeline_line(item: Seen) -> Text | None:
    """`date  debtor  channel  what happened`, or None for an event that adds nothing to the story."""
    event = item.event
    if event.kind in QUIET:
        return None
    channel, what = _describe(event.kind, event.data)
    text = Text(f"{event.at.astimezone(demo.DEMO_DAY.tzinfo):%d/%m/%Y %H:%M}  ")
    text.append(f"{item.ref} {item.name[:26]:<26}  ", style="bold")
    text.append(f"{channel:<8}  ")
    text.append(what, style=STYLES.get(event.kind, ""))
    return text


def _describe(kind: str, data: dict[str, Any]) -> tuple[str, str]:
    channel = str(data.get("channel", ""))
    step = str(data.get("step", ""))
    if kind == "reminder_sent":
        return channel, f"{step} sent"
    if kind == "answer_sent":
        purpose = step.removeprefix("answer:").split(":")[0]
        return channel, ANSWERS.get(purpose, f"answer sent ({purpose})")
    if kind == "installment_reminder_sent":
        parts = step.split(":")  # plan:<plan>:<installment>:<due|late>
        return channel, f"installment {parts[2]} reminder sent" if len(parts) > 2 else "installment reminder sent"
    if kind == "owner_alerted":
        return channel, f"owner alerted: {step.removeprefix('alert:').replace('_', ' ')}"
    if kind == "flagged_formal_notice":
        return "", "flagged for a formal notice → notice_pending (the owner decides)"
    if kind == "promise_received":
        by = "telegram" if any("telegram" in str(e) for e in data.get("evidence", ())) else "email"
        return by, f"promises to pay on {data.get('promised_date')}"
    if kind == "promise_broken":
        return "", f"promise broken (unpaid by {data.get('promised_until')}): reminders resume"
    if kind == "dispute_opened":
        return "email", f"disputes {', '.join(data.get('invoices', []))}: reminders stop for it"
    if kind == "plan_requested":
        return "email", "asks for a payment plan"
    if kind == "plan_offered":
        return channel, f"{len(data.get('options', []))} plan options offered"
    if kind == "plan_accepted":
        return str(data.get("source", "")), f"plan accepted: {len(data.get('installments', []))} installments"
    if kind == "plan_completed":
        return "", "plan completed"
    if kind == "plan_broken":
        return "", f"plan broken: installment {data.get('installment')} unpaid ({data.get('owed')})"
    if kind == "payments_recorded":
        paid = sum((Decimal(p["amount"]) for p in data.get("payments", [])), Decimal("0"))
        return "bank", f"payment imported: {paid}"
    if kind == "settled":
        return "", "paid in full → closed"
    if kind == "auto_reply":
        back = data.get("back_on")
        return "email", f"out of office until {back}: next reminder postponed" if back else "automatic reply"
    if kind in ("reminder_bounced", "email_bounced"):
        return "email", f"bounced ({data.get('error') or data.get('address')}): address marked invalid"
    if kind == "chat_linked":
        return "telegram", "opens the chat with the link from the reminder"
    return channel, kind.replace("_", " ")


def show_report(out: Console, result: demo.DemoRun, *, kept: bool) -> None:
    out.print()
    out.rule(f"Report on {result.until:%d/%m/%Y}")
    recovered = ", ".join(_money(a, c) for c, a in sorted(result.recovered.items())) or "nothing"
    out.print(f"Recovered during the {result.days} days: {recovered}", markup=False, highlight=False)
    starts = {c.currency: c.dso for c in result.start_report.currencies}
    for currency in sorted(set(starts) | {c.currency for c in result.report.currencies}):
        end = next((c.dso for c in result.report.currencies if c.currency == currency), None)
        out.print(f"DSO ({result.report.dso_period_days} days, {currency}): {_dso(starts.get(currency))} at the start, "
                  f"{_dso(end)} at the end", markup=False, highlight=False)
    summary = demo.summary(result)
    out.print(f"Mails sent by SMTP: {result.mails}; messages in the debtors' Telegram chats: "
              f"{summary['chat_messages']}",
              markup=False, highlight=False)
    out.print(f"Replies by email arrived through {result.replies_path}", markup=False, highlight=False)
    out.print("Cases by state: " + ", ".join(f"{s} {n}" for s, n in summary["cases_by_state"].items()),
              markup=False, highlight=False)
    out.print(f"Owner alerts raised: {sum(result.alerts.values())} ("
              + ", ".join(f"{k.replace('_', ' ')} {n}" for k, n in sorted(result.alerts.items())) + ")",
              markup=False, highlight=False)
    out.print("Formal notices awaiting approval: " + (", ".join(summary["notices_awaiting_approval"]) or "none"),
              markup=False, highlight=False)
    table = Table(title="The scripted debtors", title_justify="left")
    for column in ("Debtor", "Name", "Role", "State"):
        table.add_column(column)
    table.add_column("Balance", justify="right")
    for outcome in result.outcomes:
        table.add_row(outcome.persona.ref, outcome.name, outcome.persona.role, str(outcome.state),
                      _money(outcome.balance, "EUR"))
    out.print(table)
    out.print("The notices are drafted with ILLUSTRATIVE late-interest rates for 2026 H2 and 2027 H1 (written by the "
              "demo in rates/; the shipped tables leave them unconfirmed).", markup=False, highlight=False)
    for ref, path in sorted(result.notices.items()):
        where = str(path) if kept else f"{path.name} (removed with the temporary folder; --keep DIR keeps it)"
        out.print(f"Formal notice PDF for {ref}: {where}", markup=False, highlight=False)
    if kept:
        out.print(f"Mails: {result.folder / 'mail'}/*.eml; try: relance --config {result.loaded.path} cases",
                  markup=False, highlight=False)


def _money(amount: Decimal, currency: str) -> str:
    return format_money(amount, currency, LANGUAGE)


def _dso(value: Decimal | None) -> str:
    return "n/a (no sales in the period)" if value is None else f"{value} days"
