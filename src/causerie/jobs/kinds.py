"""Job kinds by name, each with its handler: what a worker knows how to run.

    from causerie.jobs.kinds import register_kind

    def transcribe(context: JobContext) -> dict | None:
        for n, part in enumerate(parts):
            context.report({"done": n, "total": len(parts)})   # raises JobCancelled if asked
            ...
        return {"segments": n}                                  # the job's result

    register_kind("video.transcribe", transcribe, "Transcribe a video")

Causerie's own kinds (ingestion of uploaded files and of URLs, embedding) live in
causerie.jobs.ingestion; the assistants' kinds come from their `register` call
(causerie.assistants.registry, `job_kinds`). Both are registered the first time the kinds are
read.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from causerie.jobs.worker import JobContext

Handler = Callable[["JobContext"], "dict[str, Any] | None"]


@dataclass(frozen=True, slots=True)
class JobKind:
    name: str
    handler: Handler
    description: str = ""


_KINDS: dict[str, JobKind] = {}
_LOCK = threading.Lock()
_builtins_loaded = False


def register_kind(name: str, handler: Handler, description: str = "") -> JobKind:
    """Register (or replace) the handler of a job kind."""
    if not name or not name.strip():
        raise ValueError("a job kind needs a name")
    kind = JobKind(name, handler, description)
    with _LOCK:
        _KINDS[name] = kind
    return kind


def _load_builtins() -> None:
    global _builtins_loaded
    if not _builtins_loaded:
        _builtins_loaded = True
        import causerie.jobs.ingestion  # noqa: F401  (registers its kinds)
        from causerie.assistants.registry import default_registry

        register_assistant_kinds(default_registry().job_kinds())


def register_assistant_kinds(handlers: Mapping[str, Callable[..., Any]]) -> None:
    """Register the job kinds that assistants declare (causerie.assistants.registry: their
    `job_kinds` hook). Such a handler is called as `handler(services, owner, payload,
    progress=progress)`, where `progress(done, total)` saves {"done", "total"} as the job's
    progress (and raises JobCancelled once a cancel was asked); it returns the job's result."""
    for name, handler in handlers.items():
        register_kind(name, _assistant_handler(handler), f"assistant job {name}")


def _assistant_handler(handler: Callable[..., Any]) -> Handler:
    def run(context: JobContext) -> dict[str, Any] | None:
        def progress(done: int, total: int) -> None:
            context.report({"done": done, "total": total})

        result: dict[str, Any] | None = handler(
            context.services, context.job.owner, context.job.payload, progress=progress
        )
        return result

    return run


def get_kind(name: str) -> JobKind | None:
    _load_builtins()
    with _LOCK:
        return _KINDS.get(name)


def kind_names() -> tuple[str, ...]:
    _load_builtins()
    with _LOCK:
        return tuple(_KINDS)
