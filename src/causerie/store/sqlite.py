"""The embedded store: one SQLite file holding rows, an FTS5 index and float32 vectors.

Layout (PRAGMA user_version = SCHEMA_VERSION):

    notebooks      id, owner, name, created_at, revision          unique(owner, name)
    sources        id, owner, notebook_id, uri, ...               unique(notebook_id, uri)
    chunks         rowid, id, owner, notebook_id, source_id, ...  unique(notebook_id, id)
    chunks_fts     FTS5 over chunks(notebook_id, index_text), external content, kept in step
                   with chunks by triggers (so every way a chunk disappears also unindexes it)
    vectors        chunk_rowid, model, owner, notebook_id, chunk_id, dim, float32 blob
    conversations  id, owner, notebook_id, title, created_at
    messages       id, owner, conversation_id, seq, role, content, citations JSON, flags

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
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

import numpy as np

from causerie.errors import InputError, NotFound, StoreError
from causerie.store.base import NewSource, ScoredId
from causerie.types import (
    Chunk,
    Citation,
    Conversation,
    Hit,
    Locator,
    Notebook,
    Owner,
    Role,
    Source,
    StoredMessage,
)

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE notebooks (
    id          TEXT PRIMARY KEY,
    owner       TEXT NOT NULL,
    name        TEXT NOT NULL,
    created_at  REAL NOT NULL,
    revision    INTEGER NOT NULL DEFAULT 0,
    UNIQUE (owner, name)
);

CREATE TABLE sources (
    id            TEXT PRIMARY KEY,
    owner         TEXT NOT NULL,
    notebook_id   TEXT NOT NULL REFERENCES notebooks(id) ON DELETE CASCADE,
    uri           TEXT NOT NULL,
    title         TEXT NOT NULL,
    media_type    TEXT NOT NULL,
    language      TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    chunk_count   INTEGER NOT NULL,
    added_at      REAL NOT NULL,
    UNIQUE (notebook_id, uri)
);

CREATE TABLE chunks (
    rowid        INTEGER PRIMARY KEY,
    id           TEXT NOT NULL,
    owner        TEXT NOT NULL,
    notebook_id  TEXT NOT NULL REFERENCES notebooks(id) ON DELETE CASCADE,
    source_id    TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    ordinal      INTEGER NOT NULL,
    text         TEXT NOT NULL,
    locator      TEXT NOT NULL,
    token_count  INTEGER NOT NULL,
    index_text   TEXT NOT NULL,
    UNIQUE (notebook_id, id)
);
CREATE INDEX chunks_by_owner_id ON chunks (owner, id);
CREATE INDEX chunks_by_notebook ON chunks (owner, notebook_id);  -- then rowid: stored order
CREATE INDEX chunks_by_source ON chunks (source_id);

CREATE VIRTUAL TABLE chunks_fts USING fts5 (
    notebook_id, index_text,
    content = 'chunks', content_rowid = 'rowid',
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER chunks_fts_insert AFTER INSERT ON chunks BEGIN
    INSERT INTO chunks_fts (rowid, notebook_id, index_text)
    VALUES (new.rowid, new.notebook_id, new.index_text);
END;
CREATE TRIGGER chunks_fts_delete AFTER DELETE ON chunks BEGIN
    INSERT INTO chunks_fts (chunks_fts, rowid, notebook_id, index_text)
    VALUES ('delete', old.rowid, old.notebook_id, old.index_text);
END;
CREATE TRIGGER chunks_fts_update AFTER UPDATE ON chunks BEGIN
    INSERT INTO chunks_fts (chunks_fts, rowid, notebook_id, index_text)
    VALUES ('delete', old.rowid, old.notebook_id, old.index_text);
    INSERT INTO chunks_fts (rowid, notebook_id, index_text)
    VALUES (new.rowid, new.notebook_id, new.index_text);
END;

CREATE TABLE vectors (
    chunk_rowid  INTEGER NOT NULL REFERENCES chunks(rowid) ON DELETE CASCADE,
    model        TEXT NOT NULL,
    owner        TEXT NOT NULL,
    notebook_id  TEXT NOT NULL,
    chunk_id     TEXT NOT NULL,
    dim          INTEGER NOT NULL,
    vector       BLOB NOT NULL,  -- float32, little-endian
    PRIMARY KEY (chunk_rowid, model)
);
CREATE INDEX vectors_by_notebook ON vectors (owner, notebook_id, model);

CREATE TABLE conversations (
    id           TEXT PRIMARY KEY,
    owner        TEXT NOT NULL,
    notebook_id  TEXT NOT NULL REFERENCES notebooks(id) ON DELETE CASCADE,
    title        TEXT NOT NULL,
    created_at   REAL NOT NULL
);
CREATE INDEX conversations_by_notebook ON conversations (owner, notebook_id);

CREATE TABLE messages (
    id               TEXT PRIMARY KEY,
    owner            TEXT NOT NULL,
    conversation_id  TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    seq              INTEGER NOT NULL,
    role             TEXT NOT NULL,
    content          TEXT NOT NULL,
    citations        TEXT NOT NULL,
    abstained        INTEGER NOT NULL,
    interrupted      INTEGER NOT NULL,
    created_at       REAL NOT NULL,
    UNIQUE (conversation_id, seq)
);
"""

# Later schema changes go here: version reached -> script that reaches it from the one before.
_MIGRATIONS: dict[int, str] = {}

_ROLES = frozenset(get_args(Role))
_MAX_PARAMS = 500  # ids bound per IN (...) statement
_VECTOR_DTYPE = np.dtype("<f4")

_SOURCE_COLUMNS = (
    "id, notebook_id, uri, title, media_type, language, content_hash, chunk_count, added_at"
)
_CHUNK_COLUMNS = "c.id, c.ordinal, c.text, c.locator, c.token_count"


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


def fts_phrase(text: str) -> str:
    """Text as one FTS5 phrase: double-quoted, inner quotes doubled, so it is never syntax."""
    return '"' + text.replace("\x00", " ").replace('"', '""') + '"'


def query_phrases(terms: Sequence[str]) -> list[str]:
    """The distinct non-blank terms as quoted FTS5 phrases ('NEAR', 'a*', '-x' stay plain text)."""
    if isinstance(terms, str):
        raise TypeError("terms must be a sequence of strings, not one string")
    phrases: dict[str, None] = {}
    for term in terms:
        if not isinstance(term, str):
            raise TypeError(f"search terms must be strings, not {type(term).__name__}")
        if term.replace("\x00", " ").strip():
            phrases[fts_phrase(term.replace("\x00", " ").strip())] = None
    return list(phrases)


@dataclass(frozen=True, slots=True)
class LexicalPlan:
    """The FTS5 expressions a lexical search tries in turn, until one finds `limit` chunks.

    Every chunk found is ranked by FTS5's bm25 over *all* the query's terms, so scores are
    exact; what the plan chooses is which chunks are ranked. Ranking costs a few microseconds
    per chunk, so matching every chunk that holds a frequent term would make a search slow
    while adding little. As in Lucene's CommonTermsQuery, the rarest terms (up to `budget`
    matching chunks, counted over the whole index) must match, and the other, *common* terms
    only add to the score of those chunks. A query of common terms only asks for chunks
    holding all of them; if too few do, for chunks holding the rarest and another one; then
    for chunks holding the rarest.

    Expressions are not restricted to a notebook unless they need to be: the caller filters
    the rows by notebook and owner.
    """

    expressions: tuple[str, ...]

    @classmethod
    def build(cls, notebook_id: str, counts: dict[str, int], budget: int) -> LexicalPlan:
        """counts: the number of indexed chunks each quoted phrase matches (0: dropped)."""
        scope = f"notebook_id : {fts_phrase(notebook_id)}"
        ordered = sorted((p for p in counts if counts[p] > 0), key=counts.__getitem__)
        rare: list[str] = []
        spent = 0
        for phrase in ordered:
            if spent + counts[phrase] > budget:
                break
            rare.append(phrase)
            spent += counts[phrase]
        common = ordered[len(rare) :]
        if not common:
            return cls((_any_of(rare),) if rare else ())
        if rare:
            return cls((_with_optional(rare, common, scope),))
        if len(common) == 1:
            return cls((_any_of(common),))
        rarest, others = common[:1], common[1:]
        return cls(
            (
                " AND ".join(_any_of([p]) for p in common),
                f"{_any_of(rarest)} AND {_any_of(others)}",
                _with_optional(rarest, others, scope),
            )
        )


def _any_of(phrases: Sequence[str]) -> str:
    return f"index_text : ({' OR '.join(phrases)})"


def _with_optional(required: Sequence[str], optional: Sequence[str], scope: str) -> str:
    """Chunks holding a required phrase, scored with the optional ones too.

    The scope phrase matches every chunk of the notebook, so `(optional OR scope)` holds for
    all of them; it sits on the notebook_id column, whose bm25 weight is 0.
    """
    return f"{_any_of(required)} AND ({_any_of(optional)} OR {scope})"


# --------------------------------------------------------------------------- row mapping


def _notebook(row: sqlite3.Row) -> Notebook:
    return Notebook(id=row["id"], name=row["name"], created_at=row["created_at"])


def _source(row: sqlite3.Row) -> Source:
    return Source(
        id=row["id"],
        notebook_id=row["notebook_id"],
        uri=row["uri"],
        title=row["title"],
        media_type=row["media_type"],
        language=row["language"],
        content_hash=row["content_hash"],
        chunk_count=row["chunk_count"],
        added_at=row["added_at"],
    )


def _chunk(row: sqlite3.Row) -> Chunk:
    return Chunk(
        id=row["id"],
        ordinal=row["ordinal"],
        text=row["text"],
        locator=Locator.from_dict(json.loads(row["locator"])),
        token_count=row["token_count"],
    )


def _conversation(row: sqlite3.Row) -> Conversation:
    return Conversation(
        id=row["id"],
        notebook_id=row["notebook_id"],
        title=row["title"],
        created_at=row["created_at"],
    )


def _message(row: sqlite3.Row) -> StoredMessage:
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


def _chunk_rows(new: NewSource) -> list[tuple[str, int, str, str, int, str]]:
    """Validated (id, ordinal, text, locator JSON, token_count, index_text) per chunk."""
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
    for position, (chunk, index_text) in enumerate(zip(chunks, index_texts, strict=True)):
        where = f"chunk {position}"
        if not isinstance(chunk, Chunk):
            raise InputError(new.uri, f"{where} is a {type(chunk).__name__}, not a Chunk")
        if not isinstance(chunk.id, str) or not chunk.id:
            raise InputError(new.uri, f"{where} has no id")
        if chunk.id in seen:
            raise InputError(new.uri, f"{where}: chunk id {chunk.id} appears twice")
        seen.add(chunk.id)
        if not isinstance(chunk.text, str):
            raise InputError(new.uri, f"{where}: text is a {type(chunk.text).__name__}, not str")
        if not isinstance(index_text, str):
            raise InputError(new.uri, f"{where}: index text is not a str")
        if not isinstance(chunk.locator, Locator):
            raise InputError(new.uri, f"{where}: locator is not a Locator")
        if not isinstance(chunk.ordinal, int) or not isinstance(chunk.token_count, int):
            raise InputError(new.uri, f"{where}: ordinal and token_count must be integers")
        locator = json.dumps(chunk.locator.to_dict(), ensure_ascii=False, separators=(",", ":"))
        rows.append((chunk.id, chunk.ordinal, chunk.text, locator, chunk.token_count, index_text))
    rows.sort(key=lambda row: row[1])  # stored in ordinal order
    return rows


@dataclass(frozen=True, slots=True)
class _Matrix:
    """A notebook's vectors for one model, as loaded at one revision (rows unit-length)."""

    revision: int
    chunk_ids: tuple[str, ...]
    matrix: np.ndarray


# --------------------------------------------------------------------------- the store


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
        self._vector_cache: OrderedDict[tuple[str, str, str], _Matrix] = OrderedDict()
        self._vector_cache_size = max(1, vector_cache_size)
        self._conn = self._open()

    # ----------------------------------------------------------------- connection

    def _open(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot create its folder: {exc}") from exc
        conn: sqlite3.Connection | None = None
        try:
            conn = sqlite3.connect(
                self.path, timeout=10.0, isolation_level=None, check_same_thread=False
            )
            conn.row_factory = sqlite3.Row
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal" and str(self.path) != ":memory:":
                raise StoreError(f"{self.path}: cannot switch to WAL mode (got {mode})")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA busy_timeout = 10000")
            conn.execute("PRAGMA synchronous = NORMAL")  # durable at checkpoints; safe in WAL
            conn.execute("PRAGMA cache_size = -65536")  # 64 MiB page cache
            conn.execute("PRAGMA temp_store = MEMORY")
            conn.execute("PRAGMA mmap_size = 1073741824")  # reads of a large index: 2x faster
            self._migrate(conn)
        except sqlite3.Error as exc:
            if conn is not None:
                conn.close()
            raise StoreError(f"{self.path}: not a usable Causerie database ({exc})") from exc
        except BaseException:
            if conn is not None:
                conn.close()
            raise
        return conn

    def _migrate(self, conn: sqlite3.Connection) -> None:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: schema version {version} is newer than this Causerie "
                f"understands ({SCHEMA_VERSION}); upgrade Causerie"
            )
        if version == SCHEMA_VERSION:
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Re-read under the write lock: another process may have just created the schema.
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version == 0:
                for statement in _split_script(_SCHEMA):
                    conn.execute(statement)
                version = SCHEMA_VERSION
            while version < SCHEMA_VERSION:
                version += 1
                for statement in _split_script(_MIGRATIONS[version]):
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

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

    # ----------------------------------------------------------------- notebooks

    def ensure_notebook(self, owner: Owner, name: str) -> Notebook:
        owner_id = _owner_id(owner)
        name = _notebook_name(name)
        with self._writing() as conn:
            conn.execute(
                "INSERT INTO notebooks (id, owner, name, created_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (owner, name) DO NOTHING",
                (uuid.uuid4().hex, owner_id, name, time.time()),
            )
            row = conn.execute(
                "SELECT * FROM notebooks WHERE owner = ? AND name = ?", (owner_id, name)
            ).fetchone()
        return _notebook(row)

    def get_notebook(self, owner: Owner, name: str) -> Notebook | None:
        owner_id = _owner_id(owner)
        with self._reading() as conn:
            row = conn.execute(
                "SELECT * FROM notebooks WHERE owner = ? AND name = ?", (owner_id, name)
            ).fetchone()
        return _notebook(row) if row else None

    def list_notebooks(self, owner: Owner) -> list[Notebook]:
        owner_id = _owner_id(owner)
        with self._reading() as conn:
            rows = conn.execute(
                "SELECT * FROM notebooks WHERE owner = ? ORDER BY name, id", (owner_id,)
            ).fetchall()
        return [_notebook(r) for r in rows]

    def rename_notebook(self, owner: Owner, notebook_id: str, new_name: str) -> Notebook:
        owner_id = _owner_id(owner)
        new_name = _notebook_name(new_name)
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
        return _notebook(row)

    def delete_notebook(self, owner: Owner, notebook_id: str) -> None:
        owner_id = _owner_id(owner)
        with self._writing() as conn:
            deleted = conn.execute(
                "DELETE FROM notebooks WHERE id = ? AND owner = ?", (notebook_id, owner_id)
            ).rowcount
            if deleted == 0:
                raise NotFound(f"notebook {notebook_id!r} not found")
        self._forget_vectors(owner_id, notebook_id)

    # ----------------------------------------------------------------- sources and chunks

    def find_source(self, owner: Owner, notebook_id: str, uri: str) -> Source | None:
        owner_id = _owner_id(owner)
        with self._reading() as conn:
            row = conn.execute(
                f"SELECT {_SOURCE_COLUMNS} FROM sources"
                " WHERE owner = ? AND notebook_id = ? AND uri = ?",
                (owner_id, notebook_id, uri),
            ).fetchone()
        return _source(row) if row else None

    def put_source(self, owner: Owner, notebook_id: str, new: NewSource) -> Source:
        owner_id = _owner_id(owner)
        rows = _chunk_rows(new)
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
        rows: Sequence[tuple[Any, ...]],
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
                f"SELECT {_SOURCE_COLUMNS} FROM sources WHERE owner = ? AND notebook_id = ?"
                " ORDER BY uri",
                (owner_id, notebook_id),
            ).fetchall()
        return [_source(r) for r in rows]

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

    def get_hits(self, owner: Owner, chunk_ids: Sequence[str]) -> list[Hit]:
        """The chunks in the order asked, each once; unknown ids are skipped.

        A chunk id held in several of the owner's notebooks (the same file added twice) yields
        the copy stored first.
        """
        owner_id = _owner_id(owner)
        wanted = list(dict.fromkeys(chunk_ids))
        found: dict[str, Hit] = {}
        with self._snapshot() as conn:
            for batch in _batches(wanted):
                rows = conn.execute(
                    f"SELECT {_CHUNK_COLUMNS}, s.id AS s_id, s.notebook_id, s.uri, s.title,"
                    " s.media_type, s.language, s.content_hash, s.chunk_count, s.added_at"
                    " FROM chunks c JOIN sources s ON s.id = c.source_id"
                    f" WHERE c.owner = ? AND s.owner = ? AND c.id IN ({_placeholders(len(batch))})"
                    " ORDER BY c.rowid",
                    (owner_id, owner_id, *batch),
                ).fetchall()
                for row in rows:
                    if row["id"] not in found:
                        source = _source_from_joined(row)
                        found[row["id"]] = Hit(chunk=_chunk(row), source=source)
        return [found[i] for i in wanted if i in found]

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
        phrases = query_phrases(terms)
        if not phrases or limit <= 0:
            return []
        budget = self._lexical_budget
        with self._snapshot() as conn:
            if not self._owns_notebook(conn, owner_id, notebook_id):
                return []
            counts = {p: _count_matches(conn, f"index_text : {p}", budget + 1) for p in phrases}
            rows: list[sqlite3.Row] = []
            for expression in LexicalPlan.build(notebook_id, counts, budget).expressions:
                rows = conn.execute(
                    "SELECT c.id, bm25(chunks_fts, 0.0, 1.0) AS score"
                    " FROM chunks_fts CROSS JOIN chunks AS c ON c.rowid = chunks_fts.rowid"
                    " WHERE chunks_fts MATCH ? AND c.owner = ? AND c.notebook_id = ?"
                    " ORDER BY score LIMIT ?",
                    (expression, owner_id, notebook_id, limit),
                ).fetchall()
                if len(rows) >= limit:
                    break
        return [ScoredId(row[0], -float(row[1])) for row in rows]

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
                f"SELECT {_CHUNK_COLUMNS} FROM chunks c"
                " WHERE c.owner = ? AND c.notebook_id = ?"
                " AND NOT EXISTS (SELECT 1 FROM vectors v"
                "                 WHERE v.chunk_rowid = c.rowid AND v.model = ?)"
                " ORDER BY c.rowid LIMIT ?",
                (owner_id, notebook_id, model, limit),
            ).fetchall()
        return [_chunk(r) for r in rows]

    def put_vectors(
        self, owner: Owner, model: str, chunk_ids: Sequence[str], vectors: np.ndarray
    ) -> None:
        """Store one vector per chunk id, in every notebook of the owner holding that chunk.

        Ids the owner does not hold (deleted meanwhile, or never theirs) are skipped.
        """
        owner_id = _owner_id(owner)
        ids = list(chunk_ids)
        matrix = np.asarray(vectors, dtype=_VECTOR_DTYPE)
        if matrix.ndim != 2 or matrix.shape[0] != len(ids):
            raise ValueError(
                f"need one row per chunk id: {len(ids)} ids, vectors of shape {matrix.shape}"
            )
        if not np.isfinite(matrix).all():
            raise ValueError("vectors hold NaN or infinite values")
        if not ids:
            return
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        matrix = (matrix / np.where(norms == 0.0, 1.0, norms)).astype(_VECTOR_DTYPE)  # unit rows
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

    def count_vectors(self, owner: Owner, notebook_id: str, model: str) -> int:
        owner_id = _owner_id(owner)
        with self._snapshot() as conn:
            revision = self._revision(conn, owner_id, notebook_id)
            if revision is None:
                return 0
            cached = self._vector_cache.get((owner_id, notebook_id, model))
            if cached is not None and cached.revision == revision:
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
        q = np.asarray(query, dtype=np.float32)
        if q.ndim == 2 and q.shape[0] == 1:
            q = q[0]
        if q.ndim != 1:
            raise ValueError(f"the query must be one vector, not shape {q.shape}")
        if limit <= 0:
            return []
        loaded = self._matrix(owner_id, notebook_id, model)
        if loaded is None or not loaded.chunk_ids:
            return []
        if q.shape[0] != loaded.matrix.shape[1]:
            raise ValueError(
                f"the query has {q.shape[0]} dimensions, model {model!r} stored "
                f"{loaded.matrix.shape[1]}"
            )
        norm = float(np.linalg.norm(q))
        if not np.isfinite(norm):
            raise ValueError("the query vector holds NaN or infinite values")
        if norm == 0.0:
            return []
        # numpy's own loop, not BLAS: a matrix-vector product is bound by memory bandwidth,
        # and BLAS threads contend with a threaded server's (measured 1.5-6x slower).
        scores = np.einsum("ij,j->i", loaded.matrix, q / norm)
        count = min(limit, scores.shape[0])
        if count < scores.shape[0]:
            top = np.argpartition(-scores, count - 1)[:count]
        else:
            top = np.arange(scores.shape[0])
        top = top[np.argsort(-scores[top], kind="stable")]
        return [ScoredId(loaded.chunk_ids[i], float(scores[i])) for i in top]

    def _matrix(self, owner_id: str, notebook_id: str, model: str) -> _Matrix | None:
        """The notebook's normalised vectors, from the cache when its revision is unchanged."""
        key = (owner_id, notebook_id, model)
        with self._snapshot() as conn:
            revision = self._revision(conn, owner_id, notebook_id)
            if revision is None:
                self._vector_cache.pop(key, None)
                return None
            cached = self._vector_cache.get(key)
            if cached is not None and cached.revision == revision:
                self._vector_cache.move_to_end(key)
                return cached
            self._vector_cache.pop(key, None)  # free the stale matrix before loading anew
            loaded = _load_matrix(conn, owner_id, notebook_id, model, revision)
            self._vector_cache[key] = loaded
            self._vector_cache.move_to_end(key)
            while len(self._vector_cache) > self._vector_cache_size:
                self._vector_cache.popitem(last=False)
            return loaded

    @staticmethod
    def _revision(conn: sqlite3.Connection, owner_id: str, notebook_id: str) -> int | None:
        """The notebook's revision (grows with every change to its chunks or vectors)."""
        row = conn.execute(
            "SELECT revision FROM notebooks WHERE id = ? AND owner = ?", (notebook_id, owner_id)
        ).fetchone()
        return None if row is None else int(row["revision"])

    def _forget_vectors(self, owner_id: str, notebook_id: str) -> None:
        with self._lock:
            for key in [k for k in self._vector_cache if k[:2] == (owner_id, notebook_id)]:
                del self._vector_cache[key]

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
        return _conversation(row)

    def list_conversations(self, owner: Owner, notebook_id: str) -> list[Conversation]:
        owner_id = _owner_id(owner)
        with self._reading() as conn:
            rows = conn.execute(
                "SELECT * FROM conversations WHERE owner = ? AND notebook_id = ?"
                " ORDER BY created_at, rowid",
                (owner_id, notebook_id),
            ).fetchall()
        return [_conversation(r) for r in rows]

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
        return [_message(r) for r in rows]


# --------------------------------------------------------------------------- helpers


def _notebook_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip():
        raise InputError("notebook name", "must be a non-empty string")
    return name.strip()


def _source_from_joined(row: sqlite3.Row) -> Source:
    return Source(
        id=row["s_id"],
        notebook_id=row["notebook_id"],
        uri=row["uri"],
        title=row["title"],
        media_type=row["media_type"],
        language=row["language"],
        content_hash=row["content_hash"],
        chunk_count=row["chunk_count"],
        added_at=row["added_at"],
    )


def _load_matrix(
    conn: sqlite3.Connection, owner_id: str, notebook_id: str, model: str, revision: int
) -> _Matrix:
    """A notebook's vectors for a model, streamed into one preallocated matrix."""
    where = "WHERE owner = ? AND notebook_id = ? AND model = ?"
    args = (owner_id, notebook_id, model)
    count, dim = conn.execute(f"SELECT count(*), max(dim) FROM vectors {where}", args).fetchone()
    if not count:
        return _Matrix(revision, (), np.zeros((0, 0), dtype=_VECTOR_DTYPE))
    matrix = np.empty((count, dim), dtype=_VECTOR_DTYPE)
    flat = matrix.data.cast("B")
    width = dim * _VECTOR_DTYPE.itemsize
    chunk_ids = []
    cursor = conn.execute(f"SELECT chunk_id, vector FROM vectors {where} ORDER BY rowid", args)
    for i, (chunk_id, blob) in enumerate(cursor):
        flat[i * width : (i + 1) * width] = blob
        chunk_ids.append(chunk_id)
    return _Matrix(revision, tuple(chunk_ids), matrix)


def _count_matches(conn: sqlite3.Connection, expression: str, up_to: int) -> int:
    """How many rows match an FTS5 expression, counting no further than `up_to` (cheap)."""
    row = conn.execute(
        "SELECT count(*) FROM (SELECT 1 FROM chunks_fts WHERE chunks_fts MATCH ? LIMIT ?)",
        (expression, up_to),
    ).fetchone()
    return int(row[0])


def _split_script(script: str) -> list[str]:
    """SQL statements of a script, triggers kept whole (conn.execute runs one at a time)."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements
