"""The SQLite store: the Store contract, plus what only a SQLite file can show."""

from __future__ import annotations

import dataclasses
import sqlite3
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

if "causerie.testing.store_contract" not in sys.modules:  # rewrite its asserts for clear reports
    pytest.register_assert_rewrite("causerie.testing.store_contract")

from causerie.errors import InputError, StoreError
from causerie.store.sqlite import SCHEMA_VERSION, LexicalPlan, SQLiteStore, fts_phrase
from causerie.testing.store_contract import (
    ALICE,
    FILLER,
    MODEL,
    StoreContract,
    basis,
    ids_of,
    make_source,
)


class TestSQLiteStore(StoreContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[SQLiteStore]:
        db = SQLiteStore(tmp_path / "data" / "causerie.db")
        yield db
        db.close()


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "nested" / "folder" / "causerie.db"


def test_creates_folder_schema_and_wal(path: Path) -> None:
    with SQLiteStore(path) as store:
        store.ensure_notebook(ALICE, "research")
    assert path.is_file()
    raw = sqlite3.connect(path)
    try:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"notebooks", "sources", "chunks", "chunks_fts", "vectors"} <= tables
        assert {"conversations", "messages"} <= tables
    finally:
        raw.close()


def test_connection_settings(path: Path) -> None:
    with SQLiteStore(path) as store:
        conn = store._conn
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000


def test_reopens_with_data_intact(path: Path) -> None:
    new = make_source("a.txt", ["zebra stripes", *FILLER])
    with SQLiteStore(path) as store:
        book = store.ensure_notebook(ALICE, "research")
        source = store.put_source(ALICE, book.id, new)
        store.put_vectors(ALICE, MODEL, [new.chunks[0].id], basis(0)[None, :])
        talk = store.create_conversation(ALICE, book.id, "talk")
        message = store.add_message(ALICE, talk.id, "user", "zebras?")
    with SQLiteStore(path) as store:
        assert store.get_notebook(ALICE, "research") == book
        assert store.list_sources(ALICE, book.id) == [source]
        assert ids_of(store.lexical_search(ALICE, book.id, ["zebra"], 5)) == [new.chunks[0].id]
        assert ids_of(store.vector_search(ALICE, book.id, MODEL, basis(0), 5)) == [new.chunks[0].id]
        assert store.list_messages(ALICE, talk.id) == [message]


def test_second_connection_sees_writes_and_invalidates_vector_cache(path: Path) -> None:
    first, second = SQLiteStore(path), SQLiteStore(path)
    try:
        book = first.ensure_notebook(ALICE, "research")
        new = make_source("a.txt", ["one", "two"])
        first.put_source(ALICE, book.id, new)
        ids = [c.id for c in new.chunks]
        first.put_vectors(ALICE, MODEL, ids, np.stack([basis(0), basis(1)]))
        assert ids_of(second.vector_search(ALICE, book.id, MODEL, basis(0), 1)) == [ids[0]]

        first.put_vectors(ALICE, MODEL, ids, np.stack([basis(1), basis(0)]))  # swap them
        assert ids_of(second.vector_search(ALICE, book.id, MODEL, basis(0), 1)) == [ids[1]]

        first.put_source(ALICE, book.id, make_source("a.txt", ["three"]))
        assert second.vector_search(ALICE, book.id, MODEL, basis(0), 5) == []
        assert second.count_chunks(ALICE, book.id) == 1
        assert second.count_vectors(ALICE, book.id, MODEL) == 0
    finally:
        first.close()
        second.close()


def test_second_connection_sees_deleted_vectors(path: Path) -> None:
    first, second = SQLiteStore(path), SQLiteStore(path)
    try:
        book = first.ensure_notebook(ALICE, "research")
        new = make_source("a.txt", ["one", "two"])
        first.put_source(ALICE, book.id, new)
        first.put_vectors(ALICE, MODEL, [c.id for c in new.chunks], np.stack([basis(0), basis(1)]))
        assert len(second.vector_search(ALICE, book.id, MODEL, basis(0), 5)) == 2  # cached
        assert second.count_vectors(ALICE, book.id, MODEL) == 2

        assert first.delete_vectors(ALICE, book.id, MODEL) == 2

        assert second.vector_search(ALICE, book.id, MODEL, basis(0), 5) == []
        assert second.count_vectors(ALICE, book.id, MODEL) == 0
    finally:
        first.close()
        second.close()


def test_deleted_vectors_free_the_models_dimension(path: Path) -> None:
    """A notebook's vectors for a model have one size; once deleted, another size is fine."""
    with SQLiteStore(path) as store:
        book = store.ensure_notebook(ALICE, "research")
        new = make_source("a.txt", ["one"])
        store.put_source(ALICE, book.id, new)
        ids = [new.chunks[0].id]
        store.put_vectors(ALICE, MODEL, ids, np.ones((1, 8), dtype=np.float32))
        with pytest.raises(ValueError, match="dimensional"):
            store.put_vectors(ALICE, MODEL, ids, np.ones((1, 4), dtype=np.float32))
        assert store.delete_vectors(ALICE, book.id, MODEL) == 1
        store.put_vectors(ALICE, MODEL, ids, np.ones((1, 4), dtype=np.float32))
        results = store.vector_search(ALICE, book.id, MODEL, np.ones(4, dtype=np.float32), 5)
        assert ids_of(results) == ids


def test_deleted_conversation_leaves_no_message_rows(path: Path) -> None:
    with SQLiteStore(path) as store:
        book = store.ensure_notebook(ALICE, "research")
        talk = store.create_conversation(ALICE, book.id, "talk")
        store.add_message(ALICE, talk.id, "user", "hello")
        store.delete_conversation(ALICE, talk.id)
        count = store._conn.execute(
            "SELECT count(*) FROM messages WHERE conversation_id = ?", (talk.id,)
        ).fetchone()[0]
        assert count == 0


def test_repeated_vector_search_reuses_the_cached_matrix(path: Path) -> None:
    with SQLiteStore(path) as store:
        book = store.ensure_notebook(ALICE, "research")
        new = make_source("a.txt", ["one", "two"])
        store.put_source(ALICE, book.id, new)
        store.put_vectors(ALICE, MODEL, [c.id for c in new.chunks], np.stack([basis(0), basis(1)]))
        store.vector_search(ALICE, book.id, MODEL, basis(0), 1)
        cached = store._matrix(ALICE.id, book.id, MODEL)
        assert store._matrix(ALICE.id, book.id, MODEL) is cached
        store.put_vectors(ALICE, MODEL, [new.chunks[0].id], basis(2)[None, :])
        assert store._matrix(ALICE.id, book.id, MODEL) is not cached


@pytest.mark.parametrize(
    "content", [b"this is not a database at all" * 100, b"SQLite format 3\x00"]
)
def test_corrupt_file_gives_store_error_naming_it(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "broken.db"
    path.write_bytes(content)
    with pytest.raises(StoreError) as raised:
        SQLiteStore(path)
    assert str(path) in str(raised.value)


def test_folder_in_place_of_the_file_gives_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as raised:
        SQLiteStore(tmp_path)
    assert str(tmp_path) in str(raised.value)


def test_newer_schema_refused(path: Path) -> None:
    SQLiteStore(path).close()
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.close()
    with pytest.raises(StoreError, match="newer"):
        SQLiteStore(path)


def test_closed_store_raises_store_error(path: Path) -> None:
    store = SQLiteStore(path)
    store.close()
    with pytest.raises(StoreError):
        store.list_notebooks(ALICE)


def test_failure_inside_the_transaction_rolls_back(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure after the old chunks were deleted and new ones written restores all."""
    with SQLiteStore(path) as store:
        book = store.ensure_notebook(ALICE, "research")
        old = make_source("a.txt", ["zebra stripes", "zebra herds"])
        stored = store.put_source(ALICE, book.id, old)
        store.put_vectors(ALICE, MODEL, [c.id for c in old.chunks], np.stack([basis(0)] * 2))

        def explode(*args: object) -> None:
            raise sqlite3.OperationalError("disk I/O error")

        monkeypatch.setattr(SQLiteStore, "_bump_revision", staticmethod(explode))
        with pytest.raises(StoreError, match="disk I/O error"):
            store.put_source(ALICE, book.id, make_source("a.txt", ["giraffe one"]))
        monkeypatch.undo()

        assert store.find_source(ALICE, book.id, "a.txt") == stored
        assert len(store.lexical_search(ALICE, book.id, ["zebra"], 5)) == 2
        assert store.lexical_search(ALICE, book.id, ["giraffe"], 5) == []
        assert store.count_vectors(ALICE, book.id, MODEL) == 2
        store._conn.execute("INSERT INTO chunks_fts(chunks_fts) VALUES ('integrity-check')")


def test_fts_index_stays_consistent(path: Path) -> None:
    with SQLiteStore(path) as store:
        book = store.ensure_notebook(ALICE, "research")
        other = store.ensure_notebook(ALICE, "other")
        for round_ in range(3):
            store.put_source(ALICE, book.id, make_source("a.txt", [f"zebra {round_}", "x"]))
        gone = store.put_source(ALICE, book.id, make_source("b.txt", ["lion"]))
        store.put_source(ALICE, other.id, make_source("c.txt", ["zebra"]))
        store.delete_source(ALICE, gone.id)
        store.delete_notebook(ALICE, other.id)
        conn = store._conn
        conn.execute("INSERT INTO chunks_fts(chunks_fts) VALUES ('integrity-check')")
        assert conn.execute("SELECT count(*) FROM chunks").fetchone()[0] == 2
        fts_rows = conn.execute("SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH 'zebra'")
        assert fts_rows.fetchone()[0] == 1


def test_diacritics_folded_by_the_tokenizer(path: Path) -> None:
    with SQLiteStore(path) as store:
        book = store.ensure_notebook(ALICE, "research")
        new = make_source("a.txt", ["Crème brûlée au café"])
        store.put_source(ALICE, book.id, new)
        assert ids_of(store.lexical_search(ALICE, book.id, ["cafe"], 5)) == [new.chunks[0].id]
        assert ids_of(store.lexical_search(ALICE, book.id, ["CRÈME"], 5)) == [new.chunks[0].id]


def test_thread_safety(path: Path) -> None:
    with SQLiteStore(path) as store:
        book = store.ensure_notebook(ALICE, "research")
        errors: list[BaseException] = []

        def work(worker: int) -> None:
            try:
                for i in range(10):
                    uri = f"w{worker}-{i}.txt"
                    new = make_source(uri, [f"zebra {worker} {i}", f"lion {worker}"])
                    store.put_source(ALICE, book.id, new)
                    store.put_vectors(ALICE, MODEL, [new.chunks[0].id], basis(worker)[None, :])
                    store.lexical_search(ALICE, book.id, ["zebra", "lion"], 5)
                    store.vector_search(ALICE, book.id, MODEL, basis(worker), 3)
            except BaseException as exc:  # collected and asserted below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(w,)) for w in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert store.count_chunks(ALICE, book.id) == 80
        assert store.count_vectors(ALICE, book.id, MODEL) == 40


# --------------------------------------------------------------------------- lexical plans


def test_match_expression_quotes_every_term() -> None:
    assert fts_phrase('say "hi"') == '"say ""hi"""'
    plan = LexicalPlan.build("nb1", {'"a"': 3, '"b"': 0, '"c"': 10}, budget=100)
    assert plan.expressions == ('index_text : ("a" OR "c")',)
    assert LexicalPlan.build("nb1", {'"a"': 0}, budget=100).expressions == ()


def test_plan_makes_frequent_terms_optional() -> None:
    plan = LexicalPlan.build("nb1", {'"rare"': 3, '"mid"': 50, '"common"': 90}, budget=60)
    assert plan.expressions == (
        'index_text : ("rare" OR "mid") AND (index_text : ("common") OR notebook_id : "nb1")',
    )
    only_common = LexicalPlan.build("nb1", {'"x"': 90, '"y"': 70, '"z"': 80}, budget=60)
    assert only_common.expressions == (
        'index_text : ("y") AND index_text : ("z") AND index_text : ("x")',
        'index_text : ("y") AND index_text : ("z" OR "x")',
        'index_text : ("y") AND (index_text : ("z" OR "x") OR notebook_id : "nb1")',
    )
    assert LexicalPlan.build("nb1", {'"x"': 90}, budget=60).expressions == ('index_text : ("x")',)


def _corpus(store: SQLiteStore, book_id: str) -> dict[str, list[str]]:
    """Chunks where 'zebra' is rare, 'water' and 'river' common; returns ids by label."""
    texts = {
        "zebra_water": "zebra drinks water at the river",
        "zebra_only": "zebra zebra alone",
        "lion_water": "lion drinks water",
        "water_river": "water river water",
    }
    filler = [f"water river bank number {i}" for i in range(20)]
    new = make_source("a.txt", [*texts.values(), *filler])
    store.put_source(ALICE, book_id, new)
    ids = [c.id for c in new.chunks]
    return {"zebra_water": [ids[0]], "zebra_only": [ids[1]], "lion_water": [ids[2]], "all": ids}


def test_common_terms_only_add_to_scores(tmp_path: Path) -> None:
    """With a small budget the common terms stop matching alone, and scores stay exact."""
    exact = SQLiteStore(tmp_path / "exact.db")
    pruned = SQLiteStore(tmp_path / "pruned.db", lexical_budget=5)
    try:
        results = {}
        for name, store in (("exact", exact), ("pruned", pruned)):
            book = store.ensure_notebook(ALICE, "research")
            labels = _corpus(store, book.id)
            results[name] = store.lexical_search(ALICE, book.id, ["zebra", "water", "river"], 50)
        exact_scores = {r.chunk_id: r.score for r in results["exact"]}
        assert len(exact_scores) == 24
        assert set(ids_of(results["pruned"])) == {*labels["zebra_water"], *labels["zebra_only"]}
        for result in results["pruned"]:
            assert result.score == pytest.approx(exact_scores[result.chunk_id], rel=1e-9)
    finally:
        exact.close()
        pruned.close()


def test_only_common_terms_prefer_chunks_holding_all(tmp_path: Path) -> None:
    with SQLiteStore(tmp_path / "pruned.db", lexical_budget=5) as store:
        book = store.ensure_notebook(ALICE, "research")
        _corpus(store, book.id)
        both = store.lexical_search(ALICE, book.id, ["water", "river"], 5)
        assert len(both) == 5
        hits = store.get_hits(ALICE, book.id, ids_of(both))
        assert all({"water", "river"} <= set(h.chunk.text.split()) for h in hits)
        # Too few chunks hold both: then any chunk holding the rarer one counts.
        lion = store.lexical_search(ALICE, book.id, ["water", "lion", "drinks"], 30)
        assert len(lion) == 2  # 'lion' and 'drinks' are rare here: they must match
        many = store.lexical_search(ALICE, book.id, ["water", "river"], 30)
        assert len(many) == 23  # fewer than 30 hold both: chunks with the rarer term


def test_duplicate_chunk_ids_in_one_source_refused(path: Path) -> None:
    with SQLiteStore(path) as store:
        book = store.ensure_notebook(ALICE, "research")
        new = make_source("a.txt", ["one", "two"])
        bad = dataclasses.replace(new, chunks=[new.chunks[0], new.chunks[0]])
        with pytest.raises(InputError, match=r"a\.txt.*twice"):
            store.put_source(ALICE, book.id, bad)
        assert store.list_sources(ALICE, book.id) == []
