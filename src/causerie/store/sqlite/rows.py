"""Rows and values: what a SELECT returns as a dataclass, and what an INSERT takes, checked."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from typing import Any

from causerie.errors import InputError
from causerie.store.base import NewSource
from causerie.types import (
    Chunk,
    Citation,
    Conversation,
    Locator,
    Notebook,
    Source,
    StoredMessage,
)

SOURCE_COLUMNS = (
    "id, notebook_id, uri, title, media_type, language, content_hash, chunk_count, added_at"
)
CHUNK_COLUMNS = "c.id, c.ordinal, c.text, c.locator, c.token_count"
# A chunk joined with its source (the source's id as s_id): what get_hits reads.
HIT_COLUMNS = (
    f"{CHUNK_COLUMNS}, s.id AS s_id, s.notebook_id, s.uri, s.title, s.media_type, s.language,"
    " s.content_hash, s.chunk_count, s.added_at"
)

ChunkRow = tuple[str, int, str, str, int, str]  # id, ordinal, text, locator JSON, tokens, index
Row = sqlite3.Row | Mapping[str, Any]  # an SQLite row, or a PostgreSQL dict row (same columns)


# --------------------------------------------------------------------------- rows -> values


def to_notebook(row: Row) -> Notebook:
    return Notebook(id=row["id"], name=row["name"], created_at=row["created_at"])


def to_source(row: Row, id_column: str = "id") -> Source:
    """A Source from SOURCE_COLUMNS, or from HIT_COLUMNS with id_column="s_id"."""
    return Source(
        id=row[id_column],
        notebook_id=row["notebook_id"],
        uri=row["uri"],
        title=row["title"],
        media_type=row["media_type"],
        language=row["language"],
        content_hash=row["content_hash"],
        chunk_count=row["chunk_count"],
        added_at=row["added_at"],
    )


def to_chunk(row: Row) -> Chunk:
    return Chunk(
        id=row["id"],
        ordinal=row["ordinal"],
        text=row["text"],
        locator=Locator.from_dict(json.loads(row["locator"])),
        token_count=row["token_count"],
    )


def to_conversation(row: Row) -> Conversation:
    return Conversation(
        id=row["id"],
        notebook_id=row["notebook_id"],
        title=row["title"],
        created_at=row["created_at"],
    )


def to_message(row: Row) -> StoredMessage:
    return StoredMessage(
        id=row["id"],
        conversation_id=row["conversation_id"],
        role=row["role"],
        content=row["content"],
        citations=tuple(Citation.from_dict(c) for c in json.loads(row["citations"])),
        abstained=bool(row["abstained"]),
        interrupted=bool(row["interrupted"]),
        created_at=row["created_at"],
    )


# --------------------------------------------------------------------------- values -> rows


def notebook_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip():
        raise InputError("notebook name", "must be a non-empty string")
    return name.strip()


def chunk_rows(new: NewSource) -> list[ChunkRow]:
    """Validated (id, ordinal, text, locator JSON, token_count, index_text) per chunk.

    InputError (naming the uri) for anything wrong with the source or one of its chunks;
    TypeError if `new` is not a NewSource at all.
    """
    if not isinstance(new, NewSource):
        raise TypeError(f"put_source needs a NewSource, not {type(new).__name__}")
    if not isinstance(new.uri, str) or not new.uri:
        raise InputError(repr(new.uri), "a source needs a non-empty uri")
    for field in ("title", "media_type", "language", "content_hash"):
        if not isinstance(getattr(new, field), str):
            raise InputError(new.uri, f"the source's {field} is not a str")
    chunks, index_texts = list(new.chunks), list(new.index_texts)
    if len(chunks) != len(index_texts):
        raise InputError(
            new.uri, f"{len(chunks)} chunks but {len(index_texts)} index texts (one per chunk)"
        )
    rows = []
    seen: set[str] = set()
    for position, (item, index_text) in enumerate(zip(chunks, index_texts, strict=True)):
        where = f"chunk {position}"
        if not isinstance(item, Chunk):
            raise InputError(new.uri, f"{where} is a {type(item).__name__}, not a Chunk")
        if not isinstance(item.id, str) or not item.id:
            raise InputError(new.uri, f"{where} has no id")
        if item.id in seen:
            raise InputError(new.uri, f"{where}: chunk id {item.id} appears twice")
        seen.add(item.id)
        if not isinstance(item.text, str):
            raise InputError(new.uri, f"{where}: text is a {type(item.text).__name__}, not str")
        if not isinstance(index_text, str):
            raise InputError(new.uri, f"{where}: index text is not a str")
        if not isinstance(item.locator, Locator):
            raise InputError(new.uri, f"{where}: locator is not a Locator")
        if not isinstance(item.ordinal, int) or not isinstance(item.token_count, int):
            raise InputError(new.uri, f"{where}: ordinal and token_count must be integers")
        locator = json.dumps(item.locator.to_dict(), ensure_ascii=False, separators=(",", ":"))
        rows.append((item.id, item.ordinal, item.text, locator, item.token_count, index_text))
    rows.sort(key=lambda row: row[1])  # stored in ordinal order
    return rows
