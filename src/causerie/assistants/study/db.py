"""Study data: its own tables (quizzes, quiz items, attempts, cards, reviews) in the assistants'
records database, the one `database_url` names (causerie.backends.open_records), beside the
store's tables and the job queue. Study never opens a database file itself: it is handed the
shared records handle (causerie.assistants.records.SQLiteRecords), whose migrations made these
tables (MIGRATIONS, registered through causerie.assistants.study.register) and whose
delete_notebook / delete_owner run `forget` below.

    study = StudyStore(open_records(settings))     # causerie.assistants.study.tasks.open_store

It refers to the store by ids only (notebook id, chunk id) and keeps a copy of each passage in
its citation, so a card still shows its passage after its source is re-added or removed.
Before this, study kept the same tables in `study.sqlite3` in the data folder
(causerie.assistants.study.legacy imports such a file once).

Ownership: every row carries its owner and every statement filters by it; a row of another
owner reads exactly like a missing one (NotFound / None / empty).
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from causerie.assistants.records import SQLiteRecords
from causerie.assistants.study.quiz import QuizItem
from causerie.assistants.study.records import Attempt, Flashcard, Origin, Quiz, Review
from causerie.errors import NotFound, StoreError
from causerie.types import Citation, Owner

SCHEMA_VERSION = 1  # the `PRAGMA user_version` of an old study.sqlite3 file

SCHEMA = (
    """CREATE TABLE quizzes (
        id TEXT PRIMARY KEY, owner TEXT NOT NULL, notebook_id TEXT NOT NULL,
        title TEXT NOT NULL, created_at REAL NOT NULL)""",
    "CREATE INDEX quizzes_by_notebook ON quizzes (owner, notebook_id)",
    """CREATE TABLE quiz_items (
        id TEXT PRIMARY KEY, owner TEXT NOT NULL,
        quiz_id TEXT NOT NULL REFERENCES quizzes(id) ON DELETE CASCADE,
        position INTEGER NOT NULL, chunk_id TEXT NOT NULL, data TEXT NOT NULL,
        UNIQUE (quiz_id, position))""",
    """CREATE TABLE attempts (
        id TEXT PRIMARY KEY, owner TEXT NOT NULL,
        item_id TEXT NOT NULL REFERENCES quiz_items(id) ON DELETE CASCADE,
        given TEXT NOT NULL, verdict TEXT NOT NULL, score REAL NOT NULL, method TEXT NOT NULL,
        feedback TEXT NOT NULL, created_at REAL NOT NULL)""",
    "CREATE INDEX attempts_by_item ON attempts (owner, item_id)",
    """CREATE TABLE cards (
        id TEXT PRIMARY KEY, owner TEXT NOT NULL, notebook_id TEXT NOT NULL,
        front TEXT NOT NULL, back TEXT NOT NULL, citation TEXT, origin TEXT NOT NULL,
        schedule TEXT NOT NULL, due REAL NOT NULL, created_at REAL NOT NULL,
        UNIQUE (owner, notebook_id, front))""",
    "CREATE INDEX cards_by_due ON cards (owner, notebook_id, due)",
    """CREATE TABLE reviews (
        id INTEGER PRIMARY KEY, owner TEXT NOT NULL,
        card_id TEXT NOT NULL REFERENCES cards(id) ON DELETE CASCADE,
        notebook_id TEXT NOT NULL, rating INTEGER NOT NULL, reviewed_at REAL NOT NULL,
        interval_s REAL NOT NULL)""",
    "CREATE INDEX reviews_by_notebook ON reviews (owner, notebook_id, reviewed_at)",
)
MIGRATIONS = (SCHEMA,)  # the registry's steps (version 0 -> 1), applied by open_records
TABLES = ("quizzes", "quiz_items", "attempts", "cards", "reviews")


def forget(conn: sqlite3.Connection, owner_id: str, notebook_id: str | None) -> int:
    """Delete an owner's study rows, or only those of one notebook (the records store runs this
    in its delete transaction; quiz items, attempts and reviews go by cascade). The count of
    quizzes and cards deleted."""
    scope, values = "owner = ?", [owner_id]
    if notebook_id is not None:
        scope, values = "owner = ? AND notebook_id = ?", [owner_id, notebook_id]
    return sum(
        conn.execute(f"DELETE FROM {table} WHERE {scope}", values).rowcount
        for table in ("quizzes", "cards")
    )


def _owner_id(owner: object) -> str:
    if not isinstance(owner, Owner):
        raise TypeError(f"owner must be a causerie.types.Owner, not {type(owner).__name__}")
    return owner.id


def _new_id() -> str:
    return uuid.uuid4().hex


class StudyStore:
    """Study's reads and writes on the shared records database; `close()` closes `records`."""

    def __init__(self, records: SQLiteRecords) -> None:
        self.records = records
        self.path = records.path
        made = records.query(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
            f"({', '.join('?' * len(TABLES))})",
            TABLES,
        )[0][0]
        if made != len(TABLES):
            raise StoreError(
                f"{self.path}: study's tables are missing (open it with "
                "causerie.backends.open_records, which applies study's migrations)"
            )

    @classmethod
    def open(cls, path: str | Path) -> StudyStore:
        """Study alone on a database file (tests, tools): the records handle with only study's
        migrations."""
        return cls(SQLiteRecords(path, {"study": MIGRATIONS}, {"study": forget}))

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        with self.records.transaction() as conn:
            yield conn

    def _read(self, sql: str, params: Sequence[object]) -> list[sqlite3.Row]:
        return self.records.query(sql, params)

    def close(self) -> None:
        self.records.close()

    # ----------------------------------------------------------------- quizzes

    def save_quiz(
        self,
        owner: Owner,
        notebook_id: str,
        title: str,
        items: Sequence[QuizItem],
        quiz_id: str | None = None,
    ) -> Quiz:
        """Save a quiz under a new id, or under `quiz_id` (a job's, so that a job run twice
        saves one quiz): when the owner already has a quiz with that id, it is returned as it
        is; another owner's id is refused."""
        owner_id = _owner_id(owner)
        created = time.time()
        quiz_id = quiz_id or _new_id()
        stored = []
        with self._writing() as conn:
            taken = conn.execute("SELECT owner FROM quizzes WHERE id = ?", (quiz_id,)).fetchone()
            if taken is not None:
                if taken["owner"] != owner_id:
                    raise StoreError(f"{self.path}: quiz id {quiz_id!r} is taken")
                return self.get_quiz(owner, quiz_id)  # saved before: by this job's first run
            conn.execute(
                "INSERT INTO quizzes VALUES (?, ?, ?, ?, ?)",
                (quiz_id, owner_id, notebook_id, title, created),
            )
            for position, item in enumerate(items):
                item_id = _new_id()
                data = json.dumps({**item.to_json(), "id": item_id}, ensure_ascii=False)
                conn.execute(
                    "INSERT INTO quiz_items VALUES (?, ?, ?, ?, ?, ?)",
                    (item_id, owner_id, quiz_id, position, item.citation.chunk_id, data),
                )
                stored.append(QuizItem.from_json(json.loads(data)))
        return Quiz(quiz_id, notebook_id, title, created, tuple(stored))

    def get_quiz(self, owner: Owner, quiz_id: str) -> Quiz:
        owner_id = _owner_id(owner)
        rows = self._read("SELECT * FROM quizzes WHERE owner = ? AND id = ?", (owner_id, quiz_id))
        if not rows:
            raise NotFound(f"quiz '{quiz_id}' does not exist (`causerie study quizzes` lists them)")
        items = self._read(
            "SELECT data FROM quiz_items WHERE owner = ? AND quiz_id = ? ORDER BY position",
            (owner_id, quiz_id),
        )
        row = rows[0]
        return Quiz(
            row["id"],
            row["notebook_id"],
            row["title"],
            row["created_at"],
            tuple(QuizItem.from_json(json.loads(r["data"])) for r in items),
        )

    def list_quizzes(self, owner: Owner, notebook_id: str) -> list[Quiz]:
        owner_id = _owner_id(owner)
        rows = self._read(
            "SELECT id FROM quizzes WHERE owner = ? AND notebook_id = ? ORDER BY created_at",
            (owner_id, notebook_id),
        )
        return [self.get_quiz(owner, r["id"]) for r in rows]

    def get_item(self, owner: Owner, item_id: str) -> QuizItem:
        rows = self._read(
            "SELECT data FROM quiz_items WHERE owner = ? AND id = ?", (_owner_id(owner), item_id)
        )
        if not rows:
            raise NotFound(f"quiz item '{item_id}' does not exist")
        return QuizItem.from_json(json.loads(rows[0]["data"]))

    def add_attempt(
        self,
        owner: Owner,
        item_id: str,
        given: str,
        verdict: str,
        score: float,
        method: str,
        feedback: str,
    ) -> Attempt:
        owner_id = _owner_id(owner)
        attempt = Attempt(_new_id(), item_id, given, verdict, score, method, feedback, time.time())
        with self._writing() as conn:
            found = conn.execute(
                "SELECT 1 FROM quiz_items WHERE owner = ? AND id = ?", (owner_id, item_id)
            ).fetchone()
            if not found:
                raise NotFound(f"quiz item '{item_id}' does not exist")
            conn.execute(
                "INSERT INTO attempts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (attempt.id, owner_id, item_id, given, verdict, score, method, feedback,
                 attempt.created_at),
            )  # fmt: skip
        return attempt

    def get_attempt(self, owner: Owner, attempt_id: str) -> Attempt:
        rows = self._read(
            "SELECT * FROM attempts WHERE owner = ? AND id = ?", (_owner_id(owner), attempt_id)
        )
        if not rows:
            raise NotFound(f"attempt '{attempt_id}' does not exist")
        return _attempt(rows[0])

    def list_attempts(self, owner: Owner, quiz_id: str) -> list[Attempt]:
        rows = self._read(
            "SELECT a.* FROM attempts a JOIN quiz_items i ON i.id = a.item_id"
            " WHERE a.owner = ? AND i.owner = ? AND i.quiz_id = ? ORDER BY a.created_at",
            (_owner_id(owner), _owner_id(owner), quiz_id),
        )
        return [_attempt(r) for r in rows]

    # ----------------------------------------------------------------- cards

    def add_card(
        self,
        owner: Owner,
        notebook_id: str,
        front: str,
        back: str,
        citation: Citation | None,
        origin: Origin,
        schedule: str,
        due: datetime,
    ) -> Flashcard | None:
        """A new card, or None when the notebook already has a card with this front."""
        owner_id = _owner_id(owner)
        card = Flashcard(
            _new_id(), notebook_id, front, back, citation, origin, schedule, time.time()
        )
        cited = json.dumps(citation.to_dict(), ensure_ascii=False) if citation else None
        with self._writing() as conn:
            cursor = conn.execute(
                "INSERT OR IGNORE INTO cards VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (card.id, owner_id, notebook_id, front, back, cited, origin, schedule,
                 due.timestamp(), card.created_at),
            )  # fmt: skip
        return card if cursor.rowcount else None

    def get_card(self, owner: Owner, card_id: str) -> Flashcard:
        rows = self._read(
            "SELECT * FROM cards WHERE owner = ? AND id = ?", (_owner_id(owner), card_id)
        )
        if not rows:
            raise NotFound(f"card '{card_id}' does not exist")
        return _card(rows[0])

    def list_cards(self, owner: Owner, notebook_id: str) -> list[Flashcard]:
        rows = self._read(
            "SELECT * FROM cards WHERE owner = ? AND notebook_id = ? ORDER BY created_at, rowid",
            (_owner_id(owner), notebook_id),
        )
        return [_card(r) for r in rows]

    def due_cards(
        self, owner: Owner, notebook_id: str, now: datetime, limit: int = 1000
    ) -> list[Flashcard]:
        rows = self._read(
            "SELECT * FROM cards WHERE owner = ? AND notebook_id = ? AND due <= ?"
            " ORDER BY due, created_at, rowid LIMIT ?",
            (_owner_id(owner), notebook_id, now.timestamp(), limit),
        )
        return [_card(r) for r in rows]

    def record_review(
        self, owner: Owner, card: Flashcard, schedule: str, due: datetime, review: Review
    ) -> Flashcard:
        """Save a card's new schedule and the review that produced it, together."""
        owner_id = _owner_id(owner)
        with self._writing() as conn:
            cursor = conn.execute(
                "UPDATE cards SET schedule = ?, due = ? WHERE owner = ? AND id = ?",
                (schedule, due.timestamp(), owner_id, card.id),
            )
            if not cursor.rowcount:
                raise NotFound(f"card '{card.id}' does not exist")
            conn.execute(
                "INSERT INTO reviews (owner, card_id, notebook_id, rating, reviewed_at,"
                " interval_s) VALUES (?, ?, ?, ?, ?, ?)",
                (owner_id, card.id, card.notebook_id, review.rating, review.reviewed_at,
                 review.interval_s),
            )  # fmt: skip
        return self.get_card(owner, card.id)

    def list_reviews(self, owner: Owner, notebook_id: str, since: float = 0.0) -> list[Review]:
        rows = self._read(
            "SELECT card_id, rating, reviewed_at, interval_s FROM reviews"
            " WHERE owner = ? AND notebook_id = ? AND reviewed_at >= ? ORDER BY reviewed_at, id",
            (_owner_id(owner), notebook_id, since),
        )
        return [Review(r[0], r[1], r[2], r[3]) for r in rows]


def _attempt(row: sqlite3.Row) -> Attempt:
    return Attempt(
        row["id"], row["item_id"], row["given"], row["verdict"], row["score"], row["method"],
        row["feedback"], row["created_at"],
    )  # fmt: skip


def _card(row: sqlite3.Row) -> Flashcard:
    cited = Citation.from_dict(json.loads(row["citation"])) if row["citation"] else None
    return Flashcard(
        row["id"], row["notebook_id"], row["front"], row["back"], cited, row["origin"],
        row["schedule"], row["created_at"],
    )  # fmt: skip
