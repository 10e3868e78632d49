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
from email.message import EmailMessage, Message

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


def header(message: Message, key: str) -> str:
    """A header's decoded value, spaces collapsed; '' when absent or unreadable."""
    try:
        value = message.get(key)
        return collapse_spaces(str(value)) if value is not None else ""
    except Exception:  # a malformed header is left out rather than failing the message
        return ""


def _addresses(message: Message, key: str) -> tuple[tuple[str, str], ...]:
    try:
        values = message.get_all(key) or []
        pairs = email.utils.getaddresses([str(v) for v in values])
    except Exception:
        return ()
    return tuple((collapse_spaces(n), a.strip().lower()) for n, a in pairs if a.strip())


def _date(message: Message) -> datetime | None:
    value = header(message, "Date")
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


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
            name = collapse_spaces(part.get_filename() or "")
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


def _is_bulk(message: Message) -> bool:
    if any(header(message, key) for key in _BULK_HEADERS):
        return True
    precedence = header(message, "Precedence").lower()
    auto = header(message, "Auto-Submitted").lower()
    return precedence in ("bulk", "list", "junk") or auto.startswith("auto-generated")


def parse_message(raw: bytes, name: str, max_attachment_bytes: int = 20 << 20) -> MailMessage:
    """Parse one message's bytes (`name` says where it came from, for errors)."""
    try:
        message = message_from_bytes(raw, policy=policy.default)
    except Exception as exc:
        raise LoaderError(name, f"is not a readable e-mail message ({exc})") from exc
    keys = ("From", "Date", "Subject", "Message-ID")
    if not any(header(message, key) for key in keys):
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
    ids = _ids(header(message, "Message-ID"))
    message_id = ids[0] if ids else f"<{raw_hash[:24]}@causerie.invalid>"
    in_reply_to = _ids(header(message, "In-Reply-To"))
    senders = _addresses(message, "From")
    return MailMessage(
        message_id=message_id,
        subject=header(message, "Subject"),
        sender=senders[0] if senders else ("", ""),
        to=_addresses(message, "To"),
        cc=_addresses(message, "Cc"),
        date=_date(message),
        in_reply_to=in_reply_to[0] if in_reply_to else None,
        references=_ids(header(message, "References")),
        body=body,
        own_text=own_words(body),
        attachments=_attachments(message, max_attachment_bytes),
        bulk=_is_bulk(message),
        raw_hash=raw_hash,
        problems=tuple(problems),
    )
