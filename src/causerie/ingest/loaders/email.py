"""E-mail (.eml): one section with the From/To/Date/Subject lines and the body text.

The plain-text body is preferred; an HTML-only message is converted to text. Attachments are
not read (their names are kept in the metadata).
"""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from typing import cast

from causerie.errors import LoaderError
from causerie.ingest.limits import Limits
from causerie.ingest.loaders.base import LoaderSpec, clean_lines, collapse_spaces, title_from_name
from causerie.ingest.loaders.html import html_to_text
from causerie.types import Document, Section, content_hash

MEDIA_TYPE = "message/rfc822"

HEADERS = ("From", "To", "Cc", "Date", "Subject")
_IDENTIFYING = ("From", "To", "Date", "Subject", "Message-ID")


def _header(message: Message, key: str) -> str:
    try:
        value = message.get(key)
        return collapse_spaces(str(value)) if value is not None else ""
    except Exception:  # a malformed header is left out rather than failing the message
        return ""


def _part_text(part: Message) -> str:
    try:
        content = cast(EmailMessage, part).get_content()
        if isinstance(content, str):
            return content
    except (LookupError, ValueError, AttributeError, KeyError):
        pass
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    for charset in (part.get_content_charset(), "utf-8"):
        if charset:
            try:
                return payload.decode(charset)
            except (LookupError, UnicodeDecodeError):
                continue
    return payload.decode("latin-1")  # an unknown or wrong charset: keep every byte readable


def body_text(message: EmailMessage) -> str:
    """The message's plain-text body, else its HTML body as text, else ''."""
    for preference in ("plain", "html"):
        try:
            part = message.get_body(preferencelist=(preference,))
        except Exception:
            part = None
        if part is None:
            continue
        text = _part_text(part)
        if preference == "html":
            text = html_to_text(text)
        text = clean_lines(text.replace("\r\n", "\n").replace("\r", "\n"))
        if text.strip():
            return text
    return ""


def _attachment_names(message: EmailMessage) -> list[str]:
    names: list[str] = []
    try:
        for part in message.iter_attachments():
            filename = part.get_filename()
            if filename:
                names.append(collapse_spaces(filename))
    except Exception:
        return names
    return names


def load_email(data: bytes, name: str, limits: Limits) -> Document:
    try:
        message = message_from_bytes(data, policy=policy.default)
    except Exception as exc:
        raise LoaderError(name, "is not a readable e-mail message") from exc
    if not any(_header(message, key) for key in _IDENTIFYING):
        raise LoaderError(
            name, "does not look like an e-mail message (no From, To, Date or Subject header)"
        )
    lines = [f"{key}: {value}" for key in HEADERS if (value := _header(message, key))]
    body = body_text(message)
    text = "\n".join(lines) + (f"\n\n{body}" if body else "")
    subject = _header(message, "Subject")
    message_id = _header(message, "Message-ID") or None
    metadata = {key.lower(): value for key in ("From", "Date") if (value := _header(message, key))}
    attachments = _attachment_names(message)
    if attachments:
        metadata["attachments"] = ", ".join(attachments)
    return Document(
        uri=name,
        title=subject or title_from_name(name),
        media_type=MEDIA_TYPE,
        sections=(
            Section(
                text=text,
                heading_path=(subject,) if subject else (),
                message_id=message_id,
            ),
        ),
        content_hash=content_hash(data),
        metadata=metadata,
    )


SPEC = LoaderSpec(
    name="email",
    media_type=MEDIA_TYPE,
    extensions=(".eml",),
    media_types=(MEDIA_TYPE,),
    load=load_email,
)
