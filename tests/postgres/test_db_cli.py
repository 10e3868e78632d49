"""`causerie db`: a local server started and stopped, migrations applied and shown."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from causerie.cli.main import cli


def test_upgrade_applies_the_migrations_once_and_shows_the_versions(
    fresh_postgres_url: str,
) -> None:
    first = CliRunner().invoke(cli, ["db", "upgrade", "--url", fresh_postgres_url])
    assert first.exit_code == 0, first.output
    versions = dict(line.split("\t") for line in first.stdout.splitlines())
    expected = {"causerie.store": "2", "causerie.jobs": "1", "causerie.accounts": "1",
                "causerie.records": "1", "assistant.study": "1"}  # fmt: skip
    assert expected.items() <= versions.items()
    again = CliRunner().invoke(cli, ["db", "upgrade", "--url", fresh_postgres_url])
    assert again.exit_code == 0 and again.stdout == first.stdout


def test_a_version_1_store_is_brought_to_version_2(fresh_postgres_url: str) -> None:
    import psycopg

    from causerie.postgres.db import Database
    from causerie.store.postgres import PostgresStore
    from causerie.store.postgres.schema import COMPONENT, STEPS

    db = Database(fresh_postgres_url, max_size=1, vectors=True)
    assert db.migrate(COMPONENT, STEPS[:1]) == 1  # as the first release left it
    db.close()
    PostgresStore(fresh_postgres_url).close()
    with psycopg.connect(fresh_postgres_url) as conn:
        storage = conn.execute(
            "SELECT attstorage FROM pg_attribute WHERE attrelid = 'chunks'::regclass"
            " AND attname = 'tsv'"
        ).fetchone()
        version = conn.execute(
            "SELECT version FROM schema_versions WHERE component = %s", (COMPONENT,)
        ).fetchone()
    assert storage == ("m",) and version == (2,)


def test_upgrade_refuses_an_sqlite_database() -> None:
    result = CliRunner().invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 1
    assert "works on PostgreSQL" in result.stderr


def test_a_database_newer_than_the_code_is_refused(fresh_postgres_url: str) -> None:
    from causerie.errors import StoreError
    from causerie.store.postgres import PostgresStore

    PostgresStore(fresh_postgres_url).close()
    import psycopg

    with psycopg.connect(fresh_postgres_url, autocommit=True) as conn:
        conn.execute("UPDATE schema_versions SET version = 99 WHERE component = 'causerie.store'")
    with pytest.raises(StoreError, match="newer than this Causerie understands"):
        PostgresStore(fresh_postgres_url)


def test_start_prints_a_url_that_serves_then_stop(postgres_server: str) -> None:
    """(postgres_server: only where the postgres extra is installed, as the other tests.)"""
    import tempfile

    import psycopg

    folder = Path(tempfile.mkdtemp(prefix="causerie-dbstart-")) / "pg"
    started = CliRunner().invoke(cli, ["db", "start", "--folder", str(folder)])
    try:
        assert started.exit_code == 0, started.output
        url = started.stdout.strip()
        assert url.startswith("postgresql://")
        with psycopg.connect(url) as conn:
            row = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
            assert row.fetchone() is not None
    finally:
        stopped = CliRunner().invoke(cli, ["db", "stop", "--folder", str(folder)])
    assert "stopped PostgreSQL" in stopped.stderr
    again = CliRunner().invoke(cli, ["db", "stop", "--folder", str(folder)])
    assert "no PostgreSQL running" in again.stderr
    shutil.rmtree(folder.parent, ignore_errors=True)


def test_doctor_checks_the_postgresql_database(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from causerie.store.postgres import PostgresStore

    PostgresStore(postgres_url).close()
    monkeypatch.setenv("CAUSERIE_DATABASE_URL", postgres_url)
    result = CliRunner().invoke(cli, ["doctor"])
    line = next(x for x in result.stdout.splitlines() if "postgresql" in x)
    assert line.startswith("ok") and "PostgreSQL 18" in line and "pgvector 0.8" in line
    assert "causerie.store 2" in line
    assert "causerie.sqlite3" not in result.stdout
