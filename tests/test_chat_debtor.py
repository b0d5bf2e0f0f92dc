"""The debtor's side of the Telegram bot: linking, the menu and each of its flows, free text and /stop —
with the real python-telegram-bot Application answered in-process by FakeBotApi (and once over HTTP
through `base_url`), the real service's effects, and the database as the judge of what happened."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from telegram import Update
from telegram.ext import Application

from bot.clock import SettableClock
from bot.config import LoadedConfig, load
from bot.service import Service, build, run_forever
from dialogs.chat_texts import say as text_of
from dialogs.parties import Language
from dialogs.states import CaseState
from storage.chat_links import issue_token
from storage.engine import transaction
from storage.models import (
    ChatSession,
    Debtor,
    Dispute,
    Event,
    Invoice,
    Message,
    PaymentPlan,
    PlanStatus,
    Promise,
    PromiseStatus,
    Reply,
)
from tests.chat_support import NOW, case_of, clock, service_with  # noqa: F401 (fixture: clock)
from tests.telegram_fakes import TOKEN, BotApiServer, Document, FakeBotApi, api  # noqa: F401 (fixture: api)

ALICE, BOB, STRANGER = 1001, 1002, 1999  # chats: a French debtor, an English one, nobody
NNBSP, NBSP = "\u202f", "\u00a0"  # what Babel puts in French amounts: "1 200,00 €"
NEUTRAL_FR = text_of(Language.FR, "neutral")
INVOICES = """invoice_number,debtor_ref,debtor_name,debtor_email,debtor_kind,language,issue_date,due_date,amount
F-A-1,C-A,Boulangerie Martin,compta@martin.example,business,fr,2026-09-01,2026-10-01,1200.00
F-A-2,C-A,Boulangerie Martin,compta@martin.example,business,fr,2026-09-15,2026-10-15,250.00
F-B-1,C-B,Baker & Sons,accounts@baker.example,business,en,2026-09-20,2026-10-20,980.50
"""


@pytest.fixture
def loaded(config_path: Path, database_url: str) -> LoadedConfig:
    config_path.write_text(f"""
[company]
name = "Atelier Durand"
email = "compta@durand.example"
iban = "FR76 3000 6000 0112 3456 7890 189"
bic = "AGRIFRPP"
payment_link = "https://pay.example/durand"

[database]
url = "{database_url}"

[owner]
email = "patron@durand.example"

[telegram]
token = "{TOKEN}"
bot_username = "relance_test_bot"
""", encoding="utf-8")
    return load(config_path)


@pytest.fixture
def service(loaded: LoadedConfig, engine: Engine, tmp_path: Path) -> Service:
    return service_with(INVOICES, loaded, engine, tmp_path)


@dataclass
class Bot:
    """The running bot as a debtor meets it: say things, tap buttons, read what the chat shows."""

    app: Application  # type: ignore[type-arg]
    api: FakeBotApi

    async def feed(self, update: dict[str, Any]) -> str:
        await self.app.process_update(Update.de_json(update, self.app.bot))
        return self.last_text(update)

    def last_text(self, update: dict[str, Any]) -> str:
        chat = (update.get("message") or update["callback_query"]["message"])["chat"]["id"]
        texts = self.api.texts(chat)
        return texts[-1] if texts else ""

    async def say(self, chat: int, text: str) -> str:
        return await self.feed(self.api.user_says(chat, text))

    async def tap(self, chat: int, label: str) -> str:
        return await self.feed(self.api.press(chat, label))

    async def tap_data(self, chat: int, data: str) -> str:
        return await self.feed(self.api.press_data(chat, data))

    def buttons(self, chat: int) -> list[str]:
        """The labels on the newest message that shows buttons."""
        return self.api.buttons(chat)


async def running_bot(service: Service, clock: SettableClock, api: FakeBotApi) -> AsyncIterator[Bot]:
    chat = service.chat_app(clock, request=api)
    assert chat is not None
    async with chat.application:
        yield Bot(chat.application, api)


@pytest.fixture
async def bot(service: Service, clock: SettableClock, api: FakeBotApi) -> AsyncIterator[Bot]:
    async for running in running_bot(service, clock, api):
        yield running


def token_for(engine: Engine, ref: str, *, issued: datetime = NOW - timedelta(days=1), days: int = 30) -> str:
    with transaction(engine) as session:
        debtor = session.exec(select(Debtor).where(Debtor.ref == ref)).one()
        return issue_token(session, debtor.id or 0, now=issued, days=days)


async def linked(bot: Bot, engine: Engine, chat: int, ref: str) -> str:
    return await bot.say(chat, f"/start {token_for(engine, ref)}")


def debtor(engine: Engine, ref: str) -> Debtor:
    with Session(engine) as session:
        return session.exec(select(Debtor).where(Debtor.ref == ref)).one()


def rows(engine: Engine, model: Any, **where: Any) -> list[Any]:
    with Session(engine) as session:
        query = select(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return list(session.exec(query.order_by(col(model.id))))


def events(engine: Engine, ref: str, kind: str) -> list[Event]:
    return rows(engine, Event, case_id=case_of(engine, ref).id, kind=kind)


def owner_alerts(engine: Engine, kind: str) -> list[Message]:
    return [m for m in rows(engine, Message, purpose=f"alert:{kind}")]


def chat_state(engine: Engine, chat: int) -> tuple[str, dict[str, Any]]:
    [row] = rows(engine, ChatSession, chat_id=chat)
    return row.state, row.data


# -- linking ------------------------------------------------------------------------------------


async def test_a_valid_link_greets_the_debtor_by_name_in_their_language_and_shows_the_menu(
        bot: Bot, engine: Engine) -> None:
    answer = await linked(bot, engine, ALICE, "C-A")
    assert answer.startswith("Cette conversation est maintenant liée à Boulangerie Martin.")
    assert bot.buttons(ALICE)[:2] == ["Ce que je dois", "Comment payer"]
    assert (await linked(bot, engine, BOB, "C-B")).startswith("This chat is now linked to Baker & Sons.")
    assert debtor(engine, "C-A").telegram_chat_id == ALICE
    assert [e.data for e in events(engine, "C-A", "chat_linked")] == [{"channel": "telegram"}]


async def test_invalid_expired_reused_and_missing_tokens_get_one_neutral_answer_that_reveals_nothing(
        bot: Bot, engine: Engine) -> None:
    used = token_for(engine, "C-A")
    await bot.say(ALICE, f"/start {used}")
    expired = token_for(engine, "C-B", issued=NOW - timedelta(days=3), days=2)
    answers = {await bot.say(STRANGER, f"/start {used}"),  # already spent by Alice
               await bot.say(STRANGER, f"/start {expired}"),
               await bot.say(STRANGER, "/start " + "x" * 24),
               await bot.say(STRANGER, "/start")}
    assert answers == {NEUTRAL_FR}
    assert debtor(engine, "C-A").telegram_chat_id == ALICE
    assert debtor(engine, "C-B").telegram_chat_id is None


async def test_an_unlinked_chat_learns_nothing_whatever_it_sends(bot: Bot, engine: Engine, api: FakeBotApi) -> None:
    await linked(bot, engine, ALICE, "C-A")
    alice_invoice = rows(engine, Invoice, number="F-A-1")[0].id
    before = {model.__name__: len(rows(engine, model)) for model in (Promise, Dispute, Event, Message, Reply)}
    await bot.say(STRANGER, "/start")
    for command in ("/menu", "/help", "/stop", "/owe", "/start", "Combien je dois pour F-A-1 ?",
                    "Je paierai le 20 novembre"):
        await bot.say(STRANGER, command)
    for data in ("owe", "pay", "prm", "prm:2026-11-20", "prm:other", "dsp", f"dsp:{alice_invoice}", "dsp:ok",
                 "paid", "paid:none", "plan", "plan:1:0", "m", "nonsense"):
        await bot.tap_data(STRANGER, data)
    await bot.feed(api.user_sends_photo(STRANGER, b"\x89PNG proof"))
    shown = bot.api.texts(STRANGER)
    assert set(shown) == {NEUTRAL_FR} and len(shown) == 1 + 7 + 14 + 1
    assert not api.calls("getFile")  # a stranger's file is not even fetched
    after = {model.__name__: len(rows(engine, model)) for model in (Promise, Dispute, Event, Message, Reply)}
    assert after == before


async def test_another_debtors_buttons_reach_nothing_of_theirs(bot: Bot, engine: Engine) -> None:
    await linked(bot, engine, ALICE, "C-A")
    await linked(bot, engine, BOB, "C-B")
    alice_invoice = rows(engine, Invoice, number="F-A-2")[0].id
    await bot.tap(BOB, "Report a problem")
    shown = await bot.tap_data(BOB, f"dsp:{alice_invoice}")
    assert "F-A-2" not in shown and all("F-A" not in label for label in bot.buttons(BOB))
    await bot.tap(BOB, "Continue")
    assert chat_state(engine, BOB) == ("problem_pick", {"invoices": []})
    assert not rows(engine, Dispute)


async def test_a_user_language_picks_the_neutral_answer_for_a_stranger(bot: Bot, api: FakeBotApi) -> None:
    update = api.user_says(STRANGER, "/start")
    update["message"]["from"]["language_code"] = "en"
    assert await bot.feed(update) == text_of(Language.EN, "neutral")


# -- the menu -----------------------------------------------------------------------------------


async def test_what_i_owe_lists_each_open_invoice_and_the_total_in_french(bot: Bot, engine: Engine) -> None:
    await linked(bot, engine, ALICE, "C-A")
    assert await bot.tap(ALICE, "Ce que je dois") == "\n".join([
        "Factures à régler au 10 novembre 2026 :",
        f"• F-A-1 : 1{NNBSP}200,00{NBSP}€ (échéance le 1 octobre 2026)",
        f"• F-A-2 : 250,00{NBSP}€ (échéance le 15 octobre 2026)",
        f"Total : 1{NNBSP}450,00{NBSP}€"])


async def test_what_i_owe_in_english(bot: Bot, engine: Engine) -> None:
    await linked(bot, engine, BOB, "C-B")
    assert await bot.tap(BOB, "What I owe") == ("Invoices to pay as of 10 November 2026:\n"
                                                 "• F-B-1: €980.50 (due 20 October 2026)\nTotal: €980.50")


async def test_how_to_pay_gives_the_iban_the_case_reference_and_the_payment_link(bot: Bot, engine: Engine) -> None:
    await linked(bot, engine, ALICE, "C-A")
    reference = f"REL-{case_of(engine, 'C-A').id:06d}"
    assert await bot.tap(ALICE, "Comment payer") == "\n".join([
        "Pour régler Atelier Durand :", "Virement — IBAN : FR76 3000 6000 0112 3456 7890 189", "BIC : AGRIFRPP",
        f"Référence à indiquer : {reference}", "Paiement en ligne : https://pay.example/durand"])


async def test_a_promise_button_records_the_promise_and_pauses_reminders_as_an_email_promise_would(
        bot: Bot, engine: Engine, service: Service) -> None:
    await linked(bot, engine, ALICE, "C-A")
    await bot.tap(ALICE, "Promettre une date")
    assert bot.buttons(ALICE) == ["Dans 3 jours (13 nov. 2026)", "Dans 7 jours (17 nov. 2026)",
                                  "Dans 14 jours (24 nov. 2026)", "Fin du mois (30 nov. 2026)",
                                  "Une autre date", "Menu"]
    answer = await bot.tap(ALICE, "Dans 7 jours (17 nov. 2026)")
    assert answer == "C'est noté : règlement promis pour le 17 novembre 2026. Nous ne vous relancerons pas d'ici là."
    [promise] = rows(engine, Promise)
    assert (promise.promised_on, promise.status) == (date(2026, 11, 17), PromiseStatus.PENDING)
    case = case_of(engine, "C-A")
    grace = service.loaded.config.policy.promise_grace_days
    assert case.state is CaseState.PROMISED
    assert case.next_action_at == service.dispatcher.policy.calendar.day_start(date(2026, 11, 17 + grace))
    [event] = events(engine, "C-A", "promise_received")
    assert (event.to_state, event.actor, event.data["evidence"], event.data["matched_by"]) == (
        CaseState.PROMISED, "debtor", ["telegram button"], "telegram")
    [reply] = rows(engine, Reply)
    assert (reply.intent, reply.confidence, reply.promised_date) == ("promise_to_pay", 1.0, date(2026, 11, 17))
    [message] = rows(engine, Message, purpose="chat")
    assert (message.channel, message.sender, message.id) == ("telegram", str(ALICE), promise.message_id)
    # Confirmed in writing, as for an email promise.
    assert [m.recipient for m in rows(engine, Message) if m.purpose.startswith("answer:promise")] == [
        "compta@martin.example"]


async def test_a_typed_date_is_awaited_in_the_database_and_promised(bot: Bot, engine: Engine) -> None:
    await linked(bot, engine, ALICE, "C-A")
    await bot.tap(ALICE, "Promettre une date")
    assert await bot.tap(ALICE, "Une autre date") == (
        "Écrivez la date à laquelle vous réglerez, par exemple 20/11/2026.")
    assert chat_state(engine, ALICE) == ("promise_date", {})
    assert (await bot.say(ALICE, "dès que possible")).startswith("Je n'ai pas reconnu de date.")
    assert chat_state(engine, ALICE) == ("promise_date", {})
    answer = await bot.say(ALICE, "le 4 décembre")
    assert answer.startswith("C'est noté : règlement promis pour le 4 décembre 2026.")
    [promise] = rows(engine, Promise)
    assert promise.promised_on == date(2026, 12, 4)
    assert events(engine, "C-A", "promise_received")[0].data["evidence"] == ["telegram typed date"]
    assert chat_state(engine, ALICE) == ("", {})


async def test_a_typed_date_beyond_the_promise_limit_goes_to_the_owner(bot: Bot, engine: Engine) -> None:
    await linked(bot, engine, ALICE, "C-A")
    await bot.tap(ALICE, "Promettre une date")
    await bot.tap(ALICE, "Une autre date")
    assert await bot.say(ALICE, "15/06/2027") == "Message reçu. Atelier Durand vous répondra."
    assert not rows(engine, Promise)
    assert case_of(engine, "C-A").state is CaseState.ACTIVE
    [alert] = owner_alerts(engine, "reply_review")
    assert "15/06/2027" in (alert.body or "")


async def test_reporting_a_problem_disputes_the_picked_invoices_with_the_typed_reason(
        bot: Bot, engine: Engine) -> None:
    await linked(bot, engine, ALICE, "C-A")
    await bot.tap(ALICE, "Signaler un problème")
    assert bot.buttons(ALICE) == [f"☐ F-A-1 · 1{NNBSP}200,00{NBSP}€", f"☐ F-A-2 · 250,00{NBSP}€", "Continuer",
                                  "Menu"]
    assert await bot.tap(ALICE, "Continuer") == "Choisissez au moins une facture, puis « Continuer »."
    await bot.tap(ALICE, f"☐ F-A-2 · 250,00{NBSP}€")
    assert bot.buttons(ALICE)[1] == f"☑ F-A-2 · 250,00{NBSP}€"  # the same message, edited
    assert await bot.tap(ALICE, "Continuer") == "Expliquez en quelques mots le problème avec F-A-2."
    answer = await bot.say(ALICE, "La livraison était incomplète : il manquait deux cartons.")
    assert answer.startswith("Votre contestation de F-A-2 est enregistrée.")
    [dispute] = rows(engine, Dispute)
    assert dispute.reason == "La livraison était incomplète : il manquait deux cartons."
    assert [(i.number, i.disputed) for i in rows(engine, Invoice, case_id=case_of(engine, "C-A").id)] == [
        ("F-A-1", False), ("F-A-2", True)]
    [event] = events(engine, "C-A", "dispute_opened")
    assert event.data["invoices"] == ["F-A-2"] and event.to_state is None  # one invoice of two: the case goes on
    [alert] = owner_alerts(engine, "dispute")
    assert "il manquait deux cartons" in (alert.body or "")


async def test_i_already_paid_keeps_the_photo_as_proof_and_claims_the_payment(
        bot: Bot, engine: Engine, api: FakeBotApi) -> None:
    await linked(bot, engine, ALICE, "C-A")
    await bot.tap(ALICE, "J'ai déjà payé")
    assert chat_state(engine, ALICE) == ("paid_proof", {})
    answer = await bot.feed(api.user_sends_photo(ALICE, b"\xff\xd8 a bank receipt", caption="virement du 8/11"))
    assert answer == "Merci. Atelier Durand vérifie votre paiement ; les relances sont suspendues quelques jours."
    [message] = rows(engine, Message, purpose="chat")
    assert (message.attachment, message.body) == (b"\xff\xd8 a bank receipt", "virement du 8/11")
    assert message.attachment_name is not None and message.attachment_name.endswith(".jpg")
    assert len(events(engine, "C-A", "payment_claimed")) == 1
    assert len(owner_alerts(engine, "payment_claimed")) == 1
    assert case_of(engine, "C-A").next_action_at is not None


async def test_i_already_paid_accepts_a_pdf_or_no_proof(bot: Bot, engine: Engine, api: FakeBotApi) -> None:
    await linked(bot, engine, ALICE, "C-A")
    await linked(bot, engine, BOB, "C-B")
    await bot.tap(ALICE, "J'ai déjà payé")
    await bot.feed(api.user_sends_document(ALICE, Document("avis.pdf", b"%PDF-1.7 proof", "application/pdf")))
    await bot.tap(BOB, "I already paid")
    assert await bot.tap(BOB, "No proof") == ("Thank you. Atelier Durand is checking your payment; reminders are "
                                             "suspended for a few days.")
    assert [(m.attachment_name, m.attachment) for m in rows(engine, Message, purpose="chat")] == [
        ("avis.pdf", b"%PDF-1.7 proof"), (None, None)]
    assert len(events(engine, "C-A", "payment_claimed")) == len(events(engine, "C-B", "payment_claimed")) == 1


async def test_free_text_is_stored_understood_and_acted_on_like_an_email(bot: Bot, engine: Engine) -> None:
    await linked(bot, engine, ALICE, "C-A")
    answer = await bot.say(ALICE, "Bonjour, je vous règle la totalité le 20 novembre.")
    assert answer.startswith("C'est noté : règlement promis pour le 20 novembre 2026.")
    [message] = rows(engine, Message, purpose="chat")
    assert (message.direction, message.channel, message.sender, message.status) == ("in", "telegram", str(ALICE),
                                                                                  "processed")
    [promise] = rows(engine, Promise)
    assert promise.promised_on == date(2026, 11, 20)
    assert "telegram button" not in events(engine, "C-A", "promise_received")[0].data["evidence"]


async def test_unclear_free_text_goes_to_the_owner_and_the_debtor_is_told_so(bot: Bot, engine: Engine) -> None:
    await linked(bot, engine, BOB, "C-B")
    assert await bot.say(BOB, "Who is this?") == "Message received. Atelier Durand will answer you."
    [alert] = owner_alerts(engine, "reply_review")
    assert "Who is this?" in (alert.body or "")
    assert not rows(engine, Promise) and case_of(engine, "C-B").state is CaseState.ACTIVE


async def test_stop_unlinks_the_chat_opts_out_of_telegram_and_tells_the_owner(bot: Bot, engine: Engine) -> None:
    await linked(bot, engine, ALICE, "C-A")
    assert (await bot.say(ALICE, "/stop")).startswith("C'est noté : cette conversation n'est plus liée")
    martin = debtor(engine, "C-A")
    assert (martin.telegram_chat_id, "telegram" in martin.opted_out) == (None, True)
    [alert] = owner_alerts(engine, "chat_stopped")
    assert "Boulangerie Martin" in (alert.subject or "")
    assert await bot.say(ALICE, "/menu") == NEUTRAL_FR
    assert await bot.tap_data(ALICE, "owe") == NEUTRAL_FR


async def test_a_payment_plan_is_offered_and_chosen_in_the_chat(bot: Bot, engine: Engine) -> None:
    await linked(bot, engine, ALICE, "C-A")
    shown = await bot.tap(ALICE, "Payer en plusieurs fois")
    assert shown.startswith("Voici les échéanciers possibles :\nOption 1 : ")
    answer = await bot.tap(ALICE, "Option 1")
    [plan] = rows(engine, PaymentPlan)
    assert (plan.source, plan.status) == ("telegram", PlanStatus.ACTIVE)
    assert answer.startswith("Échéancier accepté.")
    assert case_of(engine, "C-A").state is CaseState.IN_PLAN
    assert await bot.tap_data(ALICE, f"plan:{plan.id}:0") == text_of(Language.FR, "plan_expired")


# -- restarts -----------------------------------------------------------------------------------


async def test_a_restart_in_the_middle_of_a_dispute_resumes_the_awaited_step(
        service: Service, clock: SettableClock, engine: Engine, api: FakeBotApi) -> None:
    async for first in running_bot(service, clock, api):
        await linked(first, engine, ALICE, "C-A")
        await first.tap(ALICE, "Signaler un problème")
        await first.tap(ALICE, f"☐ F-A-1 · 1{NNBSP}200,00{NBSP}€")
        await first.tap(ALICE, "Continuer")
    again = build(service.loaded, engine)  # a new process: nothing kept in memory
    async for second in running_bot(again, clock, api):
        answer = await second.say(ALICE, "Facture déjà réglée par chèque.")
    assert answer.startswith("Votre contestation de F-A-1 est enregistrée.")
    assert [(d.reason, d.invoice_id) for d in rows(engine, Dispute)] == [
        ("Facture déjà réglée par chèque.", rows(engine, Invoice, number="F-A-1")[0].id)]


async def test_a_restart_while_a_typed_date_is_awaited_resumes_it(
        service: Service, clock: SettableClock, engine: Engine, api: FakeBotApi) -> None:
    async for first in running_bot(service, clock, api):
        await linked(first, engine, BOB, "C-B")
        await first.tap(BOB, "Promise a date")
        await first.tap(BOB, "Another date")
    async for second in running_bot(build(service.loaded, engine), clock, api):
        answer = await second.say(BOB, "1 December 2026")
    assert answer == "Noted: payment promised for 1 December 2026. We will not remind you before then."
    assert [p.promised_on for p in rows(engine, Promise)] == [date(2026, 12, 1)]


# -- over HTTP, inside `relance run` ------------------------------------------------------------


@pytest.fixture
def http_api() -> Iterator[BotApiServer]:
    with BotApiServer() as server:
        yield server


@pytest.mark.timeout(30)
async def test_relance_run_answers_a_debtor_through_a_self_hosted_bot_api_server(
        loaded: LoadedConfig, config_path: Path, service: Service, engine: Engine, http_api: BotApiServer) -> None:
    config_path.write_text(config_path.read_text() + f'base_url = "{http_api.base_url}"\n', encoding="utf-8")
    running = build(load(config_path), engine)
    token = token_for(engine, "C-A")
    api = http_api.api

    async def debtor_links_then_stop() -> None:
        try:
            await _until(lambda: api.calls("deleteWebhook"))  # the updater's first step before polling
            api.push_update(api.user_says(ALICE, f"/start {token}"))
            await _until(lambda: api.texts(ALICE))
            api.push_update(api.press(ALICE, "Ce que je dois"))
            await _until(lambda: len(api.texts(ALICE)) == 2)
            api.push_update(api.user_sends_photo(ALICE, b"receipt"))  # downloaded through base_url's file URL
            await _until(lambda: len(api.texts(ALICE)) == 3)
        finally:
            os.kill(os.getpid(), signal.SIGTERM)  # as the service manager stops `relance run`

    acting = asyncio.create_task(debtor_links_then_stop())
    await run_forever(running, lambda: NOW)
    await acting
    texts = api.texts(ALICE)
    assert texts[0].startswith("Cette conversation est maintenant liée à Boulangerie Martin.")
    assert texts[1].startswith("Factures à régler au 10 novembre 2026 :")
    assert [m.attachment for m in rows(engine, Message, purpose="chat")] == [b"receipt"]
    assert api.calls("download")
    assert api.calls("getUpdates")[-1]  # the updater's last poll, sent while stopping


async def _until(condition: Any, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.01)


async def test_a_schedule_typed_in_the_chat_is_a_counter_proposal(bot: Bot, engine: Engine) -> None:
    await linked(bot, engine, ALICE, "C-A")
    inside = await bot.say(ALICE, "Serait-il possible de régler en 2 mensualités, le 20 novembre et le 18 décembre ?")
    [plan] = rows(engine, PaymentPlan)  # 725.00 on Friday 20 November, 725.00 on Friday 18 December
    assert (plan.source, plan.status, plan.total) == ("telegram", PlanStatus.ACTIVE, Decimal("1450.00"))
    assert inside == "Échéancier accepté. Vous recevrez une confirmation écrite."
    assert case_of(engine, "C-A").state is CaseState.IN_PLAN

