"""Telegram handlers for the owner: thin adapters from an Update to an `OwnerDesk` call and back.

Only chats in `[telegram] owner_chat_ids` are served. Commands from any other chat are not ours:
they fall through to the debtors' handlers (which give an unlinked chat its neutral line), so an
owner command answers nothing a stranger could tell apart. A button "o:…" pressed in any other
chat (a forged callback) is acknowledged and ignored. Register these handlers before the debtors'
(`OwnerHandlers(...).handlers() + DebtorHandlers(...).handlers()`): the debtors' button handler
takes every callback it is offered.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from datetime import tzinfo

from sqlalchemy.engine import Engine
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import MessageLimit
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.clock import Clock
from bot.owner_buttons import PREFIX, Buttons
from bot.owner_desk import Answer, OwnerDesk, Show
from bot.telegram_channel import split_text
from dialogs.parties import Language
from scheduler.notices import NoticeDesk
from scheduler.plans import PlanDesk

log = logging.getLogger("bot.telegram")
Handler = BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]


class OwnerHandlers:
    def __init__(self, engine: Engine, *, owner_chat_ids: Collection[int], clock: Clock,
                 notice_desk: Callable[[], NoticeDesk], plan_desk: PlanDesk, timezone: tzinfo,
                 language: Language) -> None:
        """`notice_desk` makes the NoticeDesk for each approval (`Service.notice_desk`), so rate tables
        the owner adds to [legal] rates_dir count without a restart."""
        self._owners = frozenset(owner_chat_ids)
        self.desk = OwnerDesk(engine, clock, notice_desk, plan_desk, timezone, language)

    def handlers(self) -> list[Handler]:
        if not self._owners:
            return []
        # New messages only: an edited "/paid" is the same request, not a second payment.
        owner = filters.Chat(chat_id=self._owners) & filters.UpdateType.MESSAGE
        return [
            CommandHandler("cases", self.cases, filters=owner),
            CommandHandler("case", self.case, filters=owner),
            CommandHandler("pause", self.pause, filters=owner),
            CommandHandler("resume", self.resume, filters=owner),
            CommandHandler("paid", self.paid, filters=owner),
            CommandHandler("review", self.review, filters=owner),
            CommandHandler("counter", self.counter, filters=owner),
            MessageHandler(owner & filters.COMMAND, self.help),  # /start, /help, a typo
            CallbackQueryHandler(self.press, pattern=f"^{PREFIX}"),
        ]

    async def help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await _reply(update, self.desk.help())

    async def cases(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await _reply(update, self.desk.cases())

    async def case(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await _reply(update, self.desk.case(_argument(context)))

    async def pause(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await _reply(update, self.desk.pause(_argument(context)))

    async def resume(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await _reply(update, self.desk.resume(_argument(context)))

    async def paid(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None
        # The chat message is the request: Telegram delivering it twice records one payment.
        await _reply(update, self.desk.paid(context.args or [], f"{message.chat.id}:{message.message_id}"))

    async def counter(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await _reply(update, self.desk.counter(context.args or []))

    async def review(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await _reply(update, self.desk.review())

    async def press(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()  # stops the button's spinner, whatever follows
        message = query.message
        if not isinstance(message, Message) or message.chat.id not in self._owners:
            log.info("owner button pressed outside the owner chats (chat=%s): ignored",
                     message.chat.id if message is not None else None)
            return
        answer = self.desk.press(query.data or "")
        if answer is not None:
            await _show(message, answer, query.data or "")


def _argument(context: ContextTypes.DEFAULT_TYPE) -> str:
    return " ".join(context.args or []).strip()


async def _reply(update: Update, answer: Answer) -> None:
    assert update.effective_message is not None
    await _send(update.effective_message, answer.text, answer.buttons)


async def _show(tapped: Message, answer: Answer, pressed: str) -> None:
    """A new message, or the outcome appended to the message tapped (its buttons spent, or only the
    one pressed). Plain text always: what the tapped message quoted is a debtor's, never markup."""
    if answer.show is Show.NEW:
        await _send(tapped, answer.text, answer.buttons)
        return
    text = f"{tapped.text or ''}\n\n{answer.text}".strip()
    keep: Buttons = []
    if answer.show is Show.TICK and tapped.reply_markup is not None:
        keep = [[(b.text, str(b.callback_data)) for b in row if b.callback_data != pressed]
                for row in tapped.reply_markup.inline_keyboard]
        keep = [row for row in keep if row]
    if len(text) > MessageLimit.MAX_TEXT_LENGTH:  # an alert near the limit: say it apart
        await _send(tapped, answer.text, [])
        return
    await tapped.edit_text(text, parse_mode=None, reply_markup=_markup(keep))


async def _send(beside: Message, text: str, buttons: Buttons) -> None:
    parts = split_text(text)
    for number, part in enumerate(parts, start=1):
        await beside.get_bot().send_message(beside.chat.id, part, parse_mode=None,
                                            reply_markup=_markup(buttons) if number == len(parts) else None)


def _markup(buttons: Buttons) -> InlineKeyboardMarkup | None:
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data) for label, data in row]
                                 for row in buttons]) if buttons else None
