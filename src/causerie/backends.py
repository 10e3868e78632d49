"""Backends chosen by settings: the one place that opens the store and the job queue.

    store = open_store(settings)          # the Store Protocol (causerie.store.base)
    queue = open_job_queue(settings)      # the JobQueue Protocol (causerie.jobs.base)
    spool = open_spool(settings)          # where queued uploads wait

`database_url` picks the backend: '' (default) or 'sqlite:///PATH' is one SQLite file that
holds the store and the queue side by side; anything else is refused by the settings with a
ConfigError (PostgreSQL arrives with the scale-out issue). causerie.wiring.Services calls these,
so the CLI, the worker and the web server open the same database the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
