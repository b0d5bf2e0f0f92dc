"""The `relance` command. Each command loads the config once, builds what it needs and passes it down."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, NoReturn, Optional, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer
from rich.console import Console
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot import assembly, demo, demo_view, views
from bot import config as config_mod
from bot.case_export import ExportRefused, export_case
from bot.config import ConfigError, LoadedConfig
from bot.import_report import (
    import_progress,
    invoices_summary,
    payments_summary,
    report_import,
    run_import,
)
from bot.notice_pdf import html_to_pdf
from bot.service import Service, run_forever
from bot.service import build as build_service
from dialogs.legal import ClaimError
from dialogs.parties import Channel, Language
from dialogs.rates import UnknownRate
from dialogs.states import TransitionError
from dialogs.understanding import understand_email
from scheduler.notices import NoticeRefused
from storage import queries
from storage.case_export import case_records
from storage.dispatch_lock import DispatcherBusy, dispatcher_lock
from storage.engine import make_engine, resolve_url, transaction
from storage.invoice_import import import_invoices
from storage.migrate import upgrade
from storage.models import Case
from storage.owner_actions import NotFound, change_debtor, pause, resume
from storage.payment_import import import_payments

EXIT_FAILED = 1
EXIT_USAGE = 2

app = typer.Typer(
    name="relance",
    help="Amicable debt recovery for a small firm: reminders, replies, payment plans, formal notices.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
import_app = typer.Typer(help="Import CSV exports from your accounting software.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(import_app, name="import")
notice_app = typer.Typer(help="Formal notices (mise en demeure): preview, approve.", no_args_is_help=True)
app.add_typer(notice_app, name="notice")
T = TypeVar("T")

ConfigOption = Annotated[
    Optional[Path],
    typer.Option("--config", help="Config file (default: $RELANCE_CONFIG or ./config.toml).", show_default=False),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for machines instead of tables.")]

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


@app.callback()
def _main(ctx: typer.Context, config: ConfigOption = None) -> None:
    ctx.obj = config


def load_config(ctx: typer.Context, explicit: Path | None) -> LoadedConfig:
    """The command's own --config wins over the global one, then $RELANCE_CONFIG, then ./config.toml."""
    path = config_mod.config_path(explicit or ctx.obj, os.environ)
    try:
        return config_mod.load(path)
    except ConfigError as exc:
        _fail_config(exc)


def open_database(loaded: LoadedConfig) -> Engine:
    """An engine on the configured database, migrated to the current schema."""
    engine = make_engine(resolve_url(loaded.config.database.url, loaded.base_dir))
    upgrade(engine)
    return engine


def _open(ctx: typer.Context, config: Path | None) -> tuple[LoadedConfig, Engine]:
    """The config and its database, migrated; commands that refuse bad arguments first open it after them,
    so that a refused command leaves no database behind."""
    loaded = load_config(ctx, config)
    return loaded, open_database(loaded)


@contextmanager
def holding_dispatcher_lock(engine: Engine) -> Iterator[None]:
    try:
        with dispatcher_lock(engine):
            yield
    except DispatcherBusy as exc:
        err.print(f"{exc}; stop it first, or let it do the sending", markup=False, highlight=False)
        raise typer.Exit(EXIT_FAILED) from None


def wall_clock() -> datetime:
    """The only reading of the real clock: commands pass it down as `now`."""
    return datetime.now(UTC)


def _fail_config(exc: ConfigError) -> NoReturn:
    for line in str(exc).splitlines():
        err.print(line, markup=False, highlight=False)
    raise typer.Exit(EXIT_USAGE)


@app.command("check-config")
def check_config(ctx: typer.Context, config: ConfigOption = None) -> None:
    """Validate the config file; list every problem with its key path and exit 2 if any."""
    loaded = load_config(ctx, config)
    problems = assembly.template_problems(loaded)
    if problems:
        _fail_config(ConfigError(problems, loaded.path))
    cfg = loaded.config
    absent = [name for name in ("smtp", "imap", "telegram") if getattr(cfg, name) is None]
    out.print(f"{loaded.path}: OK", markup=False, highlight=False)
    if absent:
        out.print(f"not configured (needed by `relance run`): {', '.join(absent)}", markup=False, highlight=False)


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context, config: ConfigOption = None) -> None:
    """Apply the schema migrations (also done whenever a command opens the database)."""
    _, engine = _open(ctx, config)
    out.print(f"database at schema {_revision(engine)}", markup=False, highlight=False)


@import_app.command("invoices")
def import_invoices_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV export of open invoices.", exists=True, dir_okay=False)],
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import invoices: all rows or none (errors as FILE:LINE: column: reason); re-importing changes nothing."""
    loaded, engine = _open(ctx, config)
    with import_progress(file) as progress:
        result = run_import(lambda: import_invoices(
            engine, file, now=wall_clock(), default_language=loaded.config.company.language,
            user_columns=loaded.config.import_.columns, progress=progress))
    report_import(result, as_json, invoices_summary(result))


@import_app.command("payments")
def import_payments_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV of payments received.", exists=True, dir_okay=False)],
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import payments against known invoices: all rows or none; a payment already recorded is skipped."""
    loaded, engine = _open(ctx, config)
    with import_progress(file) as progress:
        result = run_import(lambda: import_payments(
            engine, file, now=wall_clock(), user_columns=loaded.config.import_.columns, progress=progress))
    report_import(result, as_json, payments_summary(result))


def _revision(engine: Engine) -> str:
    from storage.migrate import current_revision

    return current_revision(engine) or "(empty)"


AtOption = Annotated[
    Optional[datetime],
    typer.Option("--at", formats=["%Y-%m-%d"], show_default=False,
                 help="Take this date as today (default: today in the company's time zone)."),
]


def _today(loaded: LoadedConfig, at: datetime | None) -> date:
    return at.date() if at is not None else wall_clock().astimezone(loaded.config.company.tz).date()


@app.command("cases")
def cases_command(
    ctx: typer.Context,
    as_json: JsonOption = False,
    include_closed: Annotated[bool, typer.Option("--all", help="Include closed cases.")] = False,
    at: AtOption = None,
    config: ConfigOption = None,
) -> None:
    """One line per case: debtor, open balance, oldest due date, days overdue, state, next action."""
    loaded, engine = _open(ctx, config)
    company = loaded.config.company
    with Session(engine) as session:
        rows = queries.case_summaries(session, today=_today(loaded, at), include_closed=include_closed)
    views.show_cases(out, rows, as_json=as_json, language=company.language, tz=company.tz)


@app.command("case")
def case_command(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(metavar="ID", help="A case id or a debtor reference (or: export CASE).")],
    export_key: Annotated[Optional[str], typer.Argument(metavar="[CASE]", show_default=False,
                                                        help="With `export`: the case to export.")] = None,
    out_dir: Annotated[Optional[Path], typer.Option("--out", help="With `export`: a new or empty folder.",
                                                    show_default=False)] = None,
    as_json: JsonOption = False,
    at: AtOption = None,
    config: ConfigOption = None,
) -> None:
    """A case's invoices, payments and full timeline; `relance case export CASE --out DIR` writes its case file."""
    loaded = load_config(ctx, config)
    if key == "export" and export_key is not None:
        _export_case(loaded, export_key, out_dir, as_json=as_json)
        return
    if export_key is not None or out_dir is not None:
        _fail_usage("usage: relance case ID [--json] | relance case export CASE --out DIR")
    company = loaded.config.company
    with Session(open_database(loaded)) as session:
        found = queries.find_case(session, key)
        detail = None if found is None or found.id is None else queries.case_detail(
            session, found.id, today=_today(loaded, at))
    if detail is None:
        err.print(f"no case with id or debtor reference {key!r}; `relance cases --all` lists them",
                  markup=False, highlight=False)
        raise typer.Exit(EXIT_USAGE)
    views.show_case(out, detail, as_json=as_json, language=company.language, tz=company.tz)


def _export_case(loaded: LoadedConfig, key: str, out_dir: Path | None, *, as_json: bool) -> None:
    if out_dir is None:
        _fail_usage("relance case export CASE --out DIR: say where to write the case file")
    engine = open_database(loaded)
    composer = assembly.composer(loaded)
    company = loaded.config.company
    with Session(engine) as session:
        records = case_records(session, _case_or_fail(session, key))
    try:
        files = export_case(records, out_dir, env=composer.env, creditor=composer.creditor,
                            language=company.language, tz=company.tz, today=_today(loaded, None),
                            html_to_pdf=html_to_pdf)
    except ExportRefused as exc:
        _fail_usage(str(exc))
    except OSError as exc:
        err.print(f"{out_dir}: {exc.strerror or exc}", markup=False, highlight=False)
        raise typer.Exit(EXIT_FAILED) from None
    if as_json:
        out.file.write(json.dumps({"case": records.case.id, "folder": str(out_dir),
                                   "files": [str(f) for f in files]}) + "\n")
    else:
        out.print(f"case {records.case.id}: {len(files)} files in {out_dir}", markup=False, highlight=False)


@app.command("report")
def report_command(
    ctx: typer.Context,
    as_json: JsonOption = False,
    at: AtOption = None,
    config: ConfigOption = None,
) -> None:
    """Aging buckets of open amounts, DSO over the last 90 days, amounts and cases by state."""
    loaded, engine = _open(ctx, config)
    with Session(engine) as session:
        summary = queries.report(session, today=_today(loaded, at))
    views.show_report(out, summary, as_json=as_json, language=loaded.config.company.language)


@app.command("debtor")
def debtor_command(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(metavar="REF", help="The debtor's reference (customer code).")],
    exclude: Annotated[Optional[bool], typer.Option("--exclude/--include",
                                                    help="Never remind this debtor / remind again.")] = None,
    ladder: Annotated[Optional[str], typer.Option(help='Another ladder from [policy.ladders]; "default" to reset.')] = None,
    channels: Annotated[Optional[str], typer.Option(help='Channel order, e.g. "telegram,email"; "default" to reset.')] = None,
    opt_out: Annotated[Optional[str], typer.Option("--opt-out",
                                                   help='Channels the debtor refused, e.g. "telegram"; "" for none.')] = None,
    language: Annotated[Optional[Language], typer.Option(help="The language of the debtor's messages.")] = None,
    config: ConfigOption = None,
) -> None:
    """Change how one debtor is reminded; the change is recorded in the open case's timeline."""
    loaded = load_config(ctx, config)
    changes: dict[str, object] = {}
    if exclude is not None:
        changes["excluded"] = exclude
    if ladder is not None:
        if ladder != "default" and ladder not in loaded.config.policy.ladders:
            _fail_usage(f"no ladder {ladder!r} in [policy.ladders] (known: {', '.join(loaded.config.policy.ladders) or 'none'})")
        changes["ladder"] = None if ladder == "default" else ladder
    if channels is not None:
        changes["channel_order"] = None if channels == "default" else _channel_list(channels)
    if opt_out is not None:
        changes["opted_out"] = _channel_list(opt_out) if opt_out else ""
    if language is not None:
        changes["language"] = language
    engine = open_database(loaded)
    try:
        with transaction(engine) as session:
            diff = change_debtor(session, ref, changes, now=wall_clock())
    except NotFound as exc:
        _fail_usage(str(exc))
    shown = ", ".join(f"{k}: {_setting(old)} → {_setting(new)}" for k, (old, new) in diff.items())
    out.print(f"{ref}: {shown or 'nothing changed'}", markup=False, highlight=False)


@app.command("pause")
def pause_command(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(metavar="CASE", help="A case id or a debtor reference.")],
    reason: Annotated[str, typer.Option(help="Why, for the case's timeline.")] = "",
    config: ConfigOption = None,
) -> None:
    """Stop every reminder of a case until `relance resume`."""
    _owner_transition(ctx, config, key, lambda session, case, now: pause(session, case, now=now, reason=reason))


@app.command("resume")
def resume_command(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(metavar="CASE", help="A case id or a debtor reference.")],
    config: ConfigOption = None,
) -> None:
    """Resume the reminders of a paused case where its ladder stood."""
    _owner_transition(ctx, config, key, lambda session, case, now: resume(session, case, now=now))


def _owner_transition(ctx: typer.Context, config: Path | None, key: str, change: Callable[..., None]) -> None:
    _, engine = _open(ctx, config)
    with transaction(engine) as session:
        case = _case_or_fail(session, key)
        try:
            change(session, case, wall_clock())
        except TransitionError as exc:
            _fail_usage(f"case {case.id}: {exc}")
        state = case.state
    out.print(f"case {case.id}: {state}", markup=False, highlight=False)


def _setting(value: object) -> str:
    return "—" if value is None or value == "" else str(value).lower() if isinstance(value, bool) else str(value)


def _channel_list(text: str) -> str:
    names = [c.strip() for c in text.split(",") if c.strip()]
    unknown = [n for n in names if n not in {c.value for c in Channel}]
    if unknown or len(set(names)) != len(names):
        _fail_usage(f"channels are a comma-separated list of {', '.join(c.value for c in Channel)}: got {text!r}")
    return ",".join(names)


def _fail_usage(message: str) -> NoReturn:
    err.print(message, markup=False, highlight=False)
    raise typer.Exit(EXIT_USAGE)


@app.command("sweep")
def sweep_command(
    ctx: typer.Context,
    at: Annotated[Optional[datetime], typer.Option(
        "--at", formats=["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"],
        show_default=False, help="Act as of this instant (ISO 8601; without an offset, the company's time zone).",
    )] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be sent; send and change nothing.")] = False,
    as_json: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    """One escalation pass: decide every due case, then deliver what is queued (for cron, or to check the plan)."""
    loaded, engine = _open(ctx, config)
    now = wall_clock() if at is None else (at if at.tzinfo else at.replace(tzinfo=loaded.config.company.tz))
    service = _service(loaded, engine)
    if dry_run:
        report = asyncio.run(service.tick(now, dry_run=True))
    else:
        with holding_dispatcher_lock(engine):
            service.recover(now)
            report = asyncio.run(service.tick(now))
    views.show_tick(out, report, as_json=as_json, dry_run=dry_run)
    if report.dispatch.failed:
        raise typer.Exit(EXIT_FAILED)


def _service(loaded: LoadedConfig, engine: Engine) -> Service:
    try:
        return build_service(loaded, engine)
    except ConfigError as exc:
        _fail_config(exc)


@notice_app.command("preview")
def notice_preview_command(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(metavar="CASE", help="Case id or debtor reference.", show_default=False)],
    out_file: Annotated[Path, typer.Option("--out", help="Where to write the PDF.", show_default=False)],
    at: Annotated[Optional[datetime], typer.Option(
        "--at", formats=["%Y-%m-%d"], help="Compute interest as of this day (default: today).", show_default=False)]
    = None,
    as_json: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    """Render the formal notice a case would get, without sending anything or changing the case."""
    loaded, engine = _open(ctx, config)
    service = _service(loaded, engine)
    with Session(engine) as session:
        case = _case_or_fail(session, key)
        draft = _notice(lambda: service.notice_desk().draft(session, case, _today(loaded, at)))
    _write_file(out_file, draft.pdf)
    views.show_notice(out, draft.claim, draft.deadline, str(out_file), as_json=as_json,
                      language=loaded.config.company.language)


@notice_app.command("approve")
def notice_approve_command(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(metavar="CASE", help="Case id or debtor reference.", show_default=False)],
    as_json: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    """Approve a flagged case's formal notice: stored, emailed with its PDF, the case given its deadline."""
    loaded, engine = _open(ctx, config)
    service = _service(loaded, engine)
    now = wall_clock()
    with transaction(engine) as session:
        case = _case_or_fail(session, key)
        notice = _notice(lambda: service.notice_desk().approve(session, case, now))
        summary = views.ApprovedNotice(notice.id or 0, case.id or 0, notice.total_claimed, notice.currency,
                                       notice.deadline, notice.message_id is not None)
    emailed = summary.emailed
    if emailed:
        try:
            with dispatcher_lock(engine):
                service.recover(now)
                asyncio.run(service.dispatcher.dispatch(now))
        except DispatcherBusy:
            pass  # the running service sends it at its next beat
    views.show_approved(out, summary, as_json=as_json, language=loaded.config.company.language)


def _notice(make: Callable[[], T]) -> T:
    try:
        return make()
    except (NoticeRefused, ClaimError) as exc:
        _fail_usage(str(exc))
    except UnknownRate as exc:
        err.print(f"{exc}: in the folder [legal] rates_dir names, a file {exc.table}.toml with that half-year "
                  "(same format as the shipped table; README, Formal notices)", markup=False, highlight=False)
        raise typer.Exit(EXIT_FAILED) from None


def _case_or_fail(session: Session, key: str) -> Case:
    case = queries.find_case(session, key)
    if case is None:
        _fail_usage(f"no case with id or debtor reference {key!r}; `relance cases --all` lists them")
    return case


def _write_file(path: Path, content: bytes) -> None:
    """Whole or not at all: written beside the target, then renamed over it."""
    partial = path.with_name(path.name + ".partial")
    try:
        partial.write_bytes(content)
        partial.replace(path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        err.print(f"{path}: {exc.strerror or exc}", markup=False, highlight=False)
        raise typer.Exit(EXIT_FAILED) from None


@app.command("replies")
def replies_command(
    ctx: typer.Context,
    review: Annotated[bool, typer.Option("--review", help="Only what waits for you: unclear, unmatched, failed.")]
    = False,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many, newest first.")] = 200,
    as_json: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    """Debtors' emails as relance read them: intent, confidence, and what it did or why it did not."""
    loaded, engine = _open(ctx, config)
    with Session(engine) as session:
        rows = queries.replies(session, review_only=review, limit=limit)
    company = loaded.config.company
    views.show_replies(out, rows, as_json=as_json, language=company.language, tz=company.tz)


@app.command("parse-reply")
def parse_reply_command(
    files: Annotated[list[Path], typer.Argument(help="Raw emails (.eml), as received.", show_default=False)],
    timezone: Annotated[str, typer.Option(
        "--timezone", help="Zone for dates in mail without a usable Date header.")] = "Europe/Paris",
    as_json: JsonOption = False,
) -> None:
    """What relance understands of each email, without a database: kind, intent, date, amount, evidence."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        _fail_usage(f"unknown time zone {timezone!r}")
    failed = False
    for file in files:
        try:
            raw = file.read_bytes()
        except OSError as exc:
            err.print(f"{file}: {exc.strerror or exc}", markup=False, highlight=False)
            failed = True
            continue
        views.show_understanding(out, str(file), understand_email(raw, default_tz=zone), as_json=as_json)
    if failed:
        raise typer.Exit(EXIT_FAILED)


@app.command("run")
def run_command(ctx: typer.Context, config: ConfigOption = None) -> None:
    """The service: sweeps and sends on the business calendar until SIGTERM or Ctrl-C."""
    loaded = load_config(ctx, config)
    if loaded.config.smtp is None and loaded.config.telegram is None:
        _fail_config(ConfigError([config_mod.Problem("smtp", "`relance run` needs [smtp] or [telegram] to send")],
                                 loaded.path))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    engine = open_database(loaded)
    with holding_dispatcher_lock(engine):
        asyncio.run(run_forever(_service(loaded, engine), wall_clock))


@app.command("demo")
def demo_command(
    as_json: JsonOption = False,
    keep: Annotated[Optional[Path], typer.Option("--keep", help="Keep the database, mails, PDFs and config here.",
                                                 file_okay=False)] = None,
    days: Annotated[int, typer.Option("--days", min=1, help="Simulated days.")] = demo.DEFAULT_DAYS,
    seed: Annotated[int, typer.Option("--seed", help="Moves the debtors' answers by a few minutes.")] = 0,
) -> None:
    """The whole recovery loop on the shipped sample data over simulated days: reminders, replies, plans, notices."""
    try:
        demo_view.run_and_show(out, as_json=as_json, keep=keep, days=days, seed=seed)
    except FileExistsError as exc:
        err.print(str(exc), markup=False, highlight=False)
        raise typer.Exit(EXIT_USAGE) from None


def main() -> None:
    app()


if __name__ == "__main__":
    sys.exit(main())
