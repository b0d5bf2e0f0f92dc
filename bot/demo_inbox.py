"""Where the demo's debtors' emails arrive.

With a `dovecot` binary on the machine, the demo runs a real Dovecot on loopback: each reply is APPENDed to
its INBOX by a second connection, as a mail server delivers it, and the service's own IMAP listener (IDLE)
stores and processes it. Without one, replies enter through the listener's entry point — stored with
`storage.inbound_mail.store`, then processed — and the demo says so.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.parser import BytesHeaderParser
from typing import Protocol

from imapclient import IMAPClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.clock import Clock
from bot.dovecot import DovecotServer, dovecot_binary
from bot.service import Service
from storage.inbound_mail import store
from storage.models import Direction, Message, MessageStatus

DOMAIN = "atelier-durand.example"
# Dovecot announces an APPEND to an IDLE client at once (inotify); this bounds a stuck listener, not the wait.
DELIVERY_TIMEOUT = 30.0


class Inbox(Protocol):
    path: str  # how replies arrive, for the report

    async def deliver(self, raw: bytes, at: datetime) -> None:
        """Put `raw` in the firm's mailbox at `at` and return once relance has processed it."""


class EntryPointInbox:
    """No IMAP server: store and process, as the listener does with what it fetches."""

    def __init__(self, engine: Engine, service: Service, why: str) -> None:
        self.path = f"the IMAP listener's entry point, store then process ({why})"
        self._engine = engine
        self._service = service
        self._uid = 0

    async def deliver(self, raw: bytes, at: datetime) -> None:
        self._uid += 1
        stored = store(self._engine, mailbox="INBOX", uidvalidity=1, uid=self._uid, raw=raw, now=at)
        self._service.replies(lambda: at).process(stored.row_id, at)


class ImapInbox:
    """A mailbox on a loopback Dovecot; the debtors' mail server APPENDs, the service's listener reads."""

    path = "IMAP: a loopback Dovecot, followed by relance's listener (IDLE)"

    def __init__(self, engine: Engine, server: DovecotServer, username: str, password: str) -> None:
        self._engine = engine
        self._server = server
        self._login = (username, password)
        self._client: IMAPClient | None = None

    async def deliver(self, raw: bytes, at: datetime) -> None:
        message_id = BytesHeaderParser(policy=policy.default).parsebytes(raw)["Message-ID"]
        await asyncio.to_thread(self._append, raw)
        await self._processed(str(message_id).strip(), time.monotonic() + DELIVERY_TIMEOUT)

    def close(self) -> None:
        if self._client is not None:
            self._client.logout()
            self._client = None

    def _append(self, raw: bytes) -> None:
        if self._client is None:
            self._client = IMAPClient(self._server.host, self._server.port, ssl=False, timeout=10)
            self._client.login(*self._login)
        # A mail server delivers lines ending in CRLF (RFC 5322); the demo writes them with LF.
        self._client.append("INBOX", raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))

    async def _processed(self, message_id: str, deadline: float) -> None:
        done = (MessageStatus.PROCESSED, MessageStatus.ERROR)
        query = select(Message.status).where(Message.direction == Direction.IN, Message.message_id == message_id)
        while time.monotonic() < deadline:
            with Session(self._engine) as session:
                if session.exec(query).first() in done:
                    return
            await asyncio.sleep(0.005)
        raise RuntimeError(f"the IMAP listener did not process {message_id} within {DELIVERY_TIMEOUT:.0f} s; "
                           f"Dovecot's log: {self._server.log_tail()}")


@dataclass(frozen=True, slots=True)
class Mailbox:
    """The firm's mailbox for the demo: an account on a loopback Dovecot, or no server and why not."""

    server: DovecotServer | None
    username: str = ""
    password: str = ""
    why: str = ""


@contextmanager
def mailbox(wanted: bool) -> Iterator[Mailbox]:
    """A Dovecot running while the block lasts when `wanted` and installed; else a Mailbox saying why not."""
    binary = dovecot_binary()
    if not wanted or binary is None:
        yield Mailbox(None, why="not asked for" if not wanted else
                      "Dovecot is not installed: `apt-get install dovecot-imapd` for the IMAP path")
        return
    server = DovecotServer(binary, domain=DOMAIN)
    try:
        server.start()
    except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
        server.close()
        yield Mailbox(None, why=f"Dovecot would not start: {exc}")
        return
    try:
        yield Mailbox(server, *server.add_user())
    finally:
        server.close()


@asynccontextmanager
async def inbox(engine: Engine, service: Service, clock: Clock,
                mailbox: Mailbox) -> AsyncIterator[Inbox]:
    """The IMAP inbox with the service's listener following it, when `mailbox` has a server; else the entry
    point."""
    if mailbox.server is None:
        yield EntryPointInbox(engine, service, mailbox.why)
        return
    listener = service.listener(clock)
    assert listener is not None, "the demo's config has no [imap] section"
    stop = asyncio.Event()
    following = asyncio.create_task(listener.run(stop))
    imap = ImapInbox(engine, mailbox.server, mailbox.username, mailbox.password)
    try:
        yield imap
    finally:
        await asyncio.to_thread(imap.close)
        stop.set()
        await following
