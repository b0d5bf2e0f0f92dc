"""The limitation watchdog through the service's tick: 90 and 30 days before a claim is time-barred
(5 years B2B, 2 years consumer, from the due date), once per invoice and level."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.service import Service
from storage.models import Message
from tests.smtp_server import RecordingServer, smtp_server  # noqa: F401 (fixture)
from tests.test_escalation_smtp import import_at, invoice, loaded, paris, service  # noqa: F401 (fixtures)


def time_bar_alerts(engine: Engine) -> list[str]:
    with Session(engine) as session:
        rows = session.exec(select(Message).where(Message.purpose == "alert:time_bar").order_by(col(Message.id)))
        return [(m.body or "").splitlines()[-1] for m in rows]


async def test_the_owner_hears_90_then_30_days_before_limitation(
        engine: Engine, tmp_path: Path, service: Service) -> None:  # noqa: F811
    import_at(engine, tmp_path, "2026-08-31 08:00",
              invoice("F-OLD", "B", "2021-12-01"),                       # business: time-barred after 2026-12-01
              invoice("F-CONS", "P", "2024-12-10", kind="consumer"),    # consumer: after 2026-12-10
              invoice("F-NEW", "N", "2026-08-01"))                      # far from it
    await service.tick(paris("2026-09-01 10:00"))
    assert time_bar_alerts(engine) == []
    await service.tick(paris("2026-09-02 10:00"))  # 2026-12-01 − 90 days
    assert time_bar_alerts(engine) == ["F-OLD: due 2021-12-01, time-barred after 2026-12-01 (90 days left)"]
    await service.tick(paris("2026-09-03 10:00"))
    assert len(time_bar_alerts(engine)) == 1  # once per level
    await service.tick(paris("2026-11-01 10:00"))  # 30 days before; the consumer's 90-day level too
    assert time_bar_alerts(engine)[1:] == [
        "F-OLD: due 2021-12-01, time-barred after 2026-12-01 (30 days left)",
        "F-CONS: due 2024-12-10, time-barred after 2026-12-10 (39 days left)"]
