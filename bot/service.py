"""The running assistant: one tick (sweep, then dispatch) and `relance run`, which beats it.

APScheduler only sets the beat: one interval job, coalesced, never two at once. What is due
lives in the database (`next_action_at`, the outbox), so a restart loses nothing.
"""

from __future__ import annotations

import asyncio
import logging
import mimetypes
import signal
from dataclasses import dataclass
from datetime import datetime
from email.message import Message as Email
from email.utils import parseaddr
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.engine import Engine
from telegram.request import BaseRequest

from bot import assembly
from bot.chat_app import ChatApp, build_application
from bot.chat_debtor import DebtorHandlers
from bot.chat_dialog import DebtorDialog
from bot.chat_owner import OwnerHandlers
from bot.clock import Clock
from bot.config import ConfigError, LoadedConfig
from bot.delivery_errors import ChannelDown
from bot.dispatcher import ChatSender, DispatchReport, Dispatcher, EmailBuilder, EmailSender
from bot.email_channel import Attachment, SmtpChannel, compose, new_message_id
from bot.imap_listener import ImapListener
from bot.notice_pdf import render_pdf
from bot.replies import ReplyProcessor
from bot.telegram_channel import TelegramChannel, quiet_http_logs
from dialogs.alerts import Alert, AlertKind
from scheduler.alerts import queue_alert
from scheduler.digest import queue_digest
from scheduler.notices import NoticeDesk
from scheduler.plans import PlanDesk
from scheduler.replies import ReplyEffects
from scheduler.sweep import SweepReport, sweep
from scheduler.watchdog import watch_limitation
from storage.engine import transaction
from storage.models import Debtor, Message

log = logging.getLogger("bot.service")


@dataclass(frozen=True, slots=True)
class TickReport:
    sweep: SweepReport
    dispatch: DispatchReport


@dataclass
class Service:
    loaded: LoadedConfig
    engine: Engine
    dispatcher: Dispatcher

    def replies(self, clock: Clock) -> ReplyProcessor:
        """What becomes of stored inbound mail (the IMAP listener hands it over; tests and the demo too)."""
        config = self.loaded.config
        effects = ReplyEffects(self.dispatcher.policy, assembly.reply_rules(config), self.dispatcher.composer,
                               self.plan_desk())
        return ReplyProcessor(self.engine, effects, ZoneInfo(config.company.timezone), clock)

    def chat_app(self, clock: Clock, *, request: BaseRequest | None = None) -> ChatApp | None:
        """The Telegram bot debtors talk to, when `[telegram]` has a token; `request` replaces PTB's
        HTTP transport (tests and benchmarks answer the Bot API in-process)."""
        config = self.loaded.config
        telegram = config.telegram
        if telegram is None or telegram.token is None:
            return None
        dialog = DebtorDialog(self.engine, self.replies(clock).effects, ZoneInfo(config.company.timezone), clock,
                              default_language=config.company.language)
        # The owner's buttons first: the debtor's callback handler takes any button it is shown.
        owner = OwnerHandlers(self.engine, owner_chat_ids=telegram.owner_chat_ids, clock=clock,
                              notice_desk=self.notice_desk, plan_desk=self.plan_desk(),
                              timezone=ZoneInfo(config.company.timezone), language=config.owner.language)
        handlers = owner.handlers() + DebtorHandlers(dialog, owner_chat_ids=telegram.owner_chat_ids).handlers()
        return ChatApp(build_application(telegram.token.get_secret_value(), handlers, base_url=telegram.base_url,
                                         request=request))

    def listener(self, clock: Clock) -> ImapListener | None:
        """The inbox follower when `[imap]` is configured; a fatal error alerts the owner."""
        if self.loaded.config.imap is None:
            return None
        policy = self.dispatcher.policy

        async def inbox_down(reason: str) -> None:
            with transaction(self.engine) as session:
                queue_alert(session, policy.owner, Alert(AlertKind.INBOX_DOWN, None, "", reason), clock(),
                            once_per=f"{clock():%Y-%m-%d}")

        return ImapListener(self.loaded.config.imap, self.engine, handle=self.replies(clock).handle,
                            on_fatal=inbox_down, clock=clock)

    def plan_desk(self) -> PlanDesk:
        """Payment plans within the owner's `[plans]` bounds, on any channel."""
        config = self.loaded.config
        return PlanDesk(self.dispatcher.policy, self.dispatcher.composer, assembly.plan_bounds(config),
                        config.replies.claim_grace_days)

    def notice_desk(self) -> NoticeDesk:
        """Formal notices: drafted, previewed, approved (the PDF by WeasyPrint)."""
        config = self.loaded.config
        return NoticeDesk(self.dispatcher.policy, self.dispatcher.composer, assembly.legal_terms(self.loaded),
                          config.legal.notice_deadline_days, assembly.notice_place(config), render_pdf)

    def recover(self, now: datetime) -> DispatchReport:
        """Take over what a dead dispatcher left; only while holding the dispatcher lock."""
        report = self.dispatcher.recover(now)
        if report.recovered or report.resent:
            log.info("recovered: %d interrupted messages confirmed sent, %d queued again",
                     report.recovered, report.resent)
        return report

    async def tick(self, now: datetime, *, dry_run: bool = False) -> TickReport:
        """One sweep as of `now`, then delivery of everything due (nothing is sent on a dry run)."""
        swept = sweep(self.engine, self.dispatcher.policy, self.dispatcher.composer, now=now, dry_run=dry_run)
        if dry_run:
            return TickReport(swept, DispatchReport())
        with transaction(self.engine) as session:
            watch_limitation(session, self.dispatcher.policy, now)
            if self.loaded.config.owner.digest:
                queue_digest(session, self.dispatcher.policy.owner, now, calendar=self.dispatcher.policy.calendar)
        return TickReport(swept, await self.dispatcher.dispatch(now))


def build(loaded: LoadedConfig, engine: Engine, *, email: EmailSender | None = None,
          chat: ChatSender | None = None) -> Service:
    """The service on `engine`; channels come from the config unless given (tests give their own)."""
    config = loaded.config
    problems = assembly.template_problems(loaded)
    if problems:
        raise ConfigError(problems, loaded.path)
    if email is None and config.smtp is not None:
        email = SmtpChannel.from_config(config.smtp)
    if chat is None and config.telegram is not None and config.telegram.token is not None:
        chat = TelegramChannel(config.telegram.token.get_secret_value(), base_url=config.telegram.base_url or None)
    composer = assembly.composer(loaded)
    policy = assembly.sweep_policy(config, composer, assembly.legal_terms(loaded))
    dispatcher = Dispatcher(engine=engine, policy=policy, composer=composer,
                            build_email=email_builder(loaded), email=email, chat=chat)
    return Service(loaded, engine, dispatcher)


def email_builder(loaded: LoadedConfig) -> EmailBuilder:
    """How an outbox row becomes the email that goes out (its Message-ID made once, then kept)."""
    smtp = loaded.config.smtp
    sender = smtp.from_ if smtp else loaded.config.company.email
    domain = parseaddr(sender)[1].rpartition("@")[2] or "relance.invalid"
    owner_language = loaded.config.owner.language

    def build_email(message: Message, debtor: Debtor | None, now: datetime) -> Email:
        return compose(
            sender=sender, to_name=debtor.name if debtor else "", to_address=message.recipient or "",
            subject=message.subject or "", text=message.body or "", html=message.html,
            language=debtor.language if debtor else owner_language,
            message_id=message.message_id or new_message_id(domain), now=now,
            reply_to=smtp.reply_to if smtp else "",
            in_reply_to=message.in_reply_to or "", references=[message.in_reply_to] if message.in_reply_to else (),
            attachments=[Attachment(message.attachment_name or "attachment", message.attachment,
                                    _mime_type(message.attachment_name))] if message.attachment else ())

    return build_email


def _mime_type(filename: str | None) -> str:
    return mimetypes.guess_type(filename or "")[0] or "application/octet-stream"


async def run_forever(service: Service, clock: Clock) -> None:
    """`relance run`: recover from any crash, then tick every `sweep_every_seconds` until SIGTERM/SIGINT."""
    quiet_http_logs()
    service.recover(clock())
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    scheduler = AsyncIOScheduler()
    running = asyncio.Lock()

    async def beat() -> None:
        try:
            async with running:
                result = await service.tick(clock())
            log.info("tick: %d cases examined, %d queued, %d sent, %d retried, %d failed",
                     result.sweep.examined, result.sweep.queued, result.dispatch.sent, result.dispatch.retried,
                     result.dispatch.failed)
        except Exception:  # the next beat tries again; the database still holds everything due
            log.exception("tick failed")

    every = service.loaded.config.sending.sweep_every_seconds
    scheduler.add_job(beat, "interval", seconds=every, coalesce=True, max_instances=1, next_run_time=clock())
    scheduler.start()
    listener = service.listener(clock)
    listening = asyncio.create_task(listener.run(stop)) if listener else None
    chat = service.chat_app(clock)
    try:
        if chat is not None:
            try:
                await chat.start()
            except ChannelDown as exc:  # reminders and email replies go on; [telegram] needs fixing
                log.error("the Telegram bot did not start: %s", exc)
                chat = None
        await stop.wait()
    finally:
        if chat is not None:
            await chat.stop()
        scheduler.shutdown(wait=False)
        if listening is not None:
            await listening
        async with running:  # let a tick under way finish: it commits as it delivers
            log.info("stopped")
