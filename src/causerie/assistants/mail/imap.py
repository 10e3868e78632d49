"""IMAP accounts: incremental sync by UID into a notebook, and drafts appended to the Drafts
folder with the \\Draft flag. TLS always (imaps://, or STARTTLS for imap://); the password comes
from stdin or the system keyring, and is never stored by Causerie. Reading only: messages are
fetched with BODY.PEEK (nothing marked read), and nothing is ever sent.

    account = parse_account("imaps://claire@mail.example.org/INBOX")
    result = sync_account(ingestor, box, notebook, account, password, since=None, cafile=None)
    append_draft(account, password, message, cafile=None)  # -> "Drafts"

Where a sync stopped (UIDVALIDITY, the last UID stored) is kept in a "mail.account" record, after
every batch: a sync cut short resumes there; a changed UIDVALIDITY starts over (the messages
already stored are recognised by their content and skipped).
"""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from typing import Any
from urllib.parse import unquote, urlsplit

from causerie.assistants.mail.ingest import AddResult, add_messages
from causerie.assistants.mail.mailboxes import RawMessage
from causerie.assistants.mail.parse import WIRE
from causerie.assistants.mail.store import ACCOUNT, MailBox
from causerie.errors import InputError
from causerie.ingest.pipeline import Ingestor
from causerie.types import Notebook

KEYRING_SERVICE = "causerie-mail"
BATCH = 200
TIMEOUT_S = 20.0


@dataclass(frozen=True, slots=True)
class Account:
    url: str  # as given, without a password
    user: str
    host: str
    port: int
    folder: str
    implicit_tls: bool  # imaps:// (else STARTTLS)

    @property
    def key(self) -> str:
        return f"{self.user}@{self.host}:{self.port}/{self.folder}"


def parse_account(url: str) -> Account:
    """imaps://USER@HOST[:PORT][/FOLDER] (or imap:// with STARTTLS); InputError naming it."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("imaps", "imap"):
        raise InputError(url, "expected imaps://USER@HOST/FOLDER (or imap:// for STARTTLS)")
    if parts.password is not None:
        raise InputError(
            url, "never put the password in the URL: use --password-stdin or the keyring"
        )
    if not parts.hostname or not parts.username:
        raise InputError(url, "the URL needs a user and a host: imaps://USER@HOST/FOLDER")
    try:
        port = parts.port or (993 if parts.scheme == "imaps" else 143)
    except ValueError as exc:
        raise InputError(url, f"bad port ({exc})") from None
    folder = unquote(parts.path.strip("/")) or "INBOX"
    shown = f"{parts.scheme}://{parts.username}@{parts.hostname}:{port}/{folder}"
    return Account(
        shown, unquote(parts.username), parts.hostname, port, folder, parts.scheme == "imaps"
    )


def keyring_password(account: Account) -> str | None:
    """The password stored in the system keyring for this account, or None."""
    try:
        import keyring
        from keyring.errors import KeyringError

        try:
            return keyring.get_password(KEYRING_SERVICE, f"{account.user}@{account.host}")
        except KeyringError:
            return None
    except ImportError:
        return None


def _password(account: Account, password: str | None) -> str:
    found = password if password is not None else keyring_password(account)
    if not found:
        raise InputError(
            account.url,
            "no password: give it with --password-stdin, or store it "
            f"in the keyring (keyring set {KEYRING_SERVICE} "
            f"{account.user}@{account.host})",
        )
    return found


def connect(account: Account, password: str | None, cafile: str | None = None) -> Any:
    """A logged-in IMAPClient over TLS; InputError naming the account for a refused login, an
    unreachable server or a certificate that does not verify."""
    from imapclient import IMAPClient
    from imapclient.exceptions import LoginError

    secret = _password(account, password)
    context = ssl.create_default_context(cafile=cafile)
    where = f"{account.host}:{account.port}"
    try:
        client = IMAPClient(
            account.host,
            port=account.port,
            ssl=account.implicit_tls,
            ssl_context=context,
            timeout=TIMEOUT_S,
        )
        if not account.implicit_tls:
            client.starttls(context)
    except ssl.SSLError as exc:
        raise InputError(account.url, f"TLS with {where} failed ({exc.reason or exc})") from None
    except (TimeoutError, OSError) as exc:
        reason = exc.strerror or type(exc).__name__
        raise InputError(account.url, f"cannot connect to {where} ({reason})") from None
    try:
        client.login(account.user, secret)
    except LoginError:
        _close(client)
        raise InputError(account.url, "the server refused this user name and password") from None
    return client


def _close(client: Any) -> None:
    try:
        client.logout()
    except Exception:
        with contextlib.suppress(Exception):
            client.shutdown()


def _fetched(
    client: Any, account: Account, uids: list[int], on_batch: Callable[[int], None]
) -> Iterator[RawMessage]:
    for start in range(0, len(uids), BATCH):
        batch = uids[start : start + BATCH]
        answer = client.fetch(batch, ["BODY.PEEK[]"])
        for uid in batch:
            raw = answer.get(uid, {}).get(b"BODY[]")
            if isinstance(raw, bytes):
                yield RawMessage(f"{account.url};UID={uid}", account.folder, raw)
        on_batch(batch[-1])


def sync_account(
    ingestor: Ingestor,
    box: MailBox,
    notebook: Notebook,
    account: Account,
    password: str | None,
    since: date | None = None,
    cafile: str | None = None,
    report: Callable[[str], None] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> AddResult:
    """Fetch the messages not synced yet (UID above the last one stored) into the notebook.
    `progress(done, total)` after each message."""
    state = box.get_json(ACCOUNT, account.key) or {}
    client = connect(account, password, cafile)
    try:
        try:
            selected = client.select_folder(account.folder, readonly=True)
        except Exception as exc:
            raise InputError(account.url, f"no folder {account.folder!r} ({exc})") from None
        validity = int(selected.get(b"UIDVALIDITY", 0))
        last = int(state.get("last_uid", 0)) if state.get("uidvalidity") == validity else 0
        criteria: list[Any] = ["UID", f"{last + 1}:*"]
        if since is not None:
            criteria += ["SINCE", since]
        uids = sorted(uid for uid in client.search(criteria) if uid > last)
        done = 0

        def saved(last_uid: int) -> None:
            box.put_json(
                ACCOUNT,
                account.key,
                {
                    "url": account.url,
                    "uidvalidity": validity,
                    "last_uid": last_uid,
                    "cafile": cafile,
                },
            )

        def step(_: int) -> None:
            nonlocal done
            done += 1
            if progress is not None:
                progress(done, len(uids))

        messages = _fetched(client, account, uids, saved)
        result = add_messages(ingestor, box, notebook, messages, report, step)
        if not uids:
            saved(last)
        return result
    finally:
        _close(client)


def drafts_folder(client: Any) -> str:
    """The server's Drafts folder (special-use \\Drafts, else one named Drafts, made if none)."""
    from imapclient.imapclient import DRAFTS

    found = client.find_special_folder(DRAFTS)
    if found:
        return str(found)
    for _flags, _delimiter, name in client.list_folders():
        if str(name).lower() in ("drafts", "brouillons"):
            return str(name)
    client.create_folder("Drafts")
    return "Drafts"


def append_draft(
    account: Account, password: str | None, message: EmailMessage, cafile: str | None = None
) -> str:
    """Append `message` to the Drafts folder with the \\Draft and \\Seen flags; the folder's name.
    (IMAP APPEND stores a message: it sends nothing.)"""
    from imapclient import DRAFT, SEEN

    client = connect(account, password, cafile)
    try:
        folder = drafts_folder(client)
        client.append(folder, message.as_bytes(policy=WIRE), flags=[DRAFT, SEEN])
        return folder
    finally:
        _close(client)


def synced_account(box: MailBox) -> tuple[Account, str | None]:
    """The IMAP account last synced into this notebook, and its CA file; InputError if none."""
    from causerie.assistants.mail.store import ACCOUNT as KIND

    found = box.records.find(box.owner, KIND, notebook_id=box.notebook_id)
    if not found:
        raise InputError(
            "--imap-drafts",
            "no IMAP account was synced into this notebook "
            "(`causerie mail sync imaps://USER@HOST/INBOX` first)",
        )
    data = found[-1].data
    return parse_account(str(data["url"])), data.get("cafile")


def append_draft_to_account(box: MailBox, message: EmailMessage, password: str | None) -> str:
    account, cafile = synced_account(box)
    return append_draft(account, password, message, cafile)
