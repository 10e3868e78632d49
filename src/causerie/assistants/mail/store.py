"""What the mail assistant keeps, as owned records (causerie.assistants.records): one record
per message (kind "mail.message": headers, own words, attachments, the notebook source it
became), one per IMAP account synced ("mail.account": where the sync stopped), one style
profile per notebook ("mail.profile"). No table of its own: any records backend works.

    box = MailBox(records, owner, notebook_id)
    box.put_message(message_record)
    box.messages()          # every MessageRecord of the notebook, oldest first
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from causerie.assistants.mail.parse import MailMessage
from causerie.assistants.records import OwnedRecords
from causerie.errors import NotFound
from causerie.types import Owner, content_hash

MESSAGE = "mail.message"
ACCOUNT = "mail.account"
PROFILE = "mail.profile"
MAX_STORED_TEXT = 20_000  # characters of a message's own words kept in its record


def record_id(key: str) -> str:
    return content_hash(key)[:32]


def source_uri(message_id: str) -> str:
    """The notebook source a message becomes: 'mail:<id without brackets>'."""
    return f"mail:{message_id.strip('<>')}"


@dataclass(frozen=True, slots=True)
class MessageRecord:
    message_id: str
    subject: str
    sender: list[str]  # [name, address]
    to: list[list[str]]
    cc: list[list[str]]
    date: str | None  # ISO 8601 with its offset
    in_reply_to: str | None
    references: list[str]
    text: str  # own words
    language: str
    bulk: bool
    folder: str
    raw_hash: str
    source: str  # the notebook source uri
    attachments: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, message: MailMessage, language: str, folder: str) -> MessageRecord:
        return cls(
            message_id=message.message_id,
            subject=message.subject,
            sender=list(message.sender),
            to=[list(p) for p in message.to],
            cc=[list(p) for p in message.cc],
            date=message.date.isoformat() if message.date else None,
            in_reply_to=message.in_reply_to,
            references=list(message.references),
            text=message.own_text[:MAX_STORED_TEXT],
            language=language,
            bulk=message.bulk,
            folder=folder,
            raw_hash=message.raw_hash,
            source=source_uri(message.message_id),
            attachments=[
                {"name": a.name, "media_type": a.media_type, "size": a.size, "indexed": a.indexable}
                for a in message.attachments
            ],
            problems=list(message.problems),
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MessageRecord:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})

    @property
    def when(self) -> datetime | None:
        return datetime.fromisoformat(self.date) if self.date else None

    @property
    def sender_label(self) -> str:
        return self.sender[0] or self.sender[1] or "?"

    @property
    def sender_address(self) -> str:
        return self.sender[1]

    @property
    def recipients(self) -> set[str]:
        return {p[1] for p in (*self.to, *self.cc) if p[1]}


class MailBox:
    """One owner's mail data of one notebook."""

    def __init__(self, records: OwnedRecords, owner: Owner, notebook_id: str) -> None:
        self.records = records
        self.owner = owner
        self.notebook_id = notebook_id

    def message_key(self, message_id: str) -> str:
        return record_id(f"{self.notebook_id}\n{message_id}")

    def stored_hash(self, message_id: str) -> str | None:
        try:
            found = self.records.get(self.owner, MESSAGE, self.message_key(message_id))
        except NotFound:
            return None
        value = found.data.get("raw_hash")
        return value if isinstance(value, str) else None

    def put_message(self, message: MessageRecord) -> None:
        self.records.put(self.owner, MESSAGE, self.message_key(message.message_id),
                         asdict(message), notebook_id=self.notebook_id)  # fmt: skip

    def messages(self) -> list[MessageRecord]:
        found = self.records.find(self.owner, MESSAGE, notebook_id=self.notebook_id)
        return [MessageRecord.from_dict(r.data) for r in found]

    def get_json(self, kind: str, key: str) -> dict[str, Any] | None:
        try:
            return self.records.get(self.owner, kind, record_id(f"{self.notebook_id}\n{key}")).data
        except NotFound:
            return None

    def put_json(self, kind: str, key: str, data: dict[str, Any]) -> None:
        self.records.put(self.owner, kind, record_id(f"{self.notebook_id}\n{key}"), data,
                         notebook_id=self.notebook_id)  # fmt: skip
