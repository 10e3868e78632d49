"""One PostgreSQL bootstrap for every backend (store, job queue, accounts, records):

    db = Database(url)                        # a psycopg pool, pgvector types registered
    db.migrate("causerie.store", STEPS)       # the versions not applied yet, each in one go
    with db.transaction() as conn:            # committed on exit, rolled back on an error
        conn.execute("SELECT ... WHERE owner = %s", (owner_id,)).fetchall()   # dict rows

Migrations are versioned per component in `schema_versions` (component, version): a step is a
list of SQL statements, applied with the steps before it under an advisory lock, so several
processes starting at once (two `serve`, three `worker`) migrate once. A database written by a
newer Causerie (a version beyond the steps) is refused. Database errors raise StoreError naming
the server (the URL without its password).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from causerie.errors import ConfigError, StoreError

if TYPE_CHECKING:
    import psycopg
    from psycopg_pool import ConnectionPool

POSTGRES_SCHEMES = ("postgresql://", "postgres://")
_MIGRATION_LOCK = 7_345_112  # the advisory lock every Causerie migration takes

Steps = Sequence[Sequence[str]]
"""A component's schema steps: step i (from 1) is a list of SQL statements."""


def is_postgres_url(url: str) -> bool:
    return url.strip().startswith(POSTGRES_SCHEMES)


def shown_url(url: str) -> str:
    """The URL without its password, for messages."""
    return re.sub(r"(//[^:/@]*:)[^@/]*@", r"\1***@", url)


def require_psycopg() -> None:
    """ConfigError with the install hint unless the postgres extra is installed."""
    try:
        import pgvector.psycopg  # noqa: F401
        import psycopg  # noqa: F401
        import psycopg_pool  # noqa: F401
    except ImportError as exc:
        raise ConfigError(
            f"a PostgreSQL database_url needs the '{exc.name}' package; install it with:"
            " pip install 'causerie[postgres]'"
        ) from None


class Database:
    """A pool of connections to one PostgreSQL database. `max_size`: connections at most (each
    backend of a process has its own pool; PostgreSQL's default allows 100 in all)."""

    def __init__(self, url: str, *, max_size: int = 4, vectors: bool = False) -> None:
        require_psycopg()
        from psycopg.rows import dict_row
        from psycopg_pool import ConnectionPool

        self.url = url
        self.name = shown_url(url)
        self._lock = threading.Lock()
        if vectors:
            self._create_vector_extension()

        def configure(conn: psycopg.Connection[Any]) -> None:
            if vectors:
                from pgvector.psycopg import register_vector

                register_vector(conn)
            conn.commit()

        try:
            self.pool: ConnectionPool[psycopg.Connection[dict[str, Any]]] = ConnectionPool(
                url,
                min_size=1,
                max_size=max_size,
                kwargs={"row_factory": dict_row},
                configure=configure,
                open=False,
            )
            self.pool.open(wait=True, timeout=15)
        except Exception as exc:  # PoolTimeout, OperationalError, a bad URL
            raise StoreError(f"{self.name}: cannot connect to PostgreSQL ({exc})") from exc

    def _create_vector_extension(self) -> None:
        import psycopg

        try:
            with psycopg.connect(self.url, autocommit=True) as conn:
                conn.execute("SELECT pg_advisory_lock(%s)", (_MIGRATION_LOCK,))
                try:
                    conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
                finally:
                    conn.execute("SELECT pg_advisory_unlock(%s)", (_MIGRATION_LOCK,))
        except psycopg.errors.InsufficientPrivilege as exc:
            raise StoreError(
                f"{self.name}: the pgvector extension is missing and this user may not create"
                " it; ask the database's owner to run CREATE EXTENSION vector"
            ) from exc
        except psycopg.Error as exc:
            raise StoreError(f"{self.name}: cannot connect to PostgreSQL ({exc})") from exc

    @contextmanager
    def transaction(self) -> Iterator[psycopg.Connection[dict[str, Any]]]:
        """A pooled connection in one transaction: committed when the block ends, rolled back
        when it raises. Database errors raise StoreError naming the server."""
        import psycopg

        try:
            with self.pool.connection() as conn:
                yield conn
        except psycopg.Error as exc:
            raise StoreError(f"{self.name}: {exc}") from exc

    def migrate(self, component: str, steps: Steps) -> int:
        """Apply the component's steps not applied yet, in one transaction under the migration
        lock; the version now. StoreError when the database is newer than the steps."""
        with self.transaction() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_versions"
                " (component TEXT PRIMARY KEY, version INTEGER NOT NULL)"
            )
            row = conn.execute(
                "SELECT version FROM schema_versions WHERE component = %s", (component,)
            ).fetchone()
            version = int(row["version"]) if row else 0
            if version > len(steps):
                raise StoreError(
                    f"{self.name}: {component} schema version {version} is newer than this"
                    f" Causerie understands ({len(steps)}); upgrade Causerie"
                )
            for number in range(version + 1, len(steps) + 1):
                for statement in steps[number - 1]:
                    conn.execute(statement)
            if len(steps) != version:
                conn.execute(
                    "INSERT INTO schema_versions (component, version) VALUES (%s, %s)"
                    " ON CONFLICT (component) DO UPDATE SET version = excluded.version",
                    (component, len(steps)),
                )
        return len(steps)

    def versions(self) -> dict[str, int]:
        """{component: schema version} of what this database holds."""
        with self.transaction() as conn:
            exists = conn.execute("SELECT to_regclass('schema_versions') AS t").fetchone()
            if exists is None or exists["t"] is None:
                return {}
            rows = conn.execute("SELECT component, version FROM schema_versions").fetchall()
        return {row["component"]: int(row["version"]) for row in rows}

    def close(self) -> None:
        self.pool.close()
