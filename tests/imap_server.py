"""A real IMAP server on loopback for tests: Dovecot in the foreground, with its own config and Maildir.
It also answers on 127.0.0.2 without IDLE and MOVE, like an older server.

`from tests.imap_server import dovecot, imap_server` (pytest fixtures): one Dovecot per test session,
a fresh account (user, password, empty mailbox) per test. Without a `dovecot` binary the tests that
use them skip, saying how to install it. See TESTING.md ("IMAP: Dovecot") for the traps this avoids.
"""

from __future__ import annotations

import grp
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from imapclient import IMAPClient

from tests.smtp_server import HOST, free_port

INSTALL_HINT = ("Dovecot is not installed: `apt-get install dovecot-imapd` (or run `make test` as root, "
                "which installs it) to run the IMAP tests")
DOMAIN = "example.test"
ACCOUNTS = 200
LEGACY_HOST = "127.0.0.2"  # Linux routes all of 127.0.0.0/8 to loopback
AS_ROOT = os.geteuid() == 0


def _identity() -> str:
    """Who Dovecot's processes run as: its own users under root, else the user running the tests."""
    if AS_ROOT:
        return ("default_internal_user = dovecot\ndefault_login_user = dovenull\n"
                "mail_uid = nobody\nmail_gid = nogroup\n")
    user, group = pwd.getpwuid(os.geteuid()).pw_name, grp.getgrgid(os.getegid()).gr_name
    return (f"default_internal_user = {user}\ndefault_internal_group = {group}\n"
            f"default_login_user = {user}\n")


def dovecot_binary() -> str | None:
    # Debian puts it in /usr/sbin, which a normal user's PATH often lacks.
    return shutil.which("dovecot") or shutil.which("dovecot", path="/usr/sbin:/usr/local/sbin")


@dataclass(frozen=True, slots=True)
class Stored:
    """A message as the server holds it."""

    uid: int
    flags: tuple[bytes, ...]
    raw: bytes


class DovecotServer:
    """`dovecot -F` on 127.0.0.1 and a free port, configured in a 0755 temp dir (Dovecot's auth user
    must read the users file, which pytest's 0700 `tmp_path` forbids under root)."""

    def __init__(self, binary: str) -> None:
        self.binary = binary
        self.host = HOST
        self.port = free_port()
        self.tls_port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="relance-dovecot-"))
        self.root.chmod(0o755)
        self.config = self.root / "dovecot.conf"
        self.users = self.root / "users"
        self._process: subprocess.Popen[bytes] | None = None
        self._accounts: list[tuple[str, str]] = []
        self._write_config()

    def _write_config(self) -> None:
        mail = self.root / "mail"
        mail.mkdir()
        if AS_ROOT:
            shutil.chown(mail, "nobody", "nogroup")  # Dovecot refuses to access mail as root
        # Every account is written before the server starts: Dovecot looks at the users file at most
        # once a second, so a user added later may be refused for a moment.
        self._accounts = [(f"bot-{n}-{secrets.token_hex(3)}@{DOMAIN}", secrets.token_urlsafe(12))
                          for n in range(ACCOUNTS)]
        self.users.write_text("".join(f"{user}:{{PLAIN}}{password}\n" for user, password in self._accounts))
        self.users.chmod(0o644)
        self.tls = self._make_certificate()
        tls = (f"ssl = yes\nssl_cert = <{self.root}/cert.pem\nssl_key = <{self.root}/key.pem\n" if self.tls
               else "ssl = no\n")
        # Every `{` opens a block on its own line: Dovecot rejects "garbage after '{'".
        self.config.write_text(f"""\
base_dir = {self.root}/run
state_dir = {self.root}/state
log_path = {self.root}/dovecot.log
protocols = imap
listen = {HOST} {LEGACY_HOST}
{tls}disable_plaintext_auth = no
# A wrong password is answered at once, and does not slow down the next test's logins from the same
# address: no failure delay, no anvil auth penalty (Dovecot's documented way to turn it off, below).
auth_failure_delay = 0
{_identity()}mail_location = maildir:{mail}/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {self.users}
}}
userdb {{
  driver = static
  args = home={mail}/%u
}}
# No chroot: as a normal user Dovecot could not enter one, and the tests need none.
service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = {HOST}
    port = {self.port}
  }}
  inet_listener legacy {{
    address = {LEGACY_HOST}
    port = {self.port}
  }}
  inet_listener imaps {{
    address = {HOST}
    port = {self.tls_port if self.tls else 0}
  }}
}}
# The same server seen through another loopback address, as an old one: no IDLE, no MOVE.
local {LEGACY_HOST} {{
  protocol imap {{
    imap_capability = IMAP4rev1 LITERAL+ UIDPLUS
  }}
}}
""")

    def _make_certificate(self) -> bool:
        """A self-signed certificate, which a client verifying certificates must refuse."""
        openssl = shutil.which("openssl")
        if openssl is None:
            return False
        subprocess.run([openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-keyout", str(self.root / "key.pem"), "-out", str(self.root / "cert.pem"),
                        "-days", "2", "-subj", f"/CN={HOST}"], capture_output=True, check=True, timeout=30)
        return True

    def start(self) -> None:
        if self._process is not None:
            return
        log = (self.root / "stdout.log").open("ab")
        # Output goes to a file: a pipe nobody reads would block Dovecot once full.
        self._process = subprocess.Popen([self.binary, "-F", "-c", str(self.config)], stdout=log, stderr=log)
        log.close()
        self._wait_for_greeting()

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=20)
            self._process = None

    def restart(self) -> None:
        """Stop (every client is disconnected) and start again on the same port and mail store."""
        self.stop()
        self.start()

    def close(self) -> None:
        self.stop()
        # The master's children may still be finishing a session, writing into the mail store.
        deadline = time.monotonic() + 10
        while self.root.exists() and time.monotonic() < deadline:
            shutil.rmtree(self.root, ignore_errors=True)
            time.sleep(0.05)

    def add_user(self) -> tuple[str, str]:
        """An account nobody has used yet: its mailbox is empty."""
        if not self._accounts:
            raise RuntimeError(f"all {ACCOUNTS} test accounts are used; raise ACCOUNTS in {__name__}")
        return self._accounts.pop(0)

    def doveadm(self, *args: str) -> str:
        result = subprocess.run([shutil.which("doveadm") or "doveadm", "-c", str(self.config), *args],
                                capture_output=True, text=True, timeout=30, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"doveadm {' '.join(args)} failed: {result.stderr.strip()}")
        return result.stdout

    def _wait_for_greeting(self, timeout: float = 15.0) -> None:
        assert self._process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"dovecot exited with {self._process.returncode}: {self.log_tail()}")
            try:
                with socket.create_connection((self.host, self.port), timeout=1) as probe:
                    if probe.recv(64).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError(f"dovecot did not greet on {self.host}:{self.port}: {self.log_tail()}")

    def log_tail(self, lines: int = 20) -> str:
        path = self.root / "dovecot.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


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
        maildir = self.server.root / "mail" / self.username
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
    server = DovecotServer(binary)
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
