"""Study data is owner-scoped: another owner's rows read exactly like missing ones."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fsrs import Rating

from causerie.assistants.study.cards import Deck
from causerie.assistants.study.db import StudyStore
from causerie.assistants.study.quiz import QuizItem
from causerie.errors import NotFound, StoreError
from causerie.types import Citation, Locator, Owner

ALICE, BOB = Owner("alice"), Owner("bob")
CITED = Citation(1, "notes.md", Locator(0, 10), "chunk-1", "Osmosis moves water.")
ITEM = QuizItem("short", "What moves water?", "osmosis", "Osmosis moves water.", "en", CITED)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_quizzes_and_attempts_belong_to_their_owner(study: StudyStore) -> None:
    quiz = study.save_quiz(ALICE, "nb", "cells", [ITEM])
    [item] = quiz.items
    assert item.id and item.question == ITEM.question and item.citation == CITED
    assert study.get_quiz(ALICE, quiz.id).items == quiz.items
    with pytest.raises(NotFound):
        study.get_quiz(BOB, quiz.id)
    with pytest.raises(NotFound):
        study.get_item(BOB, item.id)
    assert study.list_quizzes(BOB, "nb") == []
    with pytest.raises(NotFound):
        study.add_attempt(BOB, item.id, "osmosis", "correct", 1.0, "exact", "ok")
    attempt = study.add_attempt(ALICE, item.id, "diffusion", "wrong", 0.0, "terms", "no")
    assert study.get_attempt(ALICE, attempt.id).given == "diffusion"
    with pytest.raises(NotFound):
        study.get_attempt(BOB, attempt.id)
    assert study.list_attempts(BOB, quiz.id) == []
    assert [a.id for a in study.list_attempts(ALICE, quiz.id)] == [attempt.id]


def test_cards_and_reviews_belong_to_their_owner(study: StudyStore) -> None:
    alice, bob = Deck(study, ALICE, "nb"), Deck(study, BOB, "nb")
    card = alice.add("What moves water?", "osmosis", CITED, now=NOW)
    assert card is not None
    assert bob.cards() == [] and bob.due(NOW) == []
    assert bob.add("What moves water?", "osmosis", None, now=NOW) is not None  # bob's own
    with pytest.raises(NotFound):
        study.get_card(BOB, card.id)
    with pytest.raises(NotFound):
        bob.review(card, Rating.Good, NOW)  # alice's card through bob's deck
    alice.review(card, Rating.Good, NOW)
    assert len(study.list_reviews(ALICE, "nb")) == 1
    assert study.list_reviews(BOB, "nb") == []
    assert study.get_card(ALICE, card.id).citation == CITED


def test_a_query_without_an_owner_is_impossible(study: StudyStore) -> None:
    with pytest.raises(TypeError, match=r"owner must be a causerie\.types\.Owner"):
        study.list_cards("alice", "nb")  # type: ignore[arg-type]


def test_data_survives_reopening_and_a_bad_file_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "study.sqlite3"
    first = StudyStore.open(path)
    quiz = first.save_quiz(ALICE, "nb", "cells", [ITEM])
    first.close()
    again = StudyStore.open(path)
    assert again.get_quiz(ALICE, quiz.id).title == "cells"
    again.close()
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"this is not a database" * 50)
    with pytest.raises(StoreError, match=r"bad\.sqlite3"):
        StudyStore.open(bad)


def test_a_quiz_saved_under_a_given_id_is_saved_once(study: StudyStore) -> None:
    """A job saves its quiz under its own id: saving again returns the first quiz unchanged;
    another owner cannot take the id."""
    first = study.save_quiz(ALICE, "nb", "cells", [ITEM], quiz_id="job-1")
    again = study.save_quiz(ALICE, "nb", "cells, again", [ITEM, ITEM], quiz_id="job-1")
    assert first.id == again.id == "job-1"
    assert again.title == "cells" and again.items == first.items
    assert [q.id for q in study.list_quizzes(ALICE, "nb")] == ["job-1"]
    with pytest.raises(StoreError, match="taken"):
        study.save_quiz(BOB, "nb", "mine", [ITEM], quiz_id="job-1")
    assert study.list_quizzes(BOB, "nb") == []
