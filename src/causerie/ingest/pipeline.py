"""Ingestion: file or URL -> Document -> chunks -> store (lexical now, vectors after).

A batch never stops at a bad input: each target gets an outcome, and a bad one gets a clear
error naming it. Lexical indexing is synchronous and fast; vectors are computed afterwards by
`embed_pending`, so questions can be asked (lexically) while they are computed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from causerie import textproc
from causerie.embedders.base import Embedder
from causerie.errors import InputError
from causerie.ingest.chunking import chunk_document
from causerie.ingest.clean import clean_document
from causerie.ingest.language import detect_language
from causerie.ingest.limits import Limits
from causerie.ingest.loaders import LoaderSpec, load_source, load_url
from causerie.store.base import NewSource, Store
from causerie.types import Chunk, Document, Notebook, Owner, Source

Status = Literal["added", "updated", "unchanged", "error"]
Reader = Callable[[bytes, str, LoaderSpec, Limits], Document]
# Called after a source is stored (added, updated or found unchanged) with the Document it was
# loaded from: assistants keep what they need of it (causerie.assistants.registry, on_source).
SourceStored = Callable[[Owner, Notebook, Source, Document], None]


@dataclass(frozen=True, slots=True)
class AddOutcome:
    target: str
    status: Status
    source: Source | None = None
    error: str | None = None


def normalise_target(target: str) -> str:
    """URLs are kept as given; paths lose './' and doubled separators (the name stays the
    one the user typed, relative or absolute)."""
    if "://" in target:
        return target.strip()
    return os.path.normpath(target)


def searchable_text(chunk: Chunk) -> str:
    """What indexes see: the heading path gives a passage its topic ('Opening hours')."""
    headings = " > ".join(chunk.locator.heading_path)
    return f"{headings}\n{chunk.text}" if headings else chunk.text


class Ingestor:
    def __init__(
        self,
        store: Store,
        embedder: Embedder | None,
        chunk_tokens: int = 220,
        limits: Limits | None = None,
        on_stored: SourceStored | None = None,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.chunk_tokens = chunk_tokens
        self.limits = limits or Limits()
        self.on_stored = on_stored

    def add(self, owner: Owner, notebook: Notebook, target: str) -> AddOutcome:
        target = normalise_target(target)
        try:
            document = load_source(target, self.limits)
        except InputError as exc:
            return AddOutcome(target, "error", error=str(exc))
        return self.add_document(owner, notebook, document, target)

    def add_url(
        self, owner: Owner, notebook: Notebook, url: str, reader: Reader | None = None
    ) -> AddOutcome:
        """Fetch and add an http(s) URL only: the entry for callers that must never reach a
        local file (the web API). A path or another scheme is an error outcome, never read.
        `reader` parses the fetched bytes (default: in this process; the web server passes
        one that reads in a child process)."""
        url = url.strip()
        try:
            document = load_url(url, self.limits, reader=reader)
        except InputError as exc:
            return AddOutcome(url, "error", error=str(exc))
        return self.add_document(owner, notebook, document, url)

    def add_document(
        self, owner: Owner, notebook: Notebook, document: Document, target: str | None = None
    ) -> AddOutcome:
        """Chunk, index and store a Document already loaded (e.g. an upload read from memory,
        whose uri is its file name); `target` names it in the outcome (default: its uri)."""
        target = target or document.uri
        document = clean_document(document)  # no control characters stored, whatever the loader
        existing = self.store.find_source(owner, notebook.id, document.uri)
        if existing is not None and existing.content_hash == document.content_hash:
            return self._stored(
                owner, notebook, document, AddOutcome(target, "unchanged", existing)
            )
        chunks = chunk_document(document, self.chunk_tokens)
        if not chunks:
            return AddOutcome(target, "error", error=f"{target}: no text found in it")
        language = detect_language(document.text)
        new = NewSource(
            uri=document.uri,
            title=document.title,
            media_type=document.media_type,
            language=language,
            content_hash=document.content_hash,
            chunks=chunks,
            index_texts=[textproc.index_text(searchable_text(c), language) for c in chunks],
        )
        try:
            source = self.store.put_source(owner, notebook.id, new)
        except InputError as exc:  # e.g. the same content already stored under another name
            return AddOutcome(target, "error", error=str(exc))
        outcome = AddOutcome(target, "updated" if existing else "added", source)
        return self._stored(owner, notebook, document, outcome)

    def _stored(
        self, owner: Owner, notebook: Notebook, document: Document, outcome: AddOutcome
    ) -> AddOutcome:
        if self.on_stored is not None and outcome.source is not None:
            self.on_stored(owner, notebook, outcome.source, document)
        return outcome

    def add_many(
        self,
        owner: Owner,
        notebook: Notebook,
        targets: Iterable[str],
        on_outcome: Callable[[AddOutcome], None] | None = None,
    ) -> list[AddOutcome]:
        outcomes = []
        for target in targets:
            outcome = self.add(owner, notebook, target)
            outcomes.append(outcome)
            if on_outcome:
                on_outcome(outcome)
        return outcomes

    def pending_vectors(self, owner: Owner, notebook: Notebook) -> int:
        if self.embedder is None:
            return 0
        total = self.store.count_chunks(owner, notebook.id)
        return total - self.store.count_vectors(owner, notebook.id, self.embedder.name)

    def embed_pending(
        self,
        owner: Owner,
        notebook: Notebook,
        batch_size: int = 64,
        on_batch: Callable[[int], None] | None = None,
    ) -> int:
        """Embed the notebook's chunks that have no vector yet; each batch is committed, so
        an interruption loses at most one batch. Returns the number embedded."""
        if self.embedder is None:
            return 0
        done = 0
        while True:
            batch = self.store.chunks_without_vectors(
                owner, notebook.id, self.embedder.name, batch_size
            )
            if not batch:
                return done
            vectors = self.embedder.embed([searchable_text(c) for c in batch], kind="passage")
            self.store.put_vectors(owner, self.embedder.name, [c.id for c in batch], vectors)
            done += len(batch)
            if on_batch:
                on_batch(len(batch))
