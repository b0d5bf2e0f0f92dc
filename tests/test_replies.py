"""What a debtor's reply does: stored raw, understood, matched to its case, and acted on — with the
real service, a real SMTP server on loopback for what goes out, and the database for the rest."""

from __future__ import annotations

import csv
import itertools
import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.service import Service
from dialogs.states import CaseState
from storage.inbound_mail import store
from storage.models import (
    Debtor, Dispute, Event, Installment, Invoice, Message, MessageStatus, PaymentPlan, PlanStatus, Promise, Reply,
)
from tests.conftest import Relance
from tests.smtp_server import RecordingServer, smtp_server  # noqa: F401
from tests.test_escalation_smtp import (  # noqa: F401 (fixtures)
    OWNER, case_of, debtor_mail, import_at, invoice, loaded, owner_mail, paris, run, service, text_of,
)

_uids = itertools.count(1)


def reply(engine: Engine, service: Service, now: datetime, *, sender: str, subject: str, text: str,
          in_reply_to: str | None = None, sent: datetime | None = None) -> Message:
    """A debtor's email arriving in the inbox at `now`: stored as the listener stores it, then processed."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = "compta@durand.example"
    mail["Subject"] = subject
    mail["Date"] = format_datetime(sent or now)
    mail["Message-ID"] = make_msgid(domain="clients.example")
    if in_reply_to:
        mail["In-Reply-To"] = in_reply_to
        mail["References"] = in_reply_to
    mail.set_content(text)
    stored = store(engine, mailbox="INBOX", uidvalidity=1, uid=next(_uids), raw=mail.as_bytes(), now=now)
    service.replies(lambda: now).process(stored.row_id, now)
    with Session(engine) as session:
        return session.get(Message, stored.row_id)  # type: ignore[return-value]


def reply_of(engine: Engine, message: Message) -> Reply:
    with Session(engine) as session:
        return session.exec(select(Reply).where(Reply.message_id == message.id)).one()


def events(engine: Engine, kind: str) -> list[Event]:
    with Session(engine) as session:
        return list(session.exec(select(Event).where(Event.kind == kind).order_by(col(Event.id))))


async def first_reminder(engine: Engine, service: Service, tmp_path: Path, smtp: RecordingServer,
                         ref: str = "R1", language: str = "fr") -> EmailMessage:
    """Invoices due 2 Nov 2026; the first reminder leaves on Tuesday 3 November at 09:00."""
    import_at(engine, tmp_path, "2026-11-02 08:00", invoice(f"F-{ref}-1", ref, "2026-11-02", "1200.00",
                                                            language=language),
              invoice(f"F-{ref}-2", ref, "2026-11-02", "250.00", language=language))
    await run(service, "2026-11-03 08:00", "2026-11-03 10:00")
    [sent] = debtor_mail(smtp, ref)
    return sent


async def test_a_promise_in_the_thread_pauses_reminders_and_is_confirmed_in_writing(
        engine: Engine, service: Service, tmp_path: Path, smtp_server: RecordingServer) -> None:  # noqa: F811
    reminder = await first_reminder(engine, service, tmp_path, smtp_server)
    message = reply(engine, service, paris("2026-11-03 14:12"), sender="Client R1 <r1@clients.example>",
                    subject="Re: " + reminder["Subject"], in_reply_to=reminder["Message-ID"],
                    text="Bonjour,\n\nNous réglerons la totalité le 20 novembre.\n\nCordialement,\nM. Martin\n")
    assert message.status is MessageStatus.PROCESSED
    understood = reply_of(engine, message)
    assert (understood.intent, understood.promised_date, understood.matched_by) == (
        "promise_to_pay", date(2026, 11, 20), "in_reply_to")
    case = case_of(engine, "R1")
    assert case.state is CaseState.PROMISED
    assert case.next_action_at == paris("2026-11-23 00:00")  # the promised date + 3 days' grace
    with Session(engine) as session:
        [promise] = session.exec(select(Promise).where(Promise.case_id == case.id)).all()
    assert promise.promised_on == date(2026, 11, 20)
    [event] = events(engine, "promise_received")
    assert event.to_state is CaseState.PROMISED and event.data["evidence"]

    await run(service, "2026-11-03 14:00", "2026-11-21 00:00", every=timedelta(hours=4))
    confirmation, = debtor_mail(smtp_server, "R1")[1:]  # and no reminder while the promise holds
    assert confirmation["In-Reply-To"] == message.message_id
    assert "20 novembre 2026" in text_of(confirmation)


async def test_a_dispute_on_one_invoice_stops_reminders_for_it_and_tells_the_owner(
        engine: Engine, service: Service, tmp_path: Path, smtp_server: RecordingServer) -> None:  # noqa: F811
    await first_reminder(engine, service, tmp_path, smtp_server)
    reply(engine, service, paris("2026-11-04 10:00"), sender="r1@clients.example", subject="Facture F-R1-2",
          text="Je conteste la facture F-R1-2 : la prestation n'a jamais été réalisée.\n")
    with Session(engine) as session:
        disputed = session.exec(select(Invoice.number).where(Invoice.disputed == True)).all()  # noqa: E712
        [dispute] = session.exec(select(Dispute)).all()
    assert disputed == ["F-R1-2"] and "jamais été réalisée" in dispute.reason
    assert case_of(engine, "R1").state is CaseState.ACTIVE  # F-R1-1 is still owed

    await run(service, "2026-11-04 10:00", "2026-11-12 10:00", every=timedelta(hours=2))
    alert, = [m for m in owner_mail(smtp_server) if "contest" in m["Subject"]]
    assert "jamais été réalisée" in text_of(alert)
    second = debtor_mail(smtp_server, "R1")[-1]
    assert "F-R1-1" in text_of(second) and "F-R1-2" not in text_of(second)


async def test_a_payment_claim_waits_for_the_owner(engine: Engine, service: Service, tmp_path: Path,
                                                   smtp_server: RecordingServer) -> None:  # noqa: F811
    await first_reminder(engine, service, tmp_path, smtp_server, language="en")
    reply(engine, service, paris("2026-11-04 10:00"), sender="r1@clients.example", subject="Re: your reminder",
          text="Hello,\n\nWe paid both invoices by bank transfer yesterday.\n\nBest regards,\nJohn\n")
    assert case_of(engine, "R1").next_action_at == paris("2026-11-11 00:00")  # claim_grace_days = 7
    [claimed] = events(engine, "payment_claimed")
    assert claimed.data["intent"] == "already_paid"
    await run(service, "2026-11-04 10:00", "2026-11-05 10:00")
    assert any("paiement annoncé" in m["Subject"] for m in owner_mail(smtp_server))  # the owner reads French


async def test_unclear_or_unknown_mail_goes_to_review_and_changes_nothing(
        engine: Engine, service: Service, tmp_path: Path, smtp_server: RecordingServer,  # noqa: F811
        relance: Relance) -> None:
    await first_reminder(engine, service, tmp_path, smtp_server)
    before = case_of(engine, "R1")
    unclear = reply(engine, service, paris("2026-11-04 10:00"), sender="r1@clients.example", subject="Question",
                    text="Pouvez-vous me renvoyer le bon de livraison ?\n")
    stranger = reply(engine, service, paris("2026-11-04 10:05"), sender="someone@elsewhere.example",
                     subject="Bonjour", text="Nous paierons demain.\n")
    assert reply_of(engine, unclear).needs_review and reply_of(engine, unclear).matched_by == "sender"
    assert reply_of(engine, stranger).needs_review and reply_of(engine, stranger).case_id is None
    after = case_of(engine, "R1")
    assert (after.state, after.next_action_at) == (before.state, before.next_action_at)
    await run(service, "2026-11-04 10:00", "2026-11-04 12:00")
    assert len([m for m in owner_mail(smtp_server) if "examiner" in m["Subject"]]) == 2

    queue = relance("replies", "--review", "--json")
    assert queue.exit_code == 0
    waiting = json.loads(queue.stdout)
    assert [(r["message"], r["sender"], r["action"]) for r in waiting] == [
        (stranger.id, "someone@elsewhere.example", "review"), (unclear.id, "r1@clients.example", "review")]
    assert waiting[0]["reason"] == "no case matches this message" and waiting[1]["case"] == after.id
    table = relance("replies")
    assert "someone@elsewhere.example" in table.stdout and "no case matches" in table.stdout


async def test_a_bounce_marks_the_address_invalid_and_alerts_the_owner(
        engine: Engine, service: Service, tmp_path: Path, smtp_server: RecordingServer) -> None:  # noqa: F811
    reminder = await first_reminder(engine, service, tmp_path, smtp_server)
    now = paris("2026-11-03 09:05")
    bounce = (
        "From: MAILER-DAEMON@mx.clients.example\nTo: relances@durand.example\n"
        "Subject: Undelivered Mail Returned to Sender\n"
        f"Date: {format_datetime(now)}\nMessage-ID: <bounce1@mx.clients.example>\nAuto-Submitted: auto-replied\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\n\n'
        "--B\nContent-Type: text/plain\n\nI'm sorry to have to inform you that your message could not be delivered."
        "\n\n<r1@clients.example>: host mx.clients.example said: 550 5.1.1 User unknown\n\n"
        "--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.clients.example\n\n"
        "Final-Recipient: rfc822; r1@clients.example\nAction: failed\nStatus: 5.1.1\n\n"
        f"--B\nContent-Type: text/rfc822-headers\n\nMessage-ID: {reminder['Message-ID']}\n"
        "Subject: relance\n\n--B--\n").encode()
    stored = store(engine, mailbox="INBOX", uidvalidity=1, uid=next(_uids), raw=bounce, now=now)
    outcome = service.replies(lambda: now).process(stored.row_id, now)
    assert outcome.decision is not None and outcome.decision.action == "bounce"
    with Session(engine) as session:
        debtor = session.exec(select(Debtor).where(Debtor.ref == "R1")).one()
        bounced = session.exec(select(Message).where(Message.message_id == reminder["Message-ID"],
                                                     Message.direction == "out")).one()
    assert debtor.email_invalid and bounced.status is MessageStatus.FAILED
    assert events(engine, "reminder_bounced")
    await run(service, "2026-11-03 09:00", "2026-11-03 11:00")
    assert any("adresse e-mail en échec" in m["Subject"] for m in owner_mail(smtp_server))
    assert OWNER


async def test_an_out_of_office_postpones_until_the_return_date(
        engine: Engine, service: Service, tmp_path: Path, smtp_server: RecordingServer) -> None:  # noqa: F811
    reminder = await first_reminder(engine, service, tmp_path, smtp_server)
    now = paris("2026-11-03 09:01")
    auto = EmailMessage()
    auto["From"], auto["To"] = "r1@clients.example", "relances@durand.example"
    auto["Subject"] = "Réponse automatique : " + reminder["Subject"]
    auto["Auto-Submitted"] = "auto-replied"
    auto["Date"] = format_datetime(now)
    auto["In-Reply-To"] = reminder["Message-ID"]
    auto.set_content("Je suis absent du bureau et serai de retour le 23 novembre.\n")
    stored = store(engine, mailbox="INBOX", uidvalidity=1, uid=next(_uids), raw=auto.as_bytes(), now=now)
    service.replies(lambda: now).process(stored.row_id, now)
    assert case_of(engine, "R1").next_action_at == paris("2026-11-23 00:00")
    assert case_of(engine, "R1").state is CaseState.ACTIVE
    assert len(debtor_mail(smtp_server, "R1")) == 1  # nothing answers an auto-reply


@pytest.mark.parametrize("raw", [
    b"",
    b"\xff\xfe\x00garbage without headers",
    b"Content-Type: multipart/mixed; boundary=\"x\"\n\n--x\nContent-Type: text/plain; charset=klingon\n\n\xe9\xe8",
    b"Subject: " + b"A" * 1_000_000 + b"\n\nbody",
])
async def test_malformed_mail_is_kept_and_marked_never_fatal(
        engine: Engine, service: Service, raw: bytes) -> None:
    now = paris("2026-11-03 09:00")
    stored = store(engine, mailbox="INBOX", uidvalidity=1, uid=next(_uids), raw=raw, now=now)
    outcome = service.replies(lambda: now).process(stored.row_id, now)
    with Session(engine) as session:
        message = session.get(Message, stored.row_id)
    assert message is not None and message.raw == raw
    assert message.status in (MessageStatus.PROCESSED, MessageStatus.ERROR)
    assert outcome.decision is None or outcome.decision.action == "review"


def test_every_alert_has_its_words_in_both_languages() -> None:
    from dialogs.alerts import Alert, AlertKind, alert_message
    from dialogs.parties import Language
    for kind in AlertKind:
        for language in Language:
            subject, text = alert_message(Alert(kind, 7, "C001 Boulangerie", "detail"), language)
            assert subject and text.endswith("detail")


def test_parse_reply_prints_one_json_object_per_file(relance: Relance, tmp_path: Path) -> None:
    promise = EmailMessage()
    promise["From"], promise["To"], promise["Subject"] = "r1@clients.example", "compta@durand.example", "Re: F-1"
    promise["Date"] = "Mon, 16 Nov 2026 09:12:00 +0100"
    promise.set_content("Bonjour,\n\nJe vous règlerai 1 250,50 € vendredi.\n\n> Le 10 nov. 2026, Atelier Durand a écrit :\n"
                        "> Total restant dû : 9 999,00 € au 30/11/2026\n")
    first = tmp_path / "promise.eml"
    first.write_bytes(promise.as_bytes())
    broken = tmp_path / "broken.eml"
    broken.write_bytes(b"\x00\xff not a mail")
    result = relance("parse-reply", "--json", first, broken)
    assert result.exit_code == 0
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["file"] for line in lines] == [str(first), str(broken)]
    assert lines[0] | {"evidence": None, "confidence": None} == {
        "file": str(first), "kind": "human", "intent": "promise_to_pay", "promised_date": "2026-11-20",
        "amount": "1250.50", "currency": "EUR", "invoice_refs": [], "installments": [], "failed_recipient": None,
        "new_contact": None, "back_on": None, "evidence": None, "confidence": None}
    assert lines[0]["evidence"] and lines[0]["confidence"] > 0.5
    assert lines[1]["intent"] == "other"

    readable = relance("parse-reply", first, tmp_path / "missing.eml")
    assert readable.exit_code == 1
    assert "promise_to_pay" in readable.stdout and "2026-11-20" in readable.stdout
    assert "missing.eml" in readable.stderr


async def test_the_case_file_holds_reminders_replies_promises_and_ledger(
        engine: Engine, service: Service, tmp_path: Path, smtp_server: RecordingServer,  # noqa: F811
        relance: Relance) -> None:
    reminder = await first_reminder(engine, service, tmp_path, smtp_server)
    answer = reply(engine, service, paris("2026-11-03 14:12"), sender="r1@clients.example",
                   subject="Re: " + reminder["Subject"], in_reply_to=reminder["Message-ID"],
                   text="Bonjour,\n\nNous réglerons la totalité le 20 novembre.\n")
    folder = tmp_path / "dossier"
    result = relance("case", "export", "R1", "--out", folder, "--json")
    assert result.exit_code == 0, result.stderr
    files = set(json.loads(result.stdout)["files"])
    assert {"reminders.pdf", "invoices.csv", "payments.csv", "replies.csv", "promises.csv", "plans.csv",
            "timeline.csv", f"replies/{answer.id}.eml"} <= files
    log = "".join(page.extract_text() for page in PdfReader(folder / "reminders.pdf").pages)
    assert reminder["Subject"].split(" (")[0] in log.replace("\n", " ") and "03/11/2026" in log or "3 novembre" in log
    assert (folder / f"replies/{answer.id}.eml").read_bytes() == answer.raw
    replies = list(csv.DictReader((folder / "replies.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert [(r["intent"], r["promised_date"], r["action"]) for r in replies] == [
        ("promise_to_pay", "2026-11-20", "promise")]
    promises = (folder / "promises.csv").read_text(encoding="utf-8-sig")
    assert "2026-11-20,,pending" in promises
    invoices = (folder / "invoices.csv").read_text(encoding="utf-8-sig").splitlines()
    assert invoices[1:] == ["F-R1-1,2026-10-03,2026-11-02,1200.00,0.00,1200.00,EUR,False",
                            "F-R1-2,2026-10-03,2026-11-02,250.00,0.00,250.00,EUR,False"]
    again = relance("case", "export", "R1", "--out", folder)
    assert again.exit_code == 2 and "not an empty folder" in again.stderr


async def test_a_plan_request_by_email_gets_numbered_options_and_a_chosen_one_is_accepted(
        engine: Engine, service: Service, tmp_path: Path, smtp_server: RecordingServer) -> None:  # noqa: F811
    reminder = await first_reminder(engine, service, tmp_path, smtp_server)
    request = reply(engine, service, paris("2026-11-04 10:00"), sender="r1@clients.example",
                    subject="Re: " + reminder["Subject"], in_reply_to=reminder["Message-ID"],
                    text="Bonjour,\n\nSerait-il possible de régler en plusieurs fois ?\n\nMerci\n")
    assert reply_of(engine, request).intent == "payment_plan_request"
    await run(service, "2026-11-04 10:00", "2026-11-04 12:00")
    offer_mail = debtor_mail(smtp_server, "R1")[-1]
    assert offer_mail["In-Reply-To"] == request.message_id
    options = text_of(offer_mail)
    assert "1450,00" in options.replace("\u202f", "").replace("\u00a0", "").replace(" ", "") or "1 450,00" in options

    choice = reply(engine, service, paris("2026-11-04 15:00"), sender="r1@clients.example",
                   subject="Re: " + offer_mail["Subject"], in_reply_to=offer_mail["Message-ID"],
                   text="Bonjour,\n\nJe prends l'option 2.\n\nCordialement\n")
    assert reply_of(engine, choice).details["action"] == "plan_choice"
    with Session(engine) as session:
        [plan] = session.exec(select(PaymentPlan)).all()
        installments = session.exec(select(Installment).where(Installment.plan_id == plan.id)).all()
    assert plan.status is PlanStatus.ACTIVE and plan.source == "email" and plan.total == Decimal("1450.00")
    assert sum(i.amount for i in installments) == Decimal("1450.00") and len(installments) >= 2
    assert case_of(engine, "R1").state is CaseState.IN_PLAN
    await run(service, "2026-11-04 15:00", "2026-11-05 10:00")
    assert "chéancier" in debtor_mail(smtp_server, "R1")[-1]["Subject"] or "plan" in debtor_mail(
        smtp_server, "R1")[-1]["Subject"].lower()


async def test_a_schedule_of_the_debtors_own_outside_the_bounds_goes_to_the_owner(
        engine: Engine, service: Service, tmp_path: Path, smtp_server: RecordingServer) -> None:  # noqa: F811
    await first_reminder(engine, service, tmp_path, smtp_server)
    reply(engine, service, paris("2026-11-04 10:00"), sender="r1@clients.example", subject="Paiement",
          text="Bonjour,\n\nJe propose de payer en 12 mensualités de 120,84 € à partir du 15 décembre.\n")
    with Session(engine) as session:
        [plan] = session.exec(select(PaymentPlan)).all()
    assert plan.status is PlanStatus.PROPOSED and not plan.within_bounds
    assert case_of(engine, "R1").state is CaseState.ACTIVE
    await run(service, "2026-11-04 10:00", "2026-11-04 12:00")
    [alert] = [m for m in owner_mail(smtp_server) if "échéancier" in m["Subject"]]
    assert "more than 6" in text_of(alert)
