"""One debtor update through the Telegram bot: p99 under 50 ms.

1,000 free-text messages from 200 linked chats (promises, payment claims, unclear questions, in
French and English) each go through `Application.process_update` with the in-process Bot API
(tests/telegram_fakes.FakeBotApi): stored, understood, decided, applied with its Events, owner
alerts and confirmation queued in the outbox, and answered in the chat. Real SQLite file, the
service's own wiring (`Service.chat_app`), a fixed clock.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from telegram import Update

from bot.config import load
from bot.service import Service, build
from dialogs.parties import Language
from storage.chat_links import issue_token, redeem
from storage.engine import make_engine, transaction
from storage.invoice_import import import_invoices
from storage.migrate import upgrade
from storage.models import Debtor
from tests.telegram_fakes import TOKEN, FakeBotApi

UPDATES = 1_000
CHATS = 200
GOAL_P99_MS = 50.0
NOW = datetime(2026, 11, 10, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))
TEXTS = {
    "fr": ["Bonjour, je vous règle la totalité le 20 novembre.", "J'ai payé la facture hier par virement.",
           "Pouvez-vous me rappeler ?", "Nous paierons fin novembre, merci de patienter."],
    "en": ["Hello, we will pay the full amount on 20 November.", "We already paid this last week.",
           "Who should I talk to about this?", "Payment will be made by the end of the month."],
}


def _service(folder: Path) -> Service:
    url = f"sqlite:///{folder / 'chat.db'}"
    config = folder / "config.toml"
    config.write_text(f'[company]\nname = "Atelier Durand"\niban = "FR76 3000 6000 0112 3456 7890 189"\n\n'
                      f'[database]\nurl = "{url}"\n\n[owner]\nemail = "patron@durand.example"\n\n'
                      f'[telegram]\ntoken = "{TOKEN}"\n', encoding="utf-8")
    engine = make_engine(url)
    upgrade(engine)
    invoices = folder / "invoices.csv"
    lines = ["invoice_number,debtor_ref,debtor_name,debtor_email,debtor_kind,language,issue_date,due_date,amount"]
    for n in range(CHATS):
        language = "fr" if n % 2 == 0 else "en"
        lines += [f"F{n:04d}-1,C{n:04d},Client {n},c{n}@clients.example,business,{language},2026-09-01,2026-10-01,"
                  f"{1000 + n}.00",
                  f"F{n:04d}-2,C{n:04d},Client {n},c{n}@clients.example,business,{language},2026-09-15,2026-10-15,"
                  "250.00"]
    invoices.write_text("\n".join(lines) + "\n", encoding="utf-8")
    import_invoices(engine, invoices, now=NOW - timedelta(days=30), default_language=Language.FR)
    return build(load(config), engine)


def _link_all(service: Service) -> dict[int, str]:
    """Every debtor's chat linked the way a debtor does it (a token, redeemed); chat id → language."""
    languages: dict[int, str] = {}
    with transaction(service.engine) as session:
        for n, debtor in enumerate(list(session.exec(select(Debtor).order_by(col(Debtor.id))))):
            token = issue_token(session, debtor.id or 0, now=NOW - timedelta(days=1), days=30)
            redeem(session, token, chat_id=10_000 + n, now=NOW)
            languages[10_000 + n] = debtor.language
    return languages


async def _timed(service: Service, languages: dict[int, str]) -> list[float]:
    api = FakeBotApi()
    chat = service.chat_app(lambda: NOW, request=api)
    assert chat is not None
    application = chat.application
    chats = list(languages)
    durations: list[float] = []
    async with application:
        for n in range(UPDATES):
            chat_id = chats[n % len(chats)]
            texts = TEXTS[languages[chat_id]]
            update = Update.de_json(api.user_says(chat_id, texts[(n // len(chats)) % len(texts)]), application.bot)
            started = time.perf_counter()
            await application.process_update(update)
            durations.append((time.perf_counter() - started) * 1000)
    assert len(api.calls("sendMessage")) == UPDATES, "every update must be answered"
    return durations


def run() -> None:
    with tempfile.TemporaryDirectory() as folder:
        service = _service(Path(folder))
        try:
            languages = _link_all(service)
            durations = asyncio.run(_timed(service, languages))
        finally:
            service.engine.dispose()
    ordered = sorted(durations)
    p99 = ordered[int(len(ordered) * 0.99) - 1]
    print(f"{UPDATES} debtor updates (stored, understood, decided, applied, answered) over {CHATS} chats")
    print(f"  median {statistics.median(durations):.1f} ms, p99 {p99:.1f} ms, max {ordered[-1]:.1f} ms "
          f"(goal p99 < {GOAL_P99_MS:.0f} ms: {'met' if p99 < GOAL_P99_MS else 'NOT met'})")


if __name__ == "__main__":
    run()
