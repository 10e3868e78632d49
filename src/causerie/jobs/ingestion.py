"""Causerie's own job kinds: ingestion of uploaded files, of URLs, and embedding.

    ingest.files  payload {"notebook_id", "inputs": [{"name", "file", "error"}]}: the files wait
                  in the job's spool folder (`file` is the name there); each is read in a child
                  process within the worker's budget (causerie.ingest.sandbox)
    ingest.url    payload {"notebook_id", "inputs": [{"name", "url"}]}: fetched (public
                  addresses only), parsed in a child process too
    embed         payload {"notebook_id"}: compute the notebook's missing vectors

Progress (what GET /api/jobs/{id} shows): {"phase": "queued" | "indexing" | "embedding",
"current", "items": [{"name", "status", "error", "source_id", "chunks"}], "embedded",
"to_embed", "error"}; an item being transcribed also has "done_s", "total_s" and "eta_s".
It is saved after every input, so a job claimed again after its worker
died goes on with the inputs not finished; an input stored just before the crash reads as
`unchanged` the second time (same content), never as a second copy.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any

from causerie.errors import CauserieError
from causerie.ingest.loaders import load_bytes, loader_for_extension
from causerie.ingest.sandbox import Budget, load_in_child
from causerie.jobs.kinds import register_kind
from causerie.jobs.worker import JobCancelled, JobContext
from causerie.types import Document, Notebook, Owner

log = logging.getLogger("causerie.jobs")

FILES, URL, EMBED = "ingest.files", "ingest.url", "embed"
INGESTION_KINDS = (FILES, URL)
FINISHED_ITEMS = ("added", "updated", "unchanged", "error")


def new_progress(inputs: list[dict[str, Any]]) -> dict[str, Any]:
    """The progress of a job not started yet: one queued item per input (or its refusal)."""
    items = [
        {"name": i["name"], "status": "error" if i.get("error") else "queued",
         "error": i.get("error"), "source_id": None, "chunks": None}
        for i in inputs
    ]  # fmt: skip
    return {"phase": "queued", "current": None, "items": items, "embedded": 0, "to_embed": 0,
            "error": None}  # fmt: skip


def notebook_of(context: JobContext) -> Notebook:
    """The job's notebook; NotFound when it was deleted meanwhile (the job fails)."""
    job = context.job
    return context.services.store.notebook_by_id(job.owner, job.payload["notebook_id"])


def ingest(context: JobContext) -> dict[str, Any]:
    """Both ingestion kinds: every input not finished yet, then the notebook's vectors."""
    job = context.job
    budget = context.budget or Budget()
    notebook = notebook_of(context)
    progress: dict[str, Any] = {**new_progress(job.payload["inputs"]), **job.progress}
    progress["phase"] = "indexing"
    context.report(progress)
    for item, given in zip(progress["items"], job.payload["inputs"], strict=True):
        if item["status"] in FINISHED_ITEMS:
            continue
        item["status"], progress["current"] = "indexing", item["name"]
        context.report(progress)
        try:
            outcome = _add(
                context, notebook, given, budget, _media_progress(context, progress, item)
            )
            item["status"], item["error"] = outcome.status, outcome.error
            if outcome.source is not None:
                item["source_id"], item["chunks"] = outcome.source.id, outcome.source.chunk_count
        except CauserieError as exc:
            if isinstance(exc, JobCancelled):
                raise
            item["status"], item["error"] = "error", str(exc)
        except Exception as exc:
            log.exception("ingesting %s failed", item["name"])
            item["status"], item["error"] = "error", f"{item['name']}: {type(exc).__name__}"
        progress["current"] = None
        context.report(progress)
    embed_phase(context, job.owner, notebook, progress)
    counts: dict[str, Any] = {}
    for item in progress["items"]:
        counts[item["status"]] = counts.get(item["status"], 0) + 1
    return counts


def _add(
    context: JobContext,
    notebook: Notebook,
    given: dict[str, Any],
    budget: Budget,
    on_progress: Callable[[float, float], None],
) -> Any:
    ingestor = context.services.ingestor
    owner = context.job.owner
    if given.get("url"):

        def read_fetched(data: bytes, name: str, spec: Any, limits: Any) -> Document:
            media = budget.for_media(limits) if spec.media else budget  # a YouTube video's audio
            document: Document = load_in_child(
                load_bytes, data, name, spec, limits, name=name, budget=media,
                on_progress=on_progress,
            )  # fmt: skip
            return document

        return ingestor.add_url(owner, notebook, given["url"], reader=read_fetched)
    from causerie.web.uploads import load_upload

    data = (context.folder / given["file"]).read_bytes()
    spec = loader_for_extension(PurePosixPath(given["name"]).suffix)
    if spec is not None and spec.media:
        budget = budget.for_media(ingestor.limits)
    document = load_in_child(
        load_upload,
        given["name"],
        data,
        ingestor.limits,
        name=given["name"],
        budget=budget,
        on_progress=on_progress,
    )
    if spec is not None and spec.media:  # the player on the video page plays this copy
        from causerie.ingest.media_files import keep_media

        keep_media(context.services.settings.home, data, given["name"])
    del data
    return ingestor.add_document(owner, notebook, document)


def _media_progress(
    context: JobContext, progress: dict[str, Any], item: dict[str, Any]
) -> Callable[[float, float], None]:
    """Reports a transcription's progress into the job's item: `done_s` of `total_s` seconds
    of media, and `eta_s` (seconds left at the pace so far), at most once a second."""
    started = time.monotonic()
    last = 0.0

    def on_progress(done: float, total: float) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last < 1.0 and done < total:
            return
        last = now
        rate = done / (now - started) if done > 0 else 0.0
        item.update(done_s=round(done, 1), total_s=round(total, 1),
                    eta_s=round((total - done) / rate) if rate > 0 else None)  # fmt: skip
        context.report(progress)

    return on_progress


def embed_phase(
    context: JobContext, owner: Owner, notebook: Notebook, progress: dict[str, Any]
) -> None:
    """The notebook's missing vectors, batch by batch (each batch committed); an embedder
    failure is the job's `error`, not a failure: the sources are in, search stays lexical."""
    ingestor = context.services.ingestor
    if ingestor.embedder is None:
        return
    try:
        pending = ingestor.pending_vectors(owner, notebook)
    except CauserieError:
        return
    if not pending:
        return
    progress.update(phase="embedding", current=None, to_embed=pending, embedded=0)
    context.report(progress)

    def on_batch(count: int) -> None:
        progress["embedded"] += count
        context.report(progress)

    try:
        ingestor.embed_pending(owner, notebook, on_batch=on_batch)
    except JobCancelled:
        raise
    except CauserieError as exc:
        progress["error"] = f"vectors not computed: {exc}"
        context.report(progress)


def embed(context: JobContext) -> dict[str, Any]:
    progress: dict[str, Any] = {**new_progress([]), **context.job.progress}
    embed_phase(context, context.job.owner, notebook_of(context), progress)
    return {"embedded": progress["embedded"]}


register_kind(FILES, ingest, "Index uploaded files into a notebook")
register_kind(URL, ingest, "Fetch and index a web page into a notebook")
register_kind(EMBED, embed, "Compute a notebook's missing vectors")
