"""The PostgreSQL store: the Store contract on a real server, plus what only PostgreSQL shows
(the HNSW index, row-level security, several processes' worth of connections)."""

from __future__ import annotations

import sys
from collections.abc import Iterator

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


def test_vectors_get_an_hnsw_index_per_dimension(pg_store: PostgresStore) -> None:
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
