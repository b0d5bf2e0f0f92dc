"""A real IMAP server on loopback for tests: Dovecot in the foreground, with its own config and Maildir.
It also answers on 127.0.0.2 without IDLE and MOVE, like an older server.

`from tests.imap_server import dovecot, imap_server` (pytest fixtures): one Dovecot per test session,
a fresh account (user, password, empty mailbox) per test. Without a `dovecot` binary the tests that
use them skip, saying how to install it. See TESTING.md ("IMAP: Dovecot") for the traps this avoids.
"""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import pytest
from imapclient import IMAPClient

from bot.dovecot import AS_ROOT, DovecotServer, dovecot_binary

INSTALL_HINT = ("Dovecot is not installed: `apt-get install dovecot-imapd` (or run `make test` as root, "
                "which installs it) to run the IMAP tests")
DOMAIN = "example.test"
ACCOUNTS = 200
LEGACY_HOST = "127.0.0.2"  # Linux routes all of 127.0.0.0/8 to loopback


@dataclass(frozen=True, slots=True)
class Stored:
    """A message as the server holds it."""

    uid: int
    flags: tuple[bytes, ...]
    raw: bytes


@dataclass(frozen=True, slots=True)
class ImapAccount:
    """One test's mailbox on the shared Dovecot, seen from a second connection (a user's mail client)."""

    server: DovecotServer
    username: str
    password: str

    @property
    def host(self) -> str:
        return self.server.host

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def tls_port(self) -> int:
        """Implicit TLS (RFC 8314), with a self-signed certificate; the plain port offers STARTTLS too."""
        if not self.server.tls:
            pytest.skip("openssl is needed to make the test server's certificate")
        return self.server.tls_port

    @property
    def legacy_host(self) -> str:
        """Where the same mailbox is served without the IDLE and MOVE extensions."""
        return LEGACY_HOST

    def connect(self) -> IMAPClient:
        client = IMAPClient(self.host, self.port, ssl=False, timeout=10)
        client.login(self.username, self.password)
        return client

    def append(self, raw: bytes, folder: str = "INBOX", flags: Sequence[bytes] = ()) -> int:
        """Deliver `raw` verbatim into `folder` and return its UID (RFC 4315 APPENDUID)."""
        with self.connect() as client:
            response = client.append(folder, raw, flags=flags)
        return int(response.split(b"]")[0].split()[-1])

    def deliver(self, raw: bytes) -> None:
        """Drop `raw` into the INBOX's Maildir as a delivery agent does, which works while IMAP is down."""
        maildir = self.server.mail / self.username
        for sub in ("tmp", "new", "cur"):
            (maildir / sub).mkdir(parents=True, exist_ok=True)
        name = f"relance-test.{secrets.token_hex(8)}"
        # Maildir delivery: write in tmp/, then rename into new/, so a reader never sees half a mail.
        (maildir / "tmp" / name).write_bytes(raw)
        (maildir / "tmp" / name).rename(maildir / "new" / name)
        if AS_ROOT:
            for path in [maildir, *maildir.rglob("*")]:
                shutil.chown(path, "nobody", "nogroup")

    def messages(self, folder: str = "INBOX") -> list[Stored]:
        with self.connect() as client:
            client.select_folder(folder, readonly=True)
            fetched = client.fetch(client.search(), ["FLAGS", "BODY.PEEK[]"])
        return [Stored(uid, data[b"FLAGS"], data[b"BODY[]"]) for uid, data in sorted(fetched.items())]

    def folders(self) -> list[str]:
        with self.connect() as client:
            return [name for _flags, _delimiter, name in client.list_folders()]

    def create_folder(self, folder: str) -> None:
        with self.connect() as client:
            client.create_folder(folder)

    def uidvalidity(self, folder: str = "INBOX") -> int:
        with self.connect() as client:
            return int(client.folder_status(folder, ["UIDVALIDITY"])[b"UIDVALIDITY"])

    def set_uidvalidity(self, value: int, folder: str = "INBOX") -> None:
        """What a server rebuilding its index does: same messages, same UIDs, a new UIDVALIDITY."""
        self.server.doveadm("mailbox", "update", "-u", self.username, "--uid-validity", str(value), folder)

    def restart(self) -> None:
        self.server.restart()


@pytest.fixture(scope="session")
def dovecot() -> Iterator[DovecotServer]:
    binary = dovecot_binary()
    if binary is None:
        pytest.skip(INSTALL_HINT)
    server = DovecotServer(binary, domain=DOMAIN, accounts=ACCOUNTS, legacy_host=LEGACY_HOST, tls=True)
    try:
        server.start()
        yield server
    finally:
        server.close()


@pytest.fixture
def imap_server(dovecot: DovecotServer) -> ImapAccount:
    """A fresh account with an empty INBOX on the session's Dovecot."""
    username, password = dovecot.add_user()
    return ImapAccount(dovecot, username, password)
