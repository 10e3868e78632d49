"""The Store on PostgreSQL + pgvector (`pip install 'causerie[postgres]'`)."""

from causerie.store.postgres.store import PostgresStore

__all__ = ["PostgresStore"]
