"""Job kinds by name, each with its handler: what a worker knows how to run.

    from causerie.jobs.kinds import register_kind

    def transcribe(context: JobContext) -> dict | None:
        for n, part in enumerate(parts):
            context.report({"done": n, "total": len(parts)})   # raises JobCancelled if asked
            ...
        return {"segments": n}                                  # the job's result

    register_kind("video.transcribe", transcribe, "Transcribe a video")

Causerie's own kinds (ingestion of uploaded files and of URLs, embedding) live in
causerie.jobs.ingestion and are registered the first time the kinds are read; an assistant
registers its own when it is loaded.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
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


def get_kind(name: str) -> JobKind | None:
    _load_builtins()
    with _LOCK:
        return _KINDS.get(name)


def kind_names() -> tuple[str, ...]:
    _load_builtins()
    with _LOCK:
        return tuple(_KINDS)
