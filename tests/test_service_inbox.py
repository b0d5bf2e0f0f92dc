"""`relance run` with `[imap]`: a debtor's reply lands in a real Dovecot inbox and the running service
reads it, understands it and acts — through the same entry point a user starts."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.config import load
from bot.service import build
from dialogs.states import CaseState
from storage.models import Case, Message, MessageStatus, PaymentPlan, Promise, Reply
from tests.imap_server import ImapAccount, dovecot, imap_server  # noqa: F401 (fixtures)
from tests.smtp_server import RecordingServer, smtp_server  # noqa: F401 (fixture)
from tests.test_owner_actions import RELANCE

pytestmark = [pytest.mark.imap, pytest.mark.timeout(90)]

INVOICES = ("invoice_number,debtor_ref,debtor_name,debtor_email,debtor_kind,language,issue_date,due_date,amount\n"
            "F2026-0042,C42,Boulangerie Martin,compta@martin.example,business,fr,2026-09-01,2026-10-01,1450.00\n")


def test_the_running_service_acts_on_a_reply_from_the_inbox(tmp_path: Path, config_path: Path, engine: Engine,
                                                            imap_server: ImapAccount) -> None:  # noqa: F811
    config_path.write_text(config_path.read_text() + f"""
[smtp]
host = "127.0.0.1"
port = 9
security = "none"
from = "Atelier Durand <relances@durand.example>"

{imap_section(imap_server)}
[sending]
sweep_every_seconds = 60
""", encoding="utf-8")
    env = {**os.environ, "RELANCE_CONFIG": str(config_path)}
    invoices = tmp_path / "invoices.csv"
    invoices.write_text(INVOICES, encoding="utf-8")
    subprocess.run([RELANCE, "import", "invoices", str(invoices)], env=env, check=True, capture_output=True)

    service = subprocess.Popen([RELANCE, "run"], env=env, stderr=subprocess.PIPE, text=True)
    try:
        reply = EmailMessage()
        reply["From"] = "Boulangerie Martin <compta@martin.example>"
        reply["To"] = "factures@durand.example"
        reply["Subject"] = "Re: facture F2026-0042"
        reply["Date"] = format_datetime(datetime.now(UTC))
        reply["Message-ID"] = make_msgid(domain="martin.example")
        reply.set_content("Bonjour,\n\nNous vous réglerons la facture F2026-0042 sous huitaine.\n\n"
                          "Cordialement,\nPaul Martin\n")
        imap_server.append(reply.as_bytes())
        promise = _wait_for_promise(engine, imap_server, deadline=time.monotonic() + 30)
        service.send_signal(signal.SIGTERM)
        service.communicate(timeout=20)
    finally:
        service.kill() if service.poll() is None else None
    assert service.returncode == 0

    expected = (datetime.now(UTC) + timedelta(days=8)).astimezone().date()
    assert abs((promise.promised_on - expected).days) <= 1  # the Date header's local day, give or take midnight
    with Session(engine) as session:
        case = session.exec(select(Case)).one()
        stored = session.exec(select(Message).where(Message.direction == "in")).one()
        understood = session.exec(select(Reply)).one()
        confirmation = session.exec(select(Message).where(Message.purpose.startswith("answer:"))).one()  # type: ignore[attr-defined]
    assert case.state is CaseState.PROMISED
    assert stored.status is MessageStatus.PROCESSED and stored.raw == reply.as_bytes().replace(b"\n", b"\r\n")
    assert (understood.intent, understood.matched_by) == ("promise_to_pay", "invoice")
    assert confirmation.recipient == "compta@martin.example" and confirmation.in_reply_to == reply["Message-ID"]


def _wait_for_promise(engine: Engine, inbox: ImapAccount, *, deadline: float) -> Promise:
    """The promise recorded and the message flagged handled on the server."""
    while time.monotonic() < deadline:
        with Session(engine) as session:
            promise = session.exec(select(Promise)).first()
        messages = inbox.messages()
        if promise is not None and messages and all(b"$Relance" in m.flags for m in messages):
            return promise
        time.sleep(0.1)
    raise AssertionError("the service did not act on the reply within 30 s")


async def test_a_wrong_imap_password_stops_the_listener_and_alerts_the_owner(
        config_path: Path, engine: Engine, imap_server: ImapAccount) -> None:  # noqa: F811
    config_path.write_text(config_path.read_text() + f"""
[owner]
email = "patron@durand.example"

{imap_section(imap_server, password="not the password")}""", encoding="utf-8")
    now = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    listener = build(load(config_path), engine).listener(lambda: now)
    assert listener is not None
    await asyncio.wait_for(listener.run(asyncio.Event()), timeout=30)  # returns: no retry loop on a bad password
    with Session(engine) as session:
        [alert] = session.exec(select(Message).where(Message.purpose == "alert:inbox_down")).all()
    assert alert.recipient == "patron@durand.example" and "réponses" in (alert.subject or "")
    assert "not the password" not in (alert.body or "")


async def test_a_plan_negotiated_by_email_through_the_inbox(
        tmp_path: Path, config_path: Path, engine: Engine, imap_server: ImapAccount,  # noqa: F811
        smtp_server: RecordingServer) -> None:  # noqa: F811
    config_path.write_text(config_path.read_text() + f"""
[smtp]
host = "{smtp_server.host}"
port = {smtp_server.port}
security = "none"
from = "Atelier Durand <relances@durand.example>"

{imap_section(imap_server)}idle_renew_seconds = 5
poll_seconds = 0.2
reconnect_min_seconds = 0.05
reconnect_max_seconds = 0.5
""", encoding="utf-8")
    env = {**os.environ, "RELANCE_CONFIG": str(config_path)}
    invoices = tmp_path / "invoices.csv"
    invoices.write_text(INVOICES, encoding="utf-8")
    subprocess.run([RELANCE, "import", "invoices", str(invoices)], env=env, check=True, capture_output=True)
    now = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))  # a Tuesday, window open
    service = build(load(config_path), engine)
    listener = service.listener(lambda: now)
    assert listener is not None
    stop = asyncio.Event()
    listening = asyncio.create_task(listener.run(stop))
    try:
        imap_server.append(_mail("Re: facture F2026-0042", "Bonjour, pourrions-nous payer en plusieurs fois ?", now))
        await _until(lambda: _count(engine, select(Message).where(Message.purpose.startswith("answer:plan_offer"))))
        await service.tick(now)
        [offer] = [r.message for r in smtp_server.received if "chéancier" in r.message["Subject"]]
        assert "Option 2" in offer.get_body(("plain",)).get_content()

        imap_server.append(_mail("Re: " + offer["Subject"], "Bonjour,\n\nOk pour l'option 2.\n", now,
                                 in_reply_to=offer["Message-ID"]))
        await _until(lambda: _count(engine, select(PaymentPlan).where(PaymentPlan.status == "active")))
    finally:
        stop.set()
        await asyncio.wait_for(listening, timeout=10)
    with Session(engine) as session:
        assert session.exec(select(Case)).one().state is CaseState.IN_PLAN
        [plan] = session.exec(select(PaymentPlan)).all()
    assert (plan.source, plan.total) == ("email", Decimal("1450.00"))


def imap_section(account: ImapAccount, *, password: str | None = None) -> str:
    """The `[imap]` section for the test's Dovecot account."""
    return (f'[imap]\nhost = "{account.host}"\nport = {account.port}\nsecurity = "none"\n'
            f'username = "{account.username}"\npassword = "{password or account.password}"\n')


def _mail(subject: str, text: str, sent: datetime, *, in_reply_to: str | None = None) -> bytes:
    mail = EmailMessage()
    mail["From"] = "Boulangerie Martin <compta@martin.example>"
    mail["To"] = "factures@durand.example"
    mail["Subject"] = subject
    mail["Date"] = format_datetime(sent)
    mail["Message-ID"] = make_msgid(domain="martin.example")
    if in_reply_to:
        mail["In-Reply-To"] = in_reply_to
    mail.set_content(text)
    return mail.as_bytes()


def _count(engine: Engine, query: object) -> int:
    with Session(engine) as session:
        return len(session.exec(query).all())  # type: ignore[call-overload]


async def _until(condition: object, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.1)
