"""The database file: its schema and migrations, and opening a connection to it.

Layout (PRAGMA user_version = SCHEMA_VERSION):

    notebooks      id, owner, name, created_at, revision          unique(owner, name)
    sources        id, owner, notebook_id, uri, ...               unique(notebook_id, uri)
    chunks         rowid, id, owner, notebook_id, source_id, ...  unique(notebook_id, id)
    chunks_fts     FTS5 over chunks(notebook_id, index_text), external content, kept in step
                   with chunks by triggers (so every way a chunk disappears also unindexes it)
    vectors        chunk_rowid, model, owner, notebook_id, chunk_id, dim, float32 blob
    conversations  id, owner, notebook_id, title, created_at
    messages       id, owner, conversation_id, seq, role, content, citations JSON, flags
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from causerie.errors import StoreError
from causerie.sqlite_db import connect

SCHEMA_VERSION = 1

SCHEMA = """
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
MIGRATIONS: dict[int, str] = {}


def open_database(path: Path) -> sqlite3.Connection:
    """A connection to the store's database at `path` (its folder and schema created if
    needed), opened by the shared bootstrap (causerie.sqlite_db.connect). Anything that is not
    a usable Causerie database raises StoreError naming the file."""
    return connect(path, migrate)


def migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Bring the schema to SCHEMA_VERSION (creating it in an empty file), in one transaction."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path}: schema version {version} is newer than this Causerie "
            f"understands ({SCHEMA_VERSION}); upgrade Causerie"
        )
    if version == SCHEMA_VERSION:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Re-read under the write lock: another process may have just created the schema.
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version == 0:
            for statement in split_script(SCHEMA):
                conn.execute(statement)
            version = SCHEMA_VERSION
        while version < SCHEMA_VERSION:
            version += 1
            for statement in split_script(MIGRATIONS[version]):
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def split_script(script: str) -> list[str]:
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
