"""The tutor (hints, the answer only when asked twice), explanations, and the study guide."""

from __future__ import annotations

from causerie.assistants.kit.passages import Pool
from causerie.assistants.study.explain import explain, explain_answer
from causerie.assistants.study.guide import make_guide
from causerie.assistants.study.quiz import QuizItem
from causerie.assistants.study.tutor import Tutor, asks_for_help, cloze
from causerie.providers.fake import FakeProvider
from causerie.session import Answer, Engine
from causerie.types import Citation, Notebook, Owner

from .conftest import passage_about, reply

GUIDING = reply(
    question="Which molecule do mitochondria fill with the energy of glucose?",
    answer="ATP",
    hint="Three capital letters; the passage names the molecule.",
)
SECOND = reply(
    question="Where does photosynthesis take place in plant cells?",
    answer="in the chloroplasts",
    hint="An organelle whose name begins like chlorophyll.",
)


def test_a_topic_the_notebook_does_not_cover_is_said_so_without_the_model(
    engine: Engine, owner: Owner, book: Notebook, fake: FakeProvider
) -> None:
    turn = Tutor(engine, owner, book, "volcanic eruptions").start()
    assert turn.done and "do not cover" in turn.text
    assert fake.calls == []


def test_the_tutor_hints_first_and_answers_only_when_asked_twice(
    engine: Engine, owner: Owner, book: Notebook, fake: FakeProvider
) -> None:
    fake.enqueue(GUIDING, SECOND)
    tutor = Tutor(engine, owner, book, "glucose", max_steps=2)  # in two passages
    turn = tutor.start()
    assert turn.question == "Which molecule do mitochondria fill with the energy of glucose?"
    assert "Mitochondria" in fake.calls[0][0][-1].content  # the retrieved passage

    wrong = tutor.reply("glucose")
    assert "Hint: Three capital letters" in wrong.text and "ATP" not in wrong.text
    assert wrong.citations and "Mitochondria" in wrong.citations[0].locator.label()

    first_ask = tutor.reply("I don't know")
    assert "ask again" in first_ask.text and "ATP" not in first_ask.text
    assert first_ask.question == turn.question and not first_ask.done

    second_ask = tutor.reply("just tell me the answer")
    assert 'The answer is "ATP"' in second_ask.text and "[1]" in second_ask.text
    assert "Why: They break down glucose during cellular respiration and store" in second_ask.text
    assert second_ask.citations[0].text.startswith("## Mitochondria")
    assert second_ask.question == "Where does photosynthesis take place in plant cells?"

    right = tutor.reply("in the chloroplast")
    assert right.text.startswith("Correct.") and right.done
    assert "1 of 2 answered on your own" in right.text


def test_a_hint_that_gives_the_answer_away_becomes_a_cloze(
    engine: Engine, owner: Owner, book: Notebook, fake: FakeProvider
) -> None:
    fake.enqueue(reply(question="Which molecule stores the energy?", answer="ATP",
                       hint="It is ATP."))  # fmt: skip
    tutor = Tutor(engine, owner, book, "mitochondria cellular respiration", max_steps=1)
    tutor.start()
    hint = tutor.reply("?").text
    assert "ATP" not in hint and "____" in hint


def test_help_requests_and_cloze() -> None:
    for text in ("?", "I don't know", "give me the answer", "je ne sais pas", "la réponse ?"):
        assert asks_for_help(text), text
    assert not asks_for_help("the answer is ATP")
    assert not asks_for_help("the helper molecule")
    assert cloze("They store the energy in molecules of ATP.", "ATP molecules") == (
        "They store the energy in ____ of ____."
    )


def test_explain_at_a_level_uses_the_engine_with_the_level_rules(
    engine: Engine, owner: Owner, book: Notebook, fake: FakeProvider
) -> None:
    fake.enqueue("Osmosis is the movement of water across a semi-permeable membrane [1].")
    events = list(explain(engine, owner, book, "osmosis", "simple", "en"))
    answer = events[-1]
    assert isinstance(answer, Answer) and not answer.abstained
    assert answer.citations[0].locator.heading_path[-1] == "Osmosis"
    system, user = fake.calls[0][0][0].content, fake.calls[0][0][-1].content
    assert "as to a beginner" in system
    assert "Question: What is osmosis?\nExplain it simply" in user
    assert fake.calls[0][1].max_tokens == 200
    assert engine.store.list_conversations(owner, book.id) == []  # not saved as a chat


def test_explain_in_french_and_a_detailed_level(
    engine: Engine, owner: Owner, book: Notebook, fake: FakeProvider
) -> None:
    fake.enqueue("La Bastille est prise le 14 juillet 1789 [1].")
    answer = list(explain(engine, owner, book, "la prise de la Bastille", "detailed", "fr"))[-1]
    assert isinstance(answer, Answer) and answer.language == "fr"
    assert "Qu'est-ce que la prise de la Bastille ?" in fake.calls[0][0][-1].content
    assert "four to seven sentences" in fake.calls[0][0][0].content


def test_explain_my_answer_cites_the_item_passage(
    engine: Engine, owner: Owner, book: Notebook, pool: Pool, fake: FakeProvider
) -> None:
    hit = passage_about(pool, "Mitochondria")
    item = QuizItem("short", "What do mitochondria store energy in?", "ATP",
                    "They store the energy in molecules of ATP.", "en",
                    Citation.from_hit(hit))  # fmt: skip
    fake.enqueue("Mitochondria store the energy of glucose in molecules of ATP [1].")
    explained = explain_answer(engine, owner, item, "glucose")
    assert explained.from_model and explained.text.endswith("[1].")
    assert explained.citations == [item.citation]
    assert 'The student answered "glucose"' in fake.calls[0][0][-1].content

    fake.enqueue("Because the moon is made of cheese.")  # unsupported: not shown
    fallback = explain_answer(engine, owner, item, "glucose")
    assert not fallback.from_model
    assert fallback.text.startswith('The expected answer is "ATP".')


def test_the_guide_keeps_what_the_passages_support(pool: Pool, fake: FakeProvider) -> None:
    fake.enqueue(
        reply(concept="Photosynthesis", summary="Chlorophyll absorbs sunlight in chloroplasts.",
              terms=[{"term": "chlorophyll", "definition": "absorbs sunlight"},
                     {"term": "ribosome", "definition": "makes proteins"}],
              exam_question="Where does photosynthesis take place?"),
        reply(concept="La Bastille", summary="Napoléon prend la Bastille en 1815.",
              terms=[], exam_question="Quelle est la capitale du Japon ?"),
    )  # fmt: skip
    guide = make_guide(fake, pool, max_passages=2)
    first, second = guide.concepts
    assert (first.title, first.marker) == ("Photosynthesis", 1)
    assert first.text == "Chlorophyll absorbs sunlight in chloroplasts."
    assert second.text.startswith("Le 14 juillet 1789")  # invented summary replaced
    assert [g.title for g in guide.glossary] == ["chlorophyll"]  # ribosome: not in the passage
    assert [q.title for q in guide.questions] == ["Where does photosynthesis take place?"]
    assert [c.source.rsplit("/", 1)[-1] for c in guide.sources] == ["cells.md", "revolution.md"]
    markdown = guide.to_markdown()
    assert "- **Photosynthesis**: Chlorophyll absorbs sunlight in chloroplasts. [1]" in markdown
    assert "[2] " in markdown and "revolution.md (La Révolution française > La prise" in markdown
