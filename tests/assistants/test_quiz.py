"""Quiz generation with scripted model replies: kept, retried, rejected, capped."""

from __future__ import annotations

import pytest

from causerie.assistants.kit.passages import Pool
from causerie.assistants.study.quiz import QuizMaker, item_schema
from causerie.providers.fake import FakeProvider

from .conftest import passage_about, reply

CHLOROPHYLL = reply(
    question="What absorbs sunlight in plant cells?",
    answer="Chlorophyll",
    distractors=["Mitochondria", "The cell wall", "Glucose"],
    explanation="Chlorophyll absorbs sunlight.",
)
BASTILLE = reply(
    question="Quel jour les Parisiens prennent-ils la Bastille ?",
    answer="Le 14 juillet 1789",
    explanation="Le 14 juillet 1789, les Parisiens prennent la Bastille.",
)


def first_passage_only(pool: Pool) -> Pool:
    return Pool(pool.passages[:1], 1, pool.scope)


def test_a_valid_reply_becomes_an_item_that_cites_its_passage(
    pool: Pool, fake: FakeProvider
) -> None:
    fake.enqueue(CHLOROPHYLL)
    result = QuizMaker(fake).make(first_passage_only(pool), 1, kind="mcq")
    [item] = result.items
    assert item.kind == "mcq" and item.question == "What absorbs sunlight in plant cells?"
    assert len(item.choices) == 4 and item.choices[item.answer_index] == "Chlorophyll"
    assert set(item.choices) == {"Chlorophyll", "Mitochondria", "The cell wall", "Glucose"}
    assert item.citation.text == pool.passages[0].chunk.text
    assert item.citation.chunk_id == pool.passages[0].chunk.id
    assert item.citation.source.endswith("cells.md")
    assert item.citation.locator.heading_path[-1] == "Photosynthesis"
    assert item.language == "en"
    data = item.to_json()
    assert {"question", "choices", "answer", "citation"} <= set(data)
    assert {"source", "locator", "text"} <= set(data["citation"])
    # the schema went to the provider: grammar-constrained decoding where it can
    options = fake.calls[0][1]
    assert options.json_schema == item_schema("mcq")
    assert "Photosynthesis takes place" in fake.calls[0][0][-1].content


def test_invalid_json_then_a_valid_reply_is_retried(pool: Pool, fake: FakeProvider) -> None:
    fake.enqueue('{"question": "What absorbs', CHLOROPHYLL)
    result = QuizMaker(fake).make(first_passage_only(pool), 1, kind="mcq")
    assert len(result.items) == 1 and result.tries == 2
    retry_prompt = fake.calls[1][0][-1].content
    assert "rejected because the reply is not valid JSON" in retry_prompt
    assert fake.calls[1][1].seed != fake.calls[0][1].seed  # not the same sample again


def test_an_answer_the_passage_does_not_state_is_rejected(pool: Pool, fake: FakeProvider) -> None:
    invented = reply(
        question="What absorbs sunlight in plant cells?",
        answer="Carotenoid pigments",
        distractors=["Mitochondria", "The cell wall", "Glucose"],
        explanation="x",
    )
    fake.enqueue(invented, invented, invented)
    result = QuizMaker(fake, attempts=3).make(first_passage_only(pool), 1, kind="mcq")
    assert result.items == [] and result.tries == 3
    [skipped] = result.skipped
    assert 'the answer "Carotenoid pigments" is not in the passage' in skipped.reasons[0]
    assert "missing: carotenoid, pigments" in skipped.reasons[0]
    assert "made 0 of 1 questions" in result.notes[-1]


def test_an_unsupported_answer_is_regenerated_then_kept(pool: Pool, fake: FakeProvider) -> None:
    wrong_number = reply(
        question="How many mitochondria can a liver cell hold?",
        answer="5000",
        explanation="A liver cell can hold 5000 mitochondria.",
    )
    right = reply(
        question="How many mitochondria can a liver cell hold?",
        answer="2000 mitochondria",
        explanation="It is not said.",
    )
    fake.enqueue(wrong_number, right)
    hit = passage_about(Pool(list(pool.passages), 5, ""), "Mitochondria")
    result = QuizMaker(fake).make(Pool([hit], 1, "x"), 1, kind="short")
    [item] = result.items
    assert item.answer == "2000 mitochondria"
    assert "states 5000, which the passage does not" in fake.calls[1][0][-1].content
    # the explanation is the passage's own sentence that states the answer
    assert item.explanation == "A liver cell can hold 2000 mitochondria."


@pytest.mark.parametrize(
    ("distractors", "reason"),
    [
        (["chlorophyll", "The cell wall", "Glucose"], "is the answer again"),
        (["Glucose", "The cell wall", "glucose!"], "is given twice"),
        (["Glucose", "Oxygen"], "must be a list of 3 texts"),
    ],
)
def test_distractors_must_differ_from_the_answer_and_each_other(
    pool: Pool, fake: FakeProvider, distractors: list[str], reason: str
) -> None:
    bad = reply(question="What absorbs sunlight?", answer="Chlorophyll",
                distractors=distractors, explanation="x")  # fmt: skip
    fake.enqueue(bad)
    result = QuizMaker(fake, attempts=1).make(first_passage_only(pool), 1, kind="mcq")
    assert result.items == []
    assert reason in result.skipped[0].reasons[0]


def test_a_question_that_gives_its_answer_away_is_rejected(pool: Pool, fake: FakeProvider) -> None:
    fake.enqueue(reply(question="Does chlorophyll absorb sunlight, chlorophyll?",
                       answer="chlorophyll", explanation="x"))  # fmt: skip
    result = QuizMaker(fake, attempts=1).make(first_passage_only(pool), 1, kind="short")
    assert "the question already contains its answer" in result.skipped[0].reasons[0]


def test_items_spread_over_sources_and_follow_each_source_language(
    pool: Pool, fake: FakeProvider
) -> None:
    fake.enqueue(CHLOROPHYLL, BASTILLE)
    result = QuizMaker(fake).make(pool, 2, kind="mixed")
    first, second = result.items
    assert (first.kind, second.kind) == ("mcq", "short")
    assert first.citation.source.endswith("cells.md")
    assert second.citation.source.endswith("revolution.md")
    assert (first.language, second.language) == ("en", "fr")
    assert "Write the question and the answers in English." in fake.calls[0][0][-1].content
    assert "Write the question and the answers in French." in fake.calls[1][0][-1].content
    assert second.answer_index is None and second.choices == ()


def test_a_true_fact_from_the_wrong_sentence_is_rejected(pool: Pool, fake: FakeProvider) -> None:
    hit = passage_about(pool, "Mitochondria")
    fake.enqueue(
        reply(question="How many mitochondria can a liver cell hold?",
              answer="molecules of ATP", explanation="x"),  # true, but not what was asked
        reply(question="How many mitochondria can a liver cell hold?",
              answer="2000", explanation="x"),
    )  # fmt: skip
    result = QuizMaker(fake).make(Pool([hit], 1, "x"), 1, kind="short")
    assert [i.answer for i in result.items] == ["2000"]
    assert "does not answer the question: it gives no number" in fake.calls[1][0][-1].content


def test_an_answer_from_the_neighbouring_sentence_is_rejected(
    pool: Pool, fake: FakeProvider
) -> None:
    hit = passage_about(pool, "Mitochondria")
    fake.enqueue(
        reply(question="Where do mitochondria store energy?", answer="2000", explanation="x"),
        reply(question="Where do mitochondria store energy?", answer="molecules of ATP",
              explanation="x"),
    )  # fmt: skip
    result = QuizMaker(fake).make(Pool([hit], 1, "x"), 1, kind="short")
    assert [i.answer for i in result.items] == ["molecules of ATP"]
    assert "comes from another sentence" in fake.calls[1][0][-1].content


def test_a_language_can_be_forced(pool: Pool, fake: FakeProvider) -> None:
    fake.enqueue(reply(question="What does chlorophyll absorb?", answer="sunlight",
                       distractors=["water", "salt", "iron"], explanation="x"))  # fmt: skip
    QuizMaker(fake).make(first_passage_only(pool), 1, kind="mcq", language="fr")
    assert "in French." in fake.calls[0][0][-1].content


def test_a_failed_passage_is_replaced_by_the_next_one(pool: Pool, fake: FakeProvider) -> None:
    fake.enqueue("no json", "still none", "nope", BASTILLE)
    result = QuizMaker(fake).make(pool, 1, kind="short")
    assert [i.citation.source.rsplit("/", 1)[-1] for i in result.items] == ["revolution.md"]
    assert len(result.skipped) == 1
