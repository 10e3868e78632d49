"""One runner child process, seen from the parent: start it, send requests, read its messages,
and say in words why it ended.

    process = RunnerProcess(spec, params, self_test=True)
    ready = process.wait_ready()          # or RunnerDied / RunnerLoadError
    process.send({"type": "generate", "id": 1, "kwargs": {...}})
    message = process.next()              # {"type": "delta", ...}; RunnerDied when it is gone
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from causerie.errors import ProviderError
from causerie.runner.params import RuntimeParams

READY_TIMEOUT_S = 900.0  # loading a large model and the test decode on a slow CPU
EVENT_TIMEOUT_S = 600.0  # between two messages of one answer

_FAULT_SIGNALS = {"SIGSEGV", "SIGBUS", "SIGILL", "SIGFPE", "SIGABRT"}


@dataclass(frozen=True, slots=True)
class RunnerSpec:
    """What a runner loads and where it keeps its notes. `backend_json` is "" for llama.cpp,
    else a JSON object for `causerie.runner.scripted` (tests)."""

    model_path: Path
    n_ctx: int
    n_threads: int
    home: Path
    runtime: str = "auto"
    backend_json: str = ""
    progress: bool = field(default=False, compare=False)  # a note on stderr while probing

    @property
    def log_path(self) -> Path:
        return self.home / "logs" / "runner.log"


class RunnerDied(ProviderError):
    """The runner process ended; `cause` says how ("was killed by SIGSEGV (...)")."""

    def __init__(self, cause: str, *, fault: bool = False) -> None:
        self.cause = cause
        self.fault = fault  # a crash signal: the CPU or llama.cpp, not the user or the system
        super().__init__(f"the model runner {cause}")


class RunnerLoadError(ProviderError):
    """The runner could not load the model (a bad file, not the CPU)."""


def describe_exit(returncode: int) -> tuple[str, bool]:
    """(how the process ended, in words; whether it was a crash signal)."""
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        if name == "SIGKILL":
            return "was killed by SIGKILL (out of memory, or stopped by someone)", False
        if name == "SIGILL":
            return (
                "was killed by SIGILL (an instruction this CPU lacks: llama-cpp-python was "
                "built for another CPU; rebuild it with: pip install --force-reinstall "
                "--no-cache-dir llama-cpp-python)",
                True,
            )
        if name in _FAULT_SIGNALS:
            return f"was killed by {name} (a crash inside llama.cpp)", True
        return f"was killed by {name}", False
    return f"exited with status {returncode}", False


class RunnerProcess:
    def __init__(self, spec: RunnerSpec, params: RuntimeParams, *, self_test: bool) -> None:
        self.spec = spec
        self.params = params
        config = {
            "model_path": str(spec.model_path),
            "n_ctx": spec.n_ctx,
            "n_threads": spec.n_threads,
            "params": params.as_dict(),
            "self_test": self_test,
            "backend": json.loads(spec.backend_json) if spec.backend_json else None,
        }
        spec.log_path.parent.mkdir(parents=True, exist_ok=True)
        with spec.log_path.open("ab") as log:
            log.write(f"--- runner: {spec.model_path.name}, params {params.name}\n".encode())
            log.flush()
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "causerie.runner.child", json.dumps(config)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                env=_child_env(),
            )
        self._messages: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._write_lock = threading.Lock()
        threading.Thread(target=self._read, name="runner-reader", daemon=True).start()

    @property
    def pid(self) -> int:
        return self._proc.pid

    def alive(self) -> bool:
        return self._proc.poll() is None

    def _read(self) -> None:
        assert self._proc.stdout is not None
        with contextlib.suppress(ValueError, OSError):
            for line in self._proc.stdout:
                self._messages.put(json.loads(line))
        self._messages.put(None)

    def wait_ready(self, timeout: float = READY_TIMEOUT_S) -> dict[str, Any]:
        message = self.next(timeout)
        if message["type"] == "load_error":
            self.stop()
            raise RunnerLoadError(str(message["message"]))
        if message["type"] != "ready":
            self.kill()
            raise RunnerDied(f"sent {message['type']!r} before it was ready")
        return message

    def next(self, timeout: float = EVENT_TIMEOUT_S) -> dict[str, Any]:
        try:
            message = self._messages.get(timeout=timeout)
        except queue.Empty:
            self.kill()
            raise RunnerDied(f"did not answer within {timeout:.0f} s and was stopped") from None
        if message is None:
            self._messages.put(None)  # every later read sees the end too
            raise self._died()
        return message

    def send(self, message: dict[str, Any]) -> None:
        stdin = self._proc.stdin
        assert stdin is not None
        try:
            with self._write_lock:
                stdin.write(json.dumps(message, ensure_ascii=False).encode("utf-8") + b"\n")
                stdin.flush()
        except (BrokenPipeError, ValueError, OSError):
            raise self._died() from None

    def _died(self) -> RunnerDied:
        try:
            returncode = self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()
            return RunnerDied("closed its output and was stopped")
        self._close_pipes()
        cause, fault = describe_exit(returncode)
        return RunnerDied(cause, fault=fault)

    def stop(self, timeout: float = 5.0) -> None:
        """Close stdin (the runner exits by itself), then kill it if it lingers."""
        if self._proc.stdin is not None:
            with contextlib.suppress(OSError):
                self._proc.stdin.close()
        try:
            self._proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
        self._close_pipes()

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            self._proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._proc.wait(timeout=10)
        self._close_pipes()

    def _close_pipes(self) -> None:
        for pipe in (self._proc.stdin, self._proc.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()


def _child_env() -> dict[str, str]:
    """The parent's environment, with this copy of causerie first on the import path."""
    package_root = str(Path(__file__).resolve().parents[2])  # .../src (or site-packages)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
    return env
