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
    def list_notebooks(self, owner: Owner) -> list[Notebook]: ...
    def rename_notebook(self, owner: Owner, notebook_id: str, new_name: str) -> Notebook: ...
    def delete_notebook(self, owner: Owner, notebook_id: str) -> None: ...

    # sources and chunks
    def find_source(self, owner: Owner, notebook_id: str, uri: str) -> Source | None: ...
    def put_source(self, owner: Owner, notebook_id: str, new: NewSource) -> Source:
        """Insert, or replace a source with the same uri, atomically (old chunks and all)."""
        ...

    def list_sources(self, owner: Owner, notebook_id: str) -> list[Source]: ...
    def delete_source(self, owner: Owner, source_id: str) -> None: ...
    def get_hits(self, owner: Owner, chunk_ids: Sequence[str]) -> list[Hit]:
        """The chunks with their sources, in the order asked; unknown ids are skipped."""
        ...

    def count_chunks(self, owner: Owner, notebook_id: str) -> int: ...

    # lexical index
    def lexical_search(
        self, owner: Owner, notebook_id: str, terms: Sequence[str], limit: int
    ) -> list[ScoredId]:
        """BM25-ranked chunks holding any of the (already normalised) terms; higher is better."""
        ...

    # vectors
    def chunks_without_vectors(
        self, owner: Owner, notebook_id: str, model: str, limit: int
    ) -> list[Chunk]: ...
    def put_vectors(
        self, owner: Owner, model: str, chunk_ids: Sequence[str], vectors: np.ndarray
    ) -> None: ...
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
