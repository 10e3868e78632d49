"""The warm model runner, seen from the app: one per (model, context, threads) per process.

    runner = model_runner(spec)
    for event in runner.generate(kwargs):   # TextDelta ..., Usage, Finish
        ...

It starts its process on first use (probing the runtime if needed, see `probe`), keeps it and
its loaded model between requests (llama.cpp reuses the KV cache of a shared prompt prefix),
and serves one request at a time. When the process dies mid-request, the request ends with the
cause (before any text: ProviderError; after some: Finish("interrupted", error=...)) and the
next request starts a fresh process. Closing the event stream early cancels generation.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from filelock import FileLock

from causerie.errors import ProviderError
from causerie.runner.probe import RuntimeChoice, record_crash, record_success, start_runner
from causerie.runner.process import RunnerDied, RunnerProcess, RunnerSpec
from causerie.types import Event, Finish, FinishReason, TextDelta, Usage

_FINISH_REASONS: dict[str, FinishReason] = {"stop": "stop", "length": "length"}
CANCEL_TIMEOUT_S = 30.0


class ModelRunner:
    def __init__(self, spec: RunnerSpec) -> None:
        self.spec = spec
        self.choice: RuntimeChoice | None = None
        self._process: RunnerProcess | None = None
        self._lock = threading.Lock()
        self._owner: int | None = None  # thread id of the request holding the lock
        self._next_id = 0
        self._crash_noted = False  # a crash counted against the choice since the last success

    @property
    def pid(self) -> int | None:
        """The runner process's pid while it runs."""
        process = self._process
        return process.pid if process is not None and process.alive() else None

    def start(self) -> RuntimeChoice:
        """Start the runner now (the probe included) rather than on the first request."""
        with self._lock:
            self._ensure_started()
            assert self.choice is not None
            return self.choice

    def generate(self, kwargs: dict[str, Any], threads: int | None = None) -> Iterator[Event]:
        """Stream one chat completion (llama-cpp-python's create_chat_completion kwargs) on
        `threads` threads (None: as the runner was started).
        The runner is started (or probed) here, so that a model that cannot run raises
        ProviderError before this returns; tokens flow as the stream is read."""
        if self._owner == threading.get_ident():
            raise ProviderError(
                f"llama.cpp ({self.spec.model_path.name}) is still generating an earlier answer "
                "in this thread; finish or close() that stream before starting another"
            )
        with self._lock:
            self._ensure_started()
        return self._locked_generate(kwargs, threads)

    def _locked_generate(self, kwargs: dict[str, Any], threads: int | None) -> Iterator[Event]:
        with self._lock, machine_lock():
            self._owner = threading.get_ident()
            try:
                yield from self._generate(kwargs, threads)
            finally:
                self._owner = None

    def self_test(self) -> dict[str, Any]:
        """Time a short decode in the warm runner (what `causerie doctor` shows)."""
        return self._request("self_test", "during a test decode")

    def reset_cache(self) -> None:
        """Forget the prompt cache, so that the next request evaluates its whole prompt
        (benchmarks compare cold prompts)."""
        self._request("reset", "while resetting its cache")

    def _request(self, kind: str, doing: str) -> dict[str, Any]:
        with self._lock:
            process = self._ensure_started()
            try:
                process.send({"type": kind, "id": self._new_id()})
                return process.next()
            except RunnerDied as died:
                self._lost(process, died)
                raise ProviderError(f"the model runner {died.cause} {doing}") from None

    def close(self) -> None:
        with self._lock:
            process, self._process = self._process, None
        if process is not None:
            process.stop()

    # ----------------------------------------------------------------------- internals

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _ensure_started(self) -> RunnerProcess:
        if self._process is not None and self._process.alive():
            return self._process
        if self._process is not None:
            self._process.stop()
        self._process, self.choice = start_runner(self.spec)
        return self._process

    def _lost(self, process: RunnerProcess, died: RunnerDied) -> None:
        """Forget a dead runner; a crash counts against its runtime choice."""
        process.kill()
        if self._process is process:
            self._process = None
        if died.fault and self.choice is not None:
            record_crash(self.spec, self.choice.key, self.choice.params.name, died.cause)
            self._crash_noted = True

    def _generate(self, kwargs: dict[str, Any], threads: int | None) -> Iterator[Event]:
        process = self._ensure_started()
        request_id = self._new_id()
        produced = False
        finished = False
        name = self.spec.model_path.name
        try:
            request = {"type": "generate", "id": request_id, "kwargs": kwargs, "threads": threads}
            process.send(request)
            while True:
                message = process.next()
                kind = message.get("type")
                if kind == "delta":
                    produced = True
                    yield TextDelta(str(message["text"]))
                elif kind == "end":
                    finished = True
                    if self._crash_noted and self.choice is not None:
                        record_success(self.spec, self.choice.key)  # the count starts again
                        self._crash_noted = False
                    yield Usage(**message["usage"])
                    yield Finish(_FINISH_REASONS.get(str(message["finish_reason"]), "stop"))
                    return
                elif kind == "fail":
                    finished = True
                    if not produced:
                        raise ProviderError(f"llama.cpp failed on {name}: {message['message']}")
                    yield Finish(
                        "interrupted", error=f"llama.cpp failed mid-answer: {message['message']}"
                    )
                    return
        except RunnerDied as died:
            finished = True
            self._lost(process, died)
            restart = "the next request starts a fresh runner"
            if not produced:
                raise ProviderError(
                    f"the model runner ({name}) {died.cause} before answering; {restart}"
                ) from None
            yield Finish(
                "interrupted",
                error=f"the model runner ({name}) {died.cause} mid-answer; the partial answer "
                f"is kept and {restart}",
            )
        finally:
            if not finished:
                self._cancel(process, request_id)

    def _cancel(self, process: RunnerProcess, request_id: int) -> None:
        """The consumer stopped reading: stop generating, then wait for the request's end."""
        try:
            process.send({"type": "cancel", "id": request_id})
            while True:
                message = process.next(timeout=CANCEL_TIMEOUT_S)
                if message.get("id") == request_id and message.get("type") in ("end", "fail"):
                    return
        except RunnerDied as died:
            self._lost(process, died)


# --------------------------------------------------------------------------- one at a time

_machine_lock: FileLock | None = None


def machine_lock() -> FileLock:
    """One embedded generation at a time on this machine, across processes (`serve` and a
    CLI `ask`, say). llama.cpp's threads meet at spin barriers: two runners computing at once
    on the same cores slow each other down by an order of magnitude (measured on 2 cores: two
    runners of 2 threads each wrote 0.6 tokens/s, one alone ~30). Waiting for the other is
    far quicker."""
    global _machine_lock
    if _machine_lock is None:
        user = getattr(os, "getuid", lambda: "user")()
        _machine_lock = FileLock(Path(tempfile.gettempdir()) / f"causerie-llama-{user}.lock")
    return _machine_lock


# --------------------------------------------------------------------------- one per process

_runners: dict[RunnerSpec, ModelRunner] = {}
_runners_lock = threading.Lock()


def model_runner(spec: RunnerSpec) -> ModelRunner:
    """The process-wide runner for `spec` (providers with equal specs share it)."""
    with _runners_lock:
        runner = _runners.get(spec)
        if runner is None:
            if not _runners:
                atexit.register(close_all)
            runner = _runners[spec] = ModelRunner(spec)
        return runner


def close_all() -> None:
    """Stop every runner process (at exit, and in tests)."""
    with _runners_lock:
        runners = list(_runners.values())
        _runners.clear()
    for runner in runners:
        with contextlib.suppress(Exception):
            runner.close()
