"""Ingestion jobs of the web app, on the durable job queue (causerie.jobs).

    job = jobs.submit(owner, notebook, [JobInput("notes.md", data=b"..."), JobInput(url=...)])
    jobs.get(owner, job["id"])  # {"state", "done", "total", "current", "items", ...}

Uploaded bytes are written to the job's spool folder ($CAUSERIE_HOME/spool/<job id>/) before
the job is queued, never held in memory while they wait; the worker removes the folder when the
job ends. Jobs live in the database, so a job survives a restart of the server: a job whose
worker was killed is claimed again and goes on with the files it had not finished. The worker
(in this process unless `serve --no-worker`; `causerie worker` runs more) takes turns between
users and reads each file in a child process within a time, CPU and memory budget
(causerie.ingest.sandbox). A user may have `max_queued_jobs` jobs and `max_queued_bytes` of
uploads waiting or running at once; beyond that a submission is refused (429). Each input gets
its own status and error; a bad one never stops the others. After indexing, the notebook's
missing vectors are computed ("embedding" phase); questions work lexically meanwhile. Another
user's job id reads like an unknown one.

This module turns queue records into the API's shape (JobOut): state queued | indexing |
embedding | done, with per-input items.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any, BinaryIO

from causerie.ingest.limits import describe_size
from causerie.jobs import JobLimitReached, JobQueue, JobRecord, Spool, Worker
from causerie.jobs.ingestion import FILES, INGESTION_KINDS, URL, new_progress
from causerie.types import Notebook, Owner
from causerie.web.errors import ApiError
from causerie.wiring import Services

_FINISHED = ("added", "updated", "unchanged", "error")


@dataclass
class JobInput:
    """One thing to ingest: an uploaded file (name + data, or a stream to spool) or a URL.
    `error` marks an input refused on arrival (too large, bad name): it is reported, never
    read."""

    name: str
    data: bytes | None = None
    url: str | None = None
    error: str | None = None
    stream: BinaryIO | None = None
    size: int = 0  # the stream's announced size (checked again while it is spooled)


def job_view(record: JobRecord) -> dict[str, Any]:
    """A queue record in the API's shape (JobOut)."""
    progress = record.progress
    items = [dict(item) for item in progress.get("items", [])]
    state: Any
    if record.finished:
        state = "done"
        for item in items:
            if item["status"] not in _FINISHED:
                item["status"] = "error"
                item["error"] = item.get("error") or (
                    "cancelled" if record.state == "cancelled" else "not processed"
                )
    elif record.state == "queued":
        state = "queued"
    else:
        state = progress.get("phase") if progress.get("phase") == "embedding" else "indexing"
    error = record.error if record.state in ("failed", "cancelled") else progress.get("error")
    return {
        "id": record.id,
        "notebook_id": record.payload.get("notebook_id", ""),
        "state": state,
        "done": sum(1 for i in items if i["status"] in _FINISHED),
        "total": len(items),
        "current": progress.get("current") if not record.finished else None,
        "errors": sum(1 for i in items if i["status"] == "error"),
        "embedded": progress.get("embedded", 0),
        "to_embed": progress.get("to_embed", 0),
        "error": error,
        "cancelled": record.state == "cancelled" or record.cancel_requested,
        "items": items,
        "created_at": record.created_at,
        "finished_at": record.finished_at,
    }


class JobRegistry:
    """The web's side of the queue: submit (spooling the uploads), read, cancel; and the
    in-process worker, when there is one."""

    def __init__(
        self,
        services: Services,
        queue: JobQueue,
        spool: Spool,
        *,
        worker: Worker | None = None,
        max_file_bytes: int = 20 * 1024 * 1024,
    ) -> None:
        self.services = services
        self.queue = queue
        self.spool = spool
        self.worker = worker
        self.max_file_bytes = max_file_bytes

    @property
    def max_queued_jobs(self) -> int:
        return self.queue.max_queued_jobs

    # ------------------------------------------------------------------ reading

    def get(self, owner: Owner, job_id: str) -> dict[str, Any]:
        return job_view(self.queue.get(owner, job_id))

    def list_jobs(self, owner: Owner, notebook_id: str | None = None) -> list[dict[str, Any]]:
        return [
            job_view(record)
            for record in self.queue.list_jobs(owner, INGESTION_KINDS)
            if notebook_id in (None, record.payload.get("notebook_id"))
        ]

    def pending_items(self, owner: Owner, notebook_id: str) -> list[dict[str, Any]]:
        """Inputs of the notebook's jobs not stored (yet): queued, indexing, or failed."""
        return [
            {**item, "job_id": job["id"]}
            for job in self.list_jobs(owner, notebook_id)
            for item in job["items"]
            if item["status"] in ("queued", "indexing", "error")
        ]

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

    # ------------------------------------------------------------------ writing

    def submit(self, owner: Owner, notebook: Notebook, inputs: list[JobInput]) -> dict[str, Any]:
        """Spool the uploads and queue one job; 429 (ApiError) when the user already has
        `max_queued_jobs` jobs, or `max_queued_bytes` of uploads, waiting or running."""
        size = sum(len(i.data) if i.data is not None else i.size for i in inputs if not i.error)
        self._limit(owner, size)
        job_id = uuid.uuid4().hex
        try:
            payload_inputs, size = self._spool(job_id, inputs)
            kind = URL if inputs and all(i.url for i in inputs) else FILES
            payload = {"notebook_id": notebook.id, "inputs": payload_inputs}
            try:
                record = self.queue.submit(
                    owner, kind, payload, size_bytes=size, progress=new_progress(payload_inputs),
                    job_id=job_id,
                )  # fmt: skip
            except JobLimitReached as exc:
                raise _too_many(exc) from None
        except BaseException:
            self.spool.remove(job_id)
            raise
        if self.worker is not None:
            self.start_worker()
            self.worker.wake()
        return job_view(record)

    def _limit(self, owner: Owner, size: int) -> None:
        try:
            self.queue.check_limits(owner, size)
        except JobLimitReached as exc:
            raise _too_many(exc) from None

    def _spool(self, job_id: str, inputs: list[JobInput]) -> tuple[list[dict[str, Any]], int]:
        spooled: list[dict[str, Any]] = []
        total = 0
        for position, given in enumerate(inputs):
            entry: dict[str, Any] = {"name": given.name, "error": given.error}
            if given.url is not None:
                entry["url"] = given.url
            elif given.error is None and (given.data is not None or given.stream is not None):
                file_name = f"{position:04d}.upload"
                if given.data is not None:
                    folder = self.spool.folder(job_id)
                    folder.mkdir(parents=True, exist_ok=True)
                    (folder / file_name).write_bytes(given.data)
                    written: int | None = len(given.data)
                else:
                    assert given.stream is not None
                    written = self.spool.write(job_id, file_name, given.stream,
                                               self.max_file_bytes)  # fmt: skip
                if written is None:
                    limit = describe_size(self.max_file_bytes)
                    entry["error"] = f"{given.name}: file too large; the limit is {limit}"
                else:
                    entry["file"] = file_name
                    total += written
            spooled.append(entry)
        return spooled, total

    def cancel(self, owner: Owner, job_id: str) -> dict[str, Any]:
        record = self.queue.cancel(owner, job_id)
        if record.state == "cancelled":
            self.spool.remove(job_id)
        return job_view(record)

    def start_worker(self) -> None:
        """Start the in-process worker's thread if it is not running."""
        if self.worker is not None:
            self.worker.start()

    def shutdown(self) -> None:
        """Stop the in-process worker (a job it was running is claimed again later)."""
        if self.worker is not None:
            self.worker.stop()


def _too_many(exc: JobLimitReached) -> ApiError:
    return ApiError(
        429, "too_many_jobs", f"{exc.problem}: wait for them to finish (GET /api/jobs/ID)",
        headers={"Retry-After": "10"},
    )  # fmt: skip
