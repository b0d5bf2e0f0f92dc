"""The email channel: what a real SMTP server on loopback receives, and what each failure tells the
dispatcher to do."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from bot.delivery_errors import (
    ChannelDown,
    PermanentFailure,
    TemporaryFailure,
    UnknownOutcome,
)
from bot.email_channel import Attachment, Outgoing, SmtpChannel, compose, new_message_id
from dialogs.parties import Language
from tests.smtp_server import DROP, RecordingServer, free_port, smtp_server  # noqa: F401

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=ZoneInfo("Europe/Paris"))
SENDER = "Atelier Durand <relances@durand.example>"
PASSWORD = "s3cret-Pa55word"


def reminder(**overrides: Any) -> EmailMessage:
    fields: dict[str, Any] = {
        "sender": SENDER,
        "to_name": "Zoé Lefèvre",
        "to_address": "zoe@client.example",
        "subject": "Relance : facture F-0012 — 1 250,00 €",
        "text": "Bonjour Madame Lefèvre,\n\nIl reste 1 250,00 € à régler.\n",
        "html": "<p>Bonjour Madame Lefèvre,</p><p>Il reste <b>1 250,00 €</b> à régler.</p>",
        "language": Language.FR,
        "message_id": "<relance-1@durand.example>",
        "now": NOW,
        "reply_to": "compta@durand.example",
    }
    return compose(**{**fields, **overrides})


def channel_for(server: RecordingServer, **settings: Any) -> SmtpChannel:
    return SmtpChannel(host=server.host, port=server.port, security=settings.pop("security", "none"),
                       timeout=5, **settings)


async def send_one(server: RecordingServer, message: EmailMessage, **settings: Any) -> str:
    async with channel_for(server, **settings) as channel:
        return await channel.send(message)


async def test_a_reminder_arrives_with_the_headers_mailboxes_and_auto_responders_expect(smtp_server):
    await send_one(smtp_server, reminder())

    [received] = smtp_server.received
    message = received.message
    assert (received.mail_from, received.rcpt_tos) == ("relances@durand.example", ("zoe@client.example",))
    assert message["From"] == SENDER
    [to] = message["To"].addresses
    assert (to.display_name, to.addr_spec) == ("Zoé Lefèvre", "zoe@client.example")
    assert message["Reply-To"] == "compta@durand.example"
    assert message["Subject"] == "Relance : facture F-0012 — 1 250,00 €"
    assert message["Date"].datetime == NOW
    assert message["Message-ID"] == "<relance-1@durand.example>"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["X-Auto-Response-Suppress"] == "OOF, AutoReply"
    assert message["Content-Language"] == "fr"
    assert message["In-Reply-To"] is None and message["References"] is None
    # Non-ASCII names and subjects travel as RFC 2047 encoded words: the message is 7-bit.
    assert received.raw.isascii()


async def test_a_follow_up_in_english_carries_its_thread_and_no_reply_to_unless_configured(smtp_server):
    await send_one(smtp_server, reminder(language=Language.EN, reply_to="",
                                         in_reply_to="<reply-7@client.example>",
                                         references=["<relance-1@durand.example>", "<reply-7@client.example>"]))

    message = smtp_server.received[0].message
    assert message["Content-Language"] == "en"
    assert message["Reply-To"] is None
    assert message["In-Reply-To"] == "<reply-7@client.example>"
    assert message["References"] == "<relance-1@durand.example> <reply-7@client.example>"


async def test_the_text_and_its_html_alternative_both_arrive_with_accents_and_the_euro_sign(smtp_server):
    await send_one(smtp_server, reminder())

    message = smtp_server.received[0].message
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    assert text.get_content() == "Bonjour Madame Lefèvre,\n\nIl reste 1 250,00 € à régler.\n"
    assert "<b>1 250,00 €</b> à régler" in html.get_content()


async def test_lines_starting_with_a_dot_arrive_intact(smtp_server):
    # Unstuffed, the lone "." would end DATA early and "..." would lose a dot (RFC 5321 §4.5.2).
    text = "Détail :\n.\n..\n...suite\n.signature\n"
    await send_one(smtp_server, reminder(text=text, html="<p>.</p>\n.\n"))

    message = smtp_server.received[0].message
    assert message.get_body(("plain",)).get_content() == text
    assert message.get_body(("html",)).get_content() == "<p>.</p>\n.\n"


async def test_an_attachment_arrives_with_its_name_type_and_exact_bytes(smtp_server):
    pdf = b"%PDF-1.7\n" + bytes(range(256)) * 40
    await send_one(smtp_server, reminder(attachments=[Attachment("mise-en-demeure F-0012.pdf", pdf, "application/pdf")]))

    message = smtp_server.received[0].message
    [attachment] = message.iter_attachments()
    assert attachment.get_filename() == "mise-en-demeure F-0012.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == pdf
    assert "1 250,00 €" in message.get_body(("plain",)).get_content()


async def test_several_sends_share_one_connection(smtp_server):
    ids = [f"<relance-{n}@durand.example>" for n in range(3)]
    async with channel_for(smtp_server) as channel:
        for message_id in ids:
            await channel.send(reminder(message_id=message_id))

    assert [r.message["Message-ID"] for r in smtp_server.received] == ids
    assert smtp_server.connections == 1


@pytest.mark.parametrize(("closing_reply", "client_saw_it"), [
    ("421 4.4.2 Idle timeout", False),
    (None, False),
    ("421 4.4.2 Idle timeout", True),
], ids=["421 read at MAIL FROM", "silent close found at MAIL FROM", "close already seen by the client"])
async def test_the_channel_reconnects_when_the_server_dropped_the_idle_session(
        smtp_server, closing_reply, client_saw_it):
    async with channel_for(smtp_server) as channel:
        await channel.send(reminder(message_id="<before@durand.example>"))
        smtp_server.drop_connections(closing_reply)
        if client_saw_it:
            await asyncio.sleep(0.05)
        await channel.send(reminder(message_id="<after@durand.example>"))

    assert [r.message["Message-ID"] for r in smtp_server.received] == [
        "<before@durand.example>", "<after@durand.example>"]
    assert smtp_server.connections == 2


async def test_a_451_on_a_recipient_is_a_temporary_failure_and_the_retry_goes_through(smtp_server):
    smtp_server.answer_next("RCPT", "451 4.7.1 Greylisted, try again later")
    marked: list[str] = []
    async with channel_for(smtp_server) as channel:
        with pytest.raises(TemporaryFailure) as failure:
            await channel.send(reminder(), before_final_dot=lambda: marked.append("first"))
        await channel.send(reminder(), before_final_dot=lambda: marked.append("retry"))

    assert (failure.value.code, failure.value.reason) == (451, "4.7.1 Greylisted, try again later")
    assert not isinstance(failure.value, ChannelDown)
    assert marked == ["retry"]
    assert len(smtp_server.received) == 1
    assert smtp_server.connections == 1  # the refused transaction was reset, the session kept


async def test_a_550_on_a_recipient_is_a_permanent_failure_and_the_callback_never_runs(smtp_server):
    smtp_server.answer_next("RCPT", "550 5.1.1 No such user")
    marked: list[str] = []
    async with channel_for(smtp_server) as channel:
        with pytest.raises(PermanentFailure) as failure:
            await channel.send(reminder(), before_final_dot=lambda: marked.append("marked"))

    assert (failure.value.code, failure.value.reason) == (550, "5.1.1 No such user")
    assert marked == [] and smtp_server.received == []


@pytest.mark.parametrize(("reply", "expected"), [
    ("451 4.3.0 Mail server temporarily rejected message", TemporaryFailure),
    ("554 5.7.1 Message rejected as spam", PermanentFailure),
])
async def test_a_refusal_after_the_final_dot_says_the_server_kept_nothing(smtp_server, reply, expected):
    smtp_server.answer_next("DATA", reply)
    marked: list[str] = []
    async with channel_for(smtp_server) as channel:
        with pytest.raises(expected) as failure:
            await channel.send(reminder(), before_final_dot=lambda: marked.append("marked"))

    assert failure.value.code == int(reply[:3])
    assert marked == ["marked"]  # the dispatcher undoes its marker: the reply says "not taken"
    assert smtp_server.received == []


async def test_a_connection_lost_before_the_final_dot_is_a_temporary_failure(smtp_server):
    smtp_server.answer_next("RCPT", DROP)
    async with channel_for(smtp_server) as channel:
        with pytest.raises(TemporaryFailure):
            await channel.send(reminder())
        await channel.send(reminder())

    assert len(smtp_server.received) == 1


async def test_a_connection_lost_after_the_final_dot_is_an_unknown_outcome(smtp_server):
    smtp_server.answer_next("DATA", DROP)
    async with channel_for(smtp_server) as channel:
        with pytest.raises(UnknownOutcome):
            await channel.send(reminder(message_id="<maybe@durand.example>"))
        await channel.send(reminder(message_id="<next@durand.example>"))

    assert [r.message["Message-ID"] for r in smtp_server.received] == ["<next@durand.example>"]


async def test_nothing_listening_is_a_temporary_failure():
    channel = SmtpChannel(host="127.0.0.1", port=free_port(), security="none", timeout=5)
    async with channel:
        with pytest.raises(TemporaryFailure) as failure:
            await channel.send(reminder())

    assert not isinstance(failure.value, ChannelDown)
    assert failure.value.code is None


async def test_the_callback_runs_after_the_content_and_before_the_final_dot(smtp_server):
    seen_by_the_server: list[int] = []

    def mark_finalizing() -> None:
        time.sleep(0.05)  # time enough for the server to read all the content it was sent
        seen_by_the_server.append(len(smtp_server.received))

    async with channel_for(smtp_server) as channel:
        reply = await channel.send(reminder(), before_final_dot=mark_finalizing)

    assert seen_by_the_server == [0]
    assert reply.startswith("250 ")
    assert len(smtp_server.received) == 1


async def test_a_callback_that_raises_leaves_nothing_at_the_server_and_a_fresh_channel_sends(smtp_server):
    class Crash(Exception):
        pass

    def crash() -> None:
        raise Crash("killed before the final dot")

    async with channel_for(smtp_server) as channel:
        with pytest.raises(Crash):
            await channel.send(reminder(), before_final_dot=crash)
    assert smtp_server.received == []

    await send_one(smtp_server, reminder())

    [received] = smtp_server.received
    assert received.message["Message-ID"] == "<relance-1@durand.example>"


async def test_work_done_while_the_server_answers_comes_after_the_final_dot_and_keeps_the_session_in_step(
        smtp_server):
    class Broken(Exception):
        pass

    order: list[str] = []

    def meanwhile() -> None:
        order.append("while waiting")
        raise Broken("made the next one wrong")

    async with channel_for(smtp_server) as channel:
        with pytest.raises(Broken):
            await channel.send(reminder(message_id="<first@durand.example>"),
                               before_final_dot=lambda: order.append("before the dot"), while_waiting=meanwhile)
        reply = await channel.send(Outgoing.of(reminder(message_id="<second@durand.example>")))

    assert order == ["before the dot", "while waiting"]
    assert reply.startswith("250 ")  # the first reply was read in its turn, not taken for this one
    assert [r.message["Message-ID"] for r in smtp_server.received] == [
        "<first@durand.example>", "<second@durand.example>"]
    assert smtp_server.connections == 1


def authenticator(accepted: str, logins: list[str]) -> Any:
    def check(server: SMTP, session: Session, envelope: Envelope, mechanism: str,
              auth_data: LoginPassword) -> AuthResult:
        logins.append(auth_data.login.decode())
        # handled=False lets aiosmtpd answer a failure itself, with 535 (RFC 4954 §6).
        return AuthResult(success=auth_data.password == accepted.encode(), handled=False)
    return check


async def test_a_channel_with_a_username_logs_in_before_sending():
    logins: list[str] = []
    with RecordingServer(authenticator=authenticator(PASSWORD, logins), auth_require_tls=False) as server:
        await send_one(server, reminder(), username="relances", password=PASSWORD)

        assert logins == ["relances"]
        assert len(server.received) == 1


async def test_a_rejected_login_means_the_channel_is_down_and_the_password_is_never_shown(caplog):
    caplog.set_level(logging.DEBUG)
    with RecordingServer(authenticator=authenticator("another", []), auth_require_tls=False) as server:
        channel = channel_for(server, username="relances", password=PASSWORD)
        async with channel:
            with pytest.raises(ChannelDown) as failure:
                await channel.send(reminder())

    assert failure.value.code == 535
    shown = [str(failure.value), repr(failure.value), repr(channel), caplog.text]
    assert not [text for text in shown if PASSWORD in text]


@pytest.mark.parametrize("security", ["tls", "starttls"])
async def test_a_tls_setting_the_server_cannot_honour_means_the_channel_is_down(smtp_server, security):
    # "tls" handshakes with a plaintext server; "starttls" finds no STARTTLS offered. Neither may
    # fall back to plaintext.
    with pytest.raises(ChannelDown):
        await send_one(smtp_server, reminder(), security=security)

    assert smtp_server.received == []


async def test_each_event_is_one_log_line_with_the_message_id_and_never_the_body(smtp_server, caplog):
    caplog.set_level(logging.INFO, logger="bot.email")
    smtp_server.answer_next("RCPT", "451 4.7.1 Greylisted")
    async with channel_for(smtp_server) as channel:
        with pytest.raises(TemporaryFailure):
            await channel.send(reminder())
        await channel.send(reminder())

    lines = [r.getMessage() for r in caplog.records if r.name == "bot.email"]
    assert len(lines) == 3  # connected, not sent, sent
    assert all("<relance-1@durand.example>" in line for line in lines)
    assert not [line for line in lines if "régler" in line or "1 250,00" in line]


def test_new_message_ids_are_unique_and_carry_the_sender_domain():
    first, second = new_message_id("durand.example"), new_message_id("durand.example")

    assert first != second
    assert first.startswith("<") and first.endswith("@durand.example>")


def test_composing_needs_an_aware_now():
    with pytest.raises(ValueError, match="timezone-aware"):
        reminder(now=datetime(2026, 11, 23, 9, 30))
