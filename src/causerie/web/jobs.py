"""Ingestion jobs: uploads and URLs are indexed in a background thread; pages poll progress.

    job = jobs.submit(owner, notebook, [JobInput("notes.md", data=b"..."), JobInput(url=...)])
    jobs.get(owner, job.id).to_dict()  # {"state", "done", "total", "current", "items", ...}

One worker thread takes jobs (ingestion is CPU- and write-bound: running several at once would
only make each slower), taking turns between users: each user's jobs wait in their own line,
and the worker serves the lines round-robin, so one user's backlog does not hold another's
upload. Each file is read in a child process within a time, CPU and memory budget
(causerie.ingest.sandbox): a crafted small file is stopped and reported, not read for hours.
A user may have `max_queued_jobs` jobs and `max_queued_bytes` of uploads waiting at once;
beyond that a submission is refused (429). Each input gets its own status and error; a bad one
never stops the others. After indexing, the notebook's missing vectors are computed
("embedding" phase); questions work lexically meanwhile. Jobs are kept in memory, the latest
`keep_per_owner` per user; another user's job id reads like an unknown one.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Literal

from causerie.errors import CauserieError, NotFound
from causerie.ingest.limits import describe_size
from causerie.ingest.loaders import load_bytes
from causerie.ingest.sandbox import Budget, load_in_child
from causerie.types import Document, Notebook, Owner
from causerie.web.errors import ApiError
from causerie.web.uploads import load_upload
from causerie.wiring import Services

log = logging.getLogger("causerie.web")

ItemStatus = Literal["queued", "indexing", "added", "updated", "unchanged", "error"]
JobState = Literal["queued", "indexing", "embedding", "done"]
_FINISHED: tuple[ItemStatus, ...] = ("added", "updated", "unchanged", "error")


@dataclass
class JobInput:
    """One thing to ingest: an uploaded file (name + data) or a URL. `error` marks an input
    refused on arrival (too large, bad name): it is reported, never read."""

    name: str
    data: bytes | None = None
    url: str | None = None
    error: str | None = None


@dataclass
class JobItem:
    name: str
    status: ItemStatus = "queued"
    error: str | None = None
    source_id: str | None = None
    chunks: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "error": self.error,
            "source_id": self.source_id,
            "chunks": self.chunks,
        }


@dataclass
class Job:
    id: str
    owner: Owner
    notebook: Notebook
    items: list[JobItem]
    inputs: list[JobInput] = field(repr=False)
    state: JobState = "queued"
    current: str | None = None
    embedded: int = 0
    to_embed: int = 0
    error: str | None = None
    created_at: float = field(default_factory=time.time)
    finished_at: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "notebook_id": self.notebook.id,
            "state": self.state,
            "done": sum(1 for i in self.items if i.status in _FINISHED),
            "total": len(self.items),
            "current": self.current,
            "errors": sum(1 for i in self.items if i.status == "error"),
            "embedded": self.embedded,
            "to_embed": self.to_embed,
            "error": self.error,
            "items": [i.to_dict() for i in self.items],
            "created_at": self.created_at,
            "finished_at": self.finished_at,
        }


class JobRegistry:
    def __init__(
        self,
        services: Services,
        keep_per_owner: int = 50,
        *,
        max_queued_jobs: int = 5,
        max_queued_bytes: int = 200 * 1024 * 1024,
        budget: Budget | None = None,
    ) -> None:
        self.services = services
        self.keep_per_owner = keep_per_owner
        self.max_queued_jobs = max_queued_jobs
        self.max_queued_bytes = max_queued_bytes
        self.budget = budget or Budget()
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._ready = threading.Condition(self._lock)
        self._lines: dict[Owner, deque[Job]] = {}  # waiting jobs, one line per user
        self._turns: deque[Owner] = deque()  # users with waiting jobs, in turn order
        self._stopping = False
        self._worker: threading.Thread | None = None

    # ------------------------------------------------------------------ reading

    def get(self, owner: Owner, job_id: str) -> dict[str, Any]:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or job.owner != owner:
                raise NotFound(f"job {job_id!r} not found")
            return job.to_dict()

    def list_jobs(self, owner: Owner, notebook_id: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [
                job.to_dict()
                for job in self._jobs.values()
                if job.owner == owner and notebook_id in (None, job.notebook.id)
            ]

    def pending_items(self, owner: Owner, notebook_id: str) -> list[dict[str, Any]]:
        """Inputs of the notebook's jobs not stored (yet): queued, indexing, or failed."""
        with self._lock:
            return [
                {**item.to_dict(), "job_id": job.id}
                for job in self._jobs.values()
                if job.owner == owner and job.notebook.id == notebook_id
                for item in job.items
                if item.status in ("queued", "indexing", "error")
            ]

    # ------------------------------------------------------------------ submitting

    def submit(self, owner: Owner, notebook: Notebook, inputs: list[JobInput]) -> dict[str, Any]:
        """Queue a job; 429 (ApiError) when the user already has `max_queued_jobs` jobs, or
        `max_queued_bytes` of uploads, waiting or running."""
        items = [JobItem(i.name, "error", i.error) if i.error else JobItem(i.name) for i in inputs]
        job = Job(uuid.uuid4().hex, owner, notebook, items, inputs)
        size = sum(len(i.data or b"") for i in inputs)
        with self._lock:
            self._check_quota(owner, size)
            self._jobs[job.id] = job
            self._forget_old(owner)
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(
                    target=self._run, name="causerie-ingest", daemon=True
                )
                self._worker.start()
            snapshot = job.to_dict()
            if owner not in self._lines:
                self._lines[owner] = deque()
                self._turns.append(owner)
            self._lines[owner].append(job)
            self._ready.notify()
        return snapshot

    def _check_quota(self, owner: Owner, size: int) -> None:
        busy = [j for j in self._jobs.values() if j.owner == owner and j.state != "done"]
        queued = sum(len(i.data or b"") for j in busy for i in j.inputs)
        if len(busy) >= self.max_queued_jobs:
            problem = f"{len(busy)} ingestion jobs are already waiting or running"
        elif queued + size > self.max_queued_bytes:
            problem = (
                f"{describe_size(queued)} of uploads are already waiting; this one would pass"
                f" the limit of {describe_size(self.max_queued_bytes)}"
            )
        else:
            return
        raise ApiError(
            429, "too_many_jobs", f"{problem}: wait for them to finish (GET /api/jobs/ID)",
            headers={"Retry-After": "10"},
        )  # fmt: skip

    def wait(self, owner: Owner, job_id: str, timeout_s: float = 30.0) -> dict[str, Any]:
        """Poll until the job is done (tests and scripts); TimeoutError after timeout_s."""
        deadline = time.monotonic() + timeout_s
        while True:
            state = self.get(owner, job_id)
            if state["state"] == "done":
                return state
            if time.monotonic() > deadline:
                raise TimeoutError(f"job {job_id} still {state['state']} after {timeout_s} s")
            time.sleep(0.02)

    def shutdown(self) -> None:
        with self._lock:
            self._stopping = True
            self._ready.notify_all()

    def _forget_old(self, owner: Owner) -> None:
        finished = [j for j in self._jobs.values() if j.owner == owner and j.state == "done"]
        for job in finished[: max(0, len(finished) - self.keep_per_owner)]:
            del self._jobs[job.id]

    # ------------------------------------------------------------------ the worker

    def _next(self) -> Job | None:
        """The next job, users taking turns; None once shut down."""
        with self._lock:
            while not self._turns and not self._stopping:
                self._ready.wait()
            if self._stopping:
                return None
            owner = self._turns.popleft()
            line = self._lines[owner]
            job = line.popleft()
            if line:
                self._turns.append(owner)  # the user's next job waits for the others' turns
            else:
                del self._lines[owner]
            return job

    def _run(self) -> None:
        while True:
            job = self._next()
            if job is None:
                return
            try:
                self._ingest(job)
                self._embed(job)
            except Exception as exc:  # never let one job kill the worker
                log.exception("ingestion job %s failed", job.id)
                job.error = f"{type(exc).__name__}: {exc}"
            finally:
                with self._lock:
                    for item in job.items:
                        if item.status in ("queued", "indexing"):
                            item.status, item.error = "error", item.error or "not processed"
                    job.state, job.current, job.finished_at = "done", None, time.time()
                    job.inputs = []

    def _ingest(self, job: Job) -> None:
        ingestor = self.services.ingestor
        with self._lock:
            job.state = "indexing"
        for position, (item, given) in enumerate(zip(job.items, job.inputs, strict=True)):
            if item.status == "error":
                continue
            with self._lock:
                item.status, job.current = "indexing", item.name
            try:
                if given.url is not None:
                    outcome = ingestor.add_url(
                        job.owner, job.notebook, given.url, reader=self._read_fetched
                    )
                else:
                    document = load_in_child(
                        load_upload, given.name, given.data or b"", ingestor.limits,
                        name=given.name, budget=self.budget,
                    )  # fmt: skip
                    outcome = ingestor.add_document(job.owner, job.notebook, document)
                status, error = outcome.status, outcome.error
                source = outcome.source
            except CauserieError as exc:
                status, error, source = "error", str(exc), None
            except Exception as exc:
                log.exception("ingesting %s failed", item.name)
                status, error, source = "error", f"{item.name}: {type(exc).__name__}", None
            job.inputs[position] = JobInput(given.name)  # free the bytes
            with self._lock:
                item.status, item.error = status, error
                if source is not None:
                    item.source_id, item.chunks = source.id, source.chunk_count

    def _read_fetched(self, data: bytes, name: str, spec: Any, limits: Any) -> Document:
        """A fetched page is parsed in a child process too, within the same budget."""
        document: Document = load_in_child(
            load_bytes, data, name, spec, limits, name=name, budget=self.budget
        )
        return document

    def _embed(self, job: Job) -> None:
        ingestor = self.services.ingestor
        if ingestor.embedder is None:
            return
        try:
            pending = ingestor.pending_vectors(job.owner, job.notebook)
        except CauserieError:
            return
        if not pending:
            return
        with self._lock:
            job.state, job.current, job.to_embed = "embedding", None, pending

        def progress(count: int) -> None:
            with self._lock:
                job.embedded += count

        try:
            ingestor.embed_pending(job.owner, job.notebook, on_batch=progress)
        except CauserieError as exc:  # the sources are in; search stays lexical for now
            with self._lock:
                job.error = f"vectors not computed: {exc}"
