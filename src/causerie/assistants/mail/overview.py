"""The notebook's threads as the user sees them: id, subject, language, messages, people, last
date and status, for the mailbox owner ("me": one or more addresses).

    threads = list_threads(box.messages(), me={"claire@example.org"})
    threads[0].to_json()  # {"id", "subject", "language", "message_ids", "participants",
                          #  "last_date", "status"}

Status, from the last message that is not a newsletter:
    newsletter     every message is bulk mail (List-Unsubscribe, List-Id, Precedence: bulk)
    waiting        the last message is mine: the ball is in the others' court
    needs_reply    the last message is someone else's, addressed to me (To), and asks
                   something (a question, a request)
    info           anything else (I am only in Cc, or nothing is asked)
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from causerie.assistants.mail.store import MessageRecord
from causerie.assistants.mail.threads import Link, thread_messages
from causerie.types import content_hash

Status = Literal["needs_reply", "waiting", "info", "newsletter"]
STATUSES: tuple[Status, ...] = ("needs_reply", "waiting", "info", "newsletter")

REQUEST = re.compile(
    r"\?|\b(please|could you|can you|would you|let me know|do you|are you|need you to|"
    r"merci de|pourriez-vous|pourrais-tu|peux-tu|pouvez-vous|peux tu|pouvez vous|"
    r"dis-moi|dites-moi|tiens-moi|tenez-moi|est-ce que|j'attends|nous attendons|"
    r"il faudrait|il faut que tu|il faut que vous|avant le|before|by (monday|tuesday|"
    r"wednesday|thursday|friday|the end))\b",
    re.I,
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def me_addresses(values: Iterable[str]) -> set[str]:
    """Addresses from options or the `mail_me` setting ('a@x, b@y'), lower-cased."""
    found: set[str] = set()
    for value in values:
        found.update(a.strip().lower() for a in value.split(",") if a.strip())
    return found


@dataclass(frozen=True, slots=True)
class ThreadView:
    id: str
    subject: str
    language: str
    messages: tuple[MessageRecord, ...]  # oldest first
    status: Status

    @property
    def message_ids(self) -> list[str]:
        return [m.message_id for m in self.messages]

    @property
    def participants(self) -> list[str]:
        seen: dict[str, None] = {}
        for message in self.messages:
            for _, address in (message.sender, *message.to, *message.cc):
                if address:
                    seen[address] = None
        return list(seen)

    @property
    def last_date(self) -> str | None:
        dated = [m.date for m in self.messages if m.date]
        return max(dated, key=lambda d: datetime.fromisoformat(d)) if dated else None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "subject": self.subject,
            "language": self.language,
            "message_ids": self.message_ids,
            "participants": self.participants,
            "last_date": self.last_date,
            "status": self.status,
        }


def _sort_key(message: MessageRecord) -> datetime:
    when = message.when
    return when if when is not None else _EPOCH


def thread_language(messages: Sequence[MessageRecord]) -> str:
    """The most common language of the thread's messages (the last one breaks ties)."""
    counted = Counter(m.language for m in messages if m.language != "und")
    if not counted:
        return "und"
    best = max(counted.values())
    for message in reversed(messages):
        if counted.get(message.language) == best:
            return message.language
    return "und"


def thread_status(messages: Sequence[MessageRecord], me: set[str]) -> Status:
    if all(m.bulk for m in messages):
        return "newsletter"
    personal = [m for m in messages if not m.bulk]
    last = personal[-1]
    if last.sender_address in me:
        return "waiting"
    addressed = {p[1] for p in last.to}
    if (not me or addressed & me) and REQUEST.search(last.text):
        return "needs_reply"
    return "info"


def list_threads(messages: Sequence[MessageRecord], me: set[str]) -> list[ThreadView]:
    """The threads, the most recent first."""
    by_id = {m.message_id: m for m in messages}
    links = (Link(m.message_id, m.in_reply_to, tuple(m.references), m.subject) for m in messages)
    views: list[ThreadView] = []
    for group in thread_messages(links):
        members = sorted((by_id[i] for i in dict.fromkeys(group) if i in by_id), key=_sort_key)
        if not members:
            continue
        subject = next((m.subject for m in members if m.subject), "(no subject)")
        views.append(
            ThreadView(
                id="t" + content_hash(group[0])[:10],
                subject=subject,
                language=thread_language(members),
                messages=tuple(members),
                status=thread_status(members, me),
            )
        )
    views.sort(key=lambda v: _sort_key(v.messages[-1]), reverse=True)
    return views


def find_thread(threads: Sequence[ThreadView], thread_id: str) -> ThreadView | None:
    return next((t for t in threads if t.id == thread_id), None)
