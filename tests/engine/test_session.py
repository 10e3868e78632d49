"""The one loop, on a real SQLite file with the scripted fake model."""

from __future__ import annotations

import pytest

from causerie.config import Settings
from causerie.providers.fake import FakeProvider, FakeReply
from causerie.session import Answer, Engine, Retrieved
from causerie.types import Notebook, Owner, TextDelta


def test_events_come_in_order_and_the_answer_is_saved_with_citations(
    engine: Engine, notebook: Notebook, owner: Owner, fake_provider: FakeProvider
) -> None:
    fake_provider.enqueue("On Sundays it opens from 10:00 to 14:00 [1].")
    events = list(engine.ask(owner, notebook, "When does the library open on Sundays?"))
    assert isinstance(events[0], Retrieved) and events[0].mode == "hybrid"
    assert isinstance(events[-1], Answer)
    streamed = "".join(e.text for e in events if isinstance(e, TextDelta))
    answer = events[-1]
    assert streamed == answer.text
    saved = engine.store.list_messages(owner, answer.conversation_id)
    assert [m.role for m in saved] == ["user", "assistant"]
    assert saved[1].content == answer.text
    assert saved[1].citations[0].chunk_id == answer.citations[0].chunk_id


def test_an_interrupted_stream_keeps_its_partial_answer_marked_interrupted(
    engine: Engine, notebook: Notebook, owner: Owner, fake_provider: FakeProvider
) -> None:
    reply = "On Sundays it opens from 10:00 to 14:00 [1]. Books are lent for 21 days."
    fake_provider.enqueue(FakeReply(reply, interrupt_after=60))
    answer = list(engine.ask(owner, notebook, "When does the library open on Sundays?"))[-1]
    assert answer.interrupted and not answer.abstained
    assert answer.text.startswith("On Sundays it opens from 10:00 to 14:00 [1].")
    assert "21 days" not in answer.text
    saved = engine.store.list_messages(owner, answer.conversation_id)[-1]
    assert saved.interrupted and saved.content == answer.text


def test_a_reader_that_stops_early_still_gets_the_partial_answer_saved(
    engine: Engine, notebook: Notebook, owner: Owner, fake_provider: FakeProvider
) -> None:
    fake_provider.enqueue("On Sundays it opens from 10:00 to 14:00 [1]. It is closed on Mondays.")
    conversation = engine.store.create_conversation(owner, notebook.id, "t")
    stream = engine.ask(owner, notebook, "When does it open on Sundays?", conversation.id)
    for event in stream:
        if isinstance(event, TextDelta):
            break  # the stop button
    stream.close()
    saved = engine.store.list_messages(owner, conversation.id)
    assert saved[-1].role == "assistant" and saved[-1].interrupted
    assert saved[-1].content.startswith("On Sundays")


def test_an_empty_notebook_says_so_in_the_question_language(
    engine: Engine,
    store,
    owner: Owner,
    fake_provider: FakeProvider,  # type: ignore[no-untyped-def]
) -> None:
    empty = store.ensure_notebook(owner, "empty")
    answer = list(engine.ask(owner, empty, "Quand la bibliothèque ouvre-t-elle ?"))[-1]
    assert answer.abstained and answer.language == "fr"
    assert "aucune source" in answer.text
    assert fake_provider.calls == []


def test_empty_and_oversized_questions_are_refused_with_a_clear_error(
    engine: Engine, notebook: Notebook, owner: Owner
) -> None:
    from causerie.errors import InputError

    with pytest.raises(InputError, match="question: is empty"):
        list(engine.ask(owner, notebook, "   "))
    with pytest.raises(InputError, match="longer than"):
        list(engine.ask(owner, notebook, "why " * 2000))


def test_lexical_only_when_there_is_no_embedder(
    store,
    settings: Settings,
    notebook: Notebook,
    owner: Owner,
    fake_provider: FakeProvider,  # type: ignore[no-untyped-def]
) -> None:
    engine = Engine(store, lambda: fake_provider, None, settings)
    fake_provider.enqueue("The late fee is 0.25 euros per day [1].")
    events = list(engine.ask(owner, notebook, "What is the late fee?"))
    assert events[0].mode == "lexical"
    assert events[-1].citations[0].locator.heading_path[-1] == "Borrowing"


def test_a_model_repeating_itself_is_stopped_and_said_once(
    engine: Engine, notebook: Notebook, owner: Owner, fake_provider: FakeProvider
) -> None:
    fake_provider.enqueue("On Sundays it opens from 10:00 to 14:00 [1]. " * 20)
    answer = list(engine.ask(owner, notebook, "When does the library open on Sundays?"))[-1]
    assert answer.text == "On Sundays it opens from 10:00 to 14:00 [1]."
    assert answer.timings["stopped_repeating"] == 1.0
    assert not answer.abstained


def test_a_partial_answer_says_which_part_the_sources_do_not_answer(
    engine: Engine, notebook: Notebook, owner: Owner, fake_provider: FakeProvider
) -> None:
    fake_provider.enqueue("On Sundays it opens from 10:00 to 14:00 [1].")
    question = "When does the library open on Sundays, and who is the head librarian?"
    answer = list(engine.ask(owner, notebook, question))[-1]
    assert answer.text == (
        "On Sundays it opens from 10:00 to 14:00 [1]. The sources do not answer this part of "
        "the question: “who is the head librarian?”"
    )
