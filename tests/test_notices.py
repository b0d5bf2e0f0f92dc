"""Formal notices through the commands a user types: preview, approve, the email with its PDF, the
deadline, and the end of the amicable phase — against a real SMTP server on loopback."""

from __future__ import annotations

import asyncio
import io
import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
from pypdf import PdfReader
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot import assembly
from bot.config import load
from bot.service import build
from dialogs.parties import Language
from dialogs.states import CaseState
from scheduler.claims import claim_preview
from storage.case_changes import record
from storage.models import Case, Event, Message, Notice, NoticeStatus
from tests.conftest import Relance
from tests.smtp_server import RecordingServer, smtp_server  # noqa: F401 (fixture)

PARIS = ZoneInfo("Europe/Paris")
INVOICES = ("invoice_number,debtor_ref,debtor_name,debtor_email,debtor_kind,language,issue_date,due_date,amount\n"
            "F2026-0042,C42,Boulangerie Martin,compta@martin.example,business,fr,2026-01-15,2026-02-14,1450.00\n"
            "F2026-0043,C42,Boulangerie Martin,compta@martin.example,business,fr,2026-03-01,2026-03-31,300.00\n")
# The half-years LEGAL.md leaves unconfirmed, set as an owner would (values for the test only).
RATES = """
[[periods]]
start = 2026-07-01
end = 2026-12-31
rate_percent = "12.40"
source = "test: ECB MRO 2.40 % + 10"

[[periods]]
start = 2027-01-01
end = 2027-12-31
rate_percent = "12.40"
source = "test"
"""


def setup(config_path: Path, tmp_path: Path, relance: Relance, smtp: RecordingServer | None = None) -> None:
    extra = ('\n[company]\nname = "Atelier Durand"\naddress = "12 rue des Forges\\n69002 Lyon"\nsiren = "123456789"\n'
             'iban = "FR76 3000 6000 0112 3456 7890 189"\nemail = "compta@durand.example"\n'
             '[owner]\nemail = "patron@durand.example"\n')
    base = config_path.read_text().replace('[company]\nname = "Atelier Durand"\n', "")
    (tmp_path / "rates").mkdir()
    (tmp_path / "rates" / "fr_b2b.toml").write_text(RATES, encoding="utf-8")
    smtp_section = (f'[smtp]\nhost = "{smtp.host}"\nport = {smtp.port}\nsecurity = "none"\n'
                    'from = "Atelier Durand <relances@durand.example>"\n') if smtp else ""
    config_path.write_text(extra + base + smtp_section + '[legal]\nrates_dir = "rates"\n', encoding="utf-8")
    invoices = tmp_path / "invoices.csv"
    invoices.write_text(INVOICES, encoding="utf-8")
    assert relance("import", "invoices", invoices).exit_code == 0


def flag(engine: Engine) -> Case:
    """What the sweep does at J+45 (tested in test_escalation_smtp): the case awaits the owner's decision."""
    with Session(engine) as session:
        case = session.exec(select(Case)).one()
        record(session, case, "flagged_formal_notice", now=datetime.now(PARIS), actor="scheduler",
               to_state=CaseState.NOTICE_PENDING)
        session.commit()
        session.refresh(case)
        return case


def test_preview_renders_the_claim_as_of_a_day_without_touching_the_case(
        config_path: Path, tmp_path: Path, relance: Relance, engine: Engine) -> None:
    setup(config_path, tmp_path, relance)
    pdf = tmp_path / "notice.pdf"
    result = relance("notice", "preview", "C42", "--out", pdf, "--at", "2026-06-30", "--json")
    assert result.exit_code == 0, result.stderr
    shown = json.loads(result.stdout)
    # F2026-0042: 1,450.00 × 12.15 % × 136 / 365 = 65.6424… → 65.64; F2026-0043: 300 × 12.15 % × 91 / 365 = 9.0875… → 9.09
    assert [(i["number"], i["interest"], i["indemnity"]) for i in shown["claim"]["invoices"]] == [
        ("F2026-0042", "65.64", "40.00"), ("F2026-0043", "9.09", "40.00")]
    assert shown["claim"]["total_claimed"] == "1904.73" and shown["deadline"] == "2026-07-08"
    assert pdf.read_bytes().startswith(b"%PDF")
    with Session(engine) as session:
        assert session.exec(select(Case)).one().state is CaseState.ACTIVE
        assert session.exec(select(Notice)).all() == []


def test_an_unconfirmed_rate_is_never_guessed(config_path: Path, tmp_path: Path, relance: Relance) -> None:
    setup(config_path, tmp_path, relance)
    (tmp_path / "rates" / "fr_b2b.toml").unlink()
    result = relance("notice", "preview", "C42", "--out", tmp_path / "n.pdf", "--at", "2026-09-30")
    assert result.exit_code == 1
    assert "2026 H2" in result.stderr and "fr_b2b.toml" in result.stderr
    assert not (tmp_path / "n.pdf").exists()


def test_only_a_flagged_case_can_be_approved(config_path: Path, tmp_path: Path, relance: Relance) -> None:
    setup(config_path, tmp_path, relance)
    result = relance("notice", "approve", "C42")
    assert result.exit_code == 2 and "only a case flagged for a formal notice" in result.stderr


def test_approval_emails_the_notice_with_its_pdf_and_the_deadline_ends_the_amicable_phase(
        config_path: Path, tmp_path: Path, relance: Relance, engine: Engine,
        smtp_server: RecordingServer) -> None:  # noqa: F811
    setup(config_path, tmp_path, relance, smtp_server)
    case = flag(engine)
    result = relance("notice", "approve", "C42", "--json")
    assert result.exit_code == 0, result.stderr
    approved = json.loads(result.stdout)
    today = datetime.now(PARIS).date()
    assert approved["deadline"] == (today + timedelta(days=8)).isoformat() and approved["emailed"] is True

    with Session(engine) as session:
        notice = session.exec(select(Notice)).one()
        case = session.get(Case, case.id)
        message = session.exec(select(Message).where(Message.purpose == f"notice:{notice.id}")).one()
        kinds = [e.kind for e in session.exec(select(Event).where(Event.case_id == case.id))]
    assert case.state is CaseState.NOTICE_SENT
    assert "notice_approved" in kinds
    assert Decimal(approved["total_claimed"]) == notice.total_claimed > Decimal("1750.00")
    if message.status.value != "sent":  # approved outside the sending window: the next opening sends it
        opening = _next_weekday_ten(datetime.now(PARIS))
        assert relance("sweep", "--at", opening.strftime("%Y-%m-%dT%H:%M")).exit_code == 0
    with Session(engine) as session:
        assert session.exec(select(Notice)).one().status is NoticeStatus.SENT
    [mail] = [r.message for r in smtp_server.received if r.rcpt_tos == ("compta@martin.example",)]
    assert "Mise en demeure" in mail["Subject"]
    [pdf] = [p for p in mail.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert pdf.get_content() == notice.pdf and pdf.get_filename().startswith("mise-en-demeure-REL-")
    assert "Mise en demeure" in "".join(page.extract_text() for page in PdfReader(io.BytesIO(notice.pdf)).pages)

    service = build(load(config_path), engine)
    deadline = date.fromisoformat(approved["deadline"])
    asyncio.run(service.tick(datetime.combine(deadline, datetime.min.time(), PARIS).replace(hour=10)))
    with Session(engine) as session:
        assert session.get(Case, case.id).state is CaseState.NOTICE_SENT  # the last day is the debtor's
    asyncio.run(service.tick(datetime.combine(deadline + timedelta(days=1), datetime.min.time(), PARIS)
                             .replace(hour=10)))
    with Session(engine) as session:
        assert session.get(Case, case.id).state is CaseState.AMICABLE_FAILED
        alert = session.exec(select(Message).where(Message.purpose == "alert:amicable_failed")).one()
    assert alert.recipient == "patron@durand.example" and "mise en demeure" in (alert.subject or "")


def _next_weekday_ten(now: datetime) -> datetime:
    """10:00 on the next working day that is not a French public holiday (the default window)."""
    day = now.date() + timedelta(days=1)
    while day.weekday() >= 5 or day in holidays.country_holidays("FR", years=day.year):
        day += timedelta(days=1)
    return datetime.combine(day, datetime.min.time(), PARIS).replace(hour=10)


def test_the_formal_notice_alert_previews_the_claim(config_path: Path, tmp_path: Path, relance: Relance,
                                                   engine: Engine) -> None:
    setup(config_path, tmp_path, relance)
    terms = assembly.legal_terms(load(config_path))
    with Session(engine) as session:
        case = session.exec(select(Case)).one()
        preview = claim_preview(session, case, terms=terms, today=date(2026, 6, 30), language=Language.FR)
    assert preview.replace("\u202f", " ").replace("\u00a0", " ") == (
        "Montant réclamé au 2026-06-30 : 1 904,73 € (principal 1 750,00 €, intérêts 74,73 €, indemnités 80,00 €).")
