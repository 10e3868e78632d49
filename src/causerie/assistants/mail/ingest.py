"""Messages -> a notebook's sources (so `causerie ask`, citations and retrieval work on them)
plus one record each (causerie.assistants.mail.store).

    outcome = add_messages(ingestor, box, raw_messages, report=print, progress=bar.update)

Each message becomes the source `mail:<message-id>`: its header lines and its own words (no
quoted replies, no signature), in one section whose heading path is (subject, "sender, date"),
so a citation's locator reads "Budget > Claire Dubois, 2026-03-03 10:12". Its PDF and DOCX
attachments become sources `mail:<message-id>/<file name>`. A message already stored with the
same bytes is skipped; a bad one is reported (naming it) and the rest goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from causerie.assistants.mail.mailboxes import RawMessage
from causerie.assistants.mail.parse import MailMessage, parse_message
from causerie.assistants.mail.store import MailBox, MessageRecord, source_uri
from causerie.errors import InputError
from causerie.ingest.loaders import load_bytes, loader_for_extension
from causerie.ingest.pipeline import Ingestor
from causerie.types import Document, Notebook, Section

MEDIA_TYPE = "message/rfc822"


@dataclass
class AddResult:
    added: int = 0
    unchanged: int = 0
    failed: int = 0
    attachments: int = 0
    problems: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "added": self.added,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "attachments_indexed": self.attachments,
            "problems": self.problems,
        }


def message_document(message: MailMessage) -> Document:
    subject = message.subject or "(no subject)"
    lines = [f"From: {_person(message.sender)}"]
    if message.to:
        lines.append(f"To: {', '.join(_person(p) for p in message.to)}")
    lines += [f"Date: {message.date_label}", f"Subject: {subject}"]
    if message.attachments:
        lines.append(f"Attachments: {', '.join(a.name for a in message.attachments)}")
    text = "\n".join(lines) + (f"\n\n{message.own_text}" if message.own_text else "")
    where = f"{message.sender_label}, {message.date_label}"
    return Document(
        uri=source_uri(message.message_id),
        title=subject,
        media_type=MEDIA_TYPE,
        sections=(Section(text, heading_path=(subject, where), message_id=message.message_id),),
        content_hash=message.raw_hash,
        metadata={"from": _person(message.sender), "date": message.date_label},
    )


def _person(pair: tuple[str, str]) -> str:
    name, address = pair
    return f"{name} <{address}>" if name and address else name or address


def add_messages(
    ingestor: Ingestor,
    box: MailBox,
    notebook: Notebook,
    messages: Iterable[RawMessage],
    report: Callable[[str], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> AddResult:
    result = AddResult()

    def problem(text: str) -> None:
        result.problems.append(text)
        if report is not None:
            report(text)

    for item in messages:
        try:
            _add_one(ingestor, box, notebook, item, result, problem)
        except InputError as exc:
            result.failed += 1
            problem(str(exc))
        if progress is not None:
            progress(1)
    return result


def _add_one(
    ingestor: Ingestor,
    box: MailBox,
    notebook: Notebook,
    item: RawMessage,
    result: AddResult,
    problem: Callable[[str], None],
) -> None:
    message = parse_message(item.raw, item.name)
    for text in message.problems:
        problem(f"{item.name}: {text}")
    if box.stored_hash(message.message_id) == message.raw_hash:
        result.unchanged += 1
        return
    outcome = ingestor.add_document(box.owner, notebook, message_document(message), item.name)
    if outcome.status == "error" or outcome.source is None:
        raise InputError(item.name, outcome.error or "could not be indexed")
    language = outcome.source.language
    for attachment in message.attachments:
        if not attachment.indexable:
            continue
        spec = loader_for_extension(attachment.name.rsplit(".", 1)[-1])
        if spec is None:
            continue
        name = f"{source_uri(message.message_id)}/{attachment.name}"
        try:
            document = load_bytes(attachment.data, name, spec, ingestor.limits)
        except InputError as exc:
            problem(f"{item.name}: attachment {exc}")
            continue
        added = ingestor.add_document(box.owner, notebook, document, name)
        if added.status == "error":
            problem(f"{item.name}: attachment {added.error}")
        else:
            result.attachments += 1
    box.put_message(MessageRecord.of(message, language, item.folder))
    result.added += 1
