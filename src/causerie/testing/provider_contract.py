"""The Provider contract: every adapter's test module subclasses `ProviderContract`.

    class TestFakeContract(ProviderContract):
        @pytest.fixture
        def provider(self):
            return FakeProvider()

The suite calls `script_reply(provider, REPLY)` before each stream. The default enqueues the
reply on providers that have `enqueue` (the fake); a test against a scripted server overrides
it to script the server. A real model cannot be scripted: return None and the suite checks the
shape of the stream but not its text.

The rules checked: deltas are non-empty strings; the joined text is the reply; at most one
Usage, after the last delta; exactly one Finish and it is the last event; capabilities are
present; closing the stream early does not raise and leaves the provider usable.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from causerie.providers.base import Capabilities, Provider
from causerie.types import Event, Finish, GenerationOptions, Message, TextDelta, Usage

REPLY = "Paris is the capital of France."

FINISH_REASONS = {"stop", "length", "interrupted", "error"}


class ProviderContract:
    """A pytest mixin. Subclasses provide a `provider` fixture."""

    reply = REPLY
    messages = (
        Message("system", "You answer in one short sentence."),
        Message("user", "What is the capital of France?"),
    )
    options = GenerationOptions(max_tokens=24, temperature=0.0, seed=0)

    def script_reply(self, provider: Any, text: str) -> str | None:
        """Make `provider` answer `text`; return the text the stream must produce, or None
        when the reply cannot be scripted (a real model)."""
        enqueue = getattr(provider, "enqueue", None)
        if enqueue is None:
            return None
        enqueue(text)
        return text

    def run_stream(self, provider: Provider) -> tuple[list[Event], str | None]:
        expected = self.script_reply(provider, self.reply)
        events = list(provider.stream(list(self.messages), self.options))
        return events, expected

    # ------------------------------------------------------------------ the rules

    def test_satisfies_the_protocol(self, provider: Provider) -> None:
        assert isinstance(provider, Provider)
        assert isinstance(provider.name, str) and provider.name
        assert isinstance(provider.capabilities, Capabilities)
        assert provider.capabilities.context_window > 0
        assert provider.capabilities.max_concurrency >= 1

    def test_deltas_are_non_empty_strings(self, provider: Provider) -> None:
        events, _ = self.run_stream(provider)
        deltas = [e for e in events if isinstance(e, TextDelta)]
        assert deltas, "a reply streams at least one TextDelta"
        assert all(isinstance(d.text, str) and d.text for d in deltas)

    def test_joined_text_is_the_reply(self, provider: Provider) -> None:
        events, expected = self.run_stream(provider)
        text = "".join(e.text for e in events if isinstance(e, TextDelta))
        if expected is None:
            assert text.strip()
        else:
            assert text == expected

    def test_exactly_one_finish_and_it_is_last(self, provider: Provider) -> None:
        events, _ = self.run_stream(provider)
        finishes = [e for e in events if isinstance(e, Finish)]
        assert len(finishes) == 1
        assert events[-1] is finishes[0]
        assert finishes[0].reason in FINISH_REASONS
        assert finishes[0].reason in ("stop", "length")

    def test_at_most_one_usage_after_the_text(self, provider: Provider) -> None:
        events, _ = self.run_stream(provider)
        usages = [i for i, e in enumerate(events) if isinstance(e, Usage)]
        assert len(usages) <= 1
        if usages:
            last_delta = max(i for i, e in enumerate(events) if isinstance(e, TextDelta))
            assert usages[0] > last_delta
            usage = events[usages[0]]
            assert isinstance(usage, Usage)
            assert usage.prompt_tokens >= 0 and usage.completion_tokens >= 0

    def test_only_known_event_types(self, provider: Provider) -> None:
        events, _ = self.run_stream(provider)
        assert all(isinstance(e, TextDelta | Usage | Finish) for e in events)

    def test_early_close_does_not_raise(self, provider: Provider) -> None:
        self.script_reply(provider, self.reply)
        stream: Iterator[Event] = provider.stream(list(self.messages), self.options)
        first = next(stream)
        assert isinstance(first, TextDelta)
        stream.close()  # type: ignore[attr-defined]  # a generator, as the stop button does

    def test_usable_after_early_close(self, provider: Provider) -> None:
        self.script_reply(provider, self.reply)
        stream = provider.stream(list(self.messages), self.options)
        next(stream)
        stream.close()  # type: ignore[attr-defined]
        events, expected = self.run_stream(provider)
        assert isinstance(events[-1], Finish)
        if expected is not None:
            assert "".join(e.text for e in events if isinstance(e, TextDelta)) == expected
