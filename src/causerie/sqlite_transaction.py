"""One write transaction on a shared SQLite connection, for the small side databases
(accounts, study): serialised by a lock, BEGIN IMMEDIATE, rolled back on any error, and
SQLite errors raised as StoreError naming the file."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from causerie.errors import StoreError


@contextmanager
def write_transaction(
    conn: sqlite3.Connection, lock: threading.Lock | threading.RLock, path: Path
) -> Iterator[sqlite3.Connection]:
    with lock:
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise StoreError(f"{path}: {exc}") from exc
