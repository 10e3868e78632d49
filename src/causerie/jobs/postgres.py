"""PostgresJobQueue: the job queue in PostgreSQL, for workers on many machines.

Tables (versioned steps, causerie.postgres.db):

    jobs       id, seq, owner, kind, payload, size_bytes, state, progress, result, error,
               attempts, worker, lease_until, cancel_requested, created/started/finished
    job_turns  owner, turn: the last claim each owner got, so that owners take turns

A claim is one short transaction: `SELECT ... FOR UPDATE OF j SKIP LOCKED` picks the waiting job
of the owner whose last turn is oldest (a running job whose lease ran out counts as waiting),
and marks it running under a lease. Two workers never take the same job (the row lock), and
neither waits for the other (SKIP LOCKED). Leases and timestamps come from the database's
clock, so workers on machines whose clocks disagree still agree on who holds a job.

Why not procrastinate or pgqueuer: both are good PostgreSQL queues, but each brings its own
schema, worker loop and (pgqueuer) asyncio runtime, while this Protocol needs per-owner turns,
per-owner caps, progress, cancel-while-running and lease loss seen by the worker; that is one
SKIP LOCKED claim plus plain UPDATEs, measured in bench/results/scale.md.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from causerie.errors import NotFound
from causerie.ingest.limits import describe_size
from causerie.jobs.base import FINAL_STATES, JobLimitReached, JobRecord, JobState, LeaseLost
from causerie.postgres.db import Database, Steps
from causerie.types import Owner

COMPONENT = "causerie.jobs"
NOW = "extract(epoch FROM clock_timestamp())::float8"

STEPS: Steps = (
    (
        """CREATE TABLE jobs (
            id                TEXT PRIMARY KEY,
            seq               BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
            owner             TEXT NOT NULL,
            kind              TEXT NOT NULL,
            payload           JSONB NOT NULL,
            size_bytes        BIGINT NOT NULL DEFAULT 0,
            state             TEXT NOT NULL,
            progress          JSONB NOT NULL,
            result            JSONB,
            error             TEXT,
            attempts          INTEGER NOT NULL DEFAULT 0,
            worker            TEXT,
            lease_until       DOUBLE PRECISION,
            cancel_requested  BOOLEAN NOT NULL DEFAULT false,
            created_at        DOUBLE PRECISION NOT NULL,
            started_at        DOUBLE PRECISION,
            finished_at       DOUBLE PRECISION
        )""",
        "CREATE INDEX jobs_by_owner ON jobs (owner, created_at)",
        "CREATE INDEX jobs_waiting ON jobs (created_at) WHERE state IN ('queued', 'running')",
        "CREATE TABLE job_turns (owner TEXT PRIMARY KEY, turn BIGINT NOT NULL)",
        "CREATE SEQUENCE job_turn_seq",
    ),
)

Conn = Any  # psycopg.Connection[dict[str, Any]]


def _record(row: dict[str, Any]) -> JobRecord:
    return JobRecord(
        id=row["id"],
        owner=Owner(row["owner"]),
        kind=row["kind"],
        payload=row["payload"],
        state=row["state"],
        progress=row["progress"],
        result=row["result"],
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


class PostgresJobQueue:
    """The JobQueue Protocol on PostgreSQL; the limits as in SQLiteJobQueue."""

    def __init__(
        self,
        url: str,
        *,
        max_queued_jobs: int = 5,
        max_queued_bytes: int = 200 * 1024 * 1024,
        keep_per_owner: int = 50,
        max_attempts: int = 3,
        pool_size: int = 4,
    ) -> None:
        self.max_queued_jobs = max_queued_jobs
        self.max_queued_bytes = max_queued_bytes
        self.keep_per_owner = keep_per_owner
        self.max_attempts = max_attempts
        self.db = Database(url, max_size=pool_size)
        self.db.migrate(COMPONENT, STEPS)

    @contextmanager
    def _transaction(self) -> Iterator[Conn]:
        with self.db.transaction() as conn:
            yield conn

    def close(self) -> None:
        self.db.close()

    def __repr__(self) -> str:
        return f"PostgresJobQueue({self.db.name!r})"

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
        from psycopg.types.json import Jsonb

        job_id = job_id or uuid.uuid4().hex
        with self._transaction() as conn:
            # one submit per owner at a time, so two cannot both pass the caps
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (owner.id,))
            self._check(conn, owner, size_bytes)
            row = conn.execute(
                "INSERT INTO jobs (id, owner, kind, payload, size_bytes, state, progress,"
                f" created_at) VALUES (%s, %s, %s, %s, %s, 'queued', %s, {NOW}) RETURNING *",
                (job_id, owner.id, kind, Jsonb(payload), size_bytes, Jsonb(progress or {})),
            ).fetchone()
            self._forget_old(conn, owner)
        return _record(row)

    def check_limits(self, owner: Owner, size_bytes: int) -> None:
        with self._transaction() as conn:
            self._check(conn, owner, size_bytes)

    def _check(self, conn: Conn, owner: Owner, size_bytes: int) -> None:
        row = conn.execute(
            "SELECT count(*) AS n, coalesce(sum(size_bytes), 0) AS bytes FROM jobs"
            " WHERE owner = %s AND state IN ('queued', 'running')",
            (owner.id,),
        ).fetchone()
        count, queued = int(row["n"]), int(row["bytes"])
        if count >= self.max_queued_jobs:
            raise JobLimitReached(f"{count} jobs are already waiting or running")
        if queued + size_bytes > self.max_queued_bytes:
            raise JobLimitReached(
                f"{describe_size(queued)} of uploads are already waiting; this one would pass"
                f" the limit of {describe_size(self.max_queued_bytes)}"
            )

    def _forget_old(self, conn: Conn, owner: Owner) -> None:
        conn.execute(
            "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE owner = %s"
            " AND state IN ('done', 'failed', 'cancelled')"
            " ORDER BY created_at DESC, seq DESC OFFSET %s)",
            (owner.id, self.keep_per_owner),
        )

    # ----------------------------------------------------------------- the worker's side

    def claim(
        self, worker: str, lease_s: float, kinds: tuple[str, ...] | None = None
    ) -> JobRecord | None:
        if kinds is not None and not kinds:
            return None
        kind_filter = "" if kinds is None else " AND j.kind = ANY(%(kinds)s)"
        waiting = (
            f"(j.state = 'queued' OR (j.state = 'running' AND j.lease_until < {NOW})){kind_filter}"
        )
        args = {"kinds": list(kinds or ()), "worker": worker, "lease": float(lease_s)}
        with self._transaction() as conn:
            self._end_abandoned(conn)
            picked = conn.execute(
                "SELECT j.id, j.owner FROM jobs j LEFT JOIN job_turns t ON t.owner = j.owner"
                f" WHERE {waiting} ORDER BY coalesce(t.turn, 0), j.created_at, j.seq"
                " LIMIT 1 FOR UPDATE OF j SKIP LOCKED",
                args,
            ).fetchone()
            if picked is None:
                return None
            claimed = conn.execute(
                f"UPDATE jobs SET state = 'running', worker = %(worker)s,"
                f" lease_until = {NOW} + %(lease)s, attempts = attempts + 1,"
                f" started_at = coalesce(started_at, {NOW}) WHERE id = %(id)s RETURNING *",
                {**args, "id": picked["id"]},
            ).fetchone()
            conn.execute(
                "INSERT INTO job_turns (owner, turn) VALUES (%s, nextval('job_turn_seq'))"
                " ON CONFLICT (owner) DO UPDATE SET turn = excluded.turn",
                (picked["owner"],),
            )
        return _record(claimed)

    def _end_abandoned(self, conn: Conn) -> None:
        """Expired leases of jobs that must not run again: cancelled ones, and those already
        claimed max_attempts times (their worker died each time). Rows another transaction
        holds are left for the next claim."""
        conn.execute(
            f"UPDATE jobs SET state = CASE WHEN cancel_requested THEN 'cancelled' ELSE 'failed'"
            f" END, finished_at = {NOW}, worker = NULL, error = CASE WHEN cancel_requested"
            " THEN 'cancelled' ELSE 'its worker stopped ' || attempts || ' times while running"
            " it' END WHERE id IN (SELECT id FROM jobs WHERE state = 'running'"
            f" AND lease_until < {NOW} AND (cancel_requested OR attempts >= %s)"
            " FOR UPDATE SKIP LOCKED)",
            (self.max_attempts,),
        )

    @staticmethod
    def _held(conn: Conn, job_id: str, worker: str) -> dict[str, Any]:
        row: dict[str, Any] | None = conn.execute(
            "SELECT * FROM jobs WHERE id = %s AND worker = %s AND state = 'running' FOR UPDATE",
            (job_id, worker),
        ).fetchone()
        if row is None:
            raise LeaseLost(f"job {job_id} is no longer held by worker {worker}")
        return row

    def heartbeat(self, job_id: str, worker: str, lease_s: float) -> bool:
        with self._transaction() as conn:
            row = self._held(conn, job_id, worker)
            conn.execute(
                f"UPDATE jobs SET lease_until = {NOW} + %s WHERE id = %s", (float(lease_s), job_id)
            )
        return not row["cancel_requested"]

    def progress(self, job_id: str, worker: str, progress: dict[str, Any]) -> bool:
        from psycopg.types.json import Jsonb

        with self._transaction() as conn:
            row = self._held(conn, job_id, worker)
            conn.execute("UPDATE jobs SET progress = %s WHERE id = %s", (Jsonb(progress), job_id))
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
        from psycopg.types.json import Jsonb

        if state not in FINAL_STATES:
            raise ValueError(f"a job finishes as one of {FINAL_STATES}, not {state!r}")
        with self._transaction() as conn:
            self._held(conn, job_id, worker)
            row = conn.execute(
                f"UPDATE jobs SET state = %s, result = %s, error = %s, finished_at = {NOW},"
                " worker = NULL, lease_until = NULL WHERE id = %s RETURNING *",
                (state, Jsonb(result) if result is not None else None, error, job_id),
            ).fetchone()
        return _record(row)

    def states(self, job_ids: list[str]) -> dict[str, JobState]:
        with self._transaction() as conn:
            rows = conn.execute(
                "SELECT id, state FROM jobs WHERE id = ANY(%s)", (list(job_ids),)
            ).fetchall()
        return {row["id"]: row["state"] for row in rows}

    def running_workers(self) -> set[str]:
        with self._transaction() as conn:
            rows = conn.execute(
                "SELECT DISTINCT worker FROM jobs WHERE state = 'running' AND worker IS NOT NULL"
            ).fetchall()
        return {row["worker"] for row in rows}

    def expire_worker(self, worker: str) -> int:
        with self._transaction() as conn:
            cursor = conn.execute(
                "UPDATE jobs SET lease_until = 0 WHERE state = 'running' AND worker = %s",
                (worker,),
            )
            return int(cursor.rowcount)

    # ----------------------------------------------------------------- the owner's side

    def cancel(self, owner: Owner, job_id: str) -> JobRecord:
        with self._transaction() as conn:
            row = self._owned(conn, owner, job_id, lock=True)
            if row["state"] == "queued":
                row = conn.execute(
                    "UPDATE jobs SET state = 'cancelled', error = 'cancelled',"
                    f" finished_at = {NOW}, cancel_requested = true WHERE id = %s RETURNING *",
                    (job_id,),
                ).fetchone()
            elif row["state"] == "running":
                row = conn.execute(
                    "UPDATE jobs SET cancel_requested = true WHERE id = %s RETURNING *", (job_id,)
                ).fetchone()
        return _record(row)

    def get(self, owner: Owner, job_id: str) -> JobRecord:
        with self._transaction() as conn:
            return _record(self._owned(conn, owner, job_id))

    @staticmethod
    def _owned(conn: Conn, owner: Owner, job_id: str, lock: bool = False) -> dict[str, Any]:
        row: dict[str, Any] | None = conn.execute(
            "SELECT * FROM jobs WHERE id = %s AND owner = %s" + (" FOR UPDATE" if lock else ""),
            (job_id, owner.id),
        ).fetchone()
        if row is None:
            raise NotFound(f"job {job_id!r} not found")
        return row

    def list_jobs(self, owner: Owner, kinds: tuple[str, ...] | None = None) -> list[JobRecord]:
        query, args = "SELECT * FROM jobs WHERE owner = %s", [owner.id]
        if kinds is not None:
            query += " AND kind = ANY(%s)"
            args.append(list(kinds))  # type: ignore[arg-type]
        with self._transaction() as conn:
            rows = conn.execute(query + " ORDER BY created_at, seq", args).fetchall()
        return [_record(row) for row in rows]
