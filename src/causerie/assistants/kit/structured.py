"""Structured generation: one JSON object from the model, parsed and validated in code, with
bounded retries.

    def validate(data: dict[str, Any]) -> Step:        # raise Rejected("why") to ask again
        return Step(text_field(data, "question"), text_field(data, "hint", 300))

    outcome = generate(provider, messages, SCHEMA, validate, attempts=3)
    if outcome.value is None:                           # every try was rejected
        log(outcome.rejections)

Capability-aware: a provider whose `capabilities.structured_output` is True gets the schema as
`GenerationOptions.json_schema` (llama.cpp turns it into a grammar, API models into their
structured-output mode); any other provider is asked for the JSON in the prompt, with the
schema written out (`with_json_request`). Either way the reply is parsed defensively (code
fences, text around the object) and validated in code: the schema shapes the reply, the
validator decides. A rejected reply is asked again with the reason appended to the request,
up to `attempts` tries in all, each a little warmer; a ProviderError is never retried.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from causerie.providers.base import Provider, collect_text
from causerie.types import GenerationOptions, Message

T = TypeVar("T")

DEFAULT_ATTEMPTS = 3


class Rejected(Exception):
    """A reply the validator refuses; the message says why (it is shown to the model)."""


@dataclass
class Outcome(Generic[T]):
    """What `generate` got: the validated value (None when every try was rejected), how many
    calls it took, how long, why replies were rejected, and whether a grammar constrained them
    (False: the JSON was asked for in the prompt)."""

    value: T | None
    tries: int
    seconds: float
    rejections: list[str] = field(default_factory=list)
    constrained: bool = True


def parse_object(text: str) -> dict[str, Any]:
    """The first JSON object in a reply; Rejected when there is none."""
    cleaned = re.sub(r"^```(?:json)?\s*|\s*```\s*$", "", text.strip())
    start = cleaned.find("{")
    if start < 0:
        raise Rejected("the reply holds no JSON object")
    try:
        value, _ = json.JSONDecoder().raw_decode(cleaned[start:])
    except json.JSONDecodeError as exc:
        raise Rejected(f"the reply is not valid JSON ({exc.msg})") from None
    if not isinstance(value, dict):
        raise Rejected("the reply is not a JSON object")
    return value


def text_field(data: Mapping[str, Any], name: str, max_chars: int = 400) -> str:
    """A required non-empty string field, whitespace collapsed."""
    value = data.get(name)
    if not isinstance(value, str) or not value.strip():
        raise Rejected(f'"{name}" is missing or empty')
    value = " ".join(value.split())
    if len(value) > max_chars:
        raise Rejected(f'"{name}" is longer than {max_chars} characters')
    return value


def text_list(data: Mapping[str, Any], name: str, count: int, max_chars: int = 200) -> list[str]:
    """A required list of exactly `count` non-empty strings."""
    value = data.get(name)
    if not isinstance(value, list) or len(value) != count:
        raise Rejected(f'"{name}" must be a list of {count} texts')
    return [text_field({name: item}, name, max_chars) for item in value]


def generate(
    provider: Provider,
    messages: Sequence[Message],
    schema: Mapping[str, Any],
    validate: Callable[[dict[str, Any]], T],
    *,
    attempts: int = DEFAULT_ATTEMPTS,
    max_tokens: int = 320,
    temperature: float = 0.2,
) -> Outcome[T]:
    """Ask until `validate` accepts a reply (returns its value) or `attempts` are spent
    (value None, with the reasons). ProviderError propagates: a dead model is not retried."""
    started = time.perf_counter()
    constrained = provider.capabilities.structured_output
    request = list(messages) if constrained else with_json_request(messages, schema)
    outcome: Outcome[T] = Outcome(value=None, tries=0, seconds=0.0, constrained=constrained)
    prompt = request
    for attempt in range(max(1, attempts)):
        options = GenerationOptions(
            max_tokens=max_tokens,
            temperature=temperature if attempt == 0 else min(0.9, temperature + 0.3 * attempt),
            json_schema=schema if constrained else None,
            seed=attempt,
        )
        reply = collect_text(iter(provider.stream(prompt, options)))
        outcome.tries += 1
        try:
            outcome.value = validate(parse_object(reply))
            break
        except Rejected as exc:
            outcome.rejections.append(str(exc))
            prompt = [*request[:-1], _with_note(request[-1], str(exc))]
    outcome.seconds = time.perf_counter() - started
    return outcome


def with_json_request(messages: Sequence[Message], schema: Mapping[str, Any]) -> list[Message]:
    """The messages with the JSON asked for in the last one (for a provider without structured
    output): reply with one JSON object only, following this schema."""
    written = json.dumps(schema, ensure_ascii=False, separators=(",", ":"))
    request = (
        "\n\nReply with one JSON object only, with no text before or after it. "
        f"It must follow this JSON schema:\n{written}"
    )
    *earlier, last = messages
    return [*earlier, Message(last.role, last.content + request)]


def _with_note(message: Message, reason: str) -> Message:
    note = (
        f"\n\nA previous reply was rejected because {reason}. "
        "Write a new one that follows the rules."
    )
    return Message(message.role, message.content + note)
