"""Grading a student's answer, with a reason and the passage it rests on.

Multiple choice: a number (1-4), a letter (A-D) or the choice's text. Short answers tolerate
paraphrase: the share of the reference's content words (stemmed) and numbers found in the
answer, and, when an embedder is there, the similarity of the two answers. A number that
differs from the reference's is wrong whatever the words. A model may judge the doubtful
cases (optional). Every grade carries feedback and the item's citation.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import numpy as np

from causerie import grounding
from causerie.assistants.kit import support
from causerie.assistants.kit.structured import Rejected, generate
from causerie.assistants.study.explain import ExplainableItem
from causerie.assistants.study.phrases import say
from causerie.embedders.base import Embedder
from causerie.errors import InputError
from causerie.providers.base import Provider
from causerie.types import Citation, Message

Verdict = Literal["correct", "partial", "wrong"]

# Share of the reference's content words in the answer: right, and worth a second look.
OVERLAP_RIGHT = 0.6
OVERLAP_PARTIAL = 0.3
# Similarity of answer and reference (multilingual-e5-small, 'query: ' prefix). Measured on
# eight pairs (docs/study/RESULTS.md): paraphrases sharing no word scored 0.835-0.87 and wrong
# answers 0.87-0.89, so similarity alone cannot tell them apart; it only accepts answers that
# are nearly the same (reworded ones scored 0.96) and never makes an answer 'partial'.
SIMILAR_RIGHT = 0.95


@dataclass(frozen=True, slots=True)
class Grade:
    verdict: Verdict
    score: float  # 0..1
    method: str  # choice, exact, terms, dense, judge, numbers, empty
    feedback: str
    citation: Citation

    @property
    def correct(self) -> bool:
        return self.verdict == "correct"

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "correct": self.correct,
            "score": round(self.score, 3),
            "method": self.method,
            "feedback": self.feedback,
            "citation": self.citation.to_json(),
        }


class Gradable(ExplainableItem, Protocol):
    """What grading needs of an item (QuizItem has all of it)."""

    @property
    def kind(self) -> str: ...

    @property
    def choices(self) -> tuple[str, ...]: ...

    @property
    def answer_index(self) -> int | None: ...


def choice_index(item: Gradable, given: str) -> int:
    """The choice a student means by '2', 'b', 'B)' or the choice's text; InputError else."""
    text = given.strip().rstrip(").").strip()
    count = len(item.choices)
    if text.isdigit() and 1 <= int(text) <= count:
        return int(text) - 1
    letters = string.ascii_lowercase[:count]
    if len(text) == 1 and text.lower() in letters:
        return letters.index(text.lower())
    for index, choice in enumerate(item.choices):
        if support.same_answer(text, choice):
            return index
    raise InputError(
        "answer", f"{given!r} is not one of the choices: give 1-{count} or A-{letters[-1].upper()}"
    )


def grade(
    item: Gradable,
    given: str,
    *,
    embedder: Embedder | None = None,
    judge: Provider | None = None,
) -> Grade:
    if item.kind == "mcq":
        index = choice_index(item, given)
        verdict: Verdict = "correct" if index == item.answer_index else "wrong"
        return _graded(item, verdict, float(verdict == "correct"), "choice")
    return _grade_short(item, given, embedder, judge)


def _grade_short(
    item: Gradable, given: str, embedder: Embedder | None, judge: Provider | None
) -> Grade:
    given = " ".join(given.split())
    if not given:
        return _graded(item, "wrong", 0.0, "empty")
    if support.same_answer(given, item.answer):
        return _graded(item, "correct", 1.0, "exact")
    reference_numbers = grounding.numbers_in(item.answer)
    given_numbers = grounding.numbers_in(given, with_parts=True)
    if reference_numbers and not reference_numbers <= given_numbers and given_numbers:
        return _graded(item, "wrong", 0.0, "numbers")
    shared = support.overlap(item.answer, given, item.question)
    similar = _similarity(embedder, item.answer, given)
    if shared >= OVERLAP_RIGHT and (not reference_numbers or reference_numbers <= given_numbers):
        return _graded(item, "correct", shared, "terms")
    if similar is not None and similar >= SIMILAR_RIGHT and not reference_numbers - given_numbers:
        return _graded(item, "correct", similar, "dense")
    partial = shared >= OVERLAP_PARTIAL
    if partial and judge is not None and judged_right(judge, item, given):
        return _graded(item, "correct", max(shared, similar or 0.0), "judge")
    score = max(shared, similar or 0.0)
    return _graded(item, "partial" if partial else "wrong", score if partial else shared, "terms")


def _similarity(embedder: Embedder | None, a: str, b: str) -> float | None:
    if embedder is None:
        return None
    vectors = embedder.embed([a, b], kind="query")
    return float(np.dot(vectors[0], vectors[1]))


def feedback(item: Gradable, verdict: Verdict) -> str:
    lines = [say(verdict if verdict != "partial" else "partly", item.language)]
    if verdict != "correct":
        lines.append(say("expected", item.language, answer=item.answer))
    lines.append(say("why", item.language, explanation=item.explanation))
    return " ".join(lines)


def _graded(item: Gradable, verdict: Verdict, score: float, method: str) -> Grade:
    return Grade(verdict, score, method, feedback(item, verdict), item.citation)


# ----------------------------------------------------------------------------- judge

JUDGE_SCHEMA = {
    "type": "object",
    "properties": {"correct": {"type": "boolean"}, "reason": {"type": "string"}},
    "required": ["correct", "reason"],
}


def judged_right(judge: Provider, item: Gradable, given: str) -> bool:
    """Ask a model whether `given` means the same as the reference (doubtful cases only)."""
    prompt = (
        f"Passage: {item.citation.text}\n\nQuestion: {item.question}\n"
        f"Reference answer: {item.answer}\nStudent answer: {given}\n\n"
        "Does the student answer mean the same as the reference answer, according to the "
        'passage? Reply with JSON: {"correct": true or false, "reason": "..."}.'
    )
    messages = [Message("system", "You grade short answers strictly."), Message("user", prompt)]

    def validate(data: dict[str, Any]) -> bool:
        value = data.get("correct")
        if not isinstance(value, bool):
            raise Rejected('"correct" must be true or false')
        return value

    outcome = generate(judge, messages, JUDGE_SCHEMA, validate, attempts=2, max_tokens=120)
    return bool(outcome.value)
