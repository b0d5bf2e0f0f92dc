"""`relance cases`, `case` and `report` as a user sees them, on a small ledger built through the ORM."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

from dialogs.aging import Bucket, bucket, days_overdue, dso
from dialogs.states import CaseState
from storage import queries
from storage.case_changes import record
from storage.engine import transaction
from storage.models import Case, Debtor, Invoice, Payment

TODAY = "2026-03-15"
NBSP, NNBSP = "\u00a0", "\u202f"  # what Babel puts before "€" and between thousands in French


def at(day: str, hhmm: str = "09:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}+00:00")


@dataclass(frozen=True)
class Ledger:
    martin: int  # C001, EUR, active: overdue, partly paid, a credit note, one not yet due
    smith: int  # UK7, GBP, notice pending
    cafe_closed: int  # C002's written-off case
    cafe_open: int  # C002's new case


def _invoice(case: Case, number: str, issued: str, due: str, amount: str, *,
             paid: str = "0.00", currency: str = "EUR") -> Invoice:
    return Invoice(number=number, debtor_id=case.debtor_id, case_id=case.id, issue_date=date.fromisoformat(issued),
                   due_date=date.fromisoformat(due), amount=Decimal(amount), paid=Decimal(paid),
                   currency=currency, created_at=at("2026-01-05"), updated_at=at("2026-01-05"))


def _open_case(session: Session, debtor: Debtor, when: datetime) -> Case:
    session.add(debtor)
    session.flush()
    case = Case(debtor_id=debtor.id, opened_at=when, updated_at=when)
    record(session, case, "case_opened", now=when, actor="import")
    return case


@pytest.fixture
def ledger(engine: Engine) -> Ledger:
    created = at("2026-01-05")
    with transaction(engine) as s:
        martin = Debtor(ref="C001", name="Boulangerie Martin", email="compta@martin.example", created_at=created)
        m = _open_case(s, martin, created)
        f002 = _invoice(m, "F-002", "2026-01-20", "2026-02-19", "500.00", paid="265.44")
        s.add_all([
            _invoice(m, "F-001", "2025-11-01", "2025-12-01", "1000.00"),
            f002,
            _invoice(m, "AV-001", "2026-02-01", "2026-02-01", "-100.00"),
            _invoice(m, "F-003", "2026-03-01", "2026-03-31", "100.00"),
        ])
        s.flush()
        s.add(Payment(invoice_id=f002.id, paid_on=date(2026, 2, 25), amount=Decimal("265.44"), reference="VIR 8812",
                      import_key="test:1", source="csv", recorded_at=at("2026-02-26")))
        record(s, m, "reminder_sent", now=at("2026-02-20"), actor="scheduler", data={"step": "first"})
        record(s, m, "promise_made", now=at("2026-02-22", "10:00"), actor="debtor", to_state=CaseState.PROMISED,
               data={"promised_on": date(2026, 3, 1), "amount": Decimal("500.00")})
        record(s, m, "promise_broken", now=at("2026-03-04", "07:00"), actor="scheduler", to_state=CaseState.ACTIVE)
        # Recorded late but it happened earlier: the timeline follows time, not insertion.
        record(s, m, "reply_received", now=at("2026-02-21", "16:30"), actor="debtor",
               data={"text": "Je paierai [bold]bientôt[/bold]"})
        record(s, m, "note", now=at("2026-03-04", "07:00"), actor="owner", data={"text": "called"})
        m.next_action_at = at("2026-03-16", "08:00")

        smith = Debtor(ref="UK7", name="Smith & Sons Ltd", created_at=created)
        uk = _open_case(s, smith, created)
        s.add(_invoice(uk, "INV-UK-1", "2026-01-01", "2026-01-31", "2000.00", currency="GBP"))
        record(s, uk, "last_step_passed", now=at("2026-03-10"), actor="scheduler", to_state=CaseState.NOTICE_PENDING)

        cafe = Debtor(ref="C002", name="Café du Port", created_at=created)
        old = _open_case(s, cafe, created)
        f010 = _invoice(old, "F-010", "2026-02-10", "2026-03-10", "300.00", paid="260.00")
        s.add(f010)
        s.flush()
        s.add(Payment(invoice_id=f010.id, paid_on=date(2026, 3, 5), amount=Decimal("260.00"), reference="",
                      import_key="test:2", source="csv", recorded_at=at("2026-03-05")))
        record(s, old, "written_off", now=at("2026-03-06"), actor="owner", to_state=CaseState.CLOSED,
               data={"remainder": Decimal("40.00")})
        s.flush()
        new = _open_case(s, cafe, at("2026-03-10"))
        s.add(_invoice(new, "F-011", "2026-03-10", "2026-04-15", "50.00"))
        assert m.id and uk.id and old.id and new.id
        return Ledger(martin=m.id, smith=uk.id, cafe_closed=old.id, cafe_open=new.id)


def _json(result: Any) -> Any:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_cases_json_gives_each_open_case_its_balance_oldest_due_date_and_days_overdue(relance, ledger):
    rows = _json(relance("cases", "--json", "--at", TODAY))

    assert [r["id"] for r in rows] == [ledger.martin, ledger.smith, ledger.cafe_open]
    martin, smith, cafe = rows
    assert martin == {
        "id": ledger.martin, "debtor_ref": "C001", "debtor_name": "Boulangerie Martin",
        "balance": "1234.56", "currency": "EUR", "oldest_due_date": "2025-12-01", "days_overdue": 104,
        "state": "active", "next_action_at": "2026-03-16T09:00:00+01:00",
    }
    assert (smith["balance"], smith["currency"], smith["days_overdue"], smith["state"]) == (
        "2000.00", "GBP", 43, "notice_pending")
    assert (cafe["balance"], cafe["oldest_due_date"], cafe["days_overdue"], cafe["next_action_at"]) == (
        "50.00", "2026-04-15", 0, None)


def test_cases_all_includes_closed_cases_with_what_was_left_on_them(relance, ledger):
    rows = _json(relance("cases", "--json", "--all", "--at", TODAY))

    closed = next(r for r in rows if r["id"] == ledger.cafe_closed)
    assert (closed["state"], closed["balance"]) == ("closed", "40.00")
    assert len(rows) == 4


def test_days_overdue_count_from_the_date_given_with_at(relance, ledger):
    rows = _json(relance("cases", "--json", "--at", "2026-04-20"))

    assert [r["days_overdue"] for r in rows] == [140, 79, 5]


def test_cases_table_shows_amounts_dates_and_next_action_the_french_way(relance, ledger):
    result = relance("cases", "--at", TODAY)

    assert result.exit_code == 0
    line = next(l for l in result.stdout.splitlines() if "C001" in l)
    assert "Boulangerie Martin" in line
    assert f"1{NNBSP}234,56{NBSP}€" in line
    assert "01/12/2025" in line and " 104 " in line
    assert "16/03/2026 09:00" in line  # 08:00 UTC is 09:00 in Paris in March
    assert f"2{NNBSP}000,00{NBSP}£GB" in result.stdout
    assert "Café du Port" in result.stdout and "C002" in result.stdout
    assert "closed" not in result.stdout


def test_cases_table_follows_the_company_language(relance, ledger, config_path: Path):
    config_path.write_text(config_path.read_text(encoding="utf-8").replace(
        "[company]\n", '[company]\nlanguage = "en"\ntimezone = "Europe/London"\n'), encoding="utf-8")

    result = relance("cases", "--at", TODAY)

    assert "€1,234.56" in result.stdout and "£2,000.00" in result.stdout
    assert "16/03/2026 08:00" in result.stdout


def test_case_json_lists_invoices_with_paid_remaining_and_days_overdue(relance, ledger):
    detail = _json(relance("case", str(ledger.martin), "--json", "--at", TODAY))

    assert detail["balances"] == {"EUR": "1234.56"}
    lines = {i["number"]: i for i in detail["invoices"]}
    assert [i["number"] for i in detail["invoices"]] == ["F-001", "AV-001", "F-002", "F-003"]  # by due date
    assert lines["F-002"] == {
        "number": "F-002", "issue_date": "2026-01-20", "due_date": "2026-02-19", "currency": "EUR",
        "amount": "500.00", "paid": "265.44", "remaining": "234.56", "days_overdue": 24, "disputed": False,
    }
    assert (lines["AV-001"]["amount"], lines["AV-001"]["remaining"], lines["AV-001"]["days_overdue"]) == (
        "-100.00", "-100.00", 0)
    assert lines["F-003"]["days_overdue"] == 0
    assert detail["payments"] == [{"paid_on": "2026-02-25", "invoice_number": "F-002", "currency": "EUR",
                                   "amount": "265.44", "reference": "VIR 8812", "source": "csv"}]


def test_case_timeline_is_in_time_order_even_when_recorded_late(relance, ledger):
    timeline = _json(relance("case", str(ledger.martin), "--json"))["timeline"]

    assert [e["kind"] for e in timeline] == [
        "case_opened", "reminder_sent", "reply_received", "promise_made", "promise_broken", "note"]
    promise = timeline[3]
    assert promise == {
        "id": promise["id"], "at": "2026-02-22T11:00:00+01:00", "kind": "promise_made", "actor": "debtor",
        "from_state": "active", "to_state": "promised", "data": {"promised_on": "2026-03-01", "amount": "500.00"},
    }


def test_case_table_shows_invoices_payments_and_timeline_with_debtor_text_as_typed(relance, ledger):
    out = relance("case", str(ledger.martin), "--at", TODAY).stdout

    assert "Boulangerie Martin" in out and f"1{NNBSP}234,56{NBSP}€" in out
    assert f"-100,00{NBSP}€" in out and f"265,44{NBSP}€" in out and "VIR 8812" in out
    kinds = ["case_opened", "reminder_sent", "reply_received", "promise_made", "promise_broken", "note"]
    positions = [out.index(k) for k in kinds]
    assert positions == sorted(positions)
    assert "active → promised" in out and "22/02/2026 11:00" in out
    assert "[bold]bientôt[/bold]" in out  # shown, not interpreted as rich markup
    assert "promised_on=2026-03-01 amount=500.00" in out


def test_case_by_debtor_ref_finds_the_open_case_rather_than_the_closed_one(relance, ledger):
    assert _json(relance("case", "C002", "--json"))["id"] == ledger.cafe_open
    assert _json(relance("case", "UK7", "--json"))["id"] == ledger.smith


def test_case_by_id_also_shows_a_closed_case(relance, ledger):
    detail = _json(relance("case", str(ledger.cafe_closed), "--json"))

    assert (detail["state"], detail["debtor_ref"], detail["balances"]) == ("closed", "C002", {"EUR": "40.00"})
    assert detail["closed_at"] == "2026-03-06T10:00:00+01:00"


def test_unknown_case_is_reported_on_stderr_with_exit_code_2(relance, ledger):
    result = relance("case", "NOPE-42")

    assert result.exit_code == 2
    assert "NOPE-42" in result.stderr and result.stdout == ""
    assert relance("case", "9999").exit_code == 2


def test_report_ages_open_amounts_per_currency_and_computes_dso(relance, ledger):
    report = _json(relance("report", "--json", "--at", TODAY))

    eur, gbp = report["currencies"]
    # F-003 and F-011 not due; F-002's remainder 24 days late; the credit note ages by its own due date;
    # F-001 is 104 days late; the written-off 40.00 of the closed case is no longer a receivable.
    assert eur["aging"] == {"not_due": "150.00", "1-30": "234.56", "31-60": "-100.00", "61-90": "0.00",
                            "90+": "1000.00"}
    assert eur["receivables"] == "1284.56"
    assert eur["sales"] == "850.00"  # issued after 2025-12-15: F-002, AV-001, F-003, F-010, F-011
    assert eur["dso"] == "136.0"  # 1284.56 / 850.00 × 90
    assert (gbp["currency"], gbp["aging"]["31-60"], gbp["receivables"], gbp["dso"]) == (
        "GBP", "2000.00", "2000.00", "90.0")
    assert report["dso_period_days"] == 90 and report["today"] == TODAY


def test_report_gives_cases_and_balances_by_state(relance, ledger):
    states = {s["state"]: s for s in _json(relance("report", "--json", "--at", TODAY))["states"]}

    assert states == {
        "active": {"state": "active", "cases": 2, "balances": {"EUR": "1284.56"}},
        "notice_pending": {"state": "notice_pending", "cases": 1, "balances": {"GBP": "2000.00"}},
        "closed": {"state": "closed", "cases": 1, "balances": {"EUR": "40.00"}},
    }


def test_report_table_shows_buckets_dso_and_states(relance, ledger):
    result = relance("report", "--at", TODAY)

    assert result.exit_code == 0
    eur = next(l for l in result.stdout.splitlines() if l.strip().startswith("EUR"))
    for text in (f"150,00{NBSP}€", f"234,56{NBSP}€", f"-100,00{NBSP}€", f"1{NNBSP}000,00{NBSP}€",
                 f"1{NNBSP}284,56{NBSP}€", "136,0"):
        assert text in eur
    assert "notice_pending" in result.stdout and ">90 d" in result.stdout


def test_a_case_invoiced_in_two_currencies_has_one_line_per_currency_never_a_sum(relance, engine):
    with transaction(engine) as s:
        case = _open_case(s, Debtor(ref="MIX", name="Mixed", created_at=at("2026-01-05")), at("2026-01-05"))
        s.add_all([_invoice(case, "E-1", "2026-01-01", "2026-02-01", "100.00"),
                   _invoice(case, "G-1", "2026-01-01", "2026-03-01", "70.00", currency="GBP")])

    rows = _json(relance("cases", "--json", "--at", TODAY))
    detail = _json(relance("case", "MIX", "--json", "--at", TODAY))

    assert [(r["id"], r["currency"], r["balance"], r["days_overdue"]) for r in rows] == [
        (case.id, "EUR", "100.00", 42), (case.id, "GBP", "70.00", 14)]
    assert detail["balances"] == {"EUR": "100.00", "GBP": "70.00"}


def test_terminal_escapes_in_a_debtor_name_are_shown_not_obeyed(relance, engine):
    with transaction(engine) as s:
        _open_case(s, Debtor(ref="EVIL", name="Evil\x1b[2J Corp\x9b", created_at=at("2026-01-05")), at("2026-01-05"))

    table = relance("cases").stdout
    raw = relance("cases", "--json").stdout

    assert "\x1b" not in table and "\x9b" not in table and "Evil\\x1b[2J Corp\\x9b" in table
    assert "\x1b" not in raw and "\x9b" not in raw
    assert json.loads(raw)[0]["debtor_name"] == "Evil\x1b[2J Corp\x9b"


def test_views_of_an_empty_database_are_empty_not_errors(relance, engine):
    assert _json(relance("cases", "--json")) == []
    assert _json(relance("report", "--json", "--at", TODAY))["currencies"] == []
    assert relance("cases").exit_code == 0


@pytest.fixture
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement != "BEGIN":  # SQLite's explicit transaction start (storage.engine) is no question
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    yield seen
    event.remove(engine, "before_cursor_execute", count)


def test_views_ask_the_database_a_fixed_number_of_questions_however_many_cases(engine, statements):
    start = at("2026-01-05")
    with transaction(engine) as s:
        for n in range(40):
            case = _open_case(s, Debtor(ref=f"D{n}", name=f"Debtor {n}", created_at=start), start)
            s.add(_invoice(case, f"X-{n}", "2026-01-01", "2026-02-01", "10.00"))
    today = date(2026, 3, 15)
    with Session(engine) as session:
        statements.clear()
        assert len(queries.case_summaries(session, today=today)) == 40
        assert len(statements) == 1
        statements.clear()
        queries.report(session, today=today)
        assert len(statements) == 4


@pytest.mark.parametrize(("days", "expected"), [
    (0, Bucket.NOT_DUE), (1, Bucket.DAYS_1_30), (30, Bucket.DAYS_1_30), (31, Bucket.DAYS_31_60),
    (60, Bucket.DAYS_31_60), (61, Bucket.DAYS_61_90), (90, Bucket.DAYS_61_90), (91, Bucket.OVER_90),
])
def test_an_amount_falls_in_the_bucket_of_its_days_overdue(days, expected):
    assert bucket(days) is expected


def test_days_overdue_are_zero_until_the_day_after_the_due_date():
    due = date(2026, 3, 15)
    assert [days_overdue(due, due + timedelta(days=d)) for d in (-5, 0, 1)] == [0, 0, 1]


def test_dso_is_undefined_without_sales():
    assert dso(Decimal("100.00"), Decimal("0.00"), 90) is None
    assert dso(Decimal("100.00"), Decimal("300.00"), 90) == Decimal("30.0")
