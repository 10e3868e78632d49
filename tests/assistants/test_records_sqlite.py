"""The assistants' owned records on SQLite: the OwnedRecords contract, plus what only the
database file can show."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

if "causerie.testing.records_contract" not in sys.modules:
    pytest.register_assert_rewrite("causerie.testing.records_contract")

from causerie.assistants.records import RECORDS_SCHEMA_NAME, SQLiteRecords
from causerie.store.sqlite import SQLiteStore
from causerie.testing.records_contract import ALICE, QUIZ, OwnedRecordsContract


@pytest.fixture
def make_records(tmp_path: Path) -> Iterator[Callable[[], SQLiteRecords]]:
    opened: list[SQLiteRecords] = []

    def make() -> SQLiteRecords:
        opened.append(SQLiteRecords(tmp_path / "data" / "causerie.sqlite3"))
        return opened[-1]

    yield make
    for records in opened:
        records.close()


class TestSQLiteRecords(OwnedRecordsContract):
    pass


def test_records_live_beside_the_store_and_each_assistants_tables(tmp_path: Path) -> None:
    path = tmp_path / "causerie.sqlite3"
    store = SQLiteStore(path)
    steps = {"toy": [["CREATE TABLE toy_notes (owner TEXT NOT NULL, text TEXT NOT NULL)"]]}
    records = SQLiteRecords(path, steps)
    again = SQLiteRecords(path, steps)  # a second process: nothing applied twice
    try:
        book = store.ensure_notebook(ALICE, "n")
        records.add(ALICE, QUIZ, {"n": 1}, notebook_id=book.id)
        tables = {r[0] for r in again.connection.execute("SELECT name FROM sqlite_master")}
        assert {"assistant_records", "toy_notes", "notebooks"} <= tables
        versions = dict(again.connection.execute("SELECT name, version FROM assistant_schema"))
        assert versions == {RECORDS_SCHEMA_NAME: 1, "toy": 1}
        assert [r.notebook_id for r in again.find(ALICE, QUIZ)] == [book.id]
    finally:
        again.close()
        records.close()
        store.close()
