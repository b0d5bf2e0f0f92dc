"""The escalation ladder end to end: the real service ticked through simulated days, a real SMTP
server on loopback, and assertions on what the server received and what the database holds.

Time moves by calling `Service.tick(now)` for each simulated instant (never by sleeping). Every
expected date below was worked out by hand from the default ladder (courtesy J-3, reminder_1 J+1,
reminder_2 J+8, reminder_3 J+15, last_reminder J+30, formal notice flagged at J+45), the sending
window (Mon–Fri 09:00–18:00 Europe/Paris), the French public holidays (1 and 11 November,
25 December, 1 January) and the three days between two contacts with one debtor.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.config import LoadedConfig, load
from bot.dispatcher import Dispatcher
from bot.email_channel import SmtpChannel
from bot.service import Service, build
from bot.telegram_channel import TelegramChannel
from dialogs.parties import Language
from dialogs.states import CaseState
from scheduler.sweep import sweep
from storage.case_changes import record
from storage.chat_links import redeem
from storage.invoice_import import import_invoices
from storage.models import (
    Case,
    ChatToken,
    Debtor,
    Event,
    Installment,
    Invoice,
    Message,
    MessageStatus,
    PaymentPlan,
    PlanStatus,
    Promise,
    PromiseStatus,
)
from storage.owner_actions import change_debtor
from storage.payment_import import import_payments
from tests.chat_support import case_of
from tests.smtp_server import Received, RecordingServer, smtp_server  # noqa: F401
from tests.telegram_fakes import TOKEN, FakeBotApi

PARIS = ZoneInfo("Europe/Paris")
FR_HOLIDAYS = holidays.country_holidays("FR")
HOUR = timedelta(hours=1)
SENDER = "Atelier Durand <relances@durand.example>"
REPLY_TO = "compta@durand.example"
OWNER = "patron@durand.example"
NBSP, NNBSP = "\u00a0", "\u202f"  # what Babel puts in French amounts: "1 450,00 €"

TELEGRAM = '\n[telegram]\ntoken = "123:abc"\nbot_username = "durand_bot"\n'  # a bot for the chat links

INVOICE_HEADER = ("invoice_number,debtor_ref,debtor_name,debtor_email,debtor_kind,language,"
                  "issue_date,due_date,amount,currency,amount_paid")
_files = itertools.count(1)


# -- the world the tests run in --------------------------------------------------------------


@pytest.fixture
def loaded(config_path: Path, database_url: str, smtp_server: RecordingServer) -> LoadedConfig:  # noqa: F811
    """The firm's config: SMTP on the loopback server, the owner's address, everything else default."""
    config_path.write_text(f"""
[company]
name = "Atelier Durand"
email = "compta@durand.example"
iban = "FR76 3000 6000 0112 3456 7890 189"

[database]
url = "{database_url}"

[smtp]
host = "{smtp_server.host}"
port = {smtp_server.port}
security = "none"
from = "{SENDER}"
reply_to = "{REPLY_TO}"

[owner]
email = "{OWNER}"
digest = false  # tested in test_chat_owner; here the owner's mail is the alerts
""", encoding="utf-8")
    return load(config_path)


@pytest.fixture
def service(loaded: LoadedConfig, engine: Engine, smtp_server: RecordingServer) -> Service:  # noqa: F811
    return build(loaded, engine, email=smtp_channel(smtp_server))


def smtp_channel(server: RecordingServer) -> SmtpChannel:
    return SmtpChannel(host=server.host, port=server.port, security="none", timeout=5)


def service_adding(section: str, config_path: Path, engine: Engine, server: RecordingServer) -> Service:
    """The service once `section` is appended to the config the `loaded` fixture wrote."""
    config_path.write_text(config_path.read_text() + section, encoding="utf-8")
    return build(load(config_path), engine, email=smtp_channel(server))


def paris(text: str) -> datetime:
    """"2026-11-30 09:00" on the firm's wall clock, as an aware instant."""
    return datetime.fromisoformat(text).replace(tzinfo=PARIS)


def instants(start: datetime, end: datetime, every: timedelta = HOUR) -> Iterator[datetime]:
    now = start.astimezone(UTC)
    while now < end:
        yield now
        now += every


async def run(service: Service, start: str, end: str, every: timedelta = HOUR) -> None:
    """Tick the service at every `every` from `start` (included) to `end` (excluded), Paris time."""
    for now in instants(paris(start), paris(end), every):
        await service.tick(now)


# -- data in ----------------------------------------------------------------------------------


def invoice(number: str, ref: str, due: str, amount: str = "1450.00", *, paid: str = "0", language: str = "fr",
            name: str | None = None, kind: str = "business") -> str:
    """One CSV line; the debtor's name and address follow from its reference."""
    issued = date.fromisoformat(due) - timedelta(days=30)
    return (f"{number},{ref},{name or 'Client ' + ref},{ref.lower()}@clients.example,{kind},{language},"
            f"{issued},{due},{amount},EUR,{paid}")


def import_at(engine: Engine, tmp_path: Path, now: str, *lines: str) -> None:
    """`relance import invoices` as it runs at simulated instant `now` (the CLI would read the wall clock)."""
    path = tmp_path / f"invoices-{next(_files)}.csv"
    path.write_text("\n".join([INVOICE_HEADER, *lines]) + "\n", encoding="utf-8")
    import_invoices(engine, path, now=paris(now), default_language=Language.FR)


def payments_csv(tmp_path: Path, *rows: tuple[str, str, str]) -> Path:
    """A payments export: (invoice number, payment date, amount) per row."""
    path = tmp_path / f"payments-{next(_files)}.csv"
    lines = ["invoice_number,payment_date,amount,reference", *(f"{n},{d},{a},VIR {n}" for n, d, a in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def pay_at(engine: Engine, tmp_path: Path, now: str, *rows: tuple[str, str, str]) -> None:
    import_payments(engine, payments_csv(tmp_path, *rows), now=paris(now))


# -- what came out ----------------------------------------------------------------------------


def date_of(message: EmailMessage) -> datetime:
    return parsedate_to_datetime(message["Date"]).astimezone(PARIS)


def wall(message: EmailMessage) -> str:
    return f"{date_of(message):%Y-%m-%d %H:%M}"


def to_address(received: Received) -> str:
    [address] = received.rcpt_tos
    return address


def mail_to(server: RecordingServer, address: str) -> list[EmailMessage]:
    return [r.message for r in server.received if to_address(r) == address]


def debtor_mail(server: RecordingServer, ref: str) -> list[EmailMessage]:
    return mail_to(server, f"{ref.lower()}@clients.example")


def owner_mail(server: RecordingServer) -> list[EmailMessage]:
    return mail_to(server, OWNER)


def text_of(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def outbox(engine: Engine) -> list[Message]:
    with Session(engine) as session:
        return list(session.exec(select(Message).order_by(col(Message.id))))


def outbox_row(engine: Engine, message_id: str) -> Message:
    [row] = [m for m in outbox(engine) if m.message_id == message_id]
    return row


def events(engine: Engine, ref: str, *kinds: str) -> list[Event]:
    case_id = case_of(engine, ref).id
    with Session(engine) as session:
        found = session.exec(select(Event).where(Event.case_id == case_id).order_by(col(Event.id)))
        return [e for e in found if not kinds or e.kind in kinds]


def sent_steps(engine: Engine, server: RecordingServer, ref: str) -> list[tuple[str, str]]:
    """(step, Paris wall time of the Date header) of every email the debtor received, in order."""
    return [(outbox_row(engine, m["Message-ID"]).purpose, wall(m)) for m in debtor_mail(server, ref)]


def set_invoice(engine: Engine, number: str, **values: Any) -> None:
    with Session(engine) as session:
        row = session.exec(select(Invoice).where(Invoice.number == number)).one()
        for key, value in values.items():
            setattr(row, key, value)
        session.add(row)
        session.commit()


def promise(engine: Engine, ref: str, *, on: str, now: str) -> None:
    """The debtor promised to pay on `on` (what reply understanding will record)."""
    with Session(engine) as session:
        case = session.get(Case, case_of(engine, ref).id)
        session.add(Promise(case_id=case.id, promised_on=date.fromisoformat(on), made_at=paris(now)))
        record(session, case, "promise_made", now=paris(now), actor="debtor", to_state=CaseState.PROMISED,
               data={"promised_on": on})
        session.commit()


def plan(engine: Engine, ref: str, *, now: str) -> None:
    """An accepted payment plan, on time so far: two installments still to come."""
    with Session(engine) as session:
        case = session.get(Case, case_of(engine, ref).id)
        accepted = PaymentPlan(case_id=case.id, status=PlanStatus.ACTIVE, total=Decimal("1450.00"),
                               created_at=paris(now), accepted_at=paris(now))
        session.add(accepted)
        session.flush()
        session.add_all([Installment(plan_id=accepted.id, seq=1, due_on=date(2026, 12, 20), amount=Decimal("725.00")),
                         Installment(plan_id=accepted.id, seq=2, due_on=date(2027, 1, 20), amount=Decimal("725.00"))])
        record(session, case, "plan_accepted", now=paris(now), actor="debtor", to_state=CaseState.IN_PLAN,
               data={"plan": accepted.id})
        session.commit()


def owner_changes(engine: Engine, ref: str, now: str, **changes: Any) -> None:
    """What `relance debtor REF …` does, as of simulated instant `now`."""
    with Session(engine) as session:
        change_debtor(session, ref, changes, now=paris(now))
        session.commit()


# -- 1. the default ladder over 60 days --------------------------------------------------------

# Twelve debtors, one invoice each (D06 two), due around 11 November, Christmas and New Year.
LADDER_DEBTORS = [
    invoice("F-01", "D01", "2026-11-09"),  # Monday, two days before 11 November
    invoice("F-02", "D02", "2026-11-10"),  # Tuesday: reminder_1 would fall on 11 November
    invoice("F-03", "D03", "2026-11-12"),  # Thursday
    invoice("F-04", "D04", "2026-11-13"),  # Friday
    invoice("F-05", "D05", "2026-11-14"),  # Saturday: courtesy would fall on 11 November
    invoice("F-06a", "D06", "2026-11-20", "900.00"),  # the oldest due date drives the ladder
    invoice("F-06b", "D06", "2026-12-04", "550.00"),
    invoice("F-07", "D07", "2026-12-01"),  # Tuesday: the 3-day gap pushes reminder_1 a day
    invoice("F-08", "D08", "2026-12-24"),  # Thursday, Christmas Eve
    invoice("F-09", "D09", "2026-12-26"),  # Saturday, the day after Christmas
    invoice("F-10", "D10", "2026-12-28"),  # Monday: courtesy on Christmas, reminder_1 held by the gap
    invoice("F-11", "D11", "2026-12-31"),  # Thursday: reminder_1 would fall on New Year's Day
    invoice("F-12", "D12", "2027-01-02"),  # Saturday
]

# Every email each debtor receives between 6 November 2026 and 5 January 2027, Paris time.
LADDER_SENDS = {
    "D01": [("courtesy", "2026-11-06 09:00"), ("reminder_1", "2026-11-10 09:00"), ("reminder_2", "2026-11-17 09:00"),
            ("reminder_3", "2026-11-24 09:00"), ("last_reminder", "2026-12-09 09:00")],
    # courtesy Sat 7 → Mon 9; reminder_1 on 11 November → Thu 12 (also the gap's first day)
    "D02": [("courtesy", "2026-11-09 09:00"), ("reminder_1", "2026-11-12 09:00"), ("reminder_2", "2026-11-18 09:00"),
            ("reminder_3", "2026-11-25 09:00"), ("last_reminder", "2026-12-10 09:00")],
    # last_reminder Sat 12 December → Mon 14
    "D03": [("courtesy", "2026-11-09 09:00"), ("reminder_1", "2026-11-13 09:00"), ("reminder_2", "2026-11-20 09:00"),
            ("reminder_3", "2026-11-27 09:00"), ("last_reminder", "2026-12-14 09:00")],
    # every step after the courtesy falls on a weekend → the Monday after
    "D04": [("courtesy", "2026-11-10 09:00"), ("reminder_1", "2026-11-16 09:00"), ("reminder_2", "2026-11-23 09:00"),
            ("reminder_3", "2026-11-30 09:00"), ("last_reminder", "2026-12-14 09:00")],
    # courtesy on 11 November → Thu 12; the Sunday steps → Mondays
    "D05": [("courtesy", "2026-11-12 09:00"), ("reminder_1", "2026-11-16 09:00"), ("reminder_2", "2026-11-23 09:00"),
            ("reminder_3", "2026-11-30 09:00"), ("last_reminder", "2026-12-14 09:00")],
    "D06": [("courtesy", "2026-11-17 09:00"), ("reminder_1", "2026-11-23 09:00"), ("reminder_2", "2026-11-30 09:00"),
            ("reminder_3", "2026-12-07 09:00"), ("last_reminder", "2026-12-21 09:00")],
    # courtesy Sat 28 November → Mon 30; reminder_1 Wed 2 December, but not before Thu 3 (gap)
    "D07": [("courtesy", "2026-11-30 09:00"), ("reminder_1", "2026-12-03 09:00"), ("reminder_2", "2026-12-09 09:00"),
            ("reminder_3", "2026-12-16 09:00"), ("last_reminder", "2026-12-31 09:00")],
    # reminder_1 on Christmas → Mon 28; reminder_2 on New Year's Day → Mon 4 January
    "D08": [("courtesy", "2026-12-21 09:00"), ("reminder_1", "2026-12-28 09:00"), ("reminder_2", "2027-01-04 09:00")],
    "D09": [("courtesy", "2026-12-23 09:00"), ("reminder_1", "2026-12-28 09:00"), ("reminder_2", "2027-01-04 09:00")],
    # courtesy on Christmas → Mon 28 (the due date itself); reminder_1 Tue 29 held by the gap to Thu 31
    "D10": [("courtesy", "2026-12-28 09:00"), ("reminder_1", "2026-12-31 09:00")],
    # reminder_1 on New Year's Day → Mon 4 January
    "D11": [("courtesy", "2026-12-28 09:00"), ("reminder_1", "2027-01-04 09:00")],
    "D12": [("courtesy", "2026-12-30 09:00"), ("reminder_1", "2027-01-04 09:00")],
}

# J+45, on the next business day, flags the formal notice and alerts the owner.
LADDER_FLAGS = {
    "D01": "2026-12-24 09:00",  # Thursday
    "D02": "2026-12-28 09:00",  # Christmas → Monday
    "D03": "2026-12-28 09:00",  # Sunday 27 → Monday
    "D04": "2026-12-28 09:00",
    "D05": "2026-12-29 09:00",
    "D06": "2027-01-04 09:00",
}


def closed_day_or_night(moment: datetime) -> bool:
    return moment.weekday() >= 5 or moment.date() in FR_HOLIDAYS or not 9 <= moment.hour < 18


async def test_the_default_ladder_over_sixty_days_sends_each_step_once_on_business_days_only(
        service, engine, tmp_path, smtp_server):  # noqa: F811
    import_at(engine, tmp_path, "2026-11-05 17:30", *LADDER_DEBTORS)

    await run(service, "2026-11-06 00:00", "2027-01-05 00:00")

    assert {ref: sent_steps(engine, smtp_server, ref) for ref in LADDER_SENDS} == LADDER_SENDS
    received = [r.message for r in smtp_server.received]
    assert not [wall(m) for m in received if closed_day_or_night(date_of(m))]
    assert {date_of(m).date() for m in received}.isdisjoint(
        {date(2026, 11, 11), date(2026, 12, 25), date(2027, 1, 1)})
    per_day = Counter((to_address(r), date_of(r.message).date()) for r in smtp_server.received
                      if to_address(r) != OWNER)
    assert [key for key, count in per_day.items() if count > 1] == []
    for ref in LADDER_SENDS:
        steps = [e.data["step"] for e in events(engine, ref, "reminder_sent")]
        assert len(steps) == len(set(steps)), ref
    flagged = {ref: case_of(engine, ref) for ref in LADDER_FLAGS}
    assert {ref: case.state for ref, case in flagged.items()} == dict.fromkeys(LADDER_FLAGS, CaseState.NOTICE_PENDING)
    assert {ref: f"{events(engine, ref, 'flagged_formal_notice')[0].at.astimezone(PARIS):%Y-%m-%d %H:%M}"
            for ref in LADDER_FLAGS} == LADDER_FLAGS
    alerts = {m["Subject"]: wall(m) for m in owner_mail(smtp_server)}
    assert alerts == {f"Dossier {case.id} ({ref} Client {ref}) : mise en demeure à décider": LADDER_FLAGS[ref]
                      for ref, case in flagged.items()}
    # The alert previews the claim, or says why it cannot: 2026 H2's rate is not confirmed yet (LEGAL.md).
    assert all("2026 H2" in text_of(m) and "relance notice approve" in text_of(m) for m in owner_mail(smtp_server))
    unflagged = [ref for ref in LADDER_SENDS if ref not in LADDER_FLAGS]
    assert {case_of(engine, ref).state for ref in unflagged} == {CaseState.ACTIVE}


# -- 2. stop rules, when the step falls due and again just before sending ----------------------

# One debtor, one invoice due Tuesday 1 December 2026: courtesy Monday 30 November at 09:00,
# reminder_1 Thursday 3 December (the gap), reminder_2 Wednesday 9, reminder_3 Wednesday 16.
ONE_INVOICE = invoice("F-100", "S", "2026-12-01")
IMPORTED = "2026-11-25 12:00"
COURTESY = "2026-11-30 09:00"


def hold_paid(engine: Engine, tmp_path: Path, now: str) -> None:
    pay_at(engine, tmp_path, now, ("F-100", "2026-11-26", "1450.00"))


def hold_disputed(engine: Engine, tmp_path: Path, now: str) -> None:
    set_invoice(engine, "F-100", disputed=True)  # no command sets it yet


def hold_promised(engine: Engine, tmp_path: Path, now: str) -> None:
    promise(engine, "S", on="2026-12-20", now=now)


def hold_in_plan(engine: Engine, tmp_path: Path, now: str) -> None:
    plan(engine, "S", now=now)


def hold_opted_out(engine: Engine, tmp_path: Path, now: str) -> None:
    owner_changes(engine, "S", now, opted_out="email")


def hold_excluded(engine: Engine, tmp_path: Path, now: str) -> None:
    owner_changes(engine, "S", now, excluded=True)


def hold_under_min_balance(engine: Engine, tmp_path: Path, now: str) -> None:
    pay_at(engine, tmp_path, now, ("F-100", "2026-11-26", "1446.00"))  # 4.00 € left, under 5.00 €


@pytest.mark.parametrize(("hold", "state"), [
    pytest.param(hold_paid, CaseState.CLOSED, id="paid"),
    pytest.param(hold_disputed, CaseState.ACTIVE, id="disputed"),
    pytest.param(hold_promised, CaseState.PROMISED, id="promise-pending"),
    pytest.param(hold_in_plan, CaseState.IN_PLAN, id="plan-on-time"),
    pytest.param(hold_excluded, CaseState.ACTIVE, id="excluded"),
    pytest.param(hold_under_min_balance, CaseState.ACTIVE, id="under-min-balance"),
])
async def test_a_stop_rule_in_force_when_steps_fall_due_keeps_the_debtor_from_any_reminder(
        hold, state, service, engine, tmp_path, smtp_server):  # noqa: F811
    import_at(engine, tmp_path, IMPORTED, ONE_INVOICE)
    hold(engine, tmp_path, "2026-11-26 10:00")

    # courtesy, reminder_1 and reminder_2 all fall due in these two weeks
    await run(service, "2026-11-26 12:00", "2026-12-12 00:00", every=3 * HOUR)

    assert smtp_server.received == []
    assert events(engine, "S", "reminder_queued", "reminder_sent", "step_unreachable") == []
    assert case_of(engine, "S").state is state


async def test_a_debtor_opted_out_of_email_without_telegram_is_unreachable_at_each_step_and_the_owner_is_alerted(
        service, engine, tmp_path, smtp_server):  # noqa: F811
    import_at(engine, tmp_path, IMPORTED, ONE_INVOICE)
    hold_opted_out(engine, tmp_path, "2026-11-26 10:00")

    await run(service, "2026-11-26 12:00", "2026-12-12 00:00", every=3 * HOUR)

    assert debtor_mail(smtp_server, "S") == []
    assert events(engine, "S", "reminder_queued") == []
    assert [e.data["step"] for e in events(engine, "S", "step_unreachable")] == [
        "courtesy", "reminder_1", "reminder_2"]
    [alert] = owner_mail(smtp_server)  # once per case, not once per step
    assert alert["Subject"] == f"Dossier {case_of(engine, 'S').id} (S Client S) : débiteur injoignable"
    assert wall(alert) == COURTESY


def cli_paid(engine: Engine, tmp_path: Path, relance: Any) -> None:
    assert relance("import", "payments", payments_csv(tmp_path, ("F-100", "2026-11-29", "1450.00"))).exit_code == 0


def cli_under_min_balance(engine: Engine, tmp_path: Path, relance: Any) -> None:
    assert relance("import", "payments", payments_csv(tmp_path, ("F-100", "2026-11-29", "1446.00"))).exit_code == 0


def cli_opted_out(engine: Engine, tmp_path: Path, relance: Any) -> None:
    assert relance("debtor", "S", "--opt-out", "email").exit_code == 0


def cli_excluded(engine: Engine, tmp_path: Path, relance: Any) -> None:
    assert relance("debtor", "S", "--exclude").exit_code == 0


def orm_disputed(engine: Engine, tmp_path: Path, relance: Any) -> None:
    set_invoice(engine, "F-100", disputed=True)


def orm_promised(engine: Engine, tmp_path: Path, relance: Any) -> None:
    promise(engine, "S", on="2026-12-20", now=COURTESY)


def orm_in_plan(engine: Engine, tmp_path: Path, relance: Any) -> None:
    plan(engine, "S", now=COURTESY)


@pytest.mark.parametrize(("hold", "reason"), [
    pytest.param(cli_paid, "the case is now closed", id="paid"),
    pytest.param(orm_disputed, "nothing is due any more", id="disputed"),
    pytest.param(orm_promised, "the case is now promised", id="promise-pending"),
    pytest.param(orm_in_plan, "a payment plan is on time", id="plan-on-time"),
    pytest.param(cli_opted_out, "email no longer reaches the debtor", id="opted-out"),
    pytest.param(cli_excluded, "the debtor is excluded from reminders", id="excluded"),
    pytest.param(cli_under_min_balance, "the balance is under the minimum of 5.00", id="under-min-balance"),
])
async def test_a_stop_rule_arising_between_the_sweep_and_the_send_cancels_the_queued_reminder(
        hold, reason, service, engine, tmp_path, smtp_server, relance):  # noqa: F811
    import_at(engine, tmp_path, IMPORTED, ONE_INVOICE)
    policy, composer = service.dispatcher.policy, service.dispatcher.composer
    assert sweep(engine, policy, composer, now=paris(COURTESY)).queued == 1

    hold(engine, tmp_path, relance)
    report = await service.dispatcher.dispatch(paris(COURTESY))

    assert (report.sent, report.cancelled) == (0, 1)
    assert debtor_mail(smtp_server, "S") == []
    [row] = [m for m in outbox(engine) if m.purpose == "courtesy"]
    assert (row.status, row.error) == (MessageStatus.CANCELLED, reason)
    [cancelled] = events(engine, "S", "reminder_cancelled")
    assert cancelled.data == {"step": "courtesy", "channel": "email", "message": row.id, "reason": reason}
    assert events(engine, "S", "reminder_sent") == []


async def test_an_opt_out_between_the_sweep_and_the_send_leaves_the_step_unreachable_and_alerts_the_owner(
        service, engine, tmp_path, smtp_server, relance):  # noqa: F811
    import_at(engine, tmp_path, IMPORTED, ONE_INVOICE)
    sweep(engine, service.dispatcher.policy, service.dispatcher.composer, now=paris(COURTESY))
    assert relance("debtor", "S", "--opt-out", "email").exit_code == 0
    await service.dispatcher.dispatch(paris(COURTESY))

    # The cancelled courtesy notice never reached the debtor: it is no contact, so nothing waits
    # three days for the owner to hear that the debtor cannot be reached.
    await run(service, "2026-11-30 10:00", "2026-12-01 00:00")

    assert debtor_mail(smtp_server, "S") == []
    assert [e.data["step"] for e in events(engine, "S", "step_unreachable")] == ["courtesy"]
    [alert] = owner_mail(smtp_server)
    assert alert["Subject"] == f"Dossier {case_of(engine, 'S').id} (S Client S) : débiteur injoignable"
    assert wall(alert) == "2026-11-30 10:00"


async def test_a_promise_holds_the_ladder_until_its_date_plus_grace_then_the_ladder_resumes(
        service, engine, tmp_path, smtp_server):  # noqa: F811
    import_at(engine, tmp_path, IMPORTED, ONE_INVOICE)
    await run(service, "2026-11-25 13:00", "2026-12-04 10:00")
    promise(engine, "S", on="2026-12-10", now="2026-12-04 10:00")  # + 3 days' grace: Sunday 13

    await run(service, "2026-12-04 10:00", "2026-12-19 00:00")

    # reminder_2 was due Wednesday 9; it waits for Monday 14, and reminder_3 (due 16) for the gap.
    assert sent_steps(engine, smtp_server, "S") == [
        ("courtesy", "2026-11-30 09:00"), ("reminder_1", "2026-12-03 09:00"),
        ("reminder_2", "2026-12-14 09:00"), ("reminder_3", "2026-12-17 09:00")]
    [broken] = events(engine, "S", "promise_broken")
    assert (broken.at, broken.to_state, broken.data) == (
        paris("2026-12-14 09:00"), CaseState.ACTIVE, {"promised_until": "2026-12-13", "broken_promises": 1})
    with Session(engine) as session:
        assert [p.status for p in session.exec(select(Promise))] == [PromiseStatus.BROKEN]
    assert case_of(engine, "S").state is CaseState.ACTIVE


async def test_a_case_whose_only_invoice_is_disputed_is_never_reminded_but_one_disputed_of_two_is_left_out(
        service, engine, tmp_path, smtp_server):  # noqa: F811
    import_at(engine, tmp_path, "2026-11-20 12:00",
              invoice("F-300", "ALL", "2026-11-27", "300.00"),
              invoice("F-100", "S", "2026-12-01"), invoice("F-101", "S", "2026-11-27", "300.00"))
    set_invoice(engine, "F-300", disputed=True)
    set_invoice(engine, "F-101", disputed=True)

    await run(service, "2026-11-20 13:00", "2026-12-01 00:00")

    assert debtor_mail(smtp_server, "ALL") == []
    # The ladder runs from the oldest undisputed due date (1 December), not from the disputed 27 November.
    [courtesy] = debtor_mail(smtp_server, "S")
    assert wall(courtesy) == COURTESY
    text = text_of(courtesy)
    assert "F-100" in text and "F-101" not in text
    assert f"Total restant dû : 1{NNBSP}450,00{NBSP}€" in text
    assert outbox_row(engine, courtesy["Message-ID"]).stated_total == Decimal("1450.00")


async def test_a_dispute_between_the_sweep_and_the_send_restates_the_reminder_without_that_invoice(
        service, engine, tmp_path, smtp_server):  # noqa: F811
    import_at(engine, tmp_path, IMPORTED, ONE_INVOICE, invoice("F-101", "S", "2026-12-02", "300.00"))
    sweep(engine, service.dispatcher.policy, service.dispatcher.composer, now=paris(COURTESY))
    set_invoice(engine, "F-101", disputed=True)

    await service.dispatcher.dispatch(paris(COURTESY))

    [courtesy] = debtor_mail(smtp_server, "S")
    assert f"1{NNBSP}450,00{NBSP}€" in courtesy["Subject"]
    assert "F-101" not in text_of(courtesy)
    [restated] = events(engine, "S", "reminder_restated")
    assert (restated.data["total_before"], restated.data["total"]) == ("1750.00", "1450.00")


async def test_a_full_payment_imported_between_the_sweep_and_the_send_closes_the_case_and_sends_nothing(
        service, engine, tmp_path, smtp_server, relance):  # noqa: F811
    import_at(engine, tmp_path, IMPORTED, ONE_INVOICE)
    sweep(engine, service.dispatcher.policy, service.dispatcher.composer, now=paris(COURTESY))
    assert relance("import", "payments", payments_csv(tmp_path, ("F-100", "2026-11-29", "1450.00"))).exit_code == 0

    await run(service, COURTESY, "2026-12-10 00:00")

    assert smtp_server.received == []
    assert case_of(engine, "S").state is CaseState.CLOSED
    [row] = outbox(engine)
    assert (row.status, row.error) == (MessageStatus.CANCELLED, "the case is now closed")
    assert [e.kind for e in events(engine, "S")][-2:] == ["settled", "reminder_cancelled"]


async def test_a_partial_payment_imported_between_the_sweep_and_the_send_is_stated_in_the_reminder(
        service, engine, tmp_path, smtp_server, relance):  # noqa: F811
    import_at(engine, tmp_path, IMPORTED, ONE_INVOICE)
    sweep(engine, service.dispatcher.policy, service.dispatcher.composer, now=paris(COURTESY))
    assert relance("import", "payments", payments_csv(tmp_path, ("F-100", "2026-11-29", "450.00"))).exit_code == 0

    await service.dispatcher.dispatch(paris(COURTESY))

    [courtesy] = debtor_mail(smtp_server, "S")
    reference = f"REL-{case_of(engine, 'S').id:06d}"
    assert courtesy["Subject"] == f"Atelier Durand – Rappel d'échéance : 1{NNBSP}000,00{NBSP}€ (réf. {reference})"
    text = text_of(courtesy)
    assert f"reste dû 1{NNBSP}000,00{NBSP}€ sur 1{NNBSP}450,00{NBSP}€" in text
    assert f"Total restant dû : 1{NNBSP}000,00{NBSP}€" in text
    assert outbox_row(engine, courtesy["Message-ID"]).stated_total == Decimal("1000.00")
    [restated] = events(engine, "S", "reminder_restated")
    assert (restated.data["total_before"], restated.data["total"]) == ("1450.00", "1000.00")


async def test_payments_imported_between_the_sweep_and_the_send_are_stated_in_every_reminder_of_the_batch(
        service, engine, tmp_path, smtp_server, relance):  # noqa: F811
    # Each email is made while the server answers the one before it: a row restated at its turn
    # must go out as restated, not as it was made.
    refs = ["A", "B", "C"]
    import_at(engine, tmp_path, IMPORTED, *(invoice(f"F-{n}", ref, "2026-12-01") for n, ref in enumerate(refs)))
    sweep(engine, service.dispatcher.policy, service.dispatcher.composer, now=paris(COURTESY))
    paid = payments_csv(tmp_path, *((f"F-{n}", "2026-11-29", "450.00") for n, _ in enumerate(refs)))
    assert relance("import", "payments", paid).exit_code == 0

    await service.dispatcher.dispatch(paris(COURTESY))

    for ref in refs:
        [courtesy] = debtor_mail(smtp_server, ref)
        assert f"Total restant dû : 1{NNBSP}000,00{NBSP}€" in text_of(courtesy)
        assert outbox_row(engine, courtesy["Message-ID"]).stated_total == Decimal("1000.00")


# -- 3. one statement per debtor ----------------------------------------------------------------


async def test_three_open_invoices_and_a_credit_note_go_out_as_one_statement_with_their_total(
        service, engine, tmp_path, smtp_server):  # noqa: F811
    import_at(engine, tmp_path, "2026-11-26 08:00",
              invoice("F-201", "C", "2026-11-20", "800.00"),
              invoice("F-202", "C", "2026-11-25", "600.00", paid="150.00"),
              invoice("F-203", "C", "2026-12-01", "250.00"),
              invoice("AV-204", "C", "2026-11-22", "-200.00"))

    await run(service, "2026-11-26 09:00", "2026-11-27 00:00")

    [statement] = debtor_mail(smtp_server, "C")
    reference = f"REL-{case_of(engine, 'C').id:06d}"
    assert statement["Subject"] == (f"Atelier Durand – Factures en attente de règlement : "
                                    f"1{NNBSP}300,00{NBSP}€ (réf. {reference})")
    lines = text_of(statement).splitlines()
    assert [line for line in lines if line.startswith("- ")] == [
        f"- Facture n° F-201 du 21 octobre 2026, échue le 20 novembre 2026 (retard : 6 jours) : "
        f"reste dû 800,00{NBSP}€",
        f"- Avoir n° AV-204 du 23 octobre 2026 : à déduire 200,00{NBSP}€",
        f"- Facture n° F-202 du 26 octobre 2026, échue le 25 novembre 2026 (retard : 1 jour) : "
        f"reste dû 450,00{NBSP}€ sur 600,00{NBSP}€",
        f"- Facture n° F-203 du 1 novembre 2026, échéance le 1 décembre 2026 : reste dû 250,00{NBSP}€",
    ]
    assert f"Total restant dû : 1{NNBSP}300,00{NBSP}€" in lines
    assert [m.purpose for m in outbox(engine)] == ["reminder_1"]


# -- 4. both languages ---------------------------------------------------------------------------


async def test_a_french_and_an_english_debtor_each_read_their_own_language_and_money_format(
        service, engine, tmp_path, smtp_server):  # noqa: F811
    import_at(engine, tmp_path, IMPORTED, invoice("F-100", "FR1", "2026-12-01"),
              invoice("INV-100", "EN1", "2026-12-01", language="en", name="Acme Ltd"))

    await run(service, "2026-11-25 13:00", "2026-12-04 00:00")

    fr_ref, en_ref = (f"REL-{case_of(engine, ref).id:06d}" for ref in ("FR1", "EN1"))
    french, english = debtor_mail(smtp_server, "FR1"), debtor_mail(smtp_server, "EN1")
    assert [m["Subject"] for m in french] == [
        f"Atelier Durand – Rappel d'échéance : 1\u202f450,00\u00a0€ (réf. {fr_ref})",
        f"Atelier Durand – Facture en attente de règlement : 1\u202f450,00\u00a0€ (réf. {fr_ref})",
    ]
    assert [m["Subject"] for m in english] == [
        f"Atelier Durand – Payment due soon: €1,450.00 (ref. {en_ref})",
        f"Atelier Durand – Invoice awaiting payment: €1,450.00 (ref. {en_ref})",
    ]
    assert {m["Content-Language"] for m in french} == {"fr"} and {m["Content-Language"] for m in english} == {"en"}
    french_text, english_text = text_of(french[1]), text_of(english[1])
    assert french_text.startswith("Bonjour,\n")
    assert ("Sauf erreur de notre part, nous n'avons pas encore reçu le règlement de votre facture n° F-100, "
            "arrivée à échéance le 1 décembre 2026.") in french_text
    assert "échue le 1 décembre 2026 (retard : 2 jours) : reste dû 1\u202f450,00\u00a0€" in french_text
    assert english_text.startswith("Hello,\n")
    assert ("According to our records, we have not yet received payment of your invoice INV-100, "
            "which fell due on 1 December 2026.") in english_text
    assert "due 1 December 2026 (2 days overdue): €1,450.00 outstanding" in english_text
    assert "Total outstanding: €1,450.00" in english_text and "€" not in english_text.replace("€1,450.00", "")


# -- 5. a late import ------------------------------------------------------------------------------


async def test_invoices_imported_long_overdue_get_only_the_last_reminder_then_the_flag_after_the_gap(
        service, engine, tmp_path, smtp_server):  # noqa: F811
    import_at(engine, tmp_path, "2026-12-01 09:30",
              invoice("F-40", "L40", "2026-10-22"),   # 40 days overdue: J+45 is Sunday 6 December
              invoice("F-45", "L45", "2026-10-17"))   # 45 days overdue: J+45 is today

    await run(service, "2026-12-01 10:00", "2026-12-09 00:00")

    for ref in ("L40", "L45"):
        assert sent_steps(engine, smtp_server, ref) == [("last_reminder", "2026-12-01 10:00")]
        assert [e.data["step"] for e in events(engine, ref, "step_skipped")] == [
            "courtesy", "reminder_1", "reminder_2", "reminder_3"]
        assert case_of(engine, ref).state is CaseState.NOTICE_PENDING
    flags = {ref: f"{events(engine, ref, 'flagged_formal_notice')[0].at.astimezone(PARIS):%Y-%m-%d %H:%M}"
             for ref in ("L40", "L45")}
    # L40: J+45 falls on a Sunday → Monday 7. L45: J+45 has passed, the debtor gets the 3-day gap.
    assert flags == {"L40": "2026-12-07 09:00", "L45": "2026-12-04 09:00"}
    assert sorted(wall(m) for m in owner_mail(smtp_server)) == ["2026-12-04 09:00", "2026-12-07 09:00"]


# -- 6. a temporary refusal, then delivery ---------------------------------------------------------


async def test_a_451_on_the_recipient_keeps_the_reminder_queued_and_a_tick_after_the_backoff_delivers_it_once(
        service, engine, tmp_path, smtp_server):  # noqa: F811
    import_at(engine, tmp_path, IMPORTED, ONE_INVOICE)
    smtp_server.answer_next("RCPT", "451 4.7.1 Greylisted, try again later")

    await service.tick(paris(COURTESY))

    assert smtp_server.received == []
    [row] = outbox(engine)
    assert (row.status, row.attempts, row.next_attempt_at) == (
        MessageStatus.QUEUED, 1, paris("2026-11-30 09:01"))
    assert "451" in (row.error or "")

    await service.tick(paris("2026-11-30 09:00:30"))  # the backoff has not passed
    assert smtp_server.received == []
    await run(service, "2026-11-30 10:00", "2026-11-30 13:00")

    [delivered] = debtor_mail(smtp_server, "S")
    assert wall(delivered) == "2026-11-30 10:00"
    [row] = outbox(engine)
    assert (row.status, row.message_id) == (MessageStatus.SENT, delivered["Message-ID"])
    assert [e.data["step"] for e in events(engine, "S", "reminder_sent")] == ["courtesy"]


async def test_a_reminder_refused_just_before_the_window_closes_is_retried_only_when_it_opens_again(
        service, engine, tmp_path, smtp_server):  # noqa: F811
    import_at(engine, tmp_path, "2026-12-04 16:30", ONE_INVOICE)  # Friday; reminder_1 is due
    smtp_server.answer_next("RCPT", "451 4.7.1 Greylisted, try again later")

    await run(service, "2026-12-04 17:00", "2026-12-07 12:00")

    [delivered] = debtor_mail(smtp_server, "S")
    assert wall(delivered) == "2026-12-07 09:00"  # not Friday at 18:00, nor over the weekend


# -- 6b. after a crash ------------------------------------------------------------------------------


def left_by_a_crash(engine: Engine, *statuses: MessageStatus) -> list[int]:
    """The outbox rows, in order, as a killed dispatcher would have left them."""
    with Session(engine) as session:
        rows = session.exec(select(Message).order_by(col(Message.id))).all()
        assert len(rows) == len(statuses)
        for row, status in zip(rows, statuses, strict=True):
            row.status = status
            row.message_id = f"<{row.id}@durand.example>" if status is MessageStatus.FINALIZING else None
            session.add(row)
        session.commit()
        return [row.id or 0 for row in rows]


async def test_after_a_crash_marked_reminders_count_as_sent_and_only_the_last_marked_one_is_reported_in_doubt(
        service, engine, tmp_path, smtp_server):  # noqa: F811
    import_at(engine, tmp_path, IMPORTED, *(invoice(f"F-{ref}", ref, "2026-12-01") for ref in ("A", "B", "C")))
    sweep(engine, service.dispatcher.policy, service.dispatcher.composer, now=paris(COURTESY))
    accepted, in_flight, claimed = left_by_a_crash(
        engine, MessageStatus.FINALIZING, MessageStatus.FINALIZING, MessageStatus.CLAIMED)

    service.recover(paris(COURTESY))
    await service.dispatcher.dispatch(paris(COURTESY))

    notes = {e.data["message"]: e.data.get("note")
             for ref in ("A", "B", "C") for e in events(engine, ref, "reminder_sent")}
    assert notes == {accepted: "accepted by the server before a restart",
                     in_flight: "interrupted at its final dot; counted as sent", claimed: None}
    assert [to_address(r) for r in smtp_server.received if to_address(r) != OWNER] == ["c@clients.example"]
    [alert] = owner_mail(smtp_server)
    assert f"<{in_flight}@durand.example>" in text_of(alert) and f"<{accepted}@durand.example>" not in text_of(alert)


async def test_a_reminder_refused_after_its_final_dot_is_unmarked_at_once_so_a_crash_would_send_it_again(
        service, engine, tmp_path, smtp_server, monkeypatch):  # noqa: F811
    import_at(engine, tmp_path, IMPORTED, ONE_INVOICE)
    sweep(engine, service.dispatcher.policy, service.dispatcher.composer, now=paris(COURTESY))
    smtp_server.answer_next("DATA", "451 4.3.0 Mail server temporarily rejected message")
    left_when_refused: list[str] = []
    handle_refusal = Dispatcher._temporary

    def look_then_handle(dispatcher: Dispatcher, *args: Any) -> None:
        with engine.connect() as connection:  # what a kill at this instant would leave
            left_when_refused.extend(connection.execute(text("SELECT status FROM message")).scalars())
        handle_refusal(dispatcher, *args)

    monkeypatch.setattr(Dispatcher, "_temporary", look_then_handle)
    await service.dispatcher.dispatch(paris(COURTESY))

    assert left_when_refused == ["claimed"]  # not FINALIZING: recovery would count it as delivered
    assert smtp_server.received == []
    [row] = outbox(engine)
    assert row.status is MessageStatus.QUEUED and "451" in (row.error or "")


# -- 7. a permanent refusal --------------------------------------------------------------------------


async def test_a_550_on_the_recipient_fails_the_reminder_and_alerts_the_owner_when_no_other_channel_exists(
        service, engine, tmp_path, smtp_server):  # noqa: F811
    import_at(engine, tmp_path, IMPORTED, ONE_INVOICE)
    smtp_server.answer_next("RCPT", "550 5.1.1 No such user here")

    await service.tick(paris(COURTESY))

    assert debtor_mail(smtp_server, "S") == []
    [row] = [m for m in outbox(engine) if m.purpose == "courtesy"]
    assert row.status is MessageStatus.FAILED and "550" in (row.error or "")
    [failed] = events(engine, "S", "reminder_failed")
    assert (failed.data["step"], failed.data["channel"], failed.data["message"]) == ("courtesy", "email", row.id)
    [alert] = owner_mail(smtp_server)
    assert alert["Subject"] == f"Dossier {case_of(engine, 'S').id} (S Client S) : relance non délivrée"
    assert "550" in text_of(alert)
    assert events(engine, "S", "reminder_sent") == []


async def test_a_550_on_the_recipient_sends_the_reminder_to_the_debtors_linked_telegram_chat_instead(
        loaded, engine, tmp_path, smtp_server):  # noqa: F811
    import_at(engine, tmp_path, IMPORTED, ONE_INVOICE)
    with Session(engine) as session:
        debtor = session.exec(select(Debtor).where(Debtor.ref == "S")).one()
        debtor.telegram_chat_id = 4242
        session.add(debtor)
        session.commit()
    api = FakeBotApi()
    service = build(loaded, engine, email=smtp_channel(smtp_server), chat=TelegramChannel(TOKEN, request=api))
    smtp_server.answer_next("RCPT", "550 5.1.1 No such user here")

    await service.tick(paris(COURTESY))

    assert smtp_server.received == []  # neither the debtor nor the owner
    email_row, chat_row = outbox(engine)
    assert (email_row.channel, email_row.status) == ("email", MessageStatus.FAILED)
    assert (chat_row.channel, chat_row.status, chat_row.recipient) == ("telegram", MessageStatus.SENT, "4242")
    [text] = api.texts(4242)
    assert text.startswith(f"Atelier Durand – Rappel d'échéance : 1{NNBSP}450,00{NBSP}€")
    assert "Facture n° F-100" in text
    assert [(e.kind, e.data["channel"]) for e in events(engine, "S", "reminder_failed", "reminder_sent")] == [
        ("reminder_failed", "email"), ("reminder_sent", "telegram")]


# -- 8. exactly once at the tick level -----------------------------------------------------------------


async def test_the_same_tick_run_twice_sends_nothing_twice(service, engine, tmp_path, smtp_server):  # noqa: F811
    import_at(engine, tmp_path, IMPORTED, ONE_INVOICE)

    await service.tick(paris(COURTESY))
    await service.tick(paris(COURTESY))

    assert len(smtp_server.received) == 1
    assert [(m.purpose, m.status) for m in outbox(engine)] == [("courtesy", MessageStatus.SENT)]
    assert len(events(engine, "S", "reminder_sent")) == 1


def test_relance_sweep_at_the_same_instant_twice_sends_nothing_twice(
        loaded, engine, tmp_path, smtp_server, relance):  # noqa: F811
    import_at(engine, tmp_path, IMPORTED, ONE_INVOICE)

    first = relance("sweep", "--at", "2026-11-30T09:00:00+01:00")
    second = relance("sweep", "--at", "2026-11-30T09:00:00+01:00")

    assert (first.exit_code, second.exit_code) == (0, 0), first.stderr + second.stderr
    [received] = smtp_server.received
    assert wall(received.message) == COURTESY
    assert [(m.purpose, m.status) for m in outbox(engine)] == [("courtesy", MessageStatus.SENT)]


def database_rows(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    with Session(engine) as session:
        return {model.__name__: [row.model_dump() for row in session.exec(select(model).order_by(model.id))]
                for model in (Debtor, Case, Invoice, Event, Message, Promise)}


def test_relance_sweep_dry_run_lists_the_planned_messages_and_sends_and_changes_nothing(
        loaded, engine, tmp_path, smtp_server, relance):  # noqa: F811
    import_at(engine, tmp_path, IMPORTED, ONE_INVOICE, invoice("INV-7", "EN1", "2026-12-01", language="en"))
    before = database_rows(engine)

    result = relance("sweep", "--at", "2026-11-30T09:00:00+01:00", "--dry-run", "--json")

    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    cases = {ref: str(case_of(engine, ref).id) for ref in ("S", "EN1")}
    assert report["dry_run"] is True
    assert sorted(report["planned"], key=lambda p: p["case"]) == sorted([
        {"case": cases["S"], "debtor": "S Client S", "step": "courtesy", "channel": "email",
         "recipient": "s@clients.example",
         "subject": f"Atelier Durand – Rappel d'échéance : 1{NNBSP}450,00{NBSP}€ (réf. REL-{int(cases['S']):06d})"},
        {"case": cases["EN1"], "debtor": "EN1 Client EN1", "step": "courtesy", "channel": "email",
         "recipient": "en1@clients.example",
         "subject": f"Atelier Durand – Payment due soon: €1,450.00 (ref. REL-{int(cases['EN1']):06d})"},
    ], key=lambda p: p["case"])
    assert report["dispatch"]["sent"] == 0
    assert smtp_server.received == []
    assert outbox(engine) == []  # nothing left queued for the next real sweep to send
    assert database_rows(engine) == before


# -- 9. the headers of a reminder ------------------------------------------------------------------------


async def test_a_reminder_carries_from_reply_to_auto_submitted_and_the_message_id_stored_with_it(
        service, engine, tmp_path, smtp_server):  # noqa: F811
    import_at(engine, tmp_path, IMPORTED, ONE_INVOICE)

    await service.tick(paris(COURTESY))

    [received] = smtp_server.received
    message = received.message
    assert received.mail_from == "relances@durand.example"
    assert message["From"] == SENDER
    assert message["Reply-To"] == REPLY_TO
    [to] = message["To"].addresses
    assert (to.display_name, to.addr_spec) == ("Client S", "s@clients.example")
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Date"].datetime == paris(COURTESY)
    message_id = message["Message-ID"]
    assert message_id.startswith("<") and message_id.endswith("@durand.example>")
    [row] = outbox(engine)
    assert row.message_id == message_id
    [sent] = events(engine, "S", "reminder_sent")
    assert sent.data == {"step": "courtesy", "channel": "email", "message": row.id, "message_id": message_id}


async def test_a_debtor_who_breaks_promises_twice_is_flagged_for_a_formal_notice(
        engine: Engine, tmp_path: Path, service: Service, smtp_server: RecordingServer) -> None:  # noqa: F811
    import_at(engine, tmp_path, "2026-11-02 08:00", invoice("F-B1", "B", "2026-11-02"))
    promise(engine, "B", on="2026-11-10", now="2026-11-03 10:00")
    await run(service, "2026-11-03 10:00", "2026-11-16 12:00")  # 10 Nov + 3 days' grace lapse
    assert case_of(engine, "B").state is CaseState.ACTIVE
    promise(engine, "B", on="2026-11-20", now="2026-11-16 12:00")
    await run(service, "2026-11-16 12:00", "2026-11-25 12:00")

    case = case_of(engine, "B")
    assert case.state is CaseState.NOTICE_PENDING and case.next_action_at is None
    broken = events(engine, "B", "promise_broken")
    assert [(e.to_state, e.data["broken_promises"]) for e in broken] == [
        (CaseState.ACTIVE, 1), (CaseState.NOTICE_PENDING, 2)]
    subjects = [m["Subject"] for m in owner_mail(smtp_server)]
    assert [s for s in subjects if "promesse de paiement non tenue" in s or "mise en demeure" in s] == [
        f"Dossier {case.id} (B Client B) : promesse de paiement non tenue",
        f"Dossier {case.id} (B Client B) : mise en demeure à décider"]


async def test_a_plan_reminds_each_installment_and_a_missed_one_breaks_it(
        engine: Engine, tmp_path: Path, service: Service, smtp_server: RecordingServer) -> None:  # noqa: F811
    import_at(engine, tmp_path, IMPORTED, ONE_INVOICE)
    plan(engine, "S", now="2026-11-26 10:00")  # 725.00 on 20 Dec, 725.00 on 20 Jan
    await run(service, "2026-11-26 12:00", "2026-12-22 12:00", every=3 * HOUR)

    mails = [(wall(m), m["Subject"]) for m in debtor_mail(smtp_server, "S")]
    assert [(at, "725,00" in subject and ("20 décembre" in subject or "en retard" in subject))
            for at, subject in mails] == [("2026-12-18 09:00", True), ("2026-12-21 09:00", True)]
    assert case_of(engine, "S").state is CaseState.IN_PLAN

    pay_at(engine, tmp_path, "2026-12-22 12:00", ("F-100", "2026-12-22", "300.00"))  # part of it
    await run(service, "2026-12-22 12:00", "2026-12-27 12:00", every=3 * HOUR)
    case = case_of(engine, "S")
    assert case.state is CaseState.ACTIVE  # [plans] on_broken = "ladder"
    [broken] = events(engine, "S", "plan_broken")
    assert broken.data["installment"] == 1 and broken.data["owed"] == "425.00"
    assert any("échéancier non respecté" in m["Subject"] for m in owner_mail(smtp_server))
    with Session(engine) as session:
        assert session.exec(select(PaymentPlan)).one().status is PlanStatus.BROKEN


async def test_an_emailed_reminder_carries_a_single_use_link_to_start_the_chat(
        engine: Engine, tmp_path: Path, config_path: Path, loaded: LoadedConfig,  # noqa: F811
        smtp_server: RecordingServer) -> None:  # noqa: F811
    service = service_adding(TELEGRAM, config_path, engine, smtp_server)
    import_at(engine, tmp_path, IMPORTED, ONE_INVOICE)
    await run(service, "2026-11-26 12:00", "2026-11-30 12:00")

    [mail] = debtor_mail(smtp_server, "S")
    [token] = re.findall(r"https://t\.me/durand_bot\?start=([A-Za-z0-9_-]+)", text_of(mail))
    assert len(token) >= 22  # ≥ 128 bits
    with Session(engine) as session:
        [row] = session.exec(select(ChatToken)).all()
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in row.token_hash
        linked = redeem(session, token, chat_id=4242, now=paris("2026-11-30 12:00"))
        assert linked is not None and linked.ref == "S" and linked.telegram_chat_id == 4242
        assert redeem(session, token, chat_id=777, now=paris("2026-11-30 12:01")) is None  # single use


async def test_a_broken_plan_can_lead_straight_to_a_formal_notice(
        engine: Engine, tmp_path: Path, config_path: Path, loaded: LoadedConfig,  # noqa: F811
        smtp_server: RecordingServer) -> None:  # noqa: F811
    service = service_adding('\n[plans]\non_broken = "formal_notice"\n', config_path, engine, smtp_server)
    import_at(engine, tmp_path, IMPORTED, ONE_INVOICE)
    plan(engine, "S", now="2026-11-26 10:00")
    await run(service, "2026-11-26 12:00", "2026-12-27 12:00", every=3 * HOUR)

    assert case_of(engine, "S").state is CaseState.NOTICE_PENDING
    subjects = [m["Subject"] for m in owner_mail(smtp_server)]
    assert any("échéancier non respecté" in s for s in subjects)
    [notice_alert] = [m for m in owner_mail(smtp_server) if "mise en demeure à décider" in m["Subject"]]
    assert "plan broken" in text_of(notice_alert) and "2026 H2" in text_of(notice_alert)


async def test_a_restated_reminder_keeps_its_chat_link(
        engine: Engine, tmp_path: Path, config_path: Path, loaded: LoadedConfig,  # noqa: F811
        smtp_server: RecordingServer) -> None:  # noqa: F811
    service = service_adding(TELEGRAM, config_path, engine, smtp_server)
    import_at(engine, tmp_path, IMPORTED, ONE_INVOICE, invoice("F-101", "S", "2026-12-02", "300.00"))
    sweep(engine, service.dispatcher.policy, service.dispatcher.composer, now=paris(COURTESY))
    [queued] = re.findall(r"https://t\.me/durand_bot\?start=[\w-]+", outbox(engine)[0].body or "")
    set_invoice(engine, "F-101", disputed=True)

    await service.dispatcher.dispatch(paris(COURTESY))

    [restated] = debtor_mail(smtp_server, "S")
    assert "F-101" not in text_of(restated) and queued in text_of(restated)


async def test_settling_the_case_completes_its_plan(engine: Engine, tmp_path: Path, service: Service,
                                                   smtp_server: RecordingServer) -> None:  # noqa: F811
    import_at(engine, tmp_path, IMPORTED, ONE_INVOICE)
    plan(engine, "S", now="2026-11-26 10:00")
    pay_at(engine, tmp_path, "2026-12-10 12:00", ("F-100", "2026-12-10", "1450.00"))  # all at once, early
    assert case_of(engine, "S").state is CaseState.CLOSED
    with Session(engine) as session:
        done = session.exec(select(PaymentPlan)).one()
        paid = [i.paid for i in session.exec(select(Installment))]
    assert done.status is PlanStatus.COMPLETED and paid == [Decimal("725.00"), Decimal("725.00")]


async def test_an_installment_reminder_that_could_only_leave_after_the_date_gives_way_to_the_late_one(
        engine: Engine, tmp_path: Path, service: Service, smtp_server: RecordingServer) -> None:  # noqa: F811
    import_at(engine, tmp_path, IMPORTED, ONE_INVOICE)
    plan(engine, "S", now="2026-11-26 10:00")  # 725.00 due Sunday 20 December
    await run(service, "2026-12-19 10:00", "2026-12-22 00:00", every=3 * HOUR)  # the service was off until Saturday

    assert [(wall(m), "en retard" in m["Subject"]) for m in debtor_mail(smtp_server, "S")] == [
        ("2026-12-21 10:00", True)]  # the first tick in the window
