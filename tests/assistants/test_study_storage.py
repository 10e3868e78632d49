"""Study's tables live in the records database (`database_url`), not in a file of their own:
an old `study.sqlite3` is imported once and renamed; deleting a notebook or an owner through
the records store deletes their study rows and nobody else's."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from fsrs import Card, Rating

from causerie.assistants.study.cards import Deck
from causerie.assistants.study.db import SCHEMA, StudyStore
from causerie.assistants.study.legacy import import_old_file
from causerie.assistants.study.quiz import QuizItem
from causerie.assistants.study.tasks import open_store
from causerie.backends import open_records
from causerie.cli.main import cli
from causerie.config import Settings
from causerie.errors import StoreError
from causerie.types import Citation, Locator, Notebook, Owner
from causerie.wiring import Services

ALICE, BOB = Owner("alice"), Owner("bob")
CITED = Citation(1, "notes.md", Locator(0, 10), "chunk-1", "Osmosis moves water.")
ITEM = QuizItem("short", "What moves water?", "osmosis", "Osmosis moves water.", "en", CITED)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def write_old_file(path: Path, owner: str, notebook_id: str) -> None:
    """A study.sqlite3 as the Causerie before this one left it: WAL, `user_version` 1, study's
    schema, one quiz with an item and an attempt, one card with two reviews; one card of bob."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    for statement in SCHEMA:
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    item = json.dumps({**ITEM.to_json(), "id": "item-1"}, ensure_ascii=False)
    cited = json.dumps(CITED.to_dict(), ensure_ascii=False)
    schedule = Card(card_id=1, due=NOW).to_json()
    with conn:
        conn.execute("INSERT INTO quizzes VALUES ('quiz-1', ?, ?, 'cells, 1 questions', 1.0)",
                     (owner, notebook_id))  # fmt: skip
        conn.execute("INSERT INTO quiz_items VALUES ('item-1', ?, 'quiz-1', 0, 'chunk-1', ?)",
                     (owner, item))  # fmt: skip
        conn.execute("INSERT INTO attempts VALUES ('attempt-1', ?, 'item-1', 'osmosis',"
                     " 'correct', 1.0, 'overlap', '', 2.0)", (owner,))  # fmt: skip
        for card, who in (("card-1", owner), ("card-b", "bob")):
            conn.execute(
                "INSERT INTO cards VALUES (?, ?, ?, 'What moves water?', 'osmosis', ?, 'quiz', ?,"
                " 3.0, 3.0)",
                (card, who, notebook_id, cited, schedule),
            )
        for at in (4.0, 5.0):
            conn.execute("INSERT INTO reviews (owner, card_id, notebook_id, rating, reviewed_at,"
                         " interval_s) VALUES (?, 'card-1', ?, 3, ?, 86400)",
                         (owner, notebook_id, at))  # fmt: skip
    conn.close()


def counts(study: StudyStore) -> dict[str, int]:
    tables = ("quizzes", "quiz_items", "attempts", "cards", "reviews")
    return {t: study.records.query(f"SELECT count(*) FROM {t}")[0][0] for t in tables}


def test_an_old_study_file_is_imported_once_then_renamed(settings: Settings) -> None:
    settings.home.mkdir(parents=True, exist_ok=True)
    old = settings.home / "study.sqlite3"
    write_old_file(old, "alice", "nb")
    study = open_store(Services(settings))
    try:
        assert not old.exists()
        kept = settings.home / "study.sqlite3.imported"
        assert kept.is_file()  # renamed, never deleted
        quiz = study.get_quiz(ALICE, "quiz-1")
        assert quiz.items == (ITEM.__class__.from_json({**ITEM.to_json(), "id": "item-1"}),)
        assert [a.id for a in study.list_attempts(ALICE, "quiz-1")] == ["attempt-1"]
        assert study.get_card(ALICE, "card-1").citation == CITED
        assert [r.reviewed_at for r in study.list_reviews(ALICE, "nb")] == [4.0, 5.0]
        assert [c.id for c in study.list_cards(BOB, "nb")] == ["card-b"]
        before = counts(study)
        assert before == {"quizzes": 1, "quiz_items": 1, "attempts": 1, "cards": 2, "reviews": 2}

        # an import cut short before its rename runs again: nothing is added twice
        kept.rename(old)
        assert import_old_file(study, settings.home) == 0
        assert counts(study) == before and not old.exists()
        # another old file with the same rows later: nothing added, the first .imported file
        # is not replaced
        write_old_file(old, "alice", "nb")
        assert import_old_file(study, settings.home) == 0
        assert kept.is_file() and (settings.home / "study.sqlite3.imported.1").is_file()
        assert counts(study) == before
    finally:
        study.close()
    # the rows are in the database `database_url` names, beside the store's tables
    with sqlite3.connect(settings.database_path) as conn:
        assert conn.execute("SELECT title FROM quizzes").fetchall() == [("cells, 1 questions",)]
    conn.close()
    again = open_store(Services(settings))  # no file now: nothing to import, data still there
    try:
        assert counts(again) == before
    finally:
        again.close()


def test_the_import_keeps_rows_added_since_and_adds_after_them(settings: Settings) -> None:
    """A review saved in the shared database before the import keeps its id; the old file's
    reviews get new ids after it (their ids were counters of the other file)."""
    study = StudyStore(open_records(settings))
    try:
        deck = Deck(study, ALICE, "nb")
        card = deck.add("Why?", "Because.", CITED)
        assert card is not None
        deck.review(card, Rating.Good, NOW)
        write_old_file(settings.home / "study.sqlite3", "alice", "nb")
        assert import_old_file(study, settings.home) == 7
        assert len(study.list_reviews(ALICE, "nb")) == 3
        assert len(study.list_cards(ALICE, "nb")) == 2  # "Why?" and the old one
    finally:
        study.close()


def test_an_old_file_of_another_version_is_refused_by_name(settings: Settings) -> None:
    settings.home.mkdir(parents=True, exist_ok=True)
    old = settings.home / "study.sqlite3"
    write_old_file(old, "alice", "nb")
    with sqlite3.connect(old) as conn:
        conn.execute("PRAGMA user_version = 7")
    conn.close()
    with pytest.raises(StoreError, match=r"study\.sqlite3: study schema 7"):
        open_store(Services(settings))
    assert old.is_file()  # left as it was


def test_the_cli_reads_an_imported_old_file(
    settings: Settings, owner: Owner, book: Notebook
) -> None:
    write_old_file(settings.home / "study.sqlite3", owner.id, book.id)
    listed = CliRunner().invoke(
        cli, ["study", "quizzes", "--notebook", book.name, "--json"], catch_exceptions=False
    )
    assert listed.exit_code == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert [(r["id"], r["attempts"], r["correct"]) for r in rows] == [("quiz-1", 1, 1)]
    assert (settings.home / "study.sqlite3.imported").is_file()


def test_deleting_a_notebook_or_an_owner_deletes_their_study_rows_only(
    settings: Settings,
) -> None:
    records = open_records(settings)
    study = StudyStore(records)
    try:
        for owner in (ALICE, BOB):
            for notebook in ("nb1", "nb2"):
                quiz = study.save_quiz(owner, notebook, "cells", [ITEM])
                study.add_attempt(owner, quiz.items[0].id, "osmosis", "correct", 1, "x", "")
                deck = Deck(study, owner, notebook)
                card = deck.add("What moves water?", "osmosis", CITED)
                assert card is not None
                deck.review(card, Rating.Good, NOW)
        records.add(ALICE, "study.note", {"n": 1}, notebook_id="nb1")

        assert records.delete_notebook(ALICE, "nb1") == 1  # the records it counts
        assert study.list_quizzes(ALICE, "nb1") == [] and study.list_cards(ALICE, "nb1") == []
        assert study.list_reviews(ALICE, "nb1") == []
        assert len(study.list_quizzes(ALICE, "nb2")) == 1
        assert len(study.list_reviews(BOB, "nb1")) == 1
        assert counts(study) == {"quizzes": 3, "quiz_items": 3, "attempts": 3, "cards": 3,
                                 "reviews": 3}  # fmt: skip

        records.delete_owner(ALICE)
        assert study.list_quizzes(ALICE, "nb2") == [] and study.list_cards(ALICE, "nb2") == []
        assert counts(study) == {"quizzes": 2, "quiz_items": 2, "attempts": 2, "cards": 2,
                                 "reviews": 2}  # fmt: skip
        assert all(row["owner"] == "bob" for row in records.query("SELECT owner FROM attempts"))
    finally:
        study.close()


def test_study_hands_its_forget_to_the_records_store_through_the_registry() -> None:
    from causerie.assistants.registry import discover
    from causerie.assistants.study.db import MIGRATIONS, forget

    registry = discover()
    assert registry.forgetters()["study"] is forget
    assert registry.migrations("study") == MIGRATIONS
