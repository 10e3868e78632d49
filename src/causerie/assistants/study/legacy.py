"""The one-time import of an old `study.sqlite3` (study's own file, before its tables moved into
the records database) into the records database.

    import_old_file(study, settings.home)   # causerie.assistants.study.tasks.open_store does it

The old file is read only (SQLite's `mode=ro`), copied in one write transaction, then renamed
`study.sqlite3.imported` (never deleted). Idempotent: rows are keyed by their ids (reviews, whose
ids are per-file counters, by card and time), so an import cut short before the rename, or run
by two processes at once, adds nothing twice.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from causerie.assistants.study.db import SCHEMA_VERSION, StudyStore
from causerie.errors import StoreError

OLD_FILE = "study.sqlite3"
IMPORTED_SUFFIX = ".imported"

_COPY = {
    "quizzes": "id, owner, notebook_id, title, created_at",
    "quiz_items": "id, owner, quiz_id, position, chunk_id, data",
    "attempts": "id, owner, item_id, given, verdict, score, method, feedback, created_at",
    "cards": "id, owner, notebook_id, front, back, citation, origin, schedule, due, created_at",
}
_REVIEW = "owner, card_id, notebook_id, rating, reviewed_at, interval_s"


def import_old_file(study: StudyStore, home: Path) -> int:
    """Copy `home/study.sqlite3` into the records database and rename it; the number of rows
    added (0 when there is no such file). StoreError naming the file when it is not a study
    database this Causerie reads."""
    path = home / OLD_FILE
    if not path.is_file():
        return 0
    try:
        rows = _read_old(path)
    except StoreError:
        if not path.exists():  # another process imported and renamed it meanwhile
            return 0
        raise
    added = 0
    with study.records.transaction() as conn:
        for table, columns in _COPY.items():
            marks = ", ".join("?" * (columns.count(",") + 1))
            for row in rows[table]:
                added += conn.execute(
                    f"INSERT INTO {table} ({columns}) VALUES ({marks}) ON CONFLICT DO NOTHING", row
                ).rowcount
        for row in rows["reviews"]:
            owner, card_id, _, _, reviewed_at, _ = row
            known = conn.execute(
                "SELECT 1 FROM cards WHERE id = ? AND owner = ?", (card_id, owner)
            ).fetchone()
            seen = conn.execute(
                "SELECT 1 FROM reviews WHERE owner = ? AND card_id = ? AND reviewed_at = ?",
                (owner, card_id, reviewed_at),
            ).fetchone()
            if known and not seen:
                added += conn.execute(
                    f"INSERT INTO reviews ({_REVIEW}) VALUES (?, ?, ?, ?, ?, ?)", row
                ).rowcount
    with contextlib.suppress(FileNotFoundError):  # another process renamed it first
        path.rename(_free_name(path.with_name(OLD_FILE + IMPORTED_SUFFIX)))
    return added


def _free_name(target: Path) -> Path:
    """`target`, or `target.1`, `target.2`...: an earlier imported file is never replaced."""
    candidate, n = target, 0
    while candidate.exists():
        n += 1
        candidate = target.with_name(f"{target.name}.{n}")
    return candidate


def _read_old(path: Path) -> dict[str, list[tuple[object, ...]]]:
    try:
        old = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: cannot open the old study database: {exc}") from exc
    try:
        version = old.execute("PRAGMA user_version").fetchone()[0]
        if version != SCHEMA_VERSION:
            raise StoreError(
                f"{path}: study schema {version}, this Causerie imports {SCHEMA_VERSION} "
                "(keep the file and use the Causerie that wrote it)"
            )
        rows = {
            table: old.execute(f"SELECT {columns} FROM {table} ORDER BY rowid").fetchall()
            for table, columns in _COPY.items()
        }
        rows["reviews"] = old.execute(f"SELECT {_REVIEW} FROM reviews ORDER BY id").fetchall()
        return rows
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: not a study database Causerie can import: {exc}") from exc
    finally:
        old.close()
