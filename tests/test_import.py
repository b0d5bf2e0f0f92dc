"""`relance import invoices|payments`: what the database holds after real files, good and bad."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from dialogs.parties import DebtorKind, Language
from dialogs.states import CaseState
from storage.models import Case, Debtor, Event, Invoice, Payment

FRENCH_HEADER = "N° facture;Code client;Client;Email;Date facture;Date d'échéance;Montant TTC;Reste dû"


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def french_export(tmp_path: Path, *rows: str, name: str = "factures.csv") -> Path:
    return write(tmp_path, name, "\ufeff" + "\n".join([FRENCH_HEADER, *rows]) + "\n")


def rows_of(engine: Engine, model: type) -> list:
    with Session(engine) as session:
        return list(session.exec(select(model).order_by(model.id)))


def invoice(engine: Engine, number: str) -> Invoice:
    with Session(engine) as session:
        return session.exec(select(Invoice).where(Invoice.number == number)).one()


def events(engine: Engine, kind: str | None = None) -> list[Event]:
    return [e for e in rows_of(engine, Event) if kind is None or e.kind == kind]


def test_a_french_accounting_export_is_imported_with_its_amounts_dates_and_debtors(tmp_path, relance, engine):
    path = french_export(
        tmp_path,
        "F-2026-001;C001;Boulangerie Martin;compta@martin.fr;01/10/2026;31/10/2026;1 234,56;1 234,56",
        "F-2026-002;C001;Boulangerie Martin;compta@martin.fr;05/10/2026;04/11/2026;500,00;200,00",
        "F-2026-003;C002;Garage Petit;garage@petit.fr;02/10/2026;01/11/2026;\u202f2\u202f000,00;2\u202f000,00",
    )

    result = relance("import", "invoices", path)

    assert result.exit_code == 0, result.stderr
    assert "3 invoices added" in result.stdout
    first = invoice(engine, "F-2026-001")
    assert (first.amount, first.paid, str(first.issue_date), str(first.due_date)) == (
        Decimal("1234.56"), Decimal("0.00"), "2026-10-01", "2026-10-31")
    assert invoice(engine, "F-2026-002").paid == Decimal("300.00")
    assert invoice(engine, "F-2026-003").amount == Decimal("2000.00")
    debtors = {d.ref: d for d in rows_of(engine, Debtor)}
    assert debtors["C001"].name == "Boulangerie Martin" and debtors["C001"].email == "compta@martin.fr"
    assert debtors["C001"].kind is DebtorKind.BUSINESS and debtors["C001"].language is Language.FR
    cases = rows_of(engine, Case)
    assert len(cases) == 2 and {c.state for c in cases} == {CaseState.ACTIVE}


def test_canonical_headers_with_commas_and_english_numbers_are_imported(tmp_path, relance, engine):
    path = write(tmp_path, "invoices.csv", (
        "invoice_number,debtor_ref,debtor_name,debtor_email,debtor_kind,language,issue_date,due_date,amount,currency,amount_paid\n"
        'INV-1,ACME,Acme Ltd,ap@acme.example,business,en,2026-10-01,2026-10-31,"1,234.56",GBP,234.56\n'
        "INV-2,JD,Jane Doe,jane@example.org,consumer,en,2026-10-02,2026-11-01,99.90,EUR,0\n"
    ))

    result = relance("import", "invoices", path)

    assert result.exit_code == 0, result.stderr
    acme = invoice(engine, "INV-1")
    assert (acme.amount, acme.paid, acme.currency) == (Decimal("1234.56"), Decimal("234.56"), "GBP")
    debtors = {d.ref: d for d in rows_of(engine, Debtor)}
    assert debtors["JD"].kind is DebtorKind.CONSUMER and debtors["JD"].language is Language.EN
    settlement = rows_of(engine, Payment)
    assert [(p.amount, p.source) for p in settlement] == [(Decimal("234.56"), "invoice_import")]


def test_the_config_maps_a_firms_own_header_names(tmp_path, relance, engine, config_path):
    config_path.write_text(config_path.read_text() + '\n[import.columns]\n"Réf. pièce" = "invoice_number"\n'
                           '"Tiers" = "debtor_ref"\n"Échéance au" = "due_date"\n"TTC" = "amount"\n')
    path = write(tmp_path, "export.csv", "Réf. pièce;Tiers;Échéance au;TTC\nX-9;T42;15/12/2026;80,00\n")

    result = relance("import", "invoices", path)

    assert result.exit_code == 0, result.stderr
    assert invoice(engine, "X-9").due_date.isoformat() == "2026-12-15"
    assert rows_of(engine, Debtor)[0].name == "T42"


BAD_ROWS = [
    pytest.param(";C1;A;a@a.fr;01/10/2026;31/10/2026;10,00;10,00", "N° facture: missing", id="no-number"),
    pytest.param("F1;;;a@a.fr;01/10/2026;31/10/2026;10,00;10,00", "Code client: missing", id="no-debtor"),
    pytest.param("F1;C1;A;a@a.fr;01/10/2026;31/13/2026;10,00;10,00", "Date d'échéance: not a date: '31/13/2026'",
                 id="bad-date"),
    pytest.param("F1;C1;A;a@a.fr;01/10/2026;;10,00;10,00", "Date d'échéance: missing", id="no-due-date"),
    pytest.param("F1;C1;A;a@a.fr;01/10/2026;31/10/2026;dix euros;10,00", "Montant TTC: not an amount: 'dix euros'",
                 id="bad-amount"),
    pytest.param("F1;C1;A;a@a.fr;01/10/2026;31/10/2026;10,0051;10,00", "Montant TTC: 10.0051 has more than two decimals",
                 id="fractions-of-cent"),
    pytest.param("F1;C1;A;a@a.fr;01/10/2026;31/10/2026;1,250;10,00", "Montant TTC: ambiguous amount '1,250'",
                 id="ambiguous-thousands"),
    pytest.param("F1;C1;A;a@a.fr;01/10/2026;31/10/2026;0,00;0,00", "Montant TTC: zero", id="zero"),
    pytest.param("F1;C1;A;pas-un-email;01/10/2026;31/10/2026;10,00;10,00",
                 "Email: not one email address: 'pas-un-email'", id="bad-email"),
    pytest.param("F1;C1;A;a@a.fr;01/11/2026;31/10/2026;10,00;10,00",
                 "Date d'échéance: 31/10/2026 is before the invoice date 01/11/2026", id="due-before-issue"),
    pytest.param("F1;C1;A;a@a.fr;01/10/2026;31/10/2026;10,00;12,00", "Reste dû: settled amount -2.00 is outside 0..10.00",
                 id="balance-above-amount"),
]


@pytest.mark.parametrize(("row", "message"), BAD_ROWS)
def test_a_bad_row_is_reported_with_file_line_and_column_and_nothing_is_written(tmp_path, relance, engine, row, message):
    good = "F0;C0;Bon Client;b@b.fr;01/10/2026;31/10/2026;50,00;50,00"
    path = french_export(tmp_path, good, row)

    result = relance("import", "invoices", path)

    assert result.exit_code == 1
    assert f"{path}:3: {message}" in result.stderr
    assert "nothing was imported" in result.stderr
    assert rows_of(engine, Invoice) == [] and rows_of(engine, Debtor) == [] and rows_of(engine, Event) == []


def test_every_bad_row_of_a_file_is_listed_not_only_the_first(tmp_path, relance, engine):
    path = french_export(
        tmp_path,
        "F1;C1;A;a@a.fr;01/10/2026;31/10/2026;abc;10,00",
        "F2;C1;A;a@a.fr;xx;31/10/2026;10,00;10,00",
        "F1;C1;A;a@a.fr;01/10/2026;31/10/2026;10,00;10,00",
    )

    result = relance("import", "invoices", path)

    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.startswith(str(path))]
    assert lines == [
        f"{path}:2: Montant TTC: not an amount: 'abc'",
        f"{path}:3: Date facture: not a date: 'xx' (write 15/12/2026 or 2026-12-15; dates are read day first)",
        f"{path}:4: N° facture: invoice F1 already appears on line 2",
    ]


def test_line_numbers_count_the_lines_of_a_quoted_cell_spanning_several(tmp_path, relance, engine):
    path = write(tmp_path, "multi.csv", (
        "invoice_number,debtor_name,due_date,amount\n"
        'A1,"Société\nsur deux lignes",2026-10-31,10\n'
        "A2,Client,2026-10-31,oops\n"
    ))

    result = relance("import", "invoices", path)

    assert f"{path}:4: amount: not an amount: 'oops'" in result.stderr


def test_a_file_without_a_required_column_names_it_and_the_usual_headers(tmp_path, relance, engine):
    path = write(tmp_path, "nodue.csv", "N° facture;Client;Montant TTC\nF1;A;10,00\n")

    result = relance("import", "invoices", path)

    assert result.exit_code == 1
    assert f"{path}:1: missing column due_date (a header such as \"date d echeance\"" in result.stderr


def test_a_debtor_cannot_be_a_business_on_one_line_and_a_consumer_on_another(tmp_path, relance, engine):
    path = write(tmp_path, "kinds.csv", (
        "invoice_number,debtor_ref,debtor_kind,due_date,amount\n"
        "K1,D1,business,2026-10-31,10\nK2,D1,particulier,2026-10-31,10\n"
    ))

    result = relance("import", "invoices", path)

    assert result.exit_code == 1
    assert f"{path}:3: debtor_kind: debtor D1 is business on line 2: a debtor has one kind" in result.stderr


def test_reimporting_the_same_file_changes_nothing(tmp_path, relance, engine):
    path = french_export(
        tmp_path,
        "F1;C1;A;a@a.fr;01/10/2026;31/10/2026;100,00;60,00",
        "F2;C2;B;b@b.fr;01/10/2026;31/10/2026;50,00;50,00",
    )
    assert relance("import", "invoices", path).exit_code == 0
    before = [(type(r).__name__, r.model_dump()) for m in (Debtor, Invoice, Payment, Case, Event) for r in rows_of(engine, m)]

    again = relance("import", "invoices", path)

    assert again.exit_code == 0
    assert "0 invoices added, 0 updated, 2 unchanged" in again.stdout
    after = [(type(r).__name__, r.model_dump()) for m in (Debtor, Invoice, Payment, Case, Event) for r in rows_of(engine, m)]
    assert after == before


def test_an_updated_file_updates_the_amount_and_records_old_and_new_in_the_timeline(tmp_path, relance, engine):
    relance("import", "invoices", french_export(tmp_path, "F1;C1;A;a@a.fr;01/10/2026;31/10/2026;100,00;100,00"))

    result = relance("import", "invoices", french_export(
        tmp_path, "F1;C1;A;a@a.fr;01/10/2026;15/11/2026;120,00;120,00", name="v2.csv"))

    assert result.exit_code == 0
    assert "1 updated" in result.stdout
    updated = invoice(engine, "F1")
    assert (updated.amount, str(updated.due_date)) == (Decimal("120.00"), "2026-11-15")
    [event] = events(engine, "invoices_imported")[1:]
    assert event.data["updated"] == {"F1": {"due_date": ["2026-10-31", "2026-11-15"], "amount": ["100.00", "120.00"]}}


def test_a_credit_note_reduces_the_case_balance(tmp_path, relance, engine):
    relance("import", "invoices", french_export(
        tmp_path,
        "F1;C1;A;a@a.fr;01/10/2026;31/10/2026;300,00;300,00",
        "AV1;C1;A;a@a.fr;05/10/2026;05/10/2026;-120,00;-120,00",
    ))

    [case] = rows_of(engine, Case)
    balances = [i.balance for i in rows_of(engine, Invoice) if i.case_id == case.id]
    assert sum(balances) == Decimal("180.00")
    assert case.state is CaseState.ACTIVE


def test_a_lone_credit_note_opens_no_case_but_nets_against_the_next_invoice(tmp_path, relance, engine):
    relance("import", "invoices", french_export(tmp_path, "AV1;C1;A;a@a.fr;05/10/2026;05/10/2026;-40,00;-40,00"))
    assert rows_of(engine, Case) == []

    relance("import", "invoices", french_export(
        tmp_path, "F2;C1;A;a@a.fr;06/10/2026;05/11/2026;100,00;100,00", name="next.csv"))

    [case] = rows_of(engine, Case)
    assert {i.number: i.case_id for i in rows_of(engine, Invoice)} == {"AV1": case.id, "F2": case.id}


def test_a_partial_payment_leaves_the_rest_due_and_the_case_open(tmp_path, relance, engine):
    relance("import", "invoices", french_export(tmp_path, "F1;C1;A;a@a.fr;01/10/2026;31/10/2026;100,00;100,00"))
    payments = write(tmp_path, "reglements.csv", "N° facture;Date de règlement;Montant;Référence\nF1;10/11/2026;40,00;VIR 1\n")

    result = relance("import", "payments", payments)

    assert result.exit_code == 0, result.stderr
    assert invoice(engine, "F1").balance == Decimal("60.00")
    [case] = rows_of(engine, Case)
    assert case.state is CaseState.ACTIVE
    [event] = events(engine, "payments_recorded")
    assert event.data["payments"] == [{"invoice": "F1", "date": "2026-11-10", "amount": "40.00", "reference": "VIR 1"}]


def test_payments_settling_every_invoice_close_the_case_with_an_event(tmp_path, relance, engine):
    relance("import", "invoices", french_export(
        tmp_path, "F1;C1;A;a@a.fr;01/10/2026;31/10/2026;100,00;100,00", "F2;C1;A;a@a.fr;01/10/2026;31/10/2026;50,00;50,00"))
    payments = write(tmp_path, "p.csv", "invoice_number,payment_date,amount,reference\nF1,2026-11-10,100,a\nF2,2026-11-11,50,b\n")

    result = relance("import", "payments", payments)

    assert "1 cases closed" in result.stdout
    [case] = rows_of(engine, Case)
    assert case.state is CaseState.CLOSED and case.closed_at is not None
    [settled] = events(engine, "settled")
    assert (settled.from_state, settled.to_state, settled.data["balance"]) == (CaseState.ACTIVE, CaseState.CLOSED, "0.00")


def test_an_overpayment_is_reported_and_recorded(tmp_path, relance, engine):
    relance("import", "invoices", french_export(tmp_path, "F1;C1;A;a@a.fr;01/10/2026;31/10/2026;100,00;100,00"))
    payments = write(tmp_path, "p.csv", "invoice_number,payment_date,amount,reference\nF1,2026-11-10,130,x\n")

    result = relance("import", "payments", payments)

    assert result.exit_code == 0
    assert f"warning: {payments}:2: amount: overpayment: 130.00 paid on invoice F1 whose remaining was 100.00; " \
           "30.00 is now owed to the debtor" in result.stderr
    assert invoice(engine, "F1").balance == Decimal("-30.00")
    assert rows_of(engine, Case)[0].state is CaseState.CLOSED


def test_reimporting_payments_records_nothing_twice_but_repeated_rows_count(tmp_path, relance, engine):
    relance("import", "invoices", french_export(tmp_path, "F1;C1;A;a@a.fr;01/10/2026;31/10/2026;100,00;100,00"))
    payments = write(tmp_path, "p.csv", "invoice_number,payment_date,amount,reference\n"
                                        "F1,2026-11-10,10,cash\nF1,2026-11-10,10,cash\n")

    first, second = relance("import", "payments", payments), relance("import", "payments", payments)

    assert "2 payments recorded" in first.stdout
    assert "0 payments recorded (0.00), 2 already recorded" in second.stdout
    assert invoice(engine, "F1").paid == Decimal("20.00")


def test_a_payment_for_an_unknown_invoice_is_refused_with_its_line(tmp_path, relance, engine):
    relance("import", "invoices", french_export(tmp_path, "F1;C1;A;a@a.fr;01/10/2026;31/10/2026;100,00;100,00"))
    payments = write(tmp_path, "p.csv", "invoice_number,payment_date,amount,reference\nF1,2026-11-10,10,a\nF9,2026-11-10,10,b\n")

    result = relance("import", "payments", payments)

    assert result.exit_code == 1
    assert f"{payments}:3: invoice_number: unknown invoice F9 (import the invoices first)" in result.stderr
    assert rows_of(engine, Payment) == [] and invoice(engine, "F1").paid == Decimal("0.00")


def test_an_invoice_is_never_moved_to_another_debtor(tmp_path, relance, engine):
    relance("import", "invoices", french_export(tmp_path, "F1;C1;A;a@a.fr;01/10/2026;31/10/2026;100,00;100,00"))

    result = relance("import", "invoices", french_export(
        tmp_path, "F1;C2;B;b@b.fr;01/10/2026;31/10/2026;100,00;100,00", name="moved.csv"))

    assert result.exit_code == 1
    assert "Code client: invoice F1 belongs to debtor C1" in result.stderr


def test_a_windows_1252_export_is_read_and_said_so(tmp_path, relance, engine):
    path = write(tmp_path, "ansi.csv", FRENCH_HEADER + "\nF1;C1;Société Générale;a@a.fr;01/10/2026;31/10/2026;100,00;100,00\n",
                 encoding="cp1252")

    result = relance("import", "invoices", path)

    assert result.exit_code == 0
    assert "not UTF-8; read as Windows-1252" in result.stderr
    assert rows_of(engine, Debtor)[0].name == "Société Générale"
