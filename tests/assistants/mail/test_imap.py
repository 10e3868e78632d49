"""IMAP against a real dovecot started by the test (tests/assistants/mail/dovecot.py): the
fictional mailbox synced over IMAPS, incremental by UID, nothing marked read; a draft appended
to Drafts with the \\Draft flag and read back with imapclient; a wrong password, an unreachable
server and an untrusted certificate each named in one line."""

from __future__ import annotations

import json
import os
import ssl
from collections.abc import Iterator
from email import message_from_bytes, policy

import pytest
from click.testing import CliRunner, Result
from imapclient import IMAPClient
from keyring.backend import KeyringBackend

from causerie.cli.app import App
from causerie.cli.main import cli
from causerie.errors import InputError
from causerie.providers.fake import FakeProvider
from causerie.testing.dovecot import Dovecot, free_port
from causerie.testing.mail_samples import EXPECTED, ME, fictional_mailbox, message_id

from .conftest import keys

REQUIRED = os.environ.get("CAUSERIE_IMAP_TESTS") == "required"  # read at import (see conftest)


def unavailable(reason: str) -> None:
    """Skip locally; fail where the IMAP tests are required (CI)."""
    if REQUIRED:
        pytest.fail(f"CAUSERIE_IMAP_TESTS=required but {reason}")
    pytest.skip(reason)


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


@pytest.fixture
def server() -> Iterator[Dovecot]:
    with Dovecot(unavailable=unavailable) as running:
        running.deliver(fictional_mailbox())
        yield running


def _client(server: Dovecot) -> IMAPClient:
    context = ssl.create_default_context(cafile=server.cafile)
    client = IMAPClient("127.0.0.1", port=server.port, ssl=True, ssl_context=context)
    client.login(server.user, server.password)
    return client


def _sync(server: Dovecot, *extra: str, password: str | None = None) -> Result:
    return run("mail", "sync", server.url(), "-n", "mail", "--cafile", server.cafile,
               "--password-stdin", "--json", *extra,
               input=(password or server.password) + "\n")  # fmt: skip


def test_sync_over_imaps_is_incremental_and_marks_nothing_read(server: Dovecot) -> None:
    first = _sync(server)
    assert first.exit_code == 0, first.stderr
    assert json.loads(first.stdout) | {"problems": []} == {
        "added": 31, "unchanged": 0, "failed": 0, "attachments_indexed": 1, "problems": [],
        "threads": 13,
    }  # fmt: skip
    threads = json.loads(run("mail", "threads", "-n", "mail", "--me", ME, "--json").stdout)
    assert sorted(keys(t["message_ids"]) for t in threads) == sorted(EXPECTED.threads)
    assert json.loads(_sync(server).stdout)["added"] == 0  # nothing new since the last UID
    late = fictional_mailbox()[-1]
    late.replace_header("Message-ID", "<late.2026@causerie-fiction.example>")
    late.replace_header("Subject", "Portfolio review: the room changed")
    del late["In-Reply-To"], late["References"]
    server.deliver([late])
    assert json.loads(_sync(server).stdout)["added"] == 1  # only the new one is fetched
    client = _client(server)
    try:
        client.select_folder("INBOX", readonly=True)
        assert client.search(["SEEN"]) == []  # BODY.PEEK: nothing marked read
    finally:
        client.logout()


def test_a_draft_is_appended_to_drafts_with_the_draft_flag(
    server: Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _sync(server).exit_code == 0
    threads = json.loads(run("mail", "threads", "-n", "mail", "--me", ME, "--json").stdout)
    bakery = next(t["id"] for t in threads if keys(t["message_ids"])[0] == "A1")
    fake = FakeProvider('{"body": "Je vous envoie les fichiers du logo d\'ici le 18 mars."}')
    monkeypatch.setattr(App, "make_provider", lambda self: fake)
    result = run("mail", "draft", bakery, "-n", "mail", "--me", ME, "--imap-drafts",
                 "--password-stdin", input=server.password + "\n")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "Appended to Drafts with the \\Draft flag (not sent)." in result.stderr
    client = _client(server)
    try:
        client.select_folder("Drafts", readonly=True)
        uids = client.search(["ALL"])
        assert len(uids) == 1
        fetched = client.fetch(uids, ["FLAGS", "BODY.PEEK[]"])[uids[0]]
    finally:
        client.logout()
    assert b"\\Draft" in fetched[b"FLAGS"]
    saved = message_from_bytes(fetched[b"BODY[]"], policy=policy.default)
    assert saved["In-Reply-To"] == message_id("A4")
    assert saved["From"] == f"Claire Dubois <{ME}>"
    body = saved.get_body().get_content().replace("\r\n", "\n")  # CRLF on the wire
    assert body == (
        "Bonjour Paul,\n\nJe vous envoie les fichiers du logo d'ici le 18 mars.\n\n"
        "Bien à vous,\nClaire\n"
    )


def test_a_wrong_password_is_named_and_nothing_stored_is_lost(server: Dovecot) -> None:
    assert _sync(server).exit_code == 0
    wrong = _sync(server, password="not-the-password")
    assert wrong.exit_code == 1
    assert wrong.stderr.strip().splitlines()[-1] == (
        f"error: {server.url()}: the server refused this user name and password"
    )
    threads = json.loads(run("mail", "threads", "-n", "mail", "--json").stdout)
    assert len(threads) == 13


def test_an_unreachable_server_and_an_untrusted_certificate_are_named(server: Dovecot) -> None:
    closed = free_port()
    url = f"imaps://claire@127.0.0.1:{closed}/INBOX"
    gone = run("mail", "sync", url, "-n", "mail", "--password-stdin", input="x\n")
    assert gone.exit_code == 1
    assert f"cannot connect to 127.0.0.1:{closed}" in gone.stderr
    untrusted = run("mail", "sync", server.url(), "-n", "mail", "--password-stdin",
                    input="x\n")  # fmt: skip
    assert untrusted.exit_code == 1
    assert "TLS with 127.0.0.1" in untrusted.stderr and "CERTIFICATE_VERIFY_FAILED" in (
        untrusted.stderr
    )


def test_bad_account_urls_and_missing_passwords_are_refused_before_connecting() -> None:
    with_password = run("mail", "sync", "imaps://claire:secret@127.0.0.1/INBOX", "-n", "mail")
    assert with_password.exit_code == 1 and "never put the password in the URL" in (
        with_password.stderr
    )
    assert "expected imaps://" in run("mail", "sync", "smtp://x@y", "-n", "mail").stderr
    no_password = run("mail", "sync", "imaps://claire@127.0.0.1:1/INBOX", "-n", "mail")
    assert no_password.exit_code == 1 and "no password" in no_password.stderr


class MemoryKeyring(KeyringBackend):
    """The system keyring's place in the test: a keyring backend that keeps one dict."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.saved: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.saved.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.saved[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.saved.pop((service, username), None)


def test_the_sync_job_reads_the_keyring_and_reports_progress(server: Dovecot) -> None:
    import keyring

    from causerie.assistants.registry import default_registry
    from causerie.types import LOCAL_OWNER
    from causerie.wiring import Services

    before = keyring.get_keyring()
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    try:
        services = Services()
        notebook = services.store.ensure_notebook(LOCAL_OWNER, "mail")
        handler = default_registry().job_kinds()["mail.sync"]
        payload = {"notebook_id": notebook.id, "url": server.url(), "cafile": server.cafile}
        with pytest.raises(InputError, match="no password: give it with --password-stdin"):
            handler(services, LOCAL_OWNER, payload)
        memory.set_password("causerie-mail", f"{server.user}@127.0.0.1", server.password)
        steps: list[tuple[int, int]] = []
        result = handler(services, LOCAL_OWNER, payload, lambda done, total: steps.append(
            (done, total)))  # fmt: skip
        assert result["added"] == 31
        assert steps[0] == (1, 31) and steps[-1] == (31, 31)
        services.close()
    finally:
        keyring.set_keyring(before)
