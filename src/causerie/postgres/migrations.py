"""Every PostgreSQL component's migrations in one call: what `causerie db upgrade` runs.

Each backend also migrates its own tables when it opens (as the SQLite files do), so a new
`serve` or `worker` never meets an old schema; `db upgrade` lets an operator do it ahead of a
deployment, and shows the versions (store, jobs, accounts, records, each assistant's tables).
"""

from __future__ import annotations

from causerie.postgres.db import Database


def upgrade_all(url: str) -> dict[str, int]:
    """Apply every component's pending steps; {component: version} afterwards."""
    from causerie.backends import open_accounts, open_job_queue, open_records, open_store
    from causerie.config import load_settings

    settings = load_settings(database_url=url)
    for opener in (open_store, open_job_queue, open_accounts, open_records):
        opener(settings).close()  # each migrates its tables on open
    db = Database(url, max_size=1)
    try:
        return db.versions()
    finally:
        db.close()
