"""The study assistant: explanations at three levels, a Socratic tutor, study guides, quizzes
and flashcards made from a notebook's passages, graded and scheduled (FSRS), exported to Anki.

Every item keeps the passage it was drawn from (a Citation), and the facts it states are
checked against that passage in code before it is kept. The generic machinery (structured
generation, passage pools, support checks, language handling) is the shared assistant kit,
`causerie.assistants.kit`; this package holds the study prompts, checks and records.
"""

from __future__ import annotations

from causerie.assistants.kit.passages import Pool, notebook_passages
from causerie.assistants.kit.support import answer_support
from causerie.assistants.study.cards import CardDraft, Deck, make_cards, parse_rating
from causerie.assistants.study.db import StudyStore
from causerie.assistants.study.explain import LEVELS, Explanation, explain, explain_answer
from causerie.assistants.study.grading import Grade, grade
from causerie.assistants.study.guide import Guide, make_guide
from causerie.assistants.study.quiz import MAX_ITEMS, QuizItem, QuizMaker, QuizResult
from causerie.assistants.study.records import Attempt, Flashcard, Quiz
from causerie.assistants.study.tutor import Tutor, TutorTurn

__all__ = [
    "LEVELS",
    "MAX_ITEMS",
    "Attempt",
    "CardDraft",
    "Deck",
    "Explanation",
    "Flashcard",
    "Grade",
    "Guide",
    "Pool",
    "Quiz",
    "QuizItem",
    "QuizMaker",
    "QuizResult",
    "StudyStore",
    "Tutor",
    "TutorTurn",
    "answer_support",
    "explain",
    "explain_answer",
    "grade",
    "make_cards",
    "make_guide",
    "notebook_passages",
    "parse_rating",
]
