"""Reminders by email: compose them, and deliver them over one reused SMTP session with a hook before the final dot."""

from __future__ import annotations

import asyncio
import binascii
import logging
import re
import secrets
import ssl
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from email.charset import QP, Charset
from email.encoders import encode_base64
from email.header import Header
from email.message import Message
from email.mime.application import MIMEApplication
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.utils import format_datetime, formataddr, getaddresses, make_msgid
from enum import Enum
from types import TracebackType
from typing import cast

from aiosmtplib import (
    SMTP,
    SMTPDataError,
    SMTPException,
    SMTPResponse,
    SMTPResponseException,
    SMTPSenderRefused,
    SMTPServerDisconnected,
    SMTPStatus,
)
from aiosmtplib.protocol import SMTPProtocol

from bot.config import Security, SmtpConfig
from bot.delivery_errors import (
    ChannelDown,
    DeliveryError,
    PermanentFailure,
    TemporaryFailure,
    UnknownOutcome,
)
from dialogs.parties import Language

log = logging.getLogger("bot.email")

DEFAULT_TIMEOUT = 60.0  # seconds per SMTP command or reply; aiosmtplib's own default


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content: bytes
    mime_type: str  # "application/pdf"


def new_message_id(domain: str) -> str:
    """A fresh `<…@domain>` Message-ID; `domain` is the one of the From address. The caller stores
    it before the first attempt so that every retry sends the same message (RFC 5322 §3.6.4)."""
    return make_msgid(domain=domain)


# Quoted-printable keeps the whole message 7-bit, so no server needs 8BITMIME (RFC 6152).
_QP_UTF8 = Charset("utf-8")
_QP_UTF8.header_encoding = QP


def compose(
    *,
    sender: str,
    to_name: str,
    to_address: str,
    subject: str,
    text: str,
    html: str | None,
    language: Language,
    message_id: str,
    now: datetime,
    reply_to: str = "",
    in_reply_to: str = "",
    references: Sequence[str] = (),
    attachments: Sequence[Attachment] = (),
) -> Message:
    """A reminder as it will be sent: text with an HTML alternative, then any attachments.

    `sender` is the config's `from` ("Atelier Durand <relances@…>"); `now` must be aware and
    becomes the Date. Raises ValueError for an address email cannot carry.

    Built with the stdlib's `email.mime` classes: the same RFC 5322/2045 output as EmailMessage's
    content manager at a third of the cost, which a dispatch of thousands of reminders notices.
    """
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    if not to_address or any(c in to_address for c in "\r\n<>,;\"") or "@" not in to_address:
        raise ValueError(f"not an address email can carry: {to_address!r}")
    body: Message = _text_part(text, "plain")
    if html:
        body = MIMEMultipart("alternative", _boundary(), _subparts=[body, _text_part(html, "html")])
    if attachments:
        body = MIMEMultipart("mixed", _boundary(), _subparts=[body, *map(_attachment, attachments)])
    body["From"] = _header(sender)
    body["To"] = formataddr((str(_header(to_name)) if not to_name.isascii() else to_name, to_address))
    if reply_to:
        body["Reply-To"] = _header(reply_to)
    body["Subject"] = _header(subject)
    body["Date"] = format_datetime(now)
    body["Message-ID"] = message_id
    if in_reply_to:
        body["In-Reply-To"] = in_reply_to
    if references:
        body["References"] = " ".join(references)
    # RFC 3834 §5: machine-sent, so auto-responders should stay quiet; Outlook and Exchange only
    # honour their own header ([MS-OXCMAIL] 2.2.3.2.14).
    body["Auto-Submitted"] = "auto-generated"
    body["X-Auto-Response-Suppress"] = "OOF, AutoReply"
    body["Content-Language"] = language.value  # RFC 3282
    return body


def _boundary() -> str:
    """A multipart boundary no part can contain: "=_" never occurs in quoted-printable (where "="
    is followed by hex digits or a line end) nor in base64 (whose alphabet has no "_"). Chosen
    here, it spares the generator's own search of every part for a free one (RFC 2046 §5.1.1)."""
    return f"=_relance_{secrets.token_hex(12)}"


def _text_part(content: str, subtype: str) -> Message:
    """A UTF-8 text part in quoted-printable (RFC 2045 §6.7), encoded by binascii's C codec:
    the email package's own encoder is pure Python and a third of a reminder's composing time."""
    part = MIMENonMultipart("text", subtype, charset="utf-8")
    part["Content-Transfer-Encoding"] = "quoted-printable"
    part.set_payload(binascii.b2a_qp(content.encode("utf-8"), istext=True).decode("ascii"))
    return part


def _header(value: str) -> str | Header:
    """ASCII as it is; anything else as an RFC 2047 encoded word, which keeps the header 7-bit."""
    return value if value.isascii() else Header(value, _QP_UTF8)


def _attachment(attachment: Attachment) -> Message:
    maintype, _, subtype = attachment.mime_type.partition("/")
    part = MIMEApplication(attachment.content, subtype) if maintype == "application" else MIMEBase(maintype, subtype)
    if maintype != "application":
        part.set_payload(attachment.content)
        encode_base64(part)
    part.add_header("Content-Disposition", "attachment", filename=attachment.filename)
    return part


@dataclass(frozen=True, slots=True)
class Outgoing:
    """What one SMTP transaction carries: the envelope and the content as DATA transmits it.

    Serialising a reminder costs more than all its SMTP commands, so a caller with a batch can make
    the next one while the server answers the current one (`SmtpChannel.send`'s `while_waiting`).
    """

    message_id: str
    sender: str
    recipients: tuple[str, ...]
    data: bytes

    @classmethod
    def of(cls, message: Message) -> Outgoing:
        senders = [address for _, address in getaddresses(message.get_all("From", [])) if address]
        recipients = tuple(address for _, address in getaddresses(
            [*message.get_all("To", []), *message.get_all("Cc", [])]) if address)
        message_id = message["Message-ID"]
        if not senders or not recipients or not message_id:
            raise ValueError("a message needs From, To and Message-ID headers")
        data = _transparent(message.as_bytes())  # its own policy folds its headers; CRLF comes next
        if not data.isascii():
            raise ValueError("the message is not 7-bit; compose() makes it so")
        return cls(str(message_id), senders[0], recipients, data)


_LINE_END = re.compile(rb"\r\n|\r|\n")
_LEADING_DOT = re.compile(rb"^\.", re.MULTILINE)


def _transparent(raw: bytes) -> bytes:
    """`raw` as DATA carries it: CRLF line ends (RFC 5321 §2.3.8), a dot doubled at the start of
    every line (§4.5.2), and a final CRLF so the terminator reads <CRLF>.<CRLF>."""
    data = _LINE_END.sub(b"\r\n", raw)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return _LEADING_DOT.sub(b"..", data)


class _Phase(Enum):
    SESSION = "session"  # connect, TLS, login, MAIL FROM: a refusal concerns every message
    MESSAGE = "message"  # RCPT TO, DATA and the content: a refusal concerns this message
    FINAL_REPLY = "final reply"  # after <CRLF>.<CRLF>: silence means the server may have it


def _failure(exc: Exception, phase: _Phase) -> DeliveryError:
    """What the caller should do about `exc`: 4yz retry, 5yz stop (RFC 5321 §4.2.1), and a
    failure that would hit every message (login, TLS, our sender) means the channel is down."""
    if isinstance(exc, SMTPResponseException) and 400 <= exc.code < 600:
        if exc.code < 500:
            return TemporaryFailure(exc.message, code=exc.code)
        if phase is _Phase.SESSION:
            return ChannelDown(exc.message, code=exc.code)
        return PermanentFailure(exc.message, code=exc.code)
    if phase is _Phase.FINAL_REPLY:
        return UnknownOutcome(f"no reply after the end of data: {exc}")
    if _tls_failed(exc):
        return ChannelDown(f"TLS failed: {exc}")
    # Refused or reset connections, DNS errors and timeouts: aiosmtplib's connection errors are
    # ConnectionErrors, its timeouts TimeoutErrors.
    if isinstance(exc, (OSError, TimeoutError)):
        return TemporaryFailure(str(exc) or type(exc).__name__)
    # Left: what no retry changes (STARTTLS or AUTH not offered, a reply that is not SMTP, an
    # address SMTP cannot carry).
    if phase is _Phase.SESSION:
        return ChannelDown(str(exc))
    return PermanentFailure(str(exc))


def _tls_failed(exc: BaseException | None) -> bool:
    # aiosmtplib wraps an implicit-TLS handshake error in SMTPConnectError; STARTTLS lets it through.
    while exc is not None:
        if isinstance(exc, ssl.SSLError):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


class SmtpChannel:
    """Sends a batch of messages over one SMTP session: `async with channel: await channel.send(…)`.

    Connects at the first send, reuses the session, reconnects when the server has dropped it,
    and says QUIT on exit. Sends are serialised: SMTP is one transaction at a time.
    """

    def __init__(self, *, host: str, port: int, security: Security = "starttls",
                 username: str | None = None, password: str | None = None,
                 timeout: float = DEFAULT_TIMEOUT) -> None:
        self._host = host
        self._port = port
        self._security = security
        self._username = username or None
        self._password = password
        self._timeout = timeout
        self._smtp: SMTP | None = None
        self._lock = asyncio.Lock()

    @classmethod
    def from_config(cls, config: SmtpConfig, *, timeout: float = DEFAULT_TIMEOUT) -> SmtpChannel:
        password = config.password.get_secret_value() if config.password else None
        return cls(host=config.host, port=config.port, security=config.security,
                   username=config.username, password=password, timeout=timeout)

    def __repr__(self) -> str:
        return (f"SmtpChannel(host={self._host!r}, port={self._port}, security={self._security!r}, "
                f"username={self._username!r}, password={'***' if self._password else None})")

    async def __aenter__(self) -> SmtpChannel:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        traceback: TracebackType | None) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None or not smtp.is_connected:
            return
        try:
            await smtp.quit()  # RFC 5321 §4.1.1.10
        except (SMTPException, OSError, TimeoutError):
            smtp.close()  # the server left first; nothing is pending at QUIT

    async def send(self, message: Message | Outgoing, *,
                   before_final_dot: Callable[[], None] | None = None,
                   while_waiting: Callable[[], None] | None = None) -> str:
        """Deliver `message` to its To and Cc addresses, all or none; return the server's reply.

        `before_final_dot` runs once the whole content is with the kernel and before the
        terminating <CRLF>.<CRLF>: until then the server keeps nothing (RFC 5321 §3.8, §4.1.1.4).
        If it raises, the session is dropped without the dot and its exception propagates.
        `while_waiting` runs once the dot is written, while the server decides; the reply is read
        after it even if it raises, so the session stays in step.
        TemporaryFailure and PermanentFailure mean the server did not take the message, even
        when the callback has already run; UnknownOutcome means it may have.
        """
        outgoing = message if isinstance(message, Outgoing) else Outgoing.of(message)
        async with self._lock:
            try:
                reply = await self._deliver(outgoing, before_final_dot, while_waiting)
            except DeliveryError as failure:
                level = logging.ERROR if isinstance(failure, ChannelDown) else logging.WARNING
                log.log(level, "%s not sent: %s %s", outgoing.message_id, type(failure).__name__, failure)
                raise
        log.info("%s sent to %d recipient(s): %s", outgoing.message_id, len(outgoing.recipients), reply)
        return reply

    async def _deliver(self, out: Outgoing, before_final_dot: Callable[[], None] | None,
                       while_waiting: Callable[[], None] | None) -> str:
        async with self._phase(_Phase.SESSION):
            smtp = await self._mail_from(out)
        async with self._phase(_Phase.MESSAGE):
            await _content(smtp, out, self._timeout)
        if before_final_dot is not None:
            self._finalize(out.message_id, before_final_dot)
        async with self._phase(_Phase.MESSAGE):
            _write_final_dot(smtp)
        try:
            if while_waiting is not None:
                while_waiting()
        finally:
            async with self._phase(_Phase.FINAL_REPLY):
                reply = await _final_reply(smtp, self._timeout)
        return f"{reply.code} {reply.message}"

    @asynccontextmanager
    async def _phase(self, phase: _Phase) -> AsyncIterator[None]:
        try:
            yield
        except (SMTPException, OSError, TimeoutError, ValueError) as exc:
            failure = _failure(exc, phase)
            await self._recover(exc)
            raise failure from exc
        except BaseException:  # cancelled mid-transaction: the session's state is unknown
            self._discard()
            raise

    async def _mail_from(self, out: Outgoing) -> SMTP:
        """MAIL FROM on the open session; one the server dropped while idle is reopened once."""
        reused = self._smtp is not None and self._smtp.is_connected
        smtp = await self._session(out.message_id)
        try:
            await smtp.mail(out.sender)
            return smtp
        except (SMTPServerDisconnected, SMTPSenderRefused) as exc:
            # Servers close idle sessions (RFC 5321 §4.5.3.2.7), often after a 421 (§3.8) that
            # we only read when we next speak.
            dropped = not isinstance(exc, SMTPSenderRefused) or exc.code == SMTPStatus.domain_unavailable
            if not (reused and dropped):
                raise
        log.info("%s: the server had closed the session; reconnecting", out.message_id)
        smtp = await self._session(out.message_id)
        await smtp.mail(out.sender)
        return smtp

    async def _session(self, message_id: str) -> SMTP:
        if self._smtp is None or not self._smtp.is_connected:
            self._smtp = await self._connect(message_id)
        return self._smtp

    async def _connect(self, message_id: str) -> SMTP:
        smtp = SMTP(hostname=self._host, port=self._port, username=self._username,
                    password=self._password, timeout=self._timeout,
                    use_tls=self._security == "tls", start_tls=self._security == "starttls")
        await smtp.connect()  # closes itself if it fails
        log.info("%s: connected to %s:%d (%s)", message_id, self._host, self._port, self._security)
        return smtp

    def _finalize(self, message_id: str, before_final_dot: Callable[[], None]) -> None:
        try:
            before_final_dot()
        except BaseException:
            # Closing without the dot makes the server drop the transaction: nothing was sent.
            log.warning("%s: aborted before the final dot", message_id)
            self._discard()
            raise

    async def _recover(self, exc: Exception) -> None:
        """Leave the session ready for the next message, or drop it when its state is unknown."""
        smtp = self._smtp
        if isinstance(exc, SMTPResponseException) and smtp is not None and smtp.is_connected:
            try:
                await smtp.rset()  # RFC 5321 §4.1.1.5: forget this transaction, keep the session
                return
            except (SMTPException, OSError, TimeoutError):
                pass
        self._discard()

    def _discard(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()


async def _content(smtp: SMTP, out: Outgoing, timeout: float) -> None:
    """RCPT TO for every recipient, DATA, then the content up to (not including) the final dot."""
    for recipient in out.recipients:
        await smtp.rcpt(recipient)
    reply = await smtp.execute_command(b"DATA")
    if reply.code != SMTPStatus.start_input:
        raise SMTPDataError(reply.code, reply.message)
    async with asyncio.timeout(timeout):
        await _transmit(smtp, out.data)


# aiosmtplib 5.1.3 (checked) offers no public way to stop between the content and its final dot:
# SMTP.data() sends both, and SMTP.execute_command() refuses CR and LF. So the DATA content goes
# through the connected client's protocol object, in the four functions below only:
# SMTPProtocol.write() and .read_response() are public methods of an undocumented class;
# _drain_helper() is the private half of the asyncio StreamWriter.drain() flow control that its
# FlowControlMixin copies. Nothing between writing the dot and calling read_response() yields
# to the event loop (`while_waiting` is synchronous), so the reply cannot arrive before the
# protocol expects it.

def _protocol(smtp: SMTP) -> SMTPProtocol:
    if smtp.protocol is None:
        raise SMTPServerDisconnected("Connection lost")
    return smtp.protocol


async def _transmit(smtp: SMTP, data: bytes) -> None:
    """Write `data` and return once the transport has handed all of it to the kernel, so the
    caller's marker is not committed while part of the content still waits in our process."""
    protocol = _protocol(smtp)
    # A zero high-water mark pauses the protocol while anything is buffered, so the drain below
    # waits for an empty buffer rather than for one under 64 KiB. Over TLS this is the TLS
    # layer's buffer; the socket's own is asyncio's to flush.
    cast(asyncio.WriteTransport, protocol.transport).set_write_buffer_limits(high=0)
    protocol.write(data)
    await protocol._drain_helper()


def _write_final_dot(smtp: SMTP) -> None:
    _protocol(smtp).write(b".\r\n")


async def _final_reply(smtp: SMTP, timeout: float) -> SMTPResponse:
    reply = await _protocol(smtp).read_response(timeout=timeout)
    if reply.code != SMTPStatus.completed:
        raise SMTPDataError(reply.code, reply.message)
    return reply
