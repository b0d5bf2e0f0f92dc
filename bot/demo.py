"""`relance demo`: the whole recovery loop on embedded defaults, over simulated days.

A fresh SQLite database in a temporary folder (or the one `--keep` names), the shipped sample data, a real
SMTP server on loopback in this process, the real Telegram code against an in-process Bot API, and scripted
debtors (bot/demo_personas.py) answering what they receive. The clock is simulated, so the output is the
same on every machine and every day; `seed` only moves the debtors' answers by a few minutes.
"""

from __future__ import annotations

import asyncio
import random
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot import config as config_mod
from bot import demo_inbox
from bot.clock import SettableClock
from bot.config import LoadedConfig
from bot.demo_chat import BOT_USERNAME, TOKEN, BotApiImitation
from bot.demo_personas import PERSONAS, Persona
from bot.demo_sim import DayDone, Simulation
from bot.service import Service, build
from bot.telegram_channel import TelegramChannel
from dialogs.rates import UnknownRate
from dialogs.states import CaseState
from storage import queries
from storage.engine import make_engine, resolve_url
from storage.invoice_import import InvoiceImportResult, import_invoices
from storage.migrate import upgrade
from storage.models import Case, Debtor, Invoice, Message, Payment
from storage.payment_import import PaymentImportResult, import_payments

# The sample data's "today": invoices fall due around it, some long overdue, some not yet due.
# The owner imports the exports at 08:00; the simulated days start then.
DEMO_DAY = datetime(2026, 11, 2, 8, 0, tzinfo=ZoneInfo("Europe/Paris"))
DEFAULT_DAYS = 90
SENDER = "Atelier Durand <relances@atelier-durand.example>"
REPLY_TO = "compta@atelier-durand.example"
OWNER = "patron@atelier-durand.example"
DEMO_CONFIG = """\
# Written by `relance demo`. `relance --config {path} cases` works on this folder afterwards.
# The SMTP server and the Telegram token below were the demo's own, in its process: they are gone.
[company]
name = "Atelier Durand (démo)"
address = "12 rue des Lilas, 69003 Lyon"
siren = "123456789"
iban = "FR76 3000 6000 0112 3456 7890 189"
bic = "AGRIFRPP"
email = "{reply_to}"
timezone = "Europe/Paris"
language = "fr"

[database]
url = "sqlite:///relance.db"

[smtp]
host = "{smtp_host}"
port = {smtp_port}
security = "none"
from = "{sender}"
reply_to = "{reply_to}"

{imap}[telegram]
token = "{token}"
bot_username = "{bot_username}"

[owner]
email = "{owner}"
digest = false  # the demo's owner reads the alerts; a digest a day would bury them in the mail folder

[legal]
rates_dir = "rates"  # ILLUSTRATIVE rates written by the demo; see rates/*.toml
"""
# The demo's Dovecot, when one is installed; its password is handed over in RELANCE_IMAP_PASSWORD, as a real
# deployment should, and is written nowhere.
IMAP_SECTION = """\
[imap]
host = "{host}"
port = {port}
security = "none"
username = "{username}"
reconnect_min_seconds = 0.1

"""
# The shipped tables leave 2026 H2 and 2027 H1 unconfirmed, and relance refuses to guess a rate; the demo
# writes its own table so that it can draft a notice. These numbers are NOT published rates.
ILLUSTRATIVE_RATES = {
    "fr_b2b": ("12.40", "12.40"),  # ECB MRO + 10 points, with an assumed MRO of 2.40 %
    "fr_legal_other": ("3.00", "3.00"),
}
RATES_TABLE = """\
# ILLUSTRATIVE — written by `relance demo` so that it can draft a formal notice. Not a published rate:
# a real deployment sets the confirmed rates here ([legal] rates_dir), or waits for relance's next tables.
[[periods]]
start = 2026-07-01
end = 2026-12-31
rate_percent = "{h2}"
source = "ILLUSTRATIVE demo value, not a published rate"

[[periods]]
start = 2027-01-01
end = 2027-06-30
rate_percent = "{h1}"
source = "ILLUSTRATIVE demo value, not a published rate"
"""


@dataclass(frozen=True, slots=True)
class Outcome:
    """Where one persona stands at the end."""

    persona: Persona
    name: str
    state: CaseState
    balance: Decimal


@dataclass(frozen=True, slots=True)
class DemoRun:
    folder: Path
    loaded: LoadedConfig
    invoices: InvoiceImportResult
    payments: PaymentImportResult
    cases: list[queries.CaseSummary]  # at the end, closed ones included
    report: queries.Report  # at the end
    start_report: queries.Report
    until: date
    days: int
    seed: int
    recovered: dict[str, Decimal]
    alerts: dict[str, int]  # owner alerts raised, by kind
    mails: int  # messages the SMTP server accepted
    chats: dict[str, list[str]]  # each chatting debtor's Telegram chat, oldest first, "bot: …" / "debtor: …"
    outcomes: list[Outcome]
    notices: dict[str, Path]  # formal notices drafted (debtor ref → PDF)
    replies_path: str  # how the debtors' emails reached relance


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


def run(folder: Path, *, days: int = DEFAULT_DAYS, seed: int = 0, day_done: DayDone | None = None,
        imap: bool = True) -> DemoRun:
    """Set up `folder` as a relance installation, import the samples as of DEMO_DAY and simulate `days` days;
    replies travel through a loopback Dovecot when `imap` and one is installed."""
    return asyncio.run(simulate(folder, days=days, seed=seed, day_done=day_done or (lambda day, seen: None),
                                imap=imap))


async def simulate(folder: Path, *, days: int, seed: int, day_done: DayDone, imap: bool) -> DemoRun:
    # Imported here: the demo's SMTP server needs aiosmtpd, which no other command loads.
    from bot.demo_mail import MailSink

    with MailSink(folder / "mail") as sink, demo_inbox.mailbox(imap) as mailbox:
        path = folder / "config.toml"
        imap_section = "" if mailbox.server is None else IMAP_SECTION.format(
            host=mailbox.server.host, port=mailbox.server.port, username=mailbox.username)
        path.write_text(DEMO_CONFIG.format(path=path, smtp_host=sink.host, smtp_port=sink.port, sender=SENDER,
                                           reply_to=REPLY_TO, owner=OWNER, token=TOKEN, bot_username=BOT_USERNAME,
                                           imap=imap_section),
                        encoding="utf-8")
        _write_rates(folder / "rates")
        loaded = config_mod.load(path, environ={"RELANCE_IMAP_PASSWORD": mailbox.password} if mailbox.server else {})
        tz = loaded.config.company.tz
        engine = make_engine(resolve_url(loaded.config.database.url, loaded.base_dir))
        try:
            upgrade(engine)
            invoices = import_invoices(engine, sample_file("sample_invoices.csv"), now=DEMO_DAY,
                                       default_language=loaded.config.company.language)
            payments = import_payments(engine, sample_file("sample_payments.csv"), now=DEMO_DAY)
            with Session(engine) as session:
                start_report = queries.report(session, today=DEMO_DAY.date())
            api = BotApiImitation()
            service = build(loaded, engine, chat=TelegramChannel(TOKEN, request=api))
            clock = SettableClock(DEMO_DAY)
            chat = service.chat_app(clock, request=api)
            assert chat is not None  # [telegram] has a token
            async with chat.application, demo_inbox.inbox(engine, service, clock, mailbox) as replies:
                simulation = Simulation(engine, service, sink, chat.application, api, PERSONAS, folder,
                                        random.Random(seed), tz, REPLY_TO, clock, replies)
                await simulation.run(DEMO_DAY.date(), days, day_done)
                replies_path = replies.path
            until = DEMO_DAY.date() + timedelta(days=days - 1) if days > 0 else DEMO_DAY.date()
            with Session(engine) as session:
                notices = _draft_notices(session, service, folder / "notices", until)
                result = DemoRun(
                    folder, loaded, invoices, payments,
                    queries.case_summaries(session, today=until, include_closed=True),
                    queries.report(session, today=until), start_report, until, days, seed,
                    _recovered(session), _alerts(session), len(sink.delivered),
                    _chats(api),
                    _outcomes(session, until), notices, replies_path)
        finally:
            engine.dispose()
    return result


def _write_rates(folder: Path) -> None:
    folder.mkdir(exist_ok=True)
    for name, (h2, h1) in ILLUSTRATIVE_RATES.items():
        (folder / f"{name}.toml").write_text(RATES_TABLE.format(h2=h2, h1=h1), encoding="utf-8")


def _draft_notices(session: Session, service: Service, folder: Path, dated: date) -> dict[str, Path]:
    """The formal notice of each persona meant to reach it, as the owner would preview it (`NoticeDesk.draft`)."""
    desk = service.notice_desk()
    drafted: dict[str, Path] = {}
    for persona in PERSONAS:
        if not persona.notice:
            continue
        case = _case(session, persona.ref)
        if case.state is not CaseState.NOTICE_PENDING:
            continue
        try:
            draft = desk.draft(session, case, dated)
        except UnknownRate:  # a run long enough to pass the illustrative table: no rate is ever guessed
            continue
        folder.mkdir(exist_ok=True)
        path = folder / f"mise-en-demeure-{persona.ref}.pdf"
        path.write_bytes(draft.pdf)
        drafted[persona.ref] = path
    return drafted


def _case(session: Session, ref: str) -> Case:
    return session.exec(select(Case).join(Debtor, col(Debtor.id) == col(Case.debtor_id))
                        .where(Debtor.ref == ref).order_by(col(Case.id).desc())).one()


def _recovered(session: Session) -> dict[str, Decimal]:
    """Payments recorded during the simulated days (the sample's own, imported at DEMO_DAY, excluded)."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for amount, currency in session.exec(select(Payment.amount, Invoice.currency)
                                         .join(Invoice, col(Invoice.id) == col(Payment.invoice_id))
                                         .where(col(Payment.recorded_at) > DEMO_DAY)):
        totals[currency] += amount
    return dict(totals)


def _alerts(session: Session) -> dict[str, int]:
    purposes = session.exec(select(Message.purpose).where(col(Message.purpose).startswith("alert:")))
    return dict(Counter(purpose.removeprefix("alert:") for purpose in purposes))


def _chats(api: BotApiImitation) -> dict[str, list[str]]:
    return {p.ref: [f"{'bot' if line.from_bot else 'debtor'}: {line.text}" for line in api.chat(p.chat_id)]
            for p in PERSONAS if p.chat_id is not None}


def _outcomes(session: Session, today: date) -> list[Outcome]:
    outcomes = []
    for persona in PERSONAS:
        case = _case(session, persona.ref)
        detail = queries.case_detail(session, case.id or 0, today=today)
        assert detail is not None
        debtor = session.get(Debtor, case.debtor_id)
        assert debtor is not None
        outcomes.append(Outcome(persona, debtor.name, case.state, sum(detail.balances.values(), Decimal("0"))))
    return outcomes


def summary(run: DemoRun) -> dict[str, Any]:
    """What `relance demo --json` prints (with the cases and the report)."""
    states = Counter(str(c.state) for c in run.cases)
    return {
        "as_of": DEMO_DAY.date().isoformat(),
        "until": run.until.isoformat(),
        "days": run.days,
        "seed": run.seed,
        "folder": str(run.folder),
        "invoices_imported": run.invoices.added,
        "payments_recorded": run.invoices.payments + run.payments.recorded,
        "open_cases": sum(1 for c in run.cases if c.state is not CaseState.CLOSED),
        "recovered": {currency: str(amount) for currency, amount in sorted(run.recovered.items())},
        "dso": {"start": _dso(run.start_report), "end": _dso(run.report)},
        "cases_by_state": dict(sorted(states.items())),
        "owner_alerts": dict(sorted(run.alerts.items())),
        "notices_awaiting_approval": sorted(c.debtor_ref for c in run.cases if c.state is CaseState.NOTICE_PENDING),
        "notice_pdfs": {ref: str(path) for ref, path in sorted(run.notices.items())},
        "mails_sent": run.mails,
        "replies_path": run.replies_path,
        "chat_messages": sum(len(lines) for lines in run.chats.values()),
        "chats": run.chats,
        "personas": [{"debtor_ref": o.persona.ref, "name": o.name, "role": o.persona.role, "state": str(o.state),
                      "balance": str(o.balance)} for o in run.outcomes],
    }


def _dso(report: queries.Report) -> dict[str, str | None]:
    return {c.currency: None if c.dso is None else str(c.dso) for c in report.currencies}
