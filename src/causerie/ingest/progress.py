"""Progress of one long load (a transcription), reported from inside a loader.

    with reporting(lambda done, total: bar.update(...)):   # the CLI's bar, a job's progress
        document = load_source("lecture.mp4")                # the loader calls report(...)

A loader calls `report(done, total)` (seconds of media, say) as it goes; without a reporter in
place the call does nothing. The loader sandbox (causerie.ingest.sandbox) installs one in its
child process that sends each report back to the parent over its pipe.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

Reporter = Callable[[float, float], None]

_reporter: ContextVar[Reporter | None] = ContextVar("causerie_progress", default=None)


@contextmanager
def reporting(reporter: Reporter | None) -> Iterator[None]:
    """Send the reports of loads made inside this block to `reporter` (None: nowhere)."""
    token = _reporter.set(reporter)
    try:
        yield
    finally:
        _reporter.reset(token)


def report(done: float, total: float) -> None:
    """How far the current load is (`done` of `total`, in the loader's own unit)."""
    reporter = _reporter.get()
    if reporter is not None:
        reporter(done, total)
