"""The Store seam: one Protocol, one contract suite (causerie.testing.store_contract).

Every method takes the Owner first. Rows of another owner behave exactly like rows that do
not exist (NotFound / None / empty), so an ID guessed across owners leaks nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from causerie.types import (
    Chunk,
    Citation,
    Conversation,
    Hit,
    Notebook,
    Owner,
    Role,
    Source,
    StoredMessage,
)


@dataclass(frozen=True, slots=True)
class NewSource:
    """A source ready to be stored: its description and its chunks with their index text."""

    uri: str
    title: str
    media_type: str
    language: str
    content_hash: str
    chunks: Sequence[Chunk]
    index_texts: Sequence[str]  # one per chunk: normalised, stemmed terms for the lexical index


@dataclass(frozen=True, slots=True)
class ScoredId:
    chunk_id: str
    score: float


@runtime_checkable
class Store(Protocol):
    # notebooks
    def ensure_notebook(self, owner: Owner, name: str) -> Notebook: ...
    def get_notebook(self, owner: Owner, name: str) -> Notebook | None: ...
    def notebook_by_id(self, owner: Owner, notebook_id: str) -> Notebook:
        """The owner's notebook with this id; NotFound otherwise (a foreign id too)."""
        ...

    def list_notebooks(self, owner: Owner) -> list[Notebook]: ...
    def source_counts(self, owner: Owner) -> dict[str, int]:
        """{notebook id: number of sources} for every notebook of the owner (0 included)."""
        ...

    def rename_notebook(self, owner: Owner, notebook_id: str, new_name: str) -> Notebook: ...
    def delete_notebook(self, owner: Owner, notebook_id: str) -> None: ...

    # sources and chunks
    def find_source(self, owner: Owner, notebook_id: str, uri: str) -> Source | None: ...
    def put_source(self, owner: Owner, notebook_id: str, new: NewSource) -> Source:
        """Insert, or replace a source with the same uri, atomically (old chunks and all).

        A replaced source keeps its id. Raises InputError (naming the uri) for bad input, and
        then changes nothing: an empty uri; a title, media type, language or content hash that
        is not a str; a number of index texts other than one per chunk; a chunk that is not a
        Chunk, has no id, repeats another's id, or has a text, index text, locator, ordinal or
        token count of the wrong type; content already in the notebook under another uri
        (chunk ids derive from content, so the same file under two uris would share them).
        NotFound if the notebook is not the owner's; TypeError if `new` is not a NewSource.
        """
        ...

    def list_sources(self, owner: Owner, notebook_id: str) -> list[Source]: ...
    def delete_source(self, owner: Owner, source_id: str) -> None: ...
    def get_hits(self, owner: Owner, notebook_id: str, chunk_ids: Sequence[str]) -> list[Hit]:
        """The notebook's chunks with their sources, in the order asked, each id once.

        Ids not in the notebook (unknown, deleted, or only in another notebook) are skipped.
        The same chunk id can be in several notebooks (the same file added to each); the
        notebook says whose copy, and so which Source, comes back.
        """
        ...

    def source_chunks(
        self, owner: Owner, source_id: str, first_ordinal: int, last_ordinal: int
    ) -> list[Chunk]:
        """The source's chunks with first_ordinal <= ordinal <= last_ordinal, in ordinal order
        (a cited passage with its neighbours); [] for an unknown or foreign source."""
        ...

    def list_chunks(self, owner: Owner, notebook_id: str) -> list[Chunk]:
        """Every chunk of the notebook, source by source in the order they were put, each in
        ordinal order; [] for an unknown or foreign notebook."""
        ...

    def count_chunks(self, owner: Owner, notebook_id: str) -> int: ...

    # lexical index
    def lexical_search(
        self, owner: Owner, notebook_id: str, terms: Sequence[str], limit: int
    ) -> list[ScoredId]:
        """BM25-ranked chunks holding any of the (already normalised) terms; higher is better.

        Results are exact (every chunk of the notebook holding any term is ranked, the best
        `limit` returned) while the terms match few chunks: in the SQLite backend, while
        their match counts, summed over the whole index, stay within `lexical_budget`
        (default 2000). Beyond that budget a planner bounds the cost, as Lucene's
        CommonTermsQuery does: the rarest terms that fit in the budget must match, and the
        more frequent, *common* terms only add to the score of chunks holding a rare one. A
        query of common terms only first asks for chunks holding all of them; if fewer than
        `limit` do, for chunks holding the rarest and another; then for chunks holding the
        rarest. Scores stay exact BM25 over all the terms; the planner only chooses which
        chunks are ranked, so a chunk holding only common terms may be left out.

        BM25 statistics (document frequencies, average length), and the term counts the
        planner reads, may be shared across notebooks and owners: in the SQLite backend they
        cover the whole index. Another owner's chunks can thus move the scores (and which
        terms count as common), never the rows: only the owner's chunks of this notebook
        come back. An unknown or foreign notebook gives [].
        """
        ...

    # vectors
    def chunks_without_vectors(
        self, owner: Owner, notebook_id: str, model: str, limit: int
    ) -> list[Chunk]: ...
    def put_vectors(
        self, owner: Owner, model: str, chunk_ids: Sequence[str], vectors: np.ndarray
    ) -> None: ...
    def delete_vectors(self, owner: Owner, notebook_id: str, model: str) -> int:
        """Delete the notebook's vectors for the model; returns how many there were.

        Other models, other notebooks holding the same chunks, and the chunks themselves are
        untouched; the chunks become chunks_without_vectors again. An unknown or foreign
        notebook has none: 0.
        """
        ...

    def count_vectors(self, owner: Owner, notebook_id: str, model: str) -> int: ...
    def vector_search(
        self, owner: Owner, notebook_id: str, model: str, query: np.ndarray, limit: int
    ) -> list[ScoredId]:
        """Cosine similarity (vectors are L2-normalised); higher is better."""
        ...

    # conversations
    def create_conversation(self, owner: Owner, notebook_id: str, title: str) -> Conversation: ...
    def get_conversation(self, owner: Owner, conversation_id: str) -> Conversation: ...
    def list_conversations(self, owner: Owner, notebook_id: str) -> list[Conversation]: ...
    def delete_conversation(self, owner: Owner, conversation_id: str) -> None:
        """Delete the conversation and all its messages; NotFound if missing or foreign."""
        ...

    def add_message(
        self,
        owner: Owner,
        conversation_id: str,
        role: Role,
        content: str,
        citations: Sequence[Citation] = (),
        abstained: bool = False,
        interrupted: bool = False,
    ) -> StoredMessage: ...
    def list_messages(self, owner: Owner, conversation_id: str) -> list[StoredMessage]: ...

    def close(self) -> None: ...
