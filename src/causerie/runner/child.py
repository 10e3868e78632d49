"""The model runner process: `python -m causerie.runner.child CONFIG_JSON`.

It loads one model and answers generation requests one at a time, so that a crash in
llama.cpp (a CPU-specific bug, running out of memory) ends this process, not the app that
asked. The parent (`causerie.runner.client`) talks to it in JSON lines:

    parent -> child (stdin)     {"type": "generate", "id": 1, "kwargs": {...}, "threads": 2}
                                {"type": "cancel", "id": 1}
                                {"type": "self_test", "id": 2}
                                {"type": "reset", "id": 3}      (forget the prompt cache)
    child -> parent (protocol)  {"type": "ready", "load_ms": ..., "system_info": ..., ...}
                                {"type": "load_error", "message": ...}
                                {"type": "delta", "id": 1, "text": "Par"}
                                {"type": "end", "id": 1, "finish_reason": "stop", "usage": {...}}
                                {"type": "fail", "id": 1, "message": ...}
                                {"type": "self_test", "id": 2, ...timings}
                                {"type": "reset", "id": 3}

The protocol goes out on what was file descriptor 1 when the process started; descriptor 1
itself is pointed at stderr first, so that nothing a C library prints can corrupt it. The
child ignores SIGINT (Ctrl-C in a terminal reaches the whole process group: the parent decides
what to stop) and exits when its stdin closes, i.e. when the parent is gone.
"""

from __future__ import annotations

import faulthandler
import json
import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from causerie.runner.params import RuntimeParams

# A prompt of ~550 tokens: more than one batch of 512, so that llama.cpp takes its batched
# matrix paths (where the AMX crash happened) and a second batch, as a grounded question does
# (~1,100 tokens of context); about 3 s on 2 idle cores, paid once per CPU and model.
SELF_TEST_PROMPT = (
    "Below are notes from a library's visitor guide. Read them, then answer in one word.\n\n"
    + " ".join(
        f"Note {i}: the reading room on floor {i % 4 + 1} opens at {8 + i % 3}:00 and closes "
        f"at {17 + i % 4}:00; quiet study carrels are booked at the front desk."
        for i in range(13)
    )
    + "\n\nQuestion: which desk books the carrels?\nAnswer:"
)
SELF_TEST_TOKENS = 4

Send = Callable[[dict[str, Any]], None]


def main(argv: list[str]) -> int:
    config = json.loads(argv[1])
    send = _protocol_sender()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    faulthandler.enable()  # a crash leaves its Python stack in the runner log (stderr)
    params = RuntimeParams(**config["params"])
    started = time.perf_counter()
    try:
        llama = _load_backend(config, params)
    except Exception as exc:  # the file or the settings, not the CPU: no fallback would help
        send({"type": "load_error", "message": f"{type(exc).__name__}: {exc}"})
        return 2
    ready: dict[str, Any] = {
        "type": "ready",
        "pid": os.getpid(),
        "params": params.name,
        "load_ms": round((time.perf_counter() - started) * 1000, 1),
        "system_info": _system_info(config),
    }
    if config.get("self_test"):
        ready["self_test"] = self_test(llama)
    send(ready)
    serve(llama, params, _requests(sys.stdin.buffer), send)
    return 0


def _protocol_sender() -> Send:
    protocol = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    lock = threading.Lock()

    def send(message: dict[str, Any]) -> None:
        line = json.dumps(message, ensure_ascii=False).encode("utf-8") + b"\n"
        with lock:
            protocol.write(line)

    return send


def _load_backend(config: dict[str, Any], params: RuntimeParams) -> Any:
    backend = config.get("backend") or {"kind": "llama"}
    if backend["kind"] == "scripted":
        from causerie.runner.scripted import ScriptedLlama

        return ScriptedLlama(backend["script"], params)
    from causerie.runner.params import load_llama

    return load_llama(
        Path(config["model_path"]),
        n_ctx=int(config["n_ctx"]),
        n_threads=int(config["n_threads"]),
        params=params,
    )


def _system_info(config: dict[str, Any]) -> str:
    if (config.get("backend") or {}).get("kind") == "scripted":
        return "scripted backend"
    import llama_cpp

    info = llama_cpp.llama_print_system_info()
    return info.decode("utf-8", "replace").strip() if isinstance(info, bytes) else str(info)


class _Requests:
    """Requests from stdin, read by a thread so that a cancel can arrive mid-generation."""

    def __init__(self) -> None:
        self.queue: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.cancelled: set[int] = set()
        self.closed = threading.Event()

    def is_cancelled(self, request_id: int) -> bool:
        return self.closed.is_set() or request_id in self.cancelled


def _requests(stream: BinaryIO) -> _Requests:
    requests = _Requests()

    def read() -> None:
        for line in stream:
            message = json.loads(line)
            if message.get("type") == "cancel":
                requests.cancelled.add(int(message["id"]))
            else:
                requests.queue.put(message)
        requests.closed.set()
        requests.queue.put(None)

    threading.Thread(target=read, name="runner-stdin", daemon=True).start()
    return requests


def serve(llama: Any, params: RuntimeParams, requests: _Requests, send: Send) -> None:
    """Answer requests until stdin closes."""
    while (request := requests.queue.get()) is not None:
        request_id = int(request["id"])
        if request["type"] == "generate":
            if request.get("threads"):
                use_threads(llama, params.threads(int(request["threads"])))
            generate(llama, request_id, request["kwargs"], requests.is_cancelled, send)
        elif request["type"] == "self_test":
            send({"type": "self_test", "id": request_id, **self_test(llama)})
        elif request["type"] == "reset":
            llama.reset()
            send({"type": "reset", "id": request_id})
        requests.cancelled.discard(request_id)


def use_threads(llama: Any, threads: int) -> None:
    """Generation and prompt threads for the next requests (the parent's thread policy,
    `causerie.compute`), set on the loaded context: no reload."""
    if getattr(llama, "threads_in_use", None) == threads:
        return
    context = getattr(llama, "_ctx", None)  # llama_cpp.Llama's LlamaContext
    if context is not None:
        context.set_n_threads(threads, threads)
    llama.threads_in_use = threads


def generate(
    llama: Any,
    request_id: int,
    kwargs: dict[str, Any],
    cancelled: Callable[[int], bool],
    send: Send,
) -> None:
    """Stream one chat completion as deltas, then its end (or a failure)."""
    parts: list[str] = []
    finish_reason: str | None = None
    chunks: Iterator[Any] | None = None
    try:
        chunks = iter(llama.create_chat_completion(**kwargs, stream=True))
        for chunk in chunks:
            if cancelled(request_id):
                finish_reason = "cancelled"
                break
            choice = chunk["choices"][0]
            text = choice.get("delta", {}).get("content")
            if text:
                parts.append(text)
                send({"type": "delta", "id": request_id, "text": text})
            finish_reason = choice.get("finish_reason") or finish_reason
    except Exception as exc:  # decode errors, grammar errors, ...
        send({"type": "fail", "id": request_id, "message": f"{exc}"})
        return
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    completion = "".join(parts)
    completion_tokens = len(llama.tokenize(completion.encode("utf-8"), add_bos=False))
    send(
        {
            "type": "end",
            "id": request_id,
            "finish_reason": finish_reason or "stop",
            "usage": {
                "prompt_tokens": max(int(llama.n_tokens) - completion_tokens, 0),
                "completion_tokens": completion_tokens,
            },
        }
    )


def self_test(llama: Any) -> dict[str, Any]:
    """Decode SELF_TEST_PROMPT and a few tokens; the timings `doctor` prints."""
    prompt_tokens = len(llama.tokenize(SELF_TEST_PROMPT.encode("utf-8"), add_bos=True))
    llama.reset()
    started = time.perf_counter()
    first: float | None = None
    generated = 0
    for _ in llama.create_completion(
        SELF_TEST_PROMPT, max_tokens=SELF_TEST_TOKENS, temperature=0.0, stream=True
    ):
        generated += 1
        if first is None:
            first = time.perf_counter()
    end = time.perf_counter()
    first = first or end
    return {
        "prompt_tokens": prompt_tokens,
        "prompt_ms": round((first - started) * 1000, 1),
        "generated_tokens": generated,
        "generation_ms": round((end - first) * 1000, 1),
    }


if __name__ == "__main__":
    sys.exit(main(sys.argv))
