"""Telegram Bot API imitation for tests: one set of semantics, served in-process or over loopback HTTP.
`from tests.telegram_fakes import api` is a pytest fixture: a fresh `FakeBotApi` for each test."""

from __future__ import annotations

import asyncio
import email.parser
import email.policy
import json
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast
from urllib.parse import parse_qsl, unquote, urlsplit

import httpx
import pytest
from telegram.error import TimedOut

from bot.demo_chat import BotApiImitation, Buttons, ChatLine

TOKEN = "123456789:TEST-abcdefghijklmnopqrstuvwxyz012345"
BOT_ID = 123456789
BOT_USERNAME = "relance_test_bot"
MAX_TEXT_LENGTH = 4096  # https://core.telegram.org/bots/api#sendmessage: 1-4096 characters
MAX_CALLBACK_DATA = 64  # bytes, https://core.telegram.org/bots/api#inlinekeyboardbutton
DATE = 1_767_225_600  # 2026-01-01T00:00:00Z: messages carry a fixed date so tests stay deterministic
POLL_STEP = 0.005  # seconds between looks at the update queue during a long poll

Form = Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Document:
    filename: str
    content: bytes
    mime_type: str


@dataclass(frozen=True, slots=True)
class ChatMessage(ChatLine):
    """One message as the chat shows it now (after any edit), with what only tests look at."""

    parse_mode: str | None = None
    document: Document | None = None
    photo: bytes | None = None  # a photo the user sent (its largest size)


@dataclass(frozen=True, slots=True)
class ApiCall:
    """One request as it crossed the wire: parameters are the strings PTB sent."""

    method: str
    params: dict[str, str]


@dataclass(frozen=True, slots=True)
class ApiError:
    """An error answer exactly as the Bot API words it."""

    error_code: int
    description: str
    retry_after: int | None = None


@dataclass(frozen=True, slots=True)
class Timeout:
    """No answer comes. `delivered`: Telegram got the request and acted on it (a read timeout), or
    never saw it (a connect timeout). In-process, PTB raises `TimedOut` at once, caused by the httpx
    exception `HTTPXRequest` would have met; over HTTP the server holds the request `hold_seconds`,
    then drops the connection (the client's own read timeout decides what it sees)."""

    delivered: bool
    hold_seconds: float = 1.0


Failure = ApiError | Timeout

BLOCKED = ApiError(403, "Forbidden: bot was blocked by the user")
DEACTIVATED = ApiError(403, "Forbidden: user is deactivated")
CHAT_NOT_FOUND = ApiError(400, "Bad Request: chat not found")
CONNECT_TIMEOUT = Timeout(delivered=False)
READ_TIMEOUT = Timeout(delivered=True)


def flood(retry_after: int) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: bytes
    content_type: str = "application/json"


def _ok(result: object) -> Answer:
    return Answer(HTTPStatus.OK, json.dumps({"ok": True, "result": result}).encode())


def _error(error: ApiError) -> Answer:
    data: dict[str, Any] = {"ok": False, "error_code": error.error_code, "description": error.description}
    if error.retry_after is not None:
        data["parameters"] = {"retry_after": error.retry_after}
    return Answer(error.error_code, json.dumps(data).encode())


def _bad_request(what: str) -> Answer:
    return _error(ApiError(400, f"Bad Request: {what}"))


_PATH = re.compile(r"/bot(?P<token>[^/]+)/(?P<method>\w+)$")
# A file download: https://core.telegram.org/bots/api#getfile (`/file/bot<token>/<file_path>`).
_FILE_PATH = re.compile(r"/file/bot(?P<token>[^/]+)/(?P<path>.+)$")


class FakeBotApi(BotApiImitation):
    """The demo's Bot API imitation, with what tests look at and script: Telegram's refusals and limits,
    failures on demand, photos and files, getUpdates. Give it to PTB as `request=` / `get_updates_request=`,
    then ask it what each chat shows; `BotApiServer` serves the same object over HTTP."""

    def __init__(self, token: str = TOKEN, *, bot_username: str = BOT_USERNAME) -> None:
        super().__init__(bot_id=BOT_ID, bot_username=bot_username, date=DATE)
        self.token = token
        self._calls: list[ApiCall] = []
        self._failures: dict[tuple[str, int], list[Failure]] = {}
        self._updates: list[dict[str, Any]] = []
        self._files: dict[str, bytes] = {}  # file_id → content, for getFile and the download
        self.closed = threading.Event()

    # -- what tests look at -------------------------------------------------------------------

    def texts(self, chat_id: int) -> list[str]:
        """The texts (or captions) the bot put in the chat, oldest first."""
        return [m.text for m in self.chat(chat_id) if m.from_bot]

    def calls(self, method: str | None = None) -> list[ApiCall]:
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    # -- what tests script --------------------------------------------------------------------

    def fail_next(self, chat_id: int, failure: Failure, *, method: str = "sendMessage", times: int = 1) -> None:
        """The next `times` calls of `method` addressed to `chat_id` fail with `failure`."""
        with self._lock:
            self._failures.setdefault((method, chat_id), []).extend([failure] * times)

    def user_says(self, chat_id: int, text: str) -> dict[str, Any]:
        """The user types `text` in their chat: recorded there; returns the Update as JSON, for
        `Update.de_json(...)` + `process_update`, or for `push_update` when the bot polls."""
        with self._lock:  # a ChatMessage, as every line here is: _content_json reads its photo and document
            return self._from_user(chat_id, ChatMessage(self._next_id(chat_id), from_bot=False, text=text))

    def user_sends_photo(self, chat_id: int, content: bytes, *, caption: str = "") -> dict[str, Any]:
        """The user sends a photo (with an optional caption); returns the Update as JSON."""
        with self._lock:
            message = ChatMessage(self._next_id(chat_id), from_bot=False, text=caption, photo=content)
            self._files[f"photo-{chat_id}-{message.message_id}"] = content
            return self._from_user(chat_id, message)

    def user_sends_document(self, chat_id: int, document: Document, *, caption: str = "") -> dict[str, Any]:
        """The user sends a file (a PDF, say); returns the Update as JSON."""
        with self._lock:
            message = ChatMessage(self._next_id(chat_id), from_bot=False, text=caption, document=document)
            self._files[f"doc-{chat_id}-{message.message_id}"] = document.content
            return self._from_user(chat_id, message)

    def press_data(self, chat_id: int, data: str) -> dict[str, Any]:
        """A callback query carrying `data` on the bot's newest message in the chat, whatever buttons
        it shows: what a modified client can send (a forged button, or another debtor's)."""
        with self._lock:
            message = next((m for m in reversed(self._chats.get(chat_id, [])) if m.from_bot), None)
            if message is None:
                raise AssertionError(f"the bot has said nothing in chat {chat_id}")
            return self._callback_query(chat_id, message, data)

    def push_update(self, update: dict[str, Any]) -> None:
        """Queue an update for the next getUpdates."""
        with self._lock:
            self._updates.append(update)

    # -- the in-process transport --------------------------------------------------------------

    async def _respond(self, path: str, form: dict[str, str], uploads: Mapping[str, Any]) -> tuple[int, bytes]:
        files = {name: _document(field) for name, field in uploads.items()}
        deadline = time.monotonic() + self.long_poll_seconds(path, form)
        while time.monotonic() < deadline and not self.has_updates(form):
            await asyncio.sleep(POLL_STEP)
        answer = self.answer(path, form, files)
        if isinstance(answer, Timeout):
            raise TimedOut from (httpx.ReadTimeout("") if answer.delivered else httpx.ConnectTimeout(""))
        return answer.status, answer.body

    # -- the Bot API semantics, shared by both transports ------------------------------------

    def long_poll_seconds(self, path: str, form: Form) -> float:
        """How long this request may wait for updates before `answer` (0 unless it is getUpdates)."""
        match = _PATH.search(path)
        return float(form.get("timeout", 0)) if match and match["method"] == "getUpdates" else 0.0

    def has_updates(self, form: Form) -> bool:
        offset = int(form.get("offset", 0))
        with self._lock:
            return self.closed.is_set() or any(u["update_id"] >= offset for u in self._updates)

    def answer(self, path: str, form: Form, files: Mapping[str, Document]) -> Answer | Timeout:
        """Answer one Bot API request `/bot<token>/<method>` (or a file download) as Telegram would."""
        download = _FILE_PATH.search(path)
        if download is not None:
            return self._download(download["token"], download["path"])
        match = _PATH.search(path)
        if match is None:
            return _error(ApiError(404, "Not Found"))
        with self._lock:
            if match["token"] != self.token:
                return _error(ApiError(401, "Unauthorized"))
            method = match["method"]
            self._calls.append(ApiCall(method, dict(form)))
            handler = getattr(self, f"_api_{method}", None)
            if handler is None:
                return _error(ApiError(404, "Not Found: method not found"))
            failure = self._pop_failure(method, form["chat_id"]) if "chat_id" in form else None
            if isinstance(failure, ApiError):
                return _error(failure)
            if failure is not None and not failure.delivered:
                return failure
            answer = cast(Answer, handler(form, files))
            return failure or answer

    def _pop_failure(self, method: str, chat_id: str) -> Failure | None:
        pending = self._failures.get((method, int(chat_id)))
        return pending.pop(0) if pending else None

    def _api_getMe(self, form: Form, files: Mapping[str, Document]) -> Answer:
        return _ok(self._bot_json())

    def _api_deleteWebhook(self, form: Form, files: Mapping[str, Document]) -> Answer:
        return _ok(True)

    def _api_getUpdates(self, form: Form, files: Mapping[str, Document]) -> Answer:
        # An offset confirms every update before it (https://core.telegram.org/bots/api#getupdates).
        offset, limit = int(form.get("offset", 0)), int(form.get("limit", 100))
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        return _ok(self._updates[:limit])

    def _api_sendMessage(self, form: Form, files: Mapping[str, Document]) -> Answer:
        chat_id, text = int(form["chat_id"]), form.get("text", "")
        if not text.strip():
            return _bad_request("message text is empty")
        if len(text) > MAX_TEXT_LENGTH:
            return _bad_request("message is too long")
        buttons = self._checked_keyboard(form)
        if isinstance(buttons, ApiError):
            return _error(buttons)
        message = ChatMessage(self._next_id(chat_id), True, text, buttons, form.get("parse_mode"))
        return _ok(self._json(chat_id, self._append(chat_id, message)))

    def _api_editMessageText(self, form: Form, files: Mapping[str, Document]) -> Answer:
        chat_id, message_id = int(form["chat_id"]), int(form["message_id"])
        chat = self._chats.get(chat_id, [])
        index = next((i for i, m in enumerate(chat) if m.message_id == message_id), None)
        if index is None:
            return _bad_request("message to edit not found")
        if not chat[index].from_bot:
            return _bad_request("message can't be edited")
        buttons = self._checked_keyboard(form)  # no reply_markup removes the keyboard, as on Telegram
        if isinstance(buttons, ApiError):
            return _error(buttons)
        edited = replace(cast(ChatMessage, chat[index]), text=form.get("text", ""), buttons=buttons,
                         parse_mode=form.get("parse_mode"))
        if (edited.text, edited.buttons) == (chat[index].text, chat[index].buttons):
            return _bad_request("message is not modified: specified new message content and reply markup "
                                "are exactly the same as a current content and reply markup of the message")
        chat[index] = edited
        return _ok(self._json(chat_id, edited))

    def _api_answerCallbackQuery(self, form: Form, files: Mapping[str, Document]) -> Answer:
        return _ok(True)

    def _api_getFile(self, form: Form, files: Mapping[str, Document]) -> Answer:
        file_id = form.get("file_id", "")
        if file_id not in self._files:
            return _bad_request("invalid file_id")
        return _ok({"file_id": file_id, "file_unique_id": f"u-{file_id}", "file_size": len(self._files[file_id]),
                    "file_path": f"documents/{file_id}"})

    def _download(self, token: str, file_path: str) -> Answer:
        with self._lock:
            # PTB percent-encodes the token in file URLs ("123:ABC" → "123%3AABC").
            content = self._files.get(file_path.rpartition("/")[2]) if unquote(token) == self.token else None
            self._calls.append(ApiCall("download", {"file_path": file_path}))
        if content is None:
            return _error(ApiError(404, "Not Found"))
        return Answer(HTTPStatus.OK, content, "application/octet-stream")

    def _api_sendDocument(self, form: Form, files: Mapping[str, Document]) -> Answer:
        chat_id, field = int(form["chat_id"]), form.get("document", "")
        # PTB uploads the file as its own part, named "document" or named by an attach:// reference.
        document = files.get(field.removeprefix("attach://")) if field.startswith("attach://") else files.get("document")
        if document is None:
            return _bad_request("wrong file identifier/HTTP URL specified")
        buttons = self._checked_keyboard(form)
        if isinstance(buttons, ApiError):
            return _error(buttons)
        message = ChatMessage(self._next_id(chat_id), True, form.get("caption", ""), buttons, form.get("parse_mode"),
                              document)
        return _ok(self._json(chat_id, self._append(chat_id, message)))

    def _checked_keyboard(self, form: Form) -> Buttons | ApiError:
        """The keyboard, or the refusal Telegram gives a button whose callback data is too long."""
        buttons = self._keyboard(form)
        if any(len(data.encode()) > MAX_CALLBACK_DATA for row in buttons for _, data in row):
            return ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return buttons

    def _content_json(self, chat_id: int, line: ChatLine) -> dict[str, Any]:
        message = cast(ChatMessage, line)
        if message.photo is not None:
            data: dict[str, Any] = {"photo": [{"file_id": f"photo-{chat_id}-{message.message_id}",
                                               "file_unique_id": f"p{chat_id}-{message.message_id}", "width": 800,
                                               "height": 600, "file_size": len(message.photo)}]}
            if message.text:
                data["caption"] = message.text
            return data
        if message.document is None:
            return super()._content_json(chat_id, message)
        return {"caption": message.text,
                "document": {"file_id": f"doc-{chat_id}-{message.message_id}",
                             "file_unique_id": f"u{chat_id}-{message.message_id}",
                             "file_name": message.document.filename, "mime_type": message.document.mime_type,
                             "file_size": len(message.document.content)}}


@pytest.fixture
def api() -> FakeBotApi:
    return FakeBotApi()


def _document(field: tuple[Any, ...]) -> Document:
    filename, content, mime_type = field
    return Document(filename, content if isinstance(content, bytes) else content.read(), mime_type)


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a long poll still waiting must not hold up stop()

    def __init__(self, api: FakeBotApi) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.api = api


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        api = self.server.api
        form, files = self._read_body()
        path = urlsplit(self.path).path
        deadline = time.monotonic() + api.long_poll_seconds(path, form)
        while time.monotonic() < deadline and not api.has_updates(form):
            time.sleep(POLL_STEP)
        answer = api.answer(path, form, files)
        if isinstance(answer, Timeout):
            api.closed.wait(answer.hold_seconds)
            self.close_connection = True
            return
        try:
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)
        except ConnectionError:
            pass  # the client left first, as PTB does when it stops in the middle of a long poll

    do_GET = do_POST  # file downloads; their path says everything

    def _read_body(self) -> tuple[dict[str, str], dict[str, Document]]:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        content_type = self.headers.get("Content-Type", "")
        if not content_type.startswith("multipart/form-data"):
            return dict(parse_qsl(body.decode(), keep_blank_values=True)), {}
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body)
        form: dict[str, str] = {}
        files: dict[str, Document] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            content = cast(bytes, part.get_payload(decode=True))  # a leaf part decodes to bytes
            filename = part.get_filename()
            if filename is None:
                form[str(name)] = content.decode()
            else:
                files[str(name)] = Document(filename, content, part.get_content_type())
        return form, files

    def log_message(self, format: str, *args: Any) -> None:
        pass  # request lines carry the bot token


class BotApiServer:
    """A `FakeBotApi` served over real HTTP on 127.0.0.1 (free port) from a background thread.
    Point PTB at `base_url`; use as a context manager."""

    def __init__(self, api: FakeBotApi | None = None) -> None:
        self.api = api or FakeBotApi()
        self._server = _Server(self.api)
        # A short poll interval keeps stop() quick; the default 0.5 s would dominate fast tests.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        name="bot-api-server", daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/bot"

    def __enter__(self) -> BotApiServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.api.closed.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
