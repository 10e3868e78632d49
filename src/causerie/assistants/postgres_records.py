"""PostgresRecords: the assistants' owned records (causerie.assistants.records.OwnedRecords) in
PostgreSQL, beside the store's tables, with each assistant's own tables.

An assistant that keeps its own tables (study) gives their PostgreSQL form as
`postgres_migrations` (causerie.assistants.registry.Assistant); its code keeps working unchanged
through `transaction()` and `query()`, which take the same SQL as on SQLite (`?` placeholders,
rows readable by column name or position), so one assistant module serves both backends. Such
SQL must be portable: `INSERT ... ON CONFLICT DO NOTHING`, no `rowid` unless the table declares
one, no `sqlite_master` (use `tables()`). An assistant with SQLite tables and no PostgreSQL form
is refused with a clear error, not half-served.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from causerie.assistants.records import Forget, Record, check_id, check_kind, encode_data
from causerie.errors import ConfigError, InputError, NotFound
from causerie.postgres.db import Database, Steps
from causerie.types import Owner

if TYPE_CHECKING:
    from causerie.assistants.registry import Migrations

RECORDS_COMPONENT = "causerie.records"
RECORDS_STEPS: Steps = (
    (
        """CREATE TABLE assistant_records (
            owner       TEXT NOT NULL,
            kind        TEXT NOT NULL,
            id          TEXT NOT NULL,
            notebook_id TEXT,
            data        TEXT NOT NULL,
            created_at  DOUBLE PRECISION NOT NULL,
            updated_at  DOUBLE PRECISION NOT NULL,
            seq         BIGINT GENERATED ALWAYS AS IDENTITY,
            PRIMARY KEY (owner, kind, id)
        )""",
        "CREATE INDEX assistant_records_by_kind ON assistant_records (owner, kind, seq)",
        "CREATE INDEX assistant_records_by_notebook ON assistant_records (owner, notebook_id)",
    ),
)
_PLACEHOLDER = re.compile(r"\?")


class Row(dict[str, Any]):
    """A row readable by column name and by position, as sqlite3.Row is."""

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, int):
            return list(self.values())[key]
        return super().__getitem__(key)


def _row_factory(cursor: Any) -> Any:
    names = [column.name for column in cursor.description or ()]

    def make(values: Sequence[Any]) -> Row:
        return Row(zip(names, values, strict=True))

    return make


def portable(sql: str) -> str:
    """SQLite-style SQL for psycopg: `?` placeholders become `%s` (a literal % is doubled).
    Our assistants' SQL never holds a `?` inside a string literal."""
    return _PLACEHOLDER.sub("%s", sql.replace("%", "%%"))


class PortableConnection:
    """A psycopg connection that takes `?` placeholders and gives Rows (see the module)."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Sequence[object] = ()) -> Any:
        cursor = self._conn.cursor(row_factory=_row_factory)
        return cursor.execute(portable(sql), tuple(params))


class PostgresRecords:
    """OwnedRecords on PostgreSQL. `migrations`: {assistant: its PostgreSQL steps}; `forget`:
    {assistant: Forget}, run in the delete transactions as on SQLite."""

    def __init__(
        self,
        url: str,
        migrations: Mapping[str, Migrations] | None = None,
        forget: Mapping[str, Forget] | None = None,
        *,
        pool_size: int = 4,
    ) -> None:
        self.db = Database(url, max_size=pool_size)
        self.path = self.db.name  # what errors name (SQLiteRecords names its file)
        self._forget = dict(forget or {})
        self.db.migrate(RECORDS_COMPONENT, RECORDS_STEPS)
        for name, steps in (migrations or {}).items():
            self.db.migrate(f"assistant.{name}", steps)

    @contextmanager
    def transaction(self) -> Iterator[PortableConnection]:
        """One transaction on an assistant's own tables (SQLite-style SQL, see the module)."""
        with self.db.transaction() as conn:
            yield PortableConnection(conn)

    def query(self, sql: str, params: Sequence[object] = ()) -> list[Any]:
        """The rows of one read on an assistant's own tables."""
        with self.transaction() as conn:
            return list(conn.execute(sql, params).fetchall())

    def tables(self) -> set[str]:
        """The tables this database holds (in the schemas on the search path)."""
        with self.db.transaction() as conn:
            rows = conn.execute(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = ANY(current_schemas(false))"
            ).fetchall()
        return {row["table_name"] for row in rows}

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
        with self.db.transaction() as conn:
            row = conn.execute(
                "INSERT INTO assistant_records"
                " (owner, kind, id, notebook_id, data, created_at, updated_at)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (owner, kind, id) DO UPDATE SET notebook_id = excluded.notebook_id,"
                " data = excluded.data, updated_at = excluded.updated_at RETURNING *",
                (owner.id, kind, id, notebook_id, text, now, now),
            ).fetchone()
        assert row is not None  # RETURNING gives the row, inserted or updated
        return _to_record(row)

    def get(self, owner: Owner, kind: str, id: str) -> Record:
        check_kind(kind)
        with self.db.transaction() as conn:
            row = conn.execute(
                "SELECT * FROM assistant_records WHERE owner = %s AND kind = %s AND id = %s",
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
        where = "owner = %s AND kind = %s"
        values: list[Any] = [owner.id, kind]
        if notebook_id is not None:
            where += " AND notebook_id = %s"
            values.append(notebook_id)
        query = f"SELECT * FROM assistant_records WHERE {where} ORDER BY seq DESC"
        if limit is not None:
            query += " LIMIT %s"
            values.append(limit)
        with self.db.transaction() as conn:
            rows = conn.execute(query, values).fetchall()
        return [_to_record(row) for row in reversed(rows)]

    def delete(self, owner: Owner, kind: str, id: str) -> None:
        check_kind(kind)
        with self.db.transaction() as conn:
            deleted = conn.execute(
                "DELETE FROM assistant_records WHERE owner = %s AND kind = %s AND id = %s",
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
                forget(conn, owner.id, notebook_id)  # type: ignore[arg-type]
        return int(count)

    def delete_owner(self, owner: Owner) -> int:
        with self.transaction() as conn:
            count = conn.execute(
                "DELETE FROM assistant_records WHERE owner = ?", (owner.id,)
            ).rowcount
            for forget in self._forget.values():
                forget(conn, owner.id, None)  # type: ignore[arg-type]
        return int(count)

    def close(self) -> None:
        self.db.close()


def _to_record(row: Mapping[str, Any]) -> Record:
    return Record(
        owner=Owner(row["owner"]),
        kind=row["kind"],
        id=row["id"],
        data=json.loads(row["data"]),
        notebook_id=row["notebook_id"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def missing_postgres_form(name: str) -> ConfigError:
    return ConfigError(
        f"assistant {name!r} keeps tables of its own and gives no PostgreSQL form of them"
        " (`postgres_migrations`); it cannot run on a PostgreSQL database_url"
    )
