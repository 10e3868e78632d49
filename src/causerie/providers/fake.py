"""A scripted Provider for tests: queue replies, record calls, stream word by word.

    fake = FakeProvider()
    fake.enqueue("Paris is the capital of France.")       # streamed in word-sized deltas
    fake.enqueue(ProviderUnavailable("server down"))      # raised before any text
    fake.enqueue(FakeReply("Paris is", interrupt_after=5))  # 'Paris' then Finish('interrupted')
    fake.calls  # [(messages, options), ...] in call order

When the queue is empty the reply is `DEFAULT_REPLY`, or, when the call asks for a JSON schema,
a minimal JSON document for that schema (see `example_for_schema`). With `strict=True` an
unscripted call raises ProviderError instead. Queued text is returned as-is, JSON included.
Usage counts words: prompt words over all messages, completion words in the streamed text.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from causerie.errors import ProviderError
from causerie.providers.base import Capabilities
from causerie.types import Event, Finish, FinishReason, GenerationOptions, Message, TextDelta, Usage

DEFAULT_REPLY = "This is a scripted reply from the fake provider."


@dataclass(frozen=True, slots=True)
class FakeReply:
    """A scripted reply with knobs: cut it after `interrupt_after` characters, or end it with
    another finish reason ('length', 'error')."""

    text: str
    interrupt_after: int | None = None
    error: str = "the connection was lost (scripted interruption)"
    finish_reason: FinishReason = "stop"


Reply = str | FakeReply | BaseException


class FakeProvider:
    """The scripted fake. Thread-safe for enqueue / stream from several threads."""

    name = "fake"

    def __init__(
        self,
        *replies: Reply,
        strict: bool = False,
        context_window: int = 4096,
        delay_s: float = 0.0,
        max_concurrency: int = 1,
    ) -> None:
        self.capabilities = Capabilities(
            structured_output=True, context_window=context_window, max_concurrency=max_concurrency
        )
        self.strict = strict
        self.delay_s = delay_s  # pause before each delta, to test cancellation while streaming
        self.calls: list[tuple[list[Message], GenerationOptions]] = []
        self.closed_early = 0  # streams the consumer closed before their Finish
        self._queue: deque[Reply] = deque()
        self._lock = threading.Lock()
        self.enqueue(*replies)

    def enqueue(self, *replies: Reply) -> None:
        for reply in replies:
            if not isinstance(reply, str | FakeReply | BaseException):
                raise TypeError(f"a fake reply is a str, FakeReply or exception, not {reply!r}")
        with self._lock:
            self._queue.extend(replies)

    @property
    def pending(self) -> int:
        """How many queued replies are left."""
        return len(self._queue)

    @property
    def last_messages(self) -> list[Message]:
        if not self.calls:
            raise AssertionError("the fake provider was never called")
        return self.calls[-1][0]

    def stream(self, messages: Sequence[Message], options: GenerationOptions) -> Iterator[Event]:
        # Record and pop now, not on first iteration, so call order maps to queue order.
        with self._lock:
            self.calls.append((list(messages), options))
            reply = self._queue.popleft() if self._queue else None
        if reply is None:
            if self.strict:
                raise ProviderError(
                    "fake provider: no scripted reply left for this call (strict=True); "
                    "enqueue() one reply per expected call"
                )
            reply = default_reply(options)
        return self._events(messages, reply)

    def _events(self, messages: Sequence[Message], reply: Reply) -> Iterator[Event]:
        if isinstance(reply, BaseException):
            raise reply
        script = reply if isinstance(reply, FakeReply) else FakeReply(reply)
        text = script.text
        interrupted = script.interrupt_after is not None and script.interrupt_after < len(text)
        if interrupted:
            text = text[: script.interrupt_after]
        try:
            for piece in split_words(text):
                if self.delay_s:
                    time.sleep(self.delay_s)
                yield TextDelta(piece)
            if interrupted:
                yield Finish("interrupted", error=script.error)
                return
            yield Usage(
                prompt_tokens=sum(count_words(m.content) for m in messages),
                completion_tokens=count_words(text),
            )
            error = script.error if script.finish_reason == "error" else None
            yield Finish(script.finish_reason, error=error)
        except GeneratorExit:
            self.closed_early += 1
            raise


def split_words(text: str) -> list[str]:
    """Split into non-empty word-sized pieces that join back to `text` exactly."""
    pieces = re.findall(r"\s*\S+", text)
    rest = text[sum(len(p) for p in pieces) :]
    if rest:
        if pieces:
            pieces[-1] += rest
        else:
            pieces = [rest]
    return pieces


def count_words(text: str) -> int:
    return len(text.split())


def default_reply(options: GenerationOptions) -> str:
    """The deterministic reply to an unscripted call."""
    if options.json_schema is not None:
        return json.dumps(example_for_schema(options.json_schema))
    return DEFAULT_REPLY


def example_for_schema(schema: Mapping[str, Any]) -> Any:
    """A minimal value of a JSON schema: required properties only, empty strings and lists,
    zeros, false, the first enum / const value. Enough for code that parses the reply."""
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf"):
        if schema.get(key):
            return example_for_schema(schema[key][0])
    kind = schema.get("type", "object" if "properties" in schema else "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        props = schema.get("properties", {})
        required = schema.get("required", [])
        return {name: example_for_schema(props.get(name, {})) for name in required}
    if kind == "array":
        return []
    if kind in ("integer", "number"):
        return schema.get("minimum", 0)
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    return ""
