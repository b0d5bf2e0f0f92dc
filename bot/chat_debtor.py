"""Telegram handlers for debtors: thin adapters from an Update to a `DebtorDialog` turn and back.

They read the chat id, the text, the button's data or the file, and show the Screen the dialog
returns; every decision is the dialog's. Only private chats are served (a group would show a
debtor's case to everyone in it), and the owner's chats are left to the owner's handlers.
"""

from __future__ import annotations

import logging
from collections.abc import Collection

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from bot.chat_dialog import DebtorDialog, Proof, Screen
from bot.telegram_channel import split_text

log = logging.getLogger("bot.telegram")
# Proofs are receipts and screenshots; anything bigger is not read (the Bot API serves up to 20 MB).
MAX_PROOF_BYTES = 10 * 1024 * 1024


class DebtorHandlers:
    def __init__(self, dialog: DebtorDialog, *, owner_chat_ids: Collection[int] = ()) -> None:
        self.dialog = dialog
        self._owners = frozenset(owner_chat_ids)

    def handlers(self) -> list[BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]]:
        private = filters.ChatType.PRIVATE
        if self._owners:
            private = private & ~filters.Chat(chat_id=self._owners)
        return [
            CommandHandler("start", self.start, filters=private),
            CommandHandler("stop", self.stop, filters=private),
            MessageHandler(private & filters.COMMAND, self.menu),  # /menu, /help, anything else
            CallbackQueryHandler(self.press),
            MessageHandler(private & (filters.PHOTO | filters.Document.ALL), self.proof),
            MessageHandler(private & filters.TEXT & ~filters.COMMAND, self.write),
        ]

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat_id, message = _chat_id(update), update.effective_message
        assert message is not None
        token = context.args[0] if context.args else ""
        await _show(message, self.dialog.start(chat_id, token, _hint(update)))

    async def stop(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await _show(update.effective_message, self.dialog.stop(_chat_id(update), _hint(update)))

    async def menu(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await _show(update.effective_message, self.dialog.menu(_chat_id(update), _hint(update)))

    async def write(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None and message.text is not None
        await _show(message, self.dialog.write(_chat_id(update), message.text, _hint(update)))

    async def proof(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None
        chat_id = _chat_id(update)
        if not self.dialog.accepts_files(chat_id):  # a stranger's file is not even downloaded
            await _show(message, self.dialog.write(chat_id, "", _hint(update)))
            return
        if message.photo:
            attachment, name = message.photo[-1], f"photo-{message.message_id}.jpg"  # the largest size
        else:
            assert message.document is not None
            attachment, name = message.document, message.document.file_name or f"file-{message.message_id}"
        proof = None
        if (attachment.file_size or 0) <= MAX_PROOF_BYTES:
            content = await (await attachment.get_file()).download_as_bytearray()
            proof = Proof(name, bytes(content))
        await _show(message, self.dialog.write(chat_id, message.caption or "", _hint(update), proof))

    async def press(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()  # stops the button's spinner, whatever follows
        message = query.message
        if not isinstance(message, Message) or message.chat.type != ChatType.PRIVATE \
                or message.chat.id in self._owners:
            return
        screen = self.dialog.press(message.chat.id, query.data or "", query.from_user.language_code)
        await _show(message, screen)


def _chat_id(update: Update) -> int:
    assert update.effective_chat is not None
    return update.effective_chat.id


def _hint(update: Update) -> str | None:
    """The user's Telegram language, for the neutral answer to a chat we know nothing of."""
    return update.effective_user.language_code if update.effective_user else None


async def _show(message: Message, screen: Screen) -> None:
    """`screen` in the chat: edited into the tapped message when asked, else sent as new message(s).
    Plain text always (parse_mode None): names and invoice numbers are data, never markup."""
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data) for label, data in row]
                                   for row in screen.buttons]) if screen.buttons else None
    if screen.edit:
        await message.edit_text(screen.text, parse_mode=None, reply_markup=markup)
        return
    parts = split_text(screen.text)
    for number, part in enumerate(parts, start=1):
        await message.get_bot().send_message(message.chat.id, part, parse_mode=None,
                                             reply_markup=markup if number == len(parts) else None)
