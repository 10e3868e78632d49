"""The Provider seam: `stream(messages, options) -> Iterator[Event]`.

An event stream always ends with exactly one Finish event. Errors *before* the first token
raise ProviderError; an error or interruption *after* some text yields
Finish("interrupted", error=...) so the caller keeps the partial answer.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from causerie.types import Event, GenerationOptions, Message


@dataclass(frozen=True, slots=True)
class Capabilities:
    structured_output: bool = False  # honours GenerationOptions.json_schema
    vision: bool = False
    context_window: int = 4096
    max_concurrency: int = 1  # requests it takes at once; the web chat queues the rest


@runtime_checkable
class Provider(Protocol):
    """A model: `stream(messages, options)` yields TextDelta..., Usage, then one Finish;
    `capabilities` says what it honours and how many requests it takes at once."""

    name: str
    capabilities: Capabilities

    def stream(
        self, messages: Sequence[Message], options: GenerationOptions
    ) -> Iterator[Event]: ...


def system_and_turns(messages: Sequence[Message]) -> tuple[str, list[tuple[str, str]]]:
    """(system text, alternating (role, content) turns) for APIs that take the system prompt
    apart and refuse two turns of the same role in a row (Anthropic, Gemini)."""
    system = "\n\n".join(m.content for m in messages if m.role == "system")
    turns: list[tuple[str, str]] = []
    for message in messages:
        if message.role == "system":
            continue
        if turns and turns[-1][0] == message.role:
            turns[-1] = (message.role, turns[-1][1] + "\n\n" + message.content)
        else:
            turns.append((message.role, message.content))
    return system, turns


def collect_text(events: Iterator[Event]) -> str:
    """Join the text deltas of a stream (for non-streaming callers)."""
    from causerie.types import TextDelta

    return "".join(e.text for e in events if isinstance(e, TextDelta))
