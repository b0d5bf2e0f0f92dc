"""A real SMTP server on loopback for tests: aiosmtpd keeping what it receives, failing on demand.

In a thread: `from tests.smtp_server import smtp_server` (a pytest fixture) or `RecordingServer()`.
In its own process, to outlive a killed sender: `python -m tests.smtp_server --port P --spool DIR`
writes each accepted message to DIR/000001.eml, 000002.eml, …; `server_process()` starts one.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, cast

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from bot.loopback import HOST, free_port

ROOT = Path(__file__).resolve().parents[1]
DROP = "drop"  # a scripted answer: close the connection instead of replying
Command = Literal["RCPT", "DATA"]


@dataclass(frozen=True, slots=True)
class Received:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        """The message parsed with Python line ends, so decoded text reads as it was written."""
        return cast(EmailMessage, BytesParser(policy=policy.default).parsebytes(self.raw.replace(b"\r\n", b"\n")))


class RecordingHandler:
    """aiosmtpd handler that keeps every accepted message (and spools it to a folder if given),
    answering scripted replies first."""

    def __init__(self, spool: Path | None = None) -> None:
        self._spool = spool
        self._lock = threading.Lock()
        self._received: list[Received] = []
        self._scripts: dict[Command, deque[str]] = {"RCPT": deque(), "DATA": deque()}

    @property
    def received(self) -> list[Received]:
        with self._lock:
            return list(self._received)

    def answer_next(self, command: Command, *replies: str) -> None:
        """Answer the next RCPT TO or end of DATA with these replies in turn ("451 4.7.1 Try
        later", "550 5.1.1 No such user", or DROP), then normally again."""
        with self._lock:
            self._scripts[command].extend(replies)

    def _scripted(self, command: Command) -> str | None:
        with self._lock:
            script = self._scripts[command]
            return script.popleft() if script else None

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        reply = self._scripted("RCPT") or "250 OK"
        if reply == DROP:
            return await _drop(server)
        if reply.startswith("2"):
            envelope.rcpt_tos.append(address)
        return reply

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        reply = self._scripted("DATA")
        if reply == DROP:
            return await _drop(server)
        if reply is not None:
            return reply
        self._keep(Received(envelope.mail_from or "", tuple(envelope.rcpt_tos),
                            bytes(envelope.original_content or b"")))
        return "250 2.0.0 OK queued"

    def _keep(self, received: Received) -> None:
        with self._lock:
            self._received.append(received)
            if self._spool is not None:
                # Write then rename, so a reader counting files never sees half a message.
                final = self._spool / f"{len(self._received):06d}.eml"
                partial = final.with_suffix(".part")
                partial.write_bytes(received.raw)
                os.replace(partial, final)


async def _drop(server: SMTP) -> str:
    assert server.transport is not None
    server.transport.close()
    await asyncio.Event().wait()  # the lost connection cancels this handler: no reply is sent
    raise AssertionError("unreachable")


class _CountingController(Controller):
    def __init__(self, handler: RecordingHandler, port: int, **smtp_options: Any) -> None:
        super().__init__(handler, hostname=HOST, port=port, **smtp_options)
        self._sessions_lock = threading.Lock()
        self._sessions: list[SMTP] = []

    def factory(self) -> SMTP:  # called once per accepted connection
        session = super().factory()
        with self._sessions_lock:
            self._sessions.append(session)
        return session

    def sessions(self) -> list[SMTP]:
        with self._sessions_lock:
            return list(self._sessions)

    def forget_sessions(self) -> None:
        with self._sessions_lock:
            self._sessions.clear()


class RecordingServer:
    """aiosmtpd's Controller on 127.0.0.1 and a free port, in a thread; `smtp_options` go to
    aiosmtpd's SMTP (authenticator=…, auth_require_tls=False, …)."""

    def __init__(self, handler: RecordingHandler | None = None, **smtp_options: Any) -> None:
        self.handler = handler or RecordingHandler()
        self.host = HOST
        self.port = free_port()
        self._controller = _CountingController(self.handler, self.port, **smtp_options)

    def __enter__(self) -> RecordingServer:
        self._controller.start()
        self._controller.forget_sessions()  # start() connects once to check the server is up
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self._controller.stop()

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    @property
    def connections(self) -> int:
        return len(self._controller.sessions())

    def answer_next(self, command: Command, *replies: str) -> None:
        self.handler.answer_next(command, *replies)

    def drop_connections(self, reply: str | None = "421 4.4.2 Idle timeout, closing") -> None:
        """Close every open session from the server's side, after the 421 a real MTA sends to
        an idle client (RFC 5321 §3.8), or silently with `reply=None`."""
        async def drop() -> None:
            for session in self._controller.sessions():
                if session.transport is not None and not session.transport.is_closing():
                    if reply is not None:
                        cast(asyncio.WriteTransport, session.transport).write(reply.encode() + b"\r\n")
                    session.transport.close()

        asyncio.run_coroutine_threadsafe(drop(), self._controller.loop).result(timeout=5)


@pytest.fixture
def smtp_server() -> Iterator[RecordingServer]:
    with RecordingServer() as server:
        yield server


@dataclass(frozen=True, slots=True)
class ServerProcess:
    host: str
    port: int
    pid: int


@contextmanager
def server_process(spool: Path | None = None) -> Iterator[ServerProcess]:
    """`python -m tests.smtp_server` on a free port, ready when this yields; stopped on exit."""
    port = free_port()
    args = [sys.executable, "-m", "tests.smtp_server", "--port", str(port)]
    if spool is not None:
        args += ["--spool", str(spool)]
    process = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        ready = process.stdout.readline()
        if not ready.startswith("ready"):
            raise RuntimeError(f"SMTP server process did not start: {ready!r}")
        yield ServerProcess(HOST, port, process.pid)
    finally:
        process.terminate()
        process.wait(timeout=10)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.smtp_server", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--spool", type=Path, help="folder that receives one .eml file per message")
    args = parser.parse_args(argv)
    if args.spool is not None:
        args.spool.mkdir(parents=True, exist_ok=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    controller = Controller(RecordingHandler(args.spool), hostname=HOST, port=args.port)
    controller.start()
    print(f"ready {HOST} {args.port}", flush=True)
    stop.wait()
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
