"""Dispatch of 2,000 queued reminders to aiosmtpd on loopback: ≥ 90 % of a bare aiosmtplib loop's throughput.

The reminders are queued by the sweep (bench/sweep.py's database: 2,000 cases with reminder_2
due). Each round times `Dispatcher.dispatch(now)` on a fresh copy of that outbox, with the real
SmtpChannel the service builds from its config; then a bare `aiosmtplib.SMTP` loop sending the
same 2,000 messages, composed beforehand as the dispatcher composes them, on one connection.
The server runs in its own process, so the sender keeps a core to itself.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import text
from sqlmodel import Session, col, select

from bench.email_throughput import bare_aiosmtplib
from bench.sweep import DUE, NOW, SIZES, build_database, fresh_copy, policy_and_composer
from bot.config import LoadedConfig
from bot.service import build, email_builder
from scheduler.sweep import sweep
from storage.engine import make_engine
from storage.models import Case, Debtor, Message, MessageStatus
from tests.smtp_server import server_process

ROUNDS = 3
GOAL_RATIO = 0.90
SENDER = "Atelier Durand <relances@atelier-durand.example>"


def queue_reminders(folder: Path, loaded: LoadedConfig) -> Path:
    """A database whose outbox holds the sweep's 2,000 queued reminders (and nothing else)."""
    built = folder / "built.db"
    build_database(built, SIZES[0].debtors)
    queued = folder / "queued.db"
    fresh_copy(built, queued)
    engine = make_engine(f"sqlite:///{queued}")
    try:
        service = build(loaded, engine)
        report = sweep(engine, service.dispatcher.policy, service.dispatcher.composer, now=NOW)
        assert report.queued == DUE, report
    finally:
        engine.dispose()  # checkpoints the WAL: the file alone holds the outbox
    return queued


def composed(queued: Path, loaded: LoadedConfig) -> list[EmailMessage]:
    """The queued reminders as the dispatcher composes them (same builder, same rows), in outbox order."""
    engine = make_engine(f"sqlite:///{queued}")
    build_email = email_builder(loaded)
    try:
        with Session(engine) as session:
            rows = session.exec(select(Message, Debtor).join(Case, col(Message.case_id) == Case.id)
                                .join(Debtor, col(Case.debtor_id) == Debtor.id)
                                .where(Message.status == MessageStatus.QUEUED).order_by(col(Message.id))).all()
            return [build_email(message, debtor, NOW) for message, debtor in rows]
    finally:
        engine.dispose()


def timed_dispatch(queued: Path, work: Path, loaded: LoadedConfig) -> float:
    """Messages per second of one `Dispatcher.dispatch(NOW)` over a fresh copy of the queued outbox."""
    fresh_copy(queued, work)
    engine = make_engine(f"sqlite:///{work}")
    try:
        dispatcher = build(loaded, engine).dispatcher  # its SmtpChannel comes from the config's [smtp]
        with engine.connect():  # the pool's connection (and its PRAGMAs) before the clock starts
            pass
        started = time.perf_counter()
        report = asyncio.run(dispatcher.dispatch(NOW))
        elapsed = time.perf_counter() - started
        assert (report.sent, report.cancelled, report.retried, report.failed) == (DUE, 0, 0, 0), report
        with engine.connect() as connection:
            sent = connection.execute(text("SELECT count(*) FROM message WHERE status = 'sent'")).scalar_one()
        assert sent == DUE, sent
    finally:
        engine.dispose()
    return DUE / elapsed


def timed_bare(host: str, port: int, batch: list[EmailMessage]) -> float:
    started = time.perf_counter()
    asyncio.run(bare_aiosmtplib(host, port, batch))
    return len(batch) / (time.perf_counter() - started)


def run() -> None:
    with tempfile.TemporaryDirectory(prefix="relance-bench-dispatch-") as tmp, server_process() as server:
        folder = Path(tmp)
        smtp = {"host": server.host, "port": server.port, "security": "none", "from": SENDER}
        loaded, _, _ = policy_and_composer(folder, smtp=smtp)
        queued = queue_reminders(folder, loaded)
        batch = composed(queued, loaded)
        assert len(batch) == DUE, len(batch)
        work = folder / "work.db"
        timed_dispatch(queued, work, loaded)  # warm-up: imports, first connections, templates
        timed_bare(server.host, server.port, batch)
        rounds = [(timed_dispatch(queued, work, loaded), timed_bare(server.host, server.port, batch))
                  for _ in range(ROUNDS)]
    ours = statistics.median(d for d, _ in rounds)
    bare = statistics.median(b for _, b in rounds)
    ratio = statistics.median(d / b for d, b in rounds)
    size = statistics.median(len(m.as_bytes()) for m in batch)
    print(f"{DUE:,} reminders queued by the sweep (text + HTML, ~{size / 1000:.1f} kB each), aiosmtpd in its own "
          f"process on loopback, one SMTP session per run; medians of {ROUNDS} interleaved rounds")
    print(f"Dispatcher.dispatch (SmtpChannel): {ours:6.0f} msg/s  ({DUE / ours:5.2f} s)")
    print(f"bare aiosmtplib loop, same mails:  {bare:6.0f} msg/s  ({DUE / bare:5.2f} s)")
    print(f"ratio dispatch / bare:             {ratio:6.2f}          goal >= {GOAL_RATIO:.2f}")
    print("rounds, msg/s (dispatch, bare):    " + "   ".join(f"{d:.0f} {b:.0f}" for d, b in rounds))
