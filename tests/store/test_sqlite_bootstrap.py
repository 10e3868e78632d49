"""One SQLite bootstrap (causerie.sqlite_db) for every database file: the store, the job
queue, the accounts and the study records are opened with the same pragmas."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from causerie.accounts import SQLiteAccountStore
from causerie.assistants.study.db import StudyStore
from causerie.errors import StoreError
from causerie.jobs import SQLiteJobQueue
from causerie.sqlite_db import connect, write_transaction
from causerie.store.sqlite import SQLiteStore


def pragmas(conn: sqlite3.Connection) -> tuple[str, int, int]:
    return (
        conn.execute("PRAGMA journal_mode").fetchone()[0],
        conn.execute("PRAGMA foreign_keys").fetchone()[0],
        conn.execute("PRAGMA busy_timeout").fetchone()[0],
    )


def test_every_database_is_opened_the_same_way(tmp_path: Path) -> None:
    opened = [
        SQLiteStore(tmp_path / "causerie.sqlite3"),
        SQLiteJobQueue(tmp_path / "causerie.sqlite3"),
        SQLiteAccountStore.in_folder(tmp_path),
        StudyStore.open(tmp_path / "records.sqlite3").records,
    ]
    try:
        for database in opened:
            assert pragmas(database._conn) == ("wal", 1, 10000), database
    finally:
        for database in opened:
            database.close()


def test_write_transaction_rolls_back_and_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "x.sqlite3"

    def setup(conn: sqlite3.Connection, _: Path) -> None:
        conn.execute("CREATE TABLE t (n INTEGER UNIQUE)")

    conn, lock = connect(path, setup), threading.Lock()
    with write_transaction(conn, lock, path) as tx:
        tx.execute("INSERT INTO t VALUES (1)")
    failing = pytest.raises(StoreError, match=r"x\.sqlite3: UNIQUE constraint failed")
    with failing, write_transaction(conn, lock, path) as tx:
        tx.execute("INSERT INTO t VALUES (2)")
        tx.execute("INSERT INTO t VALUES (1)")
    assert [row[0] for row in conn.execute("SELECT n FROM t")] == [1]
    conn.close()


def test_a_file_that_is_not_a_database_is_named(tmp_path: Path) -> None:
    path = tmp_path / "junk.sqlite3"
    path.write_bytes(b"not a database at all, just some bytes" * 100)
    with pytest.raises(StoreError, match=r"junk\.sqlite3: not a usable Causerie database"):
        connect(path)
