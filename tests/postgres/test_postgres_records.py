"""The assistants' records on PostgreSQL: the OwnedRecords contract on a real server, and the
factory opening every backend on one PostgreSQL database from `database_url`."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

if "causerie.testing.records_contract" not in sys.modules:
    pytest.register_assert_rewrite("causerie.testing.records_contract")

from causerie.assistants.postgres_records import PostgresRecords
from causerie.assistants.registry import AppRegistry, Assistant
from causerie.errors import ConfigError
from causerie.testing.records_contract import OwnedRecordsContract
from causerie.types import Owner
from causerie.wiring import Services


@pytest.fixture
def make_records(postgres_url: str) -> Iterator[Callable[[], PostgresRecords]]:
    opened: list[PostgresRecords] = []

    def make() -> PostgresRecords:
        opened.append(PostgresRecords(postgres_url))
        return opened[-1]

    yield make
    for records in opened:
        records.close()


class TestPostgresRecords(OwnedRecordsContract):
    pass


def test_database_url_puts_every_backend_in_postgresql(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch, isolated_home: Path
) -> None:
    from causerie.accounts.postgres import PostgresAccountStore
    from causerie.assistants.postgres_records import PostgresRecords
    from causerie.backends import open_accounts, open_records
    from causerie.jobs.postgres import PostgresJobQueue
    from causerie.store.postgres import PostgresStore

    monkeypatch.setenv("CAUSERIE_DATABASE_URL", postgres_url)
    services = Services()
    accounts = open_accounts(services.settings)
    records = open_records(services.settings)
    try:
        assert isinstance(services.store, PostgresStore)
        assert isinstance(services.job_queue, PostgresJobQueue)
        assert isinstance(accounts, PostgresAccountStore)
        assert isinstance(records, PostgresRecords)
        book = services.store.ensure_notebook(Owner("alice"), "n")
        services.job_queue.submit(Owner("alice"), "embed", {"notebook_id": book.id})
        accounts.create_user("alice", "a long passphrase here")
        records.add(Owner("alice"), "study.note", {"text": "hello"}, notebook_id=book.id)
        assert {"notebooks", "jobs", "users", "assistant_records", "quizzes"} <= records.tables()
    finally:
        records.close()
        accounts.close()
        services.close()
    assert not (isolated_home / "causerie.sqlite3").exists()
    assert not (isolated_home / "accounts.sqlite3").exists()


def test_an_assistant_with_sqlite_tables_only_is_refused_on_postgresql(
    postgres_url: str, isolated_home: Path
) -> None:
    from causerie.backends import open_records
    from causerie.config import load_settings

    registry = AppRegistry()
    registry.add(
        Assistant(name="legacy", summary="x", migrations="causerie.assistants.study.db:MIGRATIONS")
    )
    settings = load_settings(database_url=postgres_url)
    with pytest.raises(ConfigError, match="'legacy' keeps tables of its own"):
        open_records(settings, registry)
