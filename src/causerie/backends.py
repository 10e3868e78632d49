"""Backends chosen by settings: the one place that opens the store and the job queue.

    store = open_store(settings)          # the Store Protocol (causerie.store.base)
    queue = open_job_queue(settings)      # the JobQueue Protocol (causerie.jobs.base)
    spool = open_spool(settings)          # where queued uploads wait
    records = open_records(settings)      # the assistants' records (their own tables)

`database_url` picks the backend: '' (default) or 'sqlite:///PATH' is one SQLite file that
holds the store, the queue and the assistants' records side by side; anything else is refused
by the settings with a ConfigError (PostgreSQL arrives with the scale-out issue).
causerie.wiring.Services calls these, so the CLI, the worker and the web server open the same
database the same way.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from causerie.assistants.registry import AppRegistry
    from causerie.config import Settings
    from causerie.jobs.base import JobQueue
    from causerie.jobs.spool import Spool
    from causerie.store.base import Store


def open_store(settings: Settings) -> Store:
    from causerie.store.sqlite import SQLiteStore

    return SQLiteStore(settings.database_path)


def open_job_queue(settings: Settings, **limits: Any) -> JobQueue:
    """The job queue; `limits` are the queue's per-owner caps (max_queued_jobs,
    max_queued_bytes, keep_per_owner, max_attempts)."""
    from causerie.jobs.sqlite import SQLiteJobQueue

    return SQLiteJobQueue(settings.database_path, **limits)


def open_spool(settings: Settings) -> Spool:
    from causerie.jobs.spool import Spool

    return Spool.in_folder(settings.home)


def open_records(settings: Settings, assistants: AppRegistry | None = None) -> sqlite3.Connection:
    """The assistants' records database: the database the settings name, opened by the shared
    bootstrap (causerie.sqlite_db), with each registered assistant's records-store migrations
    applied (versioned per assistant in `assistant_schema`, see
    causerie.assistants.registry.migrate). Every row an assistant keeps there carries its owner.
    """
    from causerie.assistants.registry import default_registry, migrate
    from causerie.sqlite_db import connect

    registry = assistants if assistants is not None else default_registry()

    def setup(conn: sqlite3.Connection, path: Any) -> None:
        for assistant in registry:
            migrate(conn, assistant.name, registry.migrations(assistant.name))

    return connect(settings.database_path, setup)
