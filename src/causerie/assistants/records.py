"""Owned records: what an assistant keeps (a quiz, a deck, a mail thread), always per owner.

    records = open_records(settings)                       # causerie.backends
    quiz = records.add(owner, "study.quiz", {"items": [...]}, notebook_id=book.id)
    records.get(owner, "study.quiz", quiz.id).data         # NotFound for another owner's
    records.find(owner, "study.quiz", notebook_id=book.id) # oldest first
    records.put(owner, "study.quiz", quiz.id, {...})       # replace (or create under that id)
    records.delete(owner, "study.quiz", quiz.id)

An assistant never opens its own database file: it gets an OwnedRecords and submits jobs
(DESIGN.md). Every read and write takes the owner explicitly, so one owner's records are never
another's, whatever the kind or id asked for. A record is a JSON object under a `kind` named
"<assistant>.<what>" (the assistant's name first, so assistants never share kinds), an id
(given, or made), and optionally the notebook it is about (`delete_notebook` forgets those).

The behaviour every backend must show is pinned by `causerie.testing.records_contract`.
`SQLiteRecords` keeps them in the database that `database_url` names, in one table
(`assistant_records`), beside the tables of each assistant's own migrations
(causerie.assistants.registry.migrate), which it also applies.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from causerie.errors import InputError, NotFound, StoreError
from causerie.types import Owner

if TYPE_CHECKING:
    from causerie.assistants.registry import Migrations

Forget = Callable[[sqlite3.Connection, str, "str | None"], object]
"""An assistant's cleanup of its own tables, run inside the records' delete transaction:
forget(connection, owner_id, notebook_id) deletes that owner's rows of that notebook, or all of
that owner's rows when notebook_id is None."""

_KIND = re.compile(r"^[a-z][a-z0-9_]{0,39}\.[a-z][a-z0-9_.-]{0,59}$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")
MAX_RECORD_BYTES = 4 * 1024 * 1024  # one record's JSON; larger things belong in files


@dataclass(frozen=True, slots=True)
class Record:
    """One owned record: `data` is the JSON object the assistant stored."""

    owner: Owner
    kind: str
    id: str
    data: dict[str, Any]
    notebook_id: str | None
    created_at: float
    updated_at: float


class OwnedRecords(Protocol):
    """An assistant's records, every call scoped to the owner it names."""

    def add(
        self,
        owner: Owner,
        kind: str,
        data: Mapping[str, Any],
        *,
        notebook_id: str | None = None,
    ) -> Record:
        """A new record under a new id. InputError for a bad kind or data that is not a JSON
        object (or too large)."""
        ...

    def put(
        self,
        owner: Owner,
        kind: str,
        id: str,
        data: Mapping[str, Any],
        *,
        notebook_id: str | None = None,
    ) -> Record:
        """Create the record under this id, or replace its data and notebook (its created_at
        kept). Another owner's record under the same kind and id is never touched: the two
        are separate records."""
        ...

    def get(self, owner: Owner, kind: str, id: str) -> Record:
        """The owner's record; NotFound when unknown, or another owner's."""
        ...

    def find(
        self,
        owner: Owner,
        kind: str,
        *,
        notebook_id: str | None = None,
        limit: int | None = None,
    ) -> list[Record]:
        """The owner's records of this kind (about this notebook, when given), oldest first;
        the newest `limit` of them when given."""
        ...

    def delete(self, owner: Owner, kind: str, id: str) -> None:
        """Forget the owner's record; NotFound when unknown, or another owner's."""
        ...

    def delete_notebook(self, owner: Owner, notebook_id: str) -> int:
        """Forget every record of the owner about this notebook, any kind; how many."""
        ...

    def delete_owner(self, owner: Owner) -> int:
        """Forget every record of the owner (the account was deleted); how many."""
        ...

    def close(self) -> None: ...


def check_kind(kind: str) -> str:
    """The kind, unless it is not "<assistant>.<what>" in lower case: InputError naming it."""
    if not isinstance(kind, str) or not _KIND.match(kind):
        raise InputError(
            repr(kind), "is not a record kind ('<assistant>.<what>', e.g. 'study.quiz')"
        )
    return kind


def check_id(record_id: str) -> str:
    if not isinstance(record_id, str) or not _ID.match(record_id):
        raise InputError(
            repr(record_id), "is not a record id (1 to 128 letters, digits, '.', '_', ':', '-')"
        )
    return record_id


def encode_data(data: Mapping[str, Any]) -> str:
    """The record's JSON text; InputError unless `data` is a JSON object within the size cap."""
    if not isinstance(data, Mapping):
        raise InputError("record data", f"must be a JSON object, not {type(data).__name__}")
    try:
        text = json.dumps(dict(data), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InputError("record data", f"is not JSON: {exc}") from exc
    if len(text.encode("utf-8")) > MAX_RECORD_BYTES:
        raise InputError("record data", f"is larger than {MAX_RECORD_BYTES} bytes as JSON")
    return text


# The records table's own schema steps, versioned in assistant_schema under a name no
# assistant can take (assistant names have no dot).
RECORDS_MIGRATIONS: Migrations = (
    (
        """CREATE TABLE assistant_records (
            owner       TEXT NOT NULL,
            kind        TEXT NOT NULL,
            id          TEXT NOT NULL,
            notebook_id TEXT,
            data        TEXT NOT NULL,
            created_at  REAL NOT NULL,
            updated_at  REAL NOT NULL,
            seq         INTEGER NOT NULL,
            PRIMARY KEY (owner, kind, id)
        )""",
        "CREATE INDEX assistant_records_by_kind ON assistant_records (owner, kind, seq)",
        "CREATE INDEX assistant_records_by_notebook ON assistant_records (owner, notebook_id)",
    ),
)
RECORDS_SCHEMA_NAME = "causerie.records"


class SQLiteRecords:
    """OwnedRecords in an SQLite file, opened by the shared bootstrap (causerie.sqlite_db),
    with the records table and each assistant's own migrations applied (`migrations`:
    {assistant name: its steps}). `forget`: {assistant name: Forget}, what delete_notebook and
    delete_owner also run, in the same transaction, for the tables an assistant's migrations
    made. Thread safety: one connection guarded by one (reentrant) lock."""

    def __init__(
        self,
        path: str | Path,
        migrations: Mapping[str, Migrations] | None = None,
        forget: Mapping[str, Forget] | None = None,
    ):
        from causerie.assistants.registry import migrate
        from causerie.sqlite_db import connect

        self.path = Path(path)
        self._lock = threading.RLock()
        self._forget = dict(forget or {})
        steps = dict(migrations or {})

        def setup(conn: sqlite3.Connection, _path: Path) -> None:
            migrate(conn, RECORDS_SCHEMA_NAME, RECORDS_MIGRATIONS)
            for name, assistant_steps in steps.items():
                migrate(conn, name, assistant_steps)

        self._conn = connect(self.path, setup)

    @property
    def connection(self) -> sqlite3.Connection:
        """The raw connection (SQLite only). Prefer `transaction()` and `query()`, which take
        the lock."""
        return self._conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction on the tables an assistant's migrations made (SQLite only):
        serialised with every other use of this handle, committed or rolled back as a whole.
        Every statement names its owner, as the methods of OwnedRecords do."""
        from causerie.sqlite_db import write_transaction

        with write_transaction(self._conn, self._lock, self.path) as conn:
            yield conn

    def query(self, sql: str, params: Sequence[object] = ()) -> list[sqlite3.Row]:
        """The rows of one read on an assistant's own tables (SQLite only); StoreError naming
        the file when SQLite refuses it."""
        with self._lock:
            try:
                return self._conn.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise StoreError(f"{self.path}: {exc}") from exc

    def tables(self) -> set[str]:
        """The tables this database file holds."""
        rows = self.query("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {row[0] for row in rows}

    def add(
        self,
        owner: Owner,
        kind: str,
        data: Mapping[str, Any],
        *,
        notebook_id: str | None = None,
    ) -> Record:
        return self.put(owner, kind, uuid.uuid4().hex, data, notebook_id=notebook_id)

    def put(
        self,
        owner: Owner,
        kind: str,
        id: str,
        data: Mapping[str, Any],
        *,
        notebook_id: str | None = None,
    ) -> Record:
        check_kind(kind)
        check_id(id)
        text = encode_data(data)
        now = time.time()
        with self.transaction() as conn:
            seq = conn.execute(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM assistant_records"
                " WHERE owner = ? AND kind = ?",
                (owner.id, kind),
            ).fetchone()[0]
            conn.execute(
                "INSERT INTO assistant_records"
                " (owner, kind, id, notebook_id, data, created_at, updated_at, seq)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (owner, kind, id) DO UPDATE SET notebook_id = excluded.notebook_id,"
                " data = excluded.data, updated_at = excluded.updated_at",
                (owner.id, kind, id, notebook_id, text, now, now, seq),
            )
            row = conn.execute(
                "SELECT * FROM assistant_records WHERE owner = ? AND kind = ? AND id = ?",
                (owner.id, kind, id),
            ).fetchone()
        return _to_record(row)

    def get(self, owner: Owner, kind: str, id: str) -> Record:
        check_kind(kind)
        with self.transaction() as conn:
            row = conn.execute(
                "SELECT * FROM assistant_records WHERE owner = ? AND kind = ? AND id = ?",
                (owner.id, kind, id),
            ).fetchone()
        if row is None:
            raise NotFound(f"{kind} record {id!r} not found")
        return _to_record(row)

    def find(
        self,
        owner: Owner,
        kind: str,
        *,
        notebook_id: str | None = None,
        limit: int | None = None,
    ) -> list[Record]:
        check_kind(kind)
        if limit is not None and limit < 1:
            raise InputError("limit", f"must be at least 1, not {limit}")
        where = "owner = ? AND kind = ?"
        values: list[Any] = [owner.id, kind]
        if notebook_id is not None:
            where += " AND notebook_id = ?"
            values.append(notebook_id)
        query = f"SELECT * FROM assistant_records WHERE {where} ORDER BY seq DESC"
        if limit is not None:
            query += " LIMIT ?"
            values.append(limit)
        with self.transaction() as conn:
            rows = conn.execute(query, values).fetchall()
        return [_to_record(row) for row in reversed(rows)]

    def delete(self, owner: Owner, kind: str, id: str) -> None:
        check_kind(kind)
        with self.transaction() as conn:
            deleted = conn.execute(
                "DELETE FROM assistant_records WHERE owner = ? AND kind = ? AND id = ?",
                (owner.id, kind, id),
            ).rowcount
        if not deleted:
            raise NotFound(f"{kind} record {id!r} not found")

    def delete_notebook(self, owner: Owner, notebook_id: str) -> int:
        with self.transaction() as conn:
            count = conn.execute(
                "DELETE FROM assistant_records WHERE owner = ? AND notebook_id = ?",
                (owner.id, notebook_id),
            ).rowcount
            for forget in self._forget.values():
                forget(conn, owner.id, notebook_id)
        return int(count)

    def delete_owner(self, owner: Owner) -> int:
        with self.transaction() as conn:
            count = conn.execute(
                "DELETE FROM assistant_records WHERE owner = ?", (owner.id,)
            ).rowcount
            for forget in self._forget.values():
                forget(conn, owner.id, None)
        return int(count)

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def _to_record(row: sqlite3.Row) -> Record:
    return Record(
        owner=Owner(row["owner"]),
        kind=row["kind"],
        id=row["id"],
        data=json.loads(row["data"]),
        notebook_id=row["notebook_id"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )
