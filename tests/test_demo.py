"""`relance demo` end to end: 90 simulated days of the real service, a real SMTP server on loopback, the
real Telegram bot against the in-process Bot API, and each scripted debtor's outcome checked in the mail
the server received (kept as .eml files), the chat, and the database the demo leaves behind."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

import holidays
import pytest
from pypdf import PdfReader
from rich.console import Console
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from bot import demo, demo_view
from bot.cli import app
from bot.dovecot import dovecot_binary
from dialogs.states import CaseState
from storage.engine import make_engine
from storage.models import (
    Case, Channel, Debtor, Direction, Dispute, Event, Installment, Invoice, Message, MessageStatus, PaymentPlan, PlanStatus,
)

PARIS = ZoneInfo("Europe/Paris")
FR_HOLIDAYS = holidays.country_holidays("FR")


def invoke(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


@dataclass(frozen=True)
class Kept:
    """A demo run kept in `folder`, with what `relance demo --keep DIR --json` printed."""

    folder: Path
    summary: dict[str, Any]

    def mails(self) -> list[EmailMessage]:
        parser = BytesParser(policy=policy.default)
        return [cast(EmailMessage, parser.parsebytes(p.read_bytes().replace(b"\r\n", b"\n")))
                for p in sorted((self.folder / "mail").glob("*.eml"))]

    def mails_to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.mails() if m["To"].addresses[0].addr_spec == address]

    def to_debtor(self, ref: str) -> list[tuple[str, str]]:
        """(outbox purpose, Paris wall time) of every mail the debtor received, in order."""
        with self.session() as session:
            debtor = session.exec(select(Debtor).where(Debtor.ref == ref)).one()
            purposes = {m.message_id: m.purpose for m in session.exec(select(Message))}
        return [(purposes[m["Message-ID"]], f"{sent_at(m):%Y-%m-%d %H:%M}") for m in self.mails_to(debtor.email or "")]

    def session(self) -> Session:
        return Session(make_engine(f"sqlite:///{self.folder / 'relance.db'}"))

    def case(self, ref: str) -> Case:
        with self.session() as session:
            return session.exec(select(Case).join(Debtor, col(Debtor.id) == col(Case.debtor_id))
                                .where(Debtor.ref == ref)).one()

    def events(self, ref: str, kind: str) -> list[Event]:
        with self.session() as session:
            return list(session.exec(select(Event).where(Event.case_id == self.case(ref).id, Event.kind == kind)
                                     .order_by(col(Event.id))))

    def persona(self, ref: str) -> dict[str, Any]:
        [found] = [p for p in self.summary["personas"] if p["debtor_ref"] == ref]
        return found

    def owner_subjects(self) -> list[str]:
        return [str(m["Subject"]) for m in self.mails_to(demo.OWNER)]


def sent_at(message: EmailMessage) -> datetime:
    return parsedate_to_datetime(message["Date"]).astimezone(PARIS)


def text_of(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return cast(str, body.get_content())


@pytest.fixture(scope="module")
def kept(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kept]:
    folder = tmp_path_factory.mktemp("demo") / "kept"
    result = invoke("demo", "--keep", str(folder), "--json")
    assert result.exit_code == 0, result.stderr
    yield Kept(folder, json.loads(result.stdout))


# -- the run as a whole ---------------------------------------------------------------------------


def test_the_demo_runs_ninety_days_from_the_samples_and_reports_what_it_recovered(kept: Kept) -> None:
    summary = kept.summary
    assert (summary["as_of"], summary["until"], summary["days"]) == ("2026-11-02", "2027-01-30", 90)
    assert summary["invoices_imported"] == 64
    assert summary["recovered"] == {"EUR": "16669.93"}  # C021 + C003 + C009 + C023 in full, C006's first installment
    assert summary["dso"] == {"start": {"EUR": "94.1"}, "end": {"EUR": None}}  # no sale in the last 90 days
    assert summary["cases_by_state"] == {"closed": 6, "notice_pending": 17}
    assert summary["owner_alerts"] == {"bounced": 1, "delivery_failed": 1, "dispute": 1, "formal_notice": 17,
                                       "plan_broken": 1, "promise_broken": 1}
    assert {"C004", "C006", "C010", "C012", "C013", "C016", "C022"} <= set(summary["notices_awaiting_approval"])
    assert summary["mails_sent"] == len(kept.mails())


def test_debtors_get_mail_only_on_working_days_inside_the_sending_window(kept: Kept) -> None:
    owner = demo.OWNER
    to_debtors = [sent_at(m) for m in kept.mails() if m["To"].addresses[0].addr_spec != owner]
    assert to_debtors and all(9 <= at.hour < 18 and at.weekday() < 5 and at.date() not in FR_HOLIDAYS
                              for at in to_debtors)


def test_a_kept_demo_folder_serves_the_normal_commands_afterwards(kept: Kept) -> None:
    result = invoke("--config", str(kept.folder / "config.toml"), "cases", "--json")

    assert result.exit_code == 0, result.stderr
    assert {c["debtor_ref"] for c in json.loads(result.stdout)} >= {"C004", "C012", "C022"}
    case = json.loads(invoke("--config", str(kept.folder / "config.toml"), "case", "C010", "--json").stdout)
    assert (case["debtor_ref"], case["balances"], case["state"]) == ("C010", {"EUR": "843.80"}, "notice_pending")


def test_the_demo_refuses_to_overwrite_a_kept_database(kept: Kept) -> None:
    again = invoke("demo", "--keep", str(kept.folder))

    assert again.exit_code == 2 and "already holds a demo database" in again.stderr


def test_replies_travel_the_real_imap_path_when_dovecot_is_installed(kept: Kept) -> None:
    if dovecot_binary() is None:
        pytest.skip("Dovecot is not installed: the demo uses the IMAP listener's entry point")
    assert kept.summary["replies_path"].startswith("IMAP: a loopback Dovecot")
    with kept.session() as session:
        replies = session.exec(select(Message).where(Message.direction == Direction.IN,
                                                     Message.channel == Channel.EMAIL).order_by(col(Message.id))).all()
    # What the listener stores: the server's mailbox and UIDs, every message processed.
    assert replies and {r.mailbox for r in replies} == {replies[0].mailbox}
    assert replies[0].mailbox.endswith("@127.0.0.1/INBOX")
    assert [r.uid for r in replies] == list(range(1, len(replies) + 1))
    assert {r.status for r in replies} == {MessageStatus.PROCESSED}
    assert "RELANCE_IMAP_PASSWORD" not in (kept.folder / "config.toml").read_text(encoding="utf-8")


def test_without_dovecot_replies_enter_through_the_listeners_entry_point(tmp_path: Path) -> None:
    result = demo.run(tmp_path, days=10, imap=False)

    assert result.replies_path.startswith("the IMAP listener's entry point")
    with Session(make_engine(f"sqlite:///{tmp_path / 'relance.db'}")) as session:
        replies = session.exec(select(Message).where(Message.direction == Direction.IN,
                                                     Message.channel == Channel.EMAIL)).all()
        bounced = session.exec(select(Debtor).where(Debtor.ref == "C016")).one()
    assert replies and {(r.mailbox, r.status) for r in replies} == {("INBOX", MessageStatus.PROCESSED)}
    assert bounced.email_invalid  # the bounce was read and acted on all the same


# -- each scripted debtor -------------------------------------------------------------------------


def test_c021_pays_after_the_first_reminder(kept: Kept) -> None:
    assert kept.to_debtor("C021") == [("courtesy", "2026-11-03 09:00"), ("reminder_1", "2026-11-09 09:00")]
    [paid] = kept.events("C021", "payments_recorded")
    assert paid.data["payments"][0]["date"] == "2026-11-10"
    assert kept.persona("C021")["state"] == "closed" and kept.persona("C021")["balance"] == "0.00"


def test_c003_promises_by_email_keeps_it_and_is_not_reminded_meanwhile(kept: Kept) -> None:
    sent = kept.to_debtor("C003")
    assert [p.split(":")[0] + (":" + p.split(":")[1] if p.startswith("answer") else "") for p, _ in sent] == [
        "last_reminder", "answer:promise"]
    [promise] = kept.events("C003", "promise_received")
    assert promise.data["promised_date"] == "2026-11-16" and promise.data["matched_by"] == "in_reply_to"
    confirmation = kept.mails_to("factures@leroy-archi.example")[1]
    assert "16 novembre 2026" in text_of(confirmation)
    assert kept.case("C003").state is CaseState.CLOSED
    assert kept.events("C003", "settled")[0].at.astimezone(PARIS).date() == date(2026, 11, 16)


def test_c022_breaks_a_promise_the_owner_is_told_and_reminders_resume(kept: Kept) -> None:
    assert [(p.split(":")[0], at) for p, at in kept.to_debtor("C022")] == [
        ("courtesy", "2026-11-02 09:00"), ("reminder_1", "2026-11-05 09:00"), ("answer", "2026-11-05 16:00"),
        ("reminder_3", "2026-11-24 09:00"), ("last_reminder", "2026-12-04 09:00")]
    [broken] = kept.events("C022", "promise_broken")
    assert broken.to_state is CaseState.ACTIVE
    assert any("promesse de paiement non tenue" in s and "C022" in s for s in kept.owner_subjects())
    assert kept.case("C022").state is CaseState.NOTICE_PENDING


def test_c004_disputes_one_invoice_which_leaves_the_reminders_and_the_owner_is_told(kept: Kept) -> None:
    with kept.session() as session:
        disputed = session.exec(select(Invoice.number).where(Invoice.disputed == True)).all()  # noqa: E712
        [dispute] = session.exec(select(Dispute)).all()
    assert disputed == ["F2026-0012"] and "pas été terminée" in dispute.reason
    mails = kept.mails_to("direction@hotel-du-lac.example")
    assert "F2026-0012" in text_of(mails[0])  # the reminder before the dispute
    assert "F2026-0010" in text_of(mails[-1]) and "F2026-0012" not in text_of(mails[-1])
    assert any("C004" in s and "contest" in s for s in kept.owner_subjects())


def test_c009_negotiates_three_installments_by_email_and_keeps_them(kept: Kept) -> None:
    purposes = [p for p, _ in kept.to_debtor("C009")]
    assert purposes[:3] == ["last_reminder", "answer:plan_offer:1", "answer:plan_accepted:1"]
    offer = kept.mails_to("admin@transports-girard.example")[1]
    assert all(f"{n}" in text_of(offer) for n in (1, 2, 3))
    with kept.session() as session:
        plan = session.exec(select(PaymentPlan).where(PaymentPlan.case_id == kept.case("C009").id)).one()
        installments = session.exec(select(Installment).where(Installment.plan_id == plan.id)).all()
    assert len(installments) == 3
    paid = kept.events("C009", "payments_recorded")
    assert [(e.data["payments"][0]["date"], sum(Decimal(p["amount"]) for p in e.data["payments"])) for e in paid] == [
        (i.due_on.isoformat(), i.amount) for i in installments]
    assert kept.case("C009").state is CaseState.CLOSED


def test_c006_misses_an_installment_and_the_plan_breaks(kept: Kept) -> None:
    [broken] = kept.events("C006", "plan_broken")
    assert broken.data["installment"] == 2
    with kept.session() as session:
        plan = session.exec(select(PaymentPlan).where(PaymentPlan.case_id == kept.case("C006").id)).one()
    assert plan.status is PlanStatus.BROKEN
    assert any("échéancier non respecté" in s and "C006" in s for s in kept.owner_subjects())


def test_c016s_address_bounces_is_marked_invalid_and_the_owner_is_told(kept: Kept) -> None:
    assert len(kept.mails_to("ap@northwind-logistics.example")) == 1  # nothing more to a dead address
    with kept.session() as session:
        assert session.exec(select(Debtor).where(Debtor.ref == "C016")).one().email_invalid
    assert kept.events("C016", "reminder_bounced")
    assert any("adresse e-mail en échec" in s and "C016" in s for s in kept.owner_subjects())


def test_c013s_out_of_office_postpones_the_next_reminder_to_the_return_date(kept: Kept) -> None:
    # last_reminder was due on 9 November (J+30); the auto-reply said "de retour le 23 novembre".
    assert kept.to_debtor("C013") == [("reminder_3", "2026-11-02 09:00"), ("last_reminder", "2026-11-23 09:00")]
    [auto] = kept.events("C013", "auto_reply")
    assert auto.data["back_on"] == "2026-11-23"


def test_c012_never_answers_and_its_formal_notice_is_drafted_as_a_pdf(kept: Kept) -> None:
    assert kept.case("C012").state is CaseState.NOTICE_PENDING
    pdf = Path(kept.summary["notice_pdfs"]["C012"])
    assert pdf.parent == kept.folder / "notices" and pdf.read_bytes().startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "Mise en demeure" in text and "Pharmacie Centrale" in text and "40,00" in text  # B2B: the indemnity
    assert "ILLUSTRATIVE" in (kept.folder / "rates" / "fr_b2b.toml").read_text(encoding="utf-8")


def test_c010_a_consumer_is_never_asked_for_the_40_euro_indemnity(kept: Kept) -> None:
    mails = kept.mails_to("claire.dubois@mail.example")
    assert [purpose for purpose, _ in kept.to_debtor("C010")] == ["last_reminder"]  # a step with legal mentions
    for mail in mails:
        assert "indemnité" not in text_of(mail).lower() and "40,00" not in text_of(mail)
    text = "".join(page.extract_text() for page in PdfReader(kept.summary["notice_pdfs"]["C010"]).pages)
    assert "Mise en demeure" in text and "indemnité forfaitaire" not in text.lower() and "40,00" not in text


def test_c023_links_telegram_from_the_reminder_and_promises_with_a_button(kept: Kept) -> None:
    [courtesy] = kept.mails_to("boucherie.roux@roux.example")[:1]
    assert "https://t.me/relance_demo_bot?start=" in text_of(courtesy)
    assert kept.events("C023", "chat_linked")
    [promise] = kept.events("C023", "promise_received")
    assert promise.data["promised_date"] == "2026-11-13" and "telegram button" in promise.data["evidence"]
    chat = kept.summary["chats"]["C023"]
    assert chat[0].startswith("debtor: /start ")
    assert chat[1].startswith("bot: Cette conversation est maintenant liée à Boucherie Roux.")
    assert chat[-1] == ("bot: C'est noté : règlement promis pour le 13 novembre 2026. "
                        "Nous ne vous relancerons pas d'ici là.")
    assert kept.case("C023").state is CaseState.CLOSED


# -- the timeline ---------------------------------------------------------------------------------


def test_the_timeline_prints_one_line_per_notable_event_then_the_report(tmp_path: Path) -> None:
    out = Console(record=True, width=160, force_terminal=False)

    demo_view.run_and_show(out, as_json=False, keep=tmp_path / "short", days=6, seed=3)

    text = out.export_text()
    assert "Replies by email arrived through " in text  # it says how replies came in
    assert "C016 Northwind Logistics GmbH    email     bounced" in text
    assert "C003 Cabinet Leroy Architectes   email     promises to pay on 2026-11-16" in text
    assert "C023 Boucherie Roux              telegram  promises to pay on 2026-11-13" in text
    assert "step_skipped" not in text and "reminder_queued" not in text
    assert "Report on 07/11/2026" in text and "Formal notice PDF for C012" in text
