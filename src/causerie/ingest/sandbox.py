"""Run a loader in a child process with a wall-clock, CPU and memory budget.

    document = load_in_child(load_bytes, data, name, spec, limits, name=name, budget=budget)

A crafted file can make a parser work for hours or allocate without end, whatever its size on
disk. The web server reads uploads and fetched pages through this: the child gets RLIMIT_CPU
and RLIMIT_AS (Unix), the parent waits `wall_s` at most, then kills it; either way the input
is refused with a LoaderError naming it, and the worker goes on with the next one. Children
come from a "forkserver" process (started once, with the loaders imported), so each file costs
a fork, not a new interpreter, and the server's threads are never forked.

A loader's progress reports (causerie.ingest.progress) come back over the same pipe to
`on_progress` in the parent, while it waits.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from causerie.errors import BlockedURL, InputError, LoaderError, UnsupportedFormat
from causerie.ingest.limits import MIB, Limits
from causerie.ingest.progress import Reporter, reporting

_INPUT_ERRORS: dict[str, type[InputError]] = {
    t.__name__: t for t in (InputError, LoaderError, UnsupportedFormat, BlockedURL)
}
_CONTEXT_LOCK = threading.Lock()
_context: Any = None


@dataclass(frozen=True, slots=True)
class Budget:
    wall_s: float = 60.0  # the whole load, as the user waits for it
    cpu_s: int = 60  # RLIMIT_CPU of the child
    memory_bytes: int = 1024 * MIB  # RLIMIT_AS of the child (address space)

    def for_media(self, limits: Limits) -> Budget:
        """The budget of a recording: transcription takes a while (up to about its duration on
        a slow machine), and the speech model and its threads need more address space."""
        wall = max(self.wall_s, 120.0 + limits.max_media_s * 1.5)
        return Budget(wall_s=wall, cpu_s=max(self.cpu_s, int(wall * 4)),
                      memory_bytes=max(self.memory_bytes, 8192 * MIB))  # fmt: skip


def _get_context() -> Any:
    global _context
    with _CONTEXT_LOCK:
        if _context is None:
            method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else (
                "spawn")  # fmt: skip
            context = multiprocessing.get_context(method)
            if method == "forkserver":
                context.set_forkserver_preload(["causerie.ingest.loaders"])
            _context = context
        return _context


def _child(
    conn: multiprocessing.connection.Connection,
    budget: Budget,
    function: Callable[..., Any],
    args: tuple[Any, ...],
) -> None:
    if sys.platform != "win32":
        import resource

        resource.setrlimit(resource.RLIMIT_CPU, (budget.cpu_s, budget.cpu_s + 1))
        resource.setrlimit(resource.RLIMIT_AS, (budget.memory_bytes, budget.memory_bytes))

    def send_progress(done: float, total: float) -> None:
        conn.send(("progress", (done, total)))

    try:
        with reporting(send_progress):
            result = function(*args)
        conn.send(("ok", result))
    except InputError as exc:
        conn.send(("input_error", (type(exc).__name__, exc.input_name, exc.problem)))
    except MemoryError:
        conn.send(("failed", "needs more memory than the limit allows"))
    except BaseException as exc:  # reported to the parent, never a traceback to the user
        conn.send(("failed", f"{type(exc).__name__}: {str(exc)[:160]}"))
    finally:
        conn.close()


def load_in_child(
    function: Callable[..., Any],
    *args: Any,
    name: str,
    budget: Budget,
    on_progress: Reporter | None = None,
) -> Any:
    """function(*args) in a child process within `budget`; LoaderError(name, ...) when the
    child runs out of time or memory or dies; an InputError it raises comes back as is. Its
    progress reports go to `on_progress`."""
    context = _get_context()
    receive, send = context.Pipe(duplex=False)
    process = context.Process(
        target=_child, args=(send, budget, function, args), name="causerie-loader", daemon=True
    )
    process.start()
    send.close()
    deadline = time.monotonic() + budget.wall_s
    try:
        while True:
            if not receive.poll(max(0.0, deadline - time.monotonic())):
                raise LoaderError(
                    name, f"took longer than {budget.wall_s:g} s to read, and was stopped"
                )
            try:
                kind, value = receive.recv()
            except EOFError:
                raise LoaderError(name, _death(process)) from None
            if kind != "progress":
                break
            if on_progress is not None:
                on_progress(*value)
    finally:
        receive.close()
        if process.is_alive():
            process.kill()
        process.join(5)
    if kind == "ok":
        return value
    if kind == "input_error":
        kind_name, input_name, problem = value
        error_type = _INPUT_ERRORS.get(kind_name, LoaderError)
        raise error_type(input_name, problem)
    raise LoaderError(name, f"could not be read ({value})")


def _death(process: Any) -> str:
    process.join(5)
    code = process.exitcode
    if code is not None and code < 0:
        import signal

        try:
            signal_name = signal.Signals(-code).name
        except ValueError:
            signal_name = f"signal {-code}"
        if signal_name in ("SIGXCPU", "SIGKILL"):
            return "used more processor time than the limit allows, and was stopped"
        return f"stopped the reader ({signal_name})"
    return "stopped the reader before it finished"
