"""The demo's Telegram: the Bot API answered in-process, so the real python-telegram-bot code runs with no
account and no network. Only what the debtor's side of the bot uses is imitated; chats are kept for the report.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from telegram.request import BaseRequest, RequestData

TOKEN = "424242:relance-demo-token-not-a-real-one"
BOT_USERNAME = "relance_demo_bot"
_BOT_ID = 424242
_DATE = 1_793_000_000  # a fixed date on every message: the demo's output never depends on the wall clock

Buttons = tuple[tuple[tuple[str, str], ...], ...]  # rows of (label, callback_data)


@dataclass(frozen=True, slots=True)
class ChatLine:
    """One message in a chat, as it shows now (after any edit)."""

    message_id: int
    from_bot: bool
    text: str
    buttons: Buttons = ()


class BotApiImitation(BaseRequest):
    """PTB's transport (`request=`): answers getMe, sendMessage, editMessageText, answerCallbackQuery and
    the like as Telegram would; `says` and `taps` make the Updates a user's client would cause."""

    def __init__(self) -> None:
        self._chats: dict[int, list[ChatLine]] = {}
        self._ids = itertools.count(1)
        self._updates = itertools.count(1)

    def chat(self, chat_id: int) -> list[ChatLine]:
        return list(self._chats.get(chat_id, ()))

    def says(self, chat_id: int, text: str) -> dict[str, Any]:
        """The user types `text`: the Update as JSON, for `Update.de_json` and `process_update`."""
        line = self._add(chat_id, ChatLine(next(self._ids), False, text))
        return {"update_id": next(self._updates), "message": self._json(chat_id, line)}

    def taps(self, chat_id: int, label: str) -> dict[str, Any]:
        """The user taps the newest button labelled `label`: the callback query Update as JSON."""
        for line in reversed(self._chats.get(chat_id, [])):
            data = next((d for row in line.buttons for text, d in row if text == label), None)
            if data is not None:
                query = {"id": str(next(self._ids)), "from": _user(chat_id), "chat_instance": str(chat_id),
                         "data": data, "message": self._json(chat_id, line)}
                return {"update_id": next(self._updates), "callback_query": query}
        raise LookupError(f"chat {chat_id} shows no button {label!r}")

    def buttons(self, chat_id: int) -> list[str]:
        """The labels on the newest message that shows buttons."""
        shown = [line for line in self._chats.get(chat_id, []) if line.buttons]
        return [label for row in shown[-1].buttons for label, _ in row] if shown else []

    # -- BaseRequest --------------------------------------------------------------------------

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = BaseRequest.DEFAULT_NONE, write_timeout: Any = BaseRequest.DEFAULT_NONE,
                         connect_timeout: Any = BaseRequest.DEFAULT_NONE,
                         pool_timeout: Any = BaseRequest.DEFAULT_NONE) -> tuple[int, bytes]:
        form = request_data.json_parameters if request_data else {}
        name = urlsplit(url).path.rpartition("/")[2]
        result = self._answer(name, form)
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def _answer(self, method: str, form: dict[str, str]) -> object:
        if method == "getMe":
            return {"id": _BOT_ID, "is_bot": True, "first_name": "Relance", "username": BOT_USERNAME}
        if method == "sendMessage":
            chat_id = int(form["chat_id"])
            line = self._add(chat_id, ChatLine(next(self._ids), True, form.get("text", ""), _keyboard(form)))
            return self._json(chat_id, line)
        if method == "editMessageText":
            chat_id, message_id = int(form["chat_id"]), int(form["message_id"])
            chat = self._chats.setdefault(chat_id, [])
            index = next(i for i, line in enumerate(chat) if line.message_id == message_id)
            chat[index] = replace(chat[index], text=form.get("text", ""), buttons=_keyboard(form))
            return self._json(chat_id, chat[index])
        return True  # answerCallbackQuery, deleteWebhook, setMyCommands…: nothing to show

    def _add(self, chat_id: int, line: ChatLine) -> ChatLine:
        self._chats.setdefault(chat_id, []).append(line)
        return line

    def _json(self, chat_id: int, line: ChatLine) -> dict[str, Any]:
        sender = ({"id": _BOT_ID, "is_bot": True, "first_name": "Relance", "username": BOT_USERNAME}
                  if line.from_bot else _user(chat_id))
        data: dict[str, Any] = {"message_id": line.message_id, "date": _DATE, "text": line.text, "from": sender,
                                "chat": {"id": chat_id, "type": "private", "first_name": f"User {chat_id}"}}
        if line.text.startswith("/") and not line.from_bot:
            # Telegram marks a leading command; CommandHandler looks for that mark.
            data["entities"] = [{"type": "bot_command", "offset": 0, "length": len(line.text.split()[0])}]
        if line.buttons:
            data["reply_markup"] = {"inline_keyboard": [[{"text": t, "callback_data": d} for t, d in row]
                                                        for row in line.buttons]}
        return data


def _user(chat_id: int) -> dict[str, Any]:
    return {"id": chat_id, "is_bot": False, "first_name": f"User {chat_id}"}


def _keyboard(form: dict[str, str]) -> Buttons:
    if "reply_markup" not in form:
        return ()
    rows = json.loads(form["reply_markup"]).get("inline_keyboard", [])
    return tuple(tuple((b["text"], b.get("callback_data", "")) for b in row) for row in rows)
