"""Moving up: copy a SQLite data folder into an empty PostgreSQL database, then check it.

    report = copy_to_postgres(settings, "postgresql://...")   # settings: the SQLite folder's
    report.counts   # {table: (rows in SQLite, rows in PostgreSQL)}

What travels: every user, token and session (accounts.sqlite3), every notebook, source, chunk,
vector, conversation and message (causerie.sqlite3), the assistants' owned records and their
own tables (study's quizzes, cards, reviews). Ids, timestamps and password hashes are copied as
they are, so links, API tokens and signed-in browsers keep working. Jobs do not travel (a
queue's history is not data; finish or cancel running jobs first). The copy is one PostgreSQL
transaction: it lands whole or not at all, and the counts of every table are compared before
it commits. The target must be empty (no notebook, no account): a copy never merges.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from causerie.config import Settings
from causerie.errors import InputError, StoreError

# (table, file): in the order they are copied (parents before children)
STORE_TABLES = ("notebooks", "sources", "chunks", "conversations", "messages")
ACCOUNT_TABLES = ("users", "tokens", "sessions")
Progress = Callable[[str, int], None]


@dataclass
class CopyReport:
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(source == target for source, target in self.counts.values())


def _sqlite(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise InputError(str(path), "no such database file to copy")
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    return conn


def _sqlite_tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _target_columns(pg: Any, table: str) -> list[str]:
    """The columns a copy writes: all but generated and always-identity ones."""
    rows = pg.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s"
        " AND table_schema = ANY(current_schemas(false)) AND is_generated = 'NEVER'"
        " AND coalesce(identity_generation, '') != 'ALWAYS' ORDER BY ordinal_position",
        (table,),
    ).fetchall()
    return [row["column_name"] for row in rows]


def _copy_table(
    source: sqlite3.Connection, pg: Any, table: str, order: str, progress: Progress
) -> int:
    """Rows of one table, in `order` (identity columns follow it), by COPY; how many."""
    theirs = {r[1] for r in source.execute(f"PRAGMA table_info({table})")}
    columns = [c for c in _target_columns(pg, table) if c in theirs]
    listed = ", ".join(columns)
    copied = 0
    with pg.cursor().copy(f"COPY {table} ({listed}) FROM STDIN") as copy:
        for row in source.execute(f"SELECT {listed} FROM {table} ORDER BY {order}"):
            copy.write_row(tuple(row))
            copied += 1
            if copied % 1000 == 0:
                progress(table, copied)
    progress(table, copied)
    return copied


def _copy_vectors(source: sqlite3.Connection, pg: Any, progress: Progress) -> set[int]:
    """Vectors join their chunk by (notebook, chunk id): the chunk's key differs there."""
    pg.execute(
        "CREATE TEMPORARY TABLE copied_vectors (model TEXT, owner TEXT, notebook_id TEXT,"
        " chunk_id TEXT, dim INTEGER, embedding vector) ON COMMIT DROP"
    )
    dims: set[int] = set()
    copied = 0
    with pg.cursor().copy(
        "COPY copied_vectors (model, owner, notebook_id, chunk_id, dim, embedding) FROM STDIN"
    ) as copy:
        copy.set_types(["text", "text", "text", "text", "int4", "vector"])
        rows = source.execute(
            "SELECT model, owner, notebook_id, chunk_id, dim, vector FROM vectors ORDER BY rowid"
        )
        for model, owner, notebook_id, chunk_id, dim, blob in rows:
            vector = np.frombuffer(blob, dtype="<f4").astype(np.float32)
            copy.write_row((model, owner, notebook_id, chunk_id, dim, vector))
            dims.add(int(dim))
            copied += 1
            if copied % 1000 == 0:
                progress("vectors", copied)
    pg.execute(
        "INSERT INTO vectors (chunk_pk, model, owner, notebook_id, chunk_id, dim, embedding)"
        " SELECT c.pk, v.model, v.owner, v.notebook_id, v.chunk_id, v.dim, v.embedding"
        " FROM copied_vectors v JOIN chunks c ON c.notebook_id = v.notebook_id"
        " AND c.id = v.chunk_id AND c.owner = v.owner"
    )
    progress("vectors", copied)
    return dims


def _count(conn: Any, table: str) -> int:
    row = conn.execute(f"SELECT count(*) AS n FROM {table}").fetchone()
    return int(row["n"] if isinstance(row, dict) else row[0])


def copy_to_postgres(settings: Settings, url: str, progress: Progress | None = None) -> CopyReport:
    """Copy the SQLite data of `settings` into the empty PostgreSQL database at `url`; the
    counts compared. StoreError (and nothing written) when a count differs; InputError when
    the target holds data already."""
    from causerie.backends import open_accounts, open_records, open_store
    from causerie.config import load_settings
    from causerie.postgres.db import Database
    from causerie.store.postgres.store import PostgresStore

    report = CopyReport()
    say: Progress = progress or (lambda table, count: None)
    target_settings = load_settings(database_url=url, home=settings.home)
    for opener in (open_store, open_accounts, open_records):
        opener(target_settings).close()  # the schema, migrated
    store = _sqlite(settings.database_path)
    accounts_file = settings.home / "accounts.sqlite3"
    accounts = _sqlite(accounts_file) if accounts_file.is_file() else None
    db = Database(url, max_size=1, vectors=True)
    try:
        with db.transaction() as pg:
            if _count(pg, "notebooks") or _count(pg, "users"):
                raise InputError(db.name, "already holds notebooks or accounts; copy into an"
                                 " empty database")  # fmt: skip
            plan: list[tuple[sqlite3.Connection, str, str]] = []
            if accounts is not None:
                plan += [(accounts, table, "rowid") for table in ACCOUNT_TABLES]
            plan += [(store, table, "rowid") for table in STORE_TABLES]
            known = _sqlite_tables(store)
            if "assistant_records" in known:
                plan.append((store, "assistant_records", "seq"))
            assistant_tables = [
                t for t in _assistant_tables(pg) if t in known and t != "assistant_records"
            ]
            plan += [(store, table, "rowid") for table in assistant_tables]
            for source, table, order in plan:
                _copy_table(source, pg, table, order, say)
            for _, table, _ in plan:
                _advance_identities(pg, table)
            PostgresStore.refresh_counts(pg)  # BM25's counts of each notebook
            dims = _copy_vectors(store, pg, say) if "vectors" in known else set()
            for dim in sorted(dims):
                PostgresStore._ensure_index(pg, dim)
            for source, table, _ in [*plan, (store, "vectors", "")]:
                if table == "vectors" and "vectors" not in known:
                    continue
                report.counts[table] = (_count(source, table), _count(pg, table))
            if not report.ok:
                wrong = {t: c for t, c in report.counts.items() if c[0] != c[1]}
                raise StoreError(f"{db.name}: counts differ after the copy {wrong}; nothing kept")
    finally:
        db.close()
        store.close()
        if accounts is not None:
            accounts.close()
    return report


def _advance_identities(pg: Any, table: str) -> None:
    """Identity columns given their values by the copy (BY DEFAULT) continue after them."""
    rows = pg.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s"
        " AND table_schema = ANY(current_schemas(false)) AND identity_generation = 'BY DEFAULT'",
        (table,),
    ).fetchall()
    for row in rows:
        column = row["column_name"]
        pg.execute(
            f"SELECT setval(pg_get_serial_sequence(%s, %s), coalesce(max({column}), 0) + 1,"
            f" false) FROM {table}",
            (table, column),
        )


def _assistant_tables(pg: Any) -> list[str]:
    """The assistants' own tables in the target (made by their PostgreSQL migrations), parents
    first (by foreign keys)."""
    rows = pg.execute(
        "SELECT table_name FROM information_schema.tables"
        " WHERE table_schema = ANY(current_schemas(false)) AND table_type = 'BASE TABLE'"
    ).fetchall()
    core = {*STORE_TABLES, *ACCOUNT_TABLES, "vectors", "jobs", "job_turns", "schema_versions"}
    tables = [r["table_name"] for r in rows if r["table_name"] not in core]
    parents = pg.execute(
        "SELECT tc.table_name AS child, ccu.table_name AS parent"
        " FROM information_schema.table_constraints tc JOIN"
        " information_schema.constraint_column_usage ccu"
        " ON ccu.constraint_name = tc.constraint_name AND ccu.table_schema = tc.table_schema"
        " WHERE tc.constraint_type = 'FOREIGN KEY'"
        " AND tc.table_schema = ANY(current_schemas(false))"
    ).fetchall()
    needs = {
        t: {r["parent"] for r in parents if r["child"] == t and r["parent"] != t} for t in tables
    }
    ordered: list[str] = []
    while len(ordered) < len(tables):
        ready = sorted(t for t in tables if t not in ordered and needs[t] <= {*ordered} | core)
        if not ready:  # a cycle: keep the rest as they come
            ordered += [t for t in tables if t not in ordered]
            break
        ordered += ready
    return ordered
