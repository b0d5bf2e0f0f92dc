"""The tables keep the design's rules: exact money, aware UTC datetimes, an append-only timeline."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import DatabaseError, IntegrityError, StatementError
from sqlmodel import Session, SQLModel, select

from dialogs.parties import DebtorKind, Language
from dialogs.states import CaseState, TransitionError
from storage.case_changes import record
from storage.engine import make_engine
from storage.migrate import current_revision, head_revision, upgrade
from storage.models import (
    Case, Channel, Debtor, Direction, Dispute, Event, ImapCursor, Installment, Invoice, Message,
    MessageStatus, Payment, PaymentPlan, Promise,
)

NOW = datetime(2026, 11, 23, 10, 30, tzinfo=UTC)
PARIS_WINTER = timezone(timedelta(hours=1))


def test_migrating_an_empty_database_creates_exactly_the_tables_the_models_describe(database_url):
    engine = make_engine(database_url)
    assert current_revision(engine) is None

    upgrade(engine)

    assert current_revision(engine) == head_revision()
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), SQLModel.metadata)
    assert diff == []
    upgrade(engine)  # a second start is a no-op
    assert current_revision(engine) == head_revision()


def test_a_row_an_earlier_version_left_delivered_reads_as_finalizing_once_upgraded(database_url):
    engine = make_engine(database_url)
    upgrade(engine, "0005")
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO message (direction, channel, purpose, status, attempts, created_at) "
                                "VALUES ('out', 'email', 'courtesy', 'delivered', 0, '2026-11-23 10:30:00')"))

    upgrade(engine)

    with engine.connect() as connection:
        assert connection.execute(text("SELECT status FROM message")).scalar_one() == "finalizing"


def test_sqlite_runs_in_wal_mode_with_foreign_keys_enforced(engine):
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    with pytest.raises(IntegrityError), Session(engine) as session:
        session.add(Invoice(number="X", debtor_id=999, due_date=date(2026, 1, 1), amount=Decimal(1),
                            created_at=NOW, updated_at=NOW))
        session.commit()


def _store(engine, *rows):
    with Session(engine, expire_on_commit=False) as session:
        for row in rows:
            session.add(row)
            session.flush()
        session.commit()


def _fresh(engine, model, id_):
    with Session(engine) as session:
        return session.get(model, id_)


def test_every_model_round_trips_with_exact_money_and_aware_utc_datetimes(engine):
    debtor = Debtor(ref="C1", name="Café <Été>", email="a@b.fr", kind=DebtorKind.CONSUMER, language=Language.EN,
                    telegram_chat_id=-1001234567890, created_at=NOW)
    _store(engine, debtor)
    case = Case(debtor_id=debtor.id, opened_at=NOW, updated_at=NOW,
                next_action_at=datetime(2026, 12, 1, 9, 0, tzinfo=PARIS_WINTER))
    _store(engine, case)
    invoice = Invoice(number="F1", debtor_id=debtor.id, case_id=case.id, issue_date=date(2026, 10, 1),
                      due_date=date(2026, 10, 31), amount=Decimal("1234.56"), paid=Decimal("0.10"),
                      created_at=NOW, updated_at=NOW)
    _store(engine, invoice)
    message = Message(case_id=case.id, direction=Direction.OUT, channel=Channel.EMAIL, purpose="reminder_1",
                      idempotency_key="1:reminder_1:email", status=MessageStatus.QUEUED, raw=b"\x00\xff",
                      created_at=NOW)
    plan = PaymentPlan(case_id=case.id, total=Decimal("300.00"), created_at=NOW)
    _store(engine, message, plan)
    others = [
        Payment(invoice_id=invoice.id, paid_on=date(2026, 11, 2), amount=Decimal("0.10"), import_key="k",
                source="test", recorded_at=NOW),
        Promise(case_id=case.id, promised_on=date(2026, 12, 15), amount=Decimal("99.99"), message_id=message.id,
                made_at=NOW),
        Installment(plan_id=plan.id, seq=1, due_on=date(2026, 12, 1), amount=Decimal("100.00")),
        Dispute(case_id=case.id, invoice_id=invoice.id, reason="jamais livré", opened_at=NOW),
        ImapCursor(mailbox="bot@example.test/INBOX", uidvalidity=2**40, last_uid=17, updated_at=NOW),
    ]
    _store(engine, *others)

    loaded_case = _fresh(engine, Case, case.id)
    assert loaded_case.next_action_at == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    assert loaded_case.next_action_at.tzinfo is not None and loaded_case.state is CaseState.ACTIVE
    loaded_invoice = _fresh(engine, Invoice, invoice.id)
    assert (loaded_invoice.amount, loaded_invoice.paid, loaded_invoice.balance) == (
        Decimal("1234.56"), Decimal("0.10"), Decimal("1234.46"))
    loaded_debtor = _fresh(engine, Debtor, debtor.id)
    assert (loaded_debtor.name, loaded_debtor.kind, loaded_debtor.language, loaded_debtor.telegram_chat_id) == (
        "Café <Été>", DebtorKind.CONSUMER, Language.EN, -1001234567890)
    assert _fresh(engine, Message, message.id).raw == b"\x00\xff"
    for row in others:
        assert _fresh(engine, type(row), row.id).model_dump() == row.model_dump()


def test_money_is_stored_as_integer_cents(engine):
    debtor = Debtor(ref="C1", name="A", created_at=NOW)
    _store(engine, debtor)
    _store(engine, Invoice(number="F1", debtor_id=debtor.id, due_date=date(2026, 1, 1), amount=Decimal("0.30"),
                           created_at=NOW, updated_at=NOW))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT amount FROM invoice")).scalar() == 30


def test_fractions_of_a_cent_and_naive_datetimes_are_refused(engine):
    debtor = Debtor(ref="C1", name="A", created_at=NOW)
    _store(engine, debtor)
    with pytest.raises(StatementError, match="more than two decimals"):
        _store(engine, Invoice(number="F1", debtor_id=debtor.id, due_date=date(2026, 1, 1), amount=Decimal("0.001"),
                               created_at=NOW, updated_at=NOW))
    with pytest.raises(StatementError, match="naive datetime"):
        _store(engine, Debtor(ref="C2", name="B", created_at=datetime(2026, 1, 1)))


def test_a_transition_is_checked_and_appends_its_event_in_the_same_transaction(engine):
    debtor = Debtor(ref="C1", name="A", created_at=NOW)
    _store(engine, debtor)
    with Session(engine, expire_on_commit=False) as session:
        case = Case(debtor_id=debtor.id, opened_at=NOW, updated_at=NOW)
        record(session, case, "promise_to_pay", now=NOW, actor="debtor", to_state=CaseState.PROMISED,
               data={"promised_on": date(2026, 12, 15), "amount": Decimal("120.50")})
        session.commit()
        [event] = session.exec(select(Event)).all()
    assert (event.from_state, event.to_state, event.actor) == (CaseState.ACTIVE, CaseState.PROMISED, "debtor")
    assert event.data == {"promised_on": "2026-12-15", "amount": "120.50"}
    assert _fresh(engine, Case, case.id).state is CaseState.PROMISED


def test_a_transition_the_lifecycle_forbids_changes_nothing(engine):
    debtor = Debtor(ref="C1", name="A", created_at=NOW)
    _store(engine, debtor)
    case = Case(debtor_id=debtor.id, state=CaseState.PAUSED, opened_at=NOW, updated_at=NOW)
    _store(engine, case)
    with Session(engine) as session:
        loaded = session.get(Case, case.id)
        with pytest.raises(TransitionError, match="from paused to notice_sent"):
            record(session, loaded, "notice_sent", now=NOW, actor="owner", to_state=CaseState.NOTICE_SENT)
        session.rollback()
    assert _fresh(engine, Case, case.id).state is CaseState.PAUSED
    with Session(engine) as session:
        assert session.exec(select(Event)).all() == []


def test_the_database_refuses_to_change_or_delete_an_event(engine):
    debtor = Debtor(ref="C1", name="A", created_at=NOW)
    _store(engine, debtor)
    with Session(engine) as session:
        case = Case(debtor_id=debtor.id, opened_at=NOW, updated_at=NOW)
        record(session, case, "opened", now=NOW, actor="import")
        session.commit()
    for statement in ("UPDATE event SET kind = 'forged'", "DELETE FROM event"):
        with pytest.raises(DatabaseError, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))
    with Session(engine) as session:
        assert [e.kind for e in session.exec(select(Event))] == ["opened"]


def test_a_debtor_has_at_most_one_open_case(engine):
    debtor = Debtor(ref="C1", name="A", created_at=NOW)
    _store(engine, debtor)
    _store(engine, Case(debtor_id=debtor.id, state=CaseState.CLOSED, opened_at=NOW, updated_at=NOW),
           Case(debtor_id=debtor.id, opened_at=NOW, updated_at=NOW))
    with pytest.raises(IntegrityError):
        _store(engine, Case(debtor_id=debtor.id, state=CaseState.PAUSED, opened_at=NOW, updated_at=NOW))


def test_the_sweep_index_exists(engine):
    indexes = {ix["name"] for ix in inspect(engine).get_indexes("debt_case")}
    assert "ix_debt_case_next_action_at" in indexes
