"""The demo's Telegram: the Bot API answered in-process, so the real python-telegram-bot code runs with no
account and no network. Only what the debtor's side of the bot uses is imitated; chats are kept for the report.
The tests' imitation (tests/telegram_fakes.py) is this one with Telegram's refusals, files, polling and HTTP added.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Mapping
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
    the like as Telegram would; `user_says` and `press` make the Updates a user's client would cause.
    Thread-safe, so that a subclass may also answer from an HTTP server's thread."""

    def __init__(self, *, bot_id: int = _BOT_ID, bot_username: str = BOT_USERNAME, date: int = _DATE) -> None:
        self.bot_username = bot_username
        self._bot_id = bot_id
        self._date = date
        self._lock = threading.Lock()
        self._chats: dict[int, list[ChatLine]] = {}
        self._message_ids: dict[int, itertools.count[int]] = {}  # Telegram numbers messages per chat
        self._update_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)

    def chat(self, chat_id: int) -> list[ChatLine]:
        """Every message in the chat, oldest first, as it looks now."""
        with self._lock:
            return list(self._chats.get(chat_id, ()))

    def buttons(self, chat_id: int) -> list[str]:
        """The labels on the newest message that shows buttons."""
        shown = [line for line in self.chat(chat_id) if line.buttons]
        return [label for row in shown[-1].buttons for label, _ in row] if shown else []

    def user_says(self, chat_id: int, text: str) -> dict[str, Any]:
        """The user types `text`: the Update as JSON, for `Update.de_json` and `process_update`."""
        with self._lock:
            return self._from_user(chat_id, ChatLine(self._next_id(chat_id), False, text))

    def press(self, chat_id: int, label: str) -> dict[str, Any]:
        """The user taps the newest button labelled `label`: the callback query Update as JSON (carrying the
        message, as Telegram does, so that handlers can edit it)."""
        with self._lock:
            for line in reversed(self._chats.get(chat_id, [])):
                data = next((d for row in line.buttons for text, d in row if text == label), None)
                if data is not None:
                    return self._callback_query(chat_id, line, data)
        raise LookupError(f"chat {chat_id} shows no button {label!r}")

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
        # The strings and files PTB would put on the wire, so that an answer over HTTP decodes the same input.
        form = request_data.json_parameters if request_data else {}
        uploads = request_data.multipart_data if request_data else {}
        return await self._respond(urlsplit(url).path, form, uploads)

    async def _respond(self, path: str, form: dict[str, str], uploads: Mapping[str, Any]) -> tuple[int, bytes]:
        """The HTTP status and body Telegram would answer to `/bot<token>/<method>`."""
        with self._lock:
            result = self._answer(path.rpartition("/")[2], form)
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def _answer(self, method: str, form: dict[str, str]) -> object:
        if method == "getMe":
            return self._bot_json()
        if method == "sendMessage":
            chat_id = int(form["chat_id"])
            line = ChatLine(self._next_id(chat_id), True, form.get("text", ""), self._keyboard(form))
            return self._json(chat_id, self._append(chat_id, line))
        if method == "editMessageText":
            chat_id, message_id = int(form["chat_id"]), int(form["message_id"])
            chat = self._chats.setdefault(chat_id, [])
            index = next(i for i, line in enumerate(chat) if line.message_id == message_id)
            chat[index] = replace(chat[index], text=form.get("text", ""), buttons=self._keyboard(form))
            return self._json(chat_id, chat[index])
        return True  # answerCallbackQuery, deleteWebhook, setMyCommands…: nothing to show

    # -- bookkeeping (callers hold the lock) -------------------------------------------------

    def _next_id(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    def _append(self, chat_id: int, line: ChatLine) -> ChatLine:
        self._chats.setdefault(chat_id, []).append(line)
        return line

    def _from_user(self, chat_id: int, line: ChatLine) -> dict[str, Any]:
        """`line` arrives from the user's client: kept in the chat, and the message Update as JSON."""
        return {"update_id": next(self._update_ids), "message": self._json(chat_id, self._append(chat_id, line))}

    def _callback_query(self, chat_id: int, line: ChatLine, data: str) -> dict[str, Any]:
        query = {"id": str(next(self._callback_ids)), "from": _user(chat_id), "chat_instance": str(chat_id),
                 "data": data, "message": self._json(chat_id, line)}
        return {"update_id": next(self._update_ids), "callback_query": query}

    def _bot_json(self) -> dict[str, Any]:
        return {"id": self._bot_id, "is_bot": True, "first_name": "Relance", "username": self.bot_username}

    def _json(self, chat_id: int, line: ChatLine) -> dict[str, Any]:
        """The Message object Telegram would send for `line`."""
        data: dict[str, Any] = {"message_id": line.message_id, "date": self._date, "chat": _chat(chat_id),
                                "from": self._bot_json() if line.from_bot else _user(chat_id),
                                **self._content_json(chat_id, line)}
        if line.buttons:
            data["reply_markup"] = {"inline_keyboard": [[{"text": t, "callback_data": d} for t, d in row]
                                                        for row in line.buttons]}
        return data

    def _content_json(self, chat_id: int, line: ChatLine) -> dict[str, Any]:
        """What the message carries: here always text; a subclass may carry files."""
        data: dict[str, Any] = {"text": line.text}
        if line.text.startswith("/") and not line.from_bot:
            # Telegram marks a leading command; CommandHandler looks for that mark.
            data["entities"] = [{"type": "bot_command", "offset": 0, "length": len(line.text.split()[0])}]
        return data

    @staticmethod
    def _keyboard(form: Mapping[str, str]) -> Buttons:
        """The inline keyboard a request sets; none when it sets none, which removes one on an edit."""
        if "reply_markup" not in form:
            return ()
        rows = json.loads(form["reply_markup"])["inline_keyboard"]
        return tuple(tuple((b["text"], b.get("callback_data", "")) for b in row) for row in rows)


def _user(chat_id: int) -> dict[str, Any]:
    return {"id": chat_id, "is_bot": False, "first_name": f"User {chat_id}"}


def _chat(chat_id: int) -> dict[str, Any]:
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": f"User {chat_id}"}
    return {"id": chat_id, "type": "group", "title": f"Group {chat_id}"}
