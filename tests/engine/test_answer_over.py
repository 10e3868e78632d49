"""Engine.answer_over: answering over passages an assistant chose, with ask's checks and saving;
final_answer; the one citation JSON form."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from causerie import grounding
from causerie.providers.fake import FakeProvider
from causerie.session import Answer, Engine, Guidance, Retrieved, final_answer, final_answer_async
from causerie.types import Hit, Notebook, Owner, TextDelta


@dataclass
class Library:
    """The guide notebook, its engine and fake model, and the passage an assistant chose: the
    Borrowing section."""

    engine: Engine
    owner: Owner
    notebook: Notebook
    fake: FakeProvider
    chosen: Hit

    def saved(self, conversation_id: str | None) -> list[tuple[str, str]]:
        assert conversation_id is not None
        messages = self.engine.store.list_messages(self.owner, conversation_id)
        return [(m.role, m.content) for m in messages]


@pytest.fixture
def library(
    engine: Engine, owner: Owner, notebook: Notebook, fake_provider: FakeProvider
) -> Library:
    _, relevant = engine.find_passages(owner, notebook, "How long are books lent for?")
    chosen = next(h for h in relevant if h.chunk.locator.heading_path[-1] == "Borrowing")
    return Library(engine, owner, notebook, fake_provider, chosen)


def test_it_cites_only_the_passages_it_was_given(library: Library) -> None:
    engine, owner, book, chosen = library.engine, library.owner, library.notebook, library.chosen
    library.fake.enqueue("Books are lent for 21 days [1]. The late fee is 0.25 euros [2].")
    events = list(engine.answer_over(owner, book, "How long can I keep a book?", [chosen]))
    assert isinstance(events[0], Retrieved) and events[0].mode == "chosen"
    assert events[0].hits == [chosen]
    prompt = library.fake.last_messages[-1].content
    assert "21 days" in prompt and "Sundays" not in prompt  # no retrieval: only the chosen one
    answer = events[-1]
    assert isinstance(answer, Answer) and not answer.abstained
    assert [c.chunk_id for c in answer.citations] == [chosen.chunk.id]
    assert answer.dropped_markers == [2]  # [2] was never in the prompt
    assert answer.text == "Books are lent for 21 days [1]. The late fee is 0.25 euros [1]."


def test_unsupported_sentences_are_held_back_until_a_supported_one_comes(
    library: Library,
) -> None:
    engine, owner, book, chosen = library.engine, library.owner, library.notebook, library.chosen
    library.fake.enqueue("Dragons guard the castle at night. Books are lent for 21 days [1].")
    events = list(engine.answer_over(owner, book, "How long are books lent?", [chosen]))
    deltas = [e.text for e in events if isinstance(e, TextDelta)]
    assert "21 days" in deltas[0]  # nothing was shown before the supported sentence came
    answer = events[-1]
    assert isinstance(answer, Answer) and answer.unsupported_sentences == 1


def test_it_abstains_when_no_sentence_is_supported_and_saves_the_abstention(
    library: Library,
) -> None:
    engine, owner, book, chosen = library.engine, library.owner, library.notebook, library.chosen
    library.fake.enqueue("The moon is made of green cheese.")
    answer = final_answer(engine.answer_over(owner, book, "What is the moon?", [chosen]))
    assert answer.abstained and answer.citations == []
    assert answer.text == grounding.ABSTENTION["en"] and "cheese" not in answer.text
    assert library.saved(answer.conversation_id) == [
        ("user", "What is the moon?"),
        ("assistant", answer.text),
    ]
    saved = engine.store.list_messages(owner, answer.conversation_id or "")
    assert saved[1].abstained


def test_no_passage_is_an_abstention_without_calling_the_model(library: Library) -> None:
    engine, owner, book = library.engine, library.owner, library.notebook
    answer = final_answer(engine.answer_over(owner, book, "Quand ouvre-t-elle ?", []))
    assert answer.abstained and answer.language == "fr"
    assert answer.text == grounding.ABSTENTION["fr"]
    assert library.fake.calls == []


def test_it_saves_and_continues_a_conversation_like_ask(library: Library) -> None:
    engine, owner, book, chosen = library.engine, library.owner, library.notebook, library.chosen
    library.fake.enqueue("Books are lent for 21 days [1].", "The late fee is 0.25 euros [1].")
    first = final_answer(engine.answer_over(owner, book, "How long is a loan?", [chosen]))
    assert first.conversation_id is not None and first.message_id is not None
    second = final_answer(
        engine.answer_over(owner, None, "And if I am late?", [chosen], first.conversation_id)
    )
    assert second.conversation_id == first.conversation_id
    assert [m.content for m in library.fake.last_messages[1:3]] == [
        "How long is a loan?",
        "Books are lent for 21 days [1].",
    ]  # the earlier turn is replayed, as ask does
    assert [role for role, _ in library.saved(first.conversation_id)] == [
        "user", "assistant", "user", "assistant",
    ]  # fmt: skip
    saved = engine.store.list_messages(owner, first.conversation_id)
    assert saved[3].citations[0].chunk_id == chosen.chunk.id
    assert engine.store.list_conversations(owner, book.id)[0].title == "How long is a loan?"


def test_guidance_and_language_shape_the_call_and_nothing_is_saved_when_asked(
    library: Library,
) -> None:
    engine, owner, book, chosen = library.engine, library.owner, library.notebook, library.chosen
    library.fake.enqueue("Les livres sont prêtés 21 jours [1].")
    guidance = Guidance(instruction="Be brief.", max_tokens=64, temperature=0.0)
    events = engine.answer_over(
        owner, None, "How long?", [chosen], save=False, guidance=guidance, language="fr"
    )
    answer = final_answer(events)
    assert answer.language == "fr" and answer.conversation_id is None
    options = library.fake.calls[0][1]
    assert (options.max_tokens, options.temperature) == (64, 0.0)
    assert "Be brief.\n" + grounding.ANSWER_IN["fr"] in library.fake.last_messages[-1].content
    assert engine.store.list_conversations(owner, book.id) == []
    with pytest.raises(ValueError, match="conversation_id or a notebook"):
        list(engine.answer_over(owner, None, "How long?", [chosen]))


def test_final_answer_shows_the_text_as_it_streams_and_needs_an_answer(library: Library) -> None:
    library.fake.enqueue("On Sundays it opens from 10:00 to 14:00 [1].")
    shown: list[str] = []
    events = library.engine.ask(library.owner, library.notebook, "When is it open on Sundays?")
    answer = final_answer(events, shown.append)
    assert "".join(shown) == answer.text and len(shown) >= 1
    with pytest.raises(RuntimeError, match="without an answer"):
        final_answer(iter([TextDelta("half")]))

    async def relayed() -> AsyncIterator[object]:
        yield TextDelta(answer.text)
        yield answer

    assert asyncio.run(final_answer_async(relayed())) is answer  # type: ignore[arg-type]


def test_every_citation_has_one_json_form_with_its_label(library: Library) -> None:
    library.fake.enqueue("Books are lent for 21 days [1].")
    events = library.engine.ask(library.owner, library.notebook, "How long are books lent for?")
    answer = final_answer(events)
    cited = answer.to_json()["citations"][0]  # type: ignore[index]
    assert cited == answer.citations[0].to_json()
    assert set(cited) == {"marker", "source", "locator", "label", "chunk_id", "text"}
    assert cited["label"] == "Guide > Borrowing"
    assert type(answer.citations[0]).from_dict(cited) == answer.citations[0]
