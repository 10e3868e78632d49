"""Durable jobs: a queue in the database, workers that claim jobs with a lease, job kinds.

    from causerie.jobs import SQLiteJobQueue, Worker, register_kind

See causerie.jobs.base (the Protocol), .sqlite (the SQLite queue), .worker, .kinds,
.ingestion (Causerie's own kinds) and .spool (where uploaded bytes wait).
"""

from causerie.jobs.base import JobLimitReached, JobQueue, JobRecord, JobState, LeaseLost
from causerie.jobs.kinds import JobKind, get_kind, kind_names, register_kind
from causerie.jobs.spool import Spool
from causerie.jobs.sqlite import SQLiteJobQueue
from causerie.jobs.worker import JobCancelled, JobContext, Worker, WorkerStopping

__all__ = [
    "JobCancelled",
    "JobContext",
    "JobKind",
    "JobLimitReached",
    "JobQueue",
    "JobRecord",
    "JobState",
    "LeaseLost",
    "SQLiteJobQueue",
    "Spool",
    "Worker",
    "WorkerStopping",
    "get_kind",
    "kind_names",
    "register_kind",
]
