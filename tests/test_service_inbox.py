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
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.config import load
from bot.service import build
from dialogs.states import CaseState
from storage.models import Case, Message, MessageStatus, Promise, Reply
from tests.imap_server import ImapAccount, dovecot, imap_server  # noqa: F401 (fixtures)
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

[imap]
host = "{imap_server.host}"
port = {imap_server.port}
security = "none"
username = "{imap_server.username}"
password = "{imap_server.password}"

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

[imap]
host = "{imap_server.host}"
port = {imap_server.port}
security = "none"
username = "{imap_server.username}"
password = "not the password"
""", encoding="utf-8")
    now = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    listener = build(load(config_path), engine).listener(lambda: now)
    assert listener is not None
    await asyncio.wait_for(listener.run(asyncio.Event()), timeout=30)  # returns: no retry loop on a bad password
    with Session(engine) as session:
        [alert] = session.exec(select(Message).where(Message.purpose == "alert:inbox_down")).all()
    assert alert.recipient == "patron@durand.example" and "réponses" in (alert.subject or "")
    assert "not the password" not in (alert.body or "")
