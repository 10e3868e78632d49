"""A scripted stand-in for `llama_cpp.Llama`, run inside a real runner process (tests).

The process, the pipe, the probe and the restarts are the real ones; only the model's words
are scripted, and crashes happen on cue, as a real SIGSEGV of the runner process:

    script = {
        "replies": [["Paris", " is", " nice."]],   # one per request; the last one repeats
        "delay_s": 0.0,                            # before each chunk
        "crash_when_extra_buffer_types": True,     # SIGSEGV in the probe's test decode, as
                                                   # llama.cpp does with AMX on some Xeons
        "crash_in_self_test": False,               # SIGSEGV in every test decode
        "load_error": None,                        # a message: the model file is refused
        "crash_after_chunks": None,                # SIGSEGV mid-answer after N chunks
        "fail_after_chunks": None,                 # a Python error after N chunks
        "record": "/tmp/calls.jsonl",              # each request's kwargs, one JSON a line
    }
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from typing import Any

from causerie.runner.params import RuntimeParams


def crash() -> None:
    """Die the way a C library bug kills a process."""
    os.kill(os.getpid(), signal.SIGSEGV)
    time.sleep(10)  # the signal is delivered before this returns


class ScriptedLlama:
    def __init__(self, script: dict[str, Any], params: RuntimeParams) -> None:
        if script.get("load_error"):
            raise ValueError(script["load_error"])
        self.script = script
        self.params = params
        self.replies: list[list[str]] = [list(r) for r in script.get("replies", [["ok"]])]
        self.requests = 0
        self.n_tokens = 0
        self.threads_in_use = 0

    def create_chat_completion(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        if record := self.script.get("record"):
            with open(record, "a", encoding="utf-8") as out:
                call = {k: v for k, v in kwargs.items() if k != "stream"}
                out.write(json.dumps({**call, "threads": self.threads_in_use}) + "\n")
        reply = self.replies[min(self.requests, len(self.replies) - 1)]
        self.requests += 1
        return self._chunks(reply)

    def _chunks(self, reply: list[str]) -> Iterator[dict[str, Any]]:
        delay = float(self.script.get("delay_s", 0.0))
        for i, text in enumerate(reply):
            if i == self.script.get("crash_after_chunks"):
                crash()
            if i == self.script.get("fail_after_chunks"):
                raise RuntimeError("llama_decode returned -1")
            time.sleep(delay)
            self.n_tokens = 20 + i + 1
            yield {"choices": [{"delta": {"content": text}, "finish_reason": None}]}
        yield {"choices": [{"delta": {}, "finish_reason": "stop"}]}

    def create_completion(self, prompt: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
        if self.script.get("crash_in_self_test") or (
            self.params.extra_buffer_types and self.script.get("crash_when_extra_buffer_types")
        ):
            crash()
        for _ in range(int(kwargs.get("max_tokens", 1))):
            yield {"choices": [{"text": "x"}]}

    def tokenize(self, data: bytes, add_bos: bool = False) -> list[int]:
        return list(range(len(data.split())))

    def reset(self) -> None:
        self.n_tokens = 0
