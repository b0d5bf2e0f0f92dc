"""The IMAP listener: stores every new mail of one folder first, hands it to processing, then marks it.

Progress lives in the database (UIDVALIDITY + last UID), so a restart neither misses nor repeats a
mail. A wrong password or folder stops the listener and alerts the owner (a person must fix it);
network trouble only makes it reconnect, backing off, and catch up — like Home Assistant's IMAP loop.
imapclient blocks, so every server exchange runs in a worker thread and the event loop stays free.
"""

from __future__ import annotations

import asyncio
import logging
import selectors
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import CapabilityError, IMAPClientAbortError, IMAPClientError, LoginError
from sqlalchemy.engine import Engine

from bot.clock import Clock
from bot.config import ImapConfig
from storage import inbound_mail
from storage.inbound_mail import Position, StoreResult

log = logging.getLogger("bot.imap")

Handle = Callable[[list[int]], Awaitable[None]]
Alert = Callable[[str], Awaitable[None]]

SEEN = b"\\Seen"
KEYWORD = b"$Relance"  # marks on the server what relance has processed, for the owner's mail client


class _Fatal(Exception):
    """Something only a person can fix (credentials, folder, certificate): stop and say why."""


class _Connection:
    """One logged-in IMAP session with the folder selected. Blocking: call from a worker thread."""

    def __init__(self, config: ImapConfig) -> None:
        self._config = config
        self._where = f"{config.host}:{config.port}"
        password = config.password.get_secret_value() if config.password is not None else ""
        if not password:
            raise _Fatal("no IMAP password configured (imap.password or RELANCE_IMAP_PASSWORD)")
        self._context = ssl.create_default_context()
        try:
            self.client = IMAPClient(config.host, config.port, ssl=config.security == "tls",
                                     ssl_context=self._context, timeout=config.timeout_seconds)
        except ssl.SSLCertVerificationError as exc:
            raise self._untrusted(exc) from None
        try:
            self._log_in(password)
            self._select()
        except BaseException:
            self.close(politely=False)
            raise

    def _log_in(self, password: str) -> None:
        if self._config.security == "starttls":
            try:
                self.client.starttls(self._context)
            except CapabilityError:
                raise _Fatal(f"the IMAP server {self._where} does not offer STARTTLS (set imap.security)") from None
            except ssl.SSLCertVerificationError as exc:
                raise self._untrusted(exc) from None
        try:
            self.client.login(self._config.username, password)
        except LoginError as exc:
            # RFC 5530 §3: UNAVAILABLE is the server's own trouble, worth retrying; anything else is a refusal.
            if "[UNAVAILABLE]" in str(exc):
                raise ConnectionRefusedError(f"IMAP login temporarily unavailable: {_said(exc)}") from None
            raise _Fatal(f"the IMAP server {self._where} refused the login of {self._config.username}: "
                         f"{_said(exc)}") from None

    def _select(self) -> None:
        folder, processed = self._config.folder, self._config.processed_folder
        try:
            selected = self.client.select_folder(folder)
        except IMAPClientAbortError:
            raise
        except IMAPClientError as exc:
            raise _Fatal(f"cannot open IMAP folder {folder!r} on {self._where}: {_said(exc)}") from None
        self.uidvalidity = int(selected[b"UIDVALIDITY"])
        # RFC 3501 §7.1: "\*" in PERMANENTFLAGS means new keywords may be set.
        permanent = selected.get(b"PERMANENTFLAGS", ())
        self.flags = [SEEN, KEYWORD] if b"\\*" in permanent or KEYWORD in permanent else [SEEN]
        self.idles = self.client.has_capability("IDLE")
        if processed and not self.client.folder_exists(processed):
            try:
                self.client.create_folder(processed)
            except IMAPClientAbortError:
                raise
            except IMAPClientError as exc:
                raise _Fatal(f"cannot create IMAP folder {processed!r} on {self._where}: {_said(exc)}") from None

    def _untrusted(self, exc: ssl.SSLCertVerificationError) -> _Fatal:
        return _Fatal(f"the IMAP server {self._where} presented an untrusted certificate: {exc.verify_message}")

    def new_uids(self, after: int) -> list[int]:
        # RFC 3501 §6.4.8: "n:*" always includes the highest UID, even below n — hence the filter.
        return sorted(uid for uid in self.client.search(["UID", f"{after + 1}:*"]) if uid > after)

    def fetch(self, uids: list[int]) -> dict[int, bytes]:
        # BODY.PEEK[] leaves \Seen alone (RFC 3501 §6.4.5): the mail is marked only once processed.
        fetched = self.client.fetch(uids, ["BODY.PEEK[]"])
        return {uid: data[b"BODY[]"] for uid, data in fetched.items() if b"BODY[]" in data}

    def mark(self, uids: list[int]) -> None:
        self.client.add_flags(uids, self.flags, silent=True)
        folder = self._config.processed_folder
        if not folder:
            return
        if self.client.has_capability("MOVE"):
            self.client.move(uids, folder)  # RFC 6851: atomic, flags kept
            return
        self.client.copy(uids, folder)
        self.client.delete_messages(uids, silent=True)
        if self.client.has_capability("UIDPLUS"):
            self.client.uid_expunge(uids)  # RFC 4315 §2.1: only these, not others marked \Deleted
        else:
            self.client.expunge()

    def idle(self, seconds: float, waker: socket.socket) -> bool:
        """IDLE (RFC 2177) until the server reports something, `seconds` pass, or `waker` is written to.
        True when the server spoke (new mail, most likely)."""
        self.client.idle()
        if self._announced_at_once():
            self.client.idle_done()
            return True
        with selectors.DefaultSelector() as selector:  # unlike select(), not limited to 1024 descriptors
            selector.register(self.client.socket(), selectors.EVENT_READ)
            selector.register(waker, selectors.EVENT_READ)
            ready = {key.fileobj for key, _events in selector.select(seconds)}
        responses: list[Any] = []
        if self.client.socket() in ready:
            responses = self.client.idle_check(timeout=0)
            # Readable with nothing to read is end-of-file: the server went away.
            if not responses or any(r[:1] == (b"BYE",) for r in responses):
                raise ConnectionResetError(f"the server closed the connection: {responses!r}")
        self.client.idle_done()
        return bool(responses)

    def _announced_at_once(self) -> bool:
        """Whether the server sent news with its IDLE continuation, as Dovecot does for mail that arrived
        since the last command. imaplib has read those lines into its buffer along with the continuation,
        so the socket will not signal them: left there they would wait for the next IDLE renewal."""
        sock = self.client.socket()
        timeout = sock.gettimeout()
        sock.settimeout(0)  # peek() reads the socket only when the buffer is empty: never wait for it
        try:
            return bool(self.client._imap.file.peek(1))
        except (BlockingIOError, ssl.SSLWantReadError):
            return False
        finally:
            sock.settimeout(timeout)

    def poll(self) -> None:
        self.client.noop()

    def close(self, *, politely: bool) -> None:
        try:
            if politely:
                self.client.logout()
                return
        except Exception:  # already gone: closing the socket is all that is left
            pass
        try:
            self.client.shutdown()
        except Exception:
            pass


class ImapListener:
    """Reads `config.folder` until `stop` is set; see `run`."""

    def __init__(self, config: ImapConfig, engine: Engine, *, handle: Handle, on_fatal: Alert, clock: Clock,
                 batch_size: int = 20) -> None:
        self._config = config
        self._engine = engine
        self._handle = handle
        self._on_fatal = on_fatal
        self._clock = clock
        self._batch_size = batch_size
        self.mailbox = f"{config.username}@{config.host}/{config.folder}"
        self._backoff = config.reconnect_min_seconds
        # Processed mail still to flag (or move) on the server, kept until a session manages it.
        self._unmarked: list[Position] = []

    async def run(self, stop: asyncio.Event) -> None:
        """Hand over mail a previous run left unprocessed, then follow the folder until `stop` is set,
        reconnecting after network errors; return early, after `on_fatal`, if a person must step in."""
        await self._recover()
        waker, wake = socket.socketpair()
        alarm = asyncio.create_task(self._ring_on(stop, wake))
        try:
            while not stop.is_set():
                connection: _Connection | None = None
                try:
                    connection = await asyncio.to_thread(_Connection, self._config)
                    log.info("imap connected mailbox=%s uidvalidity=%d idle=%s", self.mailbox,
                             connection.uidvalidity, connection.idles)
                    await self._follow(connection, stop, waker)
                except _Fatal as fatal:
                    log.error("imap cannot go on mailbox=%s reason=%s", self.mailbox, fatal)
                    await self._on_fatal(str(fatal))
                    return
                except (OSError, IMAPClientError) as exc:  # network, timeouts, server going away
                    log.warning("imap connection lost mailbox=%s error=%s retry_in=%.1fs", self.mailbox,
                                _describe(exc), self._backoff)
                except Exception:  # a database hiccup, say: the cursor did not move, so nothing is lost
                    log.exception("imap failed mailbox=%s retry_in=%.1fs", self.mailbox, self._backoff)
                finally:
                    if connection is not None:
                        await asyncio.to_thread(connection.close, politely=stop.is_set())
                if not stop.is_set():
                    await _wait(stop, self._backoff)
                    self._backoff = min(self._backoff * 2, self._config.reconnect_max_seconds)
        finally:
            alarm.cancel()
            waker.close()
            wake.close()
            log.info("imap stopped mailbox=%s", self.mailbox)

    async def _recover(self) -> None:
        pending = inbound_mail.received_ids(self._engine)
        if pending:
            log.info("imap recovering mailbox=%s unprocessed=%d", self.mailbox, len(pending))
        for batch in _chunks(pending, self._batch_size):
            if await self._process(batch):
                done = inbound_mail.processed(self._engine, batch)
                self._unmarked += inbound_mail.positions(self._engine, done)

    async def _follow(self, connection: _Connection, stop: asyncio.Event, waker: socket.socket) -> None:
        cursor = inbound_mail.read_cursor(self._engine, self.mailbox)
        if cursor is None or cursor.uidvalidity != connection.uidvalidity:
            if cursor is not None:
                # RFC 3501 §2.3.1.1: every UID is void. Read the folder again; Message-IDs stop repeats.
                log.warning("imap uidvalidity changed mailbox=%s old=%d new=%d", self.mailbox,
                            cursor.uidvalidity, connection.uidvalidity)
            inbound_mail.reset_cursor(self._engine, self.mailbox, connection.uidvalidity, now=self._clock())
        while not stop.is_set():
            await self._catch_up(connection, stop)
            self._backoff = self._config.reconnect_min_seconds  # a full catch-up: the session is sound
            if stop.is_set():
                return
            if connection.idles:
                log.debug("imap idle mailbox=%s", self.mailbox)
                await asyncio.to_thread(connection.idle, self._config.idle_renew_seconds, waker)
            else:
                await _wait(stop, self._config.poll_seconds)
                if not stop.is_set():
                    await asyncio.to_thread(connection.poll)

    async def _catch_up(self, connection: _Connection, stop: asyncio.Event) -> None:
        """Store, process and mark everything past the cursor, until a search finds nothing new.

        Searching last matters: mail arriving meanwhile is announced (EXISTS) in the answers to the
        commands that follow, which imapclient sets aside, and IDLE would not announce it again.
        """
        await self._mark(connection, [])
        while not stop.is_set():
            cursor = inbound_mail.read_cursor(self._engine, self.mailbox)
            assert cursor is not None
            uids = await asyncio.to_thread(connection.new_uids, cursor.last_uid)
            # No progress (the server lists mail it will not return) waits for the next IDLE round.
            if not uids or not await self._take(connection, uids, stop):
                return

    async def _take(self, connection: _Connection, uids: list[int], stop: asyncio.Event) -> int:
        """Store, process and mark `uids`, a batch at a time; return how many were fetched."""
        taken = 0
        for batch in _chunks(uids, self._batch_size):
            if stop.is_set():
                break
            fetched = await asyncio.to_thread(connection.fetch, batch)
            taken += len(fetched)
            stored: dict[int, StoreResult] = {}
            for uid in batch:
                if uid not in fetched:  # expunged since the search: nothing left to keep
                    continue
                stored[uid] = result = inbound_mail.store(
                    self._engine, mailbox=self.mailbox, uidvalidity=connection.uidvalidity, uid=uid,
                    raw=fetched[uid], now=self._clock())
                log.info("imap %s mailbox=%s uid=%d message_id=%s row=%d",
                         "stored" if result.new else "duplicate", self.mailbox, uid, result.message_id, result.row_id)
            if not await self._process([r.row_id for r in stored.values() if r.new]):
                continue  # left RECEIVED and unmarked: handed over again at the next start
            done = inbound_mail.processed(self._engine, {r.row_id for r in stored.values()})
            await self._mark(connection, [Position(self.mailbox, connection.uidvalidity, uid)
                                          for uid, r in stored.items() if r.row_id in done])
        return taken

    async def _process(self, ids: list[int]) -> bool:
        if not ids:
            return True
        try:
            await self._handle(ids)
        except Exception:
            log.exception("imap processing failed mailbox=%s messages=%s (kept as received)", self.mailbox, ids)
            return False
        return True

    async def _mark(self, connection: _Connection, positions: list[Position]) -> None:
        """Flag (and move) processed mail; what fails now is tried again by the next session."""
        pending, self._unmarked = self._unmarked + positions, []
        # A UID means nothing under another UIDVALIDITY or in another folder: such mail stays as it is.
        here = [p for p in pending if p.mailbox == self.mailbox and p.uidvalidity == connection.uidvalidity]
        if not here:
            return
        try:
            await asyncio.to_thread(connection.mark, [p.uid for p in here])
        except BaseException:
            self._unmarked = here
            raise
        log.info("imap marked mailbox=%s uids=%s moved_to=%s", self.mailbox, [p.uid for p in here],
                 self._config.processed_folder or "-")

    @staticmethod
    async def _ring_on(stop: asyncio.Event, wake: socket.socket) -> None:
        await stop.wait()
        wake.send(b"!")  # wakes a worker thread blocked in IDLE


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except TimeoutError:
        pass


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _said(exc: Exception) -> str:
    """What the server answered: imapclient passes it on as bytes."""
    said = exc.args[0] if exc.args else ""
    return said.decode(errors="replace") if isinstance(said, bytes) else str(said)
