"""PostgresStore: the Store Protocol on PostgreSQL with pgvector (a pool of connections, so any
number of threads and processes, on any machines, share one data set).

Ownership as in SQLite: every statement on owned rows filters by owner, so another owner's row
reads exactly like a missing one; row-level security (causerie.store.postgres.schema) is the
second lock, with `causerie.owner` set in each transaction. Lexical search finds chunks with
PostgreSQL's full-text search (a GIN index over the stemmed index text) and ranks them with
BM25 as SQLite's FTS5 does (causerie.store.postgres.lexical), so hybrid retrieval fuses
the same rankings. Dense search orders by cosine distance; an HNSW index per dimension serves
it once a notebook is large (PostgreSQL's planner picks the index or the exact scan), with
iterative index scans so a notebook filter still yields `limit` rows.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, get_args

import numpy as np

from causerie.errors import InputError, NotFound
from causerie.postgres.db import Database
from causerie.store.base import NewSource, ScoredId
from causerie.store.postgres import lexical
from causerie.store.postgres.schema import COMPONENT, STEPS
from causerie.store.sqlite.lexical import query_phrases
from causerie.store.sqlite.rows import (
    ChunkRow,
    chunk_rows,
    notebook_name,
    to_chunk,
    to_conversation,
    to_message,
    to_notebook,
    to_source,
)
from causerie.store.sqlite.store import _owner_id
from causerie.store.sqlite.vectors import as_query, unit_rows
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
SOURCE_COLUMNS = (
    "id, notebook_id, uri, title, media_type, language, content_hash, chunk_count, added_at"
)
CHUNK_COLUMNS = "c.id, c.ordinal, c.text, c.locator, c.token_count"
HIT_COLUMNS = (
    f"{CHUNK_COLUMNS}, s.id AS s_id, s.notebook_id, s.uri, s.title, s.media_type, s.language,"
    " s.content_hash, s.chunk_count, s.added_at"
)
Conn = Any  # psycopg.Connection[dict[str, Any]] (psycopg is an optional dependency)


class PostgresStore:
    """The Store Protocol on a PostgreSQL database (schema migrated on open)."""

    def __init__(
        self, url: str, *, pool_size: int = 4, ef_search: int = 100, lexical_budget: int = 2000
    ) -> None:
        """lexical_budget: as SQLiteStore's (how many matching chunks a lexical search ranks
        before its most frequent terms become optional)."""
        self._budget = max(1, lexical_budget)
        self.db = Database(url, max_size=pool_size, vectors=True)
        self.db.migrate(COMPONENT, STEPS)
        self._ef_search = ef_search

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"PostgresStore({self.db.name!r})"

    @contextmanager
    def _owned(self, owner_id: str) -> Iterator[Conn]:
        """One transaction serving one owner: row-level security admits only their rows."""
        with self.db.transaction() as conn:
            conn.execute("SELECT set_config('causerie.owner', %s, true)", (owner_id,))
            yield conn

    # ----------------------------------------------------------------- shared checks

    @staticmethod
    def _owns_notebook(conn: Conn, owner_id: str, notebook_id: str) -> bool:
        row = conn.execute(
            "SELECT 1 FROM notebooks WHERE id = %s AND owner = %s", (notebook_id, owner_id)
        ).fetchone()
        return row is not None

    @staticmethod
    def _require_notebook(conn: Conn, owner_id: str, notebook_id: str, lock: bool = False) -> None:
        row = conn.execute(
            "SELECT 1 FROM notebooks WHERE id = %s AND owner = %s"
            + (" FOR UPDATE" if lock else ""),
            (notebook_id, owner_id),
        ).fetchone()
        if row is None:
            raise NotFound(f"notebook {notebook_id!r} not found")

    # ----------------------------------------------------------------- notebooks

    def ensure_notebook(self, owner: Owner, name: str) -> Notebook:
        owner_id = _owner_id(owner)
        name = notebook_name(name)
        with self._owned(owner_id) as conn:
            conn.execute(
                "INSERT INTO notebooks (id, owner, name, created_at) VALUES (%s, %s, %s, %s)"
                " ON CONFLICT (owner, name) DO NOTHING",
                (uuid.uuid4().hex, owner_id, name, time.time()),
            )
            row = conn.execute(
                "SELECT * FROM notebooks WHERE owner = %s AND name = %s", (owner_id, name)
            ).fetchone()
        assert row is not None  # inserted, or there already, in this transaction
        return to_notebook(row)

    def get_notebook(self, owner: Owner, name: str) -> Notebook | None:
        owner_id = _owner_id(owner)
        with self._owned(owner_id) as conn:
            row = conn.execute(
                "SELECT * FROM notebooks WHERE owner = %s AND name = %s", (owner_id, name)
            ).fetchone()
        return to_notebook(row) if row else None

    def notebook_by_id(self, owner: Owner, notebook_id: str) -> Notebook:
        owner_id = _owner_id(owner)
        with self._owned(owner_id) as conn:
            row = conn.execute(
                "SELECT * FROM notebooks WHERE owner = %s AND id = %s", (owner_id, notebook_id)
            ).fetchone()
        if row is None:
            raise NotFound(f"notebook {notebook_id!r} not found")
        return to_notebook(row)

    def source_counts(self, owner: Owner) -> dict[str, int]:
        owner_id = _owner_id(owner)
        with self._owned(owner_id) as conn:
            rows = conn.execute(
                "SELECT n.id, count(s.id) AS n FROM notebooks n"
                " LEFT JOIN sources s ON s.notebook_id = n.id AND s.owner = n.owner"
                " WHERE n.owner = %s GROUP BY n.id",
                (owner_id,),
            ).fetchall()
        return {row["id"]: int(row["n"]) for row in rows}

    def list_notebooks(self, owner: Owner) -> list[Notebook]:
        owner_id = _owner_id(owner)
        with self._owned(owner_id) as conn:
            rows = conn.execute(
                'SELECT * FROM notebooks WHERE owner = %s ORDER BY name COLLATE "C", id',
                (owner_id,),
            ).fetchall()
        return [to_notebook(r) for r in rows]

    def rename_notebook(self, owner: Owner, notebook_id: str, new_name: str) -> Notebook:
        owner_id = _owner_id(owner)
        new_name = notebook_name(new_name)
        with self._owned(owner_id) as conn:
            self._require_notebook(conn, owner_id, notebook_id)
            clash = conn.execute(
                "SELECT 1 FROM notebooks WHERE owner = %s AND name = %s AND id != %s",
                (owner_id, new_name, notebook_id),
            ).fetchone()
            if clash:
                raise InputError(new_name, "a notebook with this name already exists")
            row = conn.execute(
                "UPDATE notebooks SET name = %s WHERE id = %s AND owner = %s RETURNING *",
                (new_name, notebook_id, owner_id),
            ).fetchone()
        assert row is not None  # checked above, in this transaction
        return to_notebook(row)

    def delete_notebook(self, owner: Owner, notebook_id: str) -> None:
        owner_id = _owner_id(owner)
        with self._owned(owner_id) as conn:
            deleted = conn.execute(
                "DELETE FROM notebooks WHERE id = %s AND owner = %s", (notebook_id, owner_id)
            ).rowcount
            if deleted == 0:
                raise NotFound(f"notebook {notebook_id!r} not found")

    # ----------------------------------------------------------------- sources and chunks

    def find_source(self, owner: Owner, notebook_id: str, uri: str) -> Source | None:
        owner_id = _owner_id(owner)
        with self._owned(owner_id) as conn:
            row = conn.execute(
                f"SELECT {SOURCE_COLUMNS} FROM sources"
                " WHERE owner = %s AND notebook_id = %s AND uri = %s",
                (owner_id, notebook_id, uri),
            ).fetchone()
        return to_source(row) if row else None

    def put_source(self, owner: Owner, notebook_id: str, new: NewSource) -> Source:
        """Insert, or replace the source with the same uri (keeping its id), in one transaction
        (the notebook row locked, so two writers of one notebook take turns)."""
        import psycopg

        owner_id = _owner_id(owner)
        rows = chunk_rows(new)
        now = time.time()
        with self._owned(owner_id) as conn:
            self._require_notebook(conn, owner_id, notebook_id, lock=True)
            described = (new.title, new.media_type, new.language, new.content_hash, len(rows), now)
            previous = conn.execute(
                "SELECT id FROM sources WHERE owner = %s AND notebook_id = %s AND uri = %s",
                (owner_id, notebook_id, new.uri),
            ).fetchone()
            if previous:
                source_id = previous["id"]
                self._count_out(conn, owner_id, notebook_id, source_id)
                conn.execute(
                    "DELETE FROM chunks WHERE owner = %s AND source_id = %s", (owner_id, source_id)
                )
                conn.execute(
                    "UPDATE sources SET title = %s, media_type = %s, language = %s,"
                    " content_hash = %s, chunk_count = %s, added_at = %s"
                    " WHERE id = %s AND owner = %s",
                    (*described, source_id, owner_id),
                )
            else:
                source_id = uuid.uuid4().hex
                conn.execute(
                    "INSERT INTO sources (id, owner, notebook_id, uri, title, media_type,"
                    " language, content_hash, chunk_count, added_at)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    (source_id, owner_id, notebook_id, new.uri, *described),
                )
            try:
                with conn.transaction():  # a savepoint: the holder is looked up after
                    self._copy_chunks(conn, owner_id, notebook_id, source_id, rows)
            except psycopg.errors.UniqueViolation as exc:
                other = self._source_holding(conn, owner_id, notebook_id, source_id, rows)
                raise InputError(
                    new.uri, f"has the same content as source {other!r}, already in this notebook"
                ) from exc
            conn.execute(
                "UPDATE notebooks SET chunk_total = chunk_total + c.n,"
                " token_total = token_total + c.tokens FROM (SELECT count(*) AS n,"
                " coalesce(sum(token_len), 0) AS tokens FROM chunks WHERE source_id = %s) c"
                " WHERE id = %s AND owner = %s",
                (source_id, notebook_id, owner_id),
            )
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
    def _count_out(conn: Conn, owner_id: str, notebook_id: str, source_id: str) -> None:
        """Take a source's chunks out of the notebook's BM25 counts (before deleting them)."""
        conn.execute(
            "UPDATE notebooks SET chunk_total = chunk_total - c.n,"
            " token_total = token_total - c.tokens FROM (SELECT count(*) AS n,"
            " coalesce(sum(token_len), 0) AS tokens FROM chunks WHERE source_id = %s"
            " AND owner = %s) c WHERE id = %s AND owner = %s",
            (source_id, owner_id, notebook_id, owner_id),
        )

    @staticmethod
    def refresh_counts(conn: Conn) -> None:
        """Recount every notebook's chunks and terms (after a bulk copy)."""
        conn.execute(
            "UPDATE notebooks n SET chunk_total = coalesce(c.n, 0),"
            " token_total = coalesce(c.tokens, 0) FROM notebooks m LEFT JOIN"
            " (SELECT notebook_id, count(*) AS n, sum(token_len) AS tokens FROM chunks"
            " GROUP BY notebook_id) c ON c.notebook_id = m.id WHERE m.id = n.id"
        )

    @staticmethod
    def _copy_chunks(
        conn: Conn, owner_id: str, notebook_id: str, source_id: str, rows: Sequence[ChunkRow]
    ) -> None:
        with conn.cursor().copy(
            "COPY chunks (id, owner, notebook_id, source_id, ordinal, text, locator,"
            " token_count, index_text) FROM STDIN"
        ) as copy:
            for chunk_id, ordinal, text, locator, tokens, index in rows:
                copy.write_row(
                    (
                        chunk_id,
                        owner_id,
                        notebook_id,
                        source_id,
                        ordinal,
                        text.replace("\x00", " "),
                        locator,
                        tokens,
                        index.replace("\x00", " "),
                    )
                )

    @staticmethod
    def _source_holding(
        conn: Conn, owner_id: str, notebook_id: str, source_id: str, rows: Sequence[ChunkRow]
    ) -> str:
        """The uri of another source of the notebook that already holds one of these chunks."""
        row = conn.execute(
            "SELECT s.uri FROM chunks c JOIN sources s ON s.id = c.source_id"
            " WHERE c.owner = %s AND s.owner = %s AND c.notebook_id = %s AND c.source_id != %s"
            " AND c.id = ANY(%s) LIMIT 1",
            (owner_id, owner_id, notebook_id, source_id, [r[0] for r in rows]),
        ).fetchone()
        return str(row["uri"]) if row else "?"

    def list_sources(self, owner: Owner, notebook_id: str) -> list[Source]:
        owner_id = _owner_id(owner)
        with self._owned(owner_id) as conn:
            rows = conn.execute(
                f"SELECT {SOURCE_COLUMNS} FROM sources WHERE owner = %s AND notebook_id = %s"
                ' ORDER BY uri COLLATE "C"',
                (owner_id, notebook_id),
            ).fetchall()
        return [to_source(r) for r in rows]

    def delete_source(self, owner: Owner, source_id: str) -> None:
        owner_id = _owner_id(owner)
        with self._owned(owner_id) as conn:
            row = conn.execute(
                "SELECT notebook_id FROM sources WHERE id = %s AND owner = %s",
                (source_id, owner_id),
            ).fetchone()
            if row is None:
                raise NotFound(f"source {source_id!r} not found")
            self._require_notebook(conn, owner_id, row["notebook_id"], lock=True)
            self._count_out(conn, owner_id, row["notebook_id"], source_id)
            conn.execute(  # its chunks and their vectors go by cascade
                "DELETE FROM sources WHERE id = %s AND owner = %s", (source_id, owner_id)
            )

    def get_hits(self, owner: Owner, notebook_id: str, chunk_ids: Sequence[str]) -> list[Hit]:
        owner_id = _owner_id(owner)
        if not isinstance(notebook_id, str):
            raise TypeError(f"notebook_id must be a str, not {type(notebook_id).__name__}")
        if isinstance(chunk_ids, str):
            raise TypeError("chunk_ids must be a sequence of ids, not one string")
        wanted = list(dict.fromkeys(chunk_ids))
        if not wanted:
            return []
        with self._owned(owner_id) as conn:
            rows = conn.execute(
                f"SELECT {HIT_COLUMNS} FROM chunks c JOIN sources s ON s.id = c.source_id"
                " WHERE c.owner = %s AND s.owner = %s AND c.notebook_id = %s AND c.id = ANY(%s)",
                (owner_id, owner_id, notebook_id, wanted),
            ).fetchall()
        found = {row["id"]: Hit(chunk=to_chunk(row), source=to_source(row, "s_id")) for row in rows}
        return [found[i] for i in wanted if i in found]

    def source_chunks(
        self, owner: Owner, source_id: str, first_ordinal: int, last_ordinal: int
    ) -> list[Chunk]:
        owner_id = _owner_id(owner)
        with self._owned(owner_id) as conn:
            rows = conn.execute(
                f"SELECT {CHUNK_COLUMNS} FROM chunks c WHERE c.owner = %s AND c.source_id = %s"
                " AND c.ordinal BETWEEN %s AND %s ORDER BY c.ordinal",
                (owner_id, source_id, int(first_ordinal), int(last_ordinal)),
            ).fetchall()
        return [to_chunk(r) for r in rows]

    def list_chunks(self, owner: Owner, notebook_id: str) -> list[Chunk]:
        owner_id = _owner_id(owner)
        with self._owned(owner_id) as conn:
            rows = conn.execute(
                f"SELECT {CHUNK_COLUMNS} FROM chunks c WHERE c.owner = %s AND c.notebook_id = %s"
                " ORDER BY c.pk",
                (owner_id, notebook_id),
            ).fetchall()
        return [to_chunk(r) for r in rows]

    def count_chunks(self, owner: Owner, notebook_id: str) -> int:
        owner_id = _owner_id(owner)
        with self._owned(owner_id) as conn:
            row = conn.execute(
                "SELECT coalesce(sum(chunk_count), 0) AS n FROM sources"
                " WHERE owner = %s AND notebook_id = %s",
                (owner_id, notebook_id),
            ).fetchone()
        return int(row["n"])

    # ----------------------------------------------------------------- lexical index

    def lexical_search(
        self, owner: Owner, notebook_id: str, terms: Sequence[str], limit: int
    ) -> list[ScoredId]:
        """Chunks of the notebook holding any of the terms (each a phrase), ranked by BM25 as
        SQLite's FTS5 ranks them, with the same plan bounding the cost (causerie.store.
        postgres.lexical); higher is better."""
        owner_id = _owner_id(owner)
        phrases = [p[1:-1].replace('""', '"') for p in query_phrases(terms)]
        if not phrases or limit <= 0:
            return []
        with self._owned(owner_id) as conn:
            if not self._owns_notebook(conn, owner_id, notebook_id):
                return []
            return lexical.search(conn, owner_id, notebook_id, phrases, limit, self._budget)

    # ----------------------------------------------------------------- vectors

    def chunks_without_vectors(
        self, owner: Owner, notebook_id: str, model: str, limit: int
    ) -> list[Chunk]:
        owner_id = _owner_id(owner)
        if limit <= 0:
            return []
        with self._owned(owner_id) as conn:
            rows = conn.execute(
                f"SELECT {CHUNK_COLUMNS} FROM chunks c"
                " WHERE c.owner = %s AND c.notebook_id = %s"
                " AND NOT EXISTS (SELECT 1 FROM vectors v"
                "                 WHERE v.chunk_pk = c.pk AND v.model = %s)"
                " ORDER BY c.pk LIMIT %s",
                (owner_id, notebook_id, model, limit),
            ).fetchall()
        return [to_chunk(r) for r in rows]

    def put_vectors(
        self, owner: Owner, model: str, chunk_ids: Sequence[str], vectors: np.ndarray
    ) -> None:
        """Store one vector per chunk id, in every notebook of the owner holding that chunk;
        ids the owner does not hold are skipped."""
        owner_id = _owner_id(owner)
        ids = list(chunk_ids)
        matrix = unit_rows(vectors, len(ids))
        if not ids:
            return
        dim = int(matrix.shape[1])
        row_of = {chunk_id: i for i, chunk_id in enumerate(ids)}
        with self._owned(owner_id) as conn:
            targets = conn.execute(
                "SELECT pk, notebook_id, id FROM chunks WHERE owner = %s AND id = ANY(%s)",
                (owner_id, list(row_of)),
            ).fetchall()
            for notebook_id in sorted({t["notebook_id"] for t in targets}):
                self._check_dim(conn, owner_id, notebook_id, model, dim)
            self._ensure_index(conn, dim)
            with conn.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO vectors (chunk_pk, model, owner, notebook_id, chunk_id, dim,"
                    " embedding) VALUES (%s, %s, %s, %s, %s, %s, %s)"
                    " ON CONFLICT (chunk_pk, model) DO UPDATE SET embedding = excluded.embedding,"
                    " dim = excluded.dim",
                    [
                        (t["pk"], model, owner_id, t["notebook_id"], t["id"], dim,
                         matrix[row_of[t["id"]]])
                        for t in targets
                    ],
                )  # fmt: skip

    @staticmethod
    def _check_dim(conn: Conn, owner_id: str, notebook_id: str, model: str, dim: int) -> None:
        row = conn.execute(
            "SELECT dim FROM vectors WHERE owner = %s AND notebook_id = %s AND model = %s LIMIT 1",
            (owner_id, notebook_id, model),
        ).fetchone()
        if row is not None and row["dim"] != dim:
            raise ValueError(
                f"model {model!r} already has {row['dim']}-dimensional vectors in this notebook,"
                f" not {dim}: give a different model its own name"
            )

    @staticmethod
    def _ensure_index(conn: Conn, dim: int) -> None:
        """The HNSW index of this dimension (made once, by the first writer of that size)."""
        name = f"vectors_hnsw_{dim}"
        made = (
            "SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " WHERE i.indrelid = 'vectors'::regclass AND c.relname = %s"
        )
        if conn.execute(made, (name,)).fetchone() is not None:
            return
        conn.execute("SELECT pg_advisory_xact_lock(7345113, %s)", (dim,))
        conn.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON vectors USING hnsw"
            f" ((embedding::vector({dim})) vector_cosine_ops) WHERE dim = {dim}"
        )

    def delete_vectors(self, owner: Owner, notebook_id: str, model: str) -> int:
        owner_id = _owner_id(owner)
        with self._owned(owner_id) as conn:
            deleted = conn.execute(
                "DELETE FROM vectors WHERE owner = %s AND notebook_id = %s AND model = %s",
                (owner_id, notebook_id, model),
            ).rowcount
        return int(deleted)

    def count_vectors(self, owner: Owner, notebook_id: str, model: str) -> int:
        owner_id = _owner_id(owner)
        with self._owned(owner_id) as conn:
            row = conn.execute(
                "SELECT count(*) AS n FROM vectors"
                " WHERE owner = %s AND notebook_id = %s AND model = %s",
                (owner_id, notebook_id, model),
            ).fetchone()
        return int(row["n"])

    def vector_search(
        self, owner: Owner, notebook_id: str, model: str, query: np.ndarray, limit: int
    ) -> list[ScoredId]:
        """Cosine similarity (1 - cosine distance), best first."""
        owner_id = _owner_id(owner)
        q = as_query(query)
        if limit <= 0:
            return []
        norm = float(np.linalg.norm(q))
        if not np.isfinite(norm):
            raise ValueError("the query vector holds NaN or infinite values")
        with self._owned(owner_id) as conn:
            row = conn.execute(
                "SELECT dim FROM vectors WHERE owner = %s AND notebook_id = %s AND model = %s"
                " LIMIT 1",
                (owner_id, notebook_id, model),
            ).fetchone()
            if row is None or norm == 0.0:
                return []
            dim = int(row["dim"])
            if q.shape[0] != dim:
                raise ValueError(
                    f"the query has {q.shape[0]} dimensions, model {model!r} stored {dim}"
                )
            conn.execute("SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true)")
            conn.execute(
                "SELECT set_config('hnsw.ef_search', %s, true)",
                (str(max(self._ef_search, limit)),),
            )
            rows = conn.execute(
                "WITH nearest AS MATERIALIZED ("
                f" SELECT chunk_id, chunk_pk, embedding::vector({dim}) <=> %s AS distance"
                " FROM vectors WHERE owner = %s AND notebook_id = %s AND model = %s"
                f" AND dim = {dim} ORDER BY embedding::vector({dim}) <=> %s LIMIT %s)"
                " SELECT chunk_id, 1 - distance AS score FROM nearest"
                " ORDER BY distance, chunk_pk",
                (q / norm, owner_id, notebook_id, model, q / norm, limit),
            ).fetchall()
        return [ScoredId(r["chunk_id"], float(r["score"])) for r in rows]

    # ----------------------------------------------------------------- conversations

    def create_conversation(self, owner: Owner, notebook_id: str, title: str) -> Conversation:
        owner_id = _owner_id(owner)
        conversation = Conversation(uuid.uuid4().hex, notebook_id, str(title), time.time())
        with self._owned(owner_id) as conn:
            self._require_notebook(conn, owner_id, notebook_id)
            conn.execute(
                "INSERT INTO conversations (id, owner, notebook_id, title, created_at)"
                " VALUES (%s, %s, %s, %s, %s)",
                (conversation.id, owner_id, notebook_id, conversation.title,
                 conversation.created_at),
            )  # fmt: skip
        return conversation

    def get_conversation(self, owner: Owner, conversation_id: str) -> Conversation:
        owner_id = _owner_id(owner)
        with self._owned(owner_id) as conn:
            row = conn.execute(
                "SELECT * FROM conversations WHERE id = %s AND owner = %s",
                (conversation_id, owner_id),
            ).fetchone()
        if row is None:
            raise NotFound(f"conversation {conversation_id!r} not found")
        return to_conversation(row)

    def list_conversations(self, owner: Owner, notebook_id: str) -> list[Conversation]:
        owner_id = _owner_id(owner)
        with self._owned(owner_id) as conn:
            rows = conn.execute(
                "SELECT * FROM conversations WHERE owner = %s AND notebook_id = %s"
                " ORDER BY created_at, pk",
                (owner_id, notebook_id),
            ).fetchall()
        return [to_conversation(r) for r in rows]

    def delete_conversation(self, owner: Owner, conversation_id: str) -> None:
        owner_id = _owner_id(owner)
        with self._owned(owner_id) as conn:
            deleted = conn.execute(
                "DELETE FROM conversations WHERE id = %s AND owner = %s",
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
        with self._owned(owner_id) as conn:
            row = conn.execute(  # locked: two messages of one conversation take turns
                "SELECT 1 FROM conversations WHERE id = %s AND owner = %s FOR UPDATE",
                (conversation_id, owner_id),
            ).fetchone()
            if row is None:
                raise NotFound(f"conversation {conversation_id!r} not found")
            conn.execute(
                "INSERT INTO messages (id, owner, conversation_id, seq, role, content, citations,"
                " abstained, interrupted, created_at) VALUES (%s, %s, %s,"
                " (SELECT coalesce(max(seq), 0) + 1 FROM messages WHERE conversation_id = %s),"
                " %s, %s, %s, %s, %s, %s)",
                (message_id, owner_id, conversation_id, conversation_id, role,
                 content.replace("\x00", " "), payload, bool(abstained), bool(interrupted), now),
            )  # fmt: skip
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
        with self._owned(owner_id) as conn:
            rows = conn.execute(
                "SELECT * FROM messages WHERE owner = %s AND conversation_id = %s ORDER BY seq",
                (owner_id, conversation_id),
            ).fetchall()
        return [to_message(r) for r in rows]
