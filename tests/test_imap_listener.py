"""The IMAP listener against a real Dovecot: what the database holds and what the server's folders hold."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.config import ImapConfig
from bot.imap_listener import KEYWORD, SEEN, ImapListener, _Connection
from storage import inbound_mail
from storage.models import Direction, Message, MessageStatus
from tests.imap_server import ImapAccount, dovecot, imap_server  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.imap, pytest.mark.timeout(60)]

T0 = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


def mail(n: int, *, message_id: bool = True) -> bytes:
    headers = [f"From: Client {n} <client{n}@debtor.test>", "To: relances@atelier-durand.test",
               f"Subject: Re: facture F-{n:04d}", "Date: Mon, 23 Nov 2026 09:00:00 +0100"]
    if message_id:
        headers.append(f"Message-ID: <reply-{n}@debtor.test>")
    return ("\r\n".join(headers) + f"\r\n\r\nJe paierai la facture F-{n:04d} vendredi.\r\n").encode()


@dataclass
class Processing:
    """Stands in for the processing step: records what it is handed and marks it PROCESSED."""

    engine: Engine
    handed: list[list[int]] = field(default_factory=list)
    fail_next: int = 0
    error_for: Callable[[int], bool] = lambda _id: False
    meanwhile: Callable[[], Awaitable[None]] | None = None  # runs once, during the first batch

    async def __call__(self, ids: list[int]) -> None:
        self.handed.append(list(ids))
        if self.meanwhile is not None:
            meanwhile, self.meanwhile = self.meanwhile, None
            await meanwhile()
        if self.fail_next:
            self.fail_next -= 1
            raise RuntimeError("processing crashed")
        with Session(self.engine) as session:
            for message_id in ids:
                status = MessageStatus.ERROR if self.error_for(message_id) else MessageStatus.PROCESSED
                session.execute(update(Message).where(col(Message.id) == message_id).values(status=status))
            session.commit()

    @property
    def all_handed(self) -> list[int]:
        return [i for batch in self.handed for i in batch]


@dataclass
class Harness:
    engine: Engine
    account: ImapAccount
    processing: Processing
    alerts: list[str] = field(default_factory=list)

    def config(self, **overrides: Any) -> ImapConfig:
        values: dict[str, Any] = dict(
            host=self.account.host, port=self.account.port, security="none", username=self.account.username,
            password=self.account.password, timeout_seconds=5, idle_renew_seconds=5, poll_seconds=0.2,
            reconnect_min_seconds=0.05, reconnect_max_seconds=0.5)
        return ImapConfig(**(values | overrides))

    def listener(self, **overrides: Any) -> ImapListener:
        async def on_fatal(reason: str) -> None:
            self.alerts.append(reason)

        return ImapListener(self.config(**overrides), self.engine, handle=self.processing, on_fatal=on_fatal,
                            clock=lambda: T0, batch_size=3)

    @asynccontextmanager
    async def running(self, **overrides: Any) -> AsyncIterator[asyncio.Task[None]]:
        stop = asyncio.Event()
        task = asyncio.create_task(self.listener(**overrides).run(stop))
        try:
            yield task
        finally:
            stop.set()
            # Stopping is prompt, even from the middle of an IDLE.
            await asyncio.wait_for(task, timeout=3)

    def inbound(self) -> list[Message]:
        with Session(self.engine) as session:
            return list(session.exec(select(Message).where(Message.direction == Direction.IN).order_by(col(Message.id))))

    async def stored(self, count: int, *, status: MessageStatus | None = None, timeout: float = 5) -> list[Message]:
        """Wait until `count` inbound rows (with `status`, if given) are held, and return every inbound row."""
        async def enough() -> list[Message]:
            while True:
                rows = self.inbound()
                if len([r for r in rows if status is None or r.status == status]) >= count:
                    return rows
                await asyncio.sleep(0.02)

        return await asyncio.wait_for(enough(), timeout)


@pytest.fixture
def harness(engine: Engine, imap_server: ImapAccount) -> Harness:  # noqa: F811 (fixture)
    return Harness(engine, imap_server, Processing(engine))


def logged(caplog: pytest.LogCaptureFixture, start: str) -> int:
    return sum(1 for record in caplog.records if record.name == "bot.imap" and record.getMessage().startswith(start))


async def eventually(check: Callable[[], object], timeout: float = 5) -> None:
    async def poll() -> None:
        while not check():
            await asyncio.sleep(0.02)

    await asyncio.wait_for(poll(), timeout)


async def test_a_mail_appended_by_another_client_is_stored_and_handed_over_within_two_seconds(harness, caplog):
    caplog.set_level(logging.DEBUG, logger="bot.imap")
    # Renewal far off and no polling: only the server's IDLE notification can bring the mail in time.
    async with harness.running(idle_renew_seconds=60):
        await eventually(lambda: logged(caplog, "imap idle"))
        uid = await asyncio.to_thread(harness.account.append, mail(1))

        [row] = await harness.stored(1, status=MessageStatus.PROCESSED, timeout=2)

    assert row.raw == mail(1)
    assert (row.message_id, row.sender, row.subject) == ("<reply-1@debtor.test>", "client1@debtor.test",
                                                          "Re: facture F-0001")
    assert (row.channel, row.purpose, row.uid, row.created_at) == ("email", "reply", uid, T0)
    assert harness.processing.handed == [[row.id]]


async def test_mail_arriving_while_the_previous_one_is_processed_is_not_left_waiting_for_the_idle_renewal(harness):
    async def another_mail_arrives() -> None:
        await asyncio.to_thread(harness.account.append, mail(2))

    harness.processing.meanwhile = another_mail_arrives
    await asyncio.to_thread(harness.account.append, mail(1))

    async with harness.running(idle_renew_seconds=60):
        rows = await harness.stored(2, status=MessageStatus.PROCESSED, timeout=2)

    assert [r.raw for r in rows] == [mail(1), mail(2)]


async def test_mail_arriving_between_the_last_search_and_idle_is_not_left_for_the_idle_renewal(harness, monkeypatch):
    # Dovecot announces such mail in the same packet as its IDLE continuation, which imaplib buffers whole:
    # the socket then stays silent, and only the renewal (a minute here) would have brought the mail in.
    search = _Connection.new_uids
    arrived: list[int] = []

    def search_then_mail_arrives(connection: _Connection, after: int) -> list[int]:
        uids = search(connection, after)
        if not uids and not arrived:
            arrived.append(harness.account.append(mail(1)))
        return uids

    monkeypatch.setattr(_Connection, "new_uids", search_then_mail_arrives)
    async with harness.running(idle_renew_seconds=60):
        [row] = await harness.stored(1, status=MessageStatus.PROCESSED, timeout=2)

    assert (row.raw, row.uid) == (mail(1), arrived[0])


async def test_mail_that_arrived_while_the_listener_was_stopped_is_caught_up_once(harness):
    await asyncio.to_thread(harness.account.append, mail(1))
    async with harness.running():
        await harness.stored(1, status=MessageStatus.PROCESSED)
    for n in range(2, 9):
        await asyncio.to_thread(harness.account.append, mail(n))

    async with harness.running():
        await harness.stored(8, status=MessageStatus.PROCESSED)
        await asyncio.to_thread(harness.account.append, mail(9))
        rows = await harness.stored(9, status=MessageStatus.PROCESSED)

    assert [r.raw for r in rows] == [mail(n) for n in range(1, 10)]
    assert sorted(harness.processing.all_handed) == [r.id for r in rows]  # each handed over exactly once


async def test_a_server_restart_during_idle_is_survived_and_mail_delivered_meanwhile_is_caught_up(harness):
    await asyncio.to_thread(harness.account.append, mail(1))
    async with harness.running():
        await harness.stored(1, status=MessageStatus.PROCESSED)
        await asyncio.to_thread(harness.account.server.stop)
        await asyncio.to_thread(harness.account.deliver, mail(2))  # the MTA kept delivering
        await asyncio.to_thread(harness.account.server.start)
        await harness.stored(2, status=MessageStatus.PROCESSED)
        await asyncio.to_thread(harness.account.append, mail(3))  # and IDLE works again
        rows = await harness.stored(3, status=MessageStatus.PROCESSED)

    assert [r.raw for r in rows] == [mail(1), mail(2), mail(3)]
    assert harness.alerts == []


async def test_a_server_down_at_start_is_waited_for(harness, caplog):
    await asyncio.to_thread(harness.account.append, mail(1))
    await asyncio.to_thread(harness.account.server.stop)
    try:
        async with harness.running():
            await eventually(lambda: logged(caplog, "imap connection lost") >= 3)  # refused, backing off
            await asyncio.to_thread(harness.account.server.start)
            rows = await harness.stored(1, status=MessageStatus.PROCESSED)
    finally:
        await asyncio.to_thread(harness.account.server.start)

    assert [r.raw for r in rows] == [mail(1)]
    assert harness.alerts == []


async def test_a_new_uidvalidity_neither_loses_nor_repeats_mail(harness):
    for n, message_id in ((1, True), (2, False)):
        await asyncio.to_thread(harness.account.append, mail(n, message_id=message_id))
    async with harness.running():
        await harness.stored(2, status=MessageStatus.PROCESSED)
    old = await asyncio.to_thread(harness.account.uidvalidity)
    await asyncio.to_thread(harness.account.set_uidvalidity, old + 1000)
    await asyncio.to_thread(harness.account.append, mail(3, message_id=False))

    async with harness.running():
        rows = await harness.stored(3, status=MessageStatus.PROCESSED)
        await asyncio.to_thread(harness.account.append, mail(4))
        rows = await harness.stored(4, status=MessageStatus.PROCESSED)

    assert [r.raw for r in rows] == [mail(1), mail(2, message_id=False), mail(3, message_id=False), mail(4)]
    assert [r.uidvalidity for r in rows] == [old, old, old + 1000, old + 1000]
    assert inbound_mail.read_cursor(harness.engine, harness.listener().mailbox) == inbound_mail.Cursor(old + 1000, 4)


@pytest.mark.parametrize("overrides", [{"password": "not-the-password"}, {"folder": "Nonexistent"}],
                         ids=["wrong password", "missing folder"])
async def test_what_a_person_must_fix_alerts_the_owner_once_and_stops_the_listener(harness, overrides):
    stop = asyncio.Event()

    await asyncio.wait_for(harness.listener(**overrides).run(stop), timeout=3)

    assert len(harness.alerts) == 1
    assert harness.account.username in harness.alerts[0] or "Nonexistent" in harness.alerts[0]
    assert "not-the-password" not in harness.alerts[0]


@pytest.mark.parametrize("security", ["tls", "starttls"])
async def test_a_server_certificate_that_cannot_be_verified_alerts_the_owner_instead_of_sending_the_password(
        harness, security):
    port = harness.account.tls_port if security == "tls" else harness.account.port

    await asyncio.wait_for(harness.listener(security=security, port=port).run(asyncio.Event()), timeout=3)

    assert len(harness.alerts) == 1
    assert "untrusted certificate" in harness.alerts[0]


async def test_processed_mail_is_flagged_in_place_and_mail_in_error_is_left_for_a_person(harness):
    harness.processing.error_for = lambda message_id: message_id == 2
    for n in (1, 2, 3):
        await asyncio.to_thread(harness.account.append, mail(n))

    async with harness.running():
        await harness.stored(2, status=MessageStatus.PROCESSED)
        await harness.stored(1, status=MessageStatus.ERROR)
        await eventually(lambda: len([m for m in harness.account.messages() if KEYWORD in m.flags]) == 2)

    flags = {m.raw: set(m.flags) for m in harness.account.messages()}
    assert flags == {mail(1): {SEEN, KEYWORD}, mail(2): set(), mail(3): {SEEN, KEYWORD}}


async def test_processed_mail_is_moved_to_the_processed_folder_which_is_created_if_missing(harness):
    for n in (1, 2, 3, 4):
        await asyncio.to_thread(harness.account.append, mail(n))

    async with harness.running(processed_folder="Traités"):
        await harness.stored(4, status=MessageStatus.PROCESSED)
        await eventually(lambda: len(harness.account.messages("Traités")) == 4)
        await asyncio.to_thread(harness.account.append, mail(5))
        await eventually(lambda: len(harness.account.messages("Traités")) == 5)

    assert harness.account.messages("INBOX") == []
    moved = harness.account.messages("Traités")
    assert [m.raw for m in moved] == [mail(n) for n in range(1, 6)]
    assert all({SEEN, KEYWORD} <= set(m.flags) for m in moved)


async def test_a_server_without_idle_or_move_is_polled_and_processed_mail_copied_then_expunged(harness, caplog):
    # Mail 2 fails processing, so it stays in the INBOX, where the owner marks it \Deleted.
    harness.processing.error_for = lambda message_id: message_id == 2
    await asyncio.to_thread(harness.account.append, mail(1))
    await asyncio.to_thread(harness.account.append, mail(2), "INBOX", [b"\\Deleted"])

    async with harness.running(host=harness.account.legacy_host, processed_folder="Traités"):
        await harness.stored(1, status=MessageStatus.PROCESSED)
        await asyncio.to_thread(harness.account.append, mail(3))
        await harness.stored(2, status=MessageStatus.PROCESSED)
        await eventually(lambda: len(harness.account.messages("Traités")) == 2)

    assert not logged(caplog, "imap idle")
    assert [m.raw for m in harness.account.messages("Traités")] == [mail(1), mail(3)]
    # Only our mail was expunged (RFC 4315 UID EXPUNGE), not the message the owner had marked \Deleted.
    assert [(m.raw, m.flags) for m in harness.account.messages("INBOX")] == [(mail(2), (b"\\Deleted",))]


async def test_a_batch_whose_processing_crashed_stays_received_and_is_handed_over_at_the_next_start(harness):
    harness.processing.fail_next = 1
    for n in (1, 2, 3, 4):
        await asyncio.to_thread(harness.account.append, mail(n))

    async with harness.running():  # batches of 3: the first fails, the second goes through
        rows = await harness.stored(1, status=MessageStatus.PROCESSED)
    assert [r.status for r in rows] == ["received"] * 3 + ["processed"]
    assert {KEYWORD in m.flags for m in harness.account.messages()[:3]} == {False}

    async with harness.running():
        rows = await harness.stored(4, status=MessageStatus.PROCESSED)
        await eventually(lambda: all(KEYWORD in m.flags for m in harness.account.messages()))

    assert [r.raw for r in rows] == [mail(n) for n in (1, 2, 3, 4)]
    first, second, again = harness.processing.handed
    assert again == first and len(rows) == 4


BOUNDARY_BROKEN = (b"From: a@debtor.test\r\nSubject: broken\r\nMessage-ID: <broken@debtor.test>\r\n"
                   b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"XYZ\"\r\n\r\n"
                   b"--XYZ\r\nContent-Type: text/plain\r\n\r\nhalf a part\r\n--ABC--\r\n")
UNKNOWN_CHARSET = (b"From: =?x-klingon?Q?Kl=E9ngon?= <k@debtor.test>\r\nSubject: =?x-klingon?Q?paiement_=E9t=E9?=\r\n"
                   b"Message-ID: <charset@debtor.test>\r\nContent-Type: text/plain; charset=x-klingon\r\n\r\n"
                   b"pay\xe9 \xff\xfe\r\n")
HUGE_HEADER = (b"From: big@debtor.test\r\nSubject: big\r\nMessage-ID: <big@debtor.test>\r\nX-Junk: "
               + b"A" * 1_000_000 + b"\r\n\r\nbody\r\n")
EMPTY_BODY = b"From: empty@debtor.test\r\nSubject: \r\nMessage-ID: <empty@debtor.test>\r\n\r\n"
HTML_ONLY = (b"From: html@debtor.test\r\nSubject: html\r\nMessage-ID: <html@debtor.test>\r\n"
             b"Content-Type: text/html; charset=utf-8\r\n\r\n<p>Je paie <b>demain</b></p>\r\n")
ATTACHMENT_ONLY = (b"From: pdf@debtor.test\r\nSubject: justificatif\r\nMessage-ID: <pdf@debtor.test>\r\n"
                   b"MIME-Version: 1.0\r\nContent-Type: application/pdf; name=virement.pdf\r\n"
                   b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n")
NO_MESSAGE_ID = b"From: anon@debtor.test\r\nSubject: sans identifiant\r\n\r\nbonjour\r\n"
NOT_EVEN_HEADERS = b"\xff\xfe garbage without a colon\r\n\r\n\xfe"


@pytest.mark.parametrize("raw, message_id, sender, subject", [
    (BOUNDARY_BROKEN, "<broken@debtor.test>", "a@debtor.test", "broken"),
    (UNKNOWN_CHARSET, "<charset@debtor.test>", "k@debtor.test", "paiement \ufffdt\ufffd"),
    (HUGE_HEADER, "<big@debtor.test>", "big@debtor.test", "big"),
    (EMPTY_BODY, "<empty@debtor.test>", "empty@debtor.test", None),
    (HTML_ONLY, "<html@debtor.test>", "html@debtor.test", "html"),
    (ATTACHMENT_ONLY, "<pdf@debtor.test>", "pdf@debtor.test", "justificatif"),
    (NO_MESSAGE_ID, None, "anon@debtor.test", "sans identifiant"),
    (NOT_EVEN_HEADERS, None, None, None),
], ids=["broken MIME boundary", "unknown charset", "1 MB header", "empty body", "HTML only", "attachment only",
        "no Message-ID", "no headers at all"])
async def test_malformed_mail_is_stored_verbatim_and_handed_over(harness, raw, message_id, sender, subject):
    await asyncio.to_thread(harness.account.append, raw)
    await asyncio.to_thread(harness.account.append, mail(1))  # and the mail after it still comes through

    async with harness.running():
        rows = await harness.stored(2, status=MessageStatus.PROCESSED)

    assert rows[0].raw == raw
    assert (rows[0].message_id, rows[0].sender) == (message_id, sender)
    if subject is not None:
        assert rows[0].subject == subject
    assert rows[1].raw == mail(1)
