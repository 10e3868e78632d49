"""Backends chosen by settings: database_url, and the one factory (causerie.backends)."""

from __future__ import annotations

from pathlib import Path

import pytest

from causerie.backends import open_job_queue, open_records, open_spool, open_store
from causerie.config import load_settings
from causerie.errors import ConfigError
from causerie.types import Owner
from causerie.wiring import Services


def test_the_default_database_is_the_sqlite_file_in_the_data_folder(isolated_home: Path) -> None:
    settings = load_settings()
    assert settings.database_url == ""
    assert settings.database_path == isolated_home / "causerie.sqlite3"


def test_a_sqlite_url_names_the_file(isolated_home: Path, tmp_path: Path) -> None:
    relative = load_settings(database_url="sqlite:///db/notes.sqlite3")
    assert relative.database_path == isolated_home / "db" / "notes.sqlite3"
    absolute = load_settings(database_url=f"sqlite:///{tmp_path}/abs.sqlite3")
    assert absolute.database_path == tmp_path / "abs.sqlite3"


@pytest.mark.parametrize("url", ["mysql://x", "sqlite:///", "postgresq://typo"])
def test_another_database_is_a_clear_config_error(url: str) -> None:
    with pytest.raises(ConfigError, match="database_url") as refused:
        load_settings(database_url=url)
    assert "'postgresql://USER:PASSWORD@HOST/DATABASE'" in str(refused.value)


def test_a_postgresql_url_is_accepted(isolated_home: Path) -> None:
    settings = load_settings(database_url="postgresql://causerie@db.example.org/causerie")
    assert settings.uses_postgres
    assert not load_settings().uses_postgres


def test_the_environment_variable_picks_the_database(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CAUSERIE_DATABASE_URL", f"sqlite:///{tmp_path}/env.sqlite3")
    services = Services()
    try:
        services.store.ensure_notebook(Owner("alice"), "n")
        services.job_queue.submit(Owner("alice"), "embed", {})
    finally:
        services.close()
    assert (tmp_path / "env.sqlite3").is_file()


def test_the_factory_opens_store_queue_and_spool_on_one_database(isolated_home: Path) -> None:
    settings = load_settings()
    store, queue = open_store(settings), open_job_queue(settings, max_queued_jobs=1)
    try:
        book = store.ensure_notebook(Owner("alice"), "n")
        job = queue.submit(Owner("alice"), "embed", {"notebook_id": book.id})
        assert queue.max_queued_jobs == 1
        assert queue.get(Owner("alice"), job.id).payload == {"notebook_id": book.id}
    finally:
        queue.close()
        store.close()
    assert open_spool(settings).root == isolated_home / "spool"


def test_the_assistants_records_live_in_the_same_database(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each registered assistant's records-store migrations are applied once, in the database
    that database_url names, beside the store and the queue."""
    from causerie.assistants.registry import discover

    tests = Path(__file__).resolve().parents[1]
    monkeypatch.syspath_prepend(str(tests))
    assistants = discover(extra=["toy_assistant"])
    settings = load_settings()
    store = open_store(settings)
    first = open_records(settings, assistants)
    again = open_records(settings, assistants)  # a second process: nothing applied twice
    try:
        tables = {row[0] for row in first.connection.execute("SELECT name FROM sqlite_master")}
        assert {"toy_notes", "quizzes", "assistant_schema", "notebooks"} <= tables
        assert {"assistant_records"} <= tables  # the owned records (causerie.assistants.records)
        rows = again.connection.execute("SELECT name, version FROM assistant_schema").fetchall()
        # assistants without tables of their own (cv, mail, ...) are recorded at version 0
        assert {name: v for name, v in rows if v} == {"causerie.records": 1, "study": 1, "toy": 1}
        assert store.ensure_notebook(Owner("alice"), "n").name == "n"
    finally:
        first.close()
        again.close()
        store.close()
