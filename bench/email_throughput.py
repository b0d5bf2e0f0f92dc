"""Email throughput on one reused SMTP session: bare aiosmtplib against SmtpChannel, aiosmtpd on loopback."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email.message import EmailMessage

import aiosmtplib

from bot.email_channel import SmtpChannel, compose
from dialogs.parties import Language
from tests.smtp_server import RecordingServer, server_process

MESSAGES = 2_000
ROUNDS = 3
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
Sender = Callable[[str, int, list[EmailMessage]], Awaitable[None]]


def messages(count: int = MESSAGES) -> list[EmailMessage]:
    return [compose(sender="Atelier Durand <relances@durand.example>", to_name=f"Client {n} SARL",
                    to_address=f"compta{n}@client.example", subject=f"Relance : facture F{n:06d}",
                    text=f"Bonjour,\n\nLa facture F{n:06d} de 1 250,00 € reste à régler.\n",
                    html=f"<p>La facture F{n:06d} de <b>1 250,00 €</b> reste à régler.</p>",
                    language=Language.FR, message_id=f"<bench-{n}@durand.example>", now=NOW)
            for n in range(count)]


async def bare_aiosmtplib(host: str, port: int, batch: list[EmailMessage]) -> None:
    smtp = aiosmtplib.SMTP(hostname=host, port=port, start_tls=False)
    await smtp.connect()
    for message in batch:
        await smtp.send_message(message)
    await smtp.quit()


async def smtp_channel(host: str, port: int, batch: list[EmailMessage]) -> None:
    async with SmtpChannel(host=host, port=port, security="none") as channel:
        for message in batch:
            await channel.send(message, before_final_dot=_no_marker)


def _no_marker() -> None:
    pass


def _rate(send: Sender, host: str, port: int, batch: list[EmailMessage]) -> float:
    started = time.perf_counter()
    asyncio.run(send(host, port, batch))
    return len(batch) / (time.perf_counter() - started)


@contextmanager
def _thread_server() -> Iterator[tuple[str, int]]:
    with RecordingServer() as server:
        yield server.host, server.port


@contextmanager
def _process_server() -> Iterator[tuple[str, int]]:
    with server_process() as server:
        yield server.host, server.port


def run() -> None:
    batch = messages()
    print(f"{MESSAGES:,} small composed messages (~{len(batch[0].as_bytes()):,} bytes) per run, one session "
          f"each; medians of {ROUNDS} interleaved rounds")
    for where, server in (("thread", _thread_server), ("process", _process_server)):
        with server() as (host, port):
            for send in (bare_aiosmtplib, smtp_channel):  # warm-up: imports, first connection
                _rate(send, host, port, batch[:100])
            rounds = [(_rate(bare_aiosmtplib, host, port, batch), _rate(smtp_channel, host, port, batch))
                      for _ in range(ROUNDS)]
        bare = statistics.median(b for b, _ in rounds)
        ours = statistics.median(o for _, o in rounds)
        ratio = statistics.median(o / b for b, o in rounds)
        print(f"aiosmtpd in a {where:7}: bare aiosmtplib {bare:5.0f} msg/s   "
              f"SmtpChannel.send {ours:5.0f} msg/s   ratio {ratio:.2f}")
