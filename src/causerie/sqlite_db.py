"""One SQLite bootstrap for every database file Causerie keeps (causerie.sqlite3: the store,
the job queue and the assistants' records and tables; accounts.sqlite3):

    conn = connect(path, setup)         # folder, pragmas, then setup(conn, path): its schema
    with write_transaction(conn, lock, path) as conn:
        conn.execute("INSERT ...")      # BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any error

`connect` gives the same connection everywhere: WAL mode, foreign keys on, a 10 s busy
timeout, autocommit (transactions are explicit), shareable across threads (the caller
serialises its use with a lock). Each file brings its own schema and migrations as `setup`.
SQLite errors raise StoreError naming the file.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from causerie.errors import StoreError


def connect(
    path: Path, setup: Callable[[sqlite3.Connection, Path], None] | None = None
) -> sqlite3.Connection:
    """Open the SQLite file at `path` (its folder created), set the pragmas, run `setup`."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"{path}: cannot create its folder: {exc}") from exc
    conn: sqlite3.Connection | None = None
    try:
        conn = sqlite3.connect(path, timeout=10.0, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal" and str(path) != ":memory:":
            raise StoreError(f"{path}: cannot switch to WAL mode (got {mode})")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA busy_timeout = 10000")
        conn.execute("PRAGMA synchronous = NORMAL")  # durable at checkpoints; safe in WAL
        conn.execute("PRAGMA cache_size = -65536")  # at most 64 MiB of page cache
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("PRAGMA mmap_size = 1073741824")  # reads of a large index: 2x faster
        if setup is not None:
            setup(conn, path)
    except sqlite3.Error as exc:
        if conn is not None:
            conn.close()
        raise StoreError(f"{path}: not a usable Causerie database ({exc})") from exc
    except BaseException:
        if conn is not None:
            conn.close()
        raise
    return conn


@contextmanager
def write_transaction(
    conn: sqlite3.Connection, lock: threading.Lock | threading.RLock, path: Path
) -> Iterator[sqlite3.Connection]:
    """One write transaction on a shared connection: serialised by `lock`, BEGIN IMMEDIATE,
    rolled back on any error; SQLite errors raised as StoreError naming the file."""
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
