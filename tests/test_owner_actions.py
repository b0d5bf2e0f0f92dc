"""The owner's hand on the controls: per-debtor settings, pause and resume, and the service's lifecycle."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlmodel import Session, select

from dialogs.parties import Language
from dialogs.states import CaseState
from storage.models import Case, Debtor, Event

RELANCE = str(Path(sys.executable).with_name("relance"))


def import_one(tmp_path: Path, relance) -> None:
    csv = tmp_path / "f.csv"
    csv.write_text("invoice_number,debtor_ref,debtor_name,debtor_email,due_date,amount\n"
                   "F1,C1,Client Un,c1@example.org,2026-10-01,100\n", encoding="utf-8")
    assert relance("import", "invoices", csv).exit_code == 0


def debtor(engine) -> Debtor:
    with Session(engine) as session:
        return session.exec(select(Debtor)).one()


def timeline(engine) -> list[Event]:
    with Session(engine) as session:
        return list(session.exec(select(Event).order_by(Event.id)))


def test_a_debtors_settings_change_and_the_open_case_records_old_and_new(tmp_path, relance, engine, config_path):
    config_path.write_text(config_path.read_text() + '\n[[policy.ladders.gentle]]\nname = "r1"\noffset_days = 7\n')
    import_one(tmp_path, relance)

    result = relance("debtor", "C1", "--exclude", "--ladder", "gentle", "--channels", "telegram,email",
                     "--opt-out", "telegram", "--language", "en")

    assert result.exit_code == 0, result.stderr
    assert "excluded: false → true" in result.stdout
    saved = debtor(engine)
    assert (saved.excluded, saved.ladder, saved.channel_order, saved.opted_out, saved.language) == (
        True, "gentle", "telegram,email", "telegram", Language.EN)
    [event] = [e for e in timeline(engine) if e.kind == "debtor_settings_changed"]
    assert event.actor == "owner" and event.data["ladder"] == [None, "gentle"]


def test_unknown_ladders_channels_and_debtors_are_refused_with_exit_2(tmp_path, relance, engine):
    import_one(tmp_path, relance)

    for args, message in ((("C1", "--ladder", "nope"), "no ladder 'nope'"),
                          (("C1", "--channels", "fax"), "channels are a comma-separated list"),
                          (("C9", "--exclude"), "no debtor with reference 'C9'")):
        result = relance("debtor", *args)
        assert result.exit_code == 2 and message in result.stderr
    assert debtor(engine).excluded is False


def test_pausing_and_resuming_a_case_goes_through_the_lifecycle(tmp_path, relance, engine):
    import_one(tmp_path, relance)

    paused = relance("pause", "C1", "--reason", "client au téléphone")
    again = relance("pause", "C1")
    resumed = relance("resume", "C1")

    assert (paused.exit_code, again.exit_code, resumed.exit_code) == (0, 2, 0)
    assert "the case is already paused" in again.stderr
    with Session(engine) as session:
        case = session.exec(select(Case)).one()
    assert case.state is CaseState.ACTIVE and case.next_action_at is not None
    kinds = [(e.kind, e.to_state) for e in timeline(engine) if e.actor == "owner"]
    assert kinds == [("paused", CaseState.PAUSED), ("resumed", CaseState.ACTIVE)]


def test_the_service_stops_cleanly_on_sigterm_and_holds_the_dispatcher_lock(tmp_path, config_path):
    config_path.write_text(config_path.read_text() + '\n[smtp]\nhost = "127.0.0.1"\nport = 9\nsecurity = "none"\n'
                           'from = "A <a@example.org>"\n[sending]\nsweep_every_seconds = 5\n')
    env = {**os.environ, "RELANCE_CONFIG": str(config_path)}
    service = subprocess.Popen([RELANCE, "run"], env=env, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        lines = []
        while time.monotonic() < deadline:
            line = service.stderr.readline()
            lines.append(line)
            if "tick:" in line:
                break
        assert any("tick:" in line for line in lines), lines
        rival = subprocess.run([RELANCE, "sweep", "--json"], env=env, capture_output=True, text=True, timeout=30)
        assert rival.returncode == 1 and "another relance process is dispatching" in rival.stderr

        service.send_signal(signal.SIGTERM)
        rest = service.communicate(timeout=20)[1]
    finally:
        service.kill() if service.poll() is None else None
    assert service.returncode == 0
    assert "stopped" in rest
    after = subprocess.run([RELANCE, "sweep", "--json"], env=env, capture_output=True, text=True, timeout=30)
    assert after.returncode == 0 and json.loads(after.stdout)["dry_run"] is False
