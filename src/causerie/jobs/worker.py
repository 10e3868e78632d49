"""The worker: claims jobs, keeps their lease alive, runs their kind's handler, ends them.

    worker = Worker(queue, services, spool)
    worker.run(stop_event)            # `causerie worker`; `serve` runs one in a thread

While a handler runs, a heartbeat thread extends the lease every lease_s / 3 seconds and
notices a cancel; the handler reports progress with `context.report(...)`, which raises
JobCancelled once a cancel was asked (the job ends `cancelled`). A handler that raises ends its
job `failed` with the error; one unknown kind fails at once. When a job ends, its spool folder
is removed. A worker being stopped hands its job back at the job's next report (claimable at
once), so a server that shuts down neither fails nor loses it. At start, jobs held by a dead
worker process of this machine (a server killed with -9) are made claimable at once instead
of after their lease.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from causerie.errors import CauserieError
from causerie.jobs.base import JobQueue, JobRecord, LeaseLost
from causerie.jobs.kinds import get_kind, kind_names
from causerie.jobs.spool import Spool

if TYPE_CHECKING:
    from causerie.ingest.sandbox import Budget
    from causerie.wiring import Services

log = logging.getLogger("causerie.jobs")


class JobCancelled(CauserieError):
    """Raised inside a handler when its job's owner asked it to stop."""


class WorkerStopping(CauserieError):
    """Raised inside a handler when its worker is being stopped (the server shuts down): the
    job is handed back to the queue, claimable at once, and goes on elsewhere or later."""


def new_worker_id() -> str:
    """'host:pid:random': the host and pid let a restarted server free a dead worker's jobs."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def is_dead_local_worker(worker: str) -> bool:
    """True when `worker` names a process of this machine that no longer exists."""
    host, _, rest = worker.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


@dataclass
class JobContext:
    """What a handler gets: its job, the shared services, its spool folder, and a way to
    report progress (which also tells it to stop)."""

    job: JobRecord
    services: Services
    queue: JobQueue
    worker: str
    spool: Spool
    budget: Budget | None = None
    _cancelled: threading.Event = field(default_factory=threading.Event)
    _lost: threading.Event = field(default_factory=threading.Event)
    _stopping: threading.Event = field(default_factory=threading.Event)

    @property
    def folder(self) -> Any:
        return self.spool.folder(self.job.id)

    def report(self, progress: dict[str, Any]) -> None:
        """Save the job's progress; JobCancelled when a cancel was asked."""
        self.check()
        try:
            if not self.queue.progress(self.job.id, self.worker, progress):
                self._cancelled.set()
        except LeaseLost:
            self._lost.set()
        self.check()

    def check(self) -> None:
        if self._lost.is_set():
            raise LeaseLost(f"job {self.job.id}: another worker holds it now")
        if self._cancelled.is_set():
            raise JobCancelled(f"job {self.job.id} was cancelled")
        if self._stopping.is_set():
            raise WorkerStopping(f"job {self.job.id}: its worker is stopping")


class Worker:
    def __init__(
        self,
        queue: JobQueue,
        services: Services,
        spool: Spool,
        *,
        budget: Budget | None = None,
        lease_s: float = 30.0,
        poll_s: float = 0.5,
        kinds: tuple[str, ...] | None = None,
        worker_id: str | None = None,
    ) -> None:
        self.queue = queue
        self.services = services
        self.spool = spool
        self.budget = budget
        self.lease_s = lease_s
        self.poll_s = poll_s
        self.kinds = kinds
        self.id = worker_id or new_worker_id()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._starting = threading.Lock()

    # ----------------------------------------------------------------- running

    def recover(self) -> int:
        """Free the jobs of dead worker processes of this machine; how many were freed."""
        freed = 0
        for worker in self.queue.running_workers():
            if is_dead_local_worker(worker):
                freed += self.queue.expire_worker(worker)
        if freed:
            log.info("%d job(s) of a stopped worker will run again", freed)
        self.clear_spool()
        return freed

    def clear_spool(self, older_than_s: float = 3600.0) -> int:
        """Remove the spool folders of jobs that ended or never got queued (a process killed
        between spooling and submitting, or between ending a job and removing its folder).
        Only folders older than `older_than_s`: a younger one may be a job being submitted."""
        candidates = self.spool.job_ids(older_than_s)
        states = self.queue.states(candidates) if candidates else {}
        stale = [i for i in candidates if states.get(i) not in ("queued", "running")]
        for job_id in stale:
            self.spool.remove(job_id)
        return len(stale)

    def run(self, stop: threading.Event | None = None) -> None:
        """Run jobs until `stop` (or self.stop()) is set."""
        stop = stop or self._stop
        self.recover()
        while not stop.is_set() and not self._stop.is_set():
            try:
                ran = self.run_once()
            except Exception:  # the database was busy or failed: wait, then go on
                log.exception("worker %s: claiming a job failed", self.id)
                ran = False
            if not ran:
                self._wake.wait(self.poll_s)
                self._wake.clear()

    def wake(self) -> None:
        """Look for a job now (a job was just submitted in this process)."""
        self._wake.set()

    def run_once(self) -> bool:
        """Claim and run one job; False when none was waiting."""
        kinds = self.kinds if self.kinds is not None else kind_names()
        job = self.queue.claim(self.id, self.lease_s, kinds)
        if job is None:
            return False
        self._execute(job)
        return True

    def _execute(self, job: JobRecord) -> None:
        context = JobContext(job, self.services, self.queue, self.id, self.spool, self.budget,
                             _stopping=self._stop)  # fmt: skip
        kind = get_kind(job.kind)
        beating = threading.Event()
        heart = threading.Thread(
            target=self._beat, args=(context, beating), name=f"heartbeat-{job.id[:8]}",
            daemon=True,
        )  # fmt: skip
        heart.start()
        try:
            if kind is None:
                raise CauserieError(f"no handler for job kind {job.kind!r}")
            if job.cancel_requested:
                raise JobCancelled(f"job {job.id} was cancelled")
            result = kind.handler(context)
            self._end(context, "done", result=result)
        except LeaseLost:
            log.warning("job %s: lease lost; another worker runs it", job.id)
        except WorkerStopping:
            self.queue.expire_worker(self.id)  # handed back: claimable at once
            log.info("job %s handed back to the queue: the worker stops", job.id)
        except JobCancelled:
            self._end(context, "cancelled", error="cancelled")
        except Exception as exc:
            log.exception("job %s (%s) failed", job.id, job.kind)
            error = str(exc) if isinstance(exc, CauserieError) else f"{type(exc).__name__}: {exc}"
            self._end(context, "failed", error=error)
        finally:
            beating.set()
            heart.join()

    def _end(self, context: JobContext, state: Any, **outcome: Any) -> None:
        try:
            self.queue.finish(context.job.id, self.id, state=state, **outcome)
        except LeaseLost:
            log.warning("job %s: lease lost before it ended", context.job.id)
            return
        self.spool.remove(context.job.id)

    def _beat(self, context: JobContext, done: threading.Event) -> None:
        while not done.wait(self.lease_s / 3):
            try:
                if not self.queue.heartbeat(context.job.id, self.id, self.lease_s):
                    context._cancelled.set()
            except LeaseLost:
                context._lost.set()
                return
            except CauserieError:
                log.exception("job %s: heartbeat failed", context.job.id)

    # ----------------------------------------------------------------- in a thread

    def start(self) -> threading.Thread:
        """Run in a daemon thread (the in-process worker of `causerie serve`); a no-op when
        that thread already runs."""
        with self._starting:
            if self._thread is None or not self._thread.is_alive():
                self._stop.clear()
                self._thread = threading.Thread(
                    target=self.run, name="causerie-worker", daemon=True
                )
                self._thread.start()
            return self._thread

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
