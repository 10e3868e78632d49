"""Grading: choices, paraphrase, numbers, similarity, the optional judge."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from causerie.assistants.study.grading import grade
from causerie.assistants.study.quiz import QuizItem
from causerie.errors import InputError
from causerie.providers.fake import FakeProvider
from causerie.types import Citation, Locator

PASSAGE = (
    "Photosynthesis takes place in the chloroplasts of plant cells. Chlorophyll absorbs "
    "sunlight, and the plant uses that energy to turn carbon dioxide and water into glucose."
)
CITED = Citation(1, "notes/cells.md", Locator(0, len(PASSAGE), heading_path=("Cells",)),
                 "c1", PASSAGE)  # fmt: skip


def short_item(answer: str, question: str = "What does chlorophyll do?") -> QuizItem:
    return QuizItem("short", question, answer, "Chlorophyll absorbs sunlight.", "en", CITED)


MCQ = QuizItem(
    "mcq",
    "Where does photosynthesis take place?",
    "in the chloroplasts",
    "Photosynthesis takes place in the chloroplasts of plant cells.",
    "en",
    CITED,
    choices=("in the nucleus", "in the chloroplasts", "in the roots", "in the mitochondria"),
    answer_index=1,
)


# ----------------------------------------------------------------------------- grading


@pytest.mark.parametrize("given", ["2", "b", "B)", "In the chloroplasts"])
def test_a_choice_is_read_as_a_number_a_letter_or_its_text(given: str) -> None:
    graded = grade(MCQ, given)
    assert graded.correct and graded.method == "choice"
    assert graded.citation == CITED


def test_a_wrong_choice_explains_itself_and_an_unreadable_one_is_refused() -> None:
    graded = grade(MCQ, "a")
    assert graded.verdict == "wrong" and graded.score == 0.0
    assert 'The expected answer is "in the chloroplasts".' in graded.feedback
    assert "Why: Photosynthesis takes place in the chloroplasts" in graded.feedback
    with pytest.raises(InputError, match="'7' is not one of the choices: give 1-4 or A-D"):
        grade(MCQ, "7")


@pytest.mark.parametrize(
    "given",
    [
        "it absorbs sunlight",
        "Sunlight is absorbed by it",
        "absorbing the sun's light",  # 'light' and 'absorb' shared: 2 of 2 words
    ],
)
def test_short_answers_tolerate_paraphrase(given: str) -> None:
    graded = grade(short_item("absorbs sunlight"), given)
    if given.startswith("absorbing the sun"):
        assert graded.verdict in ("partial", "correct")
    else:
        assert graded.correct, graded


def test_a_wrong_short_answer_is_wrong_with_the_expected_answer_and_its_source() -> None:
    graded = grade(short_item("absorbs sunlight"), "it makes proteins")
    assert graded.verdict == "wrong"
    assert 'The expected answer is "absorbs sunlight"' in graded.feedback
    assert graded.citation.source == "notes/cells.md"
    assert graded.to_json()["citation"]["label"] == "Cells"


def test_a_different_number_is_wrong_whatever_the_words() -> None:
    item = short_item("2000 mitochondria", "How many mitochondria can a liver cell hold?")
    assert grade(item, "about 2000").correct
    assert grade(item, "2500 mitochondria").verdict == "wrong"
    assert grade(item, "2500 mitochondria").method == "numbers"


def test_similarity_accepts_a_paraphrase_with_no_shared_word() -> None:
    class Close:
        name, dim = "close", 2

        def embed(self, texts: Sequence[str], kind: str) -> np.ndarray:
            return np.array([[1.0, 0.0], [0.97, 0.243]][: len(texts)], dtype=np.float32)

    item = short_item("absorbs sunlight")
    assert grade(item, "takes in the light of the sun").verdict != "correct"
    graded = grade(item, "takes in the light of the sun", embedder=Close())
    assert graded.correct and graded.method == "dense"


def test_the_judge_decides_doubtful_answers_only() -> None:
    judge = FakeProvider('{"correct": true, "reason": "same meaning"}', strict=True)
    item = short_item("turns carbon dioxide and water into glucose")
    graded = grade(item, "it makes glucose from water", judge=judge)  # 2 of 5 words: doubtful
    assert graded.correct and graded.method == "judge"
    assert len(judge.calls) == 1
    grade(item, "turns carbon dioxide and water into glucose", judge=judge)  # clear: no call
    grade(item, "the nucleus", judge=judge)  # clearly wrong: no call
    assert len(judge.calls) == 1


def test_an_empty_short_answer_is_wrong() -> None:
    assert grade(short_item("absorbs sunlight"), "   ").method == "empty"
