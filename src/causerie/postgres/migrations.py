"""Every PostgreSQL component's migrations in one call: what `causerie db upgrade` runs.

Each backend also migrates its own tables when it opens (as the SQLite files do), so a new
`serve` or `worker` never meets an old schema; `db upgrade` lets an operator do it ahead of a
deployment, and shows the versions.
"""

from __future__ import annotations

from causerie.postgres.db import Database


def upgrade_all(url: str) -> dict[str, int]:
    """Apply every component's pending steps; {component: version} afterwards."""
    from causerie.store.postgres.schema import COMPONENT as STORE
    from causerie.store.postgres.schema import STEPS as STORE_STEPS

    db = Database(url, max_size=1, vectors=True)
    try:
        db.migrate(STORE, STORE_STEPS)
        return db.versions()
    finally:
        db.close()
