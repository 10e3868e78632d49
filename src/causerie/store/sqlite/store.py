"""SQLiteStore: the Store Protocol's methods over one connection.

Ownership: every statement on owned rows filters by owner, so a row of another owner reads
exactly like a missing one. Deleting a notebook cascades to everything in it. One exception by
nature: the FTS5 index is shared, so bm25's statistics (and the term counts LexicalPlan reads)
cover every notebook of every owner; no row or id crosses owners, only those numbers.

The notebook's `revision` grows on every change to its chunks or vectors; vector search keeps
the notebook's matrix in memory keyed by that revision, and reads the revision on each query,
so a write through another connection (or process) is seen at once.

Thread safety: one connection (check_same_thread=False) guarded by one lock; the matrix-vector
product of a vector search runs outside the lock.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import get_args

import numpy as np

from causerie.errors import InputError, NotFound, StoreError
from causerie.store.base import NewSource, ScoredId
from causerie.store.sqlite import lexical
from causerie.store.sqlite.rows import (
    CHUNK_COLUMNS,
    HIT_COLUMNS,
    SOURCE_COLUMNS,
    ChunkRow,
    chunk_rows,
    notebook_name,
    to_chunk,
    to_conversation,
    to_message,
    to_notebook,
    to_source,
)
from causerie.store.sqlite.schema import open_database
from causerie.store.sqlite.vectors import (
    Matrix,
    VectorCache,
    as_query,
    load_matrix,
    rank,
    unit_rows,
)
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

_ROLES = frozenset(get_args(Role))
_MAX_PARAMS = 500  # ids bound per IN (...) statement


def _owner_id(owner: object) -> str:
    """The owner's id; anything but an Owner is refused, so no query can run without one."""
    if not isinstance(owner, Owner):
        raise TypeError(f"owner must be a causerie.types.Owner, not {type(owner).__name__}")
    return owner.id


def _batches(items: Sequence[str], size: int = _MAX_PARAMS) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _placeholders(count: int) -> str:
    return ",".join("?" * count)


class SQLiteStore:
    """The Store Protocol over one SQLite file (WAL mode, FTS5, vectors as float32 blobs)."""

    def __init__(
        self, path: str | Path, *, vector_cache_size: int = 4, lexical_budget: int = 2000
    ) -> None:
        """Open (creating if needed) the database file at `path`, and its folder.

        vector_cache_size: how many (notebook, model) matrices vector search keeps in memory.
        lexical_budget: how many matching chunks a lexical search may rank before its most
        frequent terms become optional (see LexicalPlan); it bounds the cost of a search.
        """
        self.path = Path(path)
        self._lexical_budget = max(1, lexical_budget)
        self._lock = threading.RLock()
        self._vector_cache = VectorCache(vector_cache_size)
        self._conn = open_database(self.path)

    # ----------------------------------------------------------------- transactions

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        """The connection, under the lock, with database errors turned into StoreError."""
        with self._lock:
            try:
                yield self._conn
            except sqlite3.Error as exc:
                raise StoreError(f"{self.path}: {exc}") from exc

    @contextmanager
    def _snapshot(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: several statements that see one consistent state."""
        with self._reading() as conn:
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                if conn.in_transaction:
                    conn.execute("COMMIT")

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE): committed whole, or rolled back whole."""
        with self._reading() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    def close(self) -> None:
        with self._lock:
            self._vector_cache.clear()
            self._conn.close()

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ----------------------------------------------------------------- shared checks

    @staticmethod
    def _owns_notebook(conn: sqlite3.Connection, owner_id: str, notebook_id: str) -> bool:
        row = conn.execute(
            "SELECT 1 FROM notebooks WHERE id = ? AND owner = ?", (notebook_id, owner_id)
        ).fetchone()
        return row is not None

    @staticmethod
    def _require_notebook(conn: sqlite3.Connection, owner_id: str, notebook_id: str) -> None:
        if not SQLiteStore._owns_notebook(conn, owner_id, notebook_id):
            raise NotFound(f"notebook {notebook_id!r} not found")

    @staticmethod
    def _bump_revision(conn: sqlite3.Connection, owner_id: str, notebook_id: str) -> None:
        conn.execute(
            "UPDATE notebooks SET revision = revision + 1 WHERE id = ? AND owner = ?",
            (notebook_id, owner_id),
        )

    @staticmethod
    def _revision(conn: sqlite3.Connection, owner_id: str, notebook_id: str) -> int | None:
        """The notebook's revision (grows with every change to its chunks or vectors)."""
        row = conn.execute(
            "SELECT revision FROM notebooks WHERE id = ? AND owner = ?", (notebook_id, owner_id)
        ).fetchone()
        return None if row is None else int(row["revision"])

    # ----------------------------------------------------------------- notebooks

    def ensure_notebook(self, owner: Owner, name: str) -> Notebook:
        owner_id = _owner_id(owner)
        name = notebook_name(name)
        with self._writing() as conn:
            conn.execute(
                "INSERT INTO notebooks (id, owner, name, created_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (owner, name) DO NOTHING",
                (uuid.uuid4().hex, owner_id, name, time.time()),
            )
            row = conn.execute(
                "SELECT * FROM notebooks WHERE owner = ? AND name = ?", (owner_id, name)
            ).fetchone()
        return to_notebook(row)

    def get_notebook(self, owner: Owner, name: str) -> Notebook | None:
        owner_id = _owner_id(owner)
        with self._reading() as conn:
            row = conn.execute(
                "SELECT * FROM notebooks WHERE owner = ? AND name = ?", (owner_id, name)
            ).fetchone()
        return to_notebook(row) if row else None

    def notebook_by_id(self, owner: Owner, notebook_id: str) -> Notebook:
        owner_id = _owner_id(owner)
        with self._reading() as conn:
            row = conn.execute(
                "SELECT * FROM notebooks WHERE owner = ? AND id = ?", (owner_id, notebook_id)
            ).fetchone()
        if row is None:
            raise NotFound(f"notebook {notebook_id!r} not found")
        return to_notebook(row)

    def source_counts(self, owner: Owner) -> dict[str, int]:
        owner_id = _owner_id(owner)
        with self._reading() as conn:
            rows = conn.execute(
                "SELECT n.id, count(s.id) FROM notebooks n"
                " LEFT JOIN sources s ON s.notebook_id = n.id AND s.owner = n.owner"
                " WHERE n.owner = ? GROUP BY n.id",
                (owner_id,),
            ).fetchall()
        return {row[0]: int(row[1]) for row in rows}

    def list_notebooks(self, owner: Owner) -> list[Notebook]:
        owner_id = _owner_id(owner)
        with self._reading() as conn:
            rows = conn.execute(
                "SELECT * FROM notebooks WHERE owner = ? ORDER BY name, id", (owner_id,)
            ).fetchall()
        return [to_notebook(r) for r in rows]

    def rename_notebook(self, owner: Owner, notebook_id: str, new_name: str) -> Notebook:
        owner_id = _owner_id(owner)
        new_name = notebook_name(new_name)
        with self._writing() as conn:
            self._require_notebook(conn, owner_id, notebook_id)
            clash = conn.execute(
                "SELECT 1 FROM notebooks WHERE owner = ? AND name = ? AND id != ?",
                (owner_id, new_name, notebook_id),
            ).fetchone()
            if clash:
                raise InputError(new_name, "a notebook with this name already exists")
            conn.execute(
                "UPDATE notebooks SET name = ? WHERE id = ? AND owner = ?",
                (new_name, notebook_id, owner_id),
            )
            row = conn.execute(
                "SELECT * FROM notebooks WHERE id = ? AND owner = ?", (notebook_id, owner_id)
            ).fetchone()
        return to_notebook(row)

    def delete_notebook(self, owner: Owner, notebook_id: str) -> None:
        owner_id = _owner_id(owner)
        with self._writing() as conn:
            deleted = conn.execute(
                "DELETE FROM notebooks WHERE id = ? AND owner = ?", (notebook_id, owner_id)
            ).rowcount
            if deleted == 0:
                raise NotFound(f"notebook {notebook_id!r} not found")
        with self._lock:
            self._vector_cache.forget_notebook(owner_id, notebook_id)

    # ----------------------------------------------------------------- sources and chunks

    def find_source(self, owner: Owner, notebook_id: str, uri: str) -> Source | None:
        owner_id = _owner_id(owner)
        with self._reading() as conn:
            row = conn.execute(
                f"SELECT {SOURCE_COLUMNS} FROM sources"
                " WHERE owner = ? AND notebook_id = ? AND uri = ?",
                (owner_id, notebook_id, uri),
            ).fetchone()
        return to_source(row) if row else None

    def put_source(self, owner: Owner, notebook_id: str, new: NewSource) -> Source:
        """Insert, or replace the source with the same uri (keeping its id), in one transaction.

        InputError for a bad source or chunk, or content already in the notebook under
        another uri; NotFound for a notebook that is not the owner's. On error nothing changes.
        """
        owner_id = _owner_id(owner)
        rows = chunk_rows(new)
        now = time.time()
        with self._writing() as conn:
            self._require_notebook(conn, owner_id, notebook_id)
            described = (new.title, new.media_type, new.language, new.content_hash, len(rows), now)
            previous = conn.execute(
                "SELECT id FROM sources WHERE owner = ? AND notebook_id = ? AND uri = ?",
                (owner_id, notebook_id, new.uri),
            ).fetchone()
            if previous:
                source_id = previous["id"]
                conn.execute(
                    "DELETE FROM chunks WHERE owner = ? AND source_id = ?", (owner_id, source_id)
                )
                conn.execute(
                    "UPDATE sources SET title = ?, media_type = ?, language = ?,"
                    " content_hash = ?, chunk_count = ?, added_at = ? WHERE id = ? AND owner = ?",
                    (*described, source_id, owner_id),
                )
            else:
                source_id = uuid.uuid4().hex
                conn.execute(
                    "INSERT INTO sources (id, owner, notebook_id, uri, title, media_type,"
                    " language, content_hash, chunk_count, added_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (source_id, owner_id, notebook_id, new.uri, *described),
                )
            try:
                conn.executemany(
                    "INSERT INTO chunks (id, owner, notebook_id, source_id, ordinal, text,"
                    " locator, token_count, index_text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    ((r[0], owner_id, notebook_id, source_id, *r[1:]) for r in rows),
                )
            except sqlite3.IntegrityError as exc:
                other = self._source_holding(conn, owner_id, notebook_id, source_id, rows)
                raise InputError(
                    new.uri, f"has the same content as source {other!r}, already in this notebook"
                ) from exc
            self._bump_revision(conn, owner_id, notebook_id)
        return Source(
            id=source_id,
            notebook_id=notebook_id,
            uri=new.uri,
            title=new.title,
            media_type=new.media_type,
            language=new.language,
            content_hash=new.content_hash,
            chunk_count=len(rows),
            added_at=now,
        )

    @staticmethod
    def _source_holding(
        conn: sqlite3.Connection,
        owner_id: str,
        notebook_id: str,
        source_id: str,
        rows: Sequence[ChunkRow],
    ) -> str:
        """The uri of another source of the notebook that already holds one of these chunks."""
        ids = [r[0] for r in rows]
        for batch in _batches(ids):
            row = conn.execute(
                "SELECT s.uri FROM chunks c JOIN sources s ON s.id = c.source_id"
                " WHERE c.owner = ? AND s.owner = ? AND c.notebook_id = ? AND c.source_id != ?"
                f" AND c.id IN ({_placeholders(len(batch))}) LIMIT 1",
                (owner_id, owner_id, notebook_id, source_id, *batch),
            ).fetchone()
            if row:
                return str(row["uri"])
        return "?"

    def list_sources(self, owner: Owner, notebook_id: str) -> list[Source]:
        owner_id = _owner_id(owner)
        with self._reading() as conn:
            rows = conn.execute(
                f"SELECT {SOURCE_COLUMNS} FROM sources WHERE owner = ? AND notebook_id = ?"
                " ORDER BY uri",
                (owner_id, notebook_id),
            ).fetchall()
        return [to_source(r) for r in rows]

    def delete_source(self, owner: Owner, source_id: str) -> None:
        owner_id = _owner_id(owner)
        with self._writing() as conn:
            row = conn.execute(
                "SELECT notebook_id FROM sources WHERE id = ? AND owner = ?", (source_id, owner_id)
            ).fetchone()
            if row is None:
                raise NotFound(f"source {source_id!r} not found")
            # Triggers unindex the chunks; their vectors go by cascade.
            conn.execute(
                "DELETE FROM chunks WHERE owner = ? AND source_id = ?", (owner_id, source_id)
            )
            conn.execute("DELETE FROM sources WHERE id = ? AND owner = ?", (source_id, owner_id))
            self._bump_revision(conn, owner_id, row["notebook_id"])

    def get_hits(self, owner: Owner, notebook_id: str, chunk_ids: Sequence[str]) -> list[Hit]:
        """The notebook's chunks in the order asked, each once; unknown ids are skipped."""
        owner_id = _owner_id(owner)
        if not isinstance(notebook_id, str):
            raise TypeError(f"notebook_id must be a str, not {type(notebook_id).__name__}")
        if isinstance(chunk_ids, str):
            raise TypeError("chunk_ids must be a sequence of ids, not one string")
        wanted = list(dict.fromkeys(chunk_ids))
        found: dict[str, Hit] = {}
        with self._snapshot() as conn:
            for batch in _batches(wanted):
                rows = conn.execute(
                    # CROSS JOIN and the unary + keep SQLite on the (notebook_id, id) unique
                    # index: a lookup per id, not a walk over the notebook's chunks
                    f"SELECT {HIT_COLUMNS} FROM chunks c CROSS JOIN sources s"
                    " WHERE s.id = c.source_id AND +c.owner = ? AND s.owner = ?"
                    f" AND c.notebook_id = ? AND c.id IN ({_placeholders(len(batch))})",
                    (owner_id, owner_id, notebook_id, *batch),
                ).fetchall()
                for row in rows:  # (notebook_id, id) is unique: one row per id
                    found[row["id"]] = Hit(chunk=to_chunk(row), source=to_source(row, "s_id"))
        return [found[i] for i in wanted if i in found]

    def source_chunks(
        self, owner: Owner, source_id: str, first_ordinal: int, last_ordinal: int
    ) -> list[Chunk]:
        """The source's chunks in [first_ordinal, last_ordinal], in ordinal order."""
        owner_id = _owner_id(owner)
        with self._reading() as conn:
            rows = conn.execute(
                f"SELECT {CHUNK_COLUMNS} FROM chunks c WHERE c.owner = ? AND c.source_id = ?"
                " AND c.ordinal BETWEEN ? AND ? ORDER BY c.ordinal",
                (owner_id, source_id, int(first_ordinal), int(last_ordinal)),
            ).fetchall()
        return [to_chunk(r) for r in rows]

    def list_chunks(self, owner: Owner, notebook_id: str) -> list[Chunk]:
        """Every chunk of the notebook in stored order: source by source (in the order they
        were put), each in ordinal order."""
        owner_id = _owner_id(owner)
        with self._reading() as conn:
            rows = conn.execute(
                f"SELECT {CHUNK_COLUMNS} FROM chunks c WHERE c.owner = ? AND c.notebook_id = ?"
                " ORDER BY c.rowid",
                (owner_id, notebook_id),
            ).fetchall()
        return [to_chunk(r) for r in rows]

    def count_chunks(self, owner: Owner, notebook_id: str) -> int:
        owner_id = _owner_id(owner)
        with self._reading() as conn:
            row = conn.execute(
                "SELECT coalesce(sum(chunk_count), 0) FROM sources"
                " WHERE owner = ? AND notebook_id = ?",
                (owner_id, notebook_id),
            ).fetchone()
        return int(row[0])

    # ----------------------------------------------------------------- lexical index

    def lexical_search(
        self, owner: Owner, notebook_id: str, terms: Sequence[str], limit: int
    ) -> list[ScoredId]:
        """BM25-ranked chunks of the notebook holding the terms; score = -bm25 (higher is better).

        Exact over all chunks holding any term while the terms match at most
        `lexical_budget` chunks in all; beyond that, see LexicalPlan.
        """
        owner_id = _owner_id(owner)
        phrases = lexical.query_phrases(terms)
        if not phrases or limit <= 0:
            return []
        with self._snapshot() as conn:
            if not self._owns_notebook(conn, owner_id, notebook_id):
                return []
            return lexical.search(conn, owner_id, notebook_id, phrases, limit, self._lexical_budget)

    # ----------------------------------------------------------------- vectors

    def chunks_without_vectors(
        self, owner: Owner, notebook_id: str, model: str, limit: int
    ) -> list[Chunk]:
        """Chunks lacking a vector for the model, in stored order: source by source (in the
        order they were put), each in ordinal order."""
        owner_id = _owner_id(owner)
        if limit <= 0:
            return []
        with self._reading() as conn:
            rows = conn.execute(
                f"SELECT {CHUNK_COLUMNS} FROM chunks c"
                " WHERE c.owner = ? AND c.notebook_id = ?"
                " AND NOT EXISTS (SELECT 1 FROM vectors v"
                "                 WHERE v.chunk_rowid = c.rowid AND v.model = ?)"
                " ORDER BY c.rowid LIMIT ?",
                (owner_id, notebook_id, model, limit),
            ).fetchall()
        return [to_chunk(r) for r in rows]

    def put_vectors(
        self, owner: Owner, model: str, chunk_ids: Sequence[str], vectors: np.ndarray
    ) -> None:
        """Store one vector per chunk id, in every notebook of the owner holding that chunk.

        Ids the owner does not hold (deleted meanwhile, or never theirs) are skipped.
        """
        owner_id = _owner_id(owner)
        ids = list(chunk_ids)
        matrix = unit_rows(vectors, len(ids))
        if not ids:
            return
        dim = int(matrix.shape[1])
        blob_of = {chunk_id: matrix[i].tobytes() for i, chunk_id in enumerate(ids)}
        with self._writing() as conn:
            targets: list[tuple[int, str, str]] = []
            for batch in _batches(list(blob_of)):
                targets += conn.execute(
                    "SELECT rowid, notebook_id, id FROM chunks"
                    f" WHERE owner = ? AND id IN ({_placeholders(len(batch))})",
                    (owner_id, *batch),
                ).fetchall()
            notebooks = sorted({t[1] for t in targets})
            for notebook_id in notebooks:
                self._check_dim(conn, owner_id, notebook_id, model, dim)
            conn.executemany(
                "INSERT OR REPLACE INTO vectors (chunk_rowid, model, owner, notebook_id, chunk_id,"
                " dim, vector) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    (rowid, model, owner_id, nb, cid, dim, blob_of[cid])
                    for rowid, nb, cid in targets
                ),
            )
            for notebook_id in notebooks:
                self._bump_revision(conn, owner_id, notebook_id)

    @staticmethod
    def _check_dim(
        conn: sqlite3.Connection, owner_id: str, notebook_id: str, model: str, dim: int
    ) -> None:
        row = conn.execute(
            "SELECT dim FROM vectors WHERE owner = ? AND notebook_id = ? AND model = ? LIMIT 1",
            (owner_id, notebook_id, model),
        ).fetchone()
        if row is not None and row["dim"] != dim:
            raise ValueError(
                f"model {model!r} already has {row['dim']}-dimensional vectors in this notebook,"
                f" not {dim}: give a different model its own name"
            )

    def delete_vectors(self, owner: Owner, notebook_id: str, model: str) -> int:
        """Delete the notebook's vectors for the model; how many there were.

        A notebook that is not the owner's has none (0). Other models, other notebooks
        holding the same chunks, and the chunks themselves are untouched.
        """
        owner_id = _owner_id(owner)
        with self._writing() as conn:
            deleted = conn.execute(
                "DELETE FROM vectors WHERE owner = ? AND notebook_id = ? AND model = ?",
                (owner_id, notebook_id, model),
            ).rowcount
            if deleted:
                self._bump_revision(conn, owner_id, notebook_id)
        with self._lock:
            self._vector_cache.discard((owner_id, notebook_id, model))
        return int(deleted)

    def count_vectors(self, owner: Owner, notebook_id: str, model: str) -> int:
        owner_id = _owner_id(owner)
        with self._snapshot() as conn:
            revision = self._revision(conn, owner_id, notebook_id)
            if revision is None:
                return 0
            cached = self._vector_cache.peek((owner_id, notebook_id, model), revision)
            if cached is not None:
                return len(cached.chunk_ids)  # the count the matrix was loaded with
            row = conn.execute(
                "SELECT count(*) FROM vectors WHERE owner = ? AND notebook_id = ? AND model = ?",
                (owner_id, notebook_id, model),
            ).fetchone()
        return int(row[0])

    def vector_search(
        self, owner: Owner, notebook_id: str, model: str, query: np.ndarray, limit: int
    ) -> list[ScoredId]:
        owner_id = _owner_id(owner)
        q = as_query(query)
        if limit <= 0:
            return []
        loaded = self._matrix(owner_id, notebook_id, model)
        if loaded is None or not loaded.chunk_ids:
            return []
        return rank(loaded, q, limit, model)  # outside the lock

    def _matrix(self, owner_id: str, notebook_id: str, model: str) -> Matrix | None:
        """The notebook's normalised vectors, from the cache when its revision is unchanged."""
        key = (owner_id, notebook_id, model)
        with self._snapshot() as conn:
            revision = self._revision(conn, owner_id, notebook_id)
            if revision is None:
                self._vector_cache.discard(key)
                return None
            cached = self._vector_cache.get(key, revision)
            if cached is not None:
                return cached
            self._vector_cache.discard(key)  # free the stale matrix before loading anew
            loaded = load_matrix(conn, owner_id, notebook_id, model, revision)
            self._vector_cache.put(key, loaded)
            return loaded

    # ----------------------------------------------------------------- conversations

    def create_conversation(self, owner: Owner, notebook_id: str, title: str) -> Conversation:
        owner_id = _owner_id(owner)
        conversation = Conversation(uuid.uuid4().hex, notebook_id, str(title), time.time())
        with self._writing() as conn:
            self._require_notebook(conn, owner_id, notebook_id)
            conn.execute(
                "INSERT INTO conversations (id, owner, notebook_id, title, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (
                    conversation.id,
                    owner_id,
                    notebook_id,
                    conversation.title,
                    conversation.created_at,
                ),
            )
        return conversation

    def get_conversation(self, owner: Owner, conversation_id: str) -> Conversation:
        owner_id = _owner_id(owner)
        with self._reading() as conn:
            row = conn.execute(
                "SELECT * FROM conversations WHERE id = ? AND owner = ?",
                (conversation_id, owner_id),
            ).fetchone()
        if row is None:
            raise NotFound(f"conversation {conversation_id!r} not found")
        return to_conversation(row)

    def list_conversations(self, owner: Owner, notebook_id: str) -> list[Conversation]:
        owner_id = _owner_id(owner)
        with self._reading() as conn:
            rows = conn.execute(
                "SELECT * FROM conversations WHERE owner = ? AND notebook_id = ?"
                " ORDER BY created_at, rowid",
                (owner_id, notebook_id),
            ).fetchall()
        return [to_conversation(r) for r in rows]

    def delete_conversation(self, owner: Owner, conversation_id: str) -> None:
        """Delete the conversation and its messages; NotFound if it is not the owner's."""
        owner_id = _owner_id(owner)
        with self._writing() as conn:
            deleted = conn.execute(
                "DELETE FROM conversations WHERE id = ? AND owner = ?",
                (conversation_id, owner_id),
            ).rowcount  # its messages go by cascade
            if deleted == 0:
                raise NotFound(f"conversation {conversation_id!r} not found")

    def add_message(
        self,
        owner: Owner,
        conversation_id: str,
        role: Role,
        content: str,
        citations: Sequence[Citation] = (),
        abstained: bool = False,
        interrupted: bool = False,
    ) -> StoredMessage:
        owner_id = _owner_id(owner)
        if role not in _ROLES:
            raise ValueError(f"role must be one of {sorted(_ROLES)}, not {role!r}")
        if not isinstance(content, str):
            raise TypeError(f"message content must be a str, not {type(content).__name__}")
        cited = tuple(citations)
        if not all(isinstance(c, Citation) for c in cited):
            raise TypeError("citations must be Citation values")
        payload = json.dumps([c.to_dict() for c in cited], ensure_ascii=False)
        message_id, now = uuid.uuid4().hex, time.time()
        with self._writing() as conn:
            row = conn.execute(
                "SELECT 1 FROM conversations WHERE id = ? AND owner = ?",
                (conversation_id, owner_id),
            ).fetchone()
            if row is None:
                raise NotFound(f"conversation {conversation_id!r} not found")
            seq = conn.execute(
                "SELECT coalesce(max(seq), 0) + 1 FROM messages"
                " WHERE conversation_id = ? AND owner = ?",
                (conversation_id, owner_id),
            ).fetchone()[0]
            conn.execute(
                "INSERT INTO messages (id, owner, conversation_id, seq, role, content, citations,"
                " abstained, interrupted, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    message_id,
                    owner_id,
                    conversation_id,
                    seq,
                    role,
                    content,
                    payload,
                    int(bool(abstained)),
                    int(bool(interrupted)),
                    now,
                ),
            )
        return StoredMessage(
            message_id,
            conversation_id,
            role,
            content,
            cited,
            bool(abstained),
            bool(interrupted),
            now,
        )

    def list_messages(self, owner: Owner, conversation_id: str) -> list[StoredMessage]:
        owner_id = _owner_id(owner)
        with self._reading() as conn:
            rows = conn.execute(
                "SELECT * FROM messages WHERE owner = ? AND conversation_id = ? ORDER BY seq",
                (owner_id, conversation_id),
            ).fetchall()
        return [to_message(r) for r in rows]
