"""The job queue's values and its Protocol.

    job = queue.submit(owner, "ingest.files", {"notebook_id": ...}, size_bytes=1234)
    claimed = queue.claim("host:123:ab12", lease_s=30)      # None when nothing is waiting
    queue.progress(claimed.id, "host:123:ab12", {"done": 1})  # False once a cancel is asked
    queue.finish(claimed.id, "host:123:ab12", result={"added": 3})

A job is `queued`, then `running` under a lease held by one worker (kept alive by heartbeats
and progress reports), then `done`, `failed` or `cancelled`. A running job whose lease runs out
(its worker was killed) is claimed again by the next worker, up to `max_attempts` claims;
handlers make a second run harmless (ingestion skips the items it already finished, and storing
an unchanged source is a no-op). Every read and write that a user makes takes the owner; another
owner's job id reads like an unknown one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from causerie.errors import CauserieError
from causerie.types import Owner

JobState = Literal["queued", "running", "done", "failed", "cancelled"]
ACTIVE_STATES: tuple[JobState, ...] = ("queued", "running")
FINAL_STATES: tuple[JobState, ...] = ("done", "failed", "cancelled")


class JobLimitReached(CauserieError):
    """An owner already has as many jobs, or as many bytes, waiting as the queue allows."""

    def __init__(self, problem: str) -> None:
        self.problem = problem
        super().__init__(problem)


class LeaseLost(CauserieError):
    """The worker no longer holds the job (its lease ran out and another worker took it, or
    the job ended): it must stop without writing anything more."""


@dataclass(frozen=True, slots=True)
class JobRecord:
    id: str
    owner: Owner
    kind: str
    payload: dict[str, Any]
    state: JobState
    progress: dict[str, Any] = field(default_factory=dict)
    result: dict[str, Any] | None = None
    error: str | None = None
    attempts: int = 0
    worker: str | None = None
    lease_until: float | None = None
    cancel_requested: bool = False
    size_bytes: int = 0
    created_at: float = field(default_factory=time.time)
    started_at: float | None = None
    finished_at: float | None = None

    @property
    def finished(self) -> bool:
        return self.state in FINAL_STATES

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "owner": self.owner.id,
            "kind": self.kind,
            "state": self.state,
            "progress": self.progress,
            "result": self.result,
            "error": self.error,
            "attempts": self.attempts,
            "cancel_requested": self.cancel_requested,
            "size_bytes": self.size_bytes,
            "created_at": self.created_at,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
        }


@runtime_checkable
class JobQueue(Protocol):
    """Durable jobs: every backend passes causerie.testing.job_queue_contract."""

    max_queued_jobs: int
    max_queued_bytes: int

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
        """Queue a job; JobLimitReached when the owner already has `max_queued_jobs` jobs or
        `max_queued_bytes` bytes queued or running."""
        ...

    def check_limits(self, owner: Owner, size_bytes: int) -> None:
        """JobLimitReached if a job of `size_bytes` would be refused now (a cheap pre-check
        before spooling a large upload; submit checks again)."""
        ...

    def claim(
        self, worker: str, lease_s: float, kinds: tuple[str, ...] | None = None
    ) -> JobRecord | None:
        """The next job for this worker (owners take turns), leased for `lease_s` seconds;
        a running job whose lease ran out counts as waiting. None when nothing is."""
        ...

    def heartbeat(self, job_id: str, worker: str, lease_s: float) -> bool:
        """Extend the lease; False when a cancel was asked. LeaseLost when not ours."""
        ...

    def progress(self, job_id: str, worker: str, progress: dict[str, Any]) -> bool:
        """Replace the job's progress (and extend nothing); False when a cancel was asked.
        LeaseLost when not ours."""
        ...

    def finish(
        self,
        job_id: str,
        worker: str,
        *,
        state: JobState = "done",
        result: dict[str, Any] | None = None,
        error: str | None = None,
    ) -> JobRecord:
        """End a claimed job as done, failed or cancelled. LeaseLost when not ours."""
        ...

    def cancel(self, owner: Owner, job_id: str) -> JobRecord:
        """A queued job is cancelled at once; a running one is asked to stop (its worker sees
        it at its next heartbeat or progress report). NotFound for another owner's id."""
        ...

    def get(self, owner: Owner, job_id: str) -> JobRecord:
        """The owner's job; NotFound otherwise."""
        ...

    def list_jobs(self, owner: Owner, kinds: tuple[str, ...] | None = None) -> list[JobRecord]:
        """The owner's jobs (the latest `keep_per_owner` finished ones and every active one),
        oldest first."""
        ...

    def states(self, job_ids: list[str]) -> dict[str, JobState]:
        """{job id: state} of these jobs, whoever owns them (ids not found are absent): for
        maintenance such as clearing the spool, never for answering a user."""
        ...

    def running_workers(self) -> set[str]:
        """The workers that hold a lease now."""
        ...

    def expire_worker(self, worker: str) -> int:
        """A worker known to be gone: its running jobs become claimable now. Returns how many."""
        ...

    def close(self) -> None: ...
