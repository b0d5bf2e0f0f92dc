"""The owner's side of the Telegram bot — commands, alert buttons — and the daily digest by email,
with the real python-telegram-bot Application answered in-process by FakeBotApi, the real service's
desks, and the database as the judge of what happened."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from telegram import Update
from telegram.ext import Application

from bot.chat_app import build_application
from bot.chat_debtor import DebtorHandlers
from bot.chat_dialog import DebtorDialog
from bot.chat_owner import OwnerHandlers
from bot.clock import SettableClock
from bot.config import LoadedConfig, load
from bot.owner_buttons import alert_buttons, buttons_for, parse
from bot.service import Service, build
from bot.telegram_channel import TelegramChannel
from dialogs.chat_texts import say as debtor_says
from dialogs.formatting import format_money
from dialogs.parties import Channel, Language
from dialogs.plans import PlanOption, ScheduledPayment
from dialogs.states import CaseState
from scheduler.alerts import Owner
from scheduler.digest import DIGEST, digest, queue_digest
from storage.case_changes import record
from storage.chat_links import issue_token
from storage.engine import transaction
from storage.inbound_mail import store
from storage.invoice_import import import_invoices
from storage.models import (
    Case,
    Direction,
    Event,
    Invoice,
    Message,
    MessageStatus,
    Notice,
    Payment,
    PaymentPlan,
    PlanStatus,
    Reply,
)
from tests.chat_support import NOW, PARIS, case_of, clock, service_with  # noqa: F401 (fixture: clock)
from tests.telegram_fakes import TOKEN, FakeBotApi, api  # noqa: F401 (fixture: api)

OWNER, ALICE, STRANGER = 4242, 1001, 1999  # the owner's chat, a linked debtor's, nobody's
NEUTRAL_FR = debtor_says(Language.FR, "neutral")
INVOICES = """invoice_number,debtor_ref,debtor_name,debtor_email,debtor_kind,language,issue_date,due_date,amount,currency,amount_paid
F-A-1,C-A,Boulangerie Martin,compta@martin.example,business,fr,2026-09-01,2026-10-01,1200.00,EUR,0
F-A-2,C-A,Boulangerie Martin,compta@martin.example,business,fr,2026-09-15,2026-10-15,250.00,EUR,0
F-B-1,C-B,Baker & Sons,accounts@baker.example,business,en,2026-09-20,2026-10-20,980.50,EUR,0
"""
# The half-years LEGAL.md leaves unconfirmed, as an owner sets them (values for the test only).
RATES = """
[[periods]]
start = 2026-07-01
end = 2026-12-31
rate_percent = "12.40"
source = "test: ECB MRO 2.40 % + 10"
"""


def eur(amount: str, language: Language = Language.FR) -> str:
    return format_money(Decimal(amount), "EUR", language)


def write_config(path: Path, database_url: str, *, language: str = "fr") -> LoadedConfig:
    path.write_text(f"""
[company]
name = "Atelier Durand"
address = "12 rue des Forges\\n69002 Lyon"
siren = "123456789"
email = "compta@durand.example"
iban = "FR76 3000 6000 0112 3456 7890 189"

[database]
url = "{database_url}"

[owner]
email = "patron@durand.example"
language = "{language}"

[telegram]
token = "{TOKEN}"
bot_username = "relance_test_bot"
owner_chat_ids = [{OWNER}]

[legal]
rates_dir = "rates"
""", encoding="utf-8")
    (path.parent / "rates").mkdir(exist_ok=True)
    return load(path)


@pytest.fixture
def loaded(config_path: Path, database_url: str) -> LoadedConfig:
    return write_config(config_path, database_url)


@pytest.fixture
def service(loaded: LoadedConfig, engine: Engine, tmp_path: Path) -> Service:
    return service_with(INVOICES, loaded, engine, tmp_path)


def owner_handlers(service: Service, clock: SettableClock) -> OwnerHandlers:
    config = service.loaded.config
    return OwnerHandlers(service.engine, owner_chat_ids=[OWNER], clock=clock, notice_desk=service.notice_desk,
                         plan_desk=service.plan_desk(), timezone=PARIS, language=config.owner.language)


def debtor_handlers(service: Service, clock: SettableClock) -> DebtorHandlers:
    dialog = DebtorDialog(service.engine, service.replies(clock).effects, PARIS, clock)
    return DebtorHandlers(dialog, owner_chat_ids=[OWNER])


@dataclass
class Bot:
    app: Application  # type: ignore[type-arg]
    api: FakeBotApi

    async def feed(self, update: dict[str, Any]) -> list[str]:
        """Process `update`; the texts the bot put in that chat because of it (new or edited)."""
        message = update.get("message") or update["callback_query"]["message"]
        chat = message["chat"]["id"]
        before = {m.message_id: m.text for m in self.api.chat(chat) if m.from_bot}
        await self.app.process_update(Update.de_json(update, self.app.bot))
        return [m.text for m in self.api.chat(chat) if m.from_bot and before.get(m.message_id) != m.text]

    async def say(self, chat: int, text: str) -> str:
        return "\n".join(await self.feed(self.api.user_says(chat, text)))

    async def tap(self, chat: int, label: str) -> str:
        return "\n".join(await self.feed(self.api.press(chat, label)))

    def buttons(self, chat: int) -> list[str]:
        """The labels on the newest message that shows buttons."""
        return self.api.buttons(chat)


async def running(service: Service, clock: SettableClock, api: FakeBotApi, *, with_debtors: bool) -> AsyncIterator[Bot]:
    handlers = owner_handlers(service, clock).handlers()
    if with_debtors:  # as the service registers them: the owner's first
        handlers += debtor_handlers(service, clock).handlers()
    app = build_application(TOKEN, handlers, request=api)
    async with app:
        yield Bot(app, api)


@pytest.fixture
async def bot(service: Service, clock: SettableClock, api: FakeBotApi) -> AsyncIterator[Bot]:
    async for b in running(service, clock, api, with_debtors=True):
        yield b


async def alert(api: FakeBotApi, text: str, buttons: list[list[tuple[str, str]]]) -> None:
    """An owner alert as the dispatcher would deliver it: through TelegramChannel, with its buttons."""
    async with TelegramChannel(TOKEN, request=api) as channel:
        await channel.send(OWNER, text, buttons=buttons)


def events(engine: Engine, case_id: int) -> list[Event]:
    with Session(engine) as session:
        return list(session.exec(select(Event).where(Event.case_id == case_id).order_by(col(Event.id))))


def flag(engine: Engine, case_id: int) -> None:
    """What the sweep does when the ladder is spent (tested in test_escalation_smtp)."""
    with transaction(engine) as session:
        case = session.get(Case, case_id)
        assert case is not None
        record(session, case, "flagged_formal_notice", now=NOW, actor="scheduler", to_state=CaseState.NOTICE_PENDING)


def reply_to_review(engine: Engine, case_id: int | None, *, at: datetime = NOW, sender: str = "x@martin.example",
                    reason: str = "below the confidence threshold") -> int:
    """A reply relance read but would not act on, as the reply processor stores it."""
    with transaction(engine) as session:
        message = Message(case_id=case_id, direction=Direction.IN, channel=Channel.EMAIL, purpose="reply",
                          status=MessageStatus.PROCESSED, sender=sender, subject="Re: facture", body="hmm",
                          created_at=at)
        session.add(message)
        session.flush()
        session.add(Reply(message_id=message.id or 0, case_id=case_id, kind="human", intent="unclear",
                          confidence=0.3, details={"action": "review", "reason": reason}, needs_review=True,
                          created_at=at))
        return message.id or 0


# -- who gets owner commands ---------------------------------------------------------------------


async def test_owner_commands_say_nothing_to_another_chat_when_only_the_owner_handlers_run(
        service: Service, clock: SettableClock, api: FakeBotApi, engine: Engine) -> None:
    async for b in running(service, clock, api, with_debtors=False):
        for command in ("/cases", "/case 1", "/case C-A", "/pause 1", "/paid F-A-1", "/review", "/help"):
            await b.say(STRANGER, command)
    assert api.texts(STRANGER) == []
    with Session(engine) as session:
        assert session.exec(select(Payment)).all() == []
        assert {c.state for c in session.exec(select(Case))} == {CaseState.ACTIVE}


async def test_a_stranger_typing_owner_commands_gets_the_neutral_line_any_unlinked_chat_gets(
        bot: Bot, engine: Engine) -> None:
    answers = [await bot.say(STRANGER, command) for command in ("/cases", "/case 1", "/paid F-A-1", "/review")]
    assert answers == [NEUTRAL_FR] * 4
    assert await bot.say(STRANGER, "/anything") == NEUTRAL_FR
    with Session(engine) as session:
        assert session.exec(select(Payment)).all() == []


async def test_a_linked_debtor_typing_owner_commands_sees_only_their_own_menu(
        bot: Bot, engine: Engine) -> None:
    with transaction(engine) as session:
        token = issue_token(session, case_of(engine, "C-B").debtor_id, now=NOW, days=30)
    await bot.say(ALICE, f"/start {token}")
    for command in ("/cases", "/case 1", "/case C-A", "/pause 1"):
        shown = await bot.say(ALICE, command)
        assert "Boulangerie" not in shown and "F-A-" not in shown and "#1" not in shown
    assert case_of(engine, "C-A").state is CaseState.ACTIVE


# -- commands ------------------------------------------------------------------------------------


async def test_cases_lists_each_open_case_with_its_balance_and_state(bot: Bot, engine: Engine) -> None:
    with transaction(engine) as session:
        case = session.get(Case, case_of(engine, "C-B").id)
        assert case is not None
        record(session, case, "settled", now=NOW, actor="test", to_state=CaseState.CLOSED)
    shown = await bot.say(OWNER, "/cases")
    a = case_of(engine, "C-A")
    assert shown.splitlines() == ["Dossiers ouverts (1) :",
                                  f"#{a.id} C-A Boulangerie Martin — {eur('1450.00')} — en relance"]


async def test_cases_speak_the_owners_language(config_path: Path, database_url: str, engine: Engine,
                                               tmp_path: Path, clock: SettableClock, api: FakeBotApi) -> None:
    loaded = write_config(config_path, database_url, language="en")
    path = tmp_path / "invoices.csv"
    path.write_text(INVOICES, encoding="utf-8")
    import_invoices(engine, path, now=NOW - timedelta(days=30), default_language=Language.FR)
    async for b in running(build(loaded, engine), clock, api, with_debtors=True):
        shown = await b.say(OWNER, "/cases")
    assert "€1,450.00 — being reminded" in shown and "€980.50" in shown and shown.startswith("Open cases (2):")


async def test_case_shows_invoices_balance_latest_events_and_what_can_be_done(bot: Bot, engine: Engine) -> None:
    shown = await bot.say(OWNER, "/case C-A")
    a = case_of(engine, "C-A")
    assert f"Dossier #{a.id} — C-A Boulangerie Martin" in shown
    assert f"• F-A-1 : reste {eur('1200.00')} sur {eur('1200.00')}, échéance le 1 octobre 2026 (40 j de retard)" \
        in shown
    assert f"Solde : {eur('1450.00')}" in shown
    assert shown.endswith("Derniers événements :\n• 11/10/2026 10:00 opened (import)\n"
                          "• 11/10/2026 10:00 invoices_imported (import)")
    assert bot.buttons(OWNER) == ["Mettre en pause", "Clore le dossier"]
    assert await bot.say(OWNER, f"/case {a.id}") == shown
    assert await bot.say(OWNER, "/case C-ZZZ") == "Aucun dossier ne correspond à « C-ZZZ »."
    assert "/case 12" in await bot.say(OWNER, "/case")


async def test_pause_and_resume_change_the_case_as_the_command_line_does(bot: Bot, engine: Engine) -> None:
    a = case_of(engine, "C-A").id
    assert await bot.say(OWNER, "/pause C-A") == f"Dossier #{a} en pause : plus aucune relance jusqu'à /resume {a}."
    paused = case_of(engine, "C-A")
    assert paused.state is CaseState.PAUSED and paused.next_action_at is None
    assert await bot.say(OWNER, f"/pause {a}") == f"Dossier #{a} : il est déjà en pause."
    assert await bot.say(OWNER, f"/resume {a}") == \
        f"Dossier #{a} repris : les relances reprennent où elles en étaient."
    assert case_of(engine, "C-A").state is CaseState.ACTIVE
    assert await bot.say(OWNER, f"/resume {a}") == f"Dossier #{a} : il est déjà en relance."
    with transaction(engine) as session:  # a formal notice went out: too late to pause
        case = session.get(Case, a)
        assert case is not None
        record(session, case, "flagged_formal_notice", now=NOW, actor="scheduler", to_state=CaseState.NOTICE_PENDING)
        record(session, case, "notice_approved", now=NOW, actor="owner", to_state=CaseState.NOTICE_SENT)
    assert await bot.say(OWNER, f"/pause {a}") == \
        f"Dossier #{a} : impossible de passer de « mise en demeure envoyée » à « en pause »."
    kinds = [(e.kind, e.actor, e.to_state) for e in events(engine, a or 0)][-4:-2]
    assert kinds == [("paused", "owner", CaseState.PAUSED), ("resumed", "owner", CaseState.ACTIVE)]


async def test_paid_records_a_payment_with_its_event_and_a_settled_case_closes(
        bot: Bot, engine: Engine, api: FakeBotApi) -> None:
    a = case_of(engine, "C-A").id or 0
    assert await bot.say(OWNER, "/paid F-A-2") == f"Paiement de {eur('250.00')} enregistré sur F-A-2 ; il reste {eur('0')}."
    update = api.user_says(OWNER, "/paid F-A-1 1 000,00")
    assert await bot.feed(update) == [f"Paiement de {eur('1000.00')} enregistré sur F-A-1 ; il reste {eur('200.00')}."]
    assert await bot.feed(update) == ["Ce paiement est déjà enregistré."]  # the same update, delivered twice
    shown = await bot.say(OWNER, "/paid F-A-1 250")
    assert shown.splitlines() == [f"Paiement de {eur('250.00')} enregistré sur F-A-1 ; il reste {eur('0')}.",
                                  f"Trop-perçu de {eur('50.00')} : il est dû au client.",
                                  f"Le dossier #{a} est soldé et clos."]
    with Session(engine) as session:
        payments = session.exec(select(Payment).order_by(col(Payment.id))).all()
        assert [(p.amount, p.source, p.paid_on) for p in payments] == [
            (Decimal("250.00"), "owner_telegram", NOW.date()), (Decimal("1000.00"), "owner_telegram", NOW.date()),
            (Decimal("250.00"), "owner_telegram", NOW.date())]
        assert session.exec(select(Invoice).where(Invoice.number == "F-A-1")).one().paid == Decimal("1250.00")
    timeline = events(engine, a)
    recorded = [e.data for e in timeline if e.kind == "payments_recorded"]
    assert [d["payments"][0]["amount"] for d in recorded] == ["250.00", "1000.00", "250.00"]
    assert recorded[-1]["overpaid"] == [{"invoice": "F-A-1", "surplus": "50.00"}]
    assert (timeline[-1].kind, timeline[-1].to_state, timeline[-1].actor) == ("settled", CaseState.CLOSED, "owner")


async def test_paid_explains_what_it_cannot_record(bot: Bot, engine: Engine) -> None:
    assert "/paid F2026-0042" in await bot.say(OWNER, "/paid")
    assert await bot.say(OWNER, "/paid F-X-9") == "Aucune facture « F-X-9 »."
    assert await bot.say(OWNER, "/paid F-A-1 douze") == "Montant illisible : « douze »."
    assert await bot.say(OWNER, "/paid F-A-1 -5") == "Un paiement est un montant positif (un remboursement est un avoir)."
    await bot.say(OWNER, "/paid F-A-2")
    assert (await bot.say(OWNER, "/paid F-A-2")).startswith("La facture F-A-2 est déjà soldée")
    with Session(engine) as session:
        assert len(session.exec(select(Payment)).all()) == 1


async def test_review_lists_waiting_replies_and_a_button_marks_one_reviewed(bot: Bot, engine: Engine) -> None:
    a = case_of(engine, "C-A").id
    first = reply_to_review(engine, a, at=NOW - timedelta(hours=2))
    second = reply_to_review(engine, None, sender="inconnu@example.org", reason="no case matches")
    shown = await bot.say(OWNER, "/review")
    assert shown.splitlines() == ["Réponses à examiner (2) :",
                                  f"#{second} 10/11/2026 10:00 — inconnu@example.org — no case matches",
                                  f"#{first} 10/11/2026 08:00 — C-A — below the confidence threshold"]
    assert bot.buttons(OWNER) == [f"Vu : #{second}", f"Vu : #{first}"]
    edited = await bot.tap(OWNER, f"Vu : #{first}")
    assert edited.endswith(f"Réponse #{first} marquée comme vue.")
    assert bot.buttons(OWNER) == [f"Vu : #{second}"]  # the other one is still to review
    with Session(engine) as session:
        assert session.exec(select(Reply).where(Reply.message_id == first)).one().reviewed_at == NOW
    assert [e.kind for e in events(engine, a or 0)][-1] == "reply_reviewed"
    assert (await bot.say(OWNER, "/review")).splitlines()[0] == "Réponses à examiner (1) :"
    await bot.tap(OWNER, f"Vu : #{second}")
    assert await bot.say(OWNER, "/review") == "Aucune réponse n'attend votre examen."


# -- alert buttons -------------------------------------------------------------------------------


async def test_a_notice_is_refused_while_its_rate_is_unconfirmed_and_approved_once_the_owner_sets_it(
        bot: Bot, api: FakeBotApi, engine: Engine, config_path: Path) -> None:
    a = case_of(engine, "C-A").id or 0
    flag(engine, a)
    await alert(api, "Dossier 1 : mise en demeure à décider", alert_buttons("alert:formal_notice", a, None))
    refused = await bot.tap(OWNER, "Approuver la mise en demeure")
    assert refused.startswith(f"Mise en demeure non approuvée (dossier #{a}) : no confirmed rate")
    assert "2026 H2" in refused and "fr_b2b.toml" in refused
    assert case_of(engine, "C-A").state is CaseState.NOTICE_PENDING
    with Session(engine) as session:
        assert session.exec(select(Notice)).all() == []
    assert "Approuver la mise en demeure" in bot.buttons(OWNER)  # the alert keeps its buttons: try again

    (config_path.parent / "rates" / "fr_b2b.toml").write_text(RATES, encoding="utf-8")  # [legal] rates_dir
    shown = await bot.tap(OWNER, "Approuver la mise en demeure")  # the same running bot
    with Session(engine) as session:
        notice = session.exec(select(Notice)).one()
        queued = session.exec(select(Message).where(Message.purpose == f"notice:{notice.id}")).one()
    assert shown == ("Dossier 1 : mise en demeure à décider\n\n"
                     f"Mise en demeure approuvée (dossier #{a}) : {eur(str(notice.total_claimed))} réclamés, "
                     "délai jusqu'au 18 novembre 2026. Elle part par e-mail avec son PDF.")
    assert queued.recipient == "compta@martin.example" and queued.attachment is not None
    assert case_of(engine, "C-A").state is CaseState.NOTICE_SENT
    assert [e.actor for e in events(engine, a) if e.kind == "notice_approved"] == ["owner"]
    assert api.chat(OWNER)[0].buttons == ()  # the alert, edited: its buttons are spent


async def test_postponing_a_notice_pauses_the_case(bot: Bot, api: FakeBotApi, engine: Engine) -> None:
    a = case_of(engine, "C-A").id or 0
    flag(engine, a)
    await alert(api, "Mise en demeure à décider", alert_buttons("alert:formal_notice", a, None))
    assert (await bot.tap(OWNER, "Reporter (pause)")).endswith(f"Dossier #{a} en pause : plus aucune relance "
                                                               f"jusqu'à /resume {a}.")
    assert case_of(engine, "C-A").state is CaseState.PAUSED
    assert [(e.kind, e.actor) for e in events(engine, a)][-1] == ("paused", "owner")
    assert bot.buttons(OWNER) == []


async def test_closing_a_case_asks_first_then_closes_it_with_an_owner_event(
        bot: Bot, api: FakeBotApi, engine: Engine) -> None:
    a = case_of(engine, "C-A").id or 0
    flag(engine, a)
    await alert(api, "Mise en demeure à décider", alert_buttons("alert:formal_notice", a, None))
    asked = await bot.tap(OWNER, "Clore le dossier")
    assert asked == (f"Clore le dossier #{a} (C-A Boulangerie Martin) ? Son solde de {eur('1450.00')} ne sera "
                     "plus réclamé, et un dossier clos ne se rouvre pas.")
    assert case_of(engine, "C-A").state is CaseState.NOTICE_PENDING  # nothing yet
    assert (await bot.tap(OWNER, f"Oui, clore le dossier {a}")).endswith(f"Dossier #{a} clos.")
    closed = events(engine, a)[-1]
    assert (closed.kind, closed.actor, closed.to_state) == ("closed_by_owner", "owner", CaseState.CLOSED)
    assert closed.data == {"balances": {"EUR": "1450.00"}, "via": "telegram"}
    with Session(engine) as session:
        assert session.get(Case, a).closed_at == NOW  # type: ignore[union-attr]
    assert await bot.tap(OWNER, "Clore le dossier") == f"Dossier #{a} : il est déjà clos."


def request_plan(service: Service, engine: Engine) -> tuple[int, Message]:
    """The debtor picks 10 monthly installments (more than the bounds allow): the plan waits for the owner."""
    option = PlanOption(tuple(ScheduledPayment(date(2026, 11 + m, 20) if m < 2 else date(2027, m - 1, 20),
                                               Decimal("145.00")) for m in range(10)))
    with transaction(engine) as session:
        case = session.get(Case, case_of(engine, "C-A").id)
        assert case is not None
        plan = service.plan_desk().take(session, case, option, source="telegram", now=NOW)
    with Session(engine) as session:
        [row] = session.exec(select(Message).where(Message.purpose == "alert:plan_request",
                                                   Message.channel == Channel.TELEGRAM)).all()
    assert plan.status is PlanStatus.PROPOSED
    return plan.id or 0, row


async def test_approving_a_plan_that_waited_starts_it_and_confirms_it_to_the_debtor(
        bot: Bot, api: FakeBotApi, service: Service, engine: Engine) -> None:
    plan_id, row = request_plan(service, engine)
    await alert(api, row.body or "", buttons_for(row, Language.FR))
    assert bot.buttons(OWNER) == ["Accepter l'échéancier", "Refuser l'échéancier", "Contre-proposer", "Voir le dossier"]
    shown = await bot.tap(OWNER, "Accepter l'échéancier")
    a = case_of(engine, "C-A")
    assert shown.endswith(f"Échéancier #{plan_id} accepté : le dossier #{a.id} suit cet échéancier. "
                          "Le débiteur en reçoit la confirmation par e-mail.")
    with Session(engine) as session:
        plan = session.get(PaymentPlan, plan_id)
        confirmation = session.exec(select(Message).where(Message.purpose == f"answer:plan_accepted:{plan_id}")).one()
    assert plan is not None and (plan.status, plan.accepted_at) == (PlanStatus.ACTIVE, NOW)
    assert a.state is CaseState.IN_PLAN and a.next_action_at == NOW
    assert confirmation.recipient == "compta@martin.example"
    assert [(e.kind, e.actor, e.to_state) for e in events(engine, a.id or 0)][-1] == \
        ("plan_approved", "owner", CaseState.IN_PLAN)
    assert await bot.feed(api.press_data(OWNER, f"o:plan_reject:{plan_id}")) == \
        [f"L'échéancier #{plan_id} n'attend plus de décision (active)."]


async def test_rejecting_a_plan_that_waited_lets_the_reminders_resume(
        bot: Bot, api: FakeBotApi, service: Service, engine: Engine) -> None:
    plan_id, row = request_plan(service, engine)
    await alert(api, row.body or "", buttons_for(row, Language.FR))
    assert "reprennent" in await bot.tap(OWNER, "Refuser l'échéancier")
    a = case_of(engine, "C-A")
    with Session(engine) as session:
        plan = session.get(PaymentPlan, plan_id)
    assert plan is not None and (plan.status, plan.ended_at) == (PlanStatus.REJECTED, NOW)
    assert a.state is CaseState.ACTIVE and a.next_action_at == NOW
    assert [(e.kind, e.actor) for e in events(engine, a.id or 0)][-1] == ("plan_rejected", "owner")


async def test_a_forged_owner_button_in_another_chat_does_nothing_and_says_nothing(
        bot: Bot, api: FakeBotApi, engine: Engine) -> None:
    a = case_of(engine, "C-A").id or 0
    flag(engine, a)
    with transaction(engine) as session:
        token = issue_token(session, case_of(engine, "C-B").debtor_id, now=NOW, days=30)
    await bot.say(ALICE, f"/start {token}")
    await bot.say(STRANGER, "bonjour")
    for chat in (ALICE, STRANGER):
        for data in (f"o:close_yes:{a}", f"o:approve_notice:{a}", f"o:pause:{a}", f"o:case:{a}", "o:reviewed:1"):
            assert await bot.feed(api.press_data(chat, data)) == []
    assert case_of(engine, "C-A").state is CaseState.NOTICE_PENDING
    assert [e.kind for e in events(engine, a)][-1] == "flagged_formal_notice"


async def test_the_debtors_buttons_still_work_beside_the_owners(bot: Bot, engine: Engine) -> None:
    with transaction(engine) as session:
        token = issue_token(session, case_of(engine, "C-B").debtor_id, now=NOW, days=30)
    await bot.say(ALICE, f"/start {token}")
    assert "F-B-1" in await bot.tap(ALICE, "What I owe")


# -- which buttons an alert carries --------------------------------------------------------------


@pytest.mark.parametrize(("purpose", "case_id", "related", "expected"), [
    ("alert:formal_notice", 7, None, [["o:approve_notice:7"], ["o:pause:7", "o:close:7"]]),
    ("alert:dispute", 7, 31, [["o:case:7", "o:reviewed:31"]]),
    ("alert:payment_claimed", 7, 31, [["o:case:7", "o:reviewed:31"]]),
    ("alert:reply_review", None, 31, [["o:reviewed:31"]]),
    ("alert:plan_request", 7, 5, [["o:plan_approve:5", "o:plan_reject:5"], ["o:plan_counter:5"], ["o:case:7"]]),
    ("alert:plan_request", 7, None, [["o:case:7"]]),  # asked for in words: no plan to approve yet
    ("alert:plan_broken", 7, 5, [["o:case:7", "o:pause:7"]]),
    ("alert:bounced", 7, 31, [["o:case:7", "o:pause:7"]]),
    ("alert:amicable_failed", 7, None, [["o:case:7", "o:close:7"]]),
    ("alert:channel_down", None, None, []),
    ("alert:digest", None, None, []),
], ids=lambda v: str(v))
def test_each_alert_carries_the_buttons_of_its_decision(purpose: str, case_id: int | None, related: int | None,
                                                        expected: list[list[str]]) -> None:
    rows = alert_buttons(purpose, case_id, related)
    assert [[data for _, data in row] for row in rows] == expected
    assert all(parse(data) is not None and len(data.encode()) <= 64 for row in rows for _, data in row)


def test_an_alert_rows_related_id_is_read_from_its_key() -> None:
    row = Message(case_id=7, direction=Direction.OUT, channel=Channel.TELEGRAM, purpose="alert:dispute",
                  status=MessageStatus.QUEUED, idempotency_key="7:alert:dispute:telegram:4242:message:31")
    assert buttons_for(row, Language.EN) == [[("Open the case", "o:case:7"), ("Mark as reviewed", "o:reviewed:31")]]
    row.purpose, row.idempotency_key = "alert:plan_request", "7:alert:plan_request:telegram:4242:message:31"
    assert buttons_for(row, Language.EN) == [[("Open the case", "o:case:7")]]  # a message is not a plan


# -- the daily digest ----------------------------------------------------------------------------

OWNER_CONTACT = Owner(email="patron@durand.example", chat_ids=(OWNER,), language=Language.FR)


def yesterday_happened(engine: Engine) -> None:
    at = NOW - timedelta(days=1)
    with transaction(engine) as session:
        a = session.get(Case, case_of(engine, "C-A").id)
        b = session.get(Case, case_of(engine, "C-B").id)
        assert a is not None and b is not None
        for case, channel in ((a, "email"), (b, "email"), (b, "telegram")):
            record(session, case, "reminder_sent", now=at, actor="dispatcher", data={"channel": channel})
        record(session, a, "promise_received", now=at, actor="debtor")
        record(session, b, "dispute_opened", now=at, actor="debtor")
        record(session, a, "reminder_sent", now=NOW - timedelta(days=2), actor="dispatcher", data={"channel": "email"})
    reply_to_review(engine, case_of(engine, "C-A").id, at=at)
    flag(engine, case_of(engine, "C-B").id or 0)


def test_the_digest_tells_yesterday_and_what_waits_for_the_owner(service: Service, engine: Engine) -> None:
    yesterday_happened(engine)
    with Session(engine) as session:
        found = digest(session, today=NOW.date(), tz=PARIS, language=Language.FR)
    assert found is not None
    subject, text = found
    b = case_of(engine, "C-B").id
    assert subject == "relance : résumé du 9 novembre 2026"
    assert text.splitlines() == [
        "Hier, 9 novembre 2026 :",
        "• Relances envoyées : 3 (email 2, telegram 1)",
        "• Réponses reçues : 1 (à examiner 1)",
        "• Promesses de paiement : 1 reçues, 0 non tenues",
        "• Contestations : 1",
        "",
        "Ce qui vous attend :",
        f"• Mises en demeure à approuver : #{b} C-B Baker & Sons",
        "• Réponses à examiner : 1 (/review sur Telegram, ou relance replies --review)",
    ]


def test_the_digest_is_queued_once_a_working_day_when_the_window_opens(service: Service, engine: Engine) -> None:
    yesterday_happened(engine)
    calendar = service.dispatcher.policy.calendar
    early = datetime(2026, 11, 10, 8, 59, tzinfo=PARIS)
    with transaction(engine) as session:
        assert queue_digest(session, OWNER_CONTACT, early, calendar=calendar) is False
        assert queue_digest(session, OWNER_CONTACT, early.replace(hour=9, minute=0), calendar=calendar) is True
        assert queue_digest(session, OWNER_CONTACT, early.replace(hour=17), calendar=calendar) is False
    with transaction(engine) as session:  # none on 11 November (a holiday); the next working day its own
        assert queue_digest(session, OWNER_CONTACT, early + timedelta(days=1, hours=2), calendar=calendar) is False
        assert queue_digest(session, OWNER_CONTACT, early + timedelta(days=2, hours=2), calendar=calendar) is True
    with Session(engine) as session:
        rows = session.exec(select(Message).where(Message.purpose == DIGEST).order_by(col(Message.id))).all()
    assert [(m.channel, m.recipient, m.status, m.case_id) for m in rows] == [
        (Channel.EMAIL, "patron@durand.example", MessageStatus.QUEUED, None)] * 2
    assert [m.idempotency_key.rsplit(":", 1)[1] for m in rows] == ["2026-11-10", "2026-11-12"]  # type: ignore[union-attr]
    assert rows[0].subject == "relance : résumé du 9 novembre 2026" and "Relances envoyées : 3" in (rows[0].body or "")
    assert "Relances" not in (rows[1].body or "") and "Mises en demeure à approuver" in (rows[1].body or "")


def test_a_quiet_day_sends_no_digest_and_is_not_decided_again(service: Service, engine: Engine) -> None:
    calendar = service.dispatcher.policy.calendar
    eight = datetime(2026, 11, 10, 9, 0, tzinfo=PARIS)
    with transaction(engine) as session:
        assert digest(session, today=eight.date(), tz=PARIS, language=Language.FR) is None
        assert queue_digest(session, OWNER_CONTACT, eight, calendar=calendar) is False
    reply_to_review(engine, None, at=eight)  # something to say now, but today's digest was decided
    with transaction(engine) as session:
        assert queue_digest(session, OWNER_CONTACT, eight.replace(hour=12), calendar=calendar) is False
    with Session(engine) as session:
        [row] = session.exec(select(Message).where(Message.purpose == DIGEST)).all()
    assert row.status is MessageStatus.SKIPPED
    with transaction(engine) as session:
        assert queue_digest(session, Owner(email="", chat_ids=(OWNER,), language=Language.FR),
                            eight + timedelta(days=1), calendar=calendar) is False  # no owner email, no digest


def test_a_mondays_digest_covers_the_weekend(service: Service, engine: Engine) -> None:
    calendar = service.dispatcher.policy.calendar
    saturday = datetime(2026, 11, 14, 9, 0, tzinfo=PARIS)
    with transaction(engine) as session:
        assert queue_digest(session, OWNER_CONTACT, saturday, calendar=calendar) is False  # not a working day
    reply_to_review(engine, None, at=datetime(2026, 11, 14, 15, 0, tzinfo=PARIS))
    with transaction(engine) as session:
        assert queue_digest(session, OWNER_CONTACT, datetime(2026, 11, 16, 9, 5, tzinfo=PARIS),
                            calendar=calendar) is True
    with Session(engine) as session:
        [row] = session.exec(select(Message).where(Message.purpose == DIGEST)).all()
    assert (row.body or "").startswith("Depuis le 13 novembre 2026 :") and "Réponses reçues : 1" in (row.body or "")


async def test_the_service_tick_queues_the_digest(service: Service, engine: Engine) -> None:
    yesterday_happened(engine)
    await service.tick(NOW)
    with Session(engine) as session:
        [row] = session.exec(select(Message).where(Message.purpose == DIGEST)).all()
    assert row.recipient == "patron@durand.example" and "Relances envoyées : 3" in (row.body or "")


async def test_the_owner_counter_proposes_and_the_debtor_accepts_by_email(
        bot: Bot, api: FakeBotApi, service: Service, engine: Engine) -> None:
    plan_id, row = request_plan(service, engine)
    await alert(api, row.body or "", buttons_for(row, Language.FR))
    assert f"/counter {plan_id}" in await bot.tap(OWNER, "Contre-proposer")
    answer = await bot.say(OWNER, f"/counter {plan_id} 3 x 500 € à partir du 20/11")
    assert answer == (f"Échéancier #{plan_id} remplacé par votre proposition (3 versements) : elle part au "
                      "débiteur, qui l'accepte en répondant « 1 ».")
    with Session(engine) as session:
        assert session.get(PaymentPlan, plan_id).status is PlanStatus.REJECTED  # type: ignore[union-attr]
        offer = session.exec(select(Message).where(col(Message.purpose).startswith("answer:plan_offer:"))).one()
    assert offer.recipient == "compta@martin.example" and "Option 1" in (offer.body or "")

    choice = EmailMessage()
    choice["From"], choice["To"], choice["Subject"] = "compta@martin.example", "compta@durand.example", "Re: plan"
    choice["Date"] = format_datetime(NOW)
    choice.set_content("Bonjour, c'est d'accord pour l'option 1.\n")
    stored = store(engine, mailbox="INBOX", uidvalidity=1, uid=1, raw=choice.as_bytes(), now=NOW)
    service.replies(lambda: NOW).process(stored.row_id, NOW)
    with Session(engine) as session:
        [taken] = session.exec(select(PaymentPlan).where(PaymentPlan.id != plan_id)).all()
    assert taken.status is PlanStatus.ACTIVE and taken.total == Decimal("1450.00")  # the owner's word: no bounds
    assert case_of(engine, "C-A").state is CaseState.IN_PLAN
