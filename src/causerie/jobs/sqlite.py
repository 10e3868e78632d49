"""SQLiteJobQueue: the job queue in an SQLite file (by default the store's own database).

Tables (created if missing, beside the store's; `job_queue_version` records their version):

    jobs       id, owner, kind, payload JSON, size_bytes, state, progress JSON, result JSON,
               error, attempts, worker, lease_until, cancel_requested, created/started/finished
    job_turns  owner, turn: the last claim each owner got, so that owners take turns

Every change is one write transaction (BEGIN IMMEDIATE), so two workers, in threads or in
processes, never claim the same job: SQLite lets one writer at a time, and the claim reads and
updates under that lock. (The PostgreSQL queue does the same with FOR UPDATE SKIP LOCKED.)
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from causerie.errors import NotFound, StoreError
from causerie.ingest.limits import describe_size
from causerie.jobs.base import ACTIVE_STATES, FINAL_STATES, JobLimitReached, JobRecord, JobState
from causerie.sqlite_db import connect, write_transaction
from causerie.types import Owner

QUEUE_VERSION = 1
QUEUE_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id                TEXT PRIMARY KEY,
    owner             TEXT NOT NULL,
    kind              TEXT NOT NULL,
    payload           TEXT NOT NULL,
    size_bytes        INTEGER NOT NULL DEFAULT 0,
    state             TEXT NOT NULL,
    progress          TEXT NOT NULL,
    result            TEXT,
    error             TEXT,
    attempts          INTEGER NOT NULL DEFAULT 0,
    worker            TEXT,
    lease_until       REAL,
    cancel_requested  INTEGER NOT NULL DEFAULT 0,
    created_at        REAL NOT NULL,
    started_at        REAL,
    finished_at       REAL
);
CREATE INDEX IF NOT EXISTS jobs_by_owner ON jobs (owner, created_at);
CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs (state, lease_until);
CREATE TABLE IF NOT EXISTS job_turns (
    owner  TEXT PRIMARY KEY,
    turn   INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS job_queue_version (version INTEGER NOT NULL);
"""


def _create_tables(conn: sqlite3.Connection, path: Path) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        for statement in QUEUE_SCHEMA.split(";"):
            if statement.strip():
                conn.execute(statement)
        row = conn.execute("SELECT version FROM job_queue_version").fetchone()
        if row is None:
            conn.execute("INSERT INTO job_queue_version VALUES (?)", (QUEUE_VERSION,))
        elif row[0] > QUEUE_VERSION:
            raise StoreError(
                f"{path}: job queue version {row[0]} is newer than this Causerie understands"
                f" ({QUEUE_VERSION}); upgrade Causerie"
            )
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _record(row: sqlite3.Row) -> JobRecord:
    return JobRecord(
        id=row["id"],
        owner=Owner(row["owner"]),
        kind=row["kind"],
        payload=json.loads(row["payload"]),
        state=row["state"],
        progress=json.loads(row["progress"]),
        result=json.loads(row["result"]) if row["result"] is not None else None,
        error=row["error"],
        attempts=row["attempts"],
        worker=row["worker"],
        lease_until=row["lease_until"],
        cancel_requested=bool(row["cancel_requested"]),
        size_bytes=row["size_bytes"],
        created_at=row["created_at"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
    )


class SQLiteJobQueue:
    """The JobQueue Protocol over one SQLite file.

    max_queued_jobs / max_queued_bytes: what one owner may have queued or running at once;
    keep_per_owner: finished jobs kept per owner (older ones are deleted on submit);
    max_attempts: claims of one job before it is failed (a job that kills its worker every
    time must not loop for ever)."""

    def __init__(
        self,
        path: str | Path,
        *,
        max_queued_jobs: int = 5,
        max_queued_bytes: int = 200 * 1024 * 1024,
        keep_per_owner: int = 50,
        max_attempts: int = 3,
    ) -> None:
        self.path = Path(path)
        self.max_queued_jobs = max_queued_jobs
        self.max_queued_bytes = max_queued_bytes
        self.keep_per_owner = keep_per_owner
        self.max_attempts = max_attempts
        self._lock = threading.RLock()
        self._conn = connect(self.path, _create_tables)

    # ----------------------------------------------------------------- transactions

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                yield self._conn
            except sqlite3.Error as exc:
                raise StoreError(f"{self.path}: {exc}") from exc

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        with write_transaction(self._conn, self._lock, self.path) as conn:
            yield conn

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # ----------------------------------------------------------------- submitting

    def submit(
        self,
        owner: Owner,
        kind: str,
        payload: dict[str, Any],
        *,
        size_bytes: int = 0,
        progress: dict[str, Any] | None = None,
        job_id: str | None = None,
    ) -> JobRecord:
        job_id = job_id or uuid.uuid4().hex
        now = time.time()
        with self._writing() as conn:
            self._check(conn, owner, size_bytes)
            conn.execute(
                "INSERT INTO jobs (id, owner, kind, payload, size_bytes, state, progress,"
                " created_at) VALUES (?, ?, ?, ?, ?, 'queued', ?, ?)",
                (job_id, owner.id, kind, json.dumps(payload), size_bytes,
                 json.dumps(progress or {}), now),
            )  # fmt: skip
            self._forget_old(conn, owner)
            row = conn.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return _record(row)

    def check_limits(self, owner: Owner, size_bytes: int) -> None:
        with self._reading() as conn:
            self._check(conn, owner, size_bytes)

    def _check(self, conn: sqlite3.Connection, owner: Owner, size_bytes: int) -> None:
        count, queued = conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(size_bytes), 0) FROM jobs"
            " WHERE owner = ? AND state IN ('queued', 'running')",
            (owner.id,),
        ).fetchone()
        if count >= self.max_queued_jobs:
            raise JobLimitReached(f"{count} jobs are already waiting or running")
        if queued + size_bytes > self.max_queued_bytes:
            raise JobLimitReached(
                f"{describe_size(queued)} of uploads are already waiting; this one would pass"
                f" the limit of {describe_size(self.max_queued_bytes)}"
            )

    def _forget_old(self, conn: sqlite3.Connection, owner: Owner) -> None:
        conn.execute(
            "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE owner = ?"
            " AND state IN ('done', 'failed', 'cancelled')"
            " ORDER BY created_at DESC, rowid DESC LIMIT -1 OFFSET ?)",
            (owner.id, self.keep_per_owner),
        )

    # ----------------------------------------------------------------- the worker's side

    def claim(
        self, worker: str, lease_s: float, kinds: tuple[str, ...] | None = None
    ) -> JobRecord | None:
        now = time.time()
        kind_filter, kind_args = "", cast(tuple[str, ...], ())
        if kinds is not None:
            if not kinds:
                return None
            kind_filter = f" AND kind IN ({', '.join('?' * len(kinds))})"
            kind_args = tuple(kinds)
        waiting = "(state = 'queued' OR (state = 'running' AND lease_until < ?))" + kind_filter
        with self._reading() as conn:  # idle workers poll: look before taking the write lock
            if conn.execute(f"SELECT 1 FROM jobs WHERE {waiting} LIMIT 1",
                            (now, *kind_args)).fetchone() is None:  # fmt: skip
                return None
        with self._writing() as conn:
            self._end_abandoned(conn, now)
            row = conn.execute(
                "SELECT j.owner FROM jobs j LEFT JOIN job_turns t ON t.owner = j.owner"
                f" WHERE {waiting} GROUP BY j.owner"
                " ORDER BY COALESCE(MAX(t.turn), 0), MIN(j.created_at) LIMIT 1",
                (now, *kind_args),
            ).fetchone()
            if row is None:
                return None
            owner_id = row[0]
            job = conn.execute(
                f"SELECT id FROM jobs WHERE owner = ? AND {waiting}"
                " ORDER BY created_at, rowid LIMIT 1",
                (owner_id, now, *kind_args),
            ).fetchone()
            conn.execute(
                "UPDATE jobs SET state = 'running', worker = ?, lease_until = ?,"
                " attempts = attempts + 1, started_at = COALESCE(started_at, ?) WHERE id = ?",
                (worker, now + lease_s, now, job[0]),
            )
            conn.execute(
                "INSERT INTO job_turns (owner, turn)"
                " VALUES (?, (SELECT COALESCE(MAX(turn), 0) + 1 FROM job_turns))"
                " ON CONFLICT (owner) DO UPDATE SET turn = excluded.turn",
                (owner_id,),
            )
            claimed = conn.execute("SELECT * FROM jobs WHERE id = ?", (job[0],)).fetchone()
        return _record(claimed)

    def _end_abandoned(self, conn: sqlite3.Connection, now: float) -> None:
        """Expired leases of jobs that must not run again: cancelled ones, and those already
        claimed max_attempts times (their worker died each time)."""
        conn.execute(
            "UPDATE jobs SET state = 'cancelled', finished_at = ?, worker = NULL,"
            " error = 'cancelled' WHERE state = 'running' AND lease_until < ?"
            " AND cancel_requested = 1",
            (now, now),
        )
        conn.execute(
            "UPDATE jobs SET state = 'failed', finished_at = ?, worker = NULL,"
            " error = 'its worker stopped ' || attempts || ' times while running it'"
            " WHERE state = 'running' AND lease_until < ? AND attempts >= ?",
            (now, now, self.max_attempts),
        )

    def _held(self, conn: sqlite3.Connection, job_id: str, worker: str) -> sqlite3.Row:
        from causerie.jobs.base import LeaseLost

        row: sqlite3.Row | None = conn.execute(
            "SELECT * FROM jobs WHERE id = ? AND worker = ? AND state = 'running'",
            (job_id, worker),
        ).fetchone()
        if row is None:
            raise LeaseLost(f"job {job_id} is no longer held by worker {worker}")
        return row

    def heartbeat(self, job_id: str, worker: str, lease_s: float) -> bool:
        with self._writing() as conn:
            row = self._held(conn, job_id, worker)
            conn.execute(
                "UPDATE jobs SET lease_until = ? WHERE id = ?", (time.time() + lease_s, job_id)
            )
        return not row["cancel_requested"]

    def progress(self, job_id: str, worker: str, progress: dict[str, Any]) -> bool:
        with self._writing() as conn:
            row = self._held(conn, job_id, worker)
            conn.execute(
                "UPDATE jobs SET progress = ? WHERE id = ?", (json.dumps(progress), job_id)
            )
        return not row["cancel_requested"]

    def finish(
        self,
        job_id: str,
        worker: str,
        *,
        state: JobState = "done",
        result: dict[str, Any] | None = None,
        error: str | None = None,
    ) -> JobRecord:
        if state not in FINAL_STATES:
            raise ValueError(f"a job finishes as one of {FINAL_STATES}, not {state!r}")
        with self._writing() as conn:
            self._held(conn, job_id, worker)
            conn.execute(
                "UPDATE jobs SET state = ?, result = ?, error = ?, finished_at = ?,"
                " worker = NULL, lease_until = NULL WHERE id = ?",
                (state, json.dumps(result) if result is not None else None, error,
                 time.time(), job_id),
            )  # fmt: skip
            row = conn.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return _record(row)

    def states(self, job_ids: list[str]) -> dict[str, JobState]:
        found: dict[str, JobState] = {}
        with self._reading() as conn:
            for start in range(0, len(job_ids), 500):
                batch = job_ids[start : start + 500]
                rows = conn.execute(
                    f"SELECT id, state FROM jobs WHERE id IN ({', '.join('?' * len(batch))})",
                    batch,
                ).fetchall()
                found.update({row[0]: row[1] for row in rows})
        return found

    def running_workers(self) -> set[str]:
        with self._reading() as conn:
            rows = conn.execute(
                "SELECT DISTINCT worker FROM jobs WHERE state = 'running' AND worker IS NOT NULL"
            ).fetchall()
        return {row[0] for row in rows}

    def expire_worker(self, worker: str) -> int:
        with self._writing() as conn:
            cursor = conn.execute(
                "UPDATE jobs SET lease_until = 0 WHERE state = 'running' AND worker = ?",
                (worker,),
            )
            return cursor.rowcount

    # ----------------------------------------------------------------- the owner's side

    def cancel(self, owner: Owner, job_id: str) -> JobRecord:
        with self._writing() as conn:
            row = self._owned(conn, owner, job_id)
            if row["state"] == "queued":
                conn.execute(
                    "UPDATE jobs SET state = 'cancelled', error = 'cancelled', finished_at = ?,"
                    " cancel_requested = 1 WHERE id = ?",
                    (time.time(), job_id),
                )
            elif row["state"] == "running":
                conn.execute("UPDATE jobs SET cancel_requested = 1 WHERE id = ?", (job_id,))
            row = conn.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return _record(row)

    def get(self, owner: Owner, job_id: str) -> JobRecord:
        with self._reading() as conn:
            return _record(self._owned(conn, owner, job_id))

    @staticmethod
    def _owned(conn: sqlite3.Connection, owner: Owner, job_id: str) -> sqlite3.Row:
        row: sqlite3.Row | None = conn.execute(
            "SELECT * FROM jobs WHERE id = ? AND owner = ?", (job_id, owner.id)
        ).fetchone()
        if row is None:
            raise NotFound(f"job {job_id!r} not found")
        return row

    def list_jobs(self, owner: Owner, kinds: tuple[str, ...] | None = None) -> list[JobRecord]:
        query, args = "SELECT * FROM jobs WHERE owner = ?", [owner.id]
        if kinds is not None:
            query += f" AND kind IN ({', '.join('?' * len(kinds))})"
            args.extend(kinds)
        with self._reading() as conn:
            rows = conn.execute(query + " ORDER BY created_at, rowid", args).fetchall()
        return [_record(row) for row in rows]

    def __repr__(self) -> str:
        return f"SQLiteJobQueue({str(self.path)!r})"


__all__ = ["ACTIVE_STATES", "SQLiteJobQueue"]
