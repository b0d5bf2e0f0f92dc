"""The Telegram bot inside `relance run`: a python-telegram-bot Application started and stopped by hand.

`run_polling()` would own the event loop, which is the service's (STYLE.md, "Own the lifecycle");
so `start` does initialize → start → updater.start_polling, and `stop` undoes them in reverse.
PTB persistence stays off: dialog state lives in the database (bot/chat_dialog.py).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder, BaseHandler, ContextTypes
from telegram.request import BaseRequest

from bot.delivery_errors import ChannelDown
from bot.telegram_channel import TELEGRAM_BASE_URL

log = logging.getLogger("bot.telegram")
# Seconds a getUpdates long poll waits on Telegram's side: long enough to cost nothing when idle,
# short enough that stopping (which sends one last getUpdates) is quick.
POLL_TIMEOUT = 10


def file_url(base_url: str) -> str:
    """Where files are downloaded, beside the Bot API's `base_url`: "http://h:8081/bot" →
    "http://h:8081/file/bot" (a "{token}" placeholder is kept), as the Bot API server serves them."""
    head, found, tail = base_url.rpartition("/bot")
    return f"{head}/file/bot{tail}" if found else base_url


def build_application(token: str, handlers: Sequence[BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]], *,
                      base_url: str = "", request: BaseRequest | None = None) -> Application:  # type: ignore[type-arg]
    """The Application for `token`, through `base_url` (a self-hosted Bot API server) or Telegram's;
    `request` replaces PTB's HTTP transport for API calls and long polls alike (tests, benchmarks)."""
    base = base_url or TELEGRAM_BASE_URL
    # No job queue: APScheduler already beats the service, and PTB's would be a second scheduler.
    builder = ApplicationBuilder().token(token).base_url(base).base_file_url(file_url(base)).job_queue(None)
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    application = builder.build()
    application.add_handlers(list(handlers))
    application.add_error_handler(_log_error)
    return application


async def _log_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    # The update itself is not logged: it carries what the debtor wrote.
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("update=%s failed", update_id, exc_info=context.error)


class ChatApp:
    """One Application, polled for updates while the service runs."""

    def __init__(self, application: Application) -> None:  # type: ignore[type-arg]
        self.application = application

    async def start(self) -> None:
        """getMe (checks token and base URL), then handle updates as they come.

        Raises ChannelDown, without PTB's message (it can quote the token), when the Bot API
        cannot be reached or refuses the token."""
        try:
            await self.application.initialize()
            await self.application.start()
            assert self.application.updater is not None
            await self.application.updater.start_polling(timeout=POLL_TIMEOUT)
        except TelegramError as exc:
            await self.stop()
            raise ChannelDown(f"the Bot API refused or could not be reached ({type(exc).__name__}): "
                              "check [telegram] token and base_url") from None
        log.info("chat bot polling as @%s", self.application.bot.username)

    async def stop(self) -> None:
        """Stop polling, let the update under way finish, and close the connections."""
        updater = self.application.updater
        if updater is not None and updater.running:
            await updater.stop()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()
        log.info("chat bot stopped")
