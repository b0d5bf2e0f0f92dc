"""`relance check-config` and config loading: every problem named by its key, secrets never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load
from tests.conftest import Relance

ROOT = Path(__file__).resolve().parents[1]


def test_the_shipped_example_config_passes(tmp_path):
    result = Relance(ROOT / "config.example.toml")("check-config")

    assert result.exit_code == 0, result.stderr
    assert "OK" in result.stdout


def test_a_file_with_only_a_company_name_and_a_database_serves_import_and_views(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[company]\nname = "A"\n[database]\nurl = "sqlite:///a.db"\n')

    result = Relance(path)("check-config")

    assert result.exit_code == 0
    assert "not configured (needed by `relance run`): smtp, imap, telegram" in result.stdout


def test_every_problem_is_listed_with_its_key_path_and_the_exit_code_is_2(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(
        '[company]\ntimezone = "Europe/Pariss"\n'
        '[smtp]\nhots = "smtp.example.org"\nport = "x"\n'
        '[sending]\nwindow_start = "19:00"\ndays = ["mon", "fun"]\n'
        '[[policy.steps]]\nname = "a"\noffset_days = 5\n[[policy.steps]]\nname = "b"\noffset_days = 1\n'
        '[import.columns]\n"Ref" = "numero"\n'
        '[unknown]\nx = 1\n'
    )

    result = Relance(path)("check-config")

    assert result.exit_code == 2
    problems = [line.removeprefix(f"{path}: ") for line in result.stderr.splitlines()]
    for expected in (
        "company.timezone: unknown time zone 'Europe/Pariss' (use an IANA name such as Europe/Paris)",
        "smtp.host: required in this section",
        "smtp.port: Input should be a valid integer, unable to parse string as an integer",
        "smtp.hots: unknown key (a typo?)",
        "sending.days[1]: Input should be 'mon', 'tue', 'wed', 'thu', 'fri', 'sat' or 'sun'",
        "policy.steps: steps must have strictly increasing offset_days",
        "import.columns: unknown column name(s) numero; use one of amount, amount_paid, balance, currency, "
        "debtor_email, debtor_kind, debtor_name, debtor_ref, due_date, invoice_number, issue_date, language, "
        "payment_date, reference",
        "unknown: unknown key (a typo?)",
    ):
        assert expected in problems


def test_a_toml_syntax_error_and_a_missing_file_are_reported_not_raised(tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text("[company\nname = 1\n")

    syntax, missing = Relance(broken)("check-config"), Relance(tmp_path / "nope.toml")("check-config")

    assert syntax.exit_code == 2 and f"{broken}: (syntax):" in syntax.stderr
    assert missing.exit_code == 2 and "not found; pass --config PATH or set RELANCE_CONFIG" in missing.stderr


def test_relance_config_in_the_environment_selects_the_file(tmp_path, monkeypatch):
    path = tmp_path / "elsewhere.toml"
    path.write_text('[company]\nname = "A"\n')
    monkeypatch.setenv("RELANCE_CONFIG", str(path))
    from typer.testing import CliRunner

    from bot.cli import app

    result = CliRunner().invoke(app, ["check-config"])

    assert result.exit_code == 0 and str(path) in result.stdout


def test_secrets_come_from_the_environment_and_never_show_in_a_repr(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[smtp]\nhost = "h"\nfrom = "a@b.fr"\n[telegram]\nowner_chat_ids = [1]\n')

    loaded = load(path, {"RELANCE_SMTP_PASSWORD": "hunter2", "RELANCE_TELEGRAM_TOKEN": "123:ABC"})

    assert loaded.config.smtp.password.get_secret_value() == "hunter2"
    assert loaded.config.telegram.token.get_secret_value() == "123:ABC"
    assert "hunter2" not in repr(loaded.config) and "123:ABC" not in repr(loaded.config)
    assert "hunter2" not in str(loaded.config)


def test_a_secret_in_a_bad_config_is_not_echoed_in_the_error(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[smtp]\nhost = "h"\nfrom = "a@b.fr"\npassword = ["hunter2"]\n')

    with pytest.raises(ConfigError) as error:
        load(path, {})

    assert "smtp.password" in str(error.value) and "hunter2" not in str(error.value)


def test_a_step_whose_template_exists_in_no_language_is_a_config_problem(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[[policy.steps]]\nname = "r1"\noffset_days = 1\ntemplate = "nowhere"\n')

    result = Relance(path)("check-config")

    assert result.exit_code == 2
    assert f"{path}: policy.steps[0].template: no template fr/nowhere.subject.j2" in result.stderr
    assert f"{path}: policy.steps[0].template: no template en/nowhere.html.j2" in result.stderr


def test_an_override_folder_replaces_one_template_and_must_exist(tmp_path):
    (tmp_path / "mine" / "fr").mkdir(parents=True)
    (tmp_path / "mine" / "fr" / "reminder_1.subject.j2").write_text("{{ creditor.name }} : petit rappel\n")
    good, bad = tmp_path / "good.toml", tmp_path / "bad.toml"
    good.write_text('[policy]\ntemplates_dir = "mine"\n')
    bad.write_text('[policy]\ntemplates_dir = "absent"\n')

    assert Relance(good)("check-config").exit_code == 0
    result = Relance(bad)("check-config")
    assert result.exit_code == 2 and "policy.templates_dir: template folder" in result.stderr
