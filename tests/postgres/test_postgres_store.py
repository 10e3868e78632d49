"""The PostgreSQL store: the Store contract on a real server, plus what only PostgreSQL shows
(the HNSW index, row-level security, several processes' worth of connections)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

if "causerie.testing.store_contract" not in sys.modules:  # rewrite its asserts for clear reports
    pytest.register_assert_rewrite("causerie.testing.store_contract")

from causerie.store.postgres import PostgresStore
from causerie.testing.store_contract import ALICE, BOB, MODEL, StoreContract, basis, make_source


class TestPostgresStore(StoreContract):
    @pytest.fixture
    def store(self, postgres_url: str) -> Iterator[PostgresStore]:
        db = PostgresStore(postgres_url)
        yield db
        db.close()


@pytest.fixture
def pg_store(postgres_url: str) -> Iterator[PostgresStore]:
    db = PostgresStore(postgres_url)
    yield db
    db.close()


def test_vectors_get_an_hnsw_index_per_dimension(fresh_postgres_url: str) -> None:
    pg_store = PostgresStore(fresh_postgres_url)
    book = pg_store.ensure_notebook(ALICE, "research")
    new = make_source("a.txt", [f"passage {i}" for i in range(3)])
    pg_store.put_source(ALICE, book.id, new)
    pg_store.put_vectors(
        ALICE, MODEL, [c.id for c in new.chunks], np.stack([basis(i) for i in range(3)])
    )
    with pg_store.db.transaction() as conn:
        rows = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE 'vectors_hnsw_%'"
            " AND schemaname = current_schema()"
        ).fetchall()
    pg_store.close()
    assert [r["indexname"] for r in rows] == ["vectors_hnsw_8"]
    assert "hnsw" in rows[0]["indexdef"] and "(dim = 8)" in rows[0]["indexdef"]


def test_row_level_security_hides_other_owners_rows(pg_store: PostgresStore) -> None:
    """The second lock: a role that is not a superuser, with causerie.owner set, sees only
    that owner's rows even when a query forgets its owner filter."""
    alice_book = pg_store.ensure_notebook(ALICE, "research")
    pg_store.ensure_notebook(BOB, "research")
    pg_store.put_source(ALICE, alice_book.id, make_source("a.txt", ["alpaca ledger"]))
    with pg_store.db.transaction() as conn:
        conn.execute("CREATE ROLE causerie_app_test NOLOGIN")
        conn.execute("GRANT USAGE ON SCHEMA public TO causerie_app_test")
        schema = conn.execute("SELECT current_schema() AS s").fetchone()["s"]
        conn.execute(f"GRANT USAGE ON SCHEMA {schema} TO causerie_app_test")
        conn.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO causerie_app_test")
        conn.execute("SET LOCAL ROLE causerie_app_test")
        conn.execute("SELECT set_config('causerie.owner', 'bob', true)")
        seen = conn.execute("SELECT owner FROM notebooks").fetchall()
        chunks = conn.execute("SELECT count(*) AS n FROM chunks").fetchone()
        conn.execute("RESET ROLE")
        conn.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM causerie_app_test")
        conn.execute(f"REVOKE ALL ON SCHEMA {schema} FROM causerie_app_test")
        conn.execute("REVOKE ALL ON SCHEMA public FROM causerie_app_test")
        conn.execute("DROP ROLE causerie_app_test")
    assert [r["owner"] for r in seen] == ["bob"]
    assert chunks["n"] == 0


PASSAGES = {
    "en": [
        "The Valmont library opens on Sundays from ten to two; only the reading room is staffed.",
        "Borrowing needs a library card; cards are free for residents and cost 12 euros otherwise.",
        "The covered market next to the library sells bread, cheese and vegetables on Saturdays.",
        "Late opening on Wednesdays: the library stays open until eight in the evening.",
        "Lost cards are replaced at the loan desk for two euros; bring an identity document.",
    ],
    "fr": [
        "La bibliothèque de Valmont ouvre le dimanche de dix heures à quatorze heures.",
        "Pour emprunter des livres, il faut une carte de lecteur, gratuite pour les habitants.",
        "Le marché couvert, à côté de la bibliothèque, vend du pain et du fromage le samedi.",
        "Le mercredi, la bibliothèque ferme tard : elle reste ouverte jusqu'à vingt heures.",
        "Une carte perdue est remplacée au prêt pour deux euros, sur présentation d'une pièce.",
    ],
}
QUESTIONS = [
    "When does the library open on Sundays?",
    "How much does a library card cost?",
    "Quand la bibliothèque ouvre-t-elle le dimanche ?",
    "Combien coûte une carte perdue ?",
    "market bread cheese",
]


@pytest.mark.parametrize("budget", [2000, 3])
def test_lexical_ranking_matches_sqlite_bm25(
    postgres_url: str, tmp_path: Path, budget: int
) -> None:
    """The same chunks, the same questions: the same order and the same BM25 scores as
    SQLite's FTS5 (so hybrid retrieval fuses the same rankings on both backends), and with a
    small budget the same plan (common terms optional, then the fallbacks)."""
    from causerie import textproc
    from causerie.store.base import NewSource
    from causerie.store.sqlite import SQLiteStore
    from causerie.types import Chunk, Locator, content_hash

    sqlite = SQLiteStore(tmp_path / "causerie.sqlite3", lexical_budget=budget)
    pg_store = PostgresStore(postgres_url, lexical_budget=budget)
    try:
        books = []
        for store in (sqlite, pg_store):
            book = store.ensure_notebook(ALICE, "library")
            other = store.ensure_notebook(BOB, "elsewhere")  # global statistics, as FTS5's
            for language, texts in PASSAGES.items():
                digest = content_hash(language)
                chunks = [
                    Chunk(Chunk.make_id(digest, i, t), i, t, Locator(char_start=i), len(t.split()))
                    for i, t in enumerate(texts)
                ]
                new = NewSource(
                    f"{language}.md", language, "text/markdown", language, digest, chunks,
                    [textproc.index_text(t, language) for t in texts],
                )  # fmt: skip
                store.put_source(ALICE, book.id, new)
                store.put_source(BOB, other.id, new)
            store.delete_source(BOB, store.list_sources(BOB, other.id)[0].id)
            books.append(book)
        for question in QUESTIONS:
            terms = textproc.query_terms(question)
            expected = sqlite.lexical_search(ALICE, books[0].id, terms, 10)
            got = pg_store.lexical_search(ALICE, books[1].id, terms, 10)
            assert expected, question
            assert [r.chunk_id for r in got] == [r.chunk_id for r in expected], question
            assert [r.score for r in got] == pytest.approx([r.score for r in expected], rel=1e-6)
    finally:
        sqlite.close()
        pg_store.close()
