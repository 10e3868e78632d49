"""One raw e-mail -> a MailMessage: headers decoded, the body chosen and cleaned, the
message's own words apart from quoted replies and signatures, attachments listed.

    message = parse_message(raw_bytes, name="inbox.mbox#12")
    message.own_text        # what gets indexed and cited
    message.problems        # ["unknown charset 'x-klingon': read as Latin-1", ...]

Never raises on a bad message body: a broken MIME structure or an unknown charset is read as
far as it goes and noted in `problems`. A message with none of From, Date, Subject or
Message-ID is not a message: LoaderError naming it.
"""

from __future__ import annotations

import email.utils
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import errors as email_errors
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from typing import cast

from causerie.assistants.mail.words import own_words
from causerie.errors import LoaderError
from causerie.ingest.loaders.base import collapse_spaces
from causerie.ingest.loaders.email import body_text
from causerie.types import content_hash

_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_BULK_HEADERS = ("List-Unsubscribe", "List-Id", "List-Post")
WIRE = policy.default.clone(linesep="\r\n")  # how a message is written to a file or a server
INDEXED_ATTACHMENTS = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@dataclass(frozen=True, slots=True)
class Attachment:
    name: str
    media_type: str
    size: int
    data: bytes = field(repr=False, default=b"")  # kept only for the kinds that get indexed

    @property
    def indexable(self) -> bool:
        suffix = "." + self.name.rsplit(".", 1)[-1].lower() if "." in self.name else ""
        return suffix in INDEXED_ATTACHMENTS and bool(self.data)


@dataclass(frozen=True, slots=True)
class MailMessage:
    message_id: str  # with its angle brackets; made from the content when the header lacks it
    subject: str
    sender: tuple[str, str]  # (display name, address)
    to: tuple[tuple[str, str], ...]
    cc: tuple[tuple[str, str], ...]
    date: datetime | None  # timezone-aware
    in_reply_to: str | None
    references: tuple[str, ...]
    body: str  # the whole readable body (plain text, else cleaned HTML)
    own_text: str  # the body less quoted replies and signature
    attachments: tuple[Attachment, ...]
    bulk: bool  # a mailing list or newsletter (List-Unsubscribe, Precedence: bulk...)
    raw_hash: str
    problems: tuple[str, ...] = ()

    @property
    def sender_label(self) -> str:
        name, address = self.sender
        return name or address or "?"

    @property
    def date_label(self) -> str:
        return self.date.strftime("%Y-%m-%d %H:%M") if self.date else "no date"

    @property
    def addresses(self) -> set[str]:
        return {a for _, a in (self.sender, *self.to, *self.cc) if a}


class Headers:
    """A message's headers, read once from their raw text (the stdlib's header objects are
    parsed again at each access: three quarters of the parsing time of a plain message)."""

    def __init__(self, message: Message) -> None:
        self.raw: dict[str, list[str]] = {}
        for name, value in message.raw_items():
            self.raw.setdefault(name.lower(), []).append(str(value))

    def get(self, key: str) -> str:
        """The first value, RFC 2047 words decoded, spaces collapsed; '' when absent."""
        values = self.raw.get(key.lower())
        return collapse_spaces(_decoded(values[0])) if values else ""

    def addresses(self, key: str) -> tuple[tuple[str, str], ...]:
        values = [_unfolded(v) for v in self.raw.get(key.lower(), [])]
        try:
            pairs = email.utils.getaddresses(values)
        except Exception:
            return ()
        return tuple((collapse_spaces(_decoded(n)), a.strip().lower()) for n, a in pairs
                     if a.strip() and "@" in a)  # fmt: skip

    def date(self) -> datetime | None:
        value = self.get("Date")
        if not value:
            return None
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _unfolded(value: str) -> str:
    return value.replace("\r\n", "").replace("\n", "")


def _decoded(value: str) -> str:
    """RFC 2047 encoded words decoded; raw 8-bit text read as UTF-8 (else Latin-1)."""
    if any("\udc80" <= ch <= "\udcff" for ch in value):  # undecodable bytes, kept escaped
        raw = value.encode("ascii", "surrogateescape")
        try:
            value = raw.decode("utf-8")
        except UnicodeDecodeError:
            value = raw.decode("latin-1")
    try:
        return str(make_header(decode_header(_unfolded(value))))
    except Exception:  # a malformed encoded word: the text as it is
        return _unfolded(value)


def _ids(value: str) -> tuple[str, ...]:
    return tuple(_MESSAGE_ID.findall(value))


def _charset_problems(message: Message) -> list[str]:
    problems: list[str] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        charset = part.get_content_charset()
        if not charset:
            continue
        try:
            "".encode(charset)
        except LookupError:
            problems.append(f"unknown charset {charset!r}: read as Latin-1")
    return problems


def _structure_problems(message: Message) -> list[str]:
    found: list[str] = []
    for part in message.walk():
        for defect in getattr(part, "defects", []):
            if isinstance(defect, email_errors.CloseBoundaryNotFoundDefect | email_errors.
                          StartBoundaryNotFoundDefect):  # fmt: skip
                found.append(
                    "broken MIME structure (a part boundary is missing; the message "
                    "may be truncated): what could be read is kept"
                )
            elif isinstance(defect, email_errors.MultipartInvariantViolationDefect):
                found.append("broken MIME structure (multipart without parts): read as text")
    return list(dict.fromkeys(found))


def _attachments(message: EmailMessage, max_indexed_bytes: int) -> tuple[Attachment, ...]:
    found: list[Attachment] = []
    try:
        parts = list(message.iter_attachments())
    except Exception:
        return ()
    for part in parts:
        try:
            name = collapse_spaces(_decoded(part.get_filename() or ""))
            payload = part.get_payload(decode=True)
        except Exception:
            continue
        if not name:
            continue
        data = payload if isinstance(payload, bytes) else b""
        attachment = Attachment(name, part.get_content_type(), len(data))
        if len(data) <= max_indexed_bytes:
            attachment = Attachment(name, part.get_content_type(), len(data), data)
            if not attachment.indexable:
                attachment = Attachment(name, part.get_content_type(), len(data))
        found.append(attachment)
    return tuple(found)


def _is_bulk(headers: Headers) -> bool:
    if any(headers.get(key) for key in _BULK_HEADERS):
        return True
    precedence = headers.get("Precedence").lower()
    auto = headers.get("Auto-Submitted").lower()
    return precedence in ("bulk", "list", "junk") or auto.startswith("auto-generated")


def parse_message(raw: bytes, name: str, max_attachment_bytes: int = 20 << 20) -> MailMessage:
    """Parse one message's bytes (`name` says where it came from, for errors)."""
    try:
        # compat32 keeps header values as text: policy.default parses a header again at each
        # access (Content-Type about eight times a message), which tripled the parsing time
        parsed = message_from_bytes(raw, _class=EmailMessage, policy=policy.compat32)
        message = cast(EmailMessage, parsed)
    except Exception as exc:
        raise LoaderError(name, f"is not a readable e-mail message ({exc})") from exc
    keys = ("From", "Date", "Subject", "Message-ID")
    headers = Headers(message)
    if not any(headers.get(key) for key in keys):
        raise LoaderError(
            name, "is not an e-mail message (no From, Date, Subject or Message-ID header)"
        )
    problems = _structure_problems(message) + _charset_problems(message)
    try:
        body = body_text(message)
    except Exception as exc:  # the stdlib can still fail deep in a broken structure
        body = ""
        problems.append(f"its body could not be read ({type(exc).__name__})")
    if not body and message.is_multipart() is False:
        payload = message.get_payload(decode=True)
        if isinstance(payload, bytes) and payload.strip():
            body = payload.decode("latin-1")
    raw_hash = content_hash(raw)
    ids = _ids(headers.get("Message-ID"))
    message_id = ids[0] if ids else f"<{raw_hash[:24]}@causerie.invalid>"
    in_reply_to = _ids(headers.get("In-Reply-To"))
    senders = headers.addresses("From")
    return MailMessage(
        message_id=message_id,
        subject=headers.get("Subject"),
        sender=senders[0] if senders else ("", ""),
        to=headers.addresses("To"),
        cc=headers.addresses("Cc"),
        date=headers.date(),
        in_reply_to=in_reply_to[0] if in_reply_to else None,
        references=_ids(headers.get("References")),
        body=body,
        own_text=own_words(body),
        attachments=_attachments(message, max_attachment_bytes),
        bulk=_is_bulk(headers),
        raw_hash=raw_hash,
        problems=tuple(problems),
    )
