"""Study's long tasks, run by the job queue's workers: make and save a quiz, write flashcards.

    saved, result = make_quiz(services, study_store, owner, notebook, count=5, kind="mixed")

`quiz_job(services, owner, payload, progress=None)` is the handler of job kind "study.quiz"
(registered in causerie.assistants.study.register; the queue calls it through
causerie.jobs.kinds): payload {"notebook_id", "count", "kind", "source", "language", "quiz_id"
(optional: the id to save the quiz under; a job run again reuses the quiz)}; it returns
{"quiz_id", "items", "notes"}. `cards_job` is "study.cards": payload {"notebook_id", "count",
"language"}; it returns {"added", "notes"}. The web pages queue them and show their progress.

MIGRATIONS is study's schema in the records database, as registry steps (one step: 0 -> 1).
`open_store(services)` is the one place that opens study's data, for the web pages, these
handlers and the CLI.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from causerie.assistants.kit.passages import notebook_passages
from causerie.assistants.study.cards import Deck, make_cards
from causerie.assistants.study.db import MIGRATIONS, StudyStore
from causerie.assistants.study.quiz import KindChoice, QuizMaker, QuizResult
from causerie.assistants.study.records import Quiz
from causerie.errors import InputError, NotFound
from causerie.types import Notebook, Owner
from causerie.wiring import Services

__all__ = ["MIGRATIONS", "cards_job", "make_quiz", "open_store", "quiz_job"]


def open_store(services: Services) -> StudyStore:
    """Study's data in the records database (causerie.backends.open_records); an old
    `study.sqlite3` in the data folder is imported first, once (study.legacy)."""
    from causerie.assistants.study.legacy import import_old_file
    from causerie.backends import open_records

    study = StudyStore(open_records(services.settings))
    try:
        import_old_file(study, services.settings.home)
    except BaseException:
        study.close()
        raise
    return study


def make_quiz(
    services: Services,
    study: StudyStore,
    owner: Owner,
    notebook: Notebook,
    count: int,
    kind: KindChoice = "mixed",
    source: str | None = None,
    language: str | None = None,
    on_item: Callable[[object], None] | None = None,
    quiz_id: str | None = None,
) -> tuple[Quiz, QuizResult]:
    """Write up to `count` checked questions from the notebook's passages and save them (under
    `quiz_id` when given). InputError (naming the notebook or source) when none could be
    written."""
    pool = notebook_passages(services.store, owner, notebook, source)
    maker = QuizMaker(services.make_provider(), services.embedder)
    result = maker.make(pool, count, kind, language, on_item=on_item)
    if not result.items:
        raise InputError(pool.scope, "no question could be drawn from it that its passages "
                         "support; try other sources or a larger model")  # fmt: skip
    title = f"{pool.scope}, {len(result.items)} questions"
    return study.save_quiz(owner, notebook.id, title, result.items, quiz_id), result


def quiz_job(
    services: Services,
    owner: Owner,
    payload: dict[str, Any],
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Job kind "study.quiz": make and save a quiz; `progress(written, count)` after each
    passage tried (the queue's progress callback raises JobCancelled when a cancel was asked).

    The payload's "quiz_id" (the web gives its job's id) makes the job idempotent: a job claimed
    again after its worker died between saving the quiz and finishing finds the quiz saved and
    returns it, with no model call and no second quiz."""
    notebook = services.store.notebook_by_id(owner, payload["notebook_id"])
    count = int(payload.get("count", 5))
    quiz_id = payload.get("quiz_id")
    done = 0

    def step(item: object) -> None:
        nonlocal done
        done += item is not None
        if progress is not None:
            progress(done, count)

    study = open_store(services)
    try:
        if quiz_id is not None and (before := _saved_quiz(study, owner, quiz_id)) is not None:
            return {"quiz_id": before.id, "items": len(before.items), "notes": []}
        saved, result = make_quiz(services, study, owner, notebook, count,
                                  payload.get("kind", "mixed"), payload.get("source"),
                                  payload.get("language"), on_item=step,
                                  quiz_id=quiz_id)  # fmt: skip
    finally:
        study.close()
    return {"quiz_id": saved.id, "items": len(saved.items), "notes": result.notes}


def _saved_quiz(study: StudyStore, owner: Owner, quiz_id: str) -> Quiz | None:
    try:
        return study.get_quiz(owner, quiz_id)
    except NotFound:
        return None


def cards_job(
    services: Services,
    owner: Owner,
    payload: dict[str, Any],
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Job kind "study.cards": write up to `count` flashcards, each from one passage, and add
    those whose front the notebook does not have yet (so a job run twice adds nothing twice)."""
    notebook = services.store.notebook_by_id(owner, payload["notebook_id"])
    count = int(payload.get("count", 10))
    done = 0

    def step(card: object) -> None:
        nonlocal done
        done += card is not None
        if progress is not None:
            progress(done, count)

    study = open_store(services)
    try:
        deck = Deck(study, owner, notebook.id)
        pool = notebook_passages(services.store, owner, notebook)
        result = make_cards(services.make_provider(), pool, count,
                            language=payload.get("language"), embedder=services.embedder,
                            skip_fronts=[c.front for c in deck.cards()], on_card=step)  # fmt: skip
        added = [deck.add(d.front, d.back, d.citation) for d in result.drafts]
    finally:
        study.close()
    return {"added": sum(card is not None for card in added), "notes": result.notes}
