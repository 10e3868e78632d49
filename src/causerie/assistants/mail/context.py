"""A thread as the model sees it: its messages, oldest first, numbered 1..n as fenced sources
(each the message's stored passage: header lines and own words), with every date a message
states followed by its resolved day, "vendredi prochain [= 2026-03-06]", so that a small model
copies a day rather than computing one, and code can check each day it gives.

    sources = thread_sources(store, owner, notebook, thread)
    prompt_text = render(sources)                 # <source id="1" ...>...</source> blocks
    sources[0].dates                              # [FoundDate("vendredi prochain", ...)]
    sources[0].citation().to_json()               # label: "Subject > Paul Martin, 2026-03-02 ..."
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from causerie.assistants.kit.dates import FoundDate, find_dates
from causerie.assistants.mail.overview import ThreadView
from causerie.assistants.mail.store import MessageRecord
from causerie.grounding import ContextSource, render_sources
from causerie.store.base import Store
from causerie.types import Citation, Hit, Notebook, Owner

MAX_MESSAGES = 8  # the latest ones: a small model's context holds about this many


@dataclass(frozen=True, slots=True)
class ThreadSource:
    number: int
    record: MessageRecord
    hit: Hit
    body_start: int  # where the own words start in the passage (after the header lines)
    dates: tuple[FoundDate, ...]  # stated in the own words, offsets in the passage

    def citation(self) -> Citation:
        return Citation.from_hit(self.hit, self.number)

    @property
    def written(self) -> date:
        when = self.record.when
        return when.date() if when is not None else date.today()

    @property
    def days(self) -> set[str]:
        return {d.date.isoformat() for d in self.dates}


def thread_sources(
    store: Store, owner: Owner, notebook: Notebook, thread: ThreadView, limit: int = MAX_MESSAGES
) -> list[ThreadSource]:
    """The thread's latest `limit` messages whose source is still in the notebook."""
    found: list[ThreadSource] = []
    for record in thread.messages[-limit:]:
        source = store.find_source(owner, notebook.id, record.source)
        if source is None:
            continue
        chunks = store.source_chunks(owner, source.id, 0, 0)
        if not chunks:
            continue
        hit = Hit(chunk=chunks[0], source=source)
        text = hit.chunk.text
        body = text.find("\n\n")
        body_start = body + 2 if body >= 0 else len(text)
        when = record.when
        dates = (
            tuple(
                FoundDate(d.text, d.start + body_start, d.end + body_start, d.date)
                for d in find_dates(text[body_start:], when)
            )
            if when is not None
            else ()
        )
        found.append(ThreadSource(len(found) + 1, record, hit, body_start, dates))
    return found


def annotated(source: ThreadSource) -> str:
    """The passage with each stated date followed by its day: 'le 13 mars [= 2026-03-13]'."""
    text = source.hit.chunk.text
    pieces: list[str] = []
    last = 0
    for found in source.dates:
        pieces.append(text[last : found.end])
        pieces.append(f" [= {found.date.isoformat()}]")
        last = found.end
    pieces.append(text[last:])
    return "".join(pieces)


def render(sources: Sequence[ThreadSource], mask: Callable[[str], str] | None = None) -> str:
    """The thread as numbered, fenced sources (an instruction inside a message stays data)."""
    blocks = []
    for source in sources:
        chunk = source.hit.chunk
        shown = type(chunk)(
            chunk.id, chunk.ordinal, annotated(source), chunk.locator, chunk.token_count
        )
        blocks.append(render_sources([ContextSource(source.number, Hit(shown, source.hit.source))]))
    joined = "\n\n".join(blocks)
    return mask(joined) if mask is not None else joined
