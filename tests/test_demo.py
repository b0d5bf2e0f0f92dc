"""`relance demo` (what `make demo` runs): the sample data through the real import and views."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from bot.cli import app


def invoke(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def test_the_demo_imports_the_samples_and_reports_as_of_its_simulated_day():
    result = invoke("demo", "--json")

    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["as_of"] == "2026-11-02"
    assert summary["invoices_imported"] == 61 and summary["open_cases"] == 18
    assert {c["debtor_ref"] for c in summary["cases"]} >= {"C001", "C014", "C017"}
    assert all(c["currency"] == "EUR" and c["state"] == "active" for c in summary["cases"])
    [eur] = summary["report"]["currencies"]
    assert (eur["currency"], eur["receivables"], eur["dso"]) == ("EUR", "88178.17", "94.3")


def test_a_kept_demo_folder_serves_the_normal_commands_afterwards(tmp_path):
    folder = tmp_path / "demo"
    assert invoke("demo", "--keep", str(folder)).exit_code == 0

    result = invoke("--config", str(folder / "config.toml"), "case", "C010", "--json")

    assert result.exit_code == 0, result.stderr
    case = json.loads(result.stdout)
    assert (case["debtor_ref"], case["balances"]) == ("C010", {"EUR": "843.80"})


def test_the_demo_refuses_to_overwrite_a_kept_database(tmp_path):
    folder = tmp_path / "demo"
    invoke("demo", "--keep", str(folder))

    again = invoke("demo", "--keep", str(folder))

    assert again.exit_code == 2 and "already holds a demo database" in again.stderr
