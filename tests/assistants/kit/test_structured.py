"""Structured generation: schema to a provider that has a grammar, JSON asked for in the prompt
of one that has not; replies validated in code and asked again, a bounded number of times."""

from __future__ import annotations

import json
from typing import Any

import pytest

from causerie.assistants.kit.structured import (
    Rejected,
    generate,
    parse_object,
    text_field,
    text_list,
)
from causerie.errors import ProviderUnavailable
from causerie.providers.base import Capabilities
from causerie.providers.fake import FakeProvider
from causerie.types import Message

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"question": {"type": "string"}, "hint": {"type": "string"}},
    "required": ["question", "hint"],
}
MESSAGES = [Message("system", "You write study questions."), Message("user", "Passage: ...")]


def step(data: dict[str, Any]) -> tuple[str, str]:
    question, hint = text_field(data, "question"), text_field(data, "hint")
    if "ATP" in hint:
        raise Rejected("the hint gives the answer away")
    return question, hint


def without_grammar() -> FakeProvider:
    fake = FakeProvider(strict=True)
    fake.capabilities = Capabilities(structured_output=False)
    return fake


def test_without_structured_output_the_json_is_asked_for_in_the_prompt_and_still_checked() -> None:
    fake = without_grammar()
    fake.enqueue(
        'Sure! {"question": "Which molecule stores energy?", "hint": "It is ATP."}',
        'Here you go:\n```json\n{"question": "Which molecule stores energy?", '
        '"hint": "Three capital letters."}\n```',
    )
    outcome = generate(fake, MESSAGES, SCHEMA, step)
    assert outcome.value == ("Which molecule stores energy?", "Three capital letters.")
    assert outcome.tries == 2 and not outcome.constrained
    assert outcome.rejections == ["the hint gives the answer away"]
    first, retry = (messages for messages, _ in fake.calls)
    assert all(options.json_schema is None for _, options in fake.calls)  # no grammar to use
    assert first[0] == MESSAGES[0]  # the system rules are untouched
    request = first[-1].content
    assert request.startswith("Passage: ...") and "Reply with one JSON object only" in request
    assert json.dumps(SCHEMA, separators=(",", ":")) in request
    assert retry[-1].content.startswith(request)
    assert "rejected because the hint gives the answer away" in retry[-1].content


def test_with_structured_output_the_schema_goes_to_the_provider_not_the_prompt() -> None:
    fake = FakeProvider(strict=True)
    fake.enqueue('{"question": "Which molecule stores energy?", "hint": "Three letters."}')
    outcome = generate(fake, MESSAGES, SCHEMA, step, max_tokens=99)
    assert outcome.value is not None and outcome.constrained
    messages, options = fake.calls[0]
    assert messages == MESSAGES and options.json_schema == SCHEMA
    assert options.max_tokens == 99


def test_retries_are_bounded_and_each_is_a_little_warmer() -> None:
    fake = without_grammar()
    fake.enqueue("I cannot do that.", '{"question": ""}', '["not", "an", "object"]')
    outcome = generate(fake, MESSAGES, SCHEMA, step, attempts=3, temperature=0.2)
    assert outcome.value is None and outcome.tries == 3 and fake.pending == 0
    assert outcome.rejections == [
        "the reply holds no JSON object",
        '"question" is missing or empty',
        "the reply holds no JSON object",
    ]
    assert [round(o.temperature, 2) for _, o in fake.calls] == [0.2, 0.5, 0.8]
    assert [o.seed for _, o in fake.calls] == [0, 1, 2]


def test_a_provider_error_is_not_retried() -> None:
    fake = without_grammar()
    fake.enqueue(ProviderUnavailable("the server is down"), '{"question": "q", "hint": "h"}')
    with pytest.raises(ProviderUnavailable):
        generate(fake, MESSAGES, SCHEMA, step)
    assert len(fake.calls) == 1


def test_replies_are_parsed_defensively_and_fields_checked() -> None:
    assert parse_object('```json\n{"a": 1}\n```') == {"a": 1}
    assert parse_object('The object: {"a": {"b": 2}} and more text') == {"a": {"b": 2}}
    with pytest.raises(Rejected, match="not valid JSON"):
        parse_object('{"a": ')
    assert text_field({"q": "  two\n words "}, "q") == "two words"
    with pytest.raises(Rejected, match="longer than 5 characters"):
        text_field({"q": "too long"}, "q", max_chars=5)
    assert text_list({"d": ["a", "b"]}, "d", 2) == ["a", "b"]
    with pytest.raises(Rejected, match="a list of 3 texts"):
        text_list({"d": ["a", "b"]}, "d", 3)
