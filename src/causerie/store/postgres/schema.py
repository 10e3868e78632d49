"""The store's tables in PostgreSQL, as versioned steps (causerie.postgres.db.Database.migrate).

    notebooks      id, owner, name, created_at, chunk_total, token_total (BM25's counts)
                                                                   unique(owner, name)
    sources        id, owner, notebook_id, uri, ...                unique(notebook_id, uri)
    chunks         pk, id, owner, notebook_id, source_id, ..., index_text,
                   tsv = to_tsvector('simple', index_text) (GIN), token_len
                                                                   unique(notebook_id, id)
    vectors        chunk_pk, model, owner, notebook_id, chunk_id, dim, embedding vector
                   (an HNSW index per dimension, made when vectors of that size first come:
                   vectors_hnsw_<dim>, on embedding::vector(dim) WHERE dim = <dim>)
    conversations  pk, id, owner, notebook_id, title, created_at
    messages       id, owner, conversation_id, seq, role, content, citations JSON, flags

Why the 'simple' text search configuration, not 'french' or 'english': index_text already holds
terms normalised and stemmed by Causerie's own FR/EN pipeline (causerie.textproc), the same way
the query terms are, exactly as the SQLite FTS5 index receives them; stemming them again with
another language's rules would break that agreement. Row-level security is the second lock:
every table's policy admits only rows whose owner is the session's `causerie.owner` when it is
set (the backends set it in each transaction that serves one owner).
"""

from __future__ import annotations

from causerie.postgres.db import Steps

COMPONENT = "causerie.store"

STEPS: Steps = (
    (
        """CREATE TABLE notebooks (
            id          TEXT PRIMARY KEY,
            owner       TEXT NOT NULL,
            name        TEXT NOT NULL,
            created_at  DOUBLE PRECISION NOT NULL,
            chunk_total BIGINT NOT NULL DEFAULT 0,
            token_total BIGINT NOT NULL DEFAULT 0,
            UNIQUE (owner, name)
        )""",
        """CREATE TABLE sources (
            id            TEXT PRIMARY KEY,
            owner         TEXT NOT NULL,
            notebook_id   TEXT NOT NULL REFERENCES notebooks(id) ON DELETE CASCADE,
            uri           TEXT NOT NULL,
            title         TEXT NOT NULL,
            media_type    TEXT NOT NULL,
            language      TEXT NOT NULL,
            content_hash  TEXT NOT NULL,
            chunk_count   INTEGER NOT NULL,
            added_at      DOUBLE PRECISION NOT NULL,
            UNIQUE (notebook_id, uri)
        )""",
        "CREATE INDEX sources_by_owner ON sources (owner, notebook_id)",
        r"""CREATE TABLE chunks (
            pk           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            id           TEXT NOT NULL,
            owner        TEXT NOT NULL,
            notebook_id  TEXT NOT NULL REFERENCES notebooks(id) ON DELETE CASCADE,
            source_id    TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
            ordinal      INTEGER NOT NULL,
            text         TEXT NOT NULL,
            locator      TEXT NOT NULL,
            token_count  INTEGER NOT NULL,
            index_text   TEXT NOT NULL,
            tsv          TSVECTOR GENERATED ALWAYS AS (to_tsvector('simple', index_text)) STORED,
            token_len    INTEGER GENERATED ALWAYS AS (CASE WHEN btrim(index_text) = '' THEN 0
                         ELSE array_length(regexp_split_to_array(btrim(index_text), '\s+'), 1)
                         END) STORED,
            UNIQUE (notebook_id, id)
        )""",
        "CREATE INDEX chunks_by_owner_id ON chunks (owner, id)",
        "CREATE INDEX chunks_by_notebook ON chunks (owner, notebook_id, pk)",
        "CREATE INDEX chunks_by_source ON chunks (source_id, ordinal)",
        "CREATE INDEX chunks_tsv ON chunks USING gin (tsv)",
        """CREATE TABLE vectors (
            chunk_pk     BIGINT NOT NULL REFERENCES chunks(pk) ON DELETE CASCADE,
            model        TEXT NOT NULL,
            owner        TEXT NOT NULL,
            notebook_id  TEXT NOT NULL,
            chunk_id     TEXT NOT NULL,
            dim          INTEGER NOT NULL,
            embedding    vector NOT NULL,
            PRIMARY KEY (chunk_pk, model)
        )""",
        "CREATE INDEX vectors_by_notebook ON vectors (owner, notebook_id, model)",
        """CREATE TABLE conversations (
            pk           BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
            id           TEXT PRIMARY KEY,
            owner        TEXT NOT NULL,
            notebook_id  TEXT NOT NULL REFERENCES notebooks(id) ON DELETE CASCADE,
            title        TEXT NOT NULL,
            created_at   DOUBLE PRECISION NOT NULL
        )""",
        "CREATE INDEX conversations_by_notebook ON conversations (owner, notebook_id)",
        """CREATE TABLE messages (
            id               TEXT PRIMARY KEY,
            owner            TEXT NOT NULL,
            conversation_id  TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
            seq              INTEGER NOT NULL,
            role             TEXT NOT NULL,
            content          TEXT NOT NULL,
            citations        TEXT NOT NULL,
            abstained        BOOLEAN NOT NULL,
            interrupted      BOOLEAN NOT NULL,
            created_at       DOUBLE PRECISION NOT NULL,
            UNIQUE (conversation_id, seq)
        )""",
        *(
            statement
            for table in ("notebooks", "sources", "chunks", "vectors", "conversations", "messages")
            for statement in (
                f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
                f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
                f"CREATE POLICY {table}_owner ON {table} USING"
                " (coalesce(current_setting('causerie.owner', true), '') IN ('', owner))",
            )
        ),
    ),
    # 2: a chunk's tsvector stays in its row (compressed if need be) rather than in the TOAST
    # table: BM25 reads it once per phrase, and each out-of-line read costs three page visits
    # (a lexical search at 20k chunks of 300 words: 36 ms -> 10 ms)
    ("ALTER TABLE chunks ALTER COLUMN tsv SET STORAGE MAIN",),
)
