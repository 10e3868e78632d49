"""A real IMAP server for the tests and the benchmark: Debian's dovecot, started on 127.0.0.1
with a temporary configuration (passwd-file authentication, Maildir in a temporary folder, a
self-signed certificate for IMAPS, a Drafts folder with the special-use \\Drafts). `.ci/run`
installs dovecot-imapd and exports CAUSERIE_IMAP_TESTS=required: the tests then fail rather
than skip when the server cannot start (`unavailable`, given by the tests; else RuntimeError).

    with Dovecot(user="claire", password="s3cret") as server:  # in a folder of its own
        server.deliver(messages)  # written into the user's Maildir
        server.url("INBOX")       # "imaps://claire@127.0.0.1:PORT/INBOX"
        server.cafile             # the certificate to trust
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType

from causerie.testing.mail_samples import write_maildir

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
ssl_dh = <{root}/dh.pem
auth_mechanisms = plain
first_valid_uid = 1
mail_location = maildir:{root}/home/%u/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Drafts {{
    special_use = \\Drafts
    auto = create
  }}
  mailbox Sent {{
    special_use = \\Sent
    auto = subscribe
  }}
}}
service imap-login {{
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    port = {port}
    ssl = yes
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def no_server(reason: str) -> None:
    raise RuntimeError(f"no IMAP server: {reason}")


class Dovecot:
    def __init__(
        self,
        user: str = "claire",
        password: str = "s3cret",
        unavailable: Callable[[str], None] = no_server,
    ) -> None:
        self.unavailable = unavailable
        # not under pytest's tmp_path: its parents are private to root, and the mail and auth
        # processes run as the dovecot user
        self.root = Path(tempfile.mkdtemp(prefix="causerie-dovecot-"))
        self.user = user
        self.password = password
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        # dovecot never runs a mail process as root: as root, the mail belongs to its own user
        account = pwd.getpwnam("dovecot") if os.getuid() == 0 else pwd.getpwuid(os.getuid())
        self.uid, self.gid = account.pw_uid, account.pw_gid

    def deliver(self, messages: list[EmailMessage]) -> None:
        """Write messages into the user's Maildir (INBOX), owned by the mail user."""
        write_maildir(messages, self.maildir)
        for folder, _dirs, files in os.walk(self.root / "home"):
            os.chown(folder, self.uid, self.gid)
            for name in files:
                os.chown(os.path.join(folder, name), self.uid, self.gid)

    @property
    def maildir(self) -> Path:
        return self.root / "home" / self.user / "Maildir"

    @property
    def cafile(self) -> str:
        return str(self.root / "cert.pem")

    def url(self, folder: str = "INBOX") -> str:
        return f"imaps://{self.user}@127.0.0.1:{self.port}/{folder}"

    def _certificate(self) -> None:
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
             "-keyout", str(self.root / "key.pem"), "-out", self.cafile,
             "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
            check=True, capture_output=True,
        )  # fmt: skip
        packaged = Path("/usr/share/dovecot/dh.pem")
        if packaged.is_file():
            shutil.copy(packaged, self.root / "dh.pem")
        else:
            subprocess.run(["openssl", "dhparam", "-dsaparam", "-out", str(self.root / "dh.pem"),
                            "2048"], check=True, capture_output=True)  # fmt: skip

    def __enter__(self) -> Dovecot:
        if not Path(DOVECOT).exists() or shutil.which("openssl") is None:
            self.unavailable("dovecot (dovecot-imapd) or openssl is not installed")
        for sub in ("run", "state", "home"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        self.maildir.parent.mkdir(parents=True, exist_ok=True)
        self._certificate()
        (self.root / "passwd").write_text(f"{self.user}:{{PLAIN}}{self.password}\n")
        config = self.root / "dovecot.conf"
        config.write_text(CONFIG.format(root=self.root, port=self.port, uid=self.uid,
                                        gid=self.gid))  # fmt: skip
        os.chown(self.root / "home", self.uid, self.gid)
        os.chown(self.maildir.parent, self.uid, self.gid)
        os.chmod(self.root, 0o755)  # the login process (dovenull) reads base_dir
        self.process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(config)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                output = self.process.stdout.read().decode() if self.process.stdout else ""
                log = (self.root / "dovecot.log").read_text() if (self.root / "dovecot.log"
                                                                   ).exists() else ""  # fmt: skip
                self.unavailable(f"dovecot stopped at start: {output[-800:]} {log[-800:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        self.__exit__(None, None, None)
        self.unavailable("dovecot did not listen within 15 s")
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process is not None and self.process.stdout is not None:
            self.process.stdout.close()
        shutil.rmtree(self.root, ignore_errors=True)
