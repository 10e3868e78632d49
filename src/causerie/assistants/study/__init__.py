"""The study assistant: explanations at three levels, a Socratic tutor, study guides, quizzes
and flashcards made from a notebook's passages, graded and scheduled (FSRS), exported to Anki.

Every item keeps the passage it was drawn from (a Citation), and the facts it states are
checked against that passage in code before it is kept. The generic machinery (structured
generation, passage pools, support checks, language handling) is the shared assistant kit,
`causerie.assistants.kit`; this package holds the study prompts, checks and records.

The whole assistant is this folder: `register.py` adds it to the app (causerie.assistants.
registry), `cli.py` is `causerie study ...`, `web.py` with `templates/` and `static/` are its
pages and API routes, `tasks.py` its job kinds (study.quiz, study.cards) and `open_store`,
`db.py` its tables in the records database (with their migrations and `forget`), `legacy.py`
the one-time import of an old `study.sqlite3`.
"""

from __future__ import annotations

import importlib
from typing import Any

# name -> module that defines it; imported on first use, so that reading the assistant's
# registration (causerie.assistants.study.register) for `causerie --help` loads none of this.
_EXPORTS = {
    "Pool": "causerie.assistants.kit.passages",
    "notebook_passages": "causerie.assistants.kit.passages",
    "answer_support": "causerie.assistants.kit.support",
    "CardDraft": "causerie.assistants.study.cards",
    "Deck": "causerie.assistants.study.cards",
    "make_cards": "causerie.assistants.study.cards",
    "parse_rating": "causerie.assistants.study.cards",
    "StudyStore": "causerie.assistants.study.db",
    "LEVELS": "causerie.assistants.study.explain",
    "Explanation": "causerie.assistants.study.explain",
    "explain": "causerie.assistants.study.explain",
    "explain_answer": "causerie.assistants.study.explain",
    "Grade": "causerie.assistants.study.grading",
    "grade": "causerie.assistants.study.grading",
    "Guide": "causerie.assistants.study.guide",
    "make_guide": "causerie.assistants.study.guide",
    "MAX_ITEMS": "causerie.assistants.study.quiz",
    "QuizItem": "causerie.assistants.study.quiz",
    "QuizMaker": "causerie.assistants.study.quiz",
    "QuizResult": "causerie.assistants.study.quiz",
    "Attempt": "causerie.assistants.study.records",
    "Flashcard": "causerie.assistants.study.records",
    "Quiz": "causerie.assistants.study.records",
    "Tutor": "causerie.assistants.study.tutor",
    "TutorTurn": "causerie.assistants.study.tutor",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


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


def __dir__() -> list[str]:
    return sorted(__all__)
