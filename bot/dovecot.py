"""A real IMAP server on loopback: Dovecot in the foreground, with its own config and Maildir in a temp dir.

`relance demo` starts one so that debtors' replies travel the real IMAP path (APPEND, IDLE, the listener),
and the tests start one for the same reason (tests/imap_server.py). Only a `dovecot` binary is needed; no
system configuration is read or changed. TESTING.md ("IMAP: Dovecot") lists the traps this avoids.
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
from pathlib import Path

from bot.loopback import HOST, free_port

AS_ROOT = os.geteuid() == 0


def dovecot_binary() -> str | None:
    # Debian puts it in /usr/sbin, which a normal user's PATH often lacks.
    return shutil.which("dovecot") or shutil.which("dovecot", path="/usr/sbin:/usr/local/sbin")


def _identity() -> str:
    """Who Dovecot's processes run as: its own users under root, else the user running us."""
    if AS_ROOT:
        return ("default_internal_user = dovecot\ndefault_login_user = dovenull\n"
                "mail_uid = nobody\nmail_gid = nogroup\n")
    user, group = pwd.getpwuid(os.geteuid()).pw_name, grp.getgrgid(os.getegid()).gr_name
    return (f"default_internal_user = {user}\ndefault_internal_group = {group}\n"
            f"default_login_user = {user}\n")


class DovecotServer:
    """`dovecot -F` on 127.0.0.1 and a free port, configured in a 0755 temp dir (Dovecot's auth user
    must read the users file, which a 0700 dir forbids under root).

    `accounts` mailboxes are created up front; `legacy_host` serves the same mail on a second loopback
    address without IDLE and MOVE, like an older server; `tls` adds an implicit-TLS port with a
    self-signed certificate (when openssl is there).
    """

    def __init__(self, binary: str, *, domain: str, accounts: int = 1, legacy_host: str | None = None,
                 tls: bool = False) -> None:
        self.binary = binary
        self.host = HOST
        self.port = free_port()
        self.tls_port = free_port()
        self.legacy_host = legacy_host
        self.root = Path(tempfile.mkdtemp(prefix="relance-dovecot-"))
        self.root.chmod(0o755)
        self.config = self.root / "dovecot.conf"
        self.users = self.root / "users"
        self.mail = self.root / "mail"
        self._process: subprocess.Popen[bytes] | None = None
        # Every account is written before the server starts: Dovecot looks at the users file at most
        # once a second, so a user added later may be refused for a moment.
        self._accounts = [(f"bot-{n}-{secrets.token_hex(3)}@{domain}", secrets.token_urlsafe(12))
                          for n in range(accounts)]
        self.tls = tls and self._make_certificate()
        self._write_config()

    def _write_config(self) -> None:
        self.mail.mkdir()
        if AS_ROOT:
            shutil.chown(self.mail, "nobody", "nogroup")  # Dovecot refuses to access mail as root
        self.users.write_text("".join(f"{user}:{{PLAIN}}{password}\n" for user, password in self._accounts))
        self.users.chmod(0o644)
        tls = (f"ssl = yes\nssl_cert = <{self.root}/cert.pem\nssl_key = <{self.root}/key.pem\n" if self.tls
               else "ssl = no\n")
        addresses = " ".join(filter(None, (HOST, self.legacy_host)))
        # Every `{` opens a block on its own line: Dovecot rejects "garbage after '{'".
        legacy = "" if self.legacy_host is None else f"""\
  inet_listener legacy {{
    address = {self.legacy_host}
    port = {self.port}
  }}
"""
        legacy_protocol = "" if self.legacy_host is None else f"""\
# The same server seen through another loopback address, as an old one: no IDLE, no MOVE.
local {self.legacy_host} {{
  protocol imap {{
    imap_capability = IMAP4rev1 LITERAL+ UIDPLUS
  }}
}}
"""
        self.config.write_text(f"""\
base_dir = {self.root}/run
state_dir = {self.root}/state
log_path = {self.root}/dovecot.log
protocols = imap
listen = {addresses}
{tls}disable_plaintext_auth = no
# A wrong password is answered at once, and does not slow down the next login from the same
# address: no failure delay, no anvil auth penalty (Dovecot's documented way to turn it off, below).
auth_failure_delay = 0
{_identity()}mail_location = maildir:{self.mail}/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {self.users}
}}
userdb {{
  driver = static
  args = home={self.mail}/%u
}}
# No chroot: as a normal user Dovecot could not enter one, and loopback needs none.
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
{legacy}  inet_listener imaps {{
    address = {HOST}
    port = {self.tls_port if self.tls else 0}
  }}
}}
{legacy_protocol}""")

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
        """An account nobody has used yet, as (username, password): its mailbox is empty."""
        if not self._accounts:
            raise RuntimeError("every account of this Dovecot is taken; create it with more `accounts`")
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
