"""The engine reads the provider's context window: the prompt and the longest answer always fit
it, sources are left out from the last one, and a window too small for one source is an error
that names the setting."""

from __future__ import annotations

import pytest

from causerie.assistants.kit import notebook_passages
from causerie.config import Settings
from causerie.embedders.fake import HashingEmbedder
from causerie.errors import InputError
from causerie.ingest.chunking import count_tokens
from causerie.providers.fake import FakeProvider
from causerie.session import (
    MESSAGE_OVERHEAD_TOKENS,
    TOKEN_ESTIMATE_MARGIN,
    Engine,
    Retrieved,
    final_answer,
)
from causerie.types import Notebook, Owner

QUESTION = "When does the library open on Sundays, and what is the late fee?"


def engine_with_window(store, settings: Settings, window: int) -> tuple[Engine, FakeProvider]:  # type: ignore[no-untyped-def]
    fake = FakeProvider(context_window=window)
    return Engine(store, lambda: fake, HashingEmbedder(), settings), fake


def needed(fake: FakeProvider, settings: Settings) -> int:
    """What the prompt the model got, and the longest answer, take of its window."""
    prompt = sum(count_tokens(m.content) + MESSAGE_OVERHEAD_TOKENS for m in fake.last_messages)
    return round(prompt * TOKEN_ESTIMATE_MARGIN) + settings.max_answer_tokens


def test_sources_are_left_out_until_the_prompt_fits_the_window(
    store,  # type: ignore[no-untyped-def]
    settings: Settings,
    owner: Owner,
    notebook: Notebook,
) -> None:
    passages = notebook_passages(store, owner, notebook).passages
    assert len(passages) >= 2
    used: list[int] = []
    refused_at = None
    for window in range(4096, 0, -16):
        engine, fake = engine_with_window(store, settings, window)
        events = engine.answer_over(owner, notebook, QUESTION, passages, save=False)
        try:
            retrieved = next(events)
            assert isinstance(retrieved, Retrieved)
            final_answer(events)
        except InputError as error:
            assert "context window of" in str(error) and "context_window setting" in str(error)
            refused_at = window
            break
        assert needed(fake, settings) <= window  # never more than the model takes
        used.append(len(retrieved.hits))
    assert used[0] == len(passages)  # a large window holds them all
    assert used == sorted(used, reverse=True) and used[-1] == 1  # fewer as it shrinks
    assert refused_at is not None and refused_at > settings.max_answer_tokens


def test_ask_checks_the_window_too(
    store,  # type: ignore[no-untyped-def]
    settings: Settings,
    owner: Owner,
    notebook: Notebook,
) -> None:
    engine, _ = engine_with_window(store, settings, settings.max_answer_tokens + 40)
    with pytest.raises(InputError, match="context_window"):
        final_answer(engine.ask(owner, notebook, QUESTION, save=False))
    roomy, fake = engine_with_window(store, settings, 4096)
    answer = final_answer(roomy.ask(owner, notebook, QUESTION, save=False))
    assert fake.calls and not answer.interrupted
