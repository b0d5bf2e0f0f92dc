"""The demo's mail server: a real SMTP server (aiosmtpd) on loopback, in this process, keeping what it accepts.

Imported only by `relance demo`, so `relance run` never loads aiosmtpd. Each accepted message is also
written as an .eml file when the demo keeps its folder, so the mails can be opened afterwards.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from types import TracebackType
from typing import cast

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from bot.loopback import HOST, free_port


@dataclass(frozen=True, slots=True)
class Delivered:
    """One message as the server accepted it: envelope recipient and the bytes on the wire."""

    recipient: str
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        # Python line ends, so the decoded text reads as it was written.
        return cast(EmailMessage, BytesParser(policy=policy.default).parsebytes(self.raw.replace(b"\r\n", b"\n")))


class _Keeper:
    """aiosmtpd handler: accepts every message, keeps it, and spools it to `spool` if given."""

    def __init__(self, spool: Path | None) -> None:
        self._spool = spool
        self._lock = threading.Lock()  # aiosmtpd runs its loop in its own thread
        self._kept: list[Delivered] = []

    def kept(self) -> list[Delivered]:
        with self._lock:
            return list(self._kept)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = bytes(envelope.original_content or b"")
        with self._lock:
            # The dispatcher sends one recipient per message (a statement per debtor).
            for recipient in envelope.rcpt_tos:
                self._kept.append(Delivered(recipient, raw))
            if self._spool is not None:
                (self._spool / f"{len(self._kept):04d}.eml").write_bytes(raw)
        return "250 2.0.0 OK queued"


class MailSink:
    """The SMTP server on 127.0.0.1 and a free port while the `with` block lasts."""

    def __init__(self, spool: Path | None = None) -> None:
        if spool is not None:
            spool.mkdir(parents=True, exist_ok=True)
        self._keeper = _Keeper(spool)
        self.host = HOST
        self.port = free_port()
        self._controller = Controller(self._keeper, hostname=HOST, port=self.port)

    def __enter__(self) -> MailSink:
        self._controller.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self._controller.stop()

    @property
    def delivered(self) -> list[Delivered]:
        return self._keeper.kept()

