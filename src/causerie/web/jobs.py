"""Ingestion jobs: uploads and URLs are indexed in a background thread; pages poll progress.

    job = jobs.submit(owner, notebook, [JobInput("notes.md", data=b"..."), JobInput(url=...)])
    jobs.get(owner, job.id).to_dict()  # {"state", "done", "total", "current", "items", ...}

One worker thread takes jobs in order (ingestion is CPU- and write-bound: running several at
once would only make each slower). Each input gets its own status and error; a bad one never
stops the others. After indexing, the notebook's missing vectors are computed ("embedding"
phase); questions work lexically meanwhile. Jobs are kept in memory, the latest
`keep_per_owner` per user; another user's job id reads like an unknown one.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

from causerie.errors import CauserieError, NotFound
from causerie.types import Notebook, Owner
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
    def __init__(self, services: Services, keep_per_owner: int = 50) -> None:
        self.services = services
        self.keep_per_owner = keep_per_owner
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._queue: queue.Queue[Job | None] = queue.Queue()
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
        items = [JobItem(i.name, "error", i.error) if i.error else JobItem(i.name) for i in inputs]
        job = Job(uuid.uuid4().hex, owner, notebook, items, inputs)
        with self._lock:
            self._jobs[job.id] = job
            self._forget_old(owner)
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(
                    target=self._run, name="causerie-ingest", daemon=True
                )
                self._worker.start()
            snapshot = job.to_dict()
        self._queue.put(job)
        return snapshot

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
        self._queue.put(None)

    def _forget_old(self, owner: Owner) -> None:
        finished = [j for j in self._jobs.values() if j.owner == owner and j.state == "done"]
        for job in finished[: max(0, len(finished) - self.keep_per_owner)]:
            del self._jobs[job.id]

    # ------------------------------------------------------------------ the worker

    def _run(self) -> None:
        while True:
            job = self._queue.get()
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
                    outcome = ingestor.add(job.owner, job.notebook, given.url)
                else:
                    document = load_upload(given.name, given.data or b"", ingestor.limits)
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
