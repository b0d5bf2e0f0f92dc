"""Outgoing Telegram: plain-text reminders and owner alerts, Bot API errors mapped to delivery outcomes."""

from __future__ import annotations

import logging
import warnings
from datetime import timedelta
from types import TracebackType

import httpx
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import InlineKeyboardButtonLimit, MessageLimit
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.request import BaseRequest
from telegram.warnings import PTBDeprecationWarning

from bot.delivery_errors import ChannelDown, DeliveryError, PermanentFailure, TemporaryFailure, UnknownOutcome

log = logging.getLogger("bot.telegram")

TELEGRAM_BASE_URL = "https://api.telegram.org/bot"
Buttons = list[list[tuple[str, str]]]  # rows of (label, callback_data)


class RateLimited(TemporaryFailure):
    """Telegram's flood control refused the message: retry no sooner than `retry_after`."""

    def __init__(self, reason: str, *, retry_after: timedelta) -> None:
        super().__init__(reason, code=429)
        self.retry_after = retry_after


def quiet_http_logs() -> None:
    """Keep the bot token and message texts out of the logs; call once at start-up.

    httpx logs every request URL at INFO, and Bot API URLs carry the token; PTB's `telegram.Bot`
    logs the token-bearing base URL and every call's parameters (message texts) at DEBUG.
    """
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("telegram.Bot").setLevel(logging.INFO)


def split_text(text: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """`text` in parts of at most `limit` characters, cut between lines (inside a line only when
    the line alone is longer than `limit`); blank parts are dropped, as Telegram refuses them."""
    parts: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        if len(current) + len(line) > limit:
            parts.append(current)
            current = ""
            while len(line) > limit:
                parts.append(line[:limit])
                line = line[limit:]
        current += line
    parts.append(current)
    return [part.rstrip("\n") for part in parts if part.strip()]


class TelegramChannel:
    """Sends messages to Telegram chats through one `telegram.Bot`; use as `async with channel:`.

    Every failure is a `DeliveryError`: `PermanentFailure` (this chat will never receive it),
    `TemporaryFailure` (retry later; `RateLimited` says when), `UnknownOutcome` (Telegram may have
    delivered it: never resend), `ChannelDown` (the token or base URL must be fixed by the owner).
    """

    def __init__(self, token: str, *, base_url: str | None = None, request: BaseRequest | None = None) -> None:
        """`base_url` points at a self-hosted Bot API server ("http://host:8081/bot"; the token is
        appended, or fills a "{token}" placeholder); `request` replaces PTB's HTTP transport (tests)."""
        self._token = token
        try:
            self._bot = Bot(token, base_url=base_url or TELEGRAM_BASE_URL, request=request,
                            get_updates_request=request)
        except InvalidToken:
            raise ChannelDown("no Telegram bot token configured: set [telegram] token") from None

    async def __aenter__(self) -> TelegramChannel:
        try:
            await self._bot.initialize()  # getMe: checks the token and the base URL at once
        except TelegramError as exc:
            await self._bot.shutdown()
            raise self._failure(exc, sending=False) from None
        log.info("connected as @%s", self._bot.username)
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self._bot.shutdown()

    async def send(self, chat_id: int, text: str, *, buttons: Buttons | None = None) -> int:
        """Send `text` as plain text (never parsed as Markdown or HTML), with an optional inline
        keyboard, and return the Telegram message id. A text longer than one message goes as
        several, cut between lines; the keyboard rides on the last, the id is the first's.
        A failure after the first part leaves the earlier parts delivered."""
        parts = split_text(text)
        if not parts:
            raise ValueError("a Telegram message needs some text")
        markup = _keyboard(buttons) if buttons else None
        ids: list[int] = []
        for number, part in enumerate(parts, start=1):
            ids.append(await self._send_part(chat_id, part, markup if number == len(parts) else None))
        log.info("sent chat=%s message=%s parts=%d", chat_id, ids[0], len(ids))
        return ids[0]

    async def _send_part(self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None) -> int:
        try:
            # parse_mode=None explicitly, so no `Defaults` can ever make debtor text markup.
            message = await self._bot.send_message(chat_id, text, parse_mode=None, reply_markup=markup)
        except TelegramError as exc:
            failure = self._failure(exc, sending=True)
            log.warning("send failed chat=%s (%s): %s", chat_id, type(failure).__name__, failure)
            raise failure from None
        return message.message_id

    def _failure(self, exc: TelegramError, *, sending: bool) -> DeliveryError:
        """What the dispatcher should do about `exc`. Callers drop the cause (`from None`): PTB's
        messages and tracebacks can carry the token."""
        reason = exc.message.replace(self._token, "<token>")
        if isinstance(exc, InvalidToken):
            return ChannelDown("the Bot API refused the bot token (or base_url is not a Bot API server): "
                               "fix [telegram] token / base_url")
        if isinstance(exc, RetryAfter):
            return RateLimited(reason, retry_after=_retry_after(exc))
        if isinstance(exc, Forbidden):  # blocked by the user, user deactivated, bot kicked from the group
            return PermanentFailure(reason, code=403)
        if isinstance(exc, BadRequest):
            # "chat not found", "PEER_ID_INVALID", "not enough rights…": the same request to the same
            # chat is refused again, so retrying would only stall the outbox.
            return PermanentFailure(reason, code=400)
        if isinstance(exc, ChatMigrated):
            return PermanentFailure(f"the group is now the supergroup {exc.new_chat_id}: link that chat id", code=400)
        if sending and isinstance(exc, TimedOut) and isinstance(exc.__cause__, httpx.ReadTimeout):
            # The request reached Telegram, which may have delivered it before the answer was lost.
            return UnknownOutcome(f"Telegram did not answer in time: {reason}")
        # NetworkError (TimedOut included), or an answer PTB could not read.
        return TemporaryFailure(reason)


def _keyboard(buttons: Buttons) -> InlineKeyboardMarkup:
    # Checked before anything is sent: Telegram would refuse the last part after the first went out.
    for row in buttons:
        for label, data in row:
            if len(data.encode()) > InlineKeyboardButtonLimit.MAX_CALLBACK_DATA:
                raise ValueError(f"callback data of button {label!r} is over 64 bytes")
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data) for label, data in row]
                                 for row in buttons])


def _retry_after(exc: RetryAfter) -> timedelta:
    # PTB 22 deprecates the int form of `retry_after` (it warns when read) in favour of timedelta.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        delay = exc.retry_after
    return delay if isinstance(delay, timedelta) else timedelta(seconds=delay)
