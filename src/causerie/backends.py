"""Backends chosen by settings: the one place that opens the store, the job queue, the
accounts and the assistants' records.

    store = open_store(settings)          # the Store Protocol (causerie.store.base)
    queue = open_job_queue(settings)      # the JobQueue Protocol (causerie.jobs.base)
    spool = open_spool(settings)          # where queued uploads wait
    accounts = open_accounts(settings)    # the AccountStore Protocol (causerie.accounts.base)
    records = open_records(settings)      # the OwnedRecords Protocol (causerie.assistants.records)

`database_url` picks the backend: '' (default) or 'sqlite:///PATH' is one SQLite file that
holds the store, the queue and the assistants' records side by side; the accounts are then the
exception: credentials stay in a file of their own, `$CAUSERIE_HOME/accounts.sqlite3`
(causerie.accounts.store says why). 'postgresql://...' puts all of them, accounts included, in
that PostgreSQL database (each with its own pool and versioned migrations, applied on open and
by `causerie db upgrade`), so any number of `serve` and `worker` processes on any machines
share one data set; anything else is refused by the settings with a ConfigError.
causerie.wiring.Services, the web app and the CLI call these, so the CLI, the worker and the
web server open the same databases the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from causerie.accounts.base import AccountStore
    from causerie.assistants.postgres_records import PostgresRecords
    from causerie.assistants.records import SQLiteRecords
    from causerie.assistants.registry import AppRegistry
    from causerie.config import Settings
    from causerie.jobs.base import JobQueue
    from causerie.jobs.spool import Spool
    from causerie.store.base import Store


def open_store(settings: Settings) -> Store:
    if settings.uses_postgres:
        from causerie.store.postgres import PostgresStore

        return PostgresStore(settings.database_url)
    from causerie.store.sqlite import SQLiteStore

    return SQLiteStore(settings.database_path)


def open_job_queue(settings: Settings, **limits: Any) -> JobQueue:
    """The job queue; `limits` are the queue's per-owner caps (max_queued_jobs,
    max_queued_bytes, keep_per_owner, max_attempts)."""
    if settings.uses_postgres:
        from causerie.jobs.postgres import PostgresJobQueue

        return PostgresJobQueue(settings.database_url, **limits)
    from causerie.jobs.sqlite import SQLiteJobQueue

    return SQLiteJobQueue(settings.database_path, **limits)


def open_spool(settings: Settings) -> Spool:
    from causerie.jobs.spool import Spool

    return Spool.in_folder(settings.home)


def open_accounts(settings: Settings) -> AccountStore:
    """The accounts of the web server and the API (users, tokens, sessions)."""
    if settings.uses_postgres:
        from causerie.accounts.postgres import PostgresAccountStore

        return PostgresAccountStore(settings.database_url)
    from causerie.accounts.store import SQLiteAccountStore

    return SQLiteAccountStore.in_folder(settings.home)


def open_records(
    settings: Settings, assistants: AppRegistry | None = None
) -> SQLiteRecords | PostgresRecords:
    """The assistants' owned records (causerie.assistants.records.OwnedRecords) in the database
    the settings name, opened by the shared bootstrap (causerie.sqlite_db), with the records
    table and each registered assistant's own migrations applied (versioned per assistant in
    `assistant_schema`, see causerie.assistants.registry.migrate). Every record carries its
    owner, and every read and write names it. Its delete_notebook and delete_owner also run
    each assistant's `forget` on the tables it made (study's quizzes, cards, reviews).
    """
    from causerie.assistants.records import SQLiteRecords
    from causerie.assistants.registry import default_registry

    registry = assistants if assistants is not None else default_registry()
    if settings.uses_postgres:
        from causerie.assistants.postgres_records import PostgresRecords

        forms = {
            assistant.name: registry.postgres_migrations(assistant.name) for assistant in registry
        }
        return PostgresRecords(settings.database_url, forms, registry.forgetters())
    steps = {assistant.name: registry.migrations(assistant.name) for assistant in registry}
    return SQLiteRecords(settings.database_path, steps, registry.forgetters())
